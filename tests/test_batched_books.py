"""The books of a batch (models.batchbooks): kept across runs, each run's as alone, to the bit."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from test_batched import STEPS, TIES, _assert_identical, _graph
from test_engines import CONSUMER

from models import journey
from models.batchbooks import DIFFERS
from models.batched import BatchMarket, RunSpec, _BatchGroup
from models.campaign import Campaign, Levers
from models.market import TIMESERIES_COLUMNS, ReviewBoard, StepTally, step_record, step_rows
from models.params import ProductParams
from models.strategies import Ads, Community, InfluencerSeeding, MoreReviews, Referral
from models.vectorized import VectorMarket

#: Spending strategies: running costs (community, ads) and per-event costs (reviews, referrals).
SPENDING = (MoreReviews(incentive=0.3, cost_per_review=4.0), Referral(reward=6.0),
            Community(cost_per_step=9.0), Ads(reach=0.03, start=3, end=25))
#: Budgets of one batch: some run dry on different days, one never (None), one at launch (0).
BUDGETS = (120.0, 260.0, None, 450.0, 0.0, 260.0, 90.0)


def _alone(spec: RunSpec, steps: int = STEPS) -> VectorMarket:
    market = VectorMarket(spec.graph, spec.consumer, spec.product, spec.strategies, spec.budget,
                          rng=spec.seed)
    for _ in range(steps):
        market.step()
    return market


def _state_counts_by_run(batch: BatchMarket) -> np.ndarray:
    """The oracle: each run's states counted from the stacked array, one run at a time."""
    return np.array([np.bincount(batch.state[lo:hi], minlength=len(journey.JourneyState))
                     for lo, hi in zip(batch._offsets[:-1], batch._offsets[1:], strict=True)])


@pytest.mark.parametrize("ties", sorted(TIES))
def test_budgets_running_out_in_some_runs_and_not_others(ties: str) -> None:
    """One strategy mix, seven budgets: runs share a Day while their levers agree and part
    when one's budget runs dry; every run is bit-identical to running alone, and the state
    counts kept from the moves match a count of the states every day."""
    specs = [RunSpec(_graph(ties, 1 + i % 2), CONSUMER, None, SPENDING, budget, seed=40 + i)
             for i, budget in enumerate(BUDGETS)]
    batch = BatchMarket(specs)
    books, unlimited = batch.books, BUDGETS.index(None)
    sharing = []  # per day: the Days, and the runs that face the unlimited run's Day
    for _ in range(STEPS):
        batch.step()
        assert np.array_equal(books.counts, _state_counts_by_run(batch))
        of_run = books.day_of_run
        sharing.append((len(books.days), int(np.sum(of_run == of_run[unlimited]))))
    for i, (spec, member) in enumerate(zip(specs, batch.members, strict=True)):
        _assert_identical(member, _alone(spec), f"{ties} budget {spec.budget} run {i}")
    # Not vacuous: budgets ran dry on different days (the spend stops), one never did, and
    # runs shared Days (fewer Days than runs) and parted as their budgets ran out.
    last_paid = [max((r["step"] for r in m.records if r["spend"] > 0), default=0)
                 for m in batch.members]
    assert len({d for d, b in zip(last_paid, BUDGETS, strict=True) if b}) >= 3
    assert last_paid[unlimited] == STEPS
    assert max(days for days, _ in sharing) < len(specs)
    assert sharing[0][1] == len(specs) - 1 and sharing[-1][1] == 1


def test_a_price_given_as_an_integer_keeps_integer_revenue() -> None:
    """A row holds the types a lone run's holds: revenue is purchases x price as given."""
    specs = [RunSpec(_graph("weighted", 2), CONSUMER, ProductParams(price=20), (), None, s)
             for s in (1, 2)]
    batch = BatchMarket(specs)
    for _ in range(10):
        batch.step()
    for spec, member in zip(specs, batch.members, strict=True):
        alone = _alone(spec, 10)
        assert [type(r["revenue"]) for r in member.records] == [
            type(r["revenue"]) for r in alone.records]
        assert member.records == alone.records


def test_step_rows_are_step_records_column_wise() -> None:
    """Hand-made numbers for two runs: each row is that run's ``step_record``."""
    counts = np.array([[1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 9]])
    rows = step_rows(6, counts, [2, 0], [3, 0], [11, 0], [2, 0], [3.5, math.nan], [4, 0],
                     [1, 0], [12.5, 0.0], [10.0, 7])
    assert [list(r) for r in rows] == [list(TIMESERIES_COLUMNS)] * 2
    assert rows[0] == {
        "step": 6, "unaware": 1, "aware": 2, "researching": 3, "purchased": 4,
        "follow_up": 5, "dormant": 6, "rejected": 7, "new_adopters": 2, "adopters": 11,
        "purchases": 5, "reviews": 2, "avg_rating": 3.5, "shares_positive": 4,
        "shares_negative": 1, "spend": 12.5, "revenue": 50.0,
    }
    assert math.isnan(rows[1]["avg_rating"]) and rows[1]["revenue"] == 0
    assert type(rows[1]["revenue"]) is int and rows[1]["rejected"] == 9
    board = ReviewBoard(ProductParams(price=10.0))
    board.post(2, 7.0)
    board.publish()
    tally = StepTally(new_adopters=2, repurchases=3, shares_positive=4, shares_negative=1)
    assert step_record(6, counts[0], tally, 11, board, 12.5, 10.0) == rows[0]
    with pytest.raises(ValueError, match="one count per journey state"):
        step_rows(0, counts[:, :6], [0, 0], [0, 0], [0, 0], [0, 0], [0.0, 0.0], [0, 0],
                  [0, 0], [0.0, 0.0], [1.0, 1.0])


def test_a_groups_totals_are_each_runs_numpy_sum() -> None:
    """``total_of`` per run equals ``np.sum`` of that run's slice to the bit, for groups of
    every size (below 8, in 8..128, above: numpy's pairwise sum changes shape there),
    empty runs included."""
    rng = np.random.default_rng(5)
    sizes = [0, 1, 7, 8, 9, 64, 127, 128, 129, 1000, 3, 0]
    offsets = np.cumsum([0, *(s + 50 for s in sizes)])

    class Stacked:  # what a _BatchGroup reads of its market
        _offsets = offsets
        runs = len(sizes)

    idx = np.concatenate([lo + np.sort(rng.choice(50 + s, s, replace=False))
                          for lo, s in zip(offsets[:-1], sizes, strict=True)]).astype(np.int64)
    values = rng.random(idx.size) * 4 + 1
    group = _BatchGroup(Stacked(), idx)
    got = group.total_of(values)
    bounds = np.cumsum([0, *sizes])
    want = np.array([np.sum(values[lo:hi]) for lo, hi in itertools.pairwise(bounds)])
    assert got.tobytes() == want.tobytes()
    assert np.add.reduceat(values, bounds[:-1][np.array(sizes) > 0]).tobytes() != \
        want[np.array(sizes) > 0].tobytes()  # why it is run by run
    assert group.count.tolist() == sizes
    assert group.count_of(values > 3).tolist() == [int(np.count_nonzero(values[lo:hi] > 3))
                                                   for lo, hi in itertools.pairwise(bounds)]


def test_equal_levers_are_one_object_of_the_types_given() -> None:
    """``Campaign.levers`` makes equal levers once (a batch shares Days by identity) and
    keeps a value's type: 1 and 1.0 are not the same lever."""
    a = Campaign(strategies=(Community(),), budget=None, n=10).levers(1)
    b = Campaign(strategies=(Community(),), budget=None, n=10).levers(7)
    assert a is b and a == Levers(forget_multiplier=0.5, repurchase_multiplier=2.0,
                                  dormancy_multiplier=0.5)
    ints = Campaign(strategies=(Community(repurchase_multiplier=2),), n=10).levers(1)
    assert type(ints.repurchase_multiplier) is int and ints is not a
    assert Campaign(n=10).levers(3) is Campaign(n=10).levers(4) == Levers()


def test_runs_share_one_day_until_their_boards_differ() -> None:
    """Replicates face one ``Day``; the board's fields are per run once reviews differ."""
    graph = _graph("unweighted", 3)
    batch = BatchMarket([RunSpec(graph, CONSUMER, None, (), None, s) for s in (1, 2, 3)])
    batch.step()
    books = batch.books
    assert len(books.days) == 1 and books.day_value(("levers",)) == (Levers(), None)
    assert books.day_value(("step",)) == (1, None)
    for _ in range(STEPS - 2):
        batch.step()
    # Today's Day reads the boards as they stood at the end of yesterday.
    shown, counts = [m.board.shown() for m in batch.members], [m.board.count
                                                               for m in batch.members]
    batch.step()
    got, per_run = books.day_value(("shown_rating",))
    assert got is DIFFERS and per_run.tolist() == shown and len(set(shown)) == 3
    assert books.day_value(("review_count",))[1].tolist() == counts


def test_influencers_of_one_batch_hired_at_different_fees() -> None:
    """Seeding under contract for some runs (different contract lengths and post
    probabilities) and over for others, plus a run without strategies, in one batch."""
    mixes = [(InfluencerSeeding(k=4, post_days=5, post_prob=0.8),),
             (InfluencerSeeding(k=4, post_days=25, post_prob=0.8),),
             (InfluencerSeeding(k=4, post_days=25, post_prob=0.5),), ()]
    specs = [RunSpec(_graph("weighted", 4), CONSUMER, None, s, None, 60 + i)
             for i, s in enumerate(mixes)]
    batch = BatchMarket(specs)
    for _ in range(STEPS):
        batch.step()
    for i, (spec, member) in enumerate(zip(specs, batch.members, strict=True)):
        _assert_identical(member, _alone(spec), f"seeding run {i}")
