"""Review-driven visibility, weighted negative word of mouth and replies to complaints."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from models import rules
from models.params import ProductParams
from models.strategies import Ads, InfluencerSeeding, MoreReviews, ReplyToComplaints
from tests.conftest import Market, quiet

#: Visibility on, steep: 5-star reviews double discovery, 1-star ones hide the product.
STEEP = dict(visibility_rating_weight=50.0, quality=5.0)


# --- The formulas, against hand computation ------------------------------------------
def test_visibility_formula_by_hand():
    kw = dict(rating_weight=1.5, volume_weight=0.5, pivot_rating=3.0, reference_reviews=10)
    assert rules.visibility(3.0, 10, **kw) == 1.0  # the pivot with the reference count
    by_hand = 2 / (1 + math.exp(-(1.5 * (4.2 - 3) + 0.5 * (math.log(31) - math.log(11)))))
    assert rules.visibility(4.2, 30, **kw) == pytest.approx(by_hand, rel=1e-15)
    assert 0 < rules.visibility(1.0, 0, **kw) < rules.visibility(5.0, 10**6, **kw) < 2
    off = dict(kw, rating_weight=0.0, volume_weight=0.0)
    assert rules.visibility(1.0, 0, **off) == 1.0 and rules.visibility(5.0, 99, **off) == 1.0


def test_deterrence_formula():
    assert rules.deterred(0.4, 0.0) == 0.4
    assert rules.deterred(0.4, 0.25) == pytest.approx(0.3)


# --- Visibility in both engines, with probabilities 0 and 1 --------------------------
@pytest.mark.parametrize(("stars", "aware"), [(5.0, 5), (1.0, 0), (None, None)])
def test_seeded_reviews_raise_discovery(engine, stars, aware):
    """discovery 0.5: 5-star seeded reviews make it x2 (everyone), 1-star ones ~x0."""
    strategies = () if stars is None else (
        MoreReviews(incentive=0.0, seeded_reviews=50, seeded_stars=stars,
                    cost_per_seeded_review=0.0),)
    m = Market(engine, nx.empty_graph(5), quiet(discovery_prob=0.5),
               ProductParams(**STEEP), strategies=strategies)
    m.step()
    day = m.impl.day
    if stars is None:  # no reviews: shown rating = prior: visibility exactly 1
        assert day.discovery == 0.5
    else:
        assert int((m.state == 1).sum()) == aware
        assert day.discovery == (1.0 if stars == 5.0 else pytest.approx(0.0, abs=1e-20))


@pytest.mark.parametrize(("stars", "buyers"), [(5.0, 5), (1.0, 0)])
def test_visibility_scales_impulse_purchase(engine, stars, buyers):
    """Ads (not scaled by visibility) make everyone aware on day 1; impulse 0.5 is x2 with
    5-star reviews (all buy on day 2) and ~x0 with 1-star ones (nobody buys)."""
    reviews = MoreReviews(incentive=0.0, seeded_reviews=50, seeded_stars=stars,
                          cost_per_seeded_review=0.0)
    ads = Ads(reach=1.0, start=1, end=2, cost_per_thousand=0.0)
    m = Market(engine, nx.empty_graph(5), quiet(impulse_prob=0.5), ProductParams(**STEEP),
               strategies=(reviews, ads))
    m.step()
    assert (m.state == 1).all()
    m.step()
    assert int((m.state == 3).sum()) == buyers


def test_visibility_statistically():
    """Aware share after day 1 on an empty graph = discovery x visibility; tolerance 4 SE
    of a binomial proportion, sqrt(p (1 - p) / n)."""
    n = 20_000
    product = ProductParams(visibility_rating_weight=1.0, visibility_volume_weight=0.5,
                            visibility_reference_reviews=10.0)
    reviews = MoreReviews(incentive=0.0, seeded_reviews=20, seeded_stars=4.0,
                          cost_per_seeded_review=0.0)
    m = Market("vectorized", nx.empty_graph(n), quiet(discovery_prob=0.1), product,
               strategies=(reviews,))
    m.step()
    shown = (3.0 * 5 + 4.0 * 20) / 25
    p = 0.1 * 2 / (1 + math.exp(-(shown - 3.0 + 0.5 * (math.log(21) - math.log(11)))))
    share = float((m.state == 1).mean())
    assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / n)


# --- Negative word of mouth and replies, in both engines -----------------------------
def complainer_star(engine, leaves=4, negativity=2.0, reply=None, **consumer):
    """Hub 0: a seeded, dissatisfied customer (contract over) who complains every day;
    leaves discover the product on day 1 and would buy on impulse on day 2."""
    seed = InfluencerSeeding(k=1, post_days=0, fee_base=0.0, fee_per_follower=0.0)
    kw = dict(discovery_prob=1.0, impulse_prob=1.0, persuasion=1.0, negative_share_prob=1.0,
              negativity_weight=negativity)
    kw.update(consumer)
    strategies = (seed,) if reply is None else (seed, reply)
    return Market(engine, nx.star_graph(leaves), quiet(**kw), ProductParams(quality=1.0),
                  strategies=strategies)


def test_complaints_put_aware_followers_off(engine):
    m = complainer_star(engine)
    m.step()
    assert (m.state[1:] == 1).all() and m.records[1]["shares_negative"] == 1
    m.step()
    assert (m.state[1:] == 1).all()  # put off: nobody bought on impulse
    m = complainer_star(engine, negativity=0.0)
    m.step(2)
    assert (m.state[1:] == 3).all()  # without weight, complaints do not reach them


@pytest.mark.parametrize(("spread", "recovery", "bought"), [
    (0.0, 0.0, True),  # answered and muted: nobody put off
    (1.0, 0.0, False),  # answered but at full weight: put off
    (1.0, 1.0, True),  # the complainer is won back on day 1: no complaint on day 2
])
def test_an_answered_complaint_is_muted_and_may_win_the_complainer_back(
        engine, spread, recovery, bought):
    reply = ReplyToComplaints(share=1.0, spread_factor=spread, recovery_prob=recovery,
                              cost_per_reply=3.0)
    m = complainer_star(engine, reply=reply)
    m.step()
    assert m.records[1]["spend"] == 3.0
    assert bool(m.attr("satisfied")[0]) == (recovery == 1.0)
    m.step()
    assert (m.state[1:] == (3 if bought else 1)).all()
    assert m.records[2]["shares_negative"] == (0 if recovery else 1)


def test_unanswered_when_the_brand_replies_to_none(engine):
    reply = ReplyToComplaints(share=0.0, spread_factor=0.0, recovery_prob=1.0)
    m = complainer_star(engine, reply=reply)
    m.step(2)
    assert (m.state[1:] == 1).all() and not bool(m.attr("satisfied")[0])
    assert m.records[2]["spend"] == 0.0


def test_deterrence_statistically():
    """Leaves' impulse purchase on day 2 = impulse x (1 - put off), put off = persuasion x
    negativity (tie 1): 0.4 x (1 - 0.5) = 0.2; tolerance 4 binomial SE."""
    leaves = 20_000
    m = complainer_star("vectorized", leaves=leaves, negativity=1.0, persuasion=0.5,
                        impulse_prob=0.4)
    m.step(2)
    share = float((m.state[1:] == 3).mean())
    assert abs(share - 0.2) < 4 * math.sqrt(0.2 * 0.8 / leaves)


def test_replies_and_recovery_statistically():
    """Among many complainers, the brand answers ~share of the complaints and ~recovery of
    the answered turn satisfied; tolerance 4 binomial SE each."""
    n = 20_000
    seed = InfluencerSeeding(k=n // 2, targeting="random", post_days=0, fee_base=0.0,
                             fee_per_follower=0.0)
    reply = ReplyToComplaints(share=0.3, spread_factor=0.5, recovery_prob=0.4)
    m = Market("vectorized", nx.empty_graph(n), quiet(negative_share_prob=1.0),
               ProductParams(quality=1.0), strategies=(seed, reply))
    m.step()
    complaints = n // 2
    replies = m.impl.tally.replies
    assert abs(replies / complaints - 0.3) < 4 * math.sqrt(0.3 * 0.7 / complaints)
    won = int(np.count_nonzero(m.attr("satisfied")))
    assert won == m.impl.tally.recovered
    assert abs(won / replies - 0.4) < 4 * math.sqrt(0.4 * 0.6 / replies)
