"""Marketing strategies, their unit costs, and the campaign that spends one budget on them.

Strategies compose: a run has a list of them and one budget (currency units, or none for
no cap). Fixed costs (seeding fees, seeded reviews, share-button set-up) are paid at step 0
in list order; per-step costs (ads, community) are paid at the start of each step while
the budget covers them; per-event costs (review incentives, referral rewards) are paid as
events happen while any budget is left, so the last step may overshoot by its events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from models.graph import SocialGraph
from models.params import (
    ParameterError,
    check_choice,
    check_count,
    check_nonneg,
    check_number,
    check_prob,
)
from models.targeting import TARGETING, ranking


def _check_fields(obj: object, name: str) -> None:
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        key = f"strategy.{name}.{f.name}"
        if f.name in {"k", "seeded_reviews", "post_days", "start", "end"}:
            check_count(key, value)
        elif f.name.endswith("_prob") or f.name in {"trust", "reach", "incentive"}:
            check_prob(key, value)
        elif f.name == "targeting":
            check_choice(key, value, TARGETING)
        elif f.name == "seeded_stars":
            check_number(key, value, 1, 5)
        else:
            check_nonneg(key, value)


@dataclass(frozen=True)
class InfluencerSeeding:
    """Give the product to k influencers who post about it (sponsored posts).

    Attributes:
        k: Most influencers to hire; fewer if the budget runs out.
        targeting: How to rank candidates: degree, pagerank, betweenness, kcore, random,
            friend_of_random.
        post_prob: Per step, a seeded influencer posts to all followers (positive).
        trust: Factor (0-1) discounting a sponsored post's persuasion per contact.
        post_days: Length of the contract (steps); afterwards they behave as customers.
        fee_base: Fee per influencer (currency).
        fee_per_follower: Extra fee per follower (currency), so reach costs more.
    """

    k: int = 10
    targeting: str = "degree"
    post_prob: float = 0.3
    trust: float = 0.6
    post_days: int = 60
    fee_base: float = 50.0
    fee_per_follower: float = 2.0

    def __post_init__(self) -> None:
        """Check every field."""
        _check_fields(self, "influencer_seeding")

    def fee(self, audience: int) -> float:
        """Fee for one influencer with ``audience`` followers."""
        return self.fee_base + self.fee_per_follower * audience


@dataclass(frozen=True)
class MoreReviews:
    """Ask customers for reviews with an incentive, optionally seed reviews at launch.

    Attributes:
        incentive: Added to every customer's per-step review probability while paid.
        cost_per_review: Paid per review written while the incentive runs (currency).
        seeded_reviews: Reviews posted before launch (visible from step 0).
        seeded_stars: Star rating of each seeded review.
        cost_per_seeded_review: Cost of one seeded review (currency).
    """

    incentive: float = 0.15
    cost_per_review: float = 5.0
    seeded_reviews: int = 0
    seeded_stars: float = 5.0
    cost_per_seeded_review: float = 20.0

    def __post_init__(self) -> None:
        """Check every field."""
        _check_fields(self, "more_reviews")


@dataclass(frozen=True)
class Ads:
    """Paid advertising reaching a share of all consumers each step of a window.

    Attributes:
        reach: Per step, the probability an unaware consumer sees an ad and becomes aware.
        start: First step of the campaign.
        end: Step after the last (exclusive).
        cost_per_thousand: Cost per 1,000 impressions; a step buys ``reach * n`` of them.
    """

    reach: float = 0.01
    start: int = 1
    end: int = 60
    cost_per_thousand: float = 8.0

    def __post_init__(self) -> None:
        """Check every field."""
        _check_fields(self, "ads")
        if self.end < self.start:
            raise ParameterError(
                f"strategy.ads.end = {self.end}: must be >= strategy.ads.start ({self.start})"
            )


@dataclass(frozen=True)
class ShareButtons:
    """One-click share buttons: every post is more likely.

    Attributes:
        multiplier: Factor (>= 1) on every customer's per-step share probabilities.
        setup_cost: One-off cost (currency).
    """

    multiplier: float = 2.0
    setup_cost: float = 1000.0

    def __post_init__(self) -> None:
        """Check every field."""
        _check_fields(self, "share_buttons")


@dataclass(frozen=True)
class Referral:
    """A reward for every purchase made by a consumer who heard of it from a friend.

    Attributes:
        reward: Paid per referred first purchase (currency).
        share_boost: Factor (>= 1) on satisfied customers' positive share probability.
    """

    reward: float = 10.0
    share_boost: float = 1.5

    def __post_init__(self) -> None:
        """Check every field."""
        _check_fields(self, "referral")


@dataclass(frozen=True)
class Community:
    """A customer community: people forget less, buy again more and stay active longer.

    Attributes:
        forget_multiplier: Factor on aware consumers' per-step forget probability.
        repurchase_multiplier: Factor on satisfied customers' repurchase probability.
        dormancy_multiplier: Factor on the per-step dormancy probability.
        cost_per_step: Running cost per step (currency).
    """

    forget_multiplier: float = 0.5
    repurchase_multiplier: float = 2.0
    dormancy_multiplier: float = 0.5
    cost_per_step: float = 25.0

    def __post_init__(self) -> None:
        """Check every field."""
        _check_fields(self, "community")


STRATEGIES: dict[str, type] = {
    "influencer_seeding": InfluencerSeeding,
    "more_reviews": MoreReviews,
    "ads": Ads,
    "share_buttons": ShareButtons,
    "referral": Referral,
    "community": Community,
}
#: Names a run can use; "baseline" means no strategy.
STRATEGY_NAMES = ("baseline", *STRATEGIES)

Strategy = InfluencerSeeding | MoreReviews | Ads | ShareButtons | Referral | Community


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
                for _ in range(s.seeded_reviews):
                    if not self._buy(s.cost_per_seeded_review):
                        break
                    count += 1
                    total += s.seeded_stars
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
