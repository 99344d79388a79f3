"""Customer content types: each path on tiny graphs with certain probabilities, both engines.

A star: influencer 0 (seeded, contract over at once, so an ordinary satisfied customer)
and followers 1..3. Probabilities are 0 or 1 (logits of +-20 or more), so outcomes are
certain and a broken path changes them.
"""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import numpy as np
import pytest

from models.content import ContentParams, ContentType
from models.engines import ENGINE_CLASSES
from models.journey import Channel, JourneyState
from models.params import ConsumerParams, ParameterError, ProductParams
from models.strategies import Amplify, ContentIncentive, InfluencerSeeding
from simulation.networks.generators import NetworkParams, build_network
from simulation.running.runner import RunParams, run

ENGINES = ("agent", "vectorized")
QUIET = ConsumerParams(discovery_prob=0.0, persuasion=1.0, share_prob=0.0,
                       negative_share_prob=0.0, impulse_prob=0.0, interest_prob=0.0,
                       forget_prob=0.0, abandon_prob=0.0, review_prob=0.0, repurchase_prob=0.0,
                       dormancy_prob=0.0, rating_noise=0.0, rating_weight=0.0,
                       review_volume_weight=0.0, friend_weight=0.0, buy_intercept=-20.0)
PERFECT = ProductParams(quality=5.0)  # noise 0: every experience is 5 stars, satisfied
SEED_HUB = InfluencerSeeding(k=1, post_days=0, fee_base=0.0, fee_per_follower=0.0)


def star():
    return nx.star_graph(3)  # hub 0, leaves 1..3 (degree targeting picks the hub)


def content(*extra: ContentType, track: bool = True, **builtin) -> ContentParams:
    post = ContentType("post", enabled=builtin.get("post", True))
    review = ContentType("review", enabled=builtin.get("review", True))
    return ContentParams(types=(post, review, *extra), track=track)


def market(engine, types, consumer=QUIET, strategies=(SEED_HUB,), graph=None, budget=None,
           product=PERFECT, seed=1):
    g = graph if graph is not None else star()
    if engine == "vectorized":
        from models.graph import SocialGraph
        g = SocialGraph.from_networkx(g)
    return ENGINE_CLASSES[engine](g, consumer, product, strategies, budget, rng=seed,
                                  content=types)


def days(model, k):
    for _ in range(k):
        model.step()
    return model


def state(model):
    return model.end_state()["state"]


PHOTO_FEED = ContentType("photo", prob=1.0, acts="feed", feed_weight=1.0, page_weight=0.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_feed_piece_persuades_followers_and_is_their_first_touch(engine):
    m = days(market(engine, content(PHOTO_FEED)), 1)
    s = state(m)
    assert list(s[1:]) == [JourneyState.AWARE] * 3
    assert list(m.end_state()["channel"][1:]) == [Channel.SHARE] * 3
    bit = 1 << 2
    assert list(m.content.touches[1:]) == [bit] * 3
    assert list(m.content.first_touch[1:]) == [2] * 3
    assert m.content.created["photo"] == 1


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("change", [{"feed_weight": 0.0}, {"acts": "page"}, {"prob": 0.0},
                                    {"enabled": False}, {"creator": "community"}])
def test_without_a_feed_piece_nobody_is_persuaded(engine, change):
    # community: the hub is still PURCHASED on day 1 (follow-up from day 2).
    m = days(market(engine, content(replace(PHOTO_FEED, **change))), 1)
    assert list(state(m)[1:]) == [JourneyState.UNAWARE] * 3


@pytest.mark.parametrize("engine", ENGINES)
def test_community_creators_start_the_day_after_their_purchase(engine):
    t = replace(PHOTO_FEED, creator="community")
    m = days(market(engine, content(t)), 2)
    assert list(state(m)[1:]) == [JourneyState.AWARE] * 3


@pytest.mark.parametrize("engine", ENGINES)
def test_a_dissatisfied_creator_makes_pieces_that_act_nowhere(engine):
    awful = ProductParams(quality=1.0)  # every experience is 1 star
    for creator, made in (("satisfied", 0), ("buyers", 3)):
        m = days(market(engine, content(replace(PHOTO_FEED, creator=creator)), product=awful),
                 3)
        assert m.content.created["photo"] == made
        assert list(state(m)[1:]) == [JourneyState.UNAWARE] * 3


def researchers(engine, types, steps):
    """Leaves are aware after day 1 and researching after day 2 (both certain)."""
    consumer = replace(QUIET, persuasion=0.0, discovery_prob=1.0, interest_prob=1.0)
    return days(market(engine, types, consumer=consumer), steps)


ANSWERS = ContentType("q_and_a", creator="satisfied", prob=1.0, acts="page",
                      feed_weight=0.0, page_weight=50.0, visible_days=1)


@pytest.mark.parametrize("engine", ENGINES)
def test_page_pieces_make_researchers_buy_from_the_day_after(engine):
    # The hub answers every day from day 1, each answer visible the next day only
    # (visible_days=1): logit -20 + 50 log 2 = +14.7 (p = 1 - 4e-7) from day 2, against
    # -20 (p = 2e-9) without: researching after day 2, they buy on day 3.
    m = researchers(engine, content(ANSWERS), 3)
    assert list(state(m)[1:]) == [JourneyState.PURCHASED] * 3
    assert list(m.content.last_touch[1:]) == [2] * 3
    # Without the answers (or with weight 0) they are still researching on day 6.
    for off in (replace(ANSWERS, enabled=False), replace(ANSWERS, page_weight=0.0),
                replace(ANSWERS, acts="feed")):
        m = researchers(engine, content(off), 6)
        assert list(state(m)[1:]) == [JourneyState.RESEARCHING] * 3


@pytest.mark.parametrize("engine", ENGINES)
def test_pieces_stop_counting_after_their_visible_days(engine):
    # One answer a day; a window of 2 days holds at most 2.
    m = market(engine, content(replace(ANSWERS, visible_days=2)))
    assert [days(m, 1).content.visible(2) for _ in range(4)] == [1, 2, 2, 2]
    assert m.day.content_logit == pytest.approx(50.0 * np.log1p(2))


@pytest.mark.parametrize("engine", ENGINES)
def test_switched_off_posts_and_reviews_do_not_happen(engine):
    chatty = replace(QUIET, share_prob=1.0, review_prob=1.0)
    on = days(market(engine, content(), consumer=chatty), 3)
    assert sum(r["shares_positive"] for r in on.records) > 0 and on.board.count > 0
    off = days(market(engine, content(post=False, review=False), consumer=chatty), 3)
    assert sum(r["shares_positive"] for r in off.records) == 0 and off.board.count == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_an_incentive_pays_per_piece_and_raises_creation(engine):
    never = replace(PHOTO_FEED, prob=0.0, incentive_cost=7.0)
    pay = ContentIncentive(type="photo", incentive=1.0)
    m = days(market(engine, content(never), strategies=(SEED_HUB, pay)), 1)
    assert list(state(m)[1:]) == [JourneyState.AWARE] * 3
    days(m, 2)  # the next day's photo also turns them to research (noisy-or, certain)
    assert list(state(m)[1:]) == [JourneyState.RESEARCHING] * 3
    assert m.content.created["photo"] == 3  # the hub, every day
    assert [r["spend"] for r in m.records[1:]] == [7.0, 7.0, 7.0]


@pytest.mark.parametrize("engine", ENGINES)
def test_amplification_reaches_non_customers_once_a_piece_exists(engine):
    # Hub 0 with followers 1, 2; consumers 3 and 4 follow only each other. Amplification
    # (reach 1) makes them aware through the ad channel from the day after the first photo.
    g = nx.Graph([(0, 1), (0, 2), (3, 4)])
    photo = replace(PHOTO_FEED, feed_weight=1.0)
    amp = Amplify(type="photo", reach=1.0, start=1, end=100, cost_per_thousand=1000.0)
    m = days(market(engine, content(photo), strategies=(SEED_HUB, amp), graph=g), 1)
    # Day 1: no piece existed at the start of the day: only the follower is persuaded.
    assert list(state(m)[3:]) == [JourneyState.UNAWARE] * 2
    assert m.records[1]["spend"] == pytest.approx(1000.0 * 5 / 1000)
    days(m, 1)
    assert list(state(m)[3:]) == [JourneyState.AWARE] * 2
    assert list(m.end_state()["channel"][3:]) == [Channel.AD] * 2


@pytest.mark.parametrize("engine", ENGINES)
def test_amplified_posts_need_a_first_post(engine):
    g = nx.Graph([(0, 1), (0, 2), (3, 4)])
    chatty = replace(QUIET, share_prob=1.0)
    amp = Amplify(type="post", reach=1.0, start=1, end=100, cost_per_thousand=0.0)
    m = days(market(engine, content(), consumer=chatty, strategies=(SEED_HUB, amp), graph=g),
             1)
    assert list(state(m)[3:]) == [JourneyState.UNAWARE] * 2
    assert m.content.created["post"] == 1
    days(m, 1)
    assert list(m.end_state()["channel"][3:]) == [Channel.AD] * 2


def test_default_content_is_the_old_path_and_disabled_extras_change_nothing():
    """Rich content with every extra switched off gives the default run, to the bit."""
    rich = content(PHOTO_FEED, ANSWERS, ContentType("story"), track=False)
    net = NetworkParams(n=300)
    params = RunParams(network=net, seed=3, steps=40, engine="vectorized",
                       consumer=ConsumerParams(discovery_prob=0.01))
    graph = build_network(net, 3)
    default = run(params, graph)
    assert not default.content.active
    off = run(replace(params, content=rich.only({"post", "review"})), graph)
    assert off.content.active
    assert default.timeseries.equals(off.timeseries)
    on = run(replace(params, content=rich), graph)
    assert not default.timeseries.equals(on.timeseries)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"types": (ContentType("post"),)}, "must include 'review'"),
    ({"types": (ContentType("post"), ContentType("review"), ContentType("review"))},
     "listed once"),
])
def test_bad_content_params_are_refused_in_one_line(kwargs, message):
    with pytest.raises(ParameterError, match=message) as err:
        ContentParams(**kwargs)
    assert "\n" not in str(err.value)


def test_strategies_must_name_a_type_of_the_run():
    with pytest.raises(ParameterError, match=r"strategy\.content_incentive\.type = 'photo'"):
        RunParams(strategies=(ContentIncentive(type="photo"),))
    with pytest.raises(ParameterError, match="acts on the feed"):
        RunParams(strategies=(Amplify(type="review"),))
    assert RunParams(strategies=(ContentIncentive(type="photo"),),
                     content=content(PHOTO_FEED)).content.names[-1] == "photo"


def test_the_default_content_option_is_the_default_content_params():
    import yaml

    from experiments.config import CONFIG_DIR, content_params

    node = yaml.safe_load((CONFIG_DIR / "content" / "default.yaml").read_text())
    assert content_params(node) == ContentParams()
    rich = content_params(yaml.safe_load((CONFIG_DIR / "content" / "rich.yaml").read_text()))
    assert rich.names == ("post", "review", "photo", "story", "q_and_a")


def test_touch_bits_name_their_types():
    m = days(market("vectorized", content(PHOTO_FEED)), 1)
    assert np.all(m.content.touches[1:] == 1 << m.content.params.names.index("photo"))
