"""The vectorized engine: the same journey on numpy arrays and sparse products.

Per step: one sparse product (two columns: organic and sponsored posts) for exposure,
and one for the friend balance when anyone is researching. Uniforms are hashed only for
the consumers who take a decision. Calls the same rulebook as the agent engine, in the
same order, so a seed gives the same trajectory in both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from models import rules
from models.draws import Decision, uniform
from models.graph import SocialGraph
from models.journey import Channel, JourneyState
from models.market import StepTally, open_market, step_record
from models.params import ConsumerParams, ProductParams
from models.strategies import Strategy

S = JourneyState
_AWARE_CHANNELS = np.array(
    [Channel.DISCOVERY, Channel.AD, Channel.INFLUENCER, Channel.SHARE], dtype=np.int8
)


class VectorMarket:
    """A market of consumers held as arrays.

    Args:
        graph: The social graph.
        consumer: Consumer behaviour.
        product: The product.
        strategies: Strategies in spending order.
        budget: Spend cap (currency) or None.
        seed: The run seed.
    """

    def __init__(
        self,
        graph: SocialGraph,
        consumer: ConsumerParams | None = None,
        product: ProductParams | None = None,
        strategies: Sequence[Strategy] = (),
        budget: float | None = None,
        seed: int = 0,
    ) -> None:
        """Set up the arrays, the campaign and step 0."""
        self.graph = graph
        self.consumer = consumer = consumer or ConsumerParams()
        self.product = product = product or ProductParams()
        n = graph.n
        opening = open_market(graph, consumer, product, strategies, budget, seed)
        self.key = opening.key
        self.campaign = opening.campaign
        self.board = opening.board
        self.seeding = self.campaign.seeding

        self.state = np.zeros(n, dtype=np.int8)
        self.channel = np.zeros(n, dtype=np.int8)
        self.stars = np.zeros(n, dtype=np.float64)
        self.satisfied = np.zeros(n, dtype=bool)
        self.reviewed = np.zeros(n, dtype=bool)
        self.adopted = np.zeros(n, dtype=bool)
        self.is_seed = np.zeros(n, dtype=bool)
        self.ever_aware = np.zeros(n, dtype=bool)
        self.ever_researched = np.zeros(n, dtype=bool)
        self.has_product = np.zeros(n, dtype=bool)

        seeds = opening.seeds
        self.state[seeds] = S.PURCHASED
        self.channel[seeds] = Channel.SEED
        self.stars[seeds] = opening.seed_stars
        self.satisfied[seeds] = rules.is_satisfied(opening.seed_stars)
        self.is_seed[seeds] = True
        self.ever_aware[seeds] = True
        self.has_product[seeds] = True

        # Exposure weights: log(1 - persuasion * w * trust) per tie, trust on seeds' posts.
        r = graph.receivers
        trust = np.ones(n)
        if self.seeding is not None:
            trust[seeds] = self.seeding.trust
        logw = rules.contact_log_weight(consumer.persuasion, r.data, trust[r.indices])
        self._log_receivers = sp.csr_array((logw, r.indices, r.indptr), shape=r.shape)
        self.step_count = 0
        self.adopters = 0
        self.records = [
            step_record(0, self.state_counts(), StepTally(), 0, self.board,
                        opening.launch_spend, product.price)
        ]

    def state_counts(self) -> np.ndarray:
        """Consumers per journey state."""
        return np.bincount(self.state, minlength=len(S))

    def step(self) -> None:
        """Advance one step (synchronous: every decision reads the state at its start)."""
        t = self.step_count + 1
        c, key = self.consumer, self.key
        levers = self.campaign.levers(t)
        state = self.state
        new_state = state.copy()
        tally = StepTally()

        # Posts by customers who have the product and are active.
        active = np.flatnonzero((state == S.PURCHASED) | (state == S.FOLLOW_UP))
        under_contract = self.is_seed[active] & (
            t <= (self.seeding.post_days if self.seeding else 0)
        )
        p_post = rules.post_prob(
            self.satisfied[active], c.share_prob, c.negative_share_prob,
            levers.share_multiplier, levers.positive_multiplier,
        )
        if under_contract.any():
            p_post = np.where(under_contract, self.seeding.post_prob, p_post)
        posted = uniform(key, t, Decision.SHARE, active) < p_post
        positive = posted & (self.satisfied[active] | under_contract)
        tally.shares_positive = int(positive.sum())
        tally.shares_negative = int(posted.sum()) - tally.shares_positive

        # Exposure: sum of log(1 - p_contact) over positive posts seen, organic / sponsored.
        n = self.graph.n
        x = np.zeros((n, 2))
        pos_idx = active[positive]
        x[pos_idx, 0] = ~self.is_seed[pos_idx]
        x[pos_idx, 1] = self.is_seed[pos_idx]
        logs = self._log_receivers @ x if pos_idx.size else None

        # Unaware -> aware, attributed to the first channel that worked.
        idx = np.flatnonzero(state == S.UNAWARE)
        if idx.size:
            if logs is None:
                e_org = e_inf = 0.0
            else:
                e_org = rules.exposure_prob(logs[idx, 0])
                e_inf = rules.exposure_prob(logs[idx, 1])
            u = uniform(key, t, Decision.AWARENESS, idx)
            outcome = rules.competing(u, c.discovery_prob, levers.ad_reach, e_inf, e_org)
            hit = outcome < 4
            if np.ndim(hit) == 0:
                hit = np.full(idx.size, bool(hit))
                outcome = np.full(idx.size, outcome)
            woke = idx[hit]
            new_state[woke] = S.AWARE
            self.channel[woke] = _AWARE_CHANNELS[outcome[hit]]
            self.ever_aware[woke] = True

        buyers = []
        # Aware -> impulse purchase / research / forget.
        idx = np.flatnonzero(state == S.AWARE)
        if idx.size:
            seen = 0.0 if logs is None else rules.exposure_prob(logs[idx, 0] + logs[idx, 1])
            probs = rules.aware_probs(
                c.impulse_prob, c.interest_prob,
                rules.scaled_prob(c.forget_prob, levers.forget_multiplier), seen,
            )
            outcome = rules.competing(uniform(key, t, Decision.AWARE_MOVE, idx), *probs)
            buyers.append(idx[outcome == 0])
            research = idx[outcome == 1]
            new_state[research] = S.RESEARCHING
            self.ever_researched[research] = True
            new_state[idx[outcome == 2]] = S.UNAWARE

        # Researching -> buy (social proof) / abandon.
        idx = np.flatnonzero(state == S.RESEARCHING)
        if idx.size:
            balance = self._friend_balance(posted, active)[idx]
            p_buy = rules.purchase_prob(
                self.board.shown(), self.board.count, balance,
                intercept=c.buy_intercept, rating_weight=c.rating_weight,
                review_volume_weight=c.review_volume_weight, friend_weight=c.friend_weight,
                prior_rating=self.product.prior_rating,
            )
            outcome = rules.competing(
                uniform(key, t, Decision.RESEARCH_MOVE, idx), p_buy, c.abandon_prob
            )
            buyers.append(idx[outcome == 0])
            new_state[idx[outcome == 1]] = S.REJECTED

        # First purchases: experience drawn now.
        if buyers:
            new = np.sort(np.concatenate(buyers))
            new_state[new] = S.PURCHASED
            stars = rules.experience_stars(
                uniform(key, t, Decision.SATISFACTION, new), self.product.quality, c.rating_noise
            )
            self.stars[new] = stars
            self.satisfied[new] = rules.is_satisfied(stars)
            self.adopted[new] = True
            self.has_product[new] = True
            tally.new_adopters = int(new.size)
            if levers.referral_active:
                tally.referred_purchases = int((self.channel[new] == Channel.SHARE).sum())

        new_state[state == S.PURCHASED] = S.FOLLOW_UP

        # Reviews: customers (not seeds) who have not reviewed yet.
        idx = active[~self.is_seed[active] & ~self.reviewed[active]]
        if idx.size:
            p = rules.review_prob(c.review_prob, levers.review_incentive)
            wrote = idx[uniform(key, t, Decision.REVIEW, idx) < p]
            self.reviewed[wrote] = True
            tally.reviews_written = int(wrote.size)
            tally.review_stars = float(self.stars[wrote].sum())
            self.board.post(tally.reviews_written, tally.review_stars)

        # Follow-up: repurchase (satisfied only) or go dormant; seeds under contract stay.
        idx = np.flatnonzero(state == S.FOLLOW_UP)
        if self.seeding is not None and t <= self.seeding.post_days:
            idx = idx[~self.is_seed[idx]]
        if idx.size:
            p_rebuy, p_dormant = rules.follow_up_probs(
                self.satisfied[idx],
                rules.scaled_prob(c.repurchase_prob, levers.repurchase_multiplier),
                rules.scaled_prob(c.dormancy_prob, levers.dormancy_multiplier),
            )
            outcome = rules.competing(
                uniform(key, t, Decision.FOLLOW_UP_MOVE, idx), p_rebuy, p_dormant
            )
            tally.repurchases = int((outcome == 0).sum())
            new_state[idx[outcome == 1]] = S.DORMANT

        self.state = new_state
        self.adopters += tally.new_adopters
        self.board.publish()
        spend = self.campaign.settle(levers, tally.reviews_written, tally.referred_purchases)
        self.step_count = t
        self.records.append(
            step_record(t, self.state_counts(), tally, self.adopters, self.board, spend,
                        self.product.price)
        )

    def _friend_balance(self, posted: np.ndarray, active: np.ndarray) -> np.ndarray:
        """Tie-weighted satisfied minus dissatisfied friends who bought (posters double)."""
        opinion = np.zeros(self.graph.n)
        shared = np.zeros(self.graph.n)
        shared[active[posted]] = 1.0
        owners = np.flatnonzero(self.has_product)
        opinion[owners] = rules.friend_opinion(self.satisfied[owners], shared[owners])
        return self.graph.receivers @ opinion

    def run(self, steps: int) -> list[dict[str, float]]:
        """Run ``steps`` steps and return every step's record (step 0 included)."""
        for _ in range(steps):
            self.step()
        return self.records
