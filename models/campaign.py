"""The campaign: one budget spent on a run's strategies, shared by both engines.

Fixed costs (seeding fees, seeded reviews, share-button set-up) are paid at step 0 in
list order; per-step costs (ads, community) are paid at the start of each step while
the budget covers them; per-event costs (review incentives, referral rewards) are paid as
events happen while any budget is left, so the last step may overshoot by its events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from models.graph import SocialGraph
from models.params import ParameterError, check_nonneg
from models.strategies import (
    Ads,
    Community,
    InfluencerSeeding,
    MoreReviews,
    Referral,
    ShareButtons,
    Strategy,
)
from models.targeting import ranking


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


@dataclass
class Launch:
    """What the campaign sets up at step 0."""

    seeds: np.ndarray
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
    """

    strategies: Sequence[Strategy] = ()
    budget: float | None = None
    n: int = 0
    spent: float = 0.0
    seeding: InfluencerSeeding | None = field(init=False, default=None)
    _buttons_bought: bool = field(init=False, default=False)
    _step_spend: float = field(init=False, default=0.0)

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

    @property
    def remaining(self) -> float:
        """Budget left (infinite without a cap)."""
        return np.inf if self.budget is None else self.budget - self.spent

    def _buy(self, cost: float) -> bool:
        if cost <= self.remaining:
            self.spent += cost
            self._step_spend += cost
            return True
        return False

    def launch(self, graph: SocialGraph, rng: np.random.Generator) -> Launch:
        """Pay the fixed costs at step 0: hire influencers, seed reviews, buy share buttons.

        Args:
            graph: The social graph (influencer fees depend on audience).
            rng: The run's targeting stream.
        """
        self._step_spend = 0.0
        seeds: list[int] = []
        count, total = 0, 0.0
        for s in self.strategies:
            if isinstance(s, InfluencerSeeding) and s.k > 0:
                audience = graph.audience
                for i in ranking(graph, s.targeting, rng):
                    if self._buy(s.fee(int(audience[i]))):
                        seeds.append(i)
                        if len(seeds) == s.k:
                            break
                    elif self.remaining < s.fee_base:
                        break  # nobody is affordable any more
            elif isinstance(s, MoreReviews):
                # Counted, not looped: seeded_reviews may be large (a loop would hang).
                cost = s.cost_per_seeded_review
                affordable = (s.seeded_reviews if cost == 0 or self.budget is None
                              else min(s.seeded_reviews, int(max(self.remaining, 0) // cost)))
                if affordable:
                    self.spent += affordable * cost
                    self._step_spend += affordable * cost
                    count += affordable
                    total += affordable * s.seeded_stars
            elif isinstance(s, ShareButtons):
                self._buttons_bought = self._buy(s.setup_cost)
        return Launch(np.array(sorted(seeds), dtype=np.int64), count, total, self._step_spend)

    def levers(self, step: int) -> Levers:
        """Start a step: pay per-step costs that the budget covers; return active levers."""
        self._step_spend = 0.0
        values: dict[str, float | bool] = {}
        for s in self.strategies:
            if isinstance(s, Ads) and s.start <= step < s.end:
                if self._buy(s.cost_per_thousand * s.reach * self.n / 1000.0):
                    values["ad_reach"] = s.reach
            elif isinstance(s, ShareButtons) and self._buttons_bought:
                values["share_multiplier"] = s.multiplier
            elif isinstance(s, Referral) and self.remaining > 0:
                values["referral_active"] = True
                values["positive_multiplier"] = s.share_boost
            elif isinstance(s, MoreReviews) and self.remaining > 0:
                values["review_incentive"] = s.incentive
            elif isinstance(s, Community) and self._buy(s.cost_per_step):
                values["forget_multiplier"] = s.forget_multiplier
                values["repurchase_multiplier"] = s.repurchase_multiplier
                values["dormancy_multiplier"] = s.dormancy_multiplier
        return Levers(**values)  # type: ignore[arg-type]

    def settle(self, levers: Levers, reviews: int, referred_purchases: int) -> float:
        """End a step: pay for incentivised reviews and referred purchases.

        Returns:
            Everything spent in this step (including the costs paid in ``levers``).
        """
        for s in self.strategies:
            if isinstance(s, MoreReviews) and levers.review_incentive > 0:
                self._pay(s.cost_per_review * reviews)
            elif isinstance(s, Referral) and levers.referral_active:
                self._pay(s.reward * referred_purchases)
        return self._step_spend

    def _pay(self, cost: float) -> None:
        self.spent += cost
        self._step_spend += cost
