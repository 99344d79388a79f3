"""Every strategy key refuses a bad value with a one-line message naming it; edges pass.

The allowed range of each key is written here from the README's strategy table, so a
check that is dropped, loosened or names the wrong key fails.
"""

from __future__ import annotations

from dataclasses import fields

import pytest

from models.params import ParameterError
from models.strategies import (
    STRATEGIES,
    Ads,
    Campaign,
    Community,
    InfluencerSeeding,
    MoreReviews,
)

COUNT = "an integer >= 0"
PROB = "a probability in [0, 1]"
NONNEG = "a number >= 0"
#: Per key: what is allowed, a bad value, and the edge values that must pass.
ALLOWED = {
    "k": (COUNT, -1, [0, 1]), "seeded_reviews": (COUNT, 2.5, [0]),
    "post_days": (COUNT, -2, [0]), "start": (COUNT, -1, [0]), "end": (COUNT, True, [0]),
    "post_prob": (PROB, 1.01, [0.0, 1.0]), "trust": (PROB, -0.1, [0.0, 1.0]),
    "reach": (PROB, 2.0, [0.0, 1.0]), "incentive": (PROB, -1e-9, [0.0, 1.0]),
    "targeting": ("one of degree, pagerank, betweenness, kcore, random, friend_of_random",
                  "psychic", ["kcore", "friend_of_random"]),
    "seeded_stars": ("a number in [1, 5]", 0.5, [1.0, 5.0]),
    "fee_base": (NONNEG, -1.0, [0.0]), "fee_per_follower": (NONNEG, float("inf"), [0.0]),
    "cost_per_review": (NONNEG, -5.0, [0.0]), "cost_per_seeded_review": (NONNEG, -1, [0]),
    "cost_per_thousand": (NONNEG, float("nan"), [0.0]), "multiplier": (NONNEG, -2.0, [0.0]),
    "setup_cost": (NONNEG, "10", [0.0]), "reward": (NONNEG, -0.5, [0.0]),
    "share_boost": (NONNEG, None, [0.0]), "forget_multiplier": (NONNEG, -1.0, [0.0]),
    "repurchase_multiplier": (NONNEG, -1.0, [0.0]), "dormancy_multiplier": (NONNEG, -3, [0]),
    "cost_per_step": (NONNEG, -25.0, [0.0]),
}
CASES = [(name, cls, f.name) for name, cls in STRATEGIES.items() for f in fields(cls)]


def test_every_strategy_key_has_a_stated_range():
    assert {key for _, _, key in CASES} == set(ALLOWED)


@pytest.mark.parametrize(("name", "cls", "key"), CASES, ids=[f"{n}.{k}" for n, _, k in CASES])
def test_bad_value_is_refused_with_key_value_and_range(name, cls, key):
    allowed, bad, good = ALLOWED[key]
    extra = {"start": 0} if key == "end" else {}
    with pytest.raises(ParameterError) as err:
        cls(**{key: bad, **extra})
    assert str(err.value) == f"strategy.{name}.{key} = {bad!r}: must be {allowed}"
    for value in good:
        strategy = cls(**{key: value, **({"end": 100} if key == "start" else extra)})
        assert getattr(strategy, key) == value


def test_ads_window_must_not_end_before_it_starts():
    with pytest.raises(ParameterError) as err:
        Ads(start=5, end=4)
    assert str(err.value) == "strategy.ads.end = 4: must be >= strategy.ads.start (5)"
    assert Ads(start=5, end=5).end == 5  # an empty window is allowed


def test_campaign_refuses_a_negative_budget_and_duplicates():
    with pytest.raises(ParameterError) as err:
        Campaign(strategies=(), budget=-1.0)
    assert str(err.value) == "budget = -1.0: must be a number >= 0"
    with pytest.raises(ParameterError) as err:
        Campaign(strategies=(Ads(), Community(), Ads()))
    assert str(err.value) == "strategy = ['Ads']: each strategy may be listed once"
    seeding = InfluencerSeeding(k=3)
    campaign = Campaign(strategies=(MoreReviews(), seeding), budget=0.0)
    assert campaign.seeding is seeding and campaign.remaining == 0.0
    assert Campaign().seeding is None and Campaign().remaining == float("inf")


def test_influencer_fee():
    assert InfluencerSeeding(fee_base=50.0, fee_per_follower=2.0).fee(120) == 290.0
