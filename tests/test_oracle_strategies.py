"""Every strategy lever alone: its direction of effect and its exact cost, day by day.

Scenarios use probabilities 0 and 1 (or a base probability that the lever's multiplier
makes certain), so the effect is certain and the cost can be written down by hand from
the README's strategy table. Both engines.
"""

from __future__ import annotations

import networkx as nx
import pytest

from models.graph import SocialGraph
from models.journey import Channel, JourneyState
from models.params import ProductParams
from models.strategies import Ads, Community, InfluencerSeeding, MoreReviews, Referral, ShareButtons
from simulation.running.runner import RunParams, run
from tests.conftest import quiet

S = JourneyState
GOOD = ProductParams(quality=5.0)  # rating_noise 0 in quiet(): every buyer gives 5 stars
BAD = ProductParams(quality=1.0)
#: Three consumers discover on day 1 and buy on day 2; customers from day 3 on.
BUYERS = dict(discovery_prob=1.0, impulse_prob=1.0)


def free_seeding(**kw) -> InfluencerSeeding:
    return InfluencerSeeding(**{"k": 1, "post_prob": 1.0, "trust": 1.0, "fee_base": 0.0,
                                "fee_per_follower": 0.0, **kw})


class Run:
    def __init__(self, engine, graph, consumer, product=GOOD, strategies=(), steps=6,
                 budget=None):
        params = RunParams(consumer=consumer, product=product, strategies=tuple(strategies),
                           budget=budget, steps=steps, engine=engine)
        result = run(params, graph=SocialGraph.from_networkx(graph))
        self.ts, self.summary, self.final = result.timeseries, result.summary, result.final

    def col(self, name: str) -> list:
        return self.ts[name].tolist()


def chain(n: int = 10) -> nx.DiGraph:
    """0 -> 1 -> ... -> n-1: each consumer sees only the previous one's posts."""
    return nx.path_graph(n, create_using=nx.DiGraph)


# Influencer seeding -------------------------------------------------------------------


def star_and_pair() -> nx.Graph:
    g = nx.star_graph(4)  # hub 0 (4 followers), leaves 1..4 (1 follower each)
    g.add_edge(5, 6)
    g.add_node(7)  # nobody follows 7: the cheapest (fee_base alone), ranked last
    return g


@pytest.mark.parametrize(("budget", "seeds", "spend"), [
    (None, [0, 1], (10 + 3 * 4) + (10 + 3 * 1)),  # hub, then the lowest-index leaf
    (35.0, [0, 1], (10 + 3 * 4) + (10 + 3 * 1)),  # exactly enough for both
    (30.0, [0], 10 + 3 * 4),  # the leaf (13) no longer fits, and 8 left < fee_base
    (20.0, [1], 10 + 3 * 1),  # the hub (22) does not fit; a leaf does; then 7 < 10
    (32.0, [0, 7], (10 + 3 * 4) + 10),  # 10 left = fee_base: only 7 (no followers) fits
])
def test_influencer_fee_is_base_plus_per_follower(engine, budget, seeds, spend):
    seeding = InfluencerSeeding(k=2, targeting="degree", fee_base=10.0, fee_per_follower=3.0)
    r = Run(engine, star_and_pair(), quiet(), strategies=(seeding,), steps=2, budget=budget)
    assert r.final["is_seed"].nonzero()[0].tolist() == seeds
    assert r.col("spend") == [spend, 0.0, 0.0]
    assert r.summary["spend"] == spend and r.summary["seeded"] == len(seeds)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_more_influencers_make_more_people_aware(engine, k):
    # Hubs 0 and 5 have 3 followers each; each hired hub makes its followers aware on day 1.
    g = nx.union(nx.star_graph(3), nx.relabel_nodes(nx.star_graph(3), lambda i: i + 4))
    r = Run(engine, g, quiet(persuasion=1.0), strategies=(free_seeding(k=k),), steps=1)
    assert r.summary["seeded"] == k
    assert r.col("aware")[-1] == 3 * k
    assert r.col("shares_positive") == [0, k]


@pytest.mark.parametrize("post_prob", [0.0, 1.0])
def test_influencer_post_prob(engine, post_prob):
    r = Run(engine, nx.star_graph(4), quiet(persuasion=1.0),
            strategies=(free_seeding(post_prob=post_prob),), steps=3)
    assert r.col("shares_positive") == [0] + [int(post_prob)] * 3
    assert r.col("unaware")[-1] == (0 if post_prob else 4)


@pytest.mark.parametrize("trust", [0.0, 1.0])
def test_influencer_trust_scales_sponsored_persuasion_during_the_contract(engine, trust):
    r = Run(engine, nx.star_graph(4), quiet(persuasion=1.0),
            strategies=(free_seeding(trust=trust, post_days=60),), steps=3)
    assert r.col("aware")[1] == (4 if trust else 0)
    channel = r.final["channel"][1:]
    assert (channel == (Channel.INFLUENCER if trust else Channel.NONE)).all()


def test_influencer_posts_at_post_prob_only_for_post_days(engine):
    # After the contract the influencer posts like any customer: share_prob = 0 here.
    r = Run(engine, nx.star_graph(4), quiet(persuasion=0.0),
            strategies=(free_seeding(post_days=2),), steps=5)
    assert r.col("shares_positive") == [0, 1, 1, 0, 0, 0]


@pytest.mark.parametrize(("post_days", "via_influencer", "reviews"),
                         [(0, 0, 5), (1, 4, 5), (60, 4, 4)])
def test_post_days_is_the_contract_after_which_the_influencer_is_a_customer(
        engine, post_days, via_influencer, reviews):
    # The hub posts every day (post_prob 1 under contract, share_prob 1 afterwards);
    # leaves become aware on day 1, through the influencer channel only if day 1 is
    # under contract (otherwise the post is an organic share), buy on day 2 and review
    # on day 3. The hub reviews on the first day after its contract (day post_days + 1)
    # and never under contract; its fee (10 + 1 x 4 followers) does not depend on it.
    seeding = InfluencerSeeding(k=1, post_prob=1.0, trust=1.0, post_days=post_days,
                                fee_base=10.0, fee_per_follower=1.0)
    consumer = quiet(persuasion=1.0, impulse_prob=1.0, share_prob=1.0, review_prob=1.0)
    r = Run(engine, nx.star_graph(4), consumer, GOOD, (seeding,), steps=4)
    assert r.summary["adopters_via_influencer"] == via_influencer
    assert r.summary["adopters_via_share"] == 4 - via_influencer
    assert r.summary["reviews"] == reviews and r.summary["spend"] == 14.0
    assert r.col("shares_positive") == [0, 1, 1, 5, 5]


# More reviews ---------------------------------------------------------------------------


@pytest.mark.parametrize(("review_prob", "incentive"),
                         [(0.0, 1.0), (0.5, 0.5), (0.0, 0.0), (1.0, 0.0)])
def test_review_incentive_adds_to_review_prob_and_costs_per_review(engine, review_prob,
                                                                    incentive):
    # Three buyers on day 2 review on day 3 when review_prob + incentive = 1.
    more = MoreReviews(incentive=incentive, cost_per_review=4.0)
    r = Run(engine, nx.path_graph(3), quiet(review_prob=review_prob, **BUYERS),
            strategies=(more,), steps=5)
    if incentive == 0.0:  # reviews without an incentive are not paid for
        assert r.col("reviews")[-1] == 3 * review_prob and r.summary["spend"] == 0.0
    else:
        assert r.col("reviews") == [0, 0, 0, 3, 3, 3]
        assert r.col("spend") == [0.0, 0.0, 0.0, 3 * 4.0, 0.0, 0.0]


@pytest.mark.parametrize(("budget", "reviews"), [(7.5, 2), (5.5, 2), (5.0, 1), (None, 4)])
def test_incentive_stops_after_the_day_the_budget_runs_out(engine, budget, reviews):
    # Chain: consumer k buys on day 2k and would review on day 2k+1 (incentive only).
    # Budget 7.5 at 5 per review: day 3 pays 5 (2.5 left), day 5 pays 5 (overshoot,
    # the day's events), so from day 7 the incentive is off and consumer 3 never reviews.
    # Budget 5: nothing left after day 3. No cap: consumers 1..4 review by day 9.
    more = MoreReviews(incentive=1.0, cost_per_review=5.0)
    consumer = quiet(persuasion=1.0, impulse_prob=1.0, share_prob=1.0)
    r = Run(engine, chain(6), consumer, strategies=(free_seeding(), more), steps=9,
            budget=budget)
    assert r.col("spend") == [5.0 if t % 2 and 3 <= t <= 2 * reviews + 1 else 0.0
                              for t in range(10)]
    assert r.col("reviews")[-1] == reviews


def test_seeded_reviews_are_paid_at_launch_and_shown_from_day_zero(engine):
    more = MoreReviews(incentive=0.0, seeded_reviews=3, seeded_stars=2.0,
                       cost_per_seeded_review=7.0)
    r = Run(engine, nx.path_graph(3), quiet(), strategies=(more,), steps=2)
    assert r.col("reviews") == [3, 3, 3] and r.col("avg_rating") == [2.0, 2.0, 2.0]
    assert r.col("spend") == [21.0, 0.0, 0.0]
    # Only as many as the budget buys.
    r = Run(engine, nx.path_graph(3), quiet(), strategies=(more,), steps=1, budget=15.0)
    assert r.col("reviews") == [2, 2] and r.summary["spend"] == 14.0


def test_costs_of_one_day_add_up(engine):
    # Day 3: the community's running cost (2), three incentivised reviews (3 x 4) and a
    # referred purchase (0: nobody heard from a friend) are all paid on the same day.
    strategies = (Community(cost_per_step=2.0), MoreReviews(incentive=1.0, cost_per_review=4.0),
                  Referral(reward=100.0))
    r = Run(engine, nx.path_graph(3), quiet(**BUYERS), GOOD, strategies, steps=4)
    assert r.col("spend") == [0.0, 2.0, 2.0, 2.0 + 3 * 4.0, 2.0]


# Ads ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reach", [0.0, 1.0])
def test_ads_reach_the_unaware_in_their_window_at_cost_per_thousand(engine, reach):
    # 10 consumers; a day of ads buys reach x 10 impressions at 40 per thousand.
    ads = Ads(reach=reach, start=2, end=4, cost_per_thousand=40.0)
    r = Run(engine, nx.empty_graph(10), quiet(), strategies=(ads,), steps=5)
    day = 40.0 * reach * 10 / 1000
    assert r.col("spend") == [0.0, 0.0, day, day, 0.0, 0.0]
    assert r.col("aware") == [0, 0] + [10 * int(reach)] * 4
    assert r.summary["adopters_via_ad"] == 0 and (r.final["channel"] == (
        Channel.AD if reach else Channel.NONE)).all()


def test_ads_reach_is_a_per_day_probability(engine):
    # With forgetting certain, the aware fall back and ads wake them again the day after.
    ads = Ads(reach=1.0, start=1, end=4, cost_per_thousand=0.0)
    r = Run(engine, nx.empty_graph(5), quiet(forget_prob=1.0), strategies=(ads,), steps=5)
    assert r.col("aware") == [0, 5, 0, 5, 0, 0]


# Share buttons and referral -------------------------------------------------------------


@pytest.mark.parametrize("product", [GOOD, BAD])
def test_share_buttons_multiply_every_post(engine, product):
    # Three customers post on days 3..6: certain with share_prob 0.5 x 2.
    consumer = quiet(share_prob=0.5, negative_share_prob=0.5, **BUYERS)
    buttons = ShareButtons(multiplier=2.0, setup_cost=300.0)
    col = "shares_positive" if product is GOOD else "shares_negative"
    with_buttons = Run(engine, nx.path_graph(3), consumer, product, (buttons,))
    without = Run(engine, nx.path_graph(3), consumer, product)
    assert with_buttons.col(col) == [0, 0, 0, 3, 3, 3, 3]
    assert with_buttons.col("spend") == [300.0] + [0.0] * 6
    assert sum(without.col(col)) < 12
    # Unaffordable buttons are not bought and change nothing.
    broke = Run(engine, nx.path_graph(3), consumer, product, (buttons,), budget=299.0)
    assert broke.ts.equals(without.ts)


@pytest.mark.parametrize("product", [GOOD, BAD])
def test_referral_boost_raises_positive_posts_only(engine, product):
    consumer = quiet(share_prob=0.5, negative_share_prob=0.5, **BUYERS)
    referral = Referral(reward=0.0, share_boost=2.0)
    boosted = Run(engine, nx.path_graph(3), consumer, product, (referral,))
    plain = Run(engine, nx.path_graph(3), consumer, product)
    if product is GOOD:
        assert boosted.col("shares_positive") == [0, 0, 0, 3, 3, 3, 3]
        assert sum(plain.col("shares_positive")) < 12
    else:
        assert boosted.ts.equals(plain.ts)  # negative posts are not boosted


def test_referral_rewards_first_purchases_through_shares_until_the_budget_is_gone(engine):
    # Chain: consumer 1 hears from the influencer (not a referral) and buys on day 2,
    # consumer k >= 2 hears from k-1 and buys on day 2k. Satisfied customers also buy
    # again every day from day 4 (not rewarded). Budget 15 at 10 per referral: day 4
    # pays 10 (5 left), day 6 pays 10 (overshoot), from day 8 referral is off.
    referral = Referral(reward=10.0, share_boost=1.0)
    consumer = quiet(persuasion=1.0, impulse_prob=1.0, share_prob=1.0, repurchase_prob=1.0)
    r = Run(engine, chain(8), consumer, GOOD, (free_seeding(), referral), steps=8,
            budget=15.0)
    assert r.col("spend") == [0.0, 0, 0, 0, 10.0, 0, 10.0, 0, 0]
    assert r.col("new_adopters") == [0, 0, 1, 0, 1, 0, 1, 0, 1]
    no_cap = Run(engine, chain(8), consumer, GOOD, (free_seeding(), referral), steps=8)
    assert no_cap.col("spend") == [0.0, 0, 0, 0, 10.0, 0, 10.0, 0, 10.0]
    exact = Run(engine, chain(8), consumer, GOOD, (free_seeding(), referral), steps=8,
                budget=10.0)  # nothing left after day 4
    assert exact.col("spend") == [0.0, 0, 0, 0, 10.0, 0, 0, 0, 0]
    little = Run(engine, chain(8), consumer, GOOD, (free_seeding(), referral), steps=8,
                 budget=10.5)  # 0.5 left after day 4 is still some budget
    assert little.col("spend") == [0.0, 0, 0, 0, 10.0, 0, 10.0, 0, 0]


# Community ----------------------------------------------------------------------------


@pytest.mark.parametrize(("forget", "multiplier", "aware"), [
    (1.0, 0.0, [0, 3, 3, 3, 3]),  # nobody forgets
    (1.0, 1.0, [0, 3, 0, 3, 0]),  # unchanged: everyone forgets the day after discovering
])
def test_community_forget_multiplier(engine, forget, multiplier, aware):
    community = Community(forget_multiplier=multiplier, repurchase_multiplier=1.0,
                          dormancy_multiplier=1.0, cost_per_step=0.0)
    r = Run(engine, nx.path_graph(3), quiet(discovery_prob=1.0, forget_prob=forget),
            strategies=(community,), steps=4)
    assert r.col("aware") == aware


def test_community_repurchase_multiplier(engine):
    # Three satisfied customers in follow-up from day 3 buy again on days 4..6:
    # certain with repurchase_prob 0.5 x 2, fewer without the community.
    community = Community(forget_multiplier=1.0, repurchase_multiplier=2.0,
                          dormancy_multiplier=1.0, cost_per_step=0.0)
    consumer = quiet(repurchase_prob=0.5, **BUYERS)
    with_c = Run(engine, nx.path_graph(3), consumer, GOOD, (community,))
    without = Run(engine, nx.path_graph(3), consumer, GOOD)
    assert with_c.col("purchases") == [0, 0, 3, 0, 3, 3, 3]
    assert with_c.summary["repeat_purchases"] == 9
    assert without.summary["repeat_purchases"] < 9


@pytest.mark.parametrize(("dormancy", "multiplier", "dormant"), [
    (1.0, 0.0, [0, 0, 0, 0, 0, 0, 0]),  # nobody goes dormant
    (1.0, 1.0, [0, 0, 0, 0, 3, 3, 3]),  # unchanged: all dormant on their first follow-up day
])
def test_community_dormancy_multiplier(engine, dormancy, multiplier, dormant):
    community = Community(forget_multiplier=1.0, repurchase_multiplier=1.0,
                          dormancy_multiplier=multiplier, cost_per_step=0.0)
    r = Run(engine, nx.path_graph(3), quiet(dormancy_prob=dormancy, **BUYERS), GOOD,
            (community,))
    assert r.col("dormant") == dormant


def test_community_running_cost_stops_with_the_budget_and_so_do_its_levers(engine):
    # 25 a day while the budget covers a whole day: days 1 and 2 of a 60 budget. From
    # day 3 forgetting is back (forget_prob 1), so the aware forget on day 3.
    community = Community(forget_multiplier=0.0, cost_per_step=25.0)
    for budget in (60.0, 50.0):  # 50 pays exactly two days
        r = Run(engine, nx.path_graph(3), quiet(discovery_prob=1.0, forget_prob=1.0),
                strategies=(community,), steps=4, budget=budget)
        assert r.col("spend") == [0.0, 25.0, 25.0, 0.0, 0.0]
        assert r.col("aware") == [0, 3, 3, 0, 3]
        assert r.summary["spend"] == 50.0
