"""The consumer agent of the agent engine: one Mesa agent per consumer on the network."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import FixedAgent

from models import complaints, journey, rules
from models.draws import Decision
from models.journey import Channel, JourneyState, Move

if TYPE_CHECKING:
    from models.model import MarketModel


class Consumer(FixedAgent):
    """A consumer who posts, reviews, decides and advances through ``models.journey``.

    The journey's rules read and write these attributes for one consumer; the array
    engine keeps the same names as arrays.

    Attributes:
        index: Position 0..n-1 (the network node); keys the consumer's random draws.
        state: Current ``JourneyState``.
        channel: ``Channel`` through which the consumer last became aware.
        stars: The star rating their experience is worth (set at first purchase).
        satisfied: Whether the experience was worth 4 stars or more.
        posted: Whether they posted today (friends count a poster double).
        sponsored_post: Whether today's positive post is sponsored (under contract).
        move: Today's ``journey.Move``, chosen in ``decide`` and booked in ``advance``.
        sources: Whose posts they see, with tie strengths, in index order.
        followers: Who sees their organic posts, with per-contact log(1 - p).
        sponsored_followers: The same for sponsored posts (seeded influencers only).
        heard_organic: Today's sum of log(1 - p_contact) over organic positive posts seen.
        heard_sponsored: The same over sponsored posts.
        segment: Index of the consumer's segment (``models.segments``; 0 without).
        heard_negative: Today's sum of log(1 - p) over complaints seen (``complaints``).
        negative_followers: Who a complaint of theirs puts off, with per-contact log(1 - p)
            (unanswered, answered), when negative word of mouth has weight.
        answered: The brand answered their complaint today.
        recovering: An answered complaint of today turns them satisfied tonight.
    """

    model: MarketModel
    #: The journey's bookkeeping counts ``who.count`` consumers per booking: one here.
    count = 1

    def __init__(self, model: MarketModel, cell, index: int) -> None:
        """Create an unaware consumer at ``cell``."""
        super().__init__(model)
        self.cell = cell
        self.index = index
        self.state = JourneyState.UNAWARE
        self.channel = Channel.NONE
        self.stars = 0.0
        self.satisfied = self.reviewed = self.adopted = self.is_seed = False
        self.has_product = self.ever_aware = self.ever_researched = self.posted = False
        self.move: Move | None = None
        self.sources: list[tuple[Consumer, float]] = []
        self.followers: list[tuple[Consumer, float]] = []
        self.sponsored_followers: list[tuple[Consumer, float]] = []
        self.heard_organic = self.heard_sponsored = self.heard_negative = 0.0
        self.sponsored_post = False
        self.segment = 0
        self.negative_followers: list[tuple[Consumer, float, float]] = []
        self.answered = self.recovering = False

    def draw(self, decision: Decision) -> float:
        """This consumer's uniform for ``decision`` today."""
        return self.model.uniforms(decision)[self.index]

    @property
    def heard_content(self) -> float:
        """Today's sum of log(1 - p_contact) over extra content pieces seen (``models.content``)."""
        return self.model.content.heard_by(self.index)

    @property
    def friend_balance(self) -> float:
        """Tie-weighted satisfied minus dissatisfied friends who bought (posters double)."""
        balance = 0.0
        for src, w in self.sources:
            if src.has_product:
                balance += w * rules.friend_opinion(src.satisfied, 1.0 if src.posted else 0.0)
        return balance

    # Customers, first: post, then spread (in poster order), then review. ---------------
    def post(self) -> None:
        """Decide whether to post today, and to whom it goes (``journey.posts``)."""
        m = self.model
        day = m.days[self.segment]
        posted, positive, sponsored = journey.posts(day, self, self.draw(Decision.SHARE))
        if posted:
            journey.book_posts(self, positive, m.tally)
            if not positive:
                self.complain()
        if positive:
            self.sponsored_post = sponsored
            m.posters.append(self)

    def complain(self) -> None:
        """Today's post is negative: the brand may answer it (``complaints``)."""
        m = self.model
        levers = m.day.levers
        if levers.reply_share and complaints.answered(levers, self.draw(Decision.REPLY)):
            self.answered = True
            m.tally.replies += 1
            self.recovering = bool(complaints.recovers(levers, self.draw(Decision.RECOVERY)))
        m.complainers.append(self)

    def spread_complaint(self) -> None:
        """Deliver today's complaint: add its log weight to each follower's sum."""
        for follower, lw, lw_answered in self.negative_followers:
            follower.heard_negative += lw_answered if self.answered else lw

    def spread(self) -> None:
        """Deliver today's positive post: add its log weight to each follower's sum."""
        if self.sponsored_post:
            for follower, lw in self.sponsored_followers:
                follower.heard_sponsored += lw
        else:
            for follower, lw in self.followers:
                follower.heard_organic += lw

    def review(self) -> None:
        """Write the one review, perhaps (``journey.may_review``)."""
        m = self.model
        day = m.days[self.segment]
        if journey.may_review(day, self) and self.draw(Decision.REVIEW) < day.review:
            journey.book_reviews(self, m.tally)

    # Everyone: decide from the state at the start of the day, then advance. ------------
    def decide(self) -> None:
        """Choose today's move (``journey.CHOICES``); nothing is changed until ``advance``."""
        self.move = None
        choice = journey.CHOICES.get(self.state)
        if choice is None:
            return  # dormant and rejected consumers never move again
        u = self.draw(choice.draw) if choice.draw is not None else 0.0
        m = self.model
        if u >= m.bounds[self.segment][self.state] and not (
                choice.sees_posts and (self.heard_organic or self.heard_sponsored
                                       or self.heard_content)):
            return  # the draw clears every event (exact shortcut, see ``Choice.quiet``)
        k = choice.outcome(m.days[self.segment], self, u)
        if k < len(choice.moves):
            self.move = choice.moves[k]

    def advance(self) -> None:
        """Book today's move (``journey.book``); clear today's posts."""
        self.posted = self.answered = False
        self.heard_organic = self.heard_sponsored = self.heard_negative = 0.0
        if self.recovering:
            self.recovering = False
            complaints.book_recovery(self, self.model.tally)
        if self.move is not None:
            before = self.state
            journey.book(self.move, self, self.model.days[self.segment], self.model.tally)
            self.model.moved(self, before)
