"""Marketing strategies: what each one changes and costs, declared with its schema.

Strategies compose: a run has a list of them and one budget, spent by
``models.campaign.Campaign``. Each strategy declares itself (``Strategy``): every field's
meaning, unit and range in its ``param`` spec, and its costs and levers in its hooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from models.schema import ParameterError, param, prob, validate

if TYPE_CHECKING:
    import numpy as np

    from models.campaign import Campaign, Launch, Levers
    from models.graph import SocialGraph

#: How influencers can be ranked (``models.targeting.ranking`` implements each).
TARGETING = ("degree", "pagerank", "betweenness", "kcore", "random", "friend_of_random")
#: Upper bound of every count of days (contract length, campaign days).
MAX_DAYS = 1_000_000
#: Upper bound of every multiplier: probabilities are capped at 1 long before.
MAX_MULTIPLIER = 100.0
MONEY = 1e12


def _segment(who: str) -> str | None:
    return param(None, "Target segment", f"only consumers of this segment {who}",
                 kind="name", nullable=True, null_means="everyone")


def _money(default: float, label: str, meaning: str) -> float:
    return param(default, label, meaning, "currency", low=0.0, high=MONEY)


#: Every strategy by the name a config uses (``strategy=ads``); filled by ``Strategy``.
STRATEGIES: dict[str, type[Strategy]] = {}


class Strategy:
    """A marketing strategy: its parameters, what it pays for and what it changes.

    A strategy is a frozen dataclass subclassing this with its config name,
    ``class Ads(Strategy, name="ads")``, which registers it in ``STRATEGIES``. Its fields
    are declared with ``param`` specs (checked at construction against
    ``strategy.NAME``); its costs and levers are three hooks the ``Campaign`` calls in
    list order (spending priority): ``launch`` on day 0, ``levers`` at the start of each
    day, ``settle`` at its end. A new strategy is its class, its
    ``configs/strategy/NAME.yaml`` and its row in the README.
    """

    name: ClassVar[str]

    def __init_subclass__(cls, *, name: str, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = name
        STRATEGIES[name] = cls

    def __post_init__(self) -> None:
        """Check every field against its spec."""
        validate(self, f"strategy.{self.name}")

    def launch(self, campaign: Campaign, launch: Launch, graph: SocialGraph,
               rng: np.random.Generator) -> None:
        """Day 0: pay fixed costs with ``campaign.buy``; add seeds or seeded reviews."""

    def levers(self, campaign: Campaign, step: int) -> dict[str, float | bool]:
        """Start of day ``step``: pay running costs; return the ``Levers`` fields it sets."""
        return {}

    def settle(self, campaign: Campaign, levers: Levers, tally) -> None:
        """End of the day: pay per-event costs for today's ``market.StepTally``."""


@dataclass(frozen=True)
class InfluencerSeeding(Strategy, name="influencer_seeding"):
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
    segment: str | None = _segment("are hired (down the same ranking)")

    def fee(self, audience: int) -> float:
        """Fee for one influencer with ``audience`` followers."""
        return self.fee_base + self.fee_per_follower * audience

    def launch(self, campaign, launch, graph, rng) -> None:
        """Hire down the targeting ranking while the budget pays each fee, up to k."""
        from models.targeting import ranking  # targeting imports TARGETING from here

        if self.k == 0:
            return
        hired = 0
        for i in ranking(graph, self.targeting, rng):
            if not campaign.in_segment(i, self.segment):
                continue
            if campaign.buy(self.fee(int(graph.audience[i]))):
                launch.seeds.append(i)
                hired += 1
                if hired == self.k:
                    break
            elif campaign.remaining < self.fee_base:
                break  # nobody is affordable any more


@dataclass(frozen=True)
class MoreReviews(Strategy, name="more_reviews"):
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

    def launch(self, campaign, launch, graph, rng) -> None:
        """Post the seeded reviews the budget pays for."""
        # Counted, not looped: seeded_reviews may be large (a loop would hang).
        cost = self.cost_per_seeded_review
        affordable = self.seeded_reviews
        if cost > 0 and campaign.budget is not None:
            left = max(campaign.remaining, 0.0)
            fits = int(left // cost)
            # Float floor division can fall one short (1.0 // 0.1 == 9.0): buy the largest
            # count whose total fits, as Campaign.buy would one at a time.
            if (fits + 1) * cost <= left:
                fits += 1
            affordable = min(affordable, fits)
        if affordable:
            campaign.pay(affordable * cost)
            launch.seeded_review_count += affordable
            launch.seeded_review_sum += affordable * self.seeded_stars

    def levers(self, campaign, step) -> dict[str, float | bool]:
        """The incentive runs while any budget is left."""
        return {"review_incentive": self.incentive} if campaign.remaining > 0 else {}

    def settle(self, campaign, levers, tally) -> None:
        """Pay for the reviews written while the incentive ran."""
        if levers.review_incentive > 0:
            campaign.pay(self.cost_per_review * tally.reviews_written)


@dataclass(frozen=True)
class Ads(Strategy, name="ads"):
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
    segment: str | None = _segment("see the ads (a day buys reach x the segment's size)")

    def __post_init__(self) -> None:
        """Check every field against its spec, and the window."""
        super().__post_init__()
        if self.end < self.start:
            raise ParameterError(
                f"strategy.ads.end = {self.end}: must be >= strategy.ads.start ({self.start})"
            )

    def levers(self, campaign, step) -> dict[str, float | bool]:
        """Within the window, buy a day of impressions (reach x n) if the budget covers it."""
        if self.start <= step < self.end and campaign.buy(
                self.cost_per_thousand * self.reach * campaign.size(self.segment) / 1000.0):
            if self.segment is None:
                return {"ad_reach": self.reach}
            return {"ad_reach": self.reach, "ad_segment": self.segment}
        return {}


@dataclass(frozen=True)
class ShareButtons(Strategy, name="share_buttons"):
    """One-click share buttons: every post is more likely."""

    multiplier: float = param(2.0, "Share multiplier", "factor on every customer's per-day "
                              "share probabilities (capped at 1)", "factor",
                              low=1.0, high=MAX_MULTIPLIER)
    setup_cost: float = _money(1000.0, "Set-up cost", "one-off cost")

    def launch(self, campaign, launch, graph, rng) -> None:
        """Buy the buttons (once)."""
        if campaign.buy(self.setup_cost):
            campaign.bought.add(self.name)

    def levers(self, campaign, step) -> dict[str, float | bool]:
        """Bought buttons raise every share, every day."""
        return {"share_multiplier": self.multiplier} if self.name in campaign.bought else {}


@dataclass(frozen=True)
class Referral(Strategy, name="referral"):
    """A reward for every purchase made by a consumer who heard of it from a friend."""

    reward: float = _money(10.0, "Referral reward", "paid per first purchase by a consumer who "
                           "heard from a friend (stops when the budget is spent)")
    share_boost: float = param(1.5, "Share boost", "factor on satisfied customers' positive "
                               "share probability (capped at 1)", "factor",
                               low=1.0, high=MAX_MULTIPLIER)

    def levers(self, campaign, step) -> dict[str, float | bool]:
        """The programme runs while any budget is left."""
        if campaign.remaining > 0:
            return {"referral_active": True, "positive_multiplier": self.share_boost}
        return {}

    def settle(self, campaign, levers, tally) -> None:
        """Pay the reward for today's referred first purchases."""
        if levers.referral_active:
            campaign.pay(self.reward * tally.referred_purchases)


@dataclass(frozen=True)
class Community(Strategy, name="community"):
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

    def levers(self, campaign, step) -> dict[str, float | bool]:
        """Run the community today if the budget covers the day."""
        if campaign.buy(self.cost_per_step):
            return {"forget_multiplier": self.forget_multiplier,
                    "repurchase_multiplier": self.repurchase_multiplier,
                    "dormancy_multiplier": self.dormancy_multiplier}
        return {}


@dataclass(frozen=True)
class ReplyToComplaints(Strategy, name="reply_to_complaints"):
    """The brand answers a share of negative posts, at a cost per reply.

    An answered complaint puts followers off less (its negativity is multiplied by
    ``spread_factor``; it still counts in friends' balance) and the complainer turns
    satisfied with ``recovery_prob`` at the end of the day (their stars stay: the
    product did not change, their attitude did; a service recovery, Smith, Bolton &
    Wagner 1999, "A model of customer satisfaction with service encounters involving
    failure and recovery", JMR 36(3)).
    """

    share: float = prob(0.5, "Reply share", "each negative post is answered with this "
                        "probability", "per post")
    spread_factor: float = param(0.3, "Answered complaint weight", "an answered complaint "
                                 "puts followers off at this factor x an unanswered one",
                                 "factor", low=0.0, high=1.0)
    recovery_prob: float = prob(0.2, "Recovery probability", "an answered complainer turns "
                                "satisfied (posts positively, may buy again)", "per reply")
    cost_per_reply: float = _money(2.0, "Cost per reply", "paid per complaint answered "
                                   "(stops when the budget is spent)")

    def levers(self, campaign, step) -> dict[str, float | bool]:
        """Replies go out while any budget is left."""
        if campaign.remaining > 0:
            return {"reply_share": self.share, "reply_recovery": self.recovery_prob}
        return {}

    def settle(self, campaign, levers, tally) -> None:
        """Pay for today's replies."""
        campaign.pay(self.cost_per_reply * tally.replies)


@dataclass(frozen=True)
class ContentIncentive(Strategy, name="content_incentive"):
    """Pay customers for one content type ("sweepstakes for photos"): ``more_reviews`` for any type.

    The type is one of the run's ``content.types``; its ``incentive_cost`` is paid per
    piece made while the incentive runs (for ``review``: per review; for ``post``: per
    positive post).
    """

    type: str = param("review", "Content type", "the content type paid for (one of the run's "
                      "content.types)", "name", kind="text")
    incentive: float = prob(0.1, "Incentive", "added to the type's per-day creation "
                            "probability while paid")

    def levers(self, campaign, step) -> dict[str, float | bool]:
        """The incentive runs while any budget is left."""
        if campaign.remaining <= 0:
            return {}
        if self.type == "review":
            return {"review_incentive": self.incentive}
        return {"content_boost": ((self.type, self.incentive),)}

    def settle(self, campaign, levers, tally) -> None:
        """Pay the type's incentive cost for each piece made while the incentive ran."""
        if not (levers.content_boost or levers.review_incentive > 0):
            return
        pieces = (tally.reviews_written if self.type == "review" else
                  tally.shares_positive if self.type == "post" else
                  tally.content_pieces.get(self.type, 0))
        campaign.pay(campaign.content_cost(self.type) * pieces)


@dataclass(frozen=True)
class Amplify(Strategy, name="amplify"):
    """Paid promotion of existing customer content to consumers who do not know the product.

    Each day of the window it buys ``reach x n`` impressions; an unaware consumer who sees
    a promoted piece becomes aware with ``consumer.persuasion x`` the type's feed weight
    (attributed to ``ad``). Nothing happens (but the day is paid) before the first piece.
    """

    type: str = param("post", "Content type", "the content type promoted (a feed type of "
                      "the run's content.types)", "name", kind="text")
    reach: float = prob(0.01, "Reach", "share of consumers shown a promoted piece")
    start: int = param(1, "Start", "first day of the promotion", "day", low=0, high=MAX_DAYS)
    end: int = param(60, "End", "day after the last (end >= start)", "day",
                     low=0, high=MAX_DAYS)
    cost_per_thousand: float = _money(8.0, "Cost per 1,000 impressions",
                                      "a day buys reach x n impressions; stops when the "
                                      "budget cannot pay a day")

    def __post_init__(self) -> None:
        """Check every field against its spec, and the window."""
        super().__post_init__()
        if self.end < self.start:
            raise ParameterError(f"strategy.amplify.end = {self.end}: must be >= "
                                 f"strategy.amplify.start ({self.start})")

    def levers(self, campaign, step) -> dict[str, float | bool]:
        """Within the window, buy a day of impressions if the budget covers it."""
        if self.start <= step < self.end and campaign.buy(
                self.cost_per_thousand * self.reach * campaign.n / 1000.0):
            return {"amplify": ((self.type, self.reach),)}
        return {}


#: Names a run can use; "baseline" means no strategy.
STRATEGY_NAMES = ("baseline", *STRATEGIES)
