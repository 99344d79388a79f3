"""Shapley values: toy games with known answers, and efficiency of the work-backwards report."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.content import ContentParams, ContentType
from models.params import ConsumerParams
from simulation.analysis.backwards import decompose
from simulation.analysis.shapley import coalitions, shapley_exact, shapley_sampled
from simulation.networks.generators import NetworkParams
from simulation.running.runner import RunParams


def glove(s: frozenset) -> float:
    """One left glove (L) and two right gloves (R1, R2): a pair is worth 1."""
    return float("L" in s and bool(s & {"R1", "R2"}))


GLOVES = ["L", "R1", "R2"]


def test_glove_game_exact():
    # By hand over the 6 orders: L is pivotal unless it comes first (4 orders), so
    # phi_L = 4/6; R1 is pivotal only in the order L, R1, R2 (1 order): 1/6; R2 likewise.
    phi = shapley_exact(GLOVES, {s: glove(s) for s in coalitions(GLOVES)})
    assert phi["L"] == pytest.approx(2 / 3)
    assert phi["R1"] == pytest.approx(1 / 6) and phi["R2"] == pytest.approx(1 / 6)


def test_additive_game_gives_each_player_its_weight_per_replicate():
    w = {"a": np.array([1.0, 2.0]), "b": np.array([5.0, -1.0]), "c": np.array([0.5, 0.0])}
    players = list(w)
    v = {s: sum((w[p] for p in s), np.zeros(2)) for s in coalitions(players)}
    phi = shapley_exact(players, v)
    for p in players:
        np.testing.assert_allclose(phi[p], w[p])


def test_exact_refuses_too_many_players():
    with pytest.raises(ValueError, match="at most 6"):
        shapley_exact(list(range(7)), {})


def test_sampled_glove_game_within_its_standard_error():
    mean, se = shapley_sampled(GLOVES, glove, 600, np.random.default_rng(5))
    for p, exact in (("L", 2 / 3), ("R1", 1 / 6), ("R2", 1 / 6)):
        # 4 standard errors: a false alarm about once in 16,000 runs (normal tails).
        assert abs(mean[p] - exact) <= 4 * se[p], (p, mean[p], se[p])
    assert sum(mean.values()) == pytest.approx(1.0)  # efficiency, order by order


CONTENT = ContentParams(types=(
    ContentType("post"), ContentType("review"),
    ContentType("photo", prob=0.03, acts="both", feed_weight=0.8, page_weight=0.3),
    ContentType("q_and_a", creator="community", prob=0.05, acts="page", page_weight=0.3),
))


@pytest.fixture(scope="module")
def decomposition():
    params = RunParams(network=NetworkParams(n=200), steps=40, seed=11, engine="vectorized",
                       consumer=ConsumerParams(discovery_prob=0.005), content=CONTENT)
    return decompose(params, 3)


def test_shapley_values_sum_to_all_contents_incremental_adopters(decomposition):
    e = decomposition.efficiency
    sh = decomposition.shapley
    assert e["method"] == "exact over every coalition"
    # Exact Shapley values are efficient seed by seed (up to rounding), so their mean is
    # the mean incremental adopters of all content, well within its Monte-Carlo error.
    assert e["largest_seed_gap"] < 1e-9
    assert sh["adopters"].sum() == pytest.approx(e["total_incremental_adopters"], abs=1e-9)
    assert abs(e["shapley_sum"] - e["total_incremental_adopters"]) <= 2 * e["total_se"]
    assert e["total_incremental_adopters"] > 0
    assert math.isfinite(e["total_se"])


def test_counterfactuals_are_the_drop_from_the_full_run(decomposition):
    runs, cf = decomposition.runs, decomposition.counterfactual.set_index("arm")
    wide = runs.pivot_table(index="seed", columns="arm", values="adopters")
    full = "post+review+photo+q_and_a"
    assert cf.loc["without photo", "adopters"] == pytest.approx(
        (wide[full] - wide["post+review+q_and_a"]).mean())
    assert cf.loc["without discovery", "kind"] == "channel"
    assert len(runs) == 3 * (2 ** 4 + 1)  # every coalition and one channel, per seed
    assert set(decomposition.paths["seed"]) == {11, 12, 13}
