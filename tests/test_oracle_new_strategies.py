"""Hand-computed levers and costs of the strategies and campaign helpers added by the
content (issue 15) and segments (issue 14) work: each boundary and each price by itself."""

from __future__ import annotations

import numpy as np
import pytest

from models.campaign import Campaign, Levers
from models.market import StepTally
from models.params import ParameterError
from models.schema import specs
from models.strategies import Ads, Amplify, ContentIncentive, InfluencerSeeding, ReplyToComplaints


def _campaign(strategies=(), budget=None, n=1000, **kw) -> Campaign:
    return Campaign(tuple(strategies), budget=budget, n=n, **kw)


# --- content incentive ---------------------------------------------------------------

@pytest.mark.parametrize(("budget", "spent", "runs"), [
    (None, 0.0, True), (10.0, 9.99, True), (10.0, 10.0, False), (10.0, 12.0, False)])
def test_content_incentive_runs_while_any_budget_is_left(budget, spent, runs):
    c = _campaign(budget=budget)
    c.spent = spent
    photo = ContentIncentive(type="photo", incentive=0.25)
    review = ContentIncentive(type="review", incentive=0.4)
    assert photo.levers(c, 1) == ({"content_boost": (("photo", 0.25),)} if runs else {})
    assert review.levers(c, 1) == ({"review_incentive": 0.4} if runs else {})


@pytest.mark.parametrize(("kind", "tally", "pieces"), [
    ("review", StepTally(reviews_written=3, shares_positive=7), 3),
    ("post", StepTally(reviews_written=3, shares_positive=7), 7),
    ("photo", StepTally(reviews_written=3, shares_positive=7, content_pieces={"photo": 4}), 4),
    ("story", StepTally(content_pieces={"photo": 4}), 0),
])
def test_content_incentive_pays_each_piece_at_its_type_cost(kind, tally, pieces):
    costs = {"review": 5.0, "post": 2.0, "photo": 8.0, "story": 15.0}
    c = _campaign(budget=1000.0, content_costs=dict(costs))
    s = ContentIncentive(type=kind, incentive=0.1)
    levers = Levers(**s.levers(c, 1))
    s.settle(c, levers, tally)
    assert c.spent == pytest.approx(costs[kind] * pieces, abs=0.0)


def test_content_incentive_pays_nothing_on_a_day_it_did_not_run():
    c = _campaign(budget=1000.0, content_costs={"review": 5.0, "photo": 8.0})
    for kind in ("review", "photo"):
        ContentIncentive(type=kind).settle(c, Levers(), StepTally(
            reviews_written=3, content_pieces={"photo": 4}))
    assert c.spent == 0.0
    # A zero review incentive is not a running incentive either.
    ContentIncentive(type="review").settle(c, Levers(review_incentive=0.0),
                                           StepTally(reviews_written=3))
    assert c.spent == 0.0


def test_a_type_without_a_listed_cost_is_free():
    c = _campaign(content_costs={"photo": 8.0})
    assert c.content_cost("photo") == 8.0
    assert c.content_cost("story") == 0.0
    assert isinstance(c.content_cost("story"), float)


# --- amplification -------------------------------------------------------------------

def test_amplify_buys_each_day_of_its_window_at_reach_times_n_impressions():
    s = Amplify(type="photo", reach=0.02, start=3, end=5, cost_per_thousand=10.0)
    c = _campaign(budget=None, n=5000)
    got = {step: s.levers(c, step) for step in range(1, 8)}
    assert {t for t, v in got.items() if v} == {3, 4}  # start inclusive, end exclusive
    assert got[3] == {"amplify": (("photo", 0.02),)}
    assert c.spent == pytest.approx(2 * 10.0 * 0.02 * 5000 / 1000.0)  # 1.0 a day


def test_amplify_stops_when_the_budget_cannot_pay_a_day():
    s = Amplify(reach=0.02, start=1, end=10, cost_per_thousand=10.0)
    c = _campaign(budget=2.5, n=5000)  # a day costs 1.0: two days, then 0.5 is left
    days = [t for t in range(1, 10) if s.levers(c, t)]
    assert days == [1, 2]
    assert c.spent == pytest.approx(2.0)
    exact = _campaign(budget=1.0, n=5000)
    assert s.levers(exact, 1) and exact.remaining == pytest.approx(0.0)


def test_amplify_window_is_checked():
    with pytest.raises(ParameterError, match=r"^strategy\.amplify\.end = 2: must be >= "
                                             r"strategy\.amplify\.start \(3\)$"):
        Amplify(start=3, end=2)
    assert Amplify(start=3, end=3).levers(_campaign(), 3) == {}


# --- replies to complaints -----------------------------------------------------------

@pytest.mark.parametrize(("budget", "spent", "replies"), [
    (None, 0.0, True), (5.0, 4.0, True), (5.0, 5.0, False), (5.0, 6.0, False)])
def test_replies_go_out_while_any_budget_is_left(budget, spent, replies):
    c = _campaign(budget=budget)
    c.spent = spent
    s = ReplyToComplaints(share=0.6, recovery_prob=0.3)
    assert s.levers(c, 1) == ({"reply_share": 0.6, "reply_recovery": 0.3} if replies else {})


def test_each_reply_is_paid_at_its_cost():
    c = _campaign(budget=100.0)
    ReplyToComplaints(cost_per_reply=1.5).settle(c, Levers(), StepTally(replies=4))
    assert c.spent == 6.0


# --- segments in the campaign --------------------------------------------------------

def _segmented(strategies=(), budget=None) -> Campaign:
    of = np.array([0, 1, 1, 2, 1, 0])
    return _campaign(strategies, budget, n=6, segment_names=("a", "b", "c"), segment_of=of)


def test_segment_sizes_and_membership_by_hand():
    c = _segmented()
    assert [c.size(s) for s in (None, "a", "b", "c")] == [6, 2, 3, 1]
    assert [c.in_segment(i, "b") for i in range(6)] == [False, True, True, False, True, False]
    assert all(c.in_segment(i, None) for i in range(6))
    assert [c.in_segment(i, "c") for i in range(6)] == [False, False, False, True, False, False]


def test_an_unknown_segment_is_refused_in_one_line():
    with pytest.raises(ParameterError, match=r"^segment = 'd': not a segment of this run; "
                                             r"segments: a, b, c$"):
        _segmented().size("d")
    with pytest.raises(ParameterError, match=r"^segment = 'a': not a segment of this run; "
                                             r"segments: none$"):
        _campaign(n=6).in_segment(0, "a")


def test_targeted_ads_pay_for_the_segment_only():
    """Ads aimed at segment b (3 of 6 consumers) buy reach x 3 impressions a day."""
    ads = Ads(reach=0.5, start=1, end=3, cost_per_thousand=1000.0, segment="b")
    c = _segmented((ads,), budget=None)
    assert ads.levers(c, 1) == {"ad_reach": 0.5, "ad_segment": "b"}
    assert c.spent == pytest.approx(1000.0 * 0.5 * 3 / 1000.0)
    whole = Ads(reach=0.5, start=1, end=3, cost_per_thousand=1000.0)
    c2 = _segmented((whole,), budget=None)
    assert whole.levers(c2, 1) == {"ad_reach": 0.5}
    assert c2.spent == pytest.approx(1000.0 * 0.5 * 6 / 1000.0)


def test_segment_keys_are_named_nullable_and_mean_everyone():
    who = {Ads: "see the ads (a day buys reach x the segment's size)",
           InfluencerSeeding: "are hired (down the same ranking)"}
    for cls in (Ads, InfluencerSeeding):
        spec = specs(cls)["segment"]
        assert (spec.default, spec.label, spec.kind, spec.nullable, spec.null_means, spec.unit) \
            == (None, "Target segment", "name", True, "everyone", "")
        assert spec.meaning == f"only consumers of this segment {who[cls]}"


def test_an_empty_last_segment_has_size_zero():
    c = _campaign(n=3, segment_names=("a", "b"), segment_of=np.array([0, 0, 0]))
    assert (c.size("a"), c.size("b")) == (3, 0)


def test_influencers_are_hired_within_their_segment_down_the_ranking():
    """A star (0 is the hub) with a tail 4-5: by degree the hub (segment a) comes first,
    then 4 (segment b); a segment-b campaign hires 4 and then another b, never the hub."""
    import networkx as nx

    from models.campaign import Launch
    from models.graph import SocialGraph

    g = nx.star_graph(4)
    g.add_edge(4, 5)
    graph = SocialGraph.from_networkx(g)
    of = np.array([0, 1, 1, 0, 1, 1])
    s = InfluencerSeeding(k=2, targeting="degree", segment="b")
    c = _campaign((s,), n=6, segment_names=("a", "b"), segment_of=of)
    launch = Launch()
    s.launch(c, launch, graph, np.random.default_rng(0))
    assert len(launch.seeds) == 2 and launch.seeds[0] == 4
    assert all(of[i] == 1 for i in launch.seeds)
    everyone = InfluencerSeeding(k=2, targeting="degree")
    c2 = _campaign((everyone,), n=6, segment_names=("a", "b"), segment_of=of)
    launch2 = Launch()
    everyone.launch(c2, launch2, graph, np.random.default_rng(0))
    assert launch2.seeds[:2] == [0, 4]


def test_per_tie_gives_each_tie_its_followers_segment_value():
    import networkx as nx

    from models.graph import SocialGraph
    from models.market import per_tie

    receivers = SocialGraph.from_networkx(nx.path_graph(3)).receivers  # row = follower
    assert per_tie([0.7], np.array([0, 0, 0]), receivers) == 0.7
    got = per_tie([0.1, 0.2], np.array([1, 0, 1]), receivers)
    # Rows 0 (one tie), 1 (two ties), 2 (one tie): followers' segments 1, 0, 0, 1.
    assert got.tolist() == [0.2, 0.1, 0.1, 0.2]
