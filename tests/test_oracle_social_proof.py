"""Social proof alone: negative word of mouth at fixed quality, and the review prior weight.

Logits are pushed to +-50 or beyond (a purchase probability of 1.0 or below 2e-22, and
every uniform draw lies in [1.1e-16, 1 - 1.1e-16]), so outcomes are certain.
"""

from __future__ import annotations

import networkx as nx
import pytest

from models.market import ReviewBoard
from models.params import ProductParams
from models.strategies import Ads, InfluencerSeeding, MoreReviews
from tests.conftest import Market, quiet


@pytest.mark.parametrize(("negative_share_prob", "adopters"), [(0.0, 4), (1.0, 0)])
def test_negative_word_of_mouth_alone_lowers_adoption(engine, negative_share_prob, adopters):
    # Quality is fixed (1 star: every customer is dissatisfied); only negative posting
    # changes. Two hired influencers (0, 1; contract over at once) are the only friends
    # of four researchers (2..5). A dissatisfied friend who bought weighs -1, or -2 on a
    # day they post: balance -2 when silent, -4 when both post. With the shown rating
    # at 3 stars (one seeded 5-star review over a 1-star prior of weight 1) the logit is
    # 50 + 50 x (3 - 1) + 50 x balance = +50 (buy) or -50 (abandon).
    g = nx.complete_bipartite_graph(2, 4)
    seeding = InfluencerSeeding(k=2, post_prob=1.0, trust=1.0, post_days=0, fee_base=0.0,
                                fee_per_follower=0.0)
    ads = Ads(reach=1.0, start=1, end=2, cost_per_thousand=0.0)
    seeded = MoreReviews(incentive=0.0, seeded_reviews=1, seeded_stars=5.0,
                         cost_per_seeded_review=0.0)
    consumer = quiet(interest_prob=1.0, abandon_prob=1.0,
                     negative_share_prob=negative_share_prob,
                     buy_intercept=50.0, rating_weight=50.0, friend_weight=50.0)
    product = ProductParams(quality=1.0, prior_rating=1.0, prior_weight=1.0)
    m = Market(engine, g, consumer, product, strategies=(seeding, ads, seeded))
    assert m.attr("is_seed").tolist() == [True, True, False, False, False, False]
    m.step(4)  # day 1 aware (ad), day 2 research, day 3 buy or abandon
    assert int(m.attr("adopted").sum()) == adopters
    assert m.records[3]["shares_negative"] == 2 * negative_share_prob
    assert m.records[-1]["rejected"] == 4 - adopters


@pytest.mark.parametrize(("weight", "shown"), [(1.0, 21 / 5), (5.0, 33 / 9), (20.0, 78 / 24)])
def test_shown_rating_is_the_bayesian_average_with_the_prior_weight(weight, shown):
    # (prior x weight + sum of stars) / (weight + reviews): 4 reviews worth 18 stars.
    board = ReviewBoard(ProductParams(prior_rating=3.0, prior_weight=weight))
    assert board.shown() == 3.0 and board.count == 0
    board.post(3, 13.0)
    board.post(1, 5.0)
    assert board.shown() == 3.0  # written this step, visible from the next
    board.publish()
    assert (board.count, board.total) == (4, 18.0)
    assert board.shown() == pytest.approx(shown, rel=1e-15)
    assert board.average() == 18.0 / 4
    board.publish()  # nothing new: unchanged
    assert board.count == 4


@pytest.mark.parametrize(("weight", "adopters"), [(1.0, 3), (60.0, 0)])
def test_prior_weight_moves_the_shown_rating_and_so_the_purchase(engine, weight, adopters):
    # Four seeded 5-star reviews over a 1-star prior: shown - prior = 16 / (weight + 4),
    # 3.2 stars for weight 1 (logit -50 + 50 x 3.2 = +110: buy) and 0.25 for weight 60
    # (logit -37.5: probability 5e-17, below every draw: abandon).
    seeded = MoreReviews(incentive=0.0, seeded_reviews=4, seeded_stars=5.0,
                         cost_per_seeded_review=0.0)
    consumer = quiet(discovery_prob=1.0, interest_prob=1.0, abandon_prob=1.0,
                     buy_intercept=-50.0, rating_weight=50.0)
    product = ProductParams(prior_rating=1.0, prior_weight=weight)
    m = Market(engine, nx.path_graph(3), consumer, product, strategies=(seeded,))
    m.step(3)
    assert int(m.attr("adopted").sum()) == adopters
