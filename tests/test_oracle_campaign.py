"""The campaign's checks and launch arithmetic, and the day's contract terms, by hand.

Errors are one line naming the key, its value and what is allowed (README "Configuration");
launch costs follow the README strategy table; the sponsored contact weight is
``log(1 - persuasion x tie x trust)``.
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from models.campaign import Campaign, Levers
from models.graph import SocialGraph
from models.market import ReviewBoard, open_day, sponsored_log_weights
from models.params import ConsumerParams, ParameterError, ProductParams
from models.schema import specs
from models.strategies import STRATEGIES, Ads, InfluencerSeeding, MoreReviews

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "strategy"
GRAPH = SocialGraph.from_networkx(nx.path_graph(3))


def launch(strategies, budget):
    campaign = Campaign(tuple(strategies), budget=budget, n=GRAPH.n)
    return campaign, campaign.launch(GRAPH, np.random.default_rng(0))


def test_campaign_refuses_a_negative_budget_and_a_strategy_listed_twice():
    with pytest.raises(ParameterError, match=r"^budget = -1\.0: must be a number >= 0$"):
        Campaign((), budget=-1.0)
    assert Campaign((), budget=0.0).remaining == 0.0
    with pytest.raises(ParameterError) as err:
        Campaign((Ads(), MoreReviews(), Ads()))
    assert str(err.value) == "strategy = ['Ads']: each strategy may be listed once"
    assert Campaign((Ads(), MoreReviews())).remaining == math.inf


def test_campaign_refuses_as_many_influencers_as_consumers():
    with pytest.raises(ParameterError) as err:
        Campaign((InfluencerSeeding(k=5),), n=5)
    assert str(err.value) == ("strategy.influencer_seeding.k = 5: must be smaller than the 5 "
                              "consumers (someone has to be left to persuade)")
    assert Campaign((InfluencerSeeding(k=4),), n=5).seeding.k == 4
    assert Campaign((InfluencerSeeding(k=5),), n=0).seeding.k == 5  # size not known yet


def test_strategy_errors_name_their_key():
    with pytest.raises(ParameterError, match=r"^strategy\.more_reviews\.incentive = 2\.0: "):
        MoreReviews(incentive=2.0)
    with pytest.raises(ParameterError) as err:
        Ads(start=5, end=4)
    assert str(err.value) == "strategy.ads.end = 4: must be >= strategy.ads.start (5)"
    assert Ads(start=5, end=5).end == 5  # an empty window is allowed (nothing bought)


def test_every_config_file_names_its_registered_class():
    names = sorted(p.stem for p in CONFIGS.glob("*.yaml") if p.stem != "baseline")
    assert sorted(STRATEGIES) == names
    assert all(cls.name == name for name, cls in STRATEGIES.items())


def test_money_keys_are_currency_from_zero_to_a_trillion():
    # README strategy table: every fee and cost is "currency | [0, 1e12]".
    money = [(cls, key, spec) for cls in STRATEGIES.values()
             for key, spec in specs(cls).items() if spec.unit == "currency"]
    assert len(money) >= 8
    for cls, key, spec in money:
        assert (spec.low, spec.high) == (0.0, 1e12), (cls.name, key)
        assert spec.label and spec.meaning and spec.default == getattr(cls(), key)


@pytest.mark.parametrize(("budget", "cost", "bought"), [
    (2.5, 1.0, 2),      # 2 x 1 fits in 2.5, a third does not
    (0.5, 0.25, 2),     # below 1 of budget
    (1.0, 0.1, 5),      # 10 fit (1.0 // 0.1 is 9.0 in floats); only 5 are asked for
    (0.0, 1.0, 0),      # nothing left
    (None, 3.0, 5),     # no cap
    (0.0, 0.0, 5),      # free reviews need no budget
])
def test_seeded_reviews_bought_within_the_budget(budget, cost, bought):
    more = MoreReviews(seeded_reviews=5, seeded_stars=4.0, cost_per_seeded_review=cost)
    campaign, opened = launch([more], budget)
    assert opened.seeded_review_count == bought
    assert opened.seeded_review_sum == 4.0 * bought
    assert campaign.spent == bought * cost and opened.spend == bought * cost


def test_seeded_reviews_at_fractional_costs_buy_all_that_fit():
    more = MoreReviews(seeded_reviews=50, seeded_stars=5.0, cost_per_seeded_review=0.1)
    campaign, opened = launch([more], 1.0)
    assert opened.seeded_review_count == 10 and campaign.spent == 10 * 0.1 <= 1.0
    campaign, opened = launch([more], 0.3)  # 3 x 0.1 = 0.30000000000000004 > 0.3
    assert opened.seeded_review_count == 2


@pytest.mark.parametrize(("budget", "cost"), [(23.4, 2.6), (3.9, 0.1), (1.0, 0.1), (7.0, 2.0)])
def test_seeded_reviews_never_overspend_and_leave_no_affordable_review(budget, cost):
    # The rule Campaign.buy applies one purchase at a time: the total paid stays within the
    # budget, and one more review would not fit (9 x 2.6 is 23.400000000000002 > 23.4).
    more = MoreReviews(seeded_reviews=1000, cost_per_seeded_review=cost)
    campaign, opened = launch([more], budget)
    k = opened.seeded_review_count
    assert k * cost == campaign.spent <= budget < (k + 1) * cost


def test_open_day_keeps_the_step_and_the_contract_terms():
    consumer, product = ConsumerParams(), ProductParams()
    seeding = InfluencerSeeding(post_prob=0.3, post_days=2)
    days = [open_day(t, consumer, product, Levers(), seeding, ReviewBoard(product))
            for t in (1, 2, 3)]
    assert [d.step for d in days] == [1, 2, 3]
    assert [d.contract for d in days] == [True, True, False]
    assert [d.contract_post_prob for d in days] == [0.3, 0.3, 0.0]
    free = open_day(4, consumer, product, Levers(), None, ReviewBoard(product))
    assert (free.step, free.contract, free.contract_post_prob) == (4, False, 0.0)


def test_sponsored_contact_weight_by_formula():
    ties = np.array([1.0, 0.4])
    w = sponsored_log_weights(0.5, InfluencerSeeding(trust=0.6), ties)
    assert w == pytest.approx([math.log(1 - 0.5 * 1.0 * 0.6), math.log(1 - 0.5 * 0.4 * 0.6)],
                              rel=1e-12)
    # With segments the followers' persuasion is one per tie.
    w = sponsored_log_weights(np.array([0.5, 0.25]), InfluencerSeeding(trust=0.6), ties)
    assert w == pytest.approx([math.log(1 - 0.5 * 1.0 * 0.6), math.log(1 - 0.25 * 0.4 * 0.6)],
                              rel=1e-12)
    assert sponsored_log_weights(0.5, None, ties) is None
