"""A sweep folder: its jobs, their files read back, and its report (tables, comparison, figures).

Shared by the sweep's end-of-sweep callback, ``experiments.aggregate`` and ``experiments.resume``;
a job with corrupt or missing files becomes a failed row with its reason.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from omegaconf import OmegaConf

from experiments.sweeping import (
    FAILURE_FILE,
    expand_jobs,
    killed_jobs,
    one_line,
    replicate_dir,
)
from simulation.analysis.compare import KEY_METRICS, compare
from simulation.analysis.sweep_plots import (
    adoption_curves_figure,
    dose_response_figure,
    heatmap_figure,
    metric_bars_figure,
    profit_figure,
)
from simulation.analysis.sweep_report import ReportInput, comparison_markdown
from simulation.running.outputs import SUMMARY_FILE, TIMESERIES_FILE


class SweepError(Exception):
    """A folder that cannot be aggregated as one sweep (one line)."""


@dataclass
class SweepData:
    """What a sweep directory holds.

    Attributes:
        runs: One row per run (a job with ``replicates`` > 1 has several), with
            ``status`` (done, failed, missing) and ``reason``.
        timeseries: Every finished run's per-step rows with its job keys.
        factors: Columns that define an arm (swept keys other than the seed).
        expected: Number of jobs the sweep should have (None if unknown).
        problems: One line per failed or missing job or replicate.
        reference: The arm lifts are measured against: strategy baseline if swept, else
            the first value listed for the first swept parameter.
        meta: ``experiment``, ``question`` and ``objective`` of the sweep.
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    factors: list[str]
    expected: int | None
    problems: list[str] = field(default_factory=list)
    reference: dict[str, object] = field(default_factory=dict)
    meta: dict[str, object] = field(default_factory=dict)


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


def _multirun(sweep_dir: Path):
    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return None
    try:
        cfg = OmegaConf.load(path)
        OmegaConf.select(cfg, "hydra.sweeper")  # a YAML list or scalar is no sweep config
        return cfg
    except Exception as exc:
        raise SweepError(f"{path} unreadable ({one_line(exc)})") from None


def expected_jobs(sweep_dir: Path) -> list[list[str]] | None:
    """The job override lists the sweep launched, rebuilt from its ``multirun.yaml``.

    Raises:
        SweepError: If ``multirun.yaml`` cannot be read.
    """
    return _jobs_of(_multirun(sweep_dir), sweep_dir)


def _jobs_of(cfg, sweep_dir: Path) -> list[list[str]] | None:
    """The job override lists of a sweep's ``multirun.yaml`` (None: no such file)."""
    if cfg is None:
        return None
    try:
        node = OmegaConf.select(cfg, "hydra.sweeper.params")
        params = OmegaConf.to_container(node) if node is not None else {}
        task = list(OmegaConf.select(cfg, "hydra.overrides.task") or [])
        return expand_jobs(params, task)
    except Exception as exc:
        raise SweepError(f"{sweep_dir / 'multirun.yaml'} unreadable ({one_line(exc)})") from None


def _job_dirs(sweep_dir: Path) -> list[Path]:
    return sorted(
        p.parent.parent
        for p in sweep_dir.rglob(".hydra/overrides.yaml")
        if p.parent.parent != sweep_dir
    )


def check_sweep_folder(sweep_dir: Path) -> None:
    """Refuse, in one line, a folder that is not exactly one sweep.

    Raises:
        SweepError: Missing or empty folder, a single run's folder, or a folder of sweeps.
    """
    if not sweep_dir.is_dir():
        raise SweepError(f"{sweep_dir}: no such folder")
    own = (sweep_dir / "multirun.yaml").exists()
    nested = sorted(p.parent for p in sweep_dir.rglob("multirun.yaml") if p.parent != sweep_dir)
    if nested:
        raise SweepError(
            f"{sweep_dir} is not one sweep: it holds {len(nested)} sweep folders "
            f"(e.g. {nested[0]}); aggregate each on its own"
        )
    if not own and (sweep_dir / ".hydra").is_dir():
        raise SweepError(f"{sweep_dir} is a single run's folder, not a sweep")
    if not own and not _job_dirs(sweep_dir):
        raise SweepError(f"{sweep_dir} holds no sweep (no multirun.yaml and no job folders)")


def _read_summary(rdir: Path) -> dict:
    """A finished replicate's summary; ValueError saying what is wrong."""
    failure = rdir / FAILURE_FILE
    if failure.exists():
        try:
            reason = json.loads(failure.read_text())["reason"]
        except (OSError, ValueError, KeyError, TypeError):
            reason = f"{FAILURE_FILE} unreadable"
        raise ValueError(str(reason))
    path = rdir / SUMMARY_FILE
    if not path.exists():
        raise ValueError(f"no {SUMMARY_FILE} (unfinished: interrupted or killed)")
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{SUMMARY_FILE} unreadable ({one_line(exc)})") from None
    if not isinstance(summary, dict):
        raise ValueError(f"{SUMMARY_FILE} holds no summary")
    for key in KEY_METRICS:
        v = summary.get(key)
        if key != "time_to_50pct" and v is None and key != "cpa":
            raise ValueError(f"{SUMMARY_FILE}: {key} missing")
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise ValueError(f"{SUMMARY_FILE}: {key} = {v!r} is not a number")
    if not (rdir / TIMESERIES_FILE).exists():
        raise ValueError(f"{TIMESERIES_FILE} missing")
    return summary


def _read_timeseries(path: Path) -> pd.DataFrame:
    """One replicate's time series; ValueError saying what is wrong."""
    try:
        ts = pd.read_csv(path)
    except Exception as exc:  # pandas raises several parser and decoding errors
        raise ValueError(f"{TIMESERIES_FILE} unreadable ({one_line(exc)})") from None
    if ts.empty:
        raise ValueError(f"{TIMESERIES_FILE} has no rows")
    return ts


def _read_together(paths: list[Path]) -> tuple[pd.DataFrame, list[int]] | None:
    r"""Every time series in one parse (one ``read_csv`` instead of one per run).

    Only for plain files (one header for all, unquoted, ``\n`` line ends, no blank
    line, every file with rows) whose columns all parse as numbers: then the one parse
    gives the same table as parsing each file and concatenating (each value is parsed
    alone; int and float columns meet as float64 either way). Anything else, or a
    parse that does not give one row per line, returns None: the caller reads the files
    one by one, with a reason for each one that is wrong.

    Returns:
        The rows of all files in order, and each file's number of rows.
    """
    header, lines, counts = None, [], []
    for path in paths:
        try:
            text = path.read_bytes()
        except OSError:
            return None
        head, newline, body = text.partition(b"\n")
        if header is None:
            header = head
        if head != header or not newline or b'"' in text or b"\r" in text:
            return None
        rows = body.split(b"\n")
        if rows[-1] == b"":
            rows.pop()  # the last line's end
        if not rows or any(not row.strip() for row in rows):
            return None
        lines += rows
        counts.append(len(rows))
    if header is None:
        return None
    try:
        table = pd.read_csv(io.BytesIO(b"\n".join([header, *lines, b""])))
    except Exception:  # a file pandas cannot read: the caller names it
        return None
    numeric = all(pd.api.types.is_numeric_dtype(t) for t in table.dtypes)
    if len(table) != len(lines) or not numeric:
        return None
    return table, counts


def _key_columns(bases: list[dict], lengths: list[int]) -> pd.DataFrame:
    """Each run's keys repeated along its rows, keys first.

    The same columns and dtypes as one frame per run concatenated; a column whose values
    are all of one type is built at once.
    """
    frame = {}
    for column in bases[0] if bases else ():
        values = [b[column] for b in bases]
        if len({type(v) for v in values}) == 1:
            frame[column] = [v for v, n in zip(values, lengths, strict=True) for _ in range(n)]
        else:  # mixed types (e.g. None and 5000.0): let concat find the common dtype
            frame[column] = pd.concat(
                [pd.DataFrame({column: [v] * n}) for v, n in zip(values, lengths, strict=True)],
                ignore_index=True)[column]
    return pd.DataFrame(frame)


def _timeseries(done: list[tuple[dict, Path]]) -> tuple[pd.DataFrame, dict[int, str]]:
    """The time series of the finished replicates ``(keys, path)``, keys first.

    Returns:
        The table, and the reason of each replicate (by position) whose file is wrong.
    """
    together = _read_together([path for _, path in done])
    errors: dict[int, str] = {}
    if together is not None:
        table, counts = together
        bases = [base for base, _ in done]
    else:
        tables, bases, counts = [], [], []
        for i, (base, path) in enumerate(done):
            try:
                ts = _read_timeseries(path)
            except ValueError as exc:
                errors[i] = str(exc)
                continue
            tables.append(ts)
            bases.append(base)
            counts.append(len(ts))
        if not tables:
            return pd.DataFrame(), errors
        table = pd.concat(tables, ignore_index=True)
    return pd.concat([_key_columns(bases, counts), table], axis=1), errors


def _job_config(job: Path) -> tuple[list[str], object]:
    overrides = OmegaConf.to_container(OmegaConf.load(job / ".hydra/overrides.yaml"))
    if not isinstance(overrides, list):
        raise ValueError(".hydra/overrides.yaml is not a list")
    cfg = OmegaConf.load(job / ".hydra/config.yaml")
    return [str(o) for o in overrides], cfg


def load_sweep(sweep_dir: str | Path) -> SweepData:
    """Read every job of one sweep; list (never drop) failed, unfinished or missing ones.

    Raises:
        SweepError: If the folder is not one sweep (see :func:`check_sweep_folder`).
    """
    sweep_dir = Path(sweep_dir)
    check_sweep_folder(sweep_dir)
    problems: list[str] = []
    try:
        master = _multirun(sweep_dir)
        expected = _jobs_of(master, sweep_dir)
    except SweepError as exc:
        problems.append(f"{exc}: the list of expected jobs is unknown")
        expected, master = None, None
    killed = killed_jobs(sweep_dir)
    found: dict[frozenset, tuple[Path, list[str], object]] = {}
    for job in _job_dirs(sweep_dir):
        rel = str(job.relative_to(sweep_dir))
        try:
            overrides, cfg = _job_config(job)
        except Exception as exc:
            problems.append(f"failed: {rel}: job config unreadable ({one_line(exc)})")
            continue
        found[frozenset(overrides)] = (job, overrides, cfg)
    all_overrides = expected if expected is not None else [v[1] for v in found.values()]
    values: dict[str, dict[str, object]] = {}  # column -> levels in the order listed
    for overrides in all_overrides:
        for o in overrides:
            col, v = _split(o)
            values.setdefault(col, {}).setdefault(str(v), v)
    swept = [c for c, v in values.items() if len(v) > 1]

    rows: list[dict] = []
    read: list[tuple] = []  # (job key, rel, replicates, seed, base, summary or reason)
    for overrides in expected or []:
        if frozenset(overrides) not in found:
            keys = {c: v for c, v in (_split(o) for o in overrides) if c != "seed"}
            rows.append({"job": None, **keys, "status": "missing", "reason": "never started"})
            problems.append(f"missing (never started): {','.join(overrides)}")
    for key, (job, overrides, cfg) in sorted(found.items(), key=lambda kv: str(kv[1][0])):
        rel = str(job.relative_to(sweep_dir))
        keys = {c: v for c, v in (_split(o) for o in sorted(overrides)) if c != "seed"}
        strategy = "+".join(cfg.get("strategy") or {}) or "baseline"
        replicates = int(cfg.get("replicates", 1))
        for r in range(replicates):
            seed = int(cfg.seed) + r
            base = {
                "job": rel,
                **keys,
                "strategy": strategy,
                "budget": cfg.get("budget"),
                "price": OmegaConf.select(cfg, "product.price"),
                "margin": OmegaConf.select(cfg, "product.margin"),
                "seed": seed,
                "replicate": r,
            }
            rdir = replicate_dir(job, seed, replicates)
            try:
                got: dict | str = _read_summary(rdir)
            except ValueError as exc:
                got = killed.get(key) or str(exc)
            read.append((key, rel, replicates, seed, base, got, rdir / TIMESERIES_FILE))
    # The time series of every replicate whose summary is fine, read at once; a
    # replicate whose time series is wrong fails with the reason.
    done = [(i, base, path) for i, (*_, base, got, path) in enumerate(read)
            if isinstance(got, dict)]
    timeseries, errors = _timeseries([(base, path) for _, base, path in done])
    wrong = {done[j][0]: reason for j, reason in errors.items()}
    failed: dict[str, list[str]] = {}
    for i, (key, rel, replicates, seed, base, got, _) in enumerate(read):
        if not isinstance(got, dict) or i in wrong:
            reason = got if not isinstance(got, dict) else killed.get(key) or wrong[i]
            rows.append({**base, "status": "failed", "reason": reason})
            failed.setdefault(rel, []).append(
                f"seed {seed}: {reason}" if replicates > 1 else reason)
            continue
        got.pop("seed", None)
        rows.append({**base, "status": "done", "reason": "", **got})
    problems += [f"failed: {rel}: {'; '.join(reasons)}" for rel, reasons in failed.items()]
    runs = pd.DataFrame(rows)
    factors = [c for c in swept if c != "seed"]
    done = runs[runs["status"] == "done"] if not runs.empty else runs
    # A swept key that only picks the strategy (e.g. a preset's equal-budget arm) is
    # reported as the strategy itself.
    for i, f in enumerate(factors):
        if f in done and not done.empty and (done[f].astype(str) == done["strategy"]).all():
            factors[i] = "strategy"
    factors = list(dict.fromkeys(factors))
    if "strategy" in factors:  # the decision is which strategy; other keys are scenarios
        factors.remove("strategy")
        factors.insert(0, "strategy")
    reference: dict[str, object] = {}
    if factors and not done.empty:
        levels = done[factors[0]].tolist()
        if factors[0] == "strategy" and "baseline" in levels:
            reference = {"strategy": "baseline"}
        else:
            listed = [v for v in values.get(factors[0], {}).values() if v in levels] or levels
            reference = {factors[0]: listed[0]}
    source = master if master is not None else (next(iter(found.values()))[2] if found else None)
    meta = {
        "experiment": OmegaConf.select(source, "hydra.runtime.choices.experiment")
        if source is not None
        else None,
        "question": OmegaConf.select(source, "report.question") if source is not None else None,
        "objective": (OmegaConf.select(source, "report.objective") if source is not None else None)
        or "profit",
    }
    return SweepData(
        runs,
        timeseries,
        factors,
        None if expected is None else len(expected),
        problems,
        reference,
        meta,
    )


def write_report(
    sweep_dir: str | Path, data: SweepData | None = None, objective: str | None = None
) -> Path:
    """Aggregate ``sweep_dir`` and write the tables, comparison and figures into it.

    Args:
        sweep_dir: The sweep folder.
        data: Its contents (read if None).
        objective: What the decision maximises; default the sweep's ``report.objective``.

    Returns:
        The path of ``comparison.md``.
    """
    sweep_dir = Path(sweep_dir)
    data = data or load_sweep(sweep_dir)
    objective = objective or str(data.meta.get("objective") or "profit")
    runs, factors = data.runs, data.factors
    runs.to_csv(sweep_dir / "runs.csv", index=False)
    runs.astype({"reason": str}).to_parquet(sweep_dir / "runs.parquet", index=False)
    if not data.timeseries.empty:
        data.timeseries.to_parquet(sweep_dir / "timeseries.parquet", index=False)
    done = runs[runs["status"] == "done"].copy() if not runs.empty else runs
    n_jobs = runs["job"].nunique() + int((runs["status"] == "missing").sum()) if len(runs) else 0
    total = data.expected if data.expected is not None else n_jobs
    status = (
        f"**PARTIAL**: {len(done)} finished runs; {len(data.problems)} jobs failed or "
        f"missing (listed below). Numbers use finished runs only. Re-run only those with "
        f"`python -m experiments.resume {sweep_dir}`."
        if data.problems
        else f"Complete: {total} jobs, {len(done)} runs."
    )
    # The report and figures name a swept key by its last part (targeting, not
    # strategy.influencer_seeding.targeting) when that is unambiguous.
    short = {f: f.rsplit(".", 1)[-1] for f in factors}
    reference = dict(data.reference)
    timeseries = data.timeseries
    if len(set(short.values())) == len(short):
        done = done.rename(columns=short)
        timeseries = timeseries.rename(columns=short)
        reference = {short[k]: v for k, v in reference.items()}
        factors = [short[f] for f in factors]
    inp = ReportInput(
        runs=done,
        factors=factors,
        reference=reference,
        objective=objective,
        experiment=data.meta.get("experiment"),
        question=data.meta.get("question"),
        status=status,
        problems=data.problems,
    )
    table = None
    for stale in ("comparison.csv", *_FIGURES):
        (sweep_dir / stale).unlink(missing_ok=True)
    if not done.empty:
        table = compare(done, factors, reference=reference or None)
        table.to_csv(sweep_dir / "comparison.csv", index=False)
        inp.figures = _figures(sweep_dir, timeseries, table, factors, objective, reference)
    md = sweep_dir / "comparison.md"
    tmp = sweep_dir / ".comparison.md.tmp"
    tmp.write_text(comparison_markdown(inp, table))
    tmp.replace(md)
    return md


_FIGURES = (
    "profit.png",
    "metric_bars.png",
    "adoption_curves.png",
    "dose_response.png",
    "heatmap.png",
)


def _figures(
    sweep_dir: Path, timeseries: pd.DataFrame, table: pd.DataFrame, factors: list[str],
    objective: str, reference: dict[str, object],
) -> list[str]:
    """Save the sweep's figures into ``sweep_dir`` and return their file names."""
    figures = {"metric_bars.png": metric_bars_figure(table, factors)}
    if table["lift"].notna().any():
        figures["profit.png"] = profit_figure(table, factors)
    if not timeseries.empty:
        ref = tuple(reference.values()) if len(factors) == 1 and reference else None
        figures["adoption_curves.png"] = adoption_curves_figure(
            timeseries, factors, reference=ref
        )
    first = factors[0] if factors else None
    if first and first != "strategy" and pd.api.types.is_numeric_dtype(table[first]):
        group = factors[1] if len(factors) > 1 else None
        figures["dose_response.png"] = dose_response_figure(
            table, first, metrics=("adopters", "profit"), group=group
        )
    if len(factors) == 2:
        figures["heatmap.png"] = heatmap_figure(table, factors[0], factors[1], metric=objective)
    for name, fig in figures.items():
        fig.savefig(sweep_dir / name, dpi=110)
    return sorted(figures)
