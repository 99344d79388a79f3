"""What each arm pays, worked by hand: cost per extra adopter, break-even, verdict, ROI.

Runs are built from a shared per-seed base plus each arm's exact per-seed effect, with
prices and margins exact in binary, so every paired difference is known to the last bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.analysis.compare import bootstrap_ci, compare
from simulation.analysis.sweep_report import (
    DASH,
    ReportInput,
    comparison_markdown,
    fmt,
    fmt_ci,
    fmt_p,
    pays_table,
)

BASE = np.array([100.0, 110.0, 120.0, 130.0, 140.0])


def runs_of(arms: dict[str, tuple], budget: float | None = None) -> pd.DataFrame:
    """``arms``: name -> (extra adopters per seed, spend, price, margin)."""
    rows = []
    for arm, (extra, spend, price, margin) in arms.items():
        for s, a in enumerate(BASE + np.broadcast_to(extra, BASE.shape)):
            revenue = a * price
            rows.append({  # adoption over 1,024 consumers: exact in binary, like the rest
                "strategy": arm, "seed": s, "adopters": a, "adoption_rate": a / 1024,
                "time_to_50pct": None, "revenue": revenue, "spend": spend,
                "profit": revenue * margin - spend, "cpa": spend / a if spend else None,
                "price": price, "margin": margin, "budget": budget,
            })
    return pd.DataFrame(rows)


def pays(runs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    inp = ReportInput(runs=runs, factors=["strategy"], reference={"strategy": "baseline"})
    table, notes = pays_table(inp, compare(runs, ["strategy"]))
    return table.set_index("arm"), notes


def test_pays_table_by_hand():
    # price 40 x margin 0.5: one extra adopter is worth 20 of profit (the break-even).
    ads_extra = np.array([10.0, 10.0, 12.0, 8.0, 10.0])
    runs = runs_of({
        "baseline": (0.0, 0.0, 40.0, 0.5),
        "ads": (ads_extra, 150.0, 40.0, 0.5),   # 150 for 10 extra: 15 each, below 20
        "free": (5.0, 0.0, 40.0, 0.5),          # extra adopters at no cost
        "even": (10.0, 200.0, 40.0, 0.5),       # 20 each: extra profit exactly 0
        "loser": (-5.0, 100.0, 40.0, 0.5),      # pays and loses adopters
        "dear": (10.0, 200.0, 60.0, 0.75),      # another price and margin: break-even 45
    })
    rows, notes = pays(runs)
    assert notes == []
    assert list(rows.columns) == ["runs", "spend", "extra adopters", "extra revenue",
                                  "extra profit", "cost per extra adopter", "break-even",
                                  "verdict", "ROI"]
    ads = rows.loc["ads"]
    lo, hi = bootstrap_ci(ads_extra, seed=0)
    assert ads["extra adopters"] == f"+10 [{fmt(lo, 'count', True)}, {fmt(hi, 'count', True)}]"
    d_profit = ads_extra * 20 - 150  # 50, 50, 90, 10, 50
    lo, hi = bootstrap_ci(d_profit, seed=0)
    assert lo > 0
    assert ads["extra profit"] == f"+50 [{fmt(lo, 'money', True)}, {fmt(hi, 'money', True)}]"
    lo, hi = bootstrap_ci(ads_extra * 40, seed=0)
    assert ads["extra revenue"] == f"+400 [{fmt(lo, 'money', True)}, {fmt(hi, 'money', True)}]"
    assert (ads["runs"], ads["spend"]) == (5, "150")
    assert ads["cost per extra adopter"] == "15.00" and ads["break-even"] == "20.00"
    assert ads["verdict"] == "pays back" and ads["ROI"] == "+33 %"  # 100 x 50 / 150
    free = rows.loc["free"]
    assert free["extra adopters"] == "+5 [+5, +5]" and free["extra profit"] == "+100 [+100, +100]"
    assert (free["cost per extra adopter"], free["ROI"], free["verdict"]) == (DASH, DASH,
                                                                            "pays back")
    even = rows.loc["even"]
    assert even["cost per extra adopter"] == "20.00" and even["extra profit"] == "+0 [+0, +0]"
    assert even["verdict"] == "loses money (uncertain: profit CI includes 0)"
    assert even["ROI"] == "+0 %"
    loser = rows.loc["loser"]
    assert loser["cost per extra adopter"] == DASH  # no extra adopters to pay for
    assert loser["extra profit"] == "-200 [-200, -200]"  # -5 x 20 - 100
    assert (loser["verdict"], loser["ROI"]) == ("loses money", "-200 %")
    dear = rows.loc["dear"]
    assert dear["break-even"] == "45.00" and dear["cost per extra adopter"] == "20.00"
    base = rows.loc["baseline"]
    assert base["verdict"] == "reference" and base["break-even"] == "20.00"
    assert all(base[c] == DASH for c in ("extra adopters", "extra revenue", "extra profit",
                                          "cost per extra adopter", "ROI"))
    assert (base["runs"], base["spend"]) == (5, "0")


def test_uncertain_verdict_when_the_profit_ci_straddles_zero():
    # extra profit per seed 20 x extra - 100 = +60, -60, +60, -60, +20: mean +4, CI across 0
    runs = runs_of({"baseline": (0.0, 0.0, 40.0, 0.5),
                    "coin": (np.array([8.0, 2.0, 8.0, 2.0, 6.0]), 100.0, 40.0, 0.5)})
    lo, hi = bootstrap_ci([60.0, -60.0, 60.0, -60.0, 20.0], seed=0)
    assert lo < 0 < hi
    coin = pays(runs)[0].loc["coin"]
    assert coin["verdict"] == "pays back (uncertain: profit CI includes 0)"
    assert coin["ROI"] == "+4 %" and coin["cost per extra adopter"] == "19.23"  # 100 / 5.2


def test_budget_check_flags_arms_off_the_equal_budget():
    # Equal budget 4,000: 4,100 (+2.5 %) and 3,880 (-3 %) are flagged, 4,060 (+1.5 %) and an
    # arm that spends nothing are not; the reference never is.
    runs = runs_of({
        "baseline": (0.0, 0.0, 40.0, 0.5),
        "over": (10.0, 4100.0, 40.0, 0.5),
        "under": (10.0, 3880.0, 40.0, 0.5),
        "close": (10.0, 4060.0, 40.0, 0.5),
        "idle": (0.0, 0.0, 40.0, 0.5),
    }, budget=4000.0)
    rows, notes = pays(runs)
    assert rows.loc["over", "spend"] == "4,100 (off budget +2 %)"  # +2.5 % shown whole
    assert rows.loc["under", "spend"] == "3,880 (off budget -3 %)"
    assert rows.loc["close", "spend"] == "4,060" and rows.loc["idle", "spend"] == "0"
    assert notes == [
        "over spends 4,100 per run on average, +2 % against the equal budget of 4,000: "
        "not an equal-budget comparison.",
        "under spends 3,880 per run on average, -3 % against the equal budget of 4,000: "
        "not an equal-budget comparison.",
    ]
    # without one equal budget for every run there is nothing to check
    mixed = runs.assign(budget=np.where(runs["strategy"] == "over", 5000.0, 4000.0))
    assert pays(mixed)[1] == []
    unset = runs.assign(budget=np.where(runs["strategy"] == "over", np.nan, 4000.0))
    assert pays(unset)[1] == []


@pytest.mark.parametrize(("args", "text"), [
    ((None,), DASH), ((float("nan"),), DASH), ((pd.NA,), DASH),
    ((1234.5,), "1,234"), ((1235.5,), "1,236"), ((-150.4, "money", True), "-150"),
    ((3.0, "count", True), "+3"), ((0.0, "count", True), "+0"),
    ((19.234, "unit"), "19.23"), ((12.25, "days"), "12.2"),
    ((0.1234, "share"), "12.3 %"), ((-0.1234, "share", True), "-12.3 pp"),
    ((33.3, "percent", True), "+33 %"), ((1999.0, "percent"), "1,999 %"),
])
def test_fmt_kinds(args, text):
    assert fmt(*args) == text


def test_fmt_ci_and_p():
    assert fmt_ci(3.0, 1.0, 5.0, "count", True) == "+3 [+1, +5]"
    assert fmt_ci(3.0, None, None, "count") == "3" and fmt_ci(None, 1, 2, "count") == DASH
    assert fmt_ci(float("nan"), 1, 2, "count") == DASH
    assert fmt_ci(3.0, float("nan"), float("nan"), "unit") == "3.00"
    assert fmt_p(None) == DASH and fmt_p(float("nan")) == DASH
    assert fmt_p(0.001) == "0.001" and fmt_p(0.000999) == "< 0.001" and fmt_p(0.0) == "< 0.001"
    assert fmt_p(0.04149) == "0.041" and fmt_p(1.0) == "1.000"


def test_report_decision_numbers_by_hand():
    # best - baseline in profit: 20 x (10, 12, 9, 11, 13) - 0 -> mean 220; constant spend 0.
    extra = np.array([10.0, 12.0, 9.0, 11.0, 13.0])
    runs = runs_of({"baseline": (0.0, 0.0, 40.0, 0.5), "best": (extra, 0.0, 40.0, 0.5)})
    md = comparison_markdown(ReportInput(runs=runs, factors=["strategy"],
                                         reference={"strategy": "baseline"}, status="Complete."))
    d = 20 * extra
    t = d.mean() / (d.std(ddof=1) / np.sqrt(5))
    p = 2 * __import__("scipy").stats.t.sf(t, 4)  # one comparison: Holm leaves it as is
    lo, hi = bootstrap_ci(d, seed=0)
    mean_best = (BASE + extra).mean() * 20
    assert (f"**Fund best: it has the highest profit** ({fmt(mean_best)} currency per run), "
            f"+220 [{fmt(lo, 'money', True)}, {fmt(hi, 'money', True)}] currency more than the "
            f"runner-up baseline (adjusted p {fmt_p(p)}); it beats every other arm (paired "
            "t-tests over seed-matched runs, Holm correction for 1 comparison, family-wise "
            "alpha = 0.05).") in md
