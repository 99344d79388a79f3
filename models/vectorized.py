"""The vectorized engine: the same journey on numpy arrays, scattering posts to followers.

Same rulebook, same draws and same summation order as the agent engine: a seed gives
bit-identical trajectories in both; how a step stays cheap is in ``VectorMarket``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from models import rules
from models.draws import Decision, uniform
from models.graph import SocialGraph
from models.journey import Channel, JourneyState
from models.market import (
    DayProbs,
    StepTally,
    day_probs,
    open_market,
    sponsored_log_weights,
    step_record,
    under_contract,
)
from models.params import ConsumerParams, ProductParams
from models.strategies import Strategy

S = JourneyState
_AWARE_CHANNELS = np.array(
    [Channel.DISCOVERY, Channel.AD, Channel.INFLUENCER, Channel.SHARE], dtype=np.int8
)
#: Consumers hashed per block: a block's temporaries stay in cache (about 2x faster).
_DRAW_BLOCK = 65_536


def _draw(key: int, step: int, decision: Decision, idx: np.ndarray) -> np.ndarray:
    """``draws.uniform`` for many consumers, hashed block by block (same numbers)."""
    if idx.size <= _DRAW_BLOCK:
        return uniform(key, step, decision, idx)
    out = np.empty(idx.size)
    for lo in range(0, idx.size, _DRAW_BLOCK):
        out[lo:lo + _DRAW_BLOCK] = uniform(key, step, decision, idx[lo:lo + _DRAW_BLOCK])
    return out


def _row_entries(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the stored entries of CSR ``rows`` (row by row, in order) and their row.

    Returns:
        ``(positions, which)``: ``which[k]`` is the index into ``rows`` of entry k.
    """
    lo = indptr[rows].astype(np.int64)
    count = indptr[rows + 1] - lo
    total = int(count.sum())
    which = np.repeat(np.arange(rows.size), count)
    start = np.cumsum(count) - count
    return np.arange(total) + (lo - start)[which], which


class VectorMarket:
    """A market of consumers held as arrays.

    Per step, exposure is scattered from this step's posters to their followers
    (``np.bincount`` adds each follower's terms in increasing poster order, as the agent
    engine sums over its sources), the friend balance is gathered only for researching
    consumers, and uniforms are hashed only for consumers who take a decision. Rare
    events (discovery, follow-up moves) evaluate the rulebook only below a safe bound on
    its threshold. Cost per step is O(n) cheap array passes plus O(ties of posters and
    researchers): about one sparse product ``A @ x`` on a million consumers.

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
        self._posted = np.zeros(n, dtype=bool)
        self._reach_mark = np.zeros(n, dtype=bool)
        self._reached = np.zeros(0, dtype=np.int64)

        seeds = opening.seeds
        self.state[seeds] = S.PURCHASED
        self.channel[seeds] = Channel.SEED
        self.stars[seeds] = opening.seed_stars
        self.satisfied[seeds] = rules.is_satisfied(opening.seed_stars)
        self.is_seed[seeds] = True
        self.ever_aware[seeds] = True
        self.has_product[seeds] = True

        # Exposure weights log(1 - persuasion * w) per tie (organic) and, for seeded
        # influencers under contract, log(1 - persuasion * w * trust) (sponsored); computed
        # in the receivers layout exactly as the agent engine does, then moved (bit for
        # bit) to the senders layout: row j lists j's followers, so a post is scattered.
        r = graph.receivers
        self._log_senders = self._senders(rules.contact_log_weight(consumer.persuasion, r.data))
        spon = sponsored_log_weights(consumer, self.seeding, r.data)
        self._log_sponsored = self._senders(spon) if spon is not None else self._log_senders
        self.step_count = 0
        self.adopters = 0
        self.records = [
            step_record(0, self.state_counts(), StepTally(), 0, self.board,
                        opening.launch_spend, product.price)
        ]

    def _senders(self, logw: np.ndarray) -> sp.csr_array:
        """Per-tie values in the receivers layout moved to the senders layout (row = poster)."""
        r = self.graph.receivers
        senders = sp.csr_array((logw, r.indices, r.indptr), shape=r.shape).T.tocsr()
        senders.sort_indices()
        return senders

    def state_counts(self) -> np.ndarray:
        """Consumers per journey state."""
        return np.bincount(self.state, minlength=len(S))

    def _exposure(self, posters: np.ndarray, ls: sp.csr_array) -> np.ndarray | None:
        """Sum of log(1 - p_contact) over ``posters``' posts each consumer sees.

        ``posters`` are sorted, so each consumer's terms are added in increasing source
        order (``np.bincount`` adds sequentially), as the agent engine does.
        """
        if not posters.size:
            return None
        pos, _ = _row_entries(ls.indptr, posters)
        reached = ls.indices[pos]
        self._reach_mark[reached] = True
        return np.bincount(reached, weights=ls.data[pos], minlength=self.graph.n)

    def step(self) -> None:
        """Advance one step (synchronous: every decision reads the state at its start)."""
        t = self.step_count + 1
        c, key = self.consumer, self.key
        levers = self.campaign.levers(t)
        state = self.state
        new_state = state.copy()
        tally = StepTally()
        contract = under_contract(self.seeding, t)

        # Posts by customers who have the product and are active.
        active = np.flatnonzero((state == S.PURCHASED) | (state == S.FOLLOW_UP))
        active_state = state[active]
        purchased = active[active_state == S.PURCHASED]
        follow_up = active[active_state == S.FOLLOW_UP]
        active_sat = self.satisfied[active]
        day = day_probs(c, levers)
        p_post = np.where(active_sat, day.post_satisfied, day.post_dissatisfied)
        hired = None  # influencers among the active, when under contract
        if contract:
            hired = self.is_seed[active]
            if hired.any():
                p_post = np.where(hired, self.seeding.post_prob, p_post)
        posted = _draw(key, t, Decision.SHARE, active) < p_post
        positive = posted & (active_sat | hired if contract else active_sat)
        tally.shares_positive = int(positive.sum())
        tally.shares_negative = int(posted.sum()) - tally.shares_positive
        posters = active[posted]
        self._posted[posters] = True

        # Exposure: sums of log(1 - p_contact) over positive posts seen, organic / sponsored.
        pos_idx = active[positive]
        sponsored = self.is_seed[pos_idx] & contract
        organic = self._exposure(pos_idx[~sponsored], self._log_senders)
        influencer = self._exposure(pos_idx[sponsored], self._log_sponsored)
        # Followers reached by a positive post (sorted); reset the marks for next step.
        self._reached = np.flatnonzero(self._reach_mark) if pos_idx.size else pos_idx
        self._reach_mark[self._reached] = False

        self._wake_unaware(t, levers.ad_reach, new_state, organic, influencer)

        buyers = []
        # Aware -> impulse purchase / research / forget.
        idx = np.flatnonzero(state == S.AWARE)
        if idx.size:
            if organic is None and influencer is None:
                seen = 0.0
            else:
                # The agent engine adds sponsored to organic; a missing term is 0.0.
                org = organic[idx] if organic is not None else 0.0
                spon = influencer[idx] if influencer is not None else 0.0
                seen = rules.exposure_prob(org + spon)
            probs = rules.aware_probs(
                c.impulse_prob, c.interest_prob,
                day.forget, seen,
            )
            outcome = rules.competing(_draw(key, t, Decision.AWARE_MOVE, idx), *probs)
            buyers.append(idx[outcome == 0])
            research = idx[outcome == 1]
            new_state[research] = S.RESEARCHING
            self.ever_researched[research] = True
            new_state[idx[outcome == 2]] = S.UNAWARE

        # Researching -> buy (social proof) / abandon.
        idx = np.flatnonzero(state == S.RESEARCHING)
        if idx.size:
            p_buy = rules.purchase_prob(
                self.board.shown(), self.board.count, self._friend_balance(idx),
                intercept=c.buy_intercept, rating_weight=c.rating_weight,
                review_volume_weight=c.review_volume_weight, friend_weight=c.friend_weight,
                prior_rating=self.product.prior_rating,
            )
            outcome = rules.competing(
                _draw(key, t, Decision.RESEARCH_MOVE, idx), p_buy, c.abandon_prob
            )
            buyers.append(idx[outcome == 0])
            new_state[idx[outcome == 1]] = S.REJECTED
        self._posted[posters] = False

        # First purchases: experience drawn now.
        if buyers:
            new = np.sort(np.concatenate(buyers))
            new_state[new] = S.PURCHASED
            stars = rules.experience_stars(
                _draw(key, t, Decision.SATISFACTION, new), self.product.quality,
                c.rating_noise,
            )
            self.stars[new] = stars
            self.satisfied[new] = rules.is_satisfied(stars)
            self.adopted[new] = True
            self.has_product[new] = True
            tally.new_adopters = int(new.size)
            if levers.referral_active:
                tally.referred_purchases = int((self.channel[new] == Channel.SHARE).sum())

        new_state[purchased] = S.FOLLOW_UP

        # Reviews: customers who have not reviewed yet (not influencers under contract).
        may_review = ~self.reviewed[active]
        if contract:
            may_review &= ~self.is_seed[active]
        idx = active[may_review]
        if idx.size:
            wrote = idx[_draw(key, t, Decision.REVIEW, idx) < day.review]
            self.reviewed[wrote] = True
            tally.reviews_written = int(wrote.size)
            tally.review_stars = float(self.stars[wrote].sum())
            self.board.post(tally.reviews_written, tally.review_stars)

        # Follow-up: repurchase (satisfied only) or go dormant; seeds under contract stay.
        idx = follow_up[~self.is_seed[follow_up]] if contract else follow_up
        if idx.size:
            tally.repurchases = self._follow_up(t, day, idx, new_state)

        self.state = new_state
        self.adopters += tally.new_adopters
        self.board.publish()
        spend = self.campaign.settle(levers, tally.reviews_written, tally.referred_purchases)
        self.step_count = t
        self.records.append(
            step_record(t, self.state_counts(), tally, self.adopters, self.board, spend,
                        self.product.price)
        )

    def _wake_unaware(
        self,
        t: int,
        ad_reach: float,
        new_state: np.ndarray,
        organic: np.ndarray | None,
        influencer: np.ndarray | None,
    ) -> None:
        """Unaware -> aware, attributed to the first channel that worked.

        The rulebook is evaluated only for consumers whose uniform is below the
        no-exposure threshold (with a margin) or who saw a post; everyone else stays
        unaware whatever the rounding, so the outcome equals evaluating everyone.
        """
        idx = np.flatnonzero(self.state == S.UNAWARE)
        if not idx.size:
            return
        c = self.consumer
        u = _draw(self.key, t, Decision.AWARENESS, idx)
        pick = np.flatnonzero(u < rules.no_event_bound(c.discovery_prob, ad_reach))
        if self._reached.size:
            exposed = self._reached[self.state[self._reached] == S.UNAWARE]
            pick = np.union1d(pick, np.searchsorted(idx, exposed))
        if not pick.size:
            return
        sub = idx[pick]
        e_org = 0.0 if organic is None else rules.exposure_prob(organic[sub])
        e_inf = 0.0 if influencer is None else rules.exposure_prob(influencer[sub])
        outcome = rules.competing(u[pick], c.discovery_prob, ad_reach, e_inf, e_org)
        hit = np.broadcast_to(outcome < 4, sub.shape)
        outcome = np.broadcast_to(outcome, sub.shape)
        woke = sub[hit]
        new_state[woke] = S.AWARE
        self.channel[woke] = _AWARE_CHANNELS[outcome[hit]]
        self.ever_aware[woke] = True

    def _follow_up(self, t: int, day: DayProbs, idx: np.ndarray, new_state: np.ndarray) -> int:
        """Follow-up decisions of ``idx``; returns the number of repurchases.

        As in ``_wake_unaware``, only uniforms below the largest threshold (with a
        margin) can trigger an event, so the rulebook is evaluated for those only.
        """
        rebuy, dormant = day.repurchase, day.dormancy
        u = _draw(self.key, t, Decision.FOLLOW_UP_MOVE, idx)
        pick = np.flatnonzero(u < rules.no_event_bound(rebuy, dormant))
        if not pick.size:
            return 0
        sub = idx[pick]
        p_rebuy, p_dormant = rules.follow_up_probs(self.satisfied[sub], rebuy, dormant)
        outcome = rules.competing(u[pick], p_rebuy, p_dormant)
        new_state[sub[outcome == 1]] = S.DORMANT
        return int((outcome == 0).sum())

    def _friend_balance(self, idx: np.ndarray) -> np.ndarray:
        """Tie-weighted satisfied minus dissatisfied friends who bought (posters double).

        Gathered for consumers ``idx`` only, adding each one's owning sources in
        increasing index order, as the agent engine does.
        """
        r = self.graph.receivers
        pos, which = _row_entries(r.indptr, idx)
        src = r.indices[pos]
        own = self.has_product[src]
        src, pos, which = src[own], pos[own], which[own]
        shared = self._posted[src].astype(np.float64)
        terms = r.data[pos] * rules.friend_opinion(self.satisfied[src], shared)
        return np.bincount(which, weights=terms, minlength=idx.size)

    def run(self, steps: int) -> list[dict[str, float]]:
        """Run ``steps`` steps and return every step's record (step 0 included)."""
        for _ in range(steps):
            self.step()
        return self.records
