"""comparison.md wording on synthetic runs whose answers are known by construction."""

import numpy as np
import pandas as pd
import pytest

from simulation.analysis.compare import decide, holm
from simulation.analysis.sweep_report import ReportInput, comparison_markdown, fmt, pays_table

PRICE, MARGIN = 50.0, 0.4  # break-even per extra adopter: 20


def synth(arms: dict[str, tuple[float, float, float]], seeds: int = 10, budget=None):
    """Runs with a shared per-seed base (common random numbers) plus each arm's effect.

    ``arms``: name -> (extra adopters, spend, noise sd of the adopters).
    Profit = adopters x price x margin - spend, as in simulation.running.metrics.
    """
    rng = np.random.default_rng(0)
    base = rng.normal(1000, 100, seeds)
    rows = []
    for arm, (lift, spend, sd) in arms.items():
        adopters = base + lift + rng.normal(0, sd, seeds)
        for s, a in enumerate(adopters):
            revenue = a * PRICE
            rows.append(
                {"strategy": arm, "seed": s, "adopters": a, "adoption_rate": a / 10_000,
                 "time_to_50pct": None, "revenue": revenue, "spend": spend,
                 "profit": revenue * MARGIN - spend, "cpa": spend / a if spend else None,
                 "price": PRICE, "margin": MARGIN, "budget": budget}
            )
    return pd.DataFrame(rows)


def report(runs: pd.DataFrame, objective: str = "profit", **kw) -> str:
    inp = ReportInput(runs=runs, factors=["strategy"], reference={"strategy": "baseline"},
                      objective=objective, status="Complete.", **kw)
    return comparison_markdown(inp)


def decision_line(md: str) -> str:
    lines = md.splitlines()
    return lines[lines.index(next(x for x in lines if x.startswith("## Decision"))) + 2]


def lift(runs: pd.DataFrame, arm: str, metric: str) -> float:
    wide = runs.pivot(index="seed", columns="strategy", values=metric)
    return float((wide[arm] - wide["baseline"]).mean())


def test_holm_matches_hand_computation():
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> running max
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # 1.0 then max(1.0, 0.9)


def test_clear_winner_by_profit_is_not_the_adopters_winner():
    # share_buttons: +300 adopters for 5,000 -> profit +1,000; community: +250 for 1,000
    # -> profit +4,000. By adopters share_buttons wins, by profit community.
    runs = synth({"baseline": (0, 0, 5), "share_buttons": (300, 5000, 5),
                  "community": (250, 1000, 5)})
    md = report(runs, experiment="compare_strategies", question="Which strategy pays?")
    assert md.startswith("# compare_strategies: Which strategy pays?")
    line = decision_line(md)
    assert line.startswith("**Fund community: it has the highest profit**")
    assert "runner-up share_buttons" in line and "Holm correction for 2 comparisons" in line
    assert decision_line(report(runs, "adopters")).startswith(
        "**Fund share_buttons: it has the highest adopters**"
    )
    gap = lift(runs, "community", "profit") - lift(runs, "share_buttons", "profit")
    assert f"{fmt(gap, 'money', True)} [" in line


def test_no_clear_winner_names_the_leading_arms():
    # Two free arms 5 adopters apart with noise sd 60 over 10 seeds: the paired difference
    # has a standard error of about 60 * sqrt(2) / sqrt(10) = 27 adopters, so 5 is noise.
    runs = synth({"baseline": (0, 0, 60), "a": (200, 0, 60), "b": (205, 0, 60)})
    d = decide(runs, ["strategy"], "profit")[0]
    assert not d.clear and set(d.leaders) == {"a", "b"}
    line = decision_line(report(runs))
    assert line.startswith("**No clear winner by profit.**")
    assert "a (" in line and "b (" in line and "baseline (" not in line.split(":")[1]


def test_too_few_pairs_is_never_a_clear_winner():
    runs = synth({"baseline": (0, 0, 1), "a": (500, 0, 1)}, seeds=3)
    line = decision_line(report(runs))
    assert line.startswith("**No clear winner") and "Only 3 seed-matched pairs" in line


def test_an_arm_above_break_even_loses_money_and_budget_drift_is_flagged():
    # more_reviews: +100 adopters for 5,000 -> 50 per extra adopter, above the break-even
    # of 50 x 0.4 = 20: it loses about 100 x 20 - 5,000 = -3,000. ads spends 5,318 of an
    # equal 5,000 budget (+6 %): flagged; community spends 4,980 (-0.4 %): not flagged.
    runs = synth({"baseline": (0, 0, 2), "more_reviews": (100, 5000, 2),
                  "ads": (600, 5318, 2), "community": (400, 4980, 2)}, budget=5000)
    runs.loc[runs["strategy"] == "baseline", "spend"] = 0.0
    table, notes = pays_table(
        ReportInput(runs=runs, factors=["strategy"], reference={"strategy": "baseline"}),
        __import__("simulation.analysis.compare", fromlist=["compare"]).compare(runs, ["strategy"]),
    )
    rows = table.set_index("arm")
    mr = rows.loc["more_reviews"]
    expected_cost = 5000 / lift(runs, "more_reviews", "adopters")
    assert mr["cost per extra adopter"] == fmt(expected_cost, "unit")
    assert mr["break-even"] == "20.00" and mr["verdict"] == "loses money"
    assert mr["ROI"] == fmt(100 * lift(runs, "more_reviews", "profit") / 5000, "percent", True)
    assert rows.loc["ads", "verdict"] == "pays back"
    assert rows.loc["baseline", "verdict"] == "reference" and rows.loc["baseline", "ROI"] == "—"
    assert "off budget +6 %" in rows.loc["ads", "spend"]
    assert "off budget" not in rows.loc["community", "spend"]
    assert len(notes) == 1 and notes[0].startswith("ads spends 5,318")


def test_undefined_ratios_are_dashes_and_numbers_have_one_format():
    runs = synth({"baseline": (0, 0, 5), "free": (50, 0, 5), "useless": (-40, 1000, 5)})
    md = report(runs)
    rows = pays_table(
        ReportInput(runs=runs, factors=["strategy"], reference={"strategy": "baseline"}),
        __import__("simulation.analysis.compare", fromlist=["compare"]).compare(runs, ["strategy"]),
    )[0].set_index("arm")
    assert rows.loc["free", "cost per extra adopter"] == "—" and rows.loc["free", "ROI"] == "—"
    assert rows.loc["useless", "cost per extra adopter"] == "—"  # no extra adopters
    assert rows.loc["useless", "verdict"] == "loses money"
    means = md[md.index("## Means per arm"):]
    baseline_row = next(x for x in means.splitlines() if x.startswith("| baseline"))
    assert "0.00" not in baseline_row.split("|")[7]  # no spend: CPA is "—", not 0.00
    assert "n/a" not in md
    assert fmt(45.93, "count", True) == "+46" and fmt(209.4, "count", True) == "+209"
    assert fmt(None) == "—" and fmt(0.1234, "share") == "12.3 %"
    assert fmt(0.1234, "share", True) == "+12.3 pp"  # a difference of shares


def test_two_factor_sweep_decides_per_scenario():
    runs = pd.concat(
        [synth({"baseline": (0, 0, 3), "x": (300, 0, 3)}).assign(product="default"),
         synth({"baseline": (0, 0, 3), "x": (-300, 0, 3)}).assign(product="poor")]
    )
    inp = ReportInput(runs=runs, factors=["strategy", "product"],
                      reference={"strategy": "baseline"}, status="Complete.")
    md = comparison_markdown(inp)
    assert "For product=default: **Fund x" in md
    assert "For product=poor: **Fund none of the alternatives: baseline" in md


def test_duplicate_seeds_are_counted_once_with_a_visible_note():
    runs = synth({"baseline": (0, 0, 5), "a": (100, 0, 5)}, seeds=6)
    twice = pd.concat([runs, runs[runs["seed"] < 2]])  # seeds 0 and 1 ran twice per arm
    md = report(twice)
    assert "**Duplicate runs:**" in md
    assert "- a: 2 duplicate runs of the same seed dropped" in md
    assert decide(twice, ["strategy"])[0].contrasts[0].n_pairs == 6


def test_an_arm_with_no_finished_run_in_one_scenario_is_left_out_not_a_crash():
    # Every influencer job on the second network failed: that combination has no runs.
    runs = pd.concat(
        [synth({"baseline": (0, 0, 3), "x": (300, 0, 3)}).assign(network="a"),
         synth({"baseline": (0, 0, 3)}).assign(network="b")]
    )
    inp = ReportInput(runs=runs, factors=["strategy", "network"],
                      reference={"strategy": "baseline"}, status="PARTIAL.")
    md = comparison_markdown(inp)
    assert "For network=a: **Fund x" in md and "For network=b: only one arm" in md
    assert "| strategy=x, network=b |" not in md
