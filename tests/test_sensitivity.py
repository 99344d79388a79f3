"""Global sensitivity: the SALib wiring against the Ishigami function's closed-form indices."""

from __future__ import annotations

import math

import numpy as np
import pytest
from SALib.test_functions import Ishigami

from models.params import ParameterError
from simulation.analysis.sensitivity import analyze, chunk_rows, ranking_text, sample
from simulation.analysis.space import ParameterSpace

PI = math.pi
SPACE = ParameterSpace(("x1", "x2", "x3"), (-PI, -PI, -PI), (PI, PI, PI), (False,) * 3)


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    """Closed-form S1 and ST of Ishigami (Sobol' & Levitan 1999; Saltelli et al. 2008, 4.2)."""
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_sobol_reproduces_ishigami():
    design = sample(SPACE, "sobol", 4096, seed=3)
    y = Ishigami.evaluate(design)
    df = analyze(SPACE, "sobol", design, y, seed=3).set_index("parameter").loc[["x1", "x2", "x3"]]
    s1, st = ishigami_indices()
    # Tolerance: 3 bootstrap standard errors (the CI half width is 1.96 of them) + 0.01
    # for the estimator's own small bias at N = 4096.
    for got, conf, want in ((df["S1"], df["S1_conf"], s1), (df["ST"], df["ST_conf"], st)):
        for g, c, w in zip(got, conf, want, strict=True):
            assert abs(g - w) <= 3 * c / 1.96 + 0.01, (g, c, w)
    assert df["ST"].idxmax() == "x1"  # ST ranking: x1 (0.56), x2 (0.44), x3 (0.24)


def test_morris_ranks_ishigami_and_finds_the_inert_parameter_interacting():
    design = sample(SPACE, "morris", 200, seed=1)
    df = analyze(SPACE, "morris", design, Ishigami.evaluate(design), seed=1)
    by = df.set_index("parameter")
    # x3 has no first-order effect but interacts with x1: mu* clearly > 0, mu near 0.
    assert by.loc["x3", "mu_star"] > 3 * by.loc["x3", "mu_star_conf"]
    assert abs(by.loc["x3", "mu"]) < by.loc["x3", "mu_star"] / 2
    assert "Morris screening of y" in ranking_text(df, "morris", "y")


def test_sobol_size_must_be_a_power_of_two():
    with pytest.raises(ParameterError, match="power of 2"):
        sample(SPACE, "sobol", 100, seed=0)


def test_chunks_cover_every_row_once():
    rows = [r for c in range(3) for r in chunk_rows(10, 3, c)]
    assert rows == list(range(10))


def test_log_keys_are_sampled_in_log_space():
    space = ParameterSpace(("p",), (0.001,), (0.1,), (True,))
    x = space.from_salib(sample(space, "sobol", 256, seed=0))
    assert x.min() >= 0.001 and x.max() <= 0.1
    # Uniform in log10: about half the points below the geometric mean 0.01.
    assert abs(np.mean(x < 0.01) - 0.5) < 0.1


def test_bootstrap_intervals_are_reproducible_with_seed_zero():
    # SALib's Sobol analysis ignores an int seed of 0 (``if seed:``); ours must not.
    design = sample(SPACE, "sobol", 256, seed=0)
    y = Ishigami.evaluate(design)
    a = analyze(SPACE, "sobol", design, y, seed=0, resamples=50)
    b = analyze(SPACE, "sobol", design, y, seed=0, resamples=50)
    assert a.equals(b)
