"""``python -m experiments.calibrate data=FILE``: fit the model (or ``method=bass``) to a series."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.common import fail, write_provenance
from experiments.config import CONFIG_DIR, to_run_params
from experiments.frontdoor import check_group_overrides
from models.params import ParameterError, check, check_choice, check_count
from simulation.analysis.bassfit import FORMS, fit_bass
from simulation.analysis.calibration import (
    DAYS_KEY,
    CalibrationResult,
    CalibrationSettings,
    Target,
    calibrate,
    forecast_errors,
)
from simulation.analysis.figures import fit_figure
from simulation.analysis.observed import ObservedSeries, load_series
from simulation.analysis.space import flatten_ranges
from simulation.running.runner import RunParams

METHODS = ("model", "bass")
NAME_PATTERN = re.compile(r"[a-z0-9_]+")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _save_figure(fig, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, dpi=110, format="png")
    os.replace(tmp, path)


@dataclass(frozen=True)
class Plan:
    """A checked calibration: the data, what to fit and how (target etc. None for bass)."""

    series: ObservedSeries
    fit_periods: int
    name: str
    base: RunParams | None = None
    target: Target | None = None
    settings: CalibrationSettings | None = None
    market: float | None = None
    config_dir: Path | None = None


#: Top-level keys of configs/calibrate.yaml that are this command's, not a run's.
OWN_KEYS = ("data", "method", "name", "holdout", "config_dir", "calibration")


def check_config(cfg: DictConfig) -> Plan:
    """Check every key and read the data, before any work starts.

    Raises:
        ParameterError: One line naming the key, its value and what is allowed.
    """
    check_choice("method", cfg.method, METHODS)
    cal = cfg.calibration
    check_choice("calibration.bass_form", cal.bass_form, FORMS)
    series = load_series(cfg.data)
    check_count("holdout", cfg.holdout)
    check("holdout", cfg.holdout, f"at most {len(series) - 4} (leave 4 periods to fit)",
          cfg.holdout <= len(series) - 4)
    name = cfg.name if cfg.name is not None else series.name.lower().replace("-", "_")
    check("name", name, "letters a-z, digits and _", bool(NAME_PATTERN.fullmatch(str(name))))
    plan = Plan(series, len(series) - cfg.holdout, str(name))
    if cfg.method == "bass":
        return plan
    base = to_run_params(cfg, extra=OWN_KEYS)
    params = flatten_ranges(OmegaConf.to_container(cal.parameters, resolve=True))
    for key in params:
        check(f"calibration.parameters.{key}", params[key],
              "a consumer.<key> (the calibrated config is a consumer config)",
              key.startswith("consumer."))
    days = OmegaConf.to_container(OmegaConf.create({"d": cal.days_per_period}))["d"]
    target = Target.from_mapping(params, days, base)
    settings = CalibrationSettings(
        replicates=cal.replicates, popsize=cal.popsize, maxiter=cal.maxiter,
        band_runs=cal.band_runs, level=float(cal.level), seed=cfg.seed)
    market = cal.market_size
    check("calibration.market_size", market, "null or a number > 0",
          market is None or (isinstance(market, int | float) and not isinstance(market, bool)
                             and market > 0))
    config_dir = Path(cfg.config_dir) if cfg.config_dir else CONFIG_DIR / "consumer"
    check("config_dir", str(config_dir), "an existing directory", config_dir.is_dir())
    return replace(plan, base=base, target=target, settings=settings,
                   market=None if market is None else float(market), config_dir=config_dir)


def calibrated_yaml(result: CalibrationResult, cfg: DictConfig, name: str) -> str:
    """The consumer config of a calibrated market: every key, the fitted ones replaced."""
    consumer = OmegaConf.to_container(cfg.consumer, resolve=True)
    for key, value in result.estimate.items():
        if key.startswith("consumer."):
            consumer[key.split(".", 1)[1]] = float(f"{value:.6g}")
    lines = [
        f"# Calibrated market '{name}': python -m experiments.run consumer=calibrated_{name}",
        f"# Fitted to {Path(cfg.data).name} ({result.fit_periods} periods) by "
        "python -m experiments.calibrate " + " ".join(sys.argv[1:]),
        f"# on network={cfg.network.name} n={result.n}: use the same network for what-ifs.",
        f"# One data period = {result.days_per_period:.4g} days; the market is "
        f"{result.market[0]:,.0f} in the data's units ({result.market[0] / result.n:.4g} per "
        "simulated consumer).",
        f"# {result.level:.0%} intervals: "
        + "; ".join(f"{k.split('.')[-1]} {result.lower[k]:.4g}..{result.upper[k]:.4g}"
                    for k in result.names),
    ]
    body = OmegaConf.to_yaml(OmegaConf.create(consumer))
    return "\n".join(lines) + "\n" + body


@hydra.main(version_base="1.3", config_path="../configs", config_name="calibrate")
def main(cfg: DictConfig) -> dict:
    """Fit, write the tables, figure, plain-words summary and (model) the calibrated config."""
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        plan = check_config(cfg)
    except ParameterError as exc:
        fail(str(exc), out)
    series, k_fit, name = plan.series, plan.fit_periods, plan.name
    out.mkdir(parents=True, exist_ok=True)
    write_provenance(out)
    head = series.head(k_fit)
    try:
        bass = fit_bass(head.new, form=cfg.calibration.bass_form)
    except ParameterError as exc:
        bass = None
        print(f"Bass fit: {exc}")
    if cfg.method == "bass":
        return _bass_only(series, k_fit, bass, out, cfg)
    try:
        result = calibrate(series, plan.base, plan.target, plan.settings, fit_periods=k_fit,
                           market=plan.market, progress=print)
    except ParameterError as exc:
        fail(str(exc), out)
    table = result.series()
    if bass is not None:
        table["bass"] = bass.predict(range(1, len(series) + 1))
        bass.table().to_csv(out / "bass_fit.csv", index=False)
    result.table().to_csv(out / "fit.csv", index=False)
    table.to_csv(out / "series.csv", index=False)
    text = [result.describe(), "", "Intervals: " + result.method]
    if bass is not None:
        text += ["", bass.describe()]
    if cfg.holdout:
        fc = forecast_errors(result, cfg.calibration.bass_form)
        fc.table.to_csv(out / "forecast.csv", index=False)
        text += ["", fc.describe()]
    _save_figure(fit_figure(table, f"{series.name}: calibrated model (n = {result.n})",
                            result.level), out / "calibration.png")
    yaml_text = calibrated_yaml(result, cfg, name)
    target_path = plan.config_dir / f"calibrated_{name}.yaml"
    _atomic_write(out / target_path.name, yaml_text)
    _atomic_write(target_path, yaml_text)
    text += ["", f"What-if runs on this market: python -m experiments.run "
                 f"consumer=calibrated_{name} network={cfg.network.name} "
                 f"network.n={result.n} steps={round(len(series) * result.days_per_period)}",
             f"config: {target_path}"]
    _atomic_write(out / "summary.txt", "\n".join(text) + "\n")
    summary = {"name": name, "estimate": result.estimate, "lower": result.lower,
               "upper": result.upper, "market_size": result.market,
               DAYS_KEY: result.days_per_period, "rmse": result.rmse, "n": result.n,
               "trials": result.trials, "runs": result.runs,
               "wall_seconds": round(result.wall_seconds, 1), "config": str(target_path)}
    _atomic_write(out / "calibration.json", json.dumps(summary, indent=2) + "\n")
    print("\n".join(text))
    print(f"outputs: {out}")
    return summary


def _bass_only(series: ObservedSeries, k_fit: int, bass, out: Path, cfg: DictConfig) -> dict:
    if bass is None:
        fail("data: the Bass fit found no valid market in this series", out)
    bass.table().to_csv(out / "bass_fit.csv", index=False)
    table = pd.DataFrame({"period": series.periods, "observed": series.new,
                          "bass": bass.predict(range(1, len(series) + 1)),
                          "in_fit": [i < k_fit for i in range(len(series))]})
    table.to_csv(out / "series.csv", index=False)
    text = [bass.describe()]
    if cfg.holdout:
        y, f = series.new[k_fit:], table["bass"].to_numpy()[k_fit:]
        rmse = float(((f - y) ** 2).mean() ** 0.5)
        text.append(f"Forecast of the last {cfg.holdout} periods from the first {k_fit}: "
                    f"RMSE {rmse:,.4g}")
    _save_figure(fit_figure(table, f"{series.name}: Bass fit"), out / "bass.png")
    _atomic_write(out / "summary.txt", "\n".join(text) + "\n")
    print("\n".join(text))
    print(f"outputs: {out}")
    return {"m": bass.m, "p": bass.p, "q": bass.q, "se": bass.se, "rse": bass.rse}


def cli() -> None:
    """``python -m experiments.calibrate``: group choices checked in one line first."""
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    try:
        check_group_overrides(args, own=("calibration",))
    except ParameterError as exc:
        fail(str(exc))
    main()


if __name__ == "__main__":
    cli()
