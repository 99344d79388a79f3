"""The consumer agent of the agent engine: one Mesa agent per consumer on the network."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import FixedAgent

from models import rules
from models.draws import Decision, uniform_from_base
from models.journey import Channel, JourneyState

if TYPE_CHECKING:
    from models.model import MarketModel

S = JourneyState
_AWARE_CHANNELS = (Channel.DISCOVERY, Channel.AD, Channel.INFLUENCER, Channel.SHARE)


class Consumer(FixedAgent):
    """A consumer moving through the journey; each step posts, decides, then advances.

    Attributes:
        index: Position 0..n-1 (the network node); keys the consumer's random draws.
        state: Current ``JourneyState``.
        channel: ``Channel`` through which the consumer last became aware.
        stars: The star rating their experience is worth (set at first purchase).
        satisfied: Whether the experience was worth 4 stars or more.
        posted: This step's post: +1 positive, -1 negative, 0 none.
    """

    model: MarketModel

    def __init__(self, model: MarketModel, cell, index: int) -> None:
        """Create an unaware consumer at ``cell``."""
        super().__init__(model)
        self.cell = cell
        self.index = index
        self.state = S.UNAWARE
        self.next_state = S.UNAWARE
        self.next_stars = 0.0
        self.channel = Channel.NONE
        self.stars = 0.0
        self.satisfied = False
        self.reviewed = False
        self.adopted = False
        self.is_seed = False
        self.has_product = False
        self.ever_aware = False
        self.ever_researched = False
        self.posted = 0
        # Whose posts this consumer sees (sources, with tie strengths) and who sees
        # theirs (followers, with the per-contact log(1 - persuasion)), in index order.
        # Filled in by the model.
        self.sources: list[tuple[Consumer, float]] = []
        self.followers: list[tuple[Consumer, float]] = []
        # A seeded influencer's followers with sponsored (trust-weighted) log weights.
        self.sponsored_followers: list[tuple[Consumer, float]] = []
        # Today's sums of log(1 - p_contact) over positive posts seen, organic and
        # sponsored: filled by the posters, in increasing poster index.
        self.heard_organic = 0.0
        self.heard_sponsored = 0.0

    def draw(self, decision: Decision) -> float:
        """This consumer's uniform for ``decision`` at the current step."""
        return uniform_from_base(self.model.step_bases[decision], self.index)

    def under_contract(self) -> bool:
        """A seeded influencer still paid to post today (``market.under_contract``)."""
        return self.is_seed and self.model.contract

    # Phase 1 -------------------------------------------------------------------------
    def post(self) -> None:
        """Decide whether to post this step (called for active customers only)."""
        m = self.model
        contract = self.under_contract()
        if contract:
            p = m.campaign.seeding.post_prob
        else:
            p = m.day.post_satisfied if self.satisfied else m.day.post_dissatisfied
        if self.draw(Decision.SHARE) < p:
            self.posted = 1 if (self.satisfied or contract) else -1
            if self.posted > 0:
                m.tally.shares_positive += 1
            else:
                m.tally.shares_negative += 1
            m.posters.append(self)

    def spread(self) -> None:
        """Deliver a positive post: add its per-contact log weight to each follower's sum.

        Sponsored while under contract; afterwards an influencer's posts are organic.
        """
        if self.under_contract():
            for follower, lw in self.sponsored_followers:
                follower.heard_sponsored += lw
        else:
            for follower, lw in self.followers:
                follower.heard_organic += lw

    # Phase 2 -------------------------------------------------------------------------
    def decide(self) -> None:
        """Choose next state from the state at the start of the step and this step's posts."""
        self.next_state = self.state
        if self.state == S.UNAWARE:
            self._decide_unaware()
        elif self.state == S.AWARE:
            self._decide_aware()
        elif self.state == S.RESEARCHING:
            self._decide_researching()
        elif self.state == S.PURCHASED:
            self.next_state = S.FOLLOW_UP
            self._maybe_review()
        elif self.state == S.FOLLOW_UP:
            self._maybe_review()
            self._decide_follow_up()

    def _decide_unaware(self) -> None:
        m = self.model
        u = self.draw(Decision.AWARENESS)
        organic, sponsored = self.heard_organic, self.heard_sponsored
        if organic == 0.0 and sponsored == 0.0:
            if u >= m.unaware_bound:
                return  # no post seen and the draw clears every channel: stays unaware
            e_org = e_inf = 0.0
        else:
            e_org = float(rules.exposure_prob(organic))
            e_inf = float(rules.exposure_prob(sponsored))
        outcome = rules.competing(u, m.consumer.discovery_prob, m.levers.ad_reach, e_inf, e_org)
        if outcome < 4:
            self.next_state = S.AWARE
            self.channel = _AWARE_CHANNELS[outcome]
            self.ever_aware = True

    def _decide_aware(self) -> None:
        c = self.model.consumer
        probs = rules.aware_probs(
            c.impulse_prob, c.interest_prob, self.model.day.forget,
            float(rules.exposure_prob(self.heard_organic + self.heard_sponsored)),
        )
        outcome = rules.competing(self.draw(Decision.AWARE_MOVE), *probs)
        if outcome == 0:
            self._buy()
        elif outcome == 1:
            self.next_state = S.RESEARCHING
            self.ever_researched = True
        elif outcome == 2:
            self.next_state = S.UNAWARE

    def friend_balance(self) -> float:
        """Tie-weighted satisfied minus dissatisfied friends who bought (posters double)."""
        balance = 0.0
        for src, w in self.sources:
            if src.has_product:
                balance += w * rules.friend_opinion(src.satisfied, 1.0 if src.posted else 0.0)
        return balance

    def _decide_researching(self) -> None:
        m, c = self.model, self.model.consumer
        p_buy = float(rules.purchase_prob(
            m.shown_rating, m.board.count, self.friend_balance(),
            intercept=c.buy_intercept, rating_weight=c.rating_weight,
            review_volume_weight=c.review_volume_weight, friend_weight=c.friend_weight,
            prior_rating=m.product.prior_rating,
        ))
        outcome = rules.competing(self.draw(Decision.RESEARCH_MOVE), p_buy, c.abandon_prob)
        if outcome == 0:
            self._buy()
        elif outcome == 1:
            self.next_state = S.REJECTED

    def _buy(self) -> None:
        # Friends read has_product and satisfied during this phase, so the experience
        # (drawn now) only becomes visible in advance().
        m = self.model
        self.next_state = S.PURCHASED
        self.next_stars = float(rules.experience_stars(
            self.draw(Decision.SATISFACTION), m.product.quality, m.consumer.rating_noise
        ))
        m.tally.new_adopters += 1
        if m.levers.referral_active and self.channel == Channel.SHARE:
            m.tally.referred_purchases += 1

    def _maybe_review(self) -> None:
        if self.reviewed or self.under_contract():
            return
        m = self.model
        if self.draw(Decision.REVIEW) < m.day.review:
            self.reviewed = True
            m.tally.reviews_written += 1
            m.tally.review_stars += self.stars

    def _decide_follow_up(self) -> None:
        if self.under_contract():
            return
        m, day = self.model, self.model.day
        u = self.draw(Decision.FOLLOW_UP_MOVE)
        if u >= m.follow_up_bound:
            return  # the draw clears both events
        p_rebuy, p_dormant = rules.follow_up_probs(self.satisfied, day.repurchase, day.dormancy)
        outcome = rules.competing(u, p_rebuy, p_dormant)
        if outcome == 0:
            self.model.tally.repurchases += 1
        elif outcome == 1:
            self.next_state = S.DORMANT

    # Phase 3 -------------------------------------------------------------------------
    def advance(self) -> None:
        """Commit the state chosen in ``decide``; clear today's posts."""
        self.posted = 0
        self.heard_organic = self.heard_sponsored = 0.0
        if self.next_state == self.state:
            return
        m = self.model
        if self.next_state == S.PURCHASED:
            self.stars = self.next_stars
            self.satisfied = bool(rules.is_satisfied(self.stars))
            self.adopted = self.has_product = True
            m.customers.add(self)
        elif self.next_state == S.DORMANT:
            m.customers.discard(self)
        m.counts[self.state] -= 1
        m.counts[self.next_state] += 1
        self.state = self.next_state
