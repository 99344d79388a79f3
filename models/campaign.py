"""The campaign: one budget spent on a run's strategies, shared by both engines.

Fixed costs (seeding fees, seeded reviews, share-button set-up) are paid at step 0 in
list order; per-step costs (ads, community) are paid at the start of each step while
the budget covers them; per-event costs (review incentives, referral rewards) are paid as
events happen while any budget is left, so the last step may overshoot by its events.
Each strategy declares its own costs and levers (``models.strategies.Strategy``); the
campaign only calls them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from models.graph import SocialGraph
from models.params import ParameterError, check_nonneg
from models.strategies import InfluencerSeeding, Strategy


@dataclass(frozen=True)
class Levers:
    """What the strategies change in one step (after the budget check)."""

    ad_reach: float = 0.0
    share_multiplier: float = 1.0
    positive_multiplier: float = 1.0
    review_incentive: float = 0.0
    referral_active: bool = False
    forget_multiplier: float = 1.0
    repurchase_multiplier: float = 1.0
    dormancy_multiplier: float = 1.0
    ad_segment: str | None = None
    reply_share: float = 0.0
    reply_recovery: float = 0.0
    #: ``(content type, added creation probability)`` of incentives (``models.content``).
    content_boost: tuple[tuple[str, float], ...] = ()
    #: ``(content type, reach per day)`` of paid amplification (``models.content``).
    amplify: tuple[tuple[str, float], ...] = ()


@functools.lru_cache(maxsize=1024)
def _levers(values: tuple) -> Levers:
    """The ``Levers`` of ``(field, type, value)`` triples, made once.

    Levers repeat from day to day and from run to run: made once, they cost a lookup.
    """
    return Levers(**{k: v for k, _, v in values})


@dataclass
class Launch:
    """What the campaign sets up at step 0 (seeds: consumer indices, sorted at the end)."""

    seeds: list[int] = field(default_factory=list)
    seeded_review_count: int = 0
    seeded_review_sum: float = 0.0
    spend: float = 0.0


@dataclass
class Campaign:
    """One budget spent on a list of strategies over a run (shared by both engines).

    Args:
        strategies: The strategies, in spending priority order.
        budget: Total spend cap (currency), or None for no cap.
        n: Number of consumers (ads buy impressions for a share of them).
        segment_names: Segment names, in order (``models.segments``).
        segment_of: Each consumer's segment index, or None without segments.
    """

    strategies: Sequence[Strategy] = ()
    budget: float | None = None
    n: int = 0
    segment_names: tuple[str, ...] = ()
    segment_of: np.ndarray | None = None
    spent: float = 0.0
    #: Incentive cost per piece by content type (``models.content``).
    content_costs: dict[str, float] = field(default_factory=dict)
    seeding: InfluencerSeeding | None = field(init=False, default=None)
    #: Names of strategies whose one-off purchase went through (share buttons).
    bought: set[str] = field(init=False, default_factory=set)
    _step_spend: float = field(init=False, default=0.0)
    _sizes: np.ndarray | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        """Check the budget and that no strategy is listed twice."""
        if self.budget is not None:
            check_nonneg("budget", self.budget)
        kinds = [type(s).__name__ for s in self.strategies]
        dupes = sorted({k for k in kinds if kinds.count(k) > 1})
        if dupes:
            raise ParameterError(f"strategy = {dupes}: each strategy may be listed once")
        for s in self.strategies:
            if isinstance(s, InfluencerSeeding):
                self.seeding = s
                if self.n and s.k >= self.n:  # a file's size is known only once it is read
                    raise ParameterError(
                        f"strategy.influencer_seeding.k = {s.k}: must be smaller than the "
                        f"{self.n:,} consumers (someone has to be left to persuade)")

    def in_segment(self, i: int, segment: str | None) -> bool:
        """Whether consumer ``i`` belongs to ``segment`` (None: everyone does)."""
        if segment is None:
            return True
        return self._segment_index(segment) == int(self.segment_of[i])

    def size(self, segment: str | None) -> int:
        """How many consumers ``segment`` holds (None: all of them)."""
        if segment is None:
            return self.n
        k = self._segment_index(segment)
        if self._sizes is None:  # counted once: ads ask every day
            self._sizes = np.bincount(self.segment_of, minlength=len(self.segment_names))
        return int(self._sizes[k])

    def _segment_index(self, segment: str) -> int:
        if self.segment_of is None or segment not in self.segment_names:
            raise ParameterError(f"segment = {segment!r}: not a segment of this run; "
                                 f"segments: {', '.join(self.segment_names) or 'none'}")
        return self.segment_names.index(segment)

    @property
    def remaining(self) -> float:
        """Budget left (infinite without a cap)."""
        return np.inf if self.budget is None else self.budget - self.spent

    def content_cost(self, name: str) -> float:
        """Incentive cost of one piece of content type ``name``."""
        return self.content_costs.get(name, 0.0)

    def buy(self, cost: float) -> bool:
        """Pay ``cost`` if the budget covers it; return whether it was paid."""
        if cost <= self.remaining:
            self.pay(cost)
            return True
        return False

    def pay(self, cost: float) -> None:
        """Pay ``cost`` (a per-event cost, paid even if it overshoots the budget)."""
        self.spent += cost
        self._step_spend += cost

    def launch(self, graph: SocialGraph, rng: np.random.Generator) -> Launch:
        """Pay the fixed costs at step 0: each strategy's ``launch``, in list order.

        Args:
            graph: The social graph (influencer fees depend on audience).
            rng: The run's targeting stream.
        """
        self._step_spend = 0.0
        launch = Launch()
        for s in self.strategies:
            s.launch(self, launch, graph, rng)
        launch.seeds = np.array(sorted(launch.seeds), dtype=np.int64)
        launch.spend = self._step_spend
        return launch

    def levers(self, step: int) -> Levers:
        """Start a step: each strategy pays its running costs and sets its levers."""
        self._step_spend = 0.0
        values: dict[str, float | bool] = {}
        for s in self.strategies:
            values.update(s.levers(self, step))
        return _levers(tuple((k, type(v), v) for k, v in values.items()))

    def settle(self, levers: Levers, tally) -> float:
        """End a step: each strategy pays its per-event costs for today's ``tally``.

        Returns:
            Everything spent in this step (including the costs paid in ``levers``).
        """
        for s in self.strategies:
            s.settle(self, levers, tally)
        return self._step_spend
