"""Aggregate a sweep directory into runs/timeseries tables, a comparison and figures.

``python -m experiments.aggregate DIR`` re-analyses a finished or interrupted sweep.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from omegaconf import OmegaConf

from simulation.compare import KEY_METRICS, MIN_PAIRS, compare, fmt_number, headline, wide_table
from simulation.outputs import SUMMARY_FILE, TIMESERIES_FILE
from simulation.sweep_plots import (
    adoption_curves_figure,
    dose_response_figure,
    heatmap_figure,
    metric_bars_figure,
)

GRAPH_CACHE = ".graph_cache"


@dataclass
class SweepData:
    """What a sweep directory holds.

    Attributes:
        runs: One row per run (a job with ``replicates`` > 1 has several).
        timeseries: Every finished run's per-step rows with its job keys.
        factors: Columns that define an arm (swept keys other than the seed).
        expected: Number of jobs the sweep should have (None if unknown).
        problems: One line per missing, unfinished or failed job or replicate.
        reference: The arm lifts are measured against: strategy baseline if swept, else
            the first value listed for the first swept parameter.
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    factors: list[str]
    expected: int | None
    problems: list[str] = field(default_factory=list)
    reference: dict[str, object] = field(default_factory=dict)


def _column(key: str) -> str:
    """Column name of an override key: ``+experiment/equal_budget@_global_`` -> equal_budget."""
    return key.lstrip("+~").split("@")[0].rsplit("/", 1)[-1]


def _split(override: str) -> tuple[str, object]:
    key, _, value = override.partition("=")
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        parsed = value
    return _column(key), parsed if isinstance(parsed, int | float | str | bool) else value


def expected_jobs(sweep_dir: Path) -> list[list[str]] | None:
    """The job override lists the sweep launched, rebuilt from its ``multirun.yaml``."""
    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return None
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    cfg = OmegaConf.load(path)
    if "BasicSweeper" not in str(OmegaConf.select(cfg, "hydra.sweeper._target_")):
        return None
    params = OmegaConf.select(cfg, "hydra.sweeper.params") or {}
    args = [f"{k}={v}" for k, v in params.items()]
    args += list(OmegaConf.select(cfg, "hydra.overrides.task") or [])
    overrides = OverridesParser.create().parse_overrides(args)
    return BasicSweeper.split_arguments(overrides, None)[0]


def _job_dirs(sweep_dir: Path) -> list[Path]:
    return sorted(
        p.parent.parent
        for p in sweep_dir.rglob(".hydra/overrides.yaml")
        if p.parent.parent != sweep_dir
    )


def replicate_dir(job_dir: Path, seed: int, replicates: int) -> Path:
    """Where one replicate of a job writes: the job directory itself or ``seed=<s>/``."""
    return job_dir if replicates == 1 else job_dir / f"seed={seed}"


def load_sweep(sweep_dir: str | Path) -> SweepData:
    """Read every job of a sweep; list (never drop) missing or unfinished ones."""
    sweep_dir = Path(sweep_dir)
    expected = expected_jobs(sweep_dir)
    found: dict[frozenset, Path] = {}
    for job in _job_dirs(sweep_dir):
        overrides = OmegaConf.to_container(OmegaConf.load(job / ".hydra/overrides.yaml"))
        found[frozenset(overrides)] = job
    problems: list[str] = []
    if expected is not None:
        for overrides in expected:
            if frozenset(overrides) not in found:
                problems.append(f"missing (never started): {','.join(overrides)}")
        all_overrides = expected
    else:
        all_overrides = [sorted(k) for k in found]
    values: dict[str, dict[str, object]] = {}  # column -> levels in the order listed
    for overrides in all_overrides:
        for o in overrides:
            col, v = _split(o)
            values.setdefault(col, {}).setdefault(str(v), v)
    swept = [c for c, v in values.items() if len(v) > 1]

    rows, series = [], []
    for key, job in sorted(found.items(), key=lambda kv: str(kv[1])):
        cfg = OmegaConf.load(job / ".hydra/config.yaml")
        keys = dict(_split(o) for o in sorted(key))
        keys = {c: v for c, v in keys.items() if c != "seed"}
        strategy = "+".join(cfg.get("strategy") or {}) or "baseline"
        replicates = int(cfg.get("replicates", 1))
        budget = cfg.get("budget")
        rel = str(job.relative_to(sweep_dir))
        missing_seeds = []
        for r in range(replicates):
            seed = int(cfg.seed) + r
            rdir = replicate_dir(job, seed, replicates)
            base = {
                "job": rel,
                **keys,
                "strategy": strategy,
                "budget": budget,
                "seed": seed,
                "replicate": r,
            }
            if not (rdir / SUMMARY_FILE).exists():
                missing_seeds.append(seed)
                rows.append({**base, "status": "missing"})
                continue
            summary = json.loads((rdir / SUMMARY_FILE).read_text())
            summary.pop("seed", None)
            rows.append({**base, "status": "done", **summary})
            ts = pd.read_csv(rdir / TIMESERIES_FILE)
            for c, v in reversed(base.items()):
                ts.insert(0, c, v)
            series.append(ts)
        if missing_seeds:
            what = (
                f"no {SUMMARY_FILE}"
                if replicates == 1
                else f"{len(missing_seeds)} of {replicates} replicates without {SUMMARY_FILE}, "
                f"seeds {', '.join(map(str, missing_seeds))}"
            )
            problems.append(f"unfinished or failed ({what}): {rel}")
    runs = pd.DataFrame(rows)
    timeseries = pd.concat(series, ignore_index=True) if series else pd.DataFrame()
    factors = [c for c in swept if c != "seed"]
    # A swept key that only picks the strategy (e.g. a preset's equal-budget arm) is
    # reported as the strategy itself.
    for i, f in enumerate(factors):
        if f in runs and not runs.empty and (runs[f].astype(str) == runs["strategy"]).all():
            factors[i] = "strategy"
    factors = list(dict.fromkeys(factors))
    reference: dict[str, object] = {}
    if factors and not runs.empty:
        levels = runs[factors[0]].tolist()
        if factors[0] == "strategy" and "baseline" in levels:
            reference = {"strategy": "baseline"}
        else:
            listed = list(values.get(factors[0], {}).values()) or levels
            reference = {factors[0]: listed[0]}
    return SweepData(
        runs, timeseries, factors, None if expected is None else len(expected), problems, reference
    )


def _md_table(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def _p(p: float | None) -> str:
    return "n/a" if p is None or pd.isna(p) else "< 0.001" if p < 0.001 else f"{p:.3f}"


def _lift_table(table: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    t = table[table["lift"].notna() | (table["note"] != "")].copy()
    t = t[~t["is_reference"]]
    out = t[[*factors, "metric"]].copy()
    out["lift (mean)"] = [fmt_number(v, signed=True) if pd.notna(v) else "n/a" for v in t["lift"]]
    out["95% CI"] = [
        f"{fmt_number(a, True)} to {fmt_number(b, True)}" if pd.notna(a) else "n/a"
        for a, b in zip(t["lift_ci_low"], t["lift_ci_high"], strict=True)
    ]
    out["pairs"] = t["n_pairs"].fillna(0).astype(int)
    out["t-test p"] = [_p(p) for p in t["p_ttest"]]
    out["Wilcoxon p"] = [_p(p) for p in t["p_wilcoxon"]]
    out["note"] = t["note"]
    return out


def write_report(sweep_dir: str | Path, data: SweepData | None = None) -> Path:
    """Aggregate ``sweep_dir`` and write the tables, comparison and figures into it.

    Returns:
        The path of ``comparison.md``.
    """
    sweep_dir = Path(sweep_dir)
    data = data or load_sweep(sweep_dir)
    runs, factors = data.runs, data.factors
    runs.to_csv(sweep_dir / "runs.csv", index=False)
    runs.to_parquet(sweep_dir / "runs.parquet", index=False)
    if not data.timeseries.empty:
        data.timeseries.to_parquet(sweep_dir / "timeseries.parquet", index=False)
    done = runs[runs["status"] == "done"] if not runs.empty else runs
    n_jobs = runs["job"].nunique() if not runs.empty else 0
    total = data.expected if data.expected is not None else n_jobs
    partial = bool(data.problems)
    lines = [f"# Sweep comparison: {sweep_dir.name}", ""]
    status = (
        f"**PARTIAL**: {len(done)} finished runs; {len(data.problems)} jobs or replicates "
        f"missing or unfinished (listed at the end). Numbers below use finished runs only."
        if partial
        else f"Complete: {total} jobs, {len(done)} runs."
    )
    lines += [status, ""]
    if done.empty:
        lines += ["No finished runs to compare.", ""]
    else:
        table = compare(done, factors, reference=data.reference or None)
        table.to_csv(sweep_dir / "comparison.csv", index=False)
        # The report and figures name a swept key by its last part (targeting, not
        # strategy.influencer_seeding.targeting) when that is unambiguous.
        short = {f: f.rsplit(".", 1)[-1] for f in factors}
        timeseries = data.timeseries
        if len(set(short.values())) == len(short):
            table, factors = table.rename(columns=short), [short[f] for f in factors]
            timeseries = timeseries.rename(columns=short)
        figures = _figures(sweep_dir, timeseries, table, factors)
        ref = {
            f: table.loc[table["is_reference"], f].iloc[0]
            for f in factors[:1]
            if table["is_reference"].any()
        }
        ref_label = ", ".join(f"{k}={v}" for k, v in ref.items()) or "none"
        budgets = done["budget"].dropna().unique()
        context = ""
        if len(budgets) == 1 and done["budget"].notna().all():
            spend = table[(table["metric"] == "spend") & ~table["is_reference"]]["mean"]
            equal = bool((abs(spend.astype(float) - budgets[0]) <= 0.1 * budgets[0]).all())
            context = f"at {'equal ' if equal else ''}budget ({budgets[0]:,.0f})"
        ref_text = str(next(iter(ref.values()))) if ref else "reference"
        lines += [
            f"Arms: {', '.join(factors) or 'one arm'}; reference: {ref_label}; runs are "
            f"paired by seed (common random numbers). Means with 95% bootstrap CIs (BCa, "
            f"seeded); lift = paired mean difference arm - reference; p-values: two-sided "
            f"paired t-test (scipy.stats.ttest_rel) and Wilcoxon signed-rank "
            f"(scipy.stats.wilcoxon). Claims need at least {MIN_PAIRS} pairs.",
            "",
            "**Top result:** "
            + headline(table, factors, reference_label=ref_text, context=context),
            "",
            "## Means and 95% CIs per arm (lift over the reference in brackets)",
            "",
        ]
        wide = wide_table(table, factors, ["adopters", "spend", "revenue", "profit", "cpa"])
        wide.insert(0, "runs", table.loc[table["metric"] == "adopters", "n"].astype(int).tolist())
        # cpa divides spend by all adopters; what a strategist pays per adopter the
        # strategy added is the spend lift over the adopters lift.
        lift = {
            m: table.loc[table["metric"] == m, "lift"].astype(float).to_numpy()
            for m in ("spend", "adopters")
        }
        wide["cost per extra adopter"] = [
            fmt_number(sp / ad) if ad > 0 else "n/a" if pd.notna(ad) else ""
            for sp, ad in zip(lift["spend"], lift["adopters"], strict=True)
        ]
        lines += [_md_table(wide.reset_index()), ""]
        t50 = table[table["metric"] == "time_to_50pct"]
        reached = [
            f"{', '.join(str(r[f]) for f in factors) or 'all'}: {r['defined']}/{r['n']}"
            for _, r in t50.iterrows()
        ]
        lines += [
            "## Time to 50% adoption (days)",
            "",
            "Runs that reached 50% adoption: "
            + "; ".join(reached)
            + ". Means and lifts use only runs (pairs) that reached it.",
            "",
        ]
        lines += [
            _md_table(wide_table(table, factors, ["time_to_50pct", "adoption_rate"]).reset_index()),
            "",
        ]
        lines += [
            "## Paired lift over the reference, every key metric",
            "",
            _md_table(_lift_table(table, factors)),
            "",
        ]
        lines += ["Figures: " + ", ".join(figures), ""]
    if data.problems:
        lines += ["## Missing or unfinished jobs", ""] + [f"- {p}" for p in data.problems] + [""]
    md = sweep_dir / "comparison.md"
    md.write_text("\n".join(lines))
    return md


def _figures(
    sweep_dir: Path, timeseries: pd.DataFrame, table: pd.DataFrame, factors: list[str]
) -> list[str]:
    """Save the sweep's figures into ``sweep_dir`` and return their file names."""
    figures = {"metric_bars.png": metric_bars_figure(table, factors)}
    if not timeseries.empty:
        figures["adoption_curves.png"] = adoption_curves_figure(timeseries, factors)
    first = factors[0] if factors else None
    if first and first != "strategy" and pd.api.types.is_numeric_dtype(table[first]):
        group = factors[1] if len(factors) > 1 else None
        figures["dose_response.png"] = dose_response_figure(table, first, group=group)
    if len(factors) == 2:
        figures["heatmap.png"] = heatmap_figure(table, factors[0], factors[1])
    for name, fig in figures.items():
        fig.savefig(sweep_dir / name, dpi=110)
    return sorted(figures)


def main(argv: list[str] | None = None) -> int:
    """Command line: aggregate one sweep directory and print where the comparison is."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: python -m experiments.aggregate SWEEP_DIR", file=sys.stderr)
        return 2
    data = load_sweep(args[0])
    md = write_report(args[0], data)
    shutil.rmtree(Path(args[0]) / GRAPH_CACHE, ignore_errors=True)  # left by a failed sweep
    for p in data.problems:
        print(f"peerbuy: {p}")
    print(f"comparison: {md}")
    return 0


__all__ = ["GRAPH_CACHE", "KEY_METRICS", "SweepData", "load_sweep", "main", "write_report"]

if __name__ == "__main__":
    sys.exit(main())
