"""The runner: plain parameters -> one simulation -> a per-step table and a summary."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from models.batched import BatchMarket, unbatchable
from models.graph import SocialGraph
from models.market import TIMESERIES_COLUMNS
from models.segments import segment_columns
from models.segments import summary_metrics as segment_summary
from models.strategies import Strategy
from models.vectorized import VectorMarket
from simulation.networks.generators import build_network
from simulation.params import ENGINES, RunParams
from simulation.running.allocator import prefer_heap
from simulation.running.metrics import summarize

if TYPE_CHECKING:  # the agent engine (Mesa) is imported only by a run that uses it
    from models.engines import Engine

__all__ = ["BATCH_MAX_CONSUMERS", "ENGINES", "RunParams", "RunResult", "batchable",
           "resolve_engine", "result_of", "run", "run_batch", "start_engine"]

#: ``engine=auto`` uses the agent engine up to this many consumers, vectorized above.
AUTO_AGENT_MAX_N = 1000


def resolve_engine(engine: str, n: int) -> str:
    """The engine a run uses: ``auto`` picks by population size."""
    if engine != "auto":
        return engine
    return "agent" if n <= AUTO_AGENT_MAX_N else "vectorized"


def start_engine(params: RunParams, graph: SocialGraph,
                 strategies: tuple[Strategy, ...] | None = None) -> Engine:
    """The engine ``params`` asks for, at day 0 on ``graph``.

    Args:
        params: The run's parameters (engine, consumer, product, budget, seed).
        graph: The social graph.
        strategies: Strategies instead of ``params.strategies`` (``()`` for a baseline
            twin facing the same draws).
    """
    from models.engines import ENGINE_CLASSES

    engine = ENGINE_CLASSES[resolve_engine(params.engine, graph.n)]
    return engine(graph, params.consumer, params.product,
                  params.strategies if strategies is None else strategies, params.budget,
                  segments=params.segments, rng=params.seed, content=params.content)


@dataclass
class RunResult:
    """What one run produces."""

    timeseries: pd.DataFrame
    summary: dict
    final: dict[str, np.ndarray]
    graph: SocialGraph
    #: The run's ``models.content.ContentBook`` (touch paths when ``content.track``).
    content: object = None
    #: Per-step, per-segment counts (``models.segments.segment_columns``); None unsegmented.
    segments: pd.DataFrame | None = None


def run(
    params: RunParams,
    graph: SocialGraph | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run one simulation.

    Args:
        params: The run's parameters.
        graph: A prebuilt graph (otherwise built from ``params.network`` and the seed).
        progress: Called as ``progress(step, steps)`` after every step.

    Returns:
        The per-step table, the summary metrics (with seed, n, steps, engine and
        wall_seconds), the end-state arrays and the graph.

    Example:
        >>> from simulation.networks.generators import NetworkParams
        >>> from models.strategies import InfluencerSeeding
        >>> result = run(RunParams(network=NetworkParams(n=500), steps=60,
        ...                        strategies=(InfluencerSeeding(k=5),), seed=1))
        >>> len(result.timeseries), result.summary["engine"], result.summary["n"]
        (61, 'agent', 500)
    """
    start = time.perf_counter()
    prefer_heap(graph.n if graph is not None else params.network.consumers or 0)
    if graph is None:
        graph = build_network(params.network, params.seed)
        prefer_heap(graph.n)  # (a file's size is known once read)
    model = start_engine(params, graph)
    for t in range(params.steps):
        model.step()
        if progress:
            progress(t + 1, params.steps)
    return result_of(params, graph, model, start)


#: A batch stacks at most this many consumers (more runs go in several batches), so its
#: memory stays that of one run of this size; per-run speed no longer grows well before.
BATCH_MAX_CONSUMERS = 400_000


def batchable(params: RunParams, n: int) -> bool:
    """Whether a run can join a batch (``run_batch``).

    It must run on the array engine, without the mechanics a batch runs alone
    (``models.batched``): extra content types, segments, complaints' weight, replies,
    review-driven visibility.
    """
    return resolve_engine(params.engine, n) == "vectorized" and unbatchable(
        params.consumer, params.product, params.strategies, params.content.is_default,
        params.segments.active) is None


def run_batch(
    runs: Sequence[RunParams],
    graphs: Sequence[SocialGraph | None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RunResult | Exception]:
    """Run several simulations of the array engine at once (``models.batched``).

    Each result is bit-identical to ``run(params, graph)`` (``wall_seconds`` is the
    batch's). Runs of one batch must have the same number of steps; they may have
    different graphs, seeds, strategies and parameters; more than ``BATCH_MAX_CONSUMERS``
    consumers in all go in several batches, one after the other. A run that fails to start does
    not take the others down: it comes back as its exception. (A day of the batch raises
    only for a bug in the engine, which would fail every run alike.)

    Args:
        runs: The runs (every one ``batchable``).
        graphs: Prebuilt graphs, one per run (None entries: built from the run's
            network and seed).
        progress: Called as ``progress(step, steps)`` after every step of the batch.

    Returns:
        Per run, in order, its ``RunResult`` or the exception it raised.
    """
    if not runs:
        return []
    start = time.perf_counter()
    graphs = list(graphs) if graphs is not None else [None] * len(runs)
    lengths = {p.steps for p in runs}
    if len(lengths) != 1:
        raise ValueError(f"steps = {sorted(lengths)}: a batch's runs share one length")
    (length,) = lengths
    out: list[RunResult | Exception | None] = [None] * len(runs)
    opened: dict[int, tuple[SocialGraph, VectorMarket]] = {}

    def advance() -> None:  # the runs opened so far, as one batch
        batch = BatchMarket([market for _, market in opened.values()])
        for t in range(length):
            batch.step()
            if progress:
                progress(t + 1, length)
        for i, (g, market) in opened.items():
            out[i] = result_of(runs[i], g, market, start)
        opened.clear()

    stacked = 0
    for i, (p, g) in enumerate(zip(runs, graphs, strict=True)):
        try:  # each run opens alone: one that cannot start fails alone
            g = g if g is not None else build_network(p.network, p.seed)
            if not batchable(p, g.n):
                raise ValueError(f"engine = {p.engine}: only the vectorized engine batches")
            if opened and stacked + g.n > BATCH_MAX_CONSUMERS:
                advance()
                stacked = 0
            opened[i] = g, VectorMarket(g, p.consumer, p.product, p.strategies, p.budget,
                                        rng=p.seed)
            stacked += g.n
        except Exception as exc:  # handed back to the caller
            out[i] = exc
    if opened:
        advance()
    return out


#: Columns of the per-step table that are not counts.
_MONEY_AND_RATING = ("avg_rating", "spend", "revenue")
_COUNTS = [c for c in TIMESERIES_COLUMNS if c not in _MONEY_AND_RATING]


def timeseries_table(records: Sequence[dict]) -> pd.DataFrame:
    """The per-step table of an engine's records: counts as int64, the rest as inferred.

    Built as one integer block (a sweep makes hundreds of these tables: converting
    column by column cost more than a 10,000-consumer run's summary).
    """
    counts = pd.DataFrame(np.array([[r[c] for c in _COUNTS] for r in records], dtype=np.int64)
                          .reshape(len(records), len(_COUNTS)), columns=_COUNTS)
    rest = pd.DataFrame.from_records(records, columns=list(_MONEY_AND_RATING))
    return pd.concat([counts, rest], axis=1)[list(TIMESERIES_COLUMNS)]


def result_of(params: RunParams, graph: SocialGraph, model: Engine, start: float) -> RunResult:
    """The tables and summary of a run that has taken its steps."""
    engine = resolve_engine(params.engine, graph.n)
    table = timeseries_table(model.records)
    final = model.end_state()
    summary = {
        "seed": params.seed,
        "n": graph.n,
        "steps": params.steps,
        "engine": engine,
        **summarize(table, final, params.product),
    }
    seg_table = None
    ledger = getattr(model, "segment_ledger", None)
    if ledger is not None:
        seg_table = pd.DataFrame.from_records(ledger.rows, columns=list(segment_columns()))
        summary.update(segment_summary(ledger.names, ledger.of, final))
    summary["wall_seconds"] = round(time.perf_counter() - start, 3)
    return RunResult(table, summary, final, graph, model.content, seg_table)
