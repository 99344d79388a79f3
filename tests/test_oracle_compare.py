"""Sweep statistics against hand computations: paired lifts, p-values, Holm, decisions.

p-values come from the textbook formulas (t = mean / (sd / sqrt(n)) on n - 1 degrees of
freedom; the exact signed-rank null distribution), not from the functions under test;
Holm's adjustment is worked by hand; tables are tiny and built so every answer is known.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.analysis.compare import (
    ALPHA,
    MIN_PAIRS,
    Contrast,
    bootstrap_ci,
    compare,
    decide,
    default_reference,
    holm,
    paired_lift,
    unique_runs,
)


def paired_t_pvalue(d: np.ndarray) -> float:
    """Two-sided one-sample t-test of mean(d) = 0, by the formula."""
    d = np.asarray(d, dtype=float)
    t = d.mean() / (d.std(ddof=1) / math.sqrt(d.size))
    return float(2 * stats.t.sf(abs(t), d.size - 1))


# ---------------------------------------------------------------------------- paired lift


def test_paired_lift_matches_the_textbook_tests():
    arm, ref = np.array([3.0, 5.0, 10.0, 7.0]), np.array([1.0, 2.0, 4.0, 8.0])
    d = arm - ref  # 2, 3, 6, -1
    lift = paired_lift(arm, ref, seed=4)
    assert lift.n_pairs == 4 and lift.mean == 2.5 and lift.note == ""
    # t = 2.5 / (sd 2.8868 / 2) = 1.7321 on 3 df
    assert lift.p_ttest == pytest.approx(paired_t_pvalue(d), rel=1e-12)
    assert lift.p_ttest == pytest.approx(0.18169, abs=1e-5)
    # Signed ranks 2, 3, 4, -1: W- = 1; of the 16 equally likely sign patterns, those with
    # min(W+, W-) <= 1 are 4 (W = 0, 1 on either side): p = 4 / 16.
    assert lift.p_wilcoxon == pytest.approx(4 / 16, rel=1e-12)
    assert lift.ci == bootstrap_ci(d, seed=4)


def test_paired_lift_drops_missing_pairs_and_says_why_tests_are_missing():
    nan = float("nan")
    lift = paired_lift(np.array([1.0, nan, 4.0, 9.0]), np.array([0.0, 1.0, nan, 5.0]))
    assert lift.n_pairs == 2 and lift.mean == 2.5  # pairs (1, 0) and (9, 5)
    assert lift.p_ttest == pytest.approx(paired_t_pvalue(np.array([1.0, 4.0])), rel=1e-12)
    # two positive differences: the exact signed-rank p is 2 x (1 / 4)
    assert lift.p_wilcoxon == pytest.approx(0.5, rel=1e-12)
    none = paired_lift(np.array([nan]), np.array([1.0]))
    assert (none.n_pairs, none.mean, none.ci, none.p_ttest, none.p_wilcoxon, none.note) == (
        0, None, None, None, None, "no pairs")
    one = paired_lift(np.array([5.0]), np.array([2.0]))
    assert (one.n_pairs, one.mean, one.ci, one.p_ttest, one.p_wilcoxon, one.note) == (
        1, 3.0, None, None, None, "one pair")
    same = paired_lift(np.array([5.0, 6.0, 9.0]), np.array([2.0, 3.0, 6.0]))
    assert (same.n_pairs, same.mean, same.ci, same.p_ttest, same.p_wilcoxon) == (
        3, 3.0, (3.0, 3.0), None, None)
    assert same.note == "constant difference: no test"
    zero = paired_lift(np.array([5.0, 6.0]), np.array([5.0, 6.0]))
    assert (zero.mean, zero.ci, zero.p_ttest) == (0.0, (0.0, 0.0), None)


def test_paired_lift_seed_reaches_the_bootstrap():
    rng = np.random.default_rng(9)
    a, b = rng.normal(10, 2, 30), rng.normal(9, 2, 30)
    assert paired_lift(a, b).ci == bootstrap_ci(a - b, seed=0)
    assert paired_lift(a, b, seed=6).ci == bootstrap_ci(a - b, seed=6)
    assert paired_lift(a, b, seed=6).ci != paired_lift(a, b, seed=7).ci


# ----------------------------------------------------------------------------- bootstrap


def test_paired_lift_takes_none_as_missing():
    lift = paired_lift([3.0, None, 5.0, 4.0, 9.0], [1.0, 2.0, None, 1.0, 2.0])
    assert lift.n_pairs == 3 and lift.mean == 4.0  # pairs (3, 1), (4, 1), (9, 2)
    assert lift.p_ttest == pytest.approx(paired_t_pvalue([2.0, 3.0, 7.0]), rel=1e-12)


def test_compare_seed_reaches_every_interval_and_text_is_missing():
    rng = np.random.default_rng(9)
    a, b = rng.normal(10, 2, 30), rng.normal(9, 2, 30)
    runs = pd.DataFrame({"strategy": ["baseline"] * 30 + ["ads"] * 30,
                         "seed": list(range(30)) * 2, "adopters": np.concatenate([b, a])})
    row = compare(runs, ["strategy"], metrics=["adopters"], seed=6).set_index("strategy")
    assert (row.loc["ads", "lift_ci_low"], row.loc["ads", "lift_ci_high"]) == (
        bootstrap_ci(a - b, seed=6)) != bootstrap_ci(a - b, seed=0)
    assert (row.loc["ads", "ci_low"], row.loc["ads", "ci_high"]) == (
        bootstrap_ci(a, seed=6)) != bootstrap_ci(a, seed=0)
    # a cell that is not a number (as a CSV may hold) is a missing value, on either side
    runs = runs.astype({"adopters": object})
    runs.loc[[0, 31], "adopters"] = "n/a"  # baseline seed 0, ads seed 1
    row = compare(runs, ["strategy"], metrics=["adopters"]).set_index("strategy")
    assert (row.loc["ads", "defined"], row.loc["ads", "n_pairs"]) == (29, 28)
    assert row.loc["ads", "lift"] == pytest.approx(np.delete(a - b, [0, 1]).mean(), rel=1e-12)


def test_bootstrap_ci_width_follows_the_confidence_level():
    # n = 400 from N(0, 1): the CI of the mean is about mean +- z se, z = 1.96 at 95 %
    # and 0.674 at 50 %; bootstrap widths agree with 2 z se within 15 % (the bootstrap
    # standard error of a 2,000-resample interval end is a few % of the width).
    x = np.random.default_rng(2).normal(0.0, 1.0, 400)
    se = x.std(ddof=1) / 20
    for confidence in (0.95, 0.5):
        low, high = bootstrap_ci(x, confidence=confidence, n_resamples=2000, seed=1)
        z = stats.norm.ppf(0.5 + confidence / 2)
        assert high - low == pytest.approx(2 * z * se, rel=0.15)
        assert low < x.mean() < high
    # the default level is 95 %
    low, high = bootstrap_ci(x, seed=1)
    assert high - low == pytest.approx(2 * 1.96 * se, rel=0.15)


def test_bootstrap_ci_is_seeded_and_sized_as_asked():
    x = np.random.default_rng(9).normal(10, 2, 30)
    assert bootstrap_ci(x) == bootstrap_ci(x, seed=0) == bootstrap_ci(list(x), seed=0)
    assert bootstrap_ci(x, seed=1) != bootstrap_ci(x, seed=2)
    assert bootstrap_ci(x, n_resamples=50, seed=1) != bootstrap_ci(x, seed=1)
    # the same resamples scipy draws for 4,000 resamples from this seed
    expected = stats.bootstrap((x,), np.mean, n_resamples=4000, method="BCa",
                               rng=np.random.default_rng(1)).confidence_interval
    assert bootstrap_ci(x, seed=1) == (expected.low, expected.high)


def test_bootstrap_ci_edges():
    assert bootstrap_ci([]) is None and bootstrap_ci([1.0]) is None
    assert bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0)
    assert bootstrap_ci(np.array([-1, -1])) == (-1.0, -1.0)
    (low, high) = bootstrap_ci([1.0, 3.0])  # two values: the mean of a resample is 1, 2 or 3
    assert 1.0 <= low <= high <= 3.0 and low < high
    # A lumpy sample: a finite interval inside the range of the resampled means.
    low, high = bootstrap_ci([0.0] * 9 + [1.0])
    assert 0.0 <= low <= 0.1 <= high <= 1.0
    assert all(isinstance(v, float) for v in (low, high))


# ----------------------------------------------------------------------- the long table


def runs_table() -> pd.DataFrame:
    # baseline and ads on seeds 0..2; ads misses time_to_50pct on seed 2.
    return pd.DataFrame({
        "strategy": ["baseline"] * 3 + ["ads"] * 3,
        "seed": [0, 1, 2, 0, 1, 2],
        "adopters": [100.0, 110.0, 90.0, 130.0, 150.0, 110.0],
        "time_to_50pct": [40.0, 50.0, 60.0, 30.0, 35.0, None],
    })


def test_compare_table_by_hand():
    t = compare(runs_table(), ["strategy"], metrics=["adopters", "time_to_50pct"], seed=3)
    assert list(t.columns) == [
        "strategy", "metric", "n", "defined", "mean", "std", "ci_low", "ci_high", "lift",
        "lift_ci_low", "lift_ci_high", "n_pairs", "p_ttest", "p_wilcoxon", "is_reference",
        "note",
    ]
    assert t["strategy"].tolist() == ["ads", "ads", "baseline", "baseline"]  # sorted arms
    assert t["metric"].tolist() == ["adopters", "time_to_50pct"] * 2
    t = t.set_index(["strategy", "metric"])
    ads = t.loc[("ads", "adopters")]
    assert (ads["n"], ads["defined"], ads["mean"]) == (3, 3, 130.0)
    assert ads["std"] == pytest.approx(20.0, rel=1e-12)  # 130 +- 20, ddof 1
    assert (ads["ci_low"], ads["ci_high"]) == bootstrap_ci([130.0, 150.0, 110.0], seed=3)
    d = np.array([30.0, 40.0, 20.0])
    assert ads["lift"] == 30.0 and ads["n_pairs"] == 3
    assert ads["p_ttest"] == pytest.approx(paired_t_pvalue(d), rel=1e-12)
    assert ads["p_wilcoxon"] == pytest.approx(2 / 8, rel=1e-12)  # all 3 signs positive
    assert (ads["lift_ci_low"], ads["lift_ci_high"]) == bootstrap_ci(d, seed=3)
    assert ads["note"] == f"only 3 pairs: too few for a claim (need {MIN_PAIRS})"
    assert not ads["is_reference"]
    t50 = t.loc[("ads", "time_to_50pct")]
    assert (t50["n"], t50["defined"], t50["mean"], t50["n_pairs"]) == (3, 2, 32.5, 2)
    assert t50["lift"] == -12.5  # seeds 0 and 1: 30 - 40, 35 - 50
    assert t50["std"] == pytest.approx(math.sqrt(12.5), rel=1e-12)  # 30, 35
    base = t.loc[("baseline", "adopters")]
    assert base["is_reference"] and pd.isna(base["lift"]) and base["note"] == ""
    assert pd.isna(base["n_pairs"]) and pd.isna(base["p_ttest"])
    assert (base["mean"], base["std"]) == (100.0, 10.0)


def test_compare_notes_join_and_single_runs():
    runs = pd.DataFrame({"strategy": ["baseline", "ads"], "seed": [0, 0],
                         "adopters": [10.0, 15.0]})
    t = compare(runs, ["strategy"], metrics=["adopters"]).set_index("strategy")
    assert t.loc["ads", "note"] == f"one pair; only 1 pairs: too few for a claim (need {MIN_PAIRS})"
    assert pd.isna(t.loc["ads", "std"]) and pd.isna(t.loc["ads", "ci_low"])
    assert pd.isna(t.loc["ads", "lift_ci_low"]) and pd.isna(t.loc["ads", "lift_ci_high"])
    assert t.loc["ads", "lift"] == 5.0 and t.loc["ads", "n_pairs"] == 1


def test_exactly_min_pairs_carry_no_warning():
    base = np.array([1.0, 4.0, 2.0, 8.0, 5.0, 7.0])
    diffs = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0])
    for n in (MIN_PAIRS - 1, MIN_PAIRS):
        runs = pd.DataFrame({"strategy": ["baseline"] * n + ["ads"] * n,
                             "seed": list(range(n)) * 2,
                             "adopters": np.concatenate([base[:n], base[:n] + diffs[:n]])})
        row = compare(runs, ["strategy"], metrics=["adopters"]).set_index("strategy").loc["ads"]
        assert row["n_pairs"] == n
        assert row["p_ttest"] == pytest.approx(paired_t_pvalue(diffs[:n]), rel=1e-12)
        too_few = f"only {n} pairs: too few for a claim (need {MIN_PAIRS})"
        assert row["note"] == (too_few if n < MIN_PAIRS else "")


def test_compare_pairs_on_another_column_and_uses_the_seed_argument():
    runs = runs_table().rename(columns={"seed": "replicate"})
    t = compare(runs, ["strategy"], metrics=["adopters"], pair_on="replicate", seed=5)
    ads = t.set_index("strategy").loc["ads"]
    assert ads["n_pairs"] == 3
    assert (ads["lift_ci_low"], ads["lift_ci_high"]) == bootstrap_ci([30.0, 40.0, 20.0], seed=5)
    assert (ads["ci_low"], ads["ci_high"]) == bootstrap_ci([130.0, 150.0, 110.0], seed=5)


def test_compare_edges_by_hand():
    nan = float("nan")
    rng = np.random.default_rng(5)
    runs = pd.DataFrame({
        "strategy": ["baseline"] * 30 + ["ads"] * 30 + ["tiny"] * 2,
        "seed": list(range(30)) * 2 + [0, 1],
        "adopters": np.concatenate([rng.normal(100, 10, 60), [4.0, 7.0]]),
        # undefined for every ads run; an empty text cell (as read from a CSV) is missing
        "time_to_50pct": [40.0] * 29 + [""] + [nan] * 30 + [30.0, 31.0],
    })
    t = compare(runs, ["strategy"], metrics=["adopters", "time_to_50pct"])
    t = t.set_index(["strategy", "metric"])
    ads = runs[runs["strategy"] == "ads"]["adopters"].to_numpy()
    assert (t.loc[("ads", "adopters"), "ci_low"],
            t.loc[("ads", "adopters"), "ci_high"]) == bootstrap_ci(ads, seed=0)
    assert t.loc[("ads", "adopters"), "note"] == ""  # enough pairs, nothing dropped
    assert t.loc[("tiny", "adopters"), "std"] == pytest.approx(3 / math.sqrt(2), rel=1e-12)
    none = t.loc[("ads", "time_to_50pct")]
    assert (none["defined"], none["n_pairs"]) == (0, 0)
    assert pd.isna(none["mean"]) and pd.isna(none["std"]) and none["note"] == "no pairs"
    assert t.loc[("baseline", "time_to_50pct"), "defined"] == 29


def test_compare_against_a_chosen_reference_and_a_missing_level():
    runs = runs_table()
    runs.loc[runs["strategy"] == "ads", "strategy"] = None  # e.g. a budget left unset
    t = compare(runs, ["strategy"], metrics=["adopters"], reference={"strategy": "baseline"})
    assert len(t) == 2 and t["strategy"].isna().sum() == 1
    assert t[t["strategy"].isna()]["lift"].item() == 30.0
    back = compare(runs_table(), ["strategy"], metrics=["adopters"],
                   reference={"strategy": "ads"}).set_index("strategy")
    assert back.loc["baseline", "lift"] == -30.0 and back.loc["ads", "is_reference"]
    assert not back.loc["baseline", "is_reference"]


def test_compare_without_factors_has_no_lift():
    t = compare(runs_table(), [], metrics=["adopters"])
    # one arm of 6 rows, but seeds 0..2 appear twice: each seed counted once
    assert len(t) == 1 and t.loc[0, "n"] == 3 and t.loc[0, "mean"] == 100.0
    assert pd.isna(t.loc[0, "lift"]) and not t.loc[0, "is_reference"]
    assert t.loc[0, "note"].startswith("3 duplicate runs of the same seed dropped")


def test_compare_two_factors_pairs_within_the_other_factors_level():
    # adopters = 100 (good product) + 10 x incentive + seed^2: the lift over incentive 0
    # is 10 x incentive in each product, exactly (the seed term cancels in each pair).
    rows = [
        {"incentive": inc, "product": prod, "seed": s,
         "adopters": 100.0 * (prod == "good") + 10 * inc + s * s + (inc == 2) * (s % 2)}
        for inc in (0, 1, 2) for prod in ("good", "poor") for s in range(6)
    ]
    t = compare(pd.DataFrame(rows), ["incentive", "product"], metrics=["adopters"],
                reference={"incentive": 0}).set_index(["incentive", "product"])
    assert t.loc[(1, "good"), "lift"] == 10 and t.loc[(1, "poor"), "lift"] == 10
    assert t.loc[(2, "poor"), "lift"] == 20.5 and t.loc[(2, "poor"), "n_pairs"] == 6
    assert t.loc[(0, "good"), "is_reference"] and t.loc[(0, "poor"), "is_reference"]
    d = np.array([20.0, 21.0] * 3)
    assert t.loc[(2, "good"), "p_ttest"] == pytest.approx(paired_t_pvalue(d), rel=1e-12)


def test_default_reference():
    runs = pd.DataFrame({"strategy": ["ads", "baseline"], "k": [20, 5], "mix": [1, "a"]})
    assert default_reference(runs, []) == {}
    assert default_reference(runs, ["strategy", "k"]) == {"strategy": "baseline"}
    assert default_reference(runs, ["k", "strategy"]) == {"k": 5}
    assert default_reference(runs.assign(strategy=["ads", "referral"]), ["strategy"]) == {
        "strategy": "ads"}
    assert default_reference(runs, ["mix"]) == {"mix": 1}  # mixed types sort as text
    assert default_reference(runs.assign(k=[None, 7]), ["k"]) == {"k": 7}  # missing skipped
    # "baseline" is special only for the strategy factor
    assert default_reference(pd.DataFrame({"arm": ["x", "baseline"]}), ["arm"]) == {
        "arm": "baseline"}
    assert default_reference(pd.DataFrame({"arm": ["x", "zz", "baseline"]}), ["arm"]) == {
        "arm": "baseline"}
    assert default_reference(pd.DataFrame({"arm": ["x", "zz", "c"]}), ["arm"]) == {"arm": "c"}


# ------------------------------------------------------------- overlapping seeds, pairs


def overlapping_sweep(effect: float = 7.0) -> pd.DataFrame:
    """``seed=0,1 replicates=3``: job 0 runs seeds 0, 1, 2 and job 1 seeds 1, 2, 3."""
    return pd.DataFrame([
        {"strategy": arm, "job": job, "seed": s,
         "adopters": 100.0 * s + s**2 + (effect + s % 2 if arm == "ads" else 0.0)}
        for arm in ("baseline", "ads") for job in (0, 1) for s in range(job, job + 3)
    ])


def test_unique_runs_keeps_the_first_of_each_arm_and_seed():
    runs = pd.DataFrame({
        "strategy": ["ads", "ads", "ads", None, None, "baseline"],
        "seed": [1, 1, 1, 2, 2, 1],
        "job": ["a", "b", "c", "d", "e", "f"],  # different jobs, same (arm, seed)
    })
    kept, dropped = unique_runs(runs, ["strategy"])
    assert kept["job"].tolist() == ["a", "d", "f"]
    assert dropped.pop(("ads",)) == 2
    ((missing, count),) = dropped.items()  # the arm without a strategy value (NaN)
    assert len(missing) == 1 and pd.isna(missing[0]) and count == 1
    kept, dropped = unique_runs(runs, [])
    assert kept["job"].tolist() == ["a", "d"] and dropped == {(): 4}
    assert unique_runs(runs.iloc[[0, 3, 5]], ["strategy"])[1] == {}
    assert unique_runs(runs.iloc[[0, 3]], [])[1] == {}
    two, dropped = unique_runs(runs.assign(k=[1, 1, 2, 1, 1, 1]), ["strategy", "k"])
    assert two["job"].tolist() == ["a", "c", "d", "f"] and dropped[("ads", 1)] == 1
    by_job, dropped = unique_runs(runs, ["strategy"], pair_on="job")
    assert len(by_job) == 6 and dropped == {}


def test_overlapping_seeds_give_one_pair_per_distinct_arm_and_seed():
    runs = overlapping_sweep()
    distinct = runs.drop_duplicates(["strategy", "seed"])
    assert len(runs) == 12 and len(distinct) == 8  # 4 distinct seeds per arm
    # A many-to-many join on the seed would pair 1 + 4 + 4 + 1 = 10 times per arm.
    assert len(runs[runs.strategy == "ads"].merge(runs[runs.strategy == "baseline"],
                                                 on="seed")) == 10
    t = compare(runs, ["strategy"], metrics=["adopters"]).set_index("strategy")
    assert t.loc["ads", "n_pairs"] == 4 == len(distinct[distinct.strategy == "ads"])
    assert t.loc["ads", "n"] == t.loc["baseline", "n"] == 4
    d = np.array([7.0, 8.0, 7.0, 8.0])  # seeds 0..3
    assert t.loc["ads", "lift"] == 7.5
    assert t.loc["ads", "p_ttest"] == pytest.approx(paired_t_pvalue(d), rel=1e-12)
    dup = "2 duplicate runs of the same seed dropped (overlapping seeds): each seed counted once"
    assert t.loc["ads", "note"] == (
        f"{dup}; only 4 pairs: too few for a claim (need {MIN_PAIRS})")
    assert t.loc["baseline", "note"] == dup
    (decision,) = decide(runs, ["strategy"], "adopters")
    assert [c.n_pairs for c in decision.contrasts] == [4]
    assert decision.contrasts[0].p == pytest.approx(paired_t_pvalue(d), rel=1e-12)


def test_notes_join_duplicates_and_lift_notes():
    # Five distinct seeds per arm (enough pairs), seed 0 run twice in each arm, and a
    # constant difference of 2.
    runs = pd.DataFrame({"strategy": ["baseline"] * 6 + ["ads"] * 6,
                         "seed": [0, 0, 1, 2, 3, 4] * 2,
                         "adopters": [1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 3.0, 3.0, 4.0, 5.0, 6.0, 7.0]})
    t = compare(runs, ["strategy"], metrics=["adopters"]).set_index("strategy")
    dup = "1 duplicate runs of the same seed dropped (overlapping seeds): each seed counted once"
    assert t.loc["ads", "note"] == f"{dup}; constant difference: no test"
    assert t.loc["baseline", "note"] == dup
    assert t.loc["ads", "n_pairs"] == MIN_PAIRS and t.loc["ads", "n"] == 5


# ---------------------------------------------------------------------------------- Holm


def test_holm_by_hand():
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04; running
    # maximum -> 0.02, 0.03, 0.06, 0.06; back in input order:
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # 1.0 (capped) then max(1.0, 0.9)
    assert holm([0.3, 0.2]) == pytest.approx([0.4, 0.4])  # 0.2 x 2 = 0.4, max(0.4, 0.3)
    assert holm([0.04]) == pytest.approx([0.04])  # one test: no correction
    assert holm([]) == []
    # ties: both get the larger factor's running maximum
    assert holm([0.01, 0.01, 0.2]) == pytest.approx([0.03, 0.03, 0.2])
    # 0.02 x 3 = 0.06 rejects nothing at 0.05, though 0.02 alone would
    adjusted = holm([0.02, 0.025, 0.5])
    assert adjusted == pytest.approx([0.06, 0.06, 0.5])
    assert isinstance(adjusted, list)


def test_holm_agrees_with_the_step_down_definition():
    # Holm's procedure by its definition: reject the k-th smallest p while
    # p_(k) <= alpha / (m - k + 1); the adjusted p is the smallest alpha that rejects.
    rng = np.random.default_rng(3)
    for _ in range(20):
        p = rng.uniform(0, 0.2, rng.integers(1, 7))
        m = p.size
        order = np.argsort(p)
        expected = np.empty(m)
        running = 0.0
        for k, i in enumerate(order):
            running = max(running, (m - k) * p[i])
            expected[i] = min(running, 1.0)
        assert holm(p.tolist()) == pytest.approx(expected.tolist(), rel=1e-12)


# -------------------------------------------------------------------------------- decide


BASE8 = np.array([1000.0, 1300.0, 900.0, 1700.0, 1100.0, 800.0, 1500.0, 1200.0])


def arms_table(diffs: dict[str, list[float]], objective: str = "profit", **extra):
    """Runs whose objective is a shared per-seed base plus each arm's per-seed offset."""
    return pd.DataFrame([
        {"strategy": arm, "seed": s, objective: BASE8[s] + off, **extra}
        for arm, offs in diffs.items() for s, off in enumerate(offs)
    ])


def test_decide_by_hand_clear_winner():
    # best - a: 10, 12, 9, 11, 13 ; best - b: 3, 5, 2, 6, 4 (both clearly positive)
    runs = arms_table({
        "b": [0.0, 0.0, 0.0, 0.0, 0.0],
        "best": [3.0, 5.0, 2.0, 6.0, 4.0],
        "a": [-7.0, -7.0, -7.0, -5.0, -9.0],
    })
    (d,) = decide(runs, ["strategy"], "profit")
    assert d.scenario == {} and d.objective == "profit" and d.best == "best"
    base_mean = np.mean([1000.0, 1300.0, 900.0, 1700.0, 1100.0])
    assert list(d.means) == ["best", "b", "a"]
    assert d.means["best"] == pytest.approx(base_mean + 4.0)
    assert d.means["a"] == pytest.approx(base_mean - 7.0)
    c_b, c_a = d.contrasts
    assert (c_b.arm, c_b.n_pairs, c_b.diff) == ("b", 5, 4.0)
    assert (c_a.arm, c_a.n_pairs, c_a.diff) == ("a", 5, 11.0)
    p_b = paired_t_pvalue([3.0, 5.0, 2.0, 6.0, 4.0])
    p_a = paired_t_pvalue([10.0, 12.0, 9.0, 11.0, 13.0])
    assert c_b.p == pytest.approx(p_b, rel=1e-12) and c_a.p == pytest.approx(p_a, rel=1e-12)
    # Holm over 2: the smaller p (a's) x 2, the larger x 1 but not below the first
    assert p_a < p_b
    assert c_a.p_holm == pytest.approx(2 * p_a, rel=1e-12)
    assert c_b.p_holm == pytest.approx(max(p_b, 2 * p_a), rel=1e-12)
    assert c_b.ci == bootstrap_ci([3.0, 5.0, 2.0, 6.0, 4.0], seed=0)
    assert d.clear and d.leaders == ["best"]


def test_decide_holm_makes_the_difference():
    # best - a: p = 0.0474 alone, best - b: p = 0.0312 alone; both < 0.05, but Holm over
    # 2 comparisons gives 2 x 0.0312 = 0.0625 for b and max(0.0474, 0.0625) for a.
    da, db = np.array([1.0, 2.0, 3.0, 4.0, 0.0]), np.array([2.0, 3.0, 4.0, 5.0, 0.0])
    p_a, p_b = paired_t_pvalue(da), paired_t_pvalue(db)
    assert p_b < p_a < ALPHA < 2 * p_b
    runs = arms_table({"best": [10.0] * 5, "a": list(10.0 - da), "b": list(10.0 - db)})
    (d,) = decide(runs, ["strategy"], "profit")
    c_a, c_b = d.contrasts
    assert (c_a.arm, c_a.diff, c_b.arm, c_b.diff) == ("a", 2.0, "b", 2.8)
    assert c_a.p == pytest.approx(p_a, rel=1e-12) and c_b.p == pytest.approx(p_b, rel=1e-12)
    assert c_b.p_holm == pytest.approx(2 * p_b, rel=1e-12)
    assert c_a.p_holm == pytest.approx(2 * p_b, rel=1e-12)  # the running maximum
    assert not d.clear and d.leaders == ["best", "a", "b"]
    # at a family-wise alpha of 0.1 the same data give a clear winner
    at_10 = decide(runs, ["strategy"], "profit", alpha=0.1)[0]
    assert at_10.clear and at_10.leaders == ["best"]
    # alpha is a strict bound: an adjusted p equal to it does not reject
    (at,) = decide(runs, ["strategy"], "profit", alpha=c_a.p_holm)
    assert not at.clear and at.leaders == ["best", "a", "b"]
    # b alone against best: one comparison, no correction, p_b < 0.05: clear
    alone = decide(runs[runs["strategy"] != "a"], ["strategy"], "profit")[0]
    assert alone.contrasts[0].p_holm == pytest.approx(p_b, rel=1e-12) and alone.clear


def test_decide_needs_min_pairs_for_a_clear_winner():
    # The same clear differences over MIN_PAIRS - 1 and MIN_PAIRS seeds.
    offsets = [50.0, 52.0, 49.0, 51.0, 53.0, 50.0]
    for n in (MIN_PAIRS - 1, MIN_PAIRS):
        runs = arms_table({"best": offsets[:n], "other": [0.0] * n})
        (d,) = decide(runs, ["strategy"], "profit")
        assert d.contrasts[0].n_pairs == n and d.contrasts[0].p_holm < ALPHA
        assert d.clear == (n >= MIN_PAIRS)
        assert d.leaders == (["best"] if n >= MIN_PAIRS else ["best", "other"])


def test_decide_constant_differences_and_ties():
    # best - x is 5 in every pair: no variance, p = 0 by definition, a clear win.
    runs = arms_table({"best": [5.0] * 6, "x": [0.0] * 6})
    (d,) = decide(runs, ["strategy"], "profit")
    assert d.contrasts[0].p == 0.0 and d.contrasts[0].p_holm == 0.0 and d.clear
    assert d.contrasts[0].ci == (5.0, 5.0)
    # Two identical arms: difference 0 everywhere, no test, no winner, both lead.
    same = arms_table({"x": [0.0] * 6, "y": [0.0] * 6})
    (d,) = decide(same, ["strategy"], "profit")
    c = d.contrasts[0]
    assert c.p is None and c.p_holm is None and c.diff == 0.0
    assert not d.clear and d.leaders == ["x", "y"]
    # One seed: no test either.
    (one,) = decide(arms_table({"a": [5.0], "b": [0.0]}), ["strategy"], "profit")
    assert (one.contrasts[0].n_pairs, one.contrasts[0].p, one.contrasts[0].ci) == (1, None, None)
    assert not one.clear and one.leaders == ["a", "b"]


def test_decide_best_must_win_on_the_pairs_too():
    # best has the highest mean over its 7 seeds because of two seeds the other arm never
    # ran; on the 5 shared seeds it is significantly lower: no clear winner.
    runs = pd.concat([
        arms_table({"best": [0.0, 0.0, 0.0, 0.0, 0.0, 5000.0, 5000.0]}),
        arms_table({"other": [3.0, 4.0, 5.0, 3.0, 4.0]}),
    ])
    (d,) = decide(runs, ["strategy"], "profit")
    c = d.contrasts[0]
    assert d.best == "best" and c.n_pairs == 5 and c.diff == pytest.approx(-3.8)
    assert c.p_holm < ALPHA
    assert not d.clear and d.leaders == ["best"]  # beaten, but the wrong way round


def test_decide_single_arm_text_values_and_no_factors():
    (d,) = decide(arms_table({"only": [0.0] * 5}), ["strategy"], "profit")
    assert d.contrasts == [] and not d.clear and d.leaders == ["only"]
    assert decide(arms_table({"a": [1.0] * 5, "b": [0.0] * 5}), [], "profit") == []
    # numbers read back from a CSV as text count as numbers; an empty cell is missing
    runs = arms_table({"a": [5.0] * 5, "b": [0.0] * 5}).astype({"profit": str})
    runs.loc[0, "profit"] = ""
    (d,) = decide(runs, ["strategy"], "profit")
    assert d.contrasts[0].n_pairs == 4 and d.contrasts[0].diff == 5.0 and not d.clear


def test_decide_per_scenario_and_objective():
    rows = []
    for product, sign in (("good", 1.0), ("poor", -1.0)):
        runs = arms_table({"baseline": [0.0] * 5, "x": [sign * 40.0 + k for k in range(5)]},
                          objective="adopters")
        rows.append(runs.assign(product=product, profit=-runs["adopters"]))
    runs = pd.concat(rows)
    good, poor = decide(runs, ["strategy", "product"], "adopters")
    assert good.scenario == {"product": "good"} and poor.scenario == {"product": "poor"}
    assert good.objective == "adopters"
    assert good.best == "x" and good.clear and good.contrasts[0].diff == 42.0
    assert poor.best == "baseline" and poor.clear and poor.contrasts[0].diff == 38.0
    by_profit = decide(runs, ["strategy", "product"], "profit")
    assert [d.best for d in by_profit] == ["baseline", "x"]
    # every scenario where the objective is undefined in all runs is skipped
    runs.loc[runs["product"] == "poor", "adopters"] = float("nan")
    assert [d.scenario for d in decide(runs, ["strategy", "product"], "adopters")] == [
        {"product": "good"}]


def test_decide_counts_overlapping_seeds_once_and_uses_the_seed():
    runs = overlapping_sweep(effect=70.0)
    other = pd.concat([runs, runs.assign(seed=runs["seed"] + 10)])  # 8 distinct seeds
    (d,) = decide(other, ["strategy"], "adopters", seed=4)
    c = d.contrasts[0]
    diffs = np.array([70.0, 71.0, 70.0, 71.0] * 2)
    assert c.n_pairs == 8 and c.diff == 70.5
    assert c.ci == bootstrap_ci(diffs, seed=4)
    assert c.p == pytest.approx(paired_t_pvalue(diffs), rel=1e-12)
    replicate = other.rename(columns={"seed": "rep"})
    assert decide(replicate, ["strategy"], "adopters", pair_on="rep")[0].contrasts[0].n_pairs == 8


def test_decide_two_pairs_are_tested_and_the_seed_reaches_the_interval():
    # Two pairs with different differences: a t-test on 1 degree of freedom.
    (d,) = decide(arms_table({"a": [3.0, 7.0], "b": [0.0, 1.0]}), ["strategy"], "profit")
    assert d.contrasts[0].p == pytest.approx(paired_t_pvalue([3.0, 6.0]), rel=1e-12)
    # A continuous sample: intervals from different resampling seeds differ.
    offsets = np.random.default_rng(11).normal(50.0, 10.0, 8)
    runs = arms_table({"a": list(offsets), "b": [0.0] * 8})
    diffs = (BASE8 + offsets) - BASE8  # as the table holds them, to the last bit
    c = decide(runs, ["strategy"], "profit", seed=4)[0].contrasts[0]
    assert c.ci == bootstrap_ci(diffs, seed=4) != bootstrap_ci(diffs, seed=0)
    assert decide(runs, ["strategy"], "profit")[0].contrasts[0].ci == bootstrap_ci(diffs, seed=0)


def test_decide_arms_without_shared_seeds_have_no_contrast():
    runs = pd.concat([arms_table({"a": [500.0, 500.0, 500.0]}),
                      arms_table({"b": [0.0] * 6}).query("seed >= 3")])
    (d,) = decide(runs, ["strategy"], "profit")
    c = d.contrasts[0]
    assert (c.arm, c.n_pairs, c.ci, c.p, c.p_holm) == ("b", 0, None, None, None)
    assert math.isnan(c.diff) and not d.clear and d.leaders == ["a", "b"]


def test_decide_a_small_constant_win_is_clear():
    # 0.5 more profit in every one of 5 pairs: no variance, p = 0, a clear (if small) win.
    (d,) = decide(arms_table({"a": [0.5] * 5, "b": [0.0] * 5}), ["strategy"], "profit")
    assert d.contrasts[0].diff == 0.5 and d.clear and d.leaders == ["a"]


def test_decide_scenarios_sorted_missing_levels_kept_empty_ones_skipped():
    def scenario(product, sign):
        runs = arms_table({"baseline": [0.0] * 5, "x": [sign * 40.0 + k for k in range(5)]})
        return runs.assign(product=product)

    # listed poor, None, good: decided in sorted order, the missing level last
    runs = pd.concat([scenario("poor", -1.0), scenario(None, 1.0), scenario("good", 1.0)])
    decisions = decide(runs, ["strategy", "product"], "profit")
    assert [d.scenario["product"] for d in decisions[:2]] == ["good", "poor"]
    assert len(decisions) == 3 and pd.isna(decisions[2].scenario["product"])
    assert [d.best for d in decisions] == ["x", "baseline", "x"]
    # a scenario whose objective is undefined everywhere is skipped, not the end of the list
    runs.loc[runs["product"] == "good", "profit"] = float("nan")
    assert [d.scenario["product"] for d in decide(runs, ["strategy", "product"],
                                                  "profit")[:1]] == ["poor"]
    # a cell that is not a number is missing
    text = arms_table({"a": [5.0] * 6, "b": [0.0] * 6}).astype({"profit": object})
    text.loc[0, "profit"] = "n/a"
    assert decide(text, ["strategy"], "profit")[0].contrasts[0].n_pairs == 5


def test_holm_caps_at_one():
    assert holm([0.6, 0.9]) == [1.0, 1.0]  # 0.6 x 2 = 1.2 is capped; 0.9 -> max(1.0, 0.9)
    assert holm([0.7]) == [0.7]


def test_contrast_fields():
    c = Contrast("a", 3, 1.5, (1.0, 2.0), 0.04, 0.08)
    assert (c.arm, c.n_pairs, c.diff, c.ci, c.p, c.p_holm) == ("a", 3, 1.5, (1.0, 2.0), 0.04, 0.08)
