"""Customer-generated content types: who creates them, where they act, how long they last.

Posts and reviews are the two built-in types (today's mechanics, ``models.journey``);
further types (photos, how-to stories, answers) are created here and act on the feed
(awareness, like a friend's post) and on the product page (a term of the purchase logit).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from models import rules
from models.draws import Decision, uniform
from models.schema import ParameterError, param, prob, validate

#: The built-in types: ``post`` is the shares of ``consumer.share_prob`` (feed), ``review``
#: the one review of ``consumer.review_prob`` (product page).
BUILTIN = ("post", "review")
#: Who creates a type: satisfied customers, any customer, or customers past their purchase
#: day (community members). Only a satisfied creator's piece persuades or counts on the page.
CREATORS = ("satisfied", "buyers", "community")
#: Where a type acts: the feed (awareness and research), the product page (purchase), both.
PLACES = ("feed", "page", "both")
#: Most types in one run (type k's creation uniform is ``Decision.CONTENT + k``).
MAX_TYPES = 16
NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class ContentType:
    """One kind of customer-generated content.

    For the built-in ``post`` and ``review`` only ``enabled`` and ``incentive_cost`` apply:
    who creates them, how often and where they act are today's rules (``consumer.*``).
    """

    name: str = param("photo", "Name", "the type's name (post and review are built in)",
                      "name", kind="text")
    creator: str = param("satisfied", "Creator", "who creates it (a piece persuades and "
                         "counts on the page only if its creator is satisfied)",
                         choices=CREATORS)
    prob: float = prob(0.02, "Creation probability", "a creator makes one piece")
    acts: str = param("both", "Acts on", "feed (awareness, research), page (the purchase "
                      "decision) or both", choices=PLACES)
    feed_weight: float = param(0.5, "Feed weight", "a piece persuades a follower at "
                               "consumer.persuasion x tie x this", "factor",
                               low=0.0, high=10.0)
    page_weight: float = param(0.2, "Page weight", "logit of buying per unit of log(1 + "
                               "visible pieces)", "logit", low=-50.0, high=50.0)
    visible_days: int = param(30, "Visible days", "a piece counts on the page this many "
                              "days from the day after it is made", "days",
                              low=1, high=1_000_000)
    incentive_cost: float = param(5.0, "Incentive cost", "paid per piece made while an "
                                  "incentive for this type runs", "currency",
                                  low=0.0, high=1e12)
    enabled: bool = param(True, "Enabled", "false switches the type off (a counterfactual)")

    def __post_init__(self) -> None:
        """Check every field against its spec."""
        validate(self, f"content.types.{self.name}")
        if not NAME.fullmatch(str(self.name)):
            raise ParameterError(f"content.types.{self.name} = {self.name!r}: a type's name "
                                 "must be lower-case letters, digits and _")

    @property
    def builtin(self) -> bool:
        """Post or review: today's mechanics."""
        return self.name in BUILTIN

    @property
    def feed(self) -> bool:
        """Acts on the feed (posts do; reviews do not)."""
        return self.name == "post" if self.builtin else self.acts in ("feed", "both")

    @property
    def page(self) -> bool:
        """Acts on the product page (reviews do; posts do not)."""
        return self.name == "review" if self.builtin else self.acts in ("page", "both")


@dataclass(frozen=True)
class ContentParams:
    """The run's content types (post and review always; extras in order) and tracking.

    Attributes:
        types: The types; type k's bit in the touch masks is ``1 << k``.
        track: Record each consumer's content touches before their first purchase.
    """

    types: tuple[ContentType, ...] = (ContentType("post", incentive_cost=2.0),
                                      ContentType("review"))
    track: bool = param(False, "Track touches", "record each consumer's content touches "
                        "before their first purchase (the work-backwards report sets it)")

    def __post_init__(self) -> None:
        """Post and review present once; names unique; at most ``MAX_TYPES``."""
        validate(self, "content")
        names = [t.name for t in self.types]
        for b in BUILTIN:
            if b not in names:
                raise ParameterError(f"content.types = {names}: must include {b!r} "
                                     "(switch it off with enabled: false)")
        dupes = sorted({x for x in names if names.count(x) > 1})
        if dupes:
            raise ParameterError(f"content.types = {dupes}: each type may be listed once")
        if len(names) > MAX_TYPES:
            raise ParameterError(f"content.types: {len(names)} types; at most {MAX_TYPES}")

    @property
    def names(self) -> tuple[str, ...]:
        """Type names in bit order."""
        return tuple(t.name for t in self.types)

    def get(self, name: str) -> ContentType:
        """The type called ``name``."""
        return self.types[self.names.index(name)]

    def only(self, enabled: set[str] | frozenset[str]) -> ContentParams:
        """The same types with only those in ``enabled`` switched on (a counterfactual)."""
        return replace(self, types=tuple(replace(t, enabled=t.name in enabled)
                                         for t in self.types))

    @property
    def is_default(self) -> bool:
        """Posts and reviews on, no extras, no tracking: the engines take today's path."""
        return not self.track and all(t.builtin and t.enabled for t in self.types)


@dataclass
class ContentBook:
    """The content of one run: extra pieces made today, the page's visible pieces, touches.

    Shared by both engines (arrays in, arrays out), like ``market.ReviewBoard``; the
    engines call it at fixed points of the day (``open_day``, ``create``, ``spread``,
    ``touch``, ``close_day``), so both see the same numbers to the bit.
    """

    params: ContentParams
    n: int
    key: int
    persuasion: float
    receivers: sp.csr_array | None = None
    campaign: object = None
    heard: np.ndarray | None = None
    reached: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    created: dict[str, int] = field(default_factory=dict)
    boost: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Per-type feed weights (senders layout) and page boards; touch arrays if tracked."""
        p = self.params
        if self.campaign is not None:  # incentives pay each type's cost per piece
            self.campaign.content_costs.update({t.name: t.incentive_cost for t in p.types})
        self.extras = [(k, t) for k, t in enumerate(p.types) if not t.builtin and t.enabled]
        self.created = {t.name: 0 for t in p.types}
        self._senders: dict[int, sp.csr_array] = {}
        self._visible: dict[int, deque] = {k: deque(maxlen=t.visible_days)
                                           for k, t in self.extras if t.page}
        self._today: dict[int, np.ndarray] = {}
        r = self.receivers
        for k, t in self.extras:
            if t.feed and r is not None:
                # Computed in the receivers layout and moved bit for bit, as the engines do.
                logw = rules.contact_log_weight(self.persuasion, r.data, t.feed_weight)
                s = sp.csr_array((logw, r.indices, r.indptr), shape=r.shape).T.tocsr()
                s.sort_indices()
                self._senders[k] = s
        if p.track:
            self.touches = np.zeros(self.n, dtype=np.int64)
            self.first_touch = np.full(self.n, -1, dtype=np.int64)
            self.last_touch = np.full(self.n, -1, dtype=np.int64)
        self.active = not p.is_default

    def visible(self, k: int) -> int:
        """Pieces of extra type k visible on the page today."""
        return int(sum(self._visible[k]))

    def page_logit(self) -> float:
        """Today's purchase-logit term of the page's extra content, summed in type order."""
        total = 0.0
        for k, t in self.extras:
            if t.page:
                total += t.page_weight * float(np.log1p(self.visible(k)))
        return total

    def open_day(self, day, levers):
        """Today's ``market.Day`` with content applied (unchanged for default content).

        Switched-off posts and reviews do not happen; an incentive raises its type's
        creation probability; amplification adds paid reach (``Channel.AD``) of a type's
        existing pieces to the ad reach; the page's extra pieces enter the purchase logit.
        """
        self._today = {}
        self.boost = dict(levers.content_boost)
        if not self.active and not self.boost and not levers.amplify:
            return day
        changes: dict[str, float] = {}
        post, review = self.params.get("post"), self.params.get("review")
        if not post.enabled:
            changes.update(post_satisfied=0.0, post_dissatisfied=0.0)
        elif "post" in self.boost:
            changes["post_satisfied"] = min(day.post_satisfied + self.boost["post"], 1.0)
        if not review.enabled:
            changes["review"] = 0.0
        ad = day.ad_reach
        for name, reach in levers.amplify:
            t = self.params.get(name)
            if t.enabled and self.created[name] > 0:
                weight = 1.0 if t.builtin else t.feed_weight
                ad = 1.0 - (1.0 - ad) * (1.0 - reach * min(self.persuasion * weight, 1.0))
        if ad != day.ad_reach:
            changes["ad_reach"] = ad
        logit = self.page_logit()
        if logit:
            changes["content_logit"] = logit
        return replace(day, **changes) if changes else day

    def create(self, step: int, idx: np.ndarray, satisfied: np.ndarray,
               follow_up: np.ndarray, hired: np.ndarray, tally) -> None:
        """Customers ``idx`` (sorted, start of the day) make today's extra pieces.

        Args:
            step: The day.
            idx: Customers (``journey.CUSTOMERS``), sorted.
            satisfied: Their satisfaction.
            follow_up: Whether they are past their purchase day (community members).
            hired: Influencers paid to post today (they make no content).
            tally: Today's ``StepTally``: ``content_pieces`` gets each type's count.
        """
        for k, t in self.extras:
            can = ~hired & (satisfied if t.creator == "satisfied" else
                            follow_up if t.creator == "community" else True)
            who = idx[can]
            p = min(t.prob + self.boost.get(t.name, 0.0), 1.0)
            made = who[uniform(self.key, step, Decision.CONTENT + k, who) < p]
            tally.content_pieces[t.name] = int(made.size)
            self.created[t.name] += int(made.size)
            self._today[k] = made[satisfied[np.searchsorted(idx, made)]]

    def spread(self) -> np.ndarray:
        """Deliver today's satisfied pieces on the feed; sets ``heard``; returns who was reached.

        Each consumer's log(1 - p) terms are added in type order, then creator order, with
        one ``np.bincount`` (it adds sequentially), so the sum is fixed to the bit.
        """
        rows, vals = [], []
        for k, s in self._senders.items():
            made = self._today.get(k)
            if made is not None and made.size:
                sub = s[made]
                rows.append(sub.indices)
                vals.append(sub.data)
        if not rows:
            self.heard, self.reached = None, np.zeros(0, dtype=np.int64)
            return self.reached
        idx = np.concatenate(rows)
        self.heard = np.bincount(idx, weights=np.concatenate(vals), minlength=self.n)
        self.reached = np.unique(idx)
        return self.reached

    def heard_by(self, i: int) -> float:
        """Consumer i's sum of log(1 - p) over today's extra pieces seen (agent engine)."""
        return 0.0 if self.heard is None else float(self.heard[i])

    def touch(self, day, adopted: np.ndarray, organic_posters: np.ndarray,
              researching: np.ndarray) -> None:
        """Record today's content touches of consumers who have not bought yet.

        Feed: a follower reached by an organic positive post (``post``) or an extra feed
        piece. Page: a researching consumer, when reviews (``review``) or an extra page
        type's pieces are visible. First touch: the lowest type touched on the first day
        with any; last touch: the highest type touched on the latest such day.
        """
        if not self.params.track:
            return
        today = np.zeros(self.n, dtype=np.int64)
        post, review = self.params.get("post"), self.params.get("review")
        kp, kr = self.params.names.index("post"), self.params.names.index("review")
        if post.enabled and organic_posters.size and self.receivers is not None:
            followers = _followers(self.receivers, organic_posters)
            today[followers] |= 1 << kp
        for k, s in self._senders.items():
            made = self._today.get(k)
            if made is not None and made.size:
                today[s[made].indices] |= 1 << k
        page = 0
        if review.enabled and day.review_count > 0:
            page |= 1 << kr
        for k, t in self.extras:
            if t.page and self.visible(k) > 0:
                page |= 1 << k
        today[researching] |= page
        today[adopted] = 0
        hit = np.flatnonzero(today)
        if not hit.size:
            return
        bits = today[hit]
        low = np.log2(bits & -bits).astype(np.int64)
        high = np.floor(np.log2(bits)).astype(np.int64)
        self.touches[hit] |= bits
        first = self.first_touch[hit]
        self.first_touch[hit] = np.where(first < 0, low, first)
        self.last_touch[hit] = high

    def close_day(self, tally) -> None:
        """Today's satisfied page pieces become visible from tomorrow; count today's pieces.

        Positive posts and reviews are counted with the extra pieces made (``created``):
        amplification promotes a type only once a piece of it exists.
        """
        self.created["post"] += tally.shares_positive
        self.created["review"] += tally.reviews_written
        for k, board in self._visible.items():
            made = self._today.get(k)
            board.append(0 if made is None else int(made.size))


def _followers(receivers: sp.csr_array, posters: np.ndarray) -> np.ndarray:
    """Everyone who follows one of ``posters`` (columns of the receivers layout)."""
    mask = np.zeros(receivers.shape[1], dtype=bool)
    mask[posters] = True
    rows = np.repeat(np.arange(receivers.shape[0]), np.diff(receivers.indptr))
    return np.unique(rows[mask[receivers.indices]])
