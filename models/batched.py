"""Many runs in one array pass: R ``VectorMarket`` runs stacked into one population.

Each run's numbers are bit-identical to running it alone (same draws, same summation order).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from models import draws, journey
from models.batchbooks import DIFFERS, BatchTally, RunBooks
from models.content import ContentBook, ContentParams
from models.draws import Decision
from models.graph import SocialGraph
from models.params import ConsumerParams, ProductParams
from models.strategies import Strategy
from models.vectorized import Group, VectorMarket, _blocked


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One run of a batch: what ``VectorMarket(graph, consumer, ...)`` takes.

    Attributes:
        graph: The run's social graph (runs may share one).
        consumer: Consumer behaviour (None: defaults).
        product: The product (None: defaults).
        strategies: Strategies in spending order.
        budget: Spend cap or None.
        seed: The run seed.
    """

    graph: SocialGraph
    consumer: ConsumerParams | None = None
    product: ProductParams | None = None
    strategies: Sequence[Strategy] = ()
    budget: float | None = None
    seed: int = 0


def _stack_csr(mats: Sequence[sp.csr_array]) -> sp.csr_array:
    """The block-diagonal CSR of ``mats`` (each row keeps its entries, in their order)."""
    nnz = np.cumsum([0] + [m.nnz for m in mats])
    size = np.cumsum([0] + [m.shape[0] for m in mats])
    indptr = np.concatenate([m.indptr[:-1].astype(np.int64) + nnz[i] for i, m in enumerate(mats)]
                            + [np.array([nnz[-1]], dtype=np.int64)])
    indices = np.concatenate([m.indices.astype(np.int64) + size[i] for i, m in enumerate(mats)])
    data = np.concatenate([m.data for m in mats])
    out = sp.csr_array((data, indices, indptr), shape=(size[-1], size[-1]))
    out.has_sorted_indices = all(m.has_sorted_indices for m in mats)
    return out


class _BatchDay:
    """The ``Day`` (or a part of it, ``path``) that consumers ``idx`` (sorted) of a batch face.

    A value every run of the batch shares is returned as that run's own value (so the
    rulebook computes exactly what a lone run computes); one that differs is the per
    consumer array of each one's run value (elementwise arithmetic: the same bits).
    """

    __slots__ = ("_batch", "_idx", "_path", "_sizes")

    def __init__(self, batch: BatchMarket, idx: np.ndarray, path: tuple[str, ...] = (),
                 sizes: np.ndarray | None = None) -> None:
        self._batch, self._idx, self._path, self._sizes = batch, idx, path, sizes

    def __getattr__(self, name: str):
        path = (*self._path, name)
        shared, per_run = self._batch.books.day_value(path)
        if shared is not DIFFERS:
            return shared
        if self._sizes is None:  # consumers per run (idx is sorted), counted once per group
            self._sizes = np.diff(np.searchsorted(self._idx, self._batch._offsets))
        if per_run is None:  # a part that differs between runs (levers): look inside
            return _BatchDay(self._batch, self._idx, path, self._sizes)
        return np.repeat(per_run, self._sizes)


class _BatchGroup(Group):
    """Consumers ``idx`` of a batch (stacked indices): a ``Group`` whose counts are per run."""

    __slots__ = ()

    @property
    def count(self) -> np.ndarray:
        """How many consumers of each run the group holds."""
        return self.count_of(None)

    def count_of(self, flags: np.ndarray | None) -> np.ndarray:
        """How many of the group's ``flags`` are set, per run (``idx`` is sorted)."""
        # ndarray.compress: numpy's boolean indexing is slower on mixed flags (as in main)
        chosen = self.idx if flags is None else self.idx.compress(flags)
        return np.diff(np.searchsorted(chosen, self.market._offsets))

    def total_of(self, values: np.ndarray) -> np.ndarray:
        """Per run, the sum of the group's ``values`` (``np.sum`` of each run's slice).

        Run by run: a sum over segments (``np.add.reduceat``) groups the additions
        otherwise, so it differs from a lone run's ``np.sum`` in the last bits.
        """
        bounds = np.searchsorted(self.idx, self.market._offsets).tolist()
        add = np.add.reduce  # np.sum without its Python wrapper (0.0 for an empty slice)
        return np.array([add(values[lo:hi]) for lo, hi in itertools.pairwise(bounds)])


class BatchMarket(VectorMarket):
    """R runs of the array engine advanced together, each bit-identical to running alone.

    The runs' consumers are stacked into one population (run r's consumer i is number
    ``offset[r] + i``) on the block-diagonal of the runs' graphs, so every phase of
    ``VectorMarket`` runs once per day for all of them: Python's per-step cost is paid
    once, not R times. Stacking rather than a leading (R, n) axis lets runs have
    different graphs (replicates) or share one (arms), and keeps the phases as they are:
    what a ``VectorMarket`` holds per consumer (a public array of length n) or per tie (a
    CSR n x n array) is stacked without being named here, so new mechanics carry over.
    What differs per run is handled in the hooks: the uniforms (each run's key, local
    indices), the ``Day`` (``_BatchDay``), the tally (one count per run), and the runs'
    books (``books``: state counts, review boards, money, records), kept as arrays over
    the runs so that a day's books cost one pass for all of them, not one per run.

    Args:
        runs: The runs, or their ``VectorMarket`` at day 0 (taken over, not copied).

    Attributes:
        members: One ``VectorMarket`` per run, holding views of the stacked arrays: read
            its ``records`` and ``end_state()`` as a lone run's (do not step it; its
            ``day``, ``days`` and ``tally`` stay at day 0).
        books: The runs' books (``batchbooks.RunBooks``).
        runs: How many runs.
    """

    def __init__(self, runs: Sequence[RunSpec | VectorMarket]) -> None:
        """Open every run (or take it opened, at day 0), then stack arrays and graphs."""
        if not runs:
            raise ValueError("a batch needs at least one run")
        if any(isinstance(r, VectorMarket) and r.steps for r in runs):
            raise ValueError("a batch takes runs at day 0")
        self.members = [r if isinstance(r, VectorMarket) else VectorMarket(
            r.graph, r.consumer, r.product, r.strategies, r.budget, rng=r.seed) for r in runs]
        for m in self.members:
            why = _unbatchable(m)
            if why:
                raise ValueError(f"a batch cannot take a run with {why}: run it alone")
        self.runs = len(self.members)
        sizes = [m.graph.n for m in self.members]
        self._offsets = np.cumsum([0, *sizes])
        self._run_of = np.repeat(np.arange(self.runs), sizes)
        self._keys = np.array([m.key for m in self.members], dtype=np.uint64)
        self.steps = 0
        first = self.members[0]
        n = first.graph.n
        for name, value in vars(first).items():
            if isinstance(value, sp.csr_array) and value.shape == (n, n):
                # Per-tie values (the graph, exposure weights): one block per run.
                setattr(self, name, _stack_csr([getattr(m, name) for m in self.members]))
            if name.startswith("_") or not isinstance(value, np.ndarray) or value.shape != (n,):
                continue
            stacked = np.concatenate([getattr(m, name) for m in self.members])
            setattr(self, name, stacked)
            for r, m in enumerate(self.members):  # the member sees its rows of the batch
                setattr(m, name, stacked[self._offsets[r]:self._offsets[r + 1]])
        total = int(self._offsets[-1])
        self._active = self._posters = np.zeros(0, dtype=np.int64)
        self._heard_organic = self._heard_sponsored = None
        self._reach_mark = np.zeros(total, dtype=bool)
        self._reached_any = False
        self._bases: dict[Decision, np.ndarray] = {}
        self.tally = BatchTally(self.runs)
        self.books = RunBooks(self.members, self.state, self._run_of)
        # Default content only (checked above): no extra pieces, nothing to spread or track;
        # each member's own book still applies its levers and counts its pieces.
        self.content = ContentBook(ContentParams(), total, 0, first.consumer.persuasion)
        # No segments, complaints weight or replies either (checked above): one Day per
        # consumer group (``_day_of``), no negative exposure, no answered complaints.
        self.days = (None,)
        self._log_negative = self._log_answered = None
        self._complainers = self._answered = self._recovering = np.zeros(0, dtype=np.int64)

    # --- hooks --------------------------------------------------------------------
    def _complain(self, complainers: np.ndarray) -> None:
        # Complaints weigh nothing and nobody answers them in a batch (``_unbatchable``).
        self._complainers = complainers
        self._answered = np.zeros(complainers.size, dtype=bool)
        self._recovering = complainers[:0]

    def _group(self, idx: np.ndarray) -> Group:
        return _BatchGroup(self, idx)

    def _day_of(self, idx: np.ndarray):
        return _BatchDay(self, idx)

    def _hashed(self, decision: Decision, idx: np.ndarray, at) -> np.ndarray:
        """Run r's hashes for its consumers ``idx - offset[r]`` (``idx`` sorted).

        The hash starts from ``local * GOLDEN + base[r]`` (mod 2**64), which is
        ``idx * GOLDEN + (base[r] - offset[r] * GOLDEN)``: one base per run, shifted, and
        the stacked index as it is.
        """
        shifted = self._bases.get(decision)
        if shifted is None:
            base = draws.decision_bases(self._keys, self.steps, decision)
            shifted = self._bases[decision] = base - self._offsets[:-1].astype(np.uint64) \
                * np.uint64(draws.GOLDEN)
        if self.runs == 1:
            return _blocked(lambda block: at(shifted[0], block), idx)

        def hash_block(block: np.ndarray) -> np.ndarray:
            per_run = np.diff(np.searchsorted(block, self._offsets))  # block is sorted
            return at(np.repeat(shifted, per_run), block)

        return _blocked(hash_block, idx)

    # --- the per-run parts of a day: the runs' books (``models.batchbooks``) ---------
    def _open(self) -> None:
        self.steps += 1
        self.books.open(self.steps)
        self._bases.clear()
        self.tally = BatchTally(self.runs)

    def _settle(self, moves: list[tuple[journey.Move, np.ndarray]]) -> None:
        super()._settle(moves)
        self.books.count_moves(moves, self._offsets)

    def _close_day(self) -> None:
        self.books.close(self.tally)

    def _record(self) -> None:
        self.books.record(self.steps, self.tally)

    @property
    def record(self):
        """Not one run's: read ``members[r].record``."""
        raise AttributeError("a batch has one record per run: read members[r].record")

    def end_state(self):
        """Not one run's: read ``members[r].end_state()``."""
        raise AttributeError("a batch has one end state per run: read members[r].end_state()")


def unbatchable(consumer: ConsumerParams, product: ProductParams, strategies,
                default_content: bool, segmented: bool) -> str | None:
    """Why a run's mechanics keep state a batch does not split per run (None: it batches).

    Extra content types (per-run boards and feeds), segments (a Day per segment), the
    weight of complaints, replies to them, and review-driven visibility are run alone.
    The one check: ``BatchMarket`` asks it of each run, and
    ``simulation.running.runner.batchable`` of a run's parameters.
    """
    if not default_content:
        return "extra content types"
    if segmented:
        return "segments"
    if consumer.negativity_weight:
        return "a negativity weight"
    if any(s.name == "reply_to_complaints" for s in strategies):
        return "replies to complaints"
    if product.visibility_rating_weight or product.visibility_volume_weight:
        return "review-driven visibility"
    return None


def _unbatchable(market: VectorMarket) -> str | None:
    """``unbatchable`` of a run opened at day 0."""
    return unbatchable(market.consumer, market.product, market.campaign.strategies,
                       not market.content.active,
                       len(market.days) > 1 or market.segment_ledger is not None)
