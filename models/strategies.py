"""Marketing strategies: what each one changes and costs, declared with its schema.

Strategies compose: a run has a list of them and one budget, spent by
``models.campaign.Campaign``. Every field's meaning, unit and range is declared once in
its ``param`` spec; ``__post_init__`` checks them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.schema import ParameterError, param, prob, validate

#: How influencers can be ranked (``models.targeting.ranking`` implements each).
TARGETING = ("degree", "pagerank", "betweenness", "kcore", "random", "friend_of_random")
#: Upper bound of every count of days (contract length, campaign days).
MAX_DAYS = 1_000_000
#: Upper bound of every multiplier: probabilities are capped at 1 long before.
MAX_MULTIPLIER = 100.0
MONEY = 1e12


def _money(default: float, label: str, meaning: str) -> float:
    return param(default, label, meaning, "currency", low=0.0, high=MONEY)


@dataclass(frozen=True)
class InfluencerSeeding:
    """Give the product to k influencers who post about it (sponsored posts).

    The fee of one influencer is ``fee_base + fee_per_follower x followers``.
    """

    k: int = param(10, "Influencers", "most influencers hired (fewer if the budget runs out: "
                   "seeds = what the budget buys, down the ranking); fewer than the consumers",
                   "influencers", low=0, high=10**9)
    targeting: str = param("degree", "Targeting", "how candidates are ranked (betweenness is "
                           "sampled above 500 consumers)", choices=TARGETING)
    post_prob: float = prob(0.3, "Influencer post probability",
                            "a seeded influencer posts (positive, sponsored) to all followers")
    trust: float = param(0.6, "Trust in sponsored posts",
                         "a sponsored post persuades at trust x an organic share", "factor",
                         low=0.0, high=1.0)
    post_days: int = param(60, "Contract days", "contract length (days 1..post_days: "
                           "sponsored posts, attributed to influencer, no review, repurchase "
                           "or dormancy); afterwards influencers are ordinary customers "
                           "(organic posts at full persuasion attributed to share, reviews, "
                           "repurchase, dormancy)", "days", low=0, high=MAX_DAYS)
    fee_base: float = _money(50.0, "Fee per influencer", "fee per influencer")
    fee_per_follower: float = _money(2.0, "Fee per follower", "plus this per follower")

    def __post_init__(self) -> None:
        """Check every field against its spec."""
        validate(self, "strategy.influencer_seeding")

    def fee(self, audience: int) -> float:
        """Fee for one influencer with ``audience`` followers."""
        return self.fee_base + self.fee_per_follower * audience


@dataclass(frozen=True)
class MoreReviews:
    """Ask customers for reviews with an incentive, optionally seed reviews at launch."""

    incentive: float = prob(0.15, "Review incentive",
                            "added to every customer's per-day review probability while paid")
    cost_per_review: float = _money(5.0, "Cost per review", "paid per review written while the "
                                    "incentive runs (stops when the budget is spent)")
    seeded_reviews: int = param(0, "Seeded reviews", "reviews posted before launch (visible "
                                "from day 0)", "reviews", low=0, high=10**9)
    seeded_stars: float = param(5.0, "Seeded stars", "star rating of each seeded review",
                                "stars", low=1.0, high=5.0)
    cost_per_seeded_review: float = _money(20.0, "Cost per seeded review",
                                           "cost of one seeded review")

    def __post_init__(self) -> None:
        """Check every field against its spec."""
        validate(self, "strategy.more_reviews")


@dataclass(frozen=True)
class Ads:
    """Paid advertising reaching a share of all consumers each day of a window."""

    reach: float = prob(0.01, "Ad reach", "chance an unaware consumer sees an ad and becomes "
                        "aware")
    start: int = param(1, "Campaign start", "first day of the campaign (must be within the "
                       "run: start <= steps)", "day", low=0, high=MAX_DAYS)
    end: int = param(60, "Campaign end", "day after the last (days start .. end-1; end >= "
                     "start)", "day", low=0, high=MAX_DAYS)
    cost_per_thousand: float = _money(8.0, "Cost per 1,000 impressions",
                                      "a day buys reach x n impressions; stops when the "
                                      "budget cannot pay a day")

    def __post_init__(self) -> None:
        """Check every field against its spec, and the window."""
        validate(self, "strategy.ads")
        if self.end < self.start:
            raise ParameterError(
                f"strategy.ads.end = {self.end}: must be >= strategy.ads.start ({self.start})"
            )


@dataclass(frozen=True)
class ShareButtons:
    """One-click share buttons: every post is more likely."""

    multiplier: float = param(2.0, "Share multiplier", "factor on every customer's per-day "
                              "share probabilities (capped at 1)", "factor",
                              low=1.0, high=MAX_MULTIPLIER)
    setup_cost: float = _money(1000.0, "Set-up cost", "one-off cost")

    def __post_init__(self) -> None:
        """Check every field against its spec."""
        validate(self, "strategy.share_buttons")


@dataclass(frozen=True)
class Referral:
    """A reward for every purchase made by a consumer who heard of it from a friend."""

    reward: float = _money(10.0, "Referral reward", "paid per first purchase by a consumer who "
                           "heard from a friend (stops when the budget is spent)")
    share_boost: float = param(1.5, "Share boost", "factor on satisfied customers' positive "
                               "share probability (capped at 1)", "factor",
                               low=1.0, high=MAX_MULTIPLIER)

    def __post_init__(self) -> None:
        """Check every field against its spec."""
        validate(self, "strategy.referral")


@dataclass(frozen=True)
class Community:
    """A customer community: people forget less, buy again more and stay active longer."""

    forget_multiplier: float = param(0.5, "Forget multiplier", "factor on aware consumers' "
                                     "forget probability (<= 1: they forget less)", "factor",
                                     low=0.0, high=1.0)
    repurchase_multiplier: float = param(2.0, "Repurchase multiplier", "factor on satisfied "
                                         "customers' repurchase probability (capped at 1)",
                                         "factor", low=1.0, high=MAX_MULTIPLIER)
    dormancy_multiplier: float = param(0.5, "Dormancy multiplier", "factor on the dormancy "
                                       "probability (<= 1: they stay active longer)", "factor",
                                       low=0.0, high=1.0)
    cost_per_step: float = _money(25.0, "Cost per day", "running cost per day (stops when the "
                                  "budget cannot pay a day)")

    def __post_init__(self) -> None:
        """Check every field against its spec."""
        validate(self, "strategy.community")


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
