"""Market bookkeeping shared by both engines: one day's record, the day's probabilities."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from models.campaign import Levers
from models.draws import Decision, decision_key, split_seed, uniform
from models.graph import SocialGraph
from models.market import (
    TIMESERIES_COLUMNS,
    ReviewBoard,
    StepTally,
    open_day,
    open_market,
    step_record,
)
from models.params import ConsumerParams, ParameterError, ProductParams
from models.strategies import InfluencerSeeding, MoreReviews, ShareButtons


def test_step_record_levels_and_flows():
    board = ReviewBoard(ProductParams())
    board.post(2, 7.0)
    board.publish()
    tally = StepTally(new_adopters=2, repurchases=3, reviews_written=9, review_stars=1.0,
                      shares_positive=4, shares_negative=1, referred_purchases=1)
    row = step_record(6, np.array([1, 2, 3, 4, 5, 6, 7]), tally, 11, board, 12.5, 10.0)
    assert list(row) == list(TIMESERIES_COLUMNS)
    assert row == {
        "step": 6, "unaware": 1, "aware": 2, "researching": 3, "purchased": 4,
        "follow_up": 5, "dormant": 6, "rejected": 7, "new_adopters": 2, "adopters": 11,
        "purchases": 5, "reviews": 2, "avg_rating": 3.5, "shares_positive": 4,
        "shares_negative": 1, "spend": 12.5, "revenue": 50.0,
    }
    empty = step_record(0, np.zeros(7, int), StepTally(), 0, ReviewBoard(ProductParams()),
                        0.0, 10.0)
    assert math.isnan(empty["avg_rating"]) and empty["revenue"] == 0.0
    with pytest.raises(ValueError):  # one count per journey state, no more, no fewer
        step_record(0, np.zeros(6, int), StepTally(), 0, board, 0.0, 10.0)


def test_open_day_applies_every_lever():
    consumer = ConsumerParams(share_prob=0.1, negative_share_prob=0.2, review_prob=0.05,
                              forget_prob=0.4, repurchase_prob=0.3, dormancy_prob=0.2)
    levers = Levers(share_multiplier=2.0, positive_multiplier=1.5, review_incentive=0.25,
                    forget_multiplier=0.5, repurchase_multiplier=2.0, dormancy_multiplier=3.0)
    product = ProductParams()
    day = open_day(1, consumer, product, levers, None, ReviewBoard(product))
    assert day.post_satisfied == pytest.approx(0.1 * 2.0 * 1.5, rel=1e-15)
    assert day.post_dissatisfied == pytest.approx(0.2 * 2.0, rel=1e-15)
    assert day.review == pytest.approx(0.3, rel=1e-15)
    assert day.forget == pytest.approx(0.2, rel=1e-15)
    assert day.repurchase == pytest.approx(0.6, rel=1e-15)
    assert day.dormancy == pytest.approx(0.6, rel=1e-15)
    plain = open_day(1, consumer, product, Levers(), None, ReviewBoard(product))
    assert (plain.post_satisfied, plain.post_dissatisfied, plain.review, plain.forget,
            plain.repurchase, plain.dormancy) == (0.1, 0.2, 0.05, 0.4, 0.3, 0.2)


def test_open_market_pays_launch_costs_and_seeds_own_the_product():
    graph = SocialGraph.from_networkx(nx.star_graph(3))
    strategies = (InfluencerSeeding(k=1, fee_base=5.0, fee_per_follower=1.0),
                  MoreReviews(seeded_reviews=2, seeded_stars=4.0, cost_per_seeded_review=3.0),
                  ShareButtons(setup_cost=7.0))
    product = ProductParams(quality=2.6)
    opening = open_market(graph, ConsumerParams(rating_noise=0.0), product, strategies,
                          None, seed=3)
    assert opening.seeds.tolist() == [0]
    assert opening.seed_stars.tolist() == [3.0]  # quality 2.6, no noise: 3 stars
    assert opening.launch_spend == (5.0 + 1.0 * 3) + 2 * 3.0 + 7.0
    assert (opening.board.count, opening.board.total) == (2, 8.0)
    assert opening.campaign.n == 4 and opening.campaign.seeding is strategies[0]
    bare = open_market(graph, ConsumerParams(), product, (), None, seed=3)
    assert bare.board.count == 0 and bare.launch_spend == 0.0 and bare.seeds.size == 0
    assert bare.key == opening.key  # the decision key depends on the seed alone
    assert open_market(graph, ConsumerParams(), product, (), None, seed=4).key != bare.key


def test_open_market_refuses_a_bad_seed():
    graph = SocialGraph.from_networkx(nx.path_graph(2))
    with pytest.raises(ParameterError) as err:
        open_market(graph, ConsumerParams(), ProductParams(), (), None, seed=-1)
    assert str(err.value) == "seed = -1: must be an integer >= 0"


def test_random_targeting_draws_from_the_targeting_stream():
    # README: the seed is split into graph, ties, targeting and decision streams; random
    # targeting hires down a permutation drawn from the targeting stream.
    graph = SocialGraph.from_networkx(nx.empty_graph(50))
    seeding = InfluencerSeeding(k=5, targeting="random", fee_base=0.0, fee_per_follower=0.0)
    for seed in (0, 7):
        opening = open_market(graph, ConsumerParams(), ProductParams(), (seeding,), None, seed)
        order = np.random.default_rng(split_seed(seed)["targeting"]).permutation(50)
        assert opening.seeds.tolist() == sorted(order[:5].tolist())


def test_influencers_experience_is_drawn_on_day_zero():
    # Stars = the latent quality + noise x z rounded and clipped, z the normal deviate of
    # the (day 0, consumer, satisfaction) uniform: the same for every strategy run with
    # this seed (common random numbers).
    graph = SocialGraph.from_networkx(nx.star_graph(30))
    seeding = InfluencerSeeding(k=20, fee_base=0.0, fee_per_follower=0.0)
    opening = open_market(graph, ConsumerParams(rating_noise=1.5), ProductParams(quality=3.2),
                          (seeding,), None, seed=5)
    z = stats.norm.ppf(uniform(decision_key(5), 0, Decision.SATISFACTION, opening.seeds))
    assert opening.seed_stars.tolist() == np.clip(np.floor(3.2 + 1.5 * z + 0.5), 1, 5).tolist()
