"""The array engine: the same journey on numpy arrays, one state group at a time.

It executes ``models.journey`` with the same rulebook, draws and summation order as the
agent engine: a seed gives bit-identical trajectories in both.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from enum import IntEnum

import numpy as np
import scipy.sparse as sp

from models import complaints, draws, journey, rules
from models.campaign import Levers
from models.content import ContentBook, ContentParams
from models.draws import Decision
from models.graph import SocialGraph
from models.journey import JourneyState
from models.market import (
    StepTally,
    close_day,
    open_day,
    open_days,
    open_market,
    per_tie,
    sponsored_log_weights,
    step_record,
)
from models.params import ConsumerParams, ProductParams
from models.segments import SegmentLedger, Segments
from models.strategies import Strategy

S = JourneyState
#: Consumers hashed per block: a block's temporaries stay in cache (about 2x faster).
_DRAW_BLOCK = 65_536
#: From this many consumers on, ``state_counts`` counts state by state (see there).
_COUNT_BY_STATE_MIN = 100_000
#: From this many rows on (posters, researching consumers), their ties are summed by scipy:
#: one C pass each, after a fixed cost of about 0.1-0.2 ms that numpy's passes beat below.
_SCIPY_ROWS_MIN = 2_500
#: (Consumers are picked by flags with ``idx.compress(flags)``, not ``idx[flags]``: numpy's
#: boolean indexing is several times slower on the day's mixed masks; README, "Many runs at
#: once", gives the timeit command.)
#: The customers' state codes as plain ints.
_CUSTOMER_CODES = tuple(int(s) for s in journey.CUSTOMERS)


def _blocked(hash_block, idx: np.ndarray) -> np.ndarray:
    """``hash_block(idx)`` computed ``_DRAW_BLOCK`` consumers at a time (same numbers)."""
    if idx.size <= _DRAW_BLOCK:
        return hash_block(idx)
    first = hash_block(idx[:_DRAW_BLOCK])
    out = np.empty(idx.size, dtype=first.dtype)
    out[:_DRAW_BLOCK] = first
    for lo in range(_DRAW_BLOCK, idx.size, _DRAW_BLOCK):
        out[lo:lo + _DRAW_BLOCK] = hash_block(idx[lo:lo + _DRAW_BLOCK])
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


class Group:
    """Consumers ``idx`` of a ``VectorMarket``, seen by ``models.journey`` as one ``who``.

    Reading a per-consumer attribute gathers it for the group (``who.satisfied`` is
    ``market.satisfied[idx]``); assigning one scatters it (``who.state = s`` sets
    ``market.state[idx] = s``). A ``Consumer`` agent is the same for one consumer.
    """

    __slots__ = ("idx", "market")

    def __init__(self, market: VectorMarket, idx: np.ndarray) -> None:
        object.__setattr__(self, "market", market)
        object.__setattr__(self, "idx", idx)

    def __getattr__(self, name: str):
        return getattr(self.market, name)[self.idx]

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, IntEnum):  # a plain int: numpy probes an enum member slowly
            value = int(value)
        getattr(self.market, name)[self.idx] = value

    @property
    def count(self) -> int:
        """How many consumers the group holds."""
        return self.idx.size

    def _heard(self, heard: np.ndarray | None):
        """The group's entries of a day's dense exposure sums (0.0 when nobody was reached)."""
        return 0.0 if heard is None else heard[self.idx]

    @property
    def heard_organic(self):
        """Today's sums of log(1 - p_contact) over organic positive posts seen (or 0.0)."""
        return self._heard(self.market._heard_organic)

    @property
    def heard_sponsored(self):
        """The same over sponsored posts."""
        return self._heard(self.market._heard_sponsored)

    @property
    def heard_negative(self):
        """The same over complaints (``models.complaints``)."""
        return self._heard(self.market._heard_negative)

    @property
    def heard_content(self):
        """The same over extra content pieces seen (``models.content``)."""
        return self._heard(self.market.content.heard)

    @property
    def friend_balance(self) -> np.ndarray:
        """Tie-weighted satisfied minus dissatisfied friends who bought (posters double)."""
        return self.market._friend_balance(self.idx)

    def draw(self, decision: Decision) -> np.ndarray:
        """The group's uniforms for ``decision`` today."""
        return self.market._uniform(decision, self.idx)

    def count_of(self, flags: np.ndarray) -> int:
        """How many of the group's ``flags`` are set (a tally's increment)."""
        return int(np.count_nonzero(flags))

    def total_of(self, values: np.ndarray) -> float:
        """The sum of the group's ``values`` (a tally's increment)."""
        return float(np.sum(values))


class VectorMarket:
    """A market of consumers held as arrays: the array engine.

    Same interface as ``MarketModel`` (``step()``, ``records``, ``end_state()``) and, for
    the same seed, the same trajectory to the bit. A day runs in named phases, each
    executing ``models.journey`` for a group of consumers: ``_open`` (levers, ``Day``),
    ``_post``, ``_expose``, ``_decide`` (state group by state group), ``_review``,
    ``_settle`` (book the moves, money) and ``_record``.

    Why it is cheap: posts are scattered from today's posters to their followers
    (``np.bincount`` adds each follower's terms in increasing poster order, as the agent
    engine sums over its sources), the friend balance is gathered only for researching
    consumers, uniforms are hashed only for consumers who take a decision, and rare
    events (discovery, follow-up moves) evaluate the rulebook only below a safe bound
    (``journey.Choice.quiet``). Cost per step is O(n) cheap array passes plus O(ties of
    posters and researchers): about one sparse product ``A @ x`` on a million consumers.

    Scratch state, valid from the phase that sets it to the end of the day:

    - ``_active`` (``_post``): customers at the start of the day, sorted.
    - ``posted``, ``_posters`` (``_post``): who posted today; read by the friend balance
      in ``_decide``, cleared in ``_settle`` after every decision has read it.
    - ``_heard_organic``, ``_heard_sponsored`` (``_expose``): dense sums of
      log(1 - p_contact) over today's positive posts, or None without such posts.
    - ``_reach_mark`` (``_expose``): flags the followers reached by a positive post (or
      extra content); ``_reached_any``: whether anybody was. Cleared in ``_settle``.

    Args:
        graph: The social graph.
        consumer: Consumer behaviour.
        product: The product.
        strategies: Strategies in spending order (empty = baseline).
        budget: Spend cap (currency) or None.
        segments: Consumer segments (``models.segments``); None: everyone is one.
        rng: The run seed (an int); None draws one.
        content: Customer-generated content types (``models.content``); None: posts and
            reviews only.

    Attributes:
        steps: Days simulated so far.
        records: One ``market.TIMESERIES_COLUMNS`` row per day, day 0 first.
        state, channel, stars, satisfied, reviewed, adopted, is_seed, ever_aware,
            ever_researched, has_product: Per-consumer arrays, named as the
            ``Consumer`` agent's attributes.
        day: Today's shared probabilities and public state (``market.Day``).
        days: Today's ``Day`` per segment (``days[0] is day``); ``segment`` holds each
            consumer's segment index.
        segment_ledger: Per-segment counts per day, or None without segments.
        tally: What happened today (``market.StepTally``).

    Example:
        >>> from simulation.networks.generators import NetworkParams, build_network
        >>> from models.strategies import Ads
        >>> graph = build_network(NetworkParams(n=2_000), seed=1)
        >>> market = VectorMarket(graph, strategies=(Ads(reach=0.02),), rng=1)
        >>> for _ in range(60):
        ...     market.step()
        >>> market.record["step"], int(market.end_state()["adopted"].sum()) > 0
        (60, True)
    """

    def __init__(
        self,
        graph: SocialGraph,
        consumer: ConsumerParams | None = None,
        product: ProductParams | None = None,
        strategies: Sequence[Strategy] = (),
        budget: float | None = None,
        *,
        segments: Segments | None = None,
        rng: int | None = None,
        content: ContentParams | None = None,
    ) -> None:
        """Set up the arrays, the campaign and day 0."""
        if rng is None:
            rng = int(np.random.SeedSequence().generate_state(1)[0])
        self.seed_value = int(rng)
        self.graph = graph
        self.consumer = consumer = consumer or ConsumerParams()
        self.product = product = product or ProductParams()
        n = graph.n
        segments = segments or Segments()
        opening = open_market(graph, consumer, product, strategies, budget, self.seed_value,
                              segments)
        self.segment = opening.segment_of
        self.segment_names = segments.names
        self.segment_consumers = opening.consumers
        self.key = opening.key
        self.campaign = opening.campaign
        self.board = opening.board
        self.content = ContentBook(content or ContentParams(), n, self.key,
                                   consumer.persuasion, graph.receivers, self.campaign)
        self.steps = 0
        self.adopters = 0
        self.tally = StepTally()

        self.state = np.zeros(n, dtype=np.int8)
        self.channel = np.zeros(n, dtype=np.int8)
        self.stars = np.zeros(n, dtype=np.float64)
        for name in ("satisfied", "reviewed", "adopted", "is_seed", "ever_aware",
                     "ever_researched", "has_product", "posted"):
            setattr(self, name, np.zeros(n, dtype=bool))
        journey.seed(Group(self, opening.seeds), opening.seed_stars)
        self._active = self._posters = np.zeros(0, dtype=np.int64)
        self._heard_organic = self._heard_sponsored = self._heard_negative = None
        self._complainers = self._answered = self._recovering = np.zeros(0, dtype=np.int64)
        self._reach_mark = np.zeros(n, dtype=bool)
        self._reached_any = False
        self._receivers = graph.receivers

        # Exposure weights log(1 - persuasion * w) per tie (organic) and, for seeded
        # influencers under contract, log(1 - persuasion * w * trust) (sponsored); computed
        # in the receivers layout exactly as the agent engine does, then moved (bit for
        # bit) to the senders layout: row j lists j's followers, so a post is scattered.
        r = graph.receivers
        persuasion = per_tie([c.persuasion for c in opening.consumers], self.segment, r)
        self._log_senders = self._senders(rules.contact_log_weight(persuasion, r.data))
        spon = sponsored_log_weights(persuasion, self.campaign.seeding, r.data)
        self._log_sponsored = self._senders(spon) if spon is not None else self._log_senders
        self._log_negative = self._log_answered = None
        neg = complaints.negative_log_weights(opening.consumers, self.segment, r)
        if neg is not None:
            reply = complaints.reply_strategy(self.campaign.strategies)
            self._log_negative = self._senders(neg)
            self._log_answered = self._log_negative if reply is None else self._senders(
                complaints.negative_log_weights(opening.consumers, self.segment, r,
                                                reply.spread_factor))
        self.day = open_day(0, consumer, product, Levers(), None, self.board)
        self.days = (self.day,) * len(opening.consumers)
        self.segment_ledger = (SegmentLedger(segments.names, self.segment)
                               if segments.active else None)
        if self.segment_ledger is not None:
            self.segment_ledger.record(0, self.state, self.adopted)
        self.records = [step_record(0, self.state_counts(), self.tally, 0, self.board,
                                    opening.launch_spend, product.price)]

    def _senders(self, logw: np.ndarray) -> sp.csr_array:
        """Per-tie values in the receivers layout moved to the senders layout (row = poster).

        On a symmetric graph with one segment the values are symmetric too (a function of
        the tie's strength alone), so the layouts coincide: the receivers' index arrays
        are shared instead of transposed (a big graph's set-up time and memory).
        """
        r = self.graph.receivers
        if self.graph.symmetric and len(self.segment_names) == 1:
            return sp.csr_array((logw, r.indices, r.indptr), shape=r.shape)
        senders = sp.csr_array((logw, r.indices, r.indptr), shape=r.shape).T.tocsr()
        senders.sort_indices()
        return senders

    @property
    def record(self) -> dict[str, float]:
        """Today's row of the per-step table."""
        return self.records[-1]

    def state_counts(self) -> np.ndarray:
        """Consumers per journey state.

        Over a large market one ``count_nonzero`` per state: ``np.bincount`` first casts
        the int8 states to int64, about 3x slower at a million consumers (but faster at
        ten thousand, where the calls cost more than the pass).
        """
        state = self.state
        if state.size < _COUNT_BY_STATE_MIN:
            return np.bincount(state, minlength=len(S))
        return np.array([np.count_nonzero(state == s) for s in range(len(S))])

    def end_state(self) -> dict[str, np.ndarray]:
        """Per-consumer state as arrays named as in ``journey.END_STATE`` (both engines)."""
        return {k: getattr(self, k).copy() for k in journey.END_STATE}

    def step(self) -> None:
        """One day (synchronous: every decision reads the state at the start of the day)."""
        self._open()
        organic, sponsored = self._post()
        self._expose(organic, sponsored)
        moves = self._decide()
        self._review()
        self._settle(moves)
        self._close_day()
        self._record()

    # Hooks a batch of runs (``models.batched``) replaces: the consumers ``idx`` as one
    # ``who``, the ``Day`` they face, and their uniforms.
    def _group(self, idx: np.ndarray) -> Group:
        return Group(self, idx)

    def _day_of(self, idx: np.ndarray):
        return self.day

    def _hashed(self, decision: Decision, idx: np.ndarray, at) -> np.ndarray:
        """``at(base, idx)`` for today's ``decision`` (``draws.uniform_at`` or ``bits_at``)."""
        base = np.uint64(draws.decision_base(self.key, self.steps, decision))
        return _blocked(lambda block: at(base, block), idx)

    def _uniform(self, decision: Decision, idx: np.ndarray) -> np.ndarray:
        """Consumers ``idx``'s uniforms for ``decision`` today (``draws.uniform``)."""
        return self._hashed(decision, idx, draws.uniform_at)

    def _open(self) -> None:
        """Pay today's running costs; set the day's shared probabilities and a new tally."""
        self.steps += 1
        self.days = open_days(self.steps, self.segment_consumers, self.segment_names,
                              self.product, self.campaign, self.board, self.content)
        self.day = self.days[0]
        self.tally = StepTally()

    def _post(self) -> tuple[np.ndarray, np.ndarray]:
        """Customers decide whether to post (``journey.posts``); sets ``_active``, ``posted``.

        Returns:
            The positive posters, organic and sponsored, sorted.
        """
        customers = self.state == _CUSTOMER_CODES[0]
        for s in _CUSTOMER_CODES[1:]:
            customers |= self.state == s
        active = self._active = np.flatnonzero(customers)
        who = self._group(active)
        u = self._uniform(Decision.SHARE, active)
        posted, positive, sponsored = self._per_segment(journey.posts, active, u, 3)
        self._posters = active.compress(posted)
        journey.book_posts(self._group(self._posters), positive.compress(posted),
                           self.tally)
        self._complain(active.compress(posted & ~positive))
        if self.content.active:
            self.content.create(self.steps, active, self.satisfied[active],
                                self.state[active] == int(S.FOLLOW_UP),
                                np.broadcast_to(journey.paid_to_post(self._day_of(active), who),
                                                active.shape),
                                self.tally)
        return active.compress(positive & ~sponsored), active.compress(sponsored)

    def _per_segment(self, rule, idx: np.ndarray, u: np.ndarray, outputs: int):
        """``rule(day, group, u)`` for consumers ``idx``, each with their segment's ``Day``.

        Returns one array per output, aligned with ``idx`` (a rule's outputs here are
        boolean flags).
        """
        if len(self.days) == 1:
            return rule(self._day_of(idx), self._group(idx), u)
        out = [np.zeros(idx.size, dtype=bool) for _ in range(outputs)]
        seg = self.segment[idx]
        for k, day in enumerate(self.days):
            mine = seg == k
            for arr, part in zip(out, rule(day, self._group(idx[mine]), u[mine]), strict=True):
                arr[mine] = part
        return out

    def _complain(self, complainers: np.ndarray) -> None:
        """Today's complaints (negative posts, sorted): the brand answers some of them.

        Sets ``_complainers``, ``_answered`` (flags aligned with it) and ``_recovering``
        (answered complainers who turn satisfied tonight; ``models.complaints``).
        """
        self._complainers = complainers
        levers = self.day.levers
        self._answered = np.zeros(complainers.size, dtype=bool)
        self._recovering = complainers[:0]
        if levers.reply_share and complainers.size:
            self._answered = complaints.answered(
                levers, self._uniform(Decision.REPLY, complainers))
            who = complainers[self._answered]
            self.tally.replies += who.size
            self._recovering = who[complaints.recovers(
                levers, self._uniform(Decision.RECOVERY, who))]

    def _expose(self, organic: np.ndarray, sponsored: np.ndarray) -> None:
        """Scatter today's positive posts to followers; sets ``_heard_*`` and ``_reach_mark``."""
        self._heard_organic = self._scatter(organic, self._log_senders)
        self._heard_sponsored = self._scatter(sponsored, self._log_sponsored)
        self._heard_negative = self._scatter_complaints()
        book = self.content
        content = book.spread() if book.active else book.reached
        self._reach_mark[content] = True
        self._reached_any = bool(organic.size or sponsored.size or content.size)
        if book.params.track:
            book.touch(self.day, self.has_product, organic, self._in_state(S.RESEARCHING))

    def _scatter(self, posters: np.ndarray, senders: sp.csr_array) -> np.ndarray | None:
        """Sum of log(1 - p_contact) over ``posters``' posts each consumer sees.

        ``posters`` are sorted and their rows are summed into their followers in order, so
        each consumer's terms are added in increasing source order, as the agent engine
        does: by ``np.bincount`` over the rows' entries, or, from ``_SCIPY_ROWS_MIN``
        posters on, by scipy (the rows copied out and one product with ones, each one C
        pass; ``term * 1.0`` is exact, fused or not).
        """
        if not posters.size:
            return None
        if posters.size >= _SCIPY_ROWS_MIN:
            rows = senders[posters]
            self._reach_mark[rows.indices] = True
            return rows.T @ np.ones(posters.size)
        pos, _ = _row_entries(senders.indptr, posters)
        reached = senders.indices[pos]
        self._reach_mark[reached] = True
        return np.bincount(reached, weights=senders.data[pos], minlength=self._reach_mark.size)

    def _scatter_complaints(self) -> np.ndarray | None:
        """Sum of log(1 - p) over today's complaints each consumer sees (None: none, or off).

        One ``np.bincount`` over every complainer's ties in poster order (an answered one
        with its answered weights), as the agent engine adds them.
        """
        if self._log_negative is None or not self._complainers.size:
            return None
        senders = self._log_negative
        pos, which = _row_entries(senders.indptr, self._complainers)
        weights = np.where(self._answered[which], self._log_answered.data[pos],
                           senders.data[pos])
        return np.bincount(senders.indices[pos], weights=weights, minlength=self.graph.n)

    def _decide(self) -> list[tuple[journey.Move, np.ndarray]]:
        """Every consumer's move, one state group at a time (``journey.CHOICES``).

        Reads only the state at the start of the day and today's posts; nothing is
        written until ``_settle``.

        Returns:
            ``(move, who)`` pairs: the consumers (sorted) who make each move.
        """
        moves = []
        for choice in journey.CHOICES.values():
            everyone = self._in_state(choice.state)
            if choice.draw is None:
                moves.append((choice.moves[0], everyone))
                continue
            for day, idx in self._segment_groups(everyone):
                if not idx.size:
                    continue
                if choice.quiet is None:
                    u = self._uniform(choice.draw, idx)
                else:  # a rare event: pick who may move from the hashes, then their uniforms
                    bits = self._hashed(choice.draw, idx, draws.bits_at)
                    pick = self._candidates(choice, self._day_of(idx) if day is None else day,
                                            idx, bits)
                    if not pick.size:
                        continue
                    idx, u = idx[pick], draws.uniform_of(bits[pick])
                day = self._day_of(idx) if day is None else day  # after the pick (a batch)
                outcome = choice.outcome(day, self._group(idx), u)  # an array, as u is
                moves += [(move, idx.compress(outcome == k))
                          for k, move in enumerate(choice.moves)]
        return moves

    def _segment_groups(self, idx: np.ndarray):
        """``(day, consumers)`` per segment of sorted ``idx``.

        Without segments one pair whose day is None: the caller asks ``_day_of`` for the
        consumers it finally decides for (a batch's day is per consumer).
        """
        if len(self.days) == 1:
            return ((None, idx),)
        seg = self.segment[idx]
        return tuple((day, idx.compress(seg == k)) for k, day in enumerate(self.days))

    def _in_state(self, state: JourneyState) -> np.ndarray:
        """Consumers in ``state`` at the start of the day, sorted.

        Customers are picked out of ``_active`` (a small set) instead of a pass over all n.
        """
        code = int(state)  # numpy compares a plain int much faster than an IntEnum member
        if code in _CUSTOMER_CODES:
            return self._active.compress(self.state[self._active] == code)
        return np.flatnonzero(self.state == code)

    def _candidates(self, choice: journey.Choice, day, idx: np.ndarray,
                    bits: np.ndarray) -> np.ndarray:
        """Positions in ``idx`` that may move: the exact rare-event shortcut.

        Only uniforms below the choice's quiet bound can trigger an event for a consumer
        who saw no post (compared on the hashes ``bits``: ``draws.below``); consumers
        reached by a post are always evaluated.
        """
        may_move = draws.below(bits, choice.bound(day))
        if choice.sees_posts and self._reached_any:
            may_move |= self._reach_mark[idx]
        return np.flatnonzero(may_move)

    def _review(self) -> None:
        """Customers who may review (``journey.may_review``) write their review, perhaps."""
        active = self._active
        idx = active.compress(journey.may_review(self._day_of(active), self._group(active)))
        bits = self._hashed(Decision.REVIEW, idx, draws.bits_at)  # (u < p, on the hashes)
        review = self._day_of(idx).review if len(self.days) == 1 else np.array(
            [d.review for d in self.days])[self.segment[idx]]
        wrote = idx.compress(draws.below(bits, review))
        if wrote.size:
            journey.book_reviews(self._group(wrote), self.tally)

    def _settle(self, moves: list[tuple[journey.Move, np.ndarray]]) -> None:
        """Book every move (``journey.book``) and forget today's posts.

        Runs after every decision of the day has read the state at its start; each
        consumer makes at most one move, so the order of the bookings does not matter.
        """
        tally = self.tally
        for move, everyone in moves:
            for day, who in self._segment_groups(everyone):
                if who.size:
                    journey.book(move, self._group(who),
                                 self._day_of(who) if day is None else day, tally)
        self.posted[self._posters] = False
        if self._reached_any:
            self._reach_mark[:] = False
            self._reached_any = False
        if self._recovering.size:
            complaints.book_recovery(self._group(self._recovering), tally)

    def _close_day(self) -> None:
        """Publish today's reviews and settle the money."""
        tally = self.tally
        self.spend = close_day(self.board, self.content, self.campaign, self.day.levers, tally)
        self.adopters += tally.new_adopters

    def _record(self) -> None:
        """Append today's row of the per-step table."""
        self.records.append(step_record(self.steps, self.state_counts(), self.tally,
                                        self.adopters, self.board, self.spend,
                                        self.product.price))
        if self.segment_ledger is not None:
            self.segment_ledger.record(self.steps, self.state, self.adopted)

    def _friend_balance(self, idx: np.ndarray) -> np.ndarray:
        """Tie-weighted satisfied minus dissatisfied friends who bought (posters double).

        Gathered for consumers ``idx`` only, adding each one's sources in increasing index
        order, as the agent engine does. Every tie of ``idx`` gets its term, computed in
        numpy: a source who does not own the product adds a zero term, which leaves the
        sum's bits as they are. The terms are added row by row by ``np.bincount`` or, from
        ``_SCIPY_ROWS_MIN`` consumers on, by scipy (their rows copied out and one product
        with ones: ``term * 1.0`` is exact even where multiply and add are fused).
        """
        r = self._receivers
        by_scipy = idx.size >= _SCIPY_ROWS_MIN
        if by_scipy:
            rows = r[idx]
            src, weight = rows.indices, rows.data
        else:
            pos, which = _row_entries(r.indptr, idx)
            src, weight = r.indices[pos], r.data[pos]
        terms = rules.friend_opinion(self.satisfied[src], self.posted[src].astype(np.float64))
        terms *= self.has_product[src]
        terms *= weight  # (w * opinion, as the agent engine: a product is commutative)
        if not by_scipy:
            return np.bincount(which, weights=terms, minlength=idx.size)
        rows.data = terms
        return rows @ self._ones

    @functools.cached_property
    def _ones(self) -> np.ndarray:
        """A read-only vector of n ones (kept: a batch's n is large)."""
        ones = np.ones(self._receivers.shape[1])
        ones.flags.writeable = False
        return ones
