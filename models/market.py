"""Market-level bookkeeping shared by both engines: the review board and step records."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from models import rules
from models.campaign import Campaign, Levers
from models.draws import Decision, split_seed, stream_key, uniform
from models.graph import SocialGraph
from models.journey import STATE_COLUMNS
from models.params import ConsumerParams, ProductParams, check_count
from models.segments import Segments
from models.strategies import Strategy

#: Columns of the per-step table, in order. State counts, ``adopters``, ``reviews`` and
#: ``avg_rating`` are levels at the end of the step; the rest are flows during it.
TIMESERIES_COLUMNS = (
    "step",
    *STATE_COLUMNS,
    "new_adopters",
    "adopters",
    "purchases",
    "reviews",
    "avg_rating",
    "shares_positive",
    "shares_negative",
    "spend",
    "revenue",
)


@dataclass
class StepTally:
    """What happened during one step (flows)."""

    new_adopters: int = 0
    repurchases: int = 0
    reviews_written: int = 0
    review_stars: float = 0.0
    shares_positive: int = 0
    shares_negative: int = 0
    referred_purchases: int = 0
    replies: int = 0
    recovered: int = 0
    #: Extra content pieces made today, by type (``models.content``).
    content_pieces: dict[str, int] = field(default_factory=dict)


@dataclass
class ReviewBoard:
    """Reviews: those written in step t become visible from step t+1."""

    product: ProductParams
    count: int = 0
    total: float = 0.0
    _pending: list[tuple[int, float]] = field(default_factory=list)

    def shown(self) -> float:
        """The Bayesian average rating shoppers see now (stars)."""
        p = self.product
        return float(rules.shown_rating(self.count, self.total, p.prior_rating, p.prior_weight))

    def post(self, count: int, total: float) -> None:
        """Queue reviews written this step."""
        self._pending.append((count, total))

    def publish(self) -> None:
        """Make this step's reviews visible (call at the end of the step)."""
        for c, t in self._pending:
            self.count += c
            self.total += t
        self._pending.clear()

    def average(self) -> float:
        """Raw mean star rating of visible reviews (NaN with none)."""
        return average_rating(self.count, self.total)


def average_rating(count: int, total: float) -> float:
    """Raw mean star rating of ``count`` reviews whose stars sum to ``total`` (NaN with none)."""
    return total / count if count else math.nan


def step_record(
    step: int,
    state_counts: np.ndarray,
    tally: StepTally,
    adopters: int,
    board: ReviewBoard,
    spend: float,
    price: float,
) -> dict[str, float]:
    """One row of the per-step table (see ``TIMESERIES_COLUMNS``)."""
    return _row(step, state_counts.tolist(), tally.new_adopters, tally.repurchases, adopters,
                board.count, board.average(), tally.shares_positive, tally.shares_negative,
                spend, price)


def step_rows(step: int, state_counts: np.ndarray, new_adopters, repurchases, adopters,
              reviews, ratings, shares_positive, shares_negative, spends,
              prices) -> list[dict[str, float]]:
    """The rows of several runs on day ``step``: ``step_record`` of each.

    ``state_counts`` holds one row of counts per journey state per run; every other
    argument one Python number per run (the tally's counts, the adopters, the review
    board's count and ``ReviewBoard.average``, the day's spend, the price), so each row
    holds the types a lone run's has.
    """
    # Column-wise (one dict per run from one zip): a third cheaper than ``_row`` per run;
    # the same layout (tests/test_batched_books.py checks them against each other).
    purchases = [new + again for new, again in zip(new_adopters, repurchases, strict=True)]
    revenue = [n * price for n, price in zip(purchases, prices, strict=True)]
    counts = np.asarray(state_counts)
    if counts.ndim != 2 or counts.shape[1] != len(STATE_COLUMNS):
        raise ValueError(f"state counts of shape {counts.shape}: need one count per journey "
                         f"state ({len(STATE_COLUMNS)}) per run")
    columns = zip([step] * len(purchases), *counts.T.tolist(), new_adopters, adopters,
                  purchases, reviews, ratings, shares_positive, shares_negative, spends,
                  revenue, strict=True)
    return list(map(dict, map(zip, itertools.repeat(TIMESERIES_COLUMNS), columns)))


def _row(step, counts, new, again, adopters, reviews, rating, positive, negative, spend,
         price) -> dict[str, float]:
    """One run's row (``step_rows`` builds the same rows column-wise)."""
    purchases = new + again  # one count per journey state, or zip raises ValueError
    return dict(zip(TIMESERIES_COLUMNS, (step, *counts, new, adopters, purchases, reviews,
                                         rating, positive, negative, spend,
                                         purchases * price), strict=True))


@dataclass
class Opening:
    """Everything both engines set up identically before step 1."""

    key: int
    campaign: Campaign
    seeds: np.ndarray
    seed_stars: np.ndarray
    board: ReviewBoard
    launch_spend: float
    segment_of: np.ndarray
    consumers: tuple[ConsumerParams, ...]


def open_market(
    graph: SocialGraph,
    consumer: ConsumerParams,
    product: ProductParams,
    strategies: Sequence[Strategy],
    budget: float | None,
    seed: int,
    segments: Segments | None = None,
) -> Opening:
    """Split the seed, assign segments, launch the campaign, draw the seeds' experience.

    Args:
        graph: The social graph.
        consumer: Consumer parameters (rating noise).
        product: Product parameters.
        strategies: The run's strategies.
        budget: Spend cap (currency) or None.
        seed: The run seed.
        segments: The consumer segments (None: everyone is one segment).
    """
    check_count("seed", seed)
    segments = segments or Segments()
    streams = split_seed(seed)
    key = stream_key(streams["decisions"])
    segment_of = segments.assign(graph, seed)
    campaign = Campaign(strategies=tuple(strategies), budget=budget, n=graph.n,
                        segment_names=segments.names,
                        segment_of=segment_of if segments.active else None)
    launch = campaign.launch(graph, np.random.default_rng(streams["targeting"]))
    board = ReviewBoard(product)
    if launch.seeded_review_count:
        board.post(launch.seeded_review_count, launch.seeded_review_sum)
        board.publish()
    consumers = segments.consumer_params(consumer)
    u = uniform(key, 0, Decision.SATISFACTION, launch.seeds)
    noise = (consumer.rating_noise if len(consumers) == 1 else
             np.array([c.rating_noise for c in consumers])[segment_of[launch.seeds]])
    stars = rules.experience_stars(u, product.quality, noise)
    return Opening(key, campaign, launch.seeds, np.asarray(stars), board, launch.spend,
                   segment_of, consumers)


def per_tie(values: Sequence[float], segment_of: np.ndarray, receivers):
    """A per-receiver-segment value for every tie of ``receivers`` (scalar: one segment).

    Ties are in the receivers layout (row = the follower), so tie k takes the value of
    its follower's segment.
    """
    if len(values) == 1:
        return values[0]
    rows = np.repeat(np.arange(receivers.shape[0]), np.diff(receivers.indptr))
    return np.asarray(values, dtype=np.float64)[segment_of[rows]]


def under_contract(seeding, step: int) -> bool:
    """Whether seeded influencers are under contract on day ``step`` (days 1..post_days).

    The one place both engines read the contract from. Under contract an influencer posts
    with ``seeding.post_prob`` (always positive), its posts are sponsored (persuasion
    times ``seeding.trust``, awareness attributed to ``Channel.INFLUENCER``) and it does
    not review, buy again or go dormant. From day ``post_days + 1`` on it is an ordinary
    customer: organic posts at full persuasion (attributed to ``Channel.SHARE``), reviews,
    repurchase and dormancy by the normal rules.

    Args:
        seeding: The campaign's ``InfluencerSeeding`` or None.
        step: The day (1-based).
    """
    return seeding is not None and step <= seeding.post_days


def sponsored_log_weights(persuasion, seeding, tie_strength: np.ndarray):
    """Per-contact ``log(1 - p)`` of sponsored posts over ties ``tie_strength``, or None.

    Organic posts (everyone's, an influencer's after the contract) use ``trust = 1``.
    ``persuasion`` is the followers' (a scalar, or one per tie with segments).
    """
    if seeding is None:
        return None
    return rules.contact_log_weight(persuasion, tie_strength, seeding.trust)


@dataclass(frozen=True)
class Day:
    """What every consumer faces on one day: the shared probabilities and the public state.

    Computed once per step from the rulebook, the strategies' levers and the review board
    at the start of the day, so an engine does not redo them per consumer. Probabilities
    are per consumer per step.

    Attributes:
        step: The day (1-based; 0 is the launch).
        consumer: Consumer parameters (the purchase logit's coefficients, rating noise).
        product: The product (quality, prior rating).
        levers: What the strategies change today.
        contract: Seeded influencers are under contract today (``under_contract``).
        contract_post_prob: An influencer's post probability under contract.
        shown_rating: The Bayesian average rating shoppers see today (stars).
        review_count: Visible reviews today.
        content_logit: Purchase-logit term of the page's extra content (``models.content``).
    """

    step: int
    consumer: ConsumerParams
    product: ProductParams
    levers: Levers
    contract: bool
    contract_post_prob: float
    shown_rating: float
    review_count: int
    discovery: float
    ad_reach: float
    impulse: float
    interest: float
    forget: float
    abandon: float
    post_satisfied: float
    post_dissatisfied: float
    review: float
    repurchase: float
    dormancy: float
    content_logit: float = 0.0


def open_day(step: int, consumer: ConsumerParams, product: ProductParams, levers: Levers,
             seeding, board: ReviewBoard, segment: str | None = None) -> Day:
    """The ``Day`` for ``step`` given the strategies' ``Levers`` and the review board.

    ``segment`` names the consumers' segment (ads aimed at another one do not reach
    them). With review-driven visibility (``ProductParams.visibility_on``) discovery
    and impulse purchase are scaled by ``rules.visibility`` of the shown rating.
    """
    contract = under_contract(seeding, step)
    shown, count = board.shown(), board.count
    probs = _lever_probs(consumer, levers, segment)
    if product.visibility_on:
        seen = rules.visibility(
            shown, count, rating_weight=product.visibility_rating_weight,
            volume_weight=product.visibility_volume_weight, pivot_rating=product.prior_rating,
            reference_reviews=product.visibility_reference_reviews)
        probs = {**probs, "discovery": float(rules.scaled_prob(probs["discovery"], seen)),
                 "impulse": float(rules.scaled_prob(probs["impulse"], seen))}
    return Day(step=step, consumer=consumer, product=product, levers=levers, contract=contract,
               contract_post_prob=seeding.post_prob if contract else 0.0,
               shown_rating=shown, review_count=count, **probs)


@functools.lru_cache(maxsize=4096)
def _lever_probs(consumer: ConsumerParams, levers: Levers,
                 segment: str | None) -> MappingProxyType:
    """The day's probabilities that depend only on the consumers, the levers and the segment.

    Cached: the levers repeat from day to day, and the rulebook on Python scalars costs
    more than the rest of a small market's day. Read-only, as every caller shares it.
    """
    def post(satisfied: bool) -> float:
        return float(rules.post_prob(satisfied, consumer.share_prob, consumer.negative_share_prob,
                                     levers.share_multiplier, levers.positive_multiplier))

    aimed_elsewhere = levers.ad_segment is not None and levers.ad_segment != segment
    return MappingProxyType(dict(
        discovery=consumer.discovery_prob, ad_reach=0.0 if aimed_elsewhere else levers.ad_reach,
        impulse=consumer.impulse_prob, interest=consumer.interest_prob,
        forget=float(rules.scaled_prob(consumer.forget_prob, levers.forget_multiplier)),
        abandon=consumer.abandon_prob,
        post_satisfied=post(True),
        post_dissatisfied=post(False),
        review=float(rules.review_prob(consumer.review_prob, levers.review_incentive)),
        repurchase=float(rules.scaled_prob(consumer.repurchase_prob,
                                           levers.repurchase_multiplier)),
        dormancy=float(rules.scaled_prob(consumer.dormancy_prob, levers.dormancy_multiplier)),
    ))


def open_days(step: int, consumers, names, product: ProductParams, campaign, board, content):
    """Pay day ``step``'s running costs; return each segment's ``Day`` (both engines).

    One ``Day`` per segment (``consumers``: each segment's parameters, ``names``: theirs),
    with the content types' levers applied (``models.content.ContentBook.open_day``).
    """
    levers = campaign.levers(step)
    return tuple(content.open_day(open_day(step, c, product, levers, campaign.seeding, board,
                                           name), levers)
                 for c, name in zip(consumers, names, strict=True))


def close_day(board: ReviewBoard, content, campaign, levers: Levers, tally: StepTally) -> float:
    """End of a day in both engines: publish today's reviews, count today's content, pay.

    Returns:
        The spend so far (``Campaign.settle``).
    """
    if tally.reviews_written:
        board.post(tally.reviews_written, tally.review_stars)
    board.publish()
    content.close_day(tally)
    return campaign.settle(levers, tally)
