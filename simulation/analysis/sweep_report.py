"""The words of a sweep's comparison.md: the decision, what each arm pays, the evidence.

Hydra-free: it takes the runs table and the statistics of :mod:`simulation.analysis.compare`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from simulation.analysis.compare import ALPHA, MIN_PAIRS, Decision, compare, decide

#: How each quantity is written, everywhere in the report (one format per quantity).
KINDS = {
    "adopters": "count",
    "adoption_rate": "share",
    "time_to_50pct": "days",
    "revenue": "money",
    "spend": "money",
    "profit": "money",
    "cpa": "unit",
}
#: Spend further than this from an equal-budget experiment's budget is flagged.
BUDGET_TOLERANCE = 0.02
DASH = "—"


def fmt(x: object, kind: str = "money", signed: bool = False) -> str:
    """Write a number the one way its kind is written; "—" when it is undefined.

    Kinds: ``count`` and ``money`` whole with thousands separators, ``unit`` (currency
    per adopter) with 2 decimals, ``share`` as a percentage with 1 decimal (a signed share
    is a difference: percentage points, ``pp``), ``days`` with 1 decimal, ``percent``
    (already x100) whole.
    """
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return DASH
    x = float(x)
    sign = "+" if signed else ""
    if kind == "share":  # a difference of two shares is in percentage points
        return f"{100 * x:{sign},.1f} {'pp' if signed else '%'}"
    if kind == "percent":
        return f"{x:{sign},.0f} %"
    digits = {"count": 0, "money": 0, "unit": 2, "days": 1}[kind]
    return f"{x:{sign},.{digits}f}"


def fmt_ci(mean: object, low: object, high: object, kind: str, signed: bool = False) -> str:
    """``mean [low, high]`` in one format; "—" for an undefined mean."""
    if mean is None or pd.isna(mean):
        return DASH
    if low is None or pd.isna(low):
        return fmt(mean, kind, signed)
    return f"{fmt(mean, kind, signed)} [{fmt(low, kind, signed)}, {fmt(high, kind, signed)}]"


def fmt_p(p: object) -> str:
    """A p-value: 3 decimals, ``< 0.001`` below that, "—" if undefined."""
    if p is None or pd.isna(p):
        return DASH
    return "< 0.001" if float(p) < 0.001 else f"{float(p):.3f}"


@dataclass
class ReportInput:
    """What the report is about.

    Attributes:
        runs: Finished runs: factor columns, ``seed``, metrics, ``price``, ``margin``,
            ``budget``.
        factors: Columns that define an arm; the first is the decision, the others
            scenarios.
        reference: Level of the first factor that lifts are measured against.
        objective: ``profit``, ``adopters`` or ``revenue``.
        experiment: Preset name (None for an ad-hoc sweep).
        question: The question the sweep answers.
        status: The complete/PARTIAL line(s).
        problems: Failed and missing jobs, one line each.
        figures: File names of the figures.
    """

    runs: pd.DataFrame
    factors: list[str]
    reference: dict[str, object]
    objective: str = "profit"
    experiment: str | None = None
    question: str | None = None
    status: str = ""
    problems: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)


def _label(keys: Sequence[str], values: Sequence[object]) -> str:
    if not keys:
        return "all runs"
    if len(keys) == 1:
        return str(values[0])
    return ", ".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))


def title(inp: ReportInput) -> str:
    """``<experiment>: <question>``, or a question built from the swept keys."""
    question = inp.question or (
        f"How does {' and '.join(inp.factors)} change {inp.objective}?"
        if inp.factors
        else "What does one configuration give over several seeds?"
    )
    name = inp.experiment or (f"Sweep of {', '.join(inp.factors)}" if inp.factors else "Sweep")
    return f"# {name}: {question}"


def _decision_text(d: Decision, reference: object, unit: str) -> str:
    kind = KINDS[d.objective]
    scenario = ", ".join(f"{k}={v}" for k, v in d.scenario.items())
    lead = f"For {scenario}: " if scenario else ""
    k = len(d.contrasts)
    method = (
        f"paired t-tests over seed-matched runs, Holm correction for {k} "
        f"comparison{'s' if k != 1 else ''}, family-wise alpha = {ALPHA}"
    )
    if not d.contrasts:
        return f"{lead}only one arm: nothing to compare."
    runner = d.contrasts[0]
    gap = f"{fmt_ci(runner.diff, *(runner.ci or (None, None)), kind, True)} {unit}"
    if d.clear:
        if d.best == reference:
            head = f"**Fund none of the alternatives: {d.best} has the highest {d.objective}**"
        else:
            head = f"**Fund {d.best}: it has the highest {d.objective}**"
        return (
            f"{lead}{head} ({fmt(d.means[d.best], kind)} {unit} per run), {gap} more than the "
            f"runner-up {runner.arm} (adjusted p {fmt_p(runner.p_holm)}); it beats every "
            f"other arm ({method})."
        )
    few = min(c.n_pairs for c in d.contrasts)
    why = (
        f" Only {few} seed-matched pairs: at least {MIN_PAIRS} are needed for a claim."
        if few < MIN_PAIRS
        else ""
    )
    leaders = ", ".join(f"{a} ({fmt(d.means[a], kind)})" for a in d.leaders)
    return (
        f"{lead}**No clear winner by {d.objective}.** Leading arms (mean {unit} per run), "
        f"not significantly different from the best ({method}): {leaders}. {d.best} vs "
        f"{runner.arm}: {gap} (adjusted p {fmt_p(runner.p_holm)}).{why}"
    )


def _arm_rows(table: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    wide = table.pivot_table(
        index=factors,
        columns="metric",
        values=["mean", "ci_low", "ci_high", "lift", "lift_ci_low", "lift_ci_high", "n"],
        aggfunc="first",
        dropna=False,
    )
    wide.columns = [f"{m}:{v}" for v, m in wide.columns]
    wide = wide[wide["adopters:n"].notna()]  # combinations of levels that never ran
    flags = table.groupby(factors, dropna=False)["is_reference"].first()
    return wide.join(flags)


def pays_table(inp: ReportInput, table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """What each arm pays: one row per arm, and notes on arms off an equal budget.

    Columns: spend, extra adopters/revenue/profit with CIs, cost per extra adopter,
    break-even (price x margin), verdict and ROI.
    """
    f = inp.factors
    arms = _arm_rows(table, f)
    runs = inp.runs
    per_arm = runs.groupby(f, dropna=False)
    break_even = (per_arm["price"].mean() * per_arm["margin"].mean()).rename("break_even")
    arms = arms.join(break_even)
    budgets = runs["budget"].dropna().unique() if "budget" in runs else []
    equal_budget = len(budgets) == 1 and runs["budget"].notna().all()
    rows, notes = [], []
    for key, r in arms.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        label = _label(f, key)
        spend = r["spend:mean"]
        spend_text = fmt(spend, "money")
        if equal_budget and not r["is_reference"] and spend > 0:
            dev = spend / budgets[0] - 1
            if abs(dev) > BUDGET_TOLERANCE:
                spend_text += f" (off budget {fmt(100 * dev, 'percent', True)})"
                notes.append(
                    f"{label} spends {fmt(spend, 'money')} per run on average, "
                    f"{fmt(100 * dev, 'percent', True)} against the equal budget of "
                    f"{fmt(budgets[0], 'money')}: not an equal-budget comparison."
                )
        row = {"arm": label, "runs": int(r["adopters:n"]), "spend": spend_text}
        if r["is_reference"]:
            row.update({c: DASH for c in ("extra adopters", "extra revenue", "extra profit",
                                          "cost per extra adopter", "ROI")})
            row["break-even"] = fmt(r["break_even"], "unit")
            row["verdict"] = "reference"
            rows.append(row)
            continue
        for metric, name in (("adopters", "extra adopters"), ("revenue", "extra revenue"),
                             ("profit", "extra profit")):
            row[name] = fmt_ci(r[f"{metric}:lift"], r[f"{metric}:lift_ci_low"],
                               r[f"{metric}:lift_ci_high"], KINDS[metric], signed=True)
        d_spend, d_adopters, d_profit = (r[f"{m}:lift"] for m in ("spend", "adopters", "profit"))
        cost = d_spend / d_adopters if d_spend > 0 and d_adopters > 0 else None
        row["cost per extra adopter"] = fmt(cost, "unit")
        row["break-even"] = fmt(r["break_even"], "unit")
        if pd.isna(d_profit):
            verdict = DASH
        else:
            verdict = "pays back" if d_profit > 0 else "loses money"
            low, high = r["profit:lift_ci_low"], r["profit:lift_ci_high"]
            if pd.notna(low) and low <= 0 <= high:
                verdict += " (uncertain: profit CI includes 0)"
        row["verdict"] = verdict
        row["ROI"] = fmt(100 * d_profit / d_spend, "percent", True) if d_spend > 0 else DASH
        rows.append(row)
    columns = ["arm", "runs", "spend", "extra adopters", "extra revenue", "extra profit",
               "cost per extra adopter", "break-even", "verdict", "ROI"]
    return pd.DataFrame(rows, columns=columns), notes


def md_table(df: pd.DataFrame) -> str:
    """A DataFrame as a markdown table."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def _means_table(table: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    metrics = ["adopters", "adoption_rate", "revenue", "spend", "profit", "cpa", "time_to_50pct"]
    rows = {}
    for _, r in table[table["metric"].isin(metrics)].iterrows():
        label = _label(factors, [r[x] for x in factors])
        cell = fmt_ci(r["mean"], r["ci_low"], r["ci_high"], KINDS[r["metric"]])
        if r["metric"] == "cpa" and not (r["mean"] and r["mean"] > 0):
            cell = DASH  # no spend: cost per acquisition is not a cost
        if r["defined"] < r["n"] and cell != DASH:
            cell += f" ({r['defined']}/{r['n']} reached)"
        rows.setdefault(label, {"arm": label})[r["metric"]] = cell
    out = pd.DataFrame(list(rows.values()))
    names = {"adoption_rate": "adoption rate", "cpa": "cost per acquisition",
             "time_to_50pct": "days to 50 %"}
    return out.reindex(columns=["arm", *metrics]).fillna(DASH).rename(columns=names)


def _lift_table(table: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    t = table[~table["is_reference"] & (table["lift"].notna() | (table["note"] != ""))]
    return pd.DataFrame(
        {
            "arm": [_label(factors, [r[x] for x in factors]) for _, r in t.iterrows()],
            "metric": t["metric"].to_numpy(),
            "lift [95% CI]": [
                fmt_ci(r["lift"], r["lift_ci_low"], r["lift_ci_high"], KINDS[r["metric"]], True)
                for _, r in t.iterrows()
            ],
            "pairs": t["n_pairs"].fillna(0).astype(int).to_numpy(),
            "t-test p": [fmt_p(p) for p in t["p_ttest"]],
            "Wilcoxon p": [fmt_p(p) for p in t["p_wilcoxon"]],
            "note": t["note"].to_numpy(),
        }
    )


UNITS = {"profit": "currency", "revenue": "currency", "adopters": "adopters"}


def _segment_lines(runs: pd.DataFrame, factors: list[str]) -> list[str]:
    """A table of each segment's mean adoption per arm, when the runs are segmented.

    Runs of a segmented configuration carry ``segment_<name>_adoption_rate`` columns
    (``models.segments.summary_metrics``); without them, nothing.
    """
    suffix = "_adoption_rate"
    cols = [c for c in runs.columns if c.startswith("segment_") and c.endswith(suffix)]
    if not cols or not factors:
        return []
    names = {c: c[len("segment_"):-len(suffix)] for c in cols}
    means = runs.groupby(factors, sort=False, dropna=False)[cols].mean().reset_index()
    table = means.rename(columns=names)
    for c in names.values():
        table[c] = table[c].map(lambda x: fmt(x, "share"))
    return [
        "## Adoption by segment (mean share of each segment that adopted, per arm)",
        "",
        md_table(table),
        "",
        "Per-segment counts per day are in each run's segments.csv; every segment metric "
        "(consumers, adopters, adoption, reach and research rates) is a column of runs.csv.",
        "",
    ]


def comparison_markdown(inp: ReportInput, table: pd.DataFrame | None = None) -> str:
    """The whole comparison.md.

    Args:
        inp: The runs and what the sweep is about.
        table: :func:`simulation.analysis.compare.compare` of the runs (computed if None).
    """
    lines = [title(inp), "", inp.status, ""]
    if inp.problems:
        lines += ["Failed or missing jobs (their arms use the runs that finished):", ""]
        lines += [f"- {p}" for p in inp.problems] + [""]
    if inp.runs.empty:
        return "\n".join([*lines, "No finished runs to compare.", ""])
    f = inp.factors
    table = compare(inp.runs, f, reference=inp.reference or None) if table is None else table
    if not f:
        return "\n".join([
            *lines, "Only the seed was swept: one arm, nothing to compare.", "",
            "## Means [95% CI]", "", md_table(_means_table(table, f)), "",
        ])
    ref_level = next(iter(inp.reference.values()), None)
    lines += [f"## Decision (objective: {inp.objective}, set with report.objective)", ""]
    for d in decide(inp.runs, f, inp.objective):
        lines += [_decision_text(d, ref_level, UNITS[inp.objective]), ""]
    ref_text = ", ".join(f"{k}={v}" for k, v in inp.reference.items()) or "none"
    pays, notes = pays_table(inp, table)
    lines += [
        f"## What each arm adds over the reference ({ref_text}), per run",
        "",
        md_table(pays),
        "",
        "Extra = paired mean difference to the reference over runs with the same seed, "
        "[95% bootstrap CI]. Cost per extra adopter = extra spend / extra adopters; "
        "break-even = price x margin, the gross profit of one extra adopter's purchase: an "
        "arm whose cost per extra adopter is below it pays back. Verdict from the extra "
        "profit (which also counts repurchases); ROI = extra profit / extra spend. "
        f"{DASH} = undefined (no extra spend or no extra adopters).",
        "",
    ]
    if notes:
        lines += ["**Budget check:**", "", *[f"- {n}" for n in notes], ""]
    dups = table[(table["metric"] == "adopters") & table["note"].str.contains("duplicate")]
    if not dups.empty:
        lines += ["**Duplicate runs:**", ""]
        lines += [f"- {_label(f, [r[x] for x in f])}: {r['note'].split(';')[0]}"
                  for _, r in dups.iterrows()] + [""]
    lines += _segment_lines(inp.runs, f)
    lines += [
        "## Means per arm [95% CI]",
        "",
        md_table(_means_table(table, f)),
        "",
        "## Paired lift over the reference, every key metric",
        "",
        md_table(_lift_table(table, f)),
        "",
        "## Method",
        "",
        f"Arms: {', '.join(f) or 'one arm'}; reference: {ref_text}. Every arm runs the same "
        "seeds, so runs are paired by seed (common random numbers). Means with 95% bootstrap "
        "CIs (BCa, seeded); p-values: two-sided paired t-test (scipy.stats.ttest_rel) and "
        "Wilcoxon signed-rank (scipy.stats.wilcoxon). The decision compares the best arm "
        "with every other arm of its scenario and corrects for their number with Holm's "
        f"method; claims need at least {MIN_PAIRS} pairs.",
        "",
    ]
    if inp.figures:
        lines += ["Figures: " + ", ".join(inp.figures), ""]
    return "\n".join(lines)
