"""The customer journey, declared once: states, the day's decisions, their outcomes and books.

Both engines execute this module: the agent engine for one consumer (``who`` is a Mesa
agent), the array engine for every consumer of a state at once (``who`` is a group whose
attributes are numpy arrays). See "Adding a transition" in the README.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from models import rules
from models.draws import Decision


class JourneyState(IntEnum):
    """Where a consumer stands in the customer journey."""

    UNAWARE = 0
    AWARE = 1
    RESEARCHING = 2
    PURCHASED = 3
    FOLLOW_UP = 4
    DORMANT = 5
    REJECTED = 6


class Channel(IntEnum):
    """How a consumer last became aware of the product (used for attribution)."""

    NONE = 0
    DISCOVERY = 1  # background discovery: search, press, a shop shelf
    AD = 2
    SHARE = 3  # an organic share from a friend (or an influencer after the contract)
    INFLUENCER = 4  # a sponsored post by a seeded influencer under contract
    SEED = 5  # the consumer was seeded with the product


S = JourneyState

#: Column names of the state counts, in state order.
STATE_COLUMNS = tuple(s.name.lower() for s in JourneyState)
#: Customers: they post and review each day (from the day after their purchase).
CUSTOMERS = (S.PURCHASED, S.FOLLOW_UP)
#: The per-consumer end state both engines return from ``end_state()``.
END_STATE = ("state", "channel", "adopted", "is_seed", "ever_aware", "ever_researched")


# Operations that read the same on one consumer (Python scalars) and on a group (arrays).
def _not(x):
    return ~x if isinstance(x, np.ndarray) else not x


def _pick(cond, if_true, if_false):
    return np.where(cond, if_true, if_false) if isinstance(cond, np.ndarray) else (
        if_true if cond else if_false)


# A tally's increment: a number for one run, one per run for a batch (``models.batched``).
def _count(who, flags):
    return who.count_of(flags) if isinstance(flags, np.ndarray) else int(flags)


def _total(who, values):
    return who.total_of(values) if isinstance(values, np.ndarray) else float(values)


def paid_to_post(day, who):
    """A seeded influencer still paid to post today (``market.under_contract``)."""
    contract = day.contract
    if isinstance(contract, np.ndarray):  # a batch whose runs differ in their contracts
        return contract & who.is_seed
    return contract and who.is_seed  # after the contract: False, without a gather


# --- Moves: the outcomes of a decision and the bookkeeping each one does -------------
@dataclass(frozen=True)
class Move:
    """One outcome of a daily decision: where the consumer goes and what gets booked.

    Attributes:
        name: What happened, in the domain's words.
        to: The state the consumer is in afterwards (its own state for an event).
        channel: The awareness channel recorded for attribution, or None.
        marks: Milestone flags set to True (``ever_aware``, ``ever_researched``).
        purchase: A first purchase: the experience is drawn and the buyer becomes an
            adopter (a referral is counted when they heard of it from a friend).
        counts: The ``StepTally`` counter that goes up by one per consumer, or None.
    """

    name: str
    to: JourneyState
    channel: Channel | None = None
    marks: tuple[str, ...] = ()
    purchase: bool = False
    counts: str | None = None


DISCOVERS = Move("discovers it", S.AWARE, Channel.DISCOVERY, ("ever_aware",))
SEES_AD = Move("sees an ad", S.AWARE, Channel.AD, ("ever_aware",))
HEARS_INFLUENCER = Move("persuaded by a sponsored post", S.AWARE, Channel.INFLUENCER,
                        ("ever_aware",))
HEARS_FRIEND = Move("persuaded by a friend's share", S.AWARE, Channel.SHARE, ("ever_aware",))
BUYS_ON_IMPULSE = Move("buys on impulse", S.PURCHASED, purchase=True, counts="new_adopters")
RESEARCHES = Move("starts researching", S.RESEARCHING, marks=("ever_researched",))
FORGETS = Move("forgets", S.UNAWARE)
BUYS = Move("buys after research", S.PURCHASED, purchase=True, counts="new_adopters")
ABANDONS = Move("abandons", S.REJECTED)
USES_IT = Move("uses it", S.FOLLOW_UP)
BUYS_AGAIN = Move("buys again", S.FOLLOW_UP, counts="repurchases")
GOES_DORMANT = Move("goes dormant", S.DORMANT)


def book(move: Move, who, day, tally) -> None:
    """Do ``move``'s bookkeeping for ``who`` (one consumer or a group), at the end of the day.

    Every decision of the day has read the state at its start by then (synchronous update),
    so the books may write freely; a consumer makes at most one move a day.
    """
    who.state = move.to
    if move.channel is not None:
        who.channel = move.channel
    for flag in move.marks:
        setattr(who, flag, True)
    if move.purchase:
        stars = rules.experience_stars(who.draw(Decision.SATISFACTION), day.product.quality,
                                       day.consumer.rating_noise)
        who.stars = stars
        who.satisfied = rules.is_satisfied(stars)
        who.adopted = who.has_product = True
        referral = day.levers.referral_active
        # A batch's runs may differ (a budget spent in some): then one flag per consumer.
        if referral.any() if isinstance(referral, np.ndarray) else referral:
            tally.referred_purchases += _count(who, (who.channel == Channel.SHARE) & referral)
    if move.counts is not None:
        setattr(tally, move.counts, getattr(tally, move.counts) + who.count)


def seed(who, stars) -> None:
    """Hand the product to seeded influencers ``who`` at launch (their experience: ``stars``)."""
    who.state = S.PURCHASED
    who.channel = Channel.SEED
    who.stars = stars
    who.satisfied = rules.is_satisfied(stars)
    who.is_seed = who.ever_aware = who.has_product = True


# --- Choices: the decision each state takes, its competing moves in order -------------
def _unaware(day, who):
    return (day.discovery, day.ad_reach, rules.exposure_prob(who.heard_sponsored),
            rules.exposure_prob(who.heard_organic + who.heard_content))


def _aware(day, who):
    seen = rules.exposure_prob(who.heard_organic + who.heard_sponsored + who.heard_content)
    impulse, research, forget = rules.aware_probs(day.impulse, day.interest, day.forget, seen)
    heard_negative = who.heard_negative
    if isinstance(heard_negative, np.ndarray) or heard_negative:  # complaints seen today
        put_off = rules.exposure_prob(heard_negative)
        impulse = rules.deterred(impulse, put_off)
        research = rules.deterred(research, put_off)
    return impulse, research, forget


def _researching(day, who):
    c = day.consumer
    buy = rules.purchase_prob(
        day.shown_rating, day.review_count, who.friend_balance,
        intercept=c.buy_intercept + day.content_logit, rating_weight=c.rating_weight,
        review_volume_weight=c.review_volume_weight, friend_weight=c.friend_weight,
        prior_rating=day.product.prior_rating,
    )
    return buy, day.abandon


def _follow_up(day, who):
    # Influencers under contract neither buy again nor go dormant.
    free = _not(paid_to_post(day, who))
    rebuy, dormant = rules.follow_up_probs(who.satisfied, day.repurchase, day.dormancy)
    return rebuy * free, dormant * free


@dataclass(frozen=True)
class Choice:
    """The decision a consumer in ``state`` takes each day: competing moves, one uniform.

    Attributes:
        state: Who decides.
        draw: The ``Decision`` whose uniform decides; None when the first move is certain.
        moves: The competing moves, tried in this order (``rules.competing``).
        probs: ``probs(day, who)``: per-step probabilities of ``moves``, in order.
        quiet: ``quiet(day)``: upper bounds of ``probs`` for a consumer who saw no post
            today, or None. A consumer whose uniform is at or above their
            ``rules.no_event_bound`` stays put, so an engine may skip the rulebook for it
            (an exact shortcut for rare events).
        sees_posts: Today's posts raise ``probs``: a consumer reached by one is always
            evaluated.
    """

    state: JourneyState
    draw: Decision | None
    moves: tuple[Move, ...]
    probs: Callable
    quiet: Callable | None = None
    sees_posts: bool = False

    def bound(self, day) -> float:
        """A uniform at or above this leaves a consumer who saw no post where they are."""
        return 2.0 if self.quiet is None else rules.no_event_bound(*self.quiet(day))

    def outcome(self, day, who, u):
        """Index into ``moves`` of the move taken (``len(moves)``: none), per consumer."""
        if self.draw is None:
            return 0
        return rules.competing(u, *self.probs(day, who))


#: Each deciding state's choice, in state order (dormant and rejected never move again).
CHOICES: dict[JourneyState, Choice] = {c.state: c for c in (
    Choice(S.UNAWARE, Decision.AWARENESS, (DISCOVERS, SEES_AD, HEARS_INFLUENCER, HEARS_FRIEND),
           _unaware, quiet=lambda day: (day.discovery, day.ad_reach), sees_posts=True),
    Choice(S.AWARE, Decision.AWARE_MOVE, (BUYS_ON_IMPULSE, RESEARCHES, FORGETS), _aware),
    Choice(S.RESEARCHING, Decision.RESEARCH_MOVE, (BUYS, ABANDONS), _researching),
    Choice(S.PURCHASED, None, (USES_IT,), lambda day, who: (1.0,)),
    Choice(S.FOLLOW_UP, Decision.FOLLOW_UP_MOVE, (BUYS_AGAIN, GOES_DORMANT), _follow_up,
           quiet=lambda day: (day.repurchase, day.dormancy)),
)}

#: Allowed transitions (staying put is always allowed and not listed), read off ``CHOICES``.
TRANSITIONS: dict[JourneyState, frozenset[JourneyState]] = {
    s: frozenset(m.to for m in CHOICES[s].moves if m.to != s) if s in CHOICES else frozenset()
    for s in JourneyState
}


def is_allowed(before: int, after: int) -> bool:
    """Return whether ``before -> after`` is an allowed journey step (or no change)."""
    return before == after or JourneyState(after) in TRANSITIONS[JourneyState(before)]


# --- What customers do besides moving: post and review -------------------------------
def posts(day, who, u):
    """What customers post today, from their ``Decision.SHARE`` uniform ``u``.

    Under contract an influencer posts with the contract's ``post_prob``, always
    positively and sponsored; every other customer posts positively if satisfied and
    negatively if not, organically. Only positive posts persuade.

    Returns:
        ``(posted, positive, sponsored)`` flags (bools or bool arrays).
    """
    hired = paid_to_post(day, who)
    satisfied = who.satisfied  # (read once: for a group, each read is a gather)
    p = _pick(hired, day.contract_post_prob,
              _pick(satisfied, day.post_satisfied, day.post_dissatisfied))
    posted = u < p
    positive = posted & (satisfied | hired)
    return posted, positive, positive & hired


def book_posts(posters, positive, tally) -> None:
    """Remember who posted today (friends count a poster double) and count the posts.

    Args:
        posters: The customers who posted today (one consumer or a group).
        positive: Which of the posts are positive.
        tally: Today's ``StepTally``.
    """
    posters.posted = True
    n_positive = _count(posters, positive)
    tally.shares_positive += n_positive
    tally.shares_negative += posters.count - n_positive


def may_review(day, who):
    """A customer writes one review at most, and not while paid to post."""
    return _not(who.reviewed | paid_to_post(day, who))


def book_reviews(who, tally) -> None:
    """Customers ``who`` wrote their review today (visible from tomorrow)."""
    who.reviewed = True
    tally.reviews_written += who.count
    tally.review_stars += _total(who, who.stars)
