"""Every key of summary.json against a hand computation, on tiny certain scenarios.

Each scenario uses probabilities 0 and 1 only, so its trajectory can be worked out on
paper day by day; the comments give that working, and the expected dicts are written
from it (never pasted from a run). Both engines must give exactly these numbers.
"""

from __future__ import annotations

import networkx as nx
import pytest

from models.graph import SocialGraph
from models.params import ProductParams
from models.strategies import Ads, InfluencerSeeding, MoreReviews
from simulation.running.runner import RunParams, run
from tests.conftest import quiet

#: Every key a run's summary has; a new key must get an oracle here first.
SUMMARY_KEYS = {
    "seed", "n", "steps", "engine", "adopters", "adoption_rate", "seeded", "reach",
    "reach_rate", "purchases", "repeat_purchases", "time_to_10pct", "time_to_50pct",
    "peak_step", "peak_new_adopters", "aware_to_research", "research_to_purchase",
    "aware_to_purchase", "rejected", "adopters_via_discovery", "adopters_via_ad",
    "adopters_via_share", "adopters_via_influencer", "reviews", "avg_rating",
    "shares_positive", "shares_negative", "revenue", "spend", "gross_profit", "profit",
    "cpa", "wall_seconds",
}


def summary(engine, graph, consumer, product, strategies=(), steps=10, budget=None) -> dict:
    params = RunParams(consumer=consumer, product=product, strategies=tuple(strategies),
                       budget=budget, steps=steps, engine=engine)
    out = run(params, graph=SocialGraph.from_networkx(graph)).summary
    assert set(out) == SUMMARY_KEYS
    out.pop("wall_seconds")
    return out


def test_chain_of_shares(engine):
    # A directed path 0 -> 1 -> ... -> 9 (each consumer follows the previous one).
    # Consumer 0 is a hired influencer (the lowest index among equal audiences) who
    # posts every day; persuasion is certain, everyone buys on impulse the day after
    # becoming aware, then posts every day and reviews the next day with 4 stars.
    #   day 1: 1 aware (influencer post)      day 2: 1 buys
    #   day 3: 1 posts -> 2 aware (share)     day 4: 2 buys ... consumer k buys on day 2k
    # Over 12 days consumers 1..6 buy (adopters 1, 2, ..., 6 on days 2, 4, ..., 12);
    # 7 becomes aware on day 13, after the run.
    seeding = InfluencerSeeding(k=1, targeting="degree", post_prob=1.0, trust=1.0,
                                post_days=60, fee_base=100.0, fee_per_follower=30.0)
    reviews = MoreReviews(incentive=0.0, cost_per_review=0.0, seeded_reviews=2,
                          seeded_stars=1.0, cost_per_seeded_review=5.0)
    consumer = quiet(persuasion=1.0, impulse_prob=1.0, share_prob=1.0, review_prob=1.0)
    product = ProductParams(price=50.0, margin=0.4, quality=4.4)  # every buyer gives 4 stars
    out = summary(engine, nx.path_graph(10, create_using=nx.DiGraph), consumer, product,
                  (seeding, reviews), steps=12)
    spend = (100.0 + 30.0 * 1) + 2 * 5.0  # fee for one follower; two seeded reviews
    assert out == {
        "seed": 0, "n": 10, "steps": 12, "engine": engine,
        "adopters": 6, "adoption_rate": 6 / 10, "seeded": 1,
        "reach": 7, "reach_rate": 7 / 10,  # the seed and consumers 1..6
        "purchases": 6, "repeat_purchases": 0,
        "time_to_10pct": 2,  # 1 adopter of 10 on day 2 (2 adopters, 20 %, only on day 4)
        "time_to_50pct": 10,  # the 5th adopter
        "peak_step": 2, "peak_new_adopters": 1,  # one a day; the first such day
        "aware_to_research": 0.0, "research_to_purchase": None, "aware_to_purchase": 1.0,
        "rejected": 0,
        "adopters_via_discovery": 0, "adopters_via_ad": 0,
        "adopters_via_share": 5, "adopters_via_influencer": 1,
        # consumer k reviews on day 2k + 1: 1..5 within the run, plus 2 seeded 1-star ones
        "reviews": 7, "avg_rating": (2 * 1.0 + 5 * 4.0) / 7,
        # the influencer posts on days 1..12; consumer k on days 2k+1..12 (12 - 2k posts)
        "shares_positive": 12 + sum(12 - 2 * k for k in range(1, 7)), "shares_negative": 0,
        "revenue": 6 * 50.0, "spend": spend, "gross_profit": 6 * 50.0 * 0.4,
        "profit": 6 * 50.0 * 0.4 - spend, "cpa": spend / 6,
    }


def test_star_with_ads_and_research(engine):
    # Hub 0 with leaves 1..4 (hired influencer, posts daily); 5 is a friend of leaf 1;
    # 6..9 have no friends. Everyone aware researches the next day; a researcher buys
    # only with a satisfied friend who posts that day (friend balance 2: logit +50),
    # otherwise abandons (logit -50).
    #   day 1: leaves aware (influencer)       day 2: leaves research; ads: 5..9 aware
    #   day 3: leaves buy (hub posts); 5..9 research
    #   day 4: 5 buys (leaf 1 posts); 6..9 reject
    g = nx.star_graph(4)
    g.add_edge(1, 5)
    g.add_nodes_from(range(6, 10))
    seeding = InfluencerSeeding(k=1, targeting="degree", post_prob=1.0, trust=1.0,
                                fee_base=50.0, fee_per_follower=5.0)
    ads = Ads(reach=1.0, start=2, end=3, cost_per_thousand=100.0)
    consumer = quiet(persuasion=1.0, interest_prob=1.0, abandon_prob=1.0, share_prob=1.0,
                     buy_intercept=-50.0, friend_weight=50.0)
    product = ProductParams(price=50.0, margin=0.4, quality=5.0)
    out = summary(engine, g, consumer, product, (seeding, ads), steps=6)
    spend = (50.0 + 5.0 * 4) + 100.0 * 1.0 * 10 / 1000  # fee (4 followers); one ad day
    assert out == {
        "seed": 0, "n": 10, "steps": 6, "engine": engine,
        "adopters": 5, "adoption_rate": 5 / 10, "seeded": 1, "reach": 10, "reach_rate": 1.0,
        "purchases": 5, "repeat_purchases": 0,
        "time_to_10pct": 3, "time_to_50pct": 4, "peak_step": 3, "peak_new_adopters": 4,
        # 9 consumers ever aware (the seed excluded), all 9 researched, 5 bought
        "aware_to_research": 9 / 9, "research_to_purchase": 5 / 9, "aware_to_purchase": 5 / 9,
        "rejected": 4,
        "adopters_via_discovery": 0, "adopters_via_ad": 1,
        "adopters_via_share": 0, "adopters_via_influencer": 4,
        "reviews": 0, "avg_rating": None,
        # hub on days 1..6, leaves on days 4..6, consumer 5 on days 5..6
        "shares_positive": 6 + 4 * 3 + 2, "shares_negative": 0,
        "revenue": 5 * 50.0, "spend": spend, "gross_profit": 5 * 50.0 * 0.4,
        "profit": 5 * 50.0 * 0.4 - spend, "cpa": spend / 5,
    }


def test_pair_that_never_buys(engine):
    # Two friends discover the product on day 1, research on day 2, abandon on day 3,
    # the last day.
    consumer = quiet(discovery_prob=1.0, interest_prob=1.0, abandon_prob=1.0)
    out = summary(engine, nx.path_graph(2), consumer, ProductParams(), steps=3)
    assert out == {
        "seed": 0, "n": 2, "steps": 3, "engine": engine,
        "adopters": 0, "adoption_rate": 0.0, "seeded": 0, "reach": 2, "reach_rate": 1.0,
        "purchases": 0, "repeat_purchases": 0,
        "time_to_10pct": None, "time_to_50pct": None,
        "peak_step": None, "peak_new_adopters": 0,
        "aware_to_research": 1.0, "research_to_purchase": 0.0, "aware_to_purchase": 0.0,
        "rejected": 2,
        "adopters_via_discovery": 0, "adopters_via_ad": 0,
        "adopters_via_share": 0, "adopters_via_influencer": 0,
        "reviews": 0, "avg_rating": None, "shares_positive": 0, "shares_negative": 0,
        "revenue": 0.0, "spend": 0.0, "gross_profit": 0.0, "profit": 0.0, "cpa": None,
    }


def test_adoption_thresholds_count_consumers(engine):
    # The chain of test_chain_of_shares with 20 consumers: consumer k buys on day 2k.
    # 10 % of 20 is 2 adopters (day 4); 50 % (10 adopters) is not reached in 8 days.
    seeding = InfluencerSeeding(k=1, post_prob=1.0, trust=1.0, fee_base=0.0,
                                fee_per_follower=0.0)
    consumer = quiet(persuasion=1.0, impulse_prob=1.0, share_prob=1.0)
    out = summary(engine, nx.path_graph(20, create_using=nx.DiGraph), consumer,
                  ProductParams(), (seeding,), steps=8)
    assert (out["adopters"], out["adoption_rate"]) == (4, 4 / 20)
    assert (out["time_to_10pct"], out["time_to_50pct"]) == (4, None)


def test_pair_of_satisfied_customers_who_buy_again(engine):
    # Day 1 both discover, day 2 both buy (5 stars), day 3 both review and post,
    # days 4..6 both buy again every day (satisfied) and keep posting.
    consumer = quiet(discovery_prob=1.0, impulse_prob=1.0, repurchase_prob=1.0,
                     review_prob=1.0, share_prob=1.0)
    product = ProductParams(price=20.0, margin=0.25, quality=5.0)
    out = summary(engine, nx.path_graph(2), consumer, product, steps=6)
    assert out == {
        "seed": 0, "n": 2, "steps": 6, "engine": engine,
        "adopters": 2, "adoption_rate": 1.0, "seeded": 0, "reach": 2, "reach_rate": 1.0,
        "purchases": 2 + 2 * 3, "repeat_purchases": 2 * 3,
        "time_to_10pct": 2, "time_to_50pct": 2, "peak_step": 2, "peak_new_adopters": 2,
        "aware_to_research": 0.0, "research_to_purchase": None, "aware_to_purchase": 1.0,
        "rejected": 0,
        "adopters_via_discovery": 2, "adopters_via_ad": 0,
        "adopters_via_share": 0, "adopters_via_influencer": 0,
        "reviews": 2, "avg_rating": 5.0, "shares_positive": 2 * 4, "shares_negative": 0,
        "revenue": 8 * 20.0, "spend": 0.0, "gross_profit": 8 * 20.0 * 0.25,
        "profit": 8 * 20.0 * 0.25, "cpa": 0.0,
    }


def test_pair_of_dissatisfied_customers(engine):
    # Quality 1: both buy on day 2 and give 1 star; dissatisfied, they never buy again,
    # post negatively on days 3 and 4 and go dormant at the end of day 4.
    consumer = quiet(discovery_prob=1.0, impulse_prob=1.0, repurchase_prob=1.0,
                     review_prob=1.0, share_prob=1.0, negative_share_prob=1.0,
                     dormancy_prob=1.0)
    product = ProductParams(price=10.0, margin=0.5, quality=1.0)
    out = summary(engine, nx.path_graph(2), consumer, product, steps=6)
    assert out["purchases"] == 2 and out["repeat_purchases"] == 0
    assert out["shares_positive"] == 0 and out["shares_negative"] == 2 * 2
    assert out["reviews"] == 2 and out["avg_rating"] == 1.0
    assert (out["revenue"], out["gross_profit"], out["profit"]) == (20.0, 10.0, 10.0)


@pytest.mark.parametrize("budget", [0.0, 30.0])
def test_money_with_a_budget_that_cannot_pay(engine, budget):
    # An influencer costs 100 + 10 x 4 followers = 140: a budget of 0 or 30 hires none,
    # so nothing happens, nothing is spent and cpa is undefined.
    seeding = InfluencerSeeding(k=1, post_prob=1.0, trust=1.0, fee_base=100.0,
                                fee_per_follower=10.0)
    out = summary(engine, nx.star_graph(4), quiet(persuasion=1.0, impulse_prob=1.0),
                  ProductParams(quality=5.0), (seeding,), steps=5, budget=budget)
    assert (out["seeded"], out["adopters"], out["spend"], out["cpa"]) == (0, 0, 0.0, None)
