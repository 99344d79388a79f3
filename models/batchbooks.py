"""The per-run books of a batch of runs (``models.batched``), kept as arrays over the runs.

State counts, tallies, review boards, adopters and the day's values are one array pass a
day for all runs; only the strategies' hooks run run by run, and only for runs that have any.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from types import MappingProxyType

import numpy as np

from models import journey, rules
from models.campaign import Levers
from models.market import Day, StepTally, average_rating, open_day, step_rows, under_contract

#: Journey states (the columns of a run's state counts).
_STATES = len(journey.JourneyState)
#: The levers of a run without strategies (``Campaign.levers`` of none).
_NO_LEVERS = Levers()
#: A ``Day`` value that differs between runs (``RunBooks.day_value``).
DIFFERS = object()


def _change(before: int, after: int) -> np.ndarray:
    row = np.zeros(_STATES, dtype=np.int64)
    row[before], row[after] = -1, 1
    return row


#: What each move that changes state does to the state counts (a move belongs to one
#: choice, so it leaves one state).
_MOVES = {id(m): _change(c.state, m.to) for c in journey.CHOICES.values()
          for m in c.moves if m.to != c.state}


class BatchTally:
    """A ``StepTally`` with one number per run (every counter an array over the runs)."""

    #: The counters (numbers); ``content_pieces`` (extra content types) stays empty, as a
    #: batch takes default content only.
    COUNTERS = tuple(f.name for f in dataclasses.fields(StepTally)
                     if isinstance(f.default, int | float))
    _FLOATS = frozenset(f.name for f in dataclasses.fields(StepTally)
                        if isinstance(f.default, float))

    def __init__(self, runs: int) -> None:
        ints = iter(np.zeros((len(self.COUNTERS) - len(self._FLOATS), runs), dtype=np.int64))
        floats = iter(np.zeros((len(self._FLOATS), runs)))
        for name in self.COUNTERS:
            setattr(self, name, next(floats if name in self._FLOATS else ints))

    def of_run(self, r: int) -> _RunTally:
        """Run ``r``'s tally, read as a ``StepTally`` (Python ints and floats, as alone)."""
        return _RunTally(self, r)


class _RunTally:
    """One run's ``StepTally`` in a ``BatchTally``: fields read when asked (``settle``)."""

    __slots__ = ("_r", "_tally")
    #: No extra content types in a batch.
    content_pieces = MappingProxyType({})

    def __init__(self, tally: BatchTally, r: int) -> None:
        self._tally, self._r = tally, r

    def __getattr__(self, name: str):
        return getattr(self._tally, name).item(self._r)


class RunBooks:
    """What each run of a batch books per day, held across runs: the runs' ledgers.

    Per run: state counts (kept from the day's moves), the review board (count and sum
    of the visible stars), adopters, today's spend and ``Day``. Runs without strategies
    pay nothing and face one ``Day`` per distinct consumer and product parameters (an
    arm) all along; a run with strategies opens its day and settles its money with its
    own campaign, as alone, and shares the ``Day`` of runs of its arm whose levers and
    contract agree. Every run's numbers are the ones it books alone, to the bit: integer
    counts are exact, sums are taken in the same order (see ``close``).

    At the end of each day every member gets its row in ``records`` and its ``steps``,
    ``adopters``, ``spend``, board and content counts, as alone; its ``day``, ``days`` and
    ``tally`` stay at day 0 (the batch's ``_day_of`` and ``tally`` hold them).

    Args:
        members: The runs' ``VectorMarket`` at day 0.
        state: The stacked journey states (run r's consumers in order, then run r + 1's).
        run_of: Each stacked consumer's run.
    """

    def __init__(self, members: Sequence, state: np.ndarray, run_of: np.ndarray) -> None:
        self.members = members
        runs = self.runs = len(members)
        self.counts = np.bincount(run_of * _STATES + state,
                                  minlength=runs * _STATES).reshape(runs, _STATES)
        self.board_count = np.array([m.board.count for m in members], dtype=np.int64)
        self.board_total = np.array([m.board.total for m in members], dtype=np.float64)
        self.adopters = np.array([m.adopters for m in members], dtype=np.int64)
        self._prior_rating = np.array([m.product.prior_rating for m in members], dtype=float)
        self._prior_weight = np.array([m.product.prior_weight for m in members], dtype=float)
        self._prices = [m.product.price for m in members]
        #: Runs with strategies (their campaigns open and settle their days).
        self.spenders = [r for r, m in enumerate(members) if m.campaign.strategies]
        # Arms: runs of equal consumer and product parameters (their Days agree but for
        # the board, levers and contract).
        arms: dict[tuple, int] = {}
        self._arm_of = [arms.setdefault((m.segment_consumers, m.segment_names, m.product),
                                        len(arms))
                        for m in members]
        self._arm_runs = {a: r for r, a in reversed(list(enumerate(self._arm_of)))}
        self._templates: dict[tuple, Day] = {}
        self._levers = [_NO_LEVERS] * runs
        self._spends = [0.0] * runs
        # Runs without strategies face their arm's Day without levers every day.
        quiet = [r for r in range(runs) if r not in set(self.spenders)]
        self.days: list[Day] = []
        self.day_of_run = np.zeros(runs, dtype=np.intp)
        self._quiet_days: dict[int, int] = {}  # id of a quiet arm's Day -> its index
        for r in quiet:
            day = self._template(self._arm_of[r], _NO_LEVERS, None, 1)
            k = self._quiet_days.get(id(day))
            if k is None:
                k = self._quiet_days[id(day)] = len(self.days)
                self.days.append(day)
            self.day_of_run[r] = k
        self._quiet_count = len(self.days)
        self._values: dict[tuple[str, ...], tuple] = {}
        #: The board's ``Day`` values, computed again when some review was published.
        self._board = self._board_values()
        self._published = False

    # --- the day ------------------------------------------------------------------
    def open(self, step: int) -> None:
        """Open day ``step`` for every run: its ``Day`` (one object for runs that agree).

        A run with strategies pays its running costs with its own campaign
        (``Campaign.levers``, as ``market.open_days``); runs whose arm, levers and
        contract agree share one ``Day``, built once by ``market.open_day`` and kept
        while they keep agreeing; the board's fields come from the board arrays and
        ``step`` from the batch (a kept ``Day`` may be from an earlier day).
        """
        values = self._values
        if self.spenders:
            days = self.days[:self._quiet_count]
            ids = dict(self._quiet_days)
            of_run = self.day_of_run.copy()
            for r in self.spenders:
                day = self._spender_day(r, step)
                k = ids.get(id(day))
                if k is None:
                    k = ids[id(day)] = len(days)
                    days.append(day)
                of_run[r] = k
            if len(days) != len(self.days) or any(
                    a is not b for a, b in zip(days, self.days, strict=False)) or not \
                    np.array_equal(of_run, self.day_of_run):
                self.days, self.day_of_run = days, of_run
                values = self._values = dict(self._board)
        if self._published:
            self._board = self._board_values()
            self._published = False
            values.update(self._board)
        elif not values:
            values.update(self._board)
        values[("step",)] = (step, None)

    def _spender_day(self, r: int, step: int) -> Day:
        """Run ``r``'s ``Day`` (``market.open_days`` of one segment): it pays today's levers."""
        m = self.members[r]
        levers = self._levers[r] = m.campaign.levers(step)
        seeding = m.campaign.seeding
        day = self._template(self._arm_of[r], levers,
                             seeding if under_contract(seeding, step) else None, step)
        if levers.content_boost or levers.amplify:  # default content: nothing else changes
            day = m.content.open_day(day, levers)
        return day

    def _template(self, arm: int, levers: Levers, seeding, step: int) -> Day:
        """The ``Day`` of ``arm``'s parameters under ``levers`` (``seeding``: under contract).

        Built on day ``step`` from one run's board, whose fields the batch does not read.
        """
        # By identity (``Campaign.levers`` makes equal levers once; the Day keeps both
        # alive): a frozen dataclass hashes all its fields at every lookup.
        key = (arm, id(levers), id(seeding))
        day = self._templates.get(key)
        if day is None:
            m = self.members[self._arm_runs[arm]]
            day = self._templates[key] = open_day(step, m.segment_consumers[0], m.product,
                                                  levers, seeding, m.board,
                                                  m.segment_names[0])
        return day

    def _board_values(self) -> dict[tuple[str, ...], tuple]:
        """Today's shown rating and review count of every run (``market.Day``'s, as arrays)."""
        count = self.board_count
        shown = rules.shown_rating(count, self.board_total, self._prior_rating,
                                   self._prior_weight)
        return {("shown_rating",): _shared_or_not(shown, float),
                ("review_count",): _shared_or_not(count.copy(), int)}  # the day's, kept

    def day_value(self, path: tuple[str, ...]) -> tuple:
        """``(value every run shares or DIFFERS, per-run array or None)`` of ``day.<path>``.

        A value that differs is one array over the runs, or None for a part of the ``Day``
        (a dataclass: levers, parameters) whose fields are to be looked up one by one.
        """
        got = self._values.get(path)
        if got is None:
            days = self.days
            values = []
            for v in days:
                for name in path:
                    v = getattr(v, name)
                values.append(v)
            first = values[0]
            if all(type(v) is type(first) and v == first for v in values[1:]):
                got = (first, None)
            elif dataclasses.is_dataclass(first):
                got = (DIFFERS, None)
            else:
                got = (DIFFERS, np.array(values)[self.day_of_run])
            self._values[path] = got
        return got

    # --- the moves, the money, the record ---------------------------------------------
    def count_moves(self, moves, offsets: np.ndarray) -> None:
        """Move today's movers between their runs' state counts.

        Args:
            moves: ``(move, who)`` pairs of the day (``VectorMarket._decide``), ``who``
                sorted.
            offsets: Where each run's consumers start in the batch, and the total.
        """
        moved = [(who, _MOVES[id(move)]) for move, who in moves
                 if who.size and id(move) in _MOVES]
        if moved:  # movers per (move, run), times each move's change of the counts
            per_run = (np.array([[who.size] for who, _ in moved]) if self.runs == 1 else
                       np.diff([np.searchsorted(who, offsets) for who, _ in moved]))
            self.counts += per_run.T @ np.array([change for _, change in moved])

    def close(self, tally: BatchTally) -> None:
        """Publish today's reviews, count adopters and settle each spender's money.

        A board adds today's star sum (``np.sum`` of the run's reviewers, ``_BatchGroup``)
        once, as ``ReviewBoard.publish`` does.
        """
        written = tally.reviews_written
        published = written > 0
        if published.any():
            self.board_count += written
            np.add(self.board_total, tally.review_stars, out=self.board_total, where=published)
            self._published = True
        self.adopters += tally.new_adopters
        for r in self.spenders:
            m = self.members[r]
            self._spends[r] = m.campaign.settle(self._levers[r], tally.of_run(r))

    def record(self, step: int, tally: BatchTally) -> None:
        """Append every run's row of the day to its ``records``; bring each member up to date.

        The member's content counts are ``ContentBook.close_day``'s for default content
        (positive posts and reviews made; no page boards).
        """
        count, total = self.board_count.tolist(), self.board_total.tolist()
        rating = list(map(average_rating, count, total))
        positive, written = tally.shares_positive.tolist(), tally.reviews_written.tolist()
        adopters = self.adopters.tolist()
        rows = step_rows(step, self.counts, tally.new_adopters.tolist(),
                         tally.repurchases.tolist(), adopters, count, rating, positive,
                         tally.shares_negative.tolist(), self._spends, self._prices)
        for m, row, c, t, a, s, p, w in zip(self.members, rows, count, total, adopters,
                                            self._spends, positive, written, strict=True):
            m.records.append(row)
            m.steps, m.adopters, m.spend = step, a, s
            board, created = m.board, m.content.created
            board.count, board.total = c, t
            created["post"] += p
            created["review"] += w


def _shared_or_not(values: np.ndarray, kind: type) -> tuple:
    """``(value as a Python kind, None)`` when all runs agree, else ``(DIFFERS, values)``."""
    first = values[0]
    if (values == first).all():
        return kind(first), None
    return DIFFERS, values
