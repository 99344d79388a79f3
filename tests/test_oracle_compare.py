"""Sweep statistics against hand computations: paired lifts, p-values, notes, formatting.

p-values come from the textbook formulas (t = mean / (sd / sqrt(n)) on n - 1 degrees of
freedom; the exact signed-rank null distribution), not from the functions under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.compare import (
    MIN_PAIRS,
    bootstrap_ci,
    compare,
    default_reference,
    fmt_number,
    headline,
    paired_lift,
    unique_runs,
    wide_table,
)


def paired_t_pvalue(d: np.ndarray) -> float:
    t = d.mean() / (d.std(ddof=1) / math.sqrt(d.size))
    return 2 * stats.t.sf(abs(t), d.size - 1)


@pytest.mark.parametrize(("x", "kwargs", "text"), [
    (None, {}, "n/a"),
    (float("nan"), {}, "n/a"),
    (1234.56, {}, "1,235"),
    (-150.4, {}, "-150"),
    (100.0, {}, "100"),
    (99.5, {}, "99.50"),
    (12.3456, {}, "12.35"),
    (1.0, {}, "1.00"),
    (0.98765, {}, "0.988"),
    (5.5, {"signed": True}, "+5.50"),
    (-250.0, {"signed": True}, "-250"),
    (3.14159, {"digits": 1}, "3.1"),
    (2500.0, {"signed": True, "digits": 1}, "+2,500.0"),
])
def test_fmt_number(x, kwargs, text):
    assert fmt_number(x, **kwargs) == text


def test_paired_lift_matches_the_textbook_tests():
    arm, ref = np.array([3.0, 5.0, 10.0, 7.0]), np.array([1.0, 2.0, 4.0, 8.0])
    d = arm - ref  # 2, 3, 6, -1
    lift = paired_lift(arm, ref, seed=4)
    assert lift.n_pairs == 4 and lift.mean == 2.5 and lift.note == ""
    assert lift.p_ttest == pytest.approx(paired_t_pvalue(d), rel=1e-12)
    # Signed ranks 2, 3, 4, -1: W- = 1; of the 16 equally likely sign patterns, those with
    # min(W+, W-) <= 1 are 4 (W = 0, 1 on either side): p = 4 / 16.
    assert lift.p_wilcoxon == pytest.approx(4 / 16, rel=1e-12)
    assert lift.ci == bootstrap_ci(d, seed=4)


def test_paired_lift_drops_missing_pairs_and_says_why_tests_are_missing():
    nan = float("nan")
    lift = paired_lift(np.array([1.0, nan, 4.0, 9.0]), np.array([0.0, 1.0, nan, 5.0]))
    assert lift.n_pairs == 2 and lift.mean == 2.5  # pairs (1, 0) and (9, 5)
    assert lift.p_ttest == pytest.approx(paired_t_pvalue(np.array([1.0, 4.0])), rel=1e-12)
    assert paired_lift(np.array([nan]), np.array([1.0])) == (
        paired_lift(np.array([]), np.array([])))
    none = paired_lift(np.array([nan]), np.array([1.0]))
    assert (none.n_pairs, none.mean, none.ci, none.note) == (0, None, None, "no pairs")
    one = paired_lift(np.array([5.0]), np.array([2.0]))
    assert (one.n_pairs, one.mean, one.ci, one.p_ttest, one.note) == (1, 3.0, None, None,
                                                                     "one pair")
    same = paired_lift(np.array([5.0, 6.0]), np.array([2.0, 3.0]))
    assert (same.mean, same.ci, same.p_ttest, same.p_wilcoxon) == (3.0, (3.0, 3.0), None, None)
    assert same.note == "constant difference: no test"


def test_bootstrap_ci_width_follows_the_confidence_level():
    # n = 400 from N(0, 1): the CI of the mean is about mean +- z se, z = 1.96 at 95 %
    # and 0.674 at 50 %; bootstrap widths agree with 2 z se within 15 %.
    x = np.random.default_rng(2).normal(0.0, 1.0, 400)
    se = x.std(ddof=1) / 20
    for confidence in (0.95, 0.5):
        low, high = bootstrap_ci(x, confidence=confidence, n_resamples=2000, seed=1)
        z = stats.norm.ppf(0.5 + confidence / 2)
        assert high - low == pytest.approx(2 * z * se, rel=0.15)
        assert low < x.mean() < high
    assert bootstrap_ci(x, seed=1) != bootstrap_ci(x, seed=2)
    # A lumpy sample where BCa is undefined still gets a finite (percentile) interval.
    low, high = bootstrap_ci([0.0] * 9 + [1.0], seed=0)
    assert 0.0 <= low <= 0.1 <= high <= 1.0


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
    base = t.loc[("baseline", "adopters")]
    assert base["is_reference"] and pd.isna(base["lift"]) and base["note"] == ""
    assert (base["mean"], base["std"]) == (100.0, 10.0)


def test_compare_notes_join_and_single_runs():
    runs = pd.DataFrame({"strategy": ["baseline", "ads"], "seed": [0, 0],
                         "adopters": [10.0, 15.0]})
    t = compare(runs, ["strategy"], metrics=["adopters"]).set_index("strategy")
    assert t.loc["ads", "note"] == f"one pair; only 1 pairs: too few for a claim (need {MIN_PAIRS})"
    assert pd.isna(t.loc["ads", "std"]) and pd.isna(t.loc["ads", "ci_low"])
    assert t.loc["ads", "lift"] == 5.0


def test_compare_pairs_on_another_column():
    runs = runs_table().rename(columns={"seed": "replicate"})
    t = compare(runs, ["strategy"], metrics=["adopters"], pair_on="replicate")
    assert t.set_index("strategy").loc["ads", "n_pairs"] == 3


def test_default_reference():
    runs = pd.DataFrame({"strategy": ["ads", "baseline"], "k": [20, 5], "mix": [1, "a"]})
    assert default_reference(runs, []) == {}
    assert default_reference(runs, ["strategy", "k"]) == {"strategy": "baseline"}
    assert default_reference(runs, ["k", "strategy"]) == {"k": 5}
    assert default_reference(runs.assign(strategy=["ads", "referral"]), ["strategy"]) == {
        "strategy": "ads"}
    assert default_reference(runs, ["mix"]) == {"mix": 1}  # mixed types sort as text


def test_headline_sentences():
    t = compare(runs_table(), ["strategy"], metrics=["adopters"], seed=3)
    low, high = bootstrap_ci(np.array([30.0, 40.0, 20.0]), seed=3)
    p = paired_t_pvalue(np.array([30.0, 40.0, 20.0]))
    assert headline(t, ["strategy"], context="at equal budget") == (
        f"ads: +30.00 adopters (95% CI {fmt_number(low, True)} to {fmt_number(high, True)}) "
        f"over baseline at equal budget (3 seed-matched pairs, paired t-test p = {p:.3f}). "
        f"Too few replicates for a claim: need at least {MIN_PAIRS} pairs.")
    assert headline(t, ["strategy"], metric="spend") == "No paired lift in spend to report."
    # Many clear pairs: p < 0.001, and no warning.
    base = np.arange(20.0)
    many = pd.DataFrame({"strategy": ["baseline"] * 20 + ["ads"] * 20,
                         "seed": list(range(20)) * 2,
                         "adopters": np.concatenate([base, base + 100 + base % 3])})
    line = headline(compare(many, ["strategy"], metrics=["adopters"]), ["strategy"],
                    unit="buyers", reference_label="no ads")
    low, high = bootstrap_ci(base % 3 + 100)
    assert line == (f"ads: +101 buyers (95% CI {fmt_number(low, True)} to "
                    f"{fmt_number(high, True)}) over no ads (20 seed-matched pairs, "
                    "paired t-test p < 0.001).")
    # A lift whose CI straddles zero says so; constant differences have no test.
    noisy = many.assign(adopters=np.concatenate([base, base + np.tile([5.0, -6.0], 10)]))
    noisy_line = headline(compare(noisy, ["strategy"], metrics=["adopters"]), ["strategy"])
    assert noisy_line.startswith("ads: -0.500 adopters (95% CI ")
    assert noisy_line.endswith("The CI includes zero: no clear difference.")
    const = many.assign(adopters=np.concatenate([base, base + 7]))
    assert "(20 seed-matched pairs, paired t-test no test)." in headline(
        compare(const, ["strategy"], metrics=["adopters"]), ["strategy"])


def one_lift(lift=3.0, low=1.0, high=5.0, n_pairs=5, p=0.02) -> pd.DataFrame:
    """A comparison table by hand: the reference and one arm with this lift."""
    return pd.DataFrame({
        "strategy": ["baseline", "ads"], "metric": ["adopters"] * 2, "lift": [None, lift],
        "lift_ci_low": [None, low], "lift_ci_high": [None, high], "n_pairs": [None, n_pairs],
        "p_ttest": [None, p],
    })


@pytest.mark.parametrize(("table", "end"), [
    (one_lift(), "(5 seed-matched pairs, paired t-test p = 0.020)."),  # 5 pairs are enough
    (one_lift(p=0.001), "paired t-test p = 0.001)."),  # p < 0.001 only below it
    (one_lift(p=0.0009), "paired t-test p < 0.001)."),
    (one_lift(low=0.0, high=5.0), "The CI includes zero: no clear difference."),
    (one_lift(lift=-3.0, low=-5.0, high=0.0), "The CI includes zero: no clear difference."),
    (one_lift(lift=1.5, low=0.5, high=2.0), "(5 seed-matched pairs, paired t-test p = 0.020)."),
    (one_lift(n_pairs=4), "Too few replicates for a claim: need at least 5 pairs."),
])
def test_headline_boundaries(table, end):
    assert headline(table, ["strategy"]).endswith(end)


def test_headline_without_a_ci():
    line = headline(one_lift(low=None, high=None, n_pairs=1, p=None), ["strategy"])
    assert line == ("ads: +3.00 adopters (no CI) over baseline (1 seed-matched pairs, paired "
                    f"t-test no test). Too few replicates for a claim: need at least {MIN_PAIRS} "
                    "pairs.")


def test_headline_picks_the_largest_lift_and_labels_two_factor_arms():
    runs = pd.DataFrame([
        {"k": k, "net": net, "seed": s, "adopters": 10.0 * k * (1 + (net == "ba")) + s % 2}
        for k in (0, 1, 2) for net in ("ba", "ws") for s in range(6)
    ])
    t = compare(runs, ["k", "net"], metrics=["adopters"], reference={"k": 0})
    assert headline(t, ["k", "net"]).startswith("k=2, net=ba: +40.00 adopters")


def test_wide_table_cells():
    t = compare(runs_table(), ["strategy"], metrics=["adopters", "time_to_50pct"], seed=3)
    wide = wide_table(t, ["strategy"], metrics=["time_to_50pct", "adopters"])
    assert wide.index.name == "arm" and list(wide.index) == ["ads", "baseline"]
    assert list(wide.columns) == ["time_to_50pct", "time_to_50pct lift", "adopters",
                                  "adopters lift"]
    r = t.set_index(["strategy", "metric"]).loc[("ads", "adopters")]
    assert wide.loc["ads", "adopters"] == (
        f"130 [{fmt_number(r['ci_low'])}, {fmt_number(r['ci_high'])}]")
    assert wide.loc["ads", "adopters lift"] == (
        f"+30.00 [{fmt_number(r['lift_ci_low'], True)}, {fmt_number(r['lift_ci_high'], True)}]")
    r50 = t.set_index(["strategy", "metric"]).loc[("ads", "time_to_50pct")]
    assert wide.loc["ads", "time_to_50pct"] == (
        f"32.50 [{fmt_number(r50['ci_low'])}, {fmt_number(r50['ci_high'])}] (2/3 reached)")
    assert wide.loc["baseline", "adopters lift"] == ""  # the reference has no lift
    # Metrics not asked for are skipped, wherever they come in the table.
    only = wide_table(t, ["strategy"], metrics=["time_to_50pct"])
    assert list(only.columns) == ["time_to_50pct", "time_to_50pct lift"]
    assert list(wide_table(t, [], metrics=["adopters"]).index) == ["all"]


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


def test_resampling_is_seeded_and_sized_as_asked():
    rng = np.random.default_rng(9)
    a, b = rng.normal(10, 2, 30), rng.normal(9, 2, 30)
    assert bootstrap_ci(a) == bootstrap_ci(a, seed=0)
    assert bootstrap_ci(a, n_resamples=50, seed=1) != bootstrap_ci(a, seed=1)
    assert paired_lift(a, b).ci == bootstrap_ci(a - b, seed=0)
    assert paired_lift(a, b, seed=6).ci == bootstrap_ci(a - b, seed=6)
    runs = pd.DataFrame({"strategy": ["baseline"] * 30 + ["ads"] * 30,
                         "seed": list(range(30)) * 2, "adopters": np.concatenate([b, a])})
    row = compare(runs, ["strategy"], metrics=["adopters"], seed=6).set_index("strategy")
    assert (row.loc["ads", "lift_ci_low"], row.loc["ads", "lift_ci_high"]) == (
        bootstrap_ci(a - b, seed=6))
    assert row.loc["ads", "note"] == ""  # enough pairs, nothing dropped


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
