"""Deterministic transitions on tiny graphs, with probabilities 0 and 1, in both engines."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from models.journey import STATE_COLUMNS, Channel, JourneyState
from models.params import ProductParams
from models.strategies import Ads, Community, InfluencerSeeding, MoreReviews, Referral
from tests.conftest import Market, quiet

S = JourneyState
GOOD = ProductParams(quality=5.0)  # with rating_noise 0: every customer gives 5 stars
BAD = ProductParams(quality=1.0)


def star(n_leaves: int = 4, directed: bool = False) -> nx.Graph:
    g = nx.star_graph(n_leaves)  # hub 0
    return g.to_directed() if directed else g


def test_nothing_happens_with_all_probabilities_zero(engine):
    m = Market(engine, nx.path_graph(5), quiet())
    m.step(10)
    assert (m.state == S.UNAWARE).all()


def test_discovery_makes_everyone_aware(engine):
    m = Market(engine, nx.path_graph(5), quiet(discovery_prob=1.0))
    m.step()
    assert (m.state == S.AWARE).all()
    assert (m.attr("channel") == Channel.DISCOVERY).all()


def test_ad_reach_attributes_to_ads(engine):
    ads = Ads(reach=1.0, start=1, end=5, cost_per_thousand=0.0)
    m = Market(engine, nx.path_graph(5), quiet(), strategies=(ads,))
    m.step()
    assert (m.state == S.AWARE).all()
    assert (m.attr("channel") == Channel.AD).all()


def test_ads_outside_window_do_nothing(engine):
    ads = Ads(reach=1.0, start=3, end=4, cost_per_thousand=0.0)
    m = Market(engine, nx.path_graph(5), quiet(), strategies=(ads,))
    m.step(2)
    assert (m.state == S.UNAWARE).all()
    m.step()
    assert (m.state == S.AWARE).all()


def test_impulse_purchase_then_follow_up(engine):
    m = Market(engine, nx.path_graph(3), quiet(discovery_prob=1.0, impulse_prob=1.0), GOOD)
    m.step()
    assert (m.state == S.AWARE).all()
    m.step()
    assert (m.state == S.PURCHASED).all()
    assert m.records[-1]["new_adopters"] == 3
    assert m.records[-1]["revenue"] == 3 * GOOD.price
    m.step()
    assert (m.state == S.FOLLOW_UP).all()
    assert m.attr("satisfied").all()


def test_interest_leads_to_research(engine):
    m = Market(engine, nx.path_graph(3), quiet(discovery_prob=1.0, interest_prob=1.0))
    m.step(2)
    assert (m.state == S.RESEARCHING).all()
    assert m.attr("ever_researched").all()


def test_forgetting_returns_to_unaware(engine):
    m = Market(engine, nx.path_graph(3), quiet(discovery_prob=1.0, forget_prob=1.0))
    m.step(2)
    assert (m.state == S.UNAWARE).all()
    m.step()
    assert (m.state == S.AWARE).all()


def test_researcher_buys_with_certain_social_proof(engine):
    c = quiet(discovery_prob=1.0, interest_prob=1.0, buy_intercept=50.0)
    m = Market(engine, nx.path_graph(3), c)
    m.step(3)
    assert (m.state == S.PURCHASED).all()


def test_researcher_abandons(engine):
    c = quiet(discovery_prob=1.0, interest_prob=1.0, abandon_prob=1.0)
    m = Market(engine, nx.path_graph(3), c)
    m.step(3)
    assert (m.state == S.REJECTED).all()
    m.step(5)
    assert (m.state == S.REJECTED).all()


def test_dormancy_after_follow_up(engine):
    c = quiet(discovery_prob=1.0, impulse_prob=1.0, dormancy_prob=1.0)
    m = Market(engine, nx.path_graph(3), c, GOOD)
    m.step(3)
    assert (m.state == S.FOLLOW_UP).all()
    m.step()
    assert (m.state == S.DORMANT).all()


def test_influencer_posts_persuade_followers(engine):
    seeding = InfluencerSeeding(k=1, targeting="degree", post_prob=1.0, trust=1.0,
                                fee_base=0.0, fee_per_follower=0.0)
    m = Market(engine, star(4), quiet(persuasion=1.0), GOOD, strategies=(seeding,))
    assert m.state[0] == S.PURCHASED and (m.state[1:] == S.UNAWARE).all()
    m.step()
    assert (m.state[1:] == S.AWARE).all()
    assert (m.attr("channel")[1:] == Channel.INFLUENCER).all()
    assert m.records[-1]["shares_positive"] == 1


def test_zero_trust_makes_sponsored_posts_useless(engine):
    seeding = InfluencerSeeding(k=1, post_prob=1.0, trust=0.0, fee_base=0.0,
                                fee_per_follower=0.0)
    m = Market(engine, star(4), quiet(persuasion=1.0), GOOD, strategies=(seeding,))
    m.step(5)
    assert (m.state[1:] == S.UNAWARE).all()


def test_organic_share_reaches_the_next_friend(engine):
    # 0 is seeded; 1 hears from 0 (influencer), buys, then shares organically to 2.
    seeding = InfluencerSeeding(k=1, targeting="degree", post_prob=1.0, trust=1.0,
                                fee_base=0.0, fee_per_follower=0.0)
    g = nx.DiGraph([(0, 1), (1, 2), (0, 3), (3, 4), (0, 5)])  # 0 has the largest audience
    c = quiet(persuasion=1.0, impulse_prob=1.0, share_prob=1.0)
    m = Market(engine, g, c, GOOD, strategies=(seeding,))
    m.step()  # 1, 3 and 5 aware through the influencer
    assert m.state[1] == S.AWARE and m.state[2] == S.UNAWARE
    m.step()  # 1 buys
    assert m.state[1] == S.PURCHASED
    m.step()  # 1 posts; 2 becomes aware through a friend's share
    assert m.state[2] == S.AWARE
    assert m.attr("channel")[2] == Channel.SHARE


def test_shares_flow_only_to_followers_in_directed_graphs(engine):
    seeding = InfluencerSeeding(k=1, targeting="degree", post_prob=1.0, trust=1.0,
                                fee_base=0.0, fee_per_follower=0.0)
    g = nx.DiGraph([(0, 1), (0, 2), (3, 0)])  # 3 is followed by 0, but does not follow 0
    m = Market(engine, g, quiet(persuasion=1.0), GOOD, strategies=(seeding,))
    m.step()
    assert m.state[1] == S.AWARE and m.state[2] == S.AWARE
    m.step(3)  # further posts seen push the aware into research; 3 never hears
    assert m.state[1] == S.RESEARCHING
    assert m.state[3] == S.UNAWARE


def test_dissatisfied_customers_share_negatively_and_persuade_nobody(engine):
    # The seed's contract ends at once; it is then a dissatisfied customer who posts
    # negatively every step. Its followers hear, and stay unaware.
    seeding = InfluencerSeeding(k=1, post_prob=1.0, trust=1.0, post_days=0, fee_base=0.0,
                                fee_per_follower=0.0)
    c = quiet(negative_share_prob=1.0, persuasion=1.0)
    m = Market(engine, star(3), c, BAD, strategies=(seeding,))
    m.step(3)
    assert m.records[-1]["shares_negative"] == 1
    assert m.records[-1]["shares_positive"] == 0
    assert (m.state[1:] == S.UNAWARE).all()


def test_negative_word_of_mouth_lowers_purchase_odds(engine):
    # Same researchers, same draws: a dissatisfied friend who bought makes buying less likely.
    c = quiet(interest_prob=1.0, buy_intercept=0.0, friend_weight=40.0, negative_share_prob=1.0)
    seeding = InfluencerSeeding(k=1, post_prob=1.0, trust=1.0, post_days=0, fee_base=0.0,
                                fee_per_follower=0.0)
    ads = Ads(reach=1.0, start=1, end=2, cost_per_thousand=0.0)
    bought = {}
    for name, product in (("good", GOOD), ("bad", BAD)):
        m = Market(engine, star(30), c, product, strategies=(seeding, ads))
        m.step(3)
        bought[name] = int(m.attr("adopted").sum())
    assert bought["bad"] == 0
    assert bought["good"] == 30


def test_one_review_per_customer_visible_next_step(engine):
    c = quiet(discovery_prob=1.0, impulse_prob=1.0, review_prob=1.0)
    m = Market(engine, nx.path_graph(4), c, GOOD)
    m.step(2)  # all purchase at step 2
    assert m.records[-1]["reviews"] == 0
    m.step()  # they review during step 3; visible at its end
    assert m.records[-1]["reviews"] == 4
    assert m.records[-1]["avg_rating"] == 5.0
    m.step(3)
    assert m.records[-1]["reviews"] == 4


def test_repurchase_only_by_satisfied_customers(engine):
    c = quiet(discovery_prob=1.0, impulse_prob=1.0, repurchase_prob=1.0)
    good = Market(engine, nx.path_graph(3), c, GOOD)
    good.step(4)
    assert good.records[-1]["purchases"] == 3
    bad = Market(engine, nx.path_graph(3), c, BAD)
    bad.step(4)
    assert bad.records[-1]["purchases"] == 0


def test_budget_buys_only_affordable_influencers(engine):
    seeding = InfluencerSeeding(k=3, fee_base=100.0, fee_per_follower=0.0)
    m = Market(engine, star(5), quiet(), strategies=(seeding,), budget=250.0)
    assert m.attr("is_seed").sum() == 2
    assert m.records[0]["spend"] == 200.0


def test_ads_stop_when_budget_is_spent(engine):
    ads = Ads(reach=0.5, start=1, end=100, cost_per_thousand=1000.0)  # 0.5 * 10 per step... x n
    g = nx.empty_graph(10)
    m = Market(engine, g, quiet(), strategies=(ads,), budget=12.0)
    m.step(5)
    spend = [r["spend"] for r in m.records]
    assert spend == [0.0, 5.0, 5.0, 0.0, 0.0, 0.0]


def test_referral_rewards_purchases_from_shares_only(engine):
    seeding = InfluencerSeeding(k=1, post_prob=1.0, trust=1.0, fee_base=0.0,
                                fee_per_follower=0.0)
    referral = Referral(reward=7.0, share_boost=1.0)
    g = nx.DiGraph([(0, 1), (1, 2), (0, 3), (0, 4)])
    c = quiet(persuasion=1.0, impulse_prob=1.0, share_prob=1.0)
    m = Market(engine, g, c, GOOD, strategies=(seeding, referral))
    m.step(4)  # 1,3,4 buy at step 2 (influencer); 2 aware at 3, buys at 4 (share)
    spend = [r["spend"] for r in m.records]
    assert spend[2] == 0.0 and spend[4] == 7.0


def test_community_reduces_forgetting(engine):
    c = quiet(discovery_prob=1.0, forget_prob=1.0)
    m = Market(engine, nx.path_graph(3), c,
               strategies=(Community(forget_multiplier=0.0, cost_per_step=1.0),))
    m.step(3)
    assert (m.state == S.AWARE).all()


def test_seeded_reviews_are_visible_at_launch(engine):
    more = MoreReviews(seeded_reviews=4, seeded_stars=5.0, cost_per_seeded_review=1.0)
    m = Market(engine, nx.path_graph(3), quiet(), strategies=(more,))
    assert m.records[0]["reviews"] == 4
    assert m.records[0]["spend"] == 4.0


@pytest.mark.parametrize("strategies", [(), (InfluencerSeeding(k=2),)])
def test_recorded_counts_match_the_states_every_step(engine, strategies):
    g = nx.barabasi_albert_graph(120, 2, seed=3)
    m = Market(engine, g, quiet(discovery_prob=0.05, impulse_prob=0.2, interest_prob=0.2,
                                forget_prob=0.1, persuasion=0.3, share_prob=0.3,
                                negative_share_prob=0.3, abandon_prob=0.1, review_prob=0.2,
                                dormancy_prob=0.1, buy_intercept=-1.0, rating_noise=1.0),
               strategies=strategies)
    for _ in range(30):
        m.step()
        # The record counts the consumers' actual states (the agent engine keeps running
        # counters, the vectorized one counts the array).
        counts = np.bincount(m.state, minlength=len(S)).tolist()
        assert [m.records[-1][s] for s in STATE_COLUMNS] == counts
    assert np.diff([r["adopters"] for r in m.records]).min() >= 0



def test_kcore_ties_degree_on_barabasi_albert_as_the_readme_says():
    # Every node of a BA graph has core number m, so kcore ranks by the audience tie-break
    # (= degree); on a powerlaw_cluster graph the cores are nested and the order differs.
    from itertools import islice

    from models.graph import SocialGraph
    from models.targeting import ranking
    from simulation.networks.generators import NetworkParams, build_network

    def top(graph, method):
        return list(islice(ranking(graph, method, np.random.default_rng(0)), graph.n))

    ba = build_network(NetworkParams(n=300), 0)  # the default builder, smaller
    assert set(nx.core_number(ba.nx_graph).values()) == {3}
    assert top(ba, "kcore") == top(ba, "degree")
    # A hub with 5 leaves (1-core) beside a triangle (2-core): the rankings differ.
    g = nx.Graph([(0, k) for k in range(1, 6)] + [(6, 7), (7, 8), (8, 6)])
    nested = SocialGraph.from_networkx(g)
    assert top(nested, "degree")[0] == 0 and top(nested, "kcore")[:3] == [6, 7, 8]
