import numpy as np
import pandas as pd
import pytest

from simulation.analysis.compare import MIN_PAIRS, bootstrap_ci, compare, paired_lift
from simulation.analysis.sweep_plots import (
    adoption_curves_figure,
    dose_response_figure,
    heatmap_figure,
    metric_bars_figure,
)


def _runs(arms: dict[str, np.ndarray], metric: str = "adopters") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"strategy": a, "seed": s, metric: v}
            for a, vals in arms.items()
            for s, v in enumerate(vals)
        ]
    )


def test_constant_difference_gives_the_exact_lift_and_no_test():
    base = np.arange(10.0) * 7
    runs = _runs({"baseline": base, "ads": base + 312})
    t = compare(runs, ["strategy"], metrics=["adopters"]).set_index("strategy")
    assert t.loc["ads", "lift"] == 312
    assert (t.loc["ads", "lift_ci_low"], t.loc["ads", "lift_ci_high"]) == (312, 312)
    assert t.loc["ads", "n_pairs"] == 10
    assert pd.isna(t.loc["ads", "p_ttest"])
    assert "constant difference" in t.loc["ads", "note"]
    assert t.loc["baseline", "is_reference"] and pd.isna(t.loc["baseline", "lift"])
    assert t.loc["ads", "mean"] == pytest.approx(base.mean() + 312)


def test_pairs_by_seed_not_by_row_order():
    runs = _runs({"baseline": np.array([0.0, 100, 200, 300, 400, 500])})
    shuffled = pd.DataFrame(
        {"strategy": "ads", "seed": [5, 4, 3, 2, 1, 0], "adopters": [510.0, 410, 310, 210, 110, 10]}
    )
    t = compare(pd.concat([runs, shuffled]), ["strategy"], metrics=["adopters"])
    assert t.set_index("strategy").loc["ads", "lift"] == 10


def test_bootstrap_ci_of_normal_sample_covers_mean_with_stated_width():
    # n = 400 from N(10, 2): the 95% CI of the mean is about 10 +/- 1.96 * 2 / 20 = +/- 0.196.
    x = np.random.default_rng(1).normal(10, 2, 400)
    low, high = bootstrap_ci(x, seed=3)
    assert low < x.mean() < high
    assert high - low == pytest.approx(2 * 1.96 * x.std(ddof=1) / 20, rel=0.15)
    assert bootstrap_ci(x, seed=3) == (low, high)  # seeded: same data, same interval
    assert bootstrap_ci([1.0]) is None
    assert bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0)


def test_paired_lift_on_noisy_pairs_recovers_the_shift():
    rng = np.random.default_rng(7)
    common = rng.normal(1000, 200, 60)  # large between-seed noise shared by both arms
    lift = paired_lift(common + 50 + rng.normal(0, 5, 60), common)
    # the paired difference has sd 5, so the mean is within ~4 standard errors of 50
    assert lift.mean == pytest.approx(50, abs=4 * 5 / np.sqrt(60))
    assert lift.ci[0] < 50 < lift.ci[1]
    assert lift.p_ttest < 1e-10 and lift.p_wilcoxon < 1e-6


def test_missing_metric_values_are_counted_and_pairs_dropped():
    runs = pd.DataFrame(
        {
            "strategy": ["baseline"] * 3 + ["ads"] * 3,
            "seed": [0, 1, 2] * 2,
            "time_to_50pct": [None, 90, 80, 60, None, 50],
        }
    )
    t = compare(runs, ["strategy"], metrics=["time_to_50pct"]).set_index("strategy")
    assert t.loc["baseline", "defined"] == 2 and t.loc["baseline", "n"] == 3
    assert t.loc["ads", "n_pairs"] == 1 and t.loc["ads", "lift"] == -30
    assert f"need {MIN_PAIRS}" in t.loc["ads", "note"]


def test_two_factor_lift_matches_the_other_factor():
    rows = [
        {
            "incentive": inc,
            "product": prod,
            "seed": s,
            "adopters": 100 * (prod == "good") + 10 * inc + s,
        }
        for inc in (0, 1, 2)
        for prod in ("good", "poor")
        for s in range(6)
    ]
    t = compare(
        pd.DataFrame(rows),
        ["incentive", "product"],
        metrics=["adopters"],
        reference={"incentive": 0},
    )
    lifts = t.set_index(["incentive", "product"])["lift"]
    assert lifts[(2, "good")] == 20 and lifts[(2, "poor")] == 20 and lifts[(1, "poor")] == 10


def test_sweep_figures_are_labelled():
    ts = pd.DataFrame(
        [
            {"strategy": a, "seed": s, "step": t, "adopters": t * (s + 1 + (a == "ads"))}
            for a in ("baseline", "ads")
            for s in range(3)
            for t in range(5)
        ]
    )
    runs = _runs({"baseline": np.array([1.0, 2, 3]), "ads": np.array([3.0, 5, 4])})
    runs["revenue"] = runs["adopters"] * 50
    runs["cpa"] = runs["adopters"] / 10
    runs["profit"] = runs["revenue"] * 0.4
    table = compare(runs, ["strategy"], metrics=["adopters", "revenue", "profit", "cpa"])
    fig = adoption_curves_figure(ts, ["strategy"])
    assert fig.axes[0].get_xlabel() == "day" and "consumers" in fig.axes[0].get_ylabel()
    assert fig.axes[0].get_legend() is not None
    bars = metric_bars_figure(table, ["strategy"])
    assert [a.get_xlabel() for a in bars.axes][1] == "revenue (currency)"
    grid = pd.DataFrame(
        [
            {"x": x, "y": y, "seed": s, "adopters": x * y + s}
            for x in (1, 2)
            for y in (1, 2, 3)
            for s in range(3)
        ]
    )
    gtable = compare(grid, ["x", "y"], metrics=["adopters"], reference={"x": 1})
    assert dose_response_figure(gtable, "x", ["adopters"], group="y").axes[0].get_xlabel() == "x"
    assert len(heatmap_figure(gtable, "x", "y").axes) == 2  # the map and its colour bar


def test_overlapping_seeds_pair_once_per_distinct_arm_and_seed():
    # seed=0,1 replicates=3: each arm runs seeds 0,1,2 and 1,2,3 -> 6 rows, 4 distinct seeds.
    # A many-to-many join on seed would give 1 + 4 + 4 + 1 = 10 pairs.
    rows = [
        {"strategy": arm, "seed": s, "adopters": 100.0 * s + (7 if arm == "ads" else 0) + s**2}
        for arm in ("baseline", "ads")
        for job in (0, 1)
        for s in range(job, job + 3)
    ]
    t = compare(pd.DataFrame(rows), ["strategy"], metrics=["adopters"]).set_index("strategy")
    assert t.loc["ads", "n_pairs"] == 4
    assert t.loc["ads", "n"] == t.loc["baseline", "n"] == 4
    assert t.loc["ads", "lift"] == 7
    assert "2 duplicate runs of the same seed dropped" in t.loc["ads", "note"]
    assert "2 duplicate runs of the same seed dropped" in t.loc["baseline", "note"]
