"""End-to-end: experiments.calibrate and experiments.sensitivity through the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.test_bassfit import R_NLS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def cli(module: str, *args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", f"experiments.{module}", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_bass_method_matches_r_nls(tmp_path):
    out = tmp_path / "bass"
    proc = cli("calibrate", "method=bass", f"data={DATA / 'vcr_sales.csv'}",
               "calibration.bass_form=density", f"hydra.run.dir={out}", cwd=tmp_path)
    assert "residual standard error 727.193 on 7 degrees of freedom" in proc.stdout
    table = pd.read_csv(out / "bass_fit.csv").set_index("parameter")
    for name in ("m", "p", "q"):
        est, se = R_NLS["density"][name]
        assert table.loc[name, "estimate"] == pytest.approx(est, rel=1e-5)
        assert table.loc[name, "std_error"] == pytest.approx(se, rel=1e-5)
    assert (out / "bass.png").stat().st_size > 10_000


def test_calibrate_example_writes_a_config_other_commands_use(tmp_path):
    """Quick calibration of the shipped example, then a run on the calibrated config."""
    out = tmp_path / "cal"
    name = f"pytest_{os.getpid()}"
    written = ROOT / "configs" / "consumer" / f"calibrated_{name}.yaml"
    try:
        proc = cli("calibrate", f"data={DATA / 'example_launch.csv'}", "calibration=quick",
                   "~calibration.parameters.consumer.interest_prob",
                   "~calibration.parameters.consumer.share_prob", "calibration.popsize=2",
                   "network.n=200", "holdout=3", f"name={name}", f"hydra.run.dir={out}",
                   cwd=tmp_path)
        assert "Forecast of the last 3 periods from the first 9" in proc.stdout
        fit = pd.read_csv(out / "fit.csv").set_index("parameter")
        assert list(fit.index) == ["consumer.discovery_prob", "consumer.persuasion",
                                   "market_size"]
        assert (fit["lower"] <= fit["estimate"]).all()
        assert (fit["estimate"] <= fit["upper"]).all()
        series = pd.read_csv(out / "series.csv")
        assert len(series) == 12 and series["in_fit"].sum() == 9 and "bass" in series
        assert len(pd.read_csv(out / "forecast.csv")) == 3
        for f in ("calibration.png", "summary.txt", "calibration.json", written.name):
            assert (out / f).exists(), f
        # Every other command composes it as a consumer option.
        run_dir = tmp_path / "run"
        cli("run", f"consumer=calibrated_{name}", "network.n=200", "steps=5",
            f"hydra.run.dir={run_dir}", cwd=tmp_path)
        resolved = (run_dir / ".hydra" / "config.yaml").read_text()
        persuasion = fit.loc["consumer.persuasion", "estimate"]
        assert f"persuasion: {float(f'{persuasion:.6g}')}" in resolved
    finally:
        written.unlink(missing_ok=True)


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    out = tmp_path / "bad"
    bad = tmp_path / "bad.csv"
    bad.write_text("period,sales\n1,3\n2,x\n3,5\n4,6\n")
    proc = cli("calibrate", f"data={bad}", f"hydra.run.dir={out}", cwd=tmp_path, ok=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "sales in period 2 is x; must be a number >= 0" in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize(("module", "overrides", "message"), [
    ("sensitivity", ["output=happiness"], "output = 'happiness': must be one of adopters"),
    ("sensitivity", ["sensitivity=sobol", "sensitivity.size=100"],
     "sensitivity.size = 100: Sobol needs a power of 2"),
    ("sensitivity", ["+sensitivity.parameters.consumer.persuasion=[0.1,2]"],
     "sensitivity.parameters.consumer.persuasion = [0.1, 2]: outside what the parameter allows"),
    ("sensitivity", ["chunks=2", "chunk=2"], "chunk = 2: must be null or an integer in 0..1"),
    ("calibrate", ["data=data/vcr_sales.csv", "holdout=7"], "holdout = 7: must be at most 6"),
    ("calibrate", ["data=data/vcr_sales.csv", "+calibration.parameters.product.price=[1,2]"],
     "calibration.parameters.product.price = [1, 2]: must be a consumer.<key>"),
    ("calibrate", ["data=data/vcr_sales.csv", "calibration.days_per_period=[9,3]"],
     "calibration.days_per_period = [9, 3]: must be a number of days"),
])
def test_config_errors_name_the_key(module, overrides, message, monkeypatch):
    """The same checks the CLIs run before any work, on configs composed in-process."""
    from hydra import compose, initialize_config_dir

    from experiments import calibrate, sensitivity
    from experiments.config import CONFIG_DIR
    from models.params import ParameterError

    monkeypatch.chdir(ROOT)
    name = {"sensitivity": "sensitivity_analysis", "calibrate": "calibrate"}[module]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(name, overrides=overrides)
    with pytest.raises(ParameterError) as err:
        if module == "sensitivity":
            sensitivity.study(cfg)
        else:
            calibrate.check_config(cfg)
    assert message in str(err.value)


@pytest.mark.slow
def test_sensitivity_chunked_on_a_launcher_equals_in_process(tmp_path):
    args = ["debug=quick", "sensitivity.size=2", "network.n=100", "steps=20"]
    one = tmp_path / "one"
    cli("sensitivity", *args, f"hydra.run.dir={one}", cwd=tmp_path)
    swept = tmp_path / "swept"
    proc = cli("sensitivity", "-m", *args, "chunks=2", "chunk=0,1", f"hydra.sweep.dir={swept}",
               cwd=tmp_path)
    assert f"outputs: {swept}" in proc.stdout
    a = pd.read_csv(one / "indices.csv")
    b = pd.read_csv(swept / "indices.csv")
    pd.testing.assert_frame_equal(a, b)
    assert len(pd.read_csv(swept / "evaluations.csv")) == 2 * 11
    assert "Morris screening of adopters" in (swept / "ranking.txt").read_text()
    assert (one / "sensitivity.png").stat().st_size > 5_000


def test_every_calibration_and_sensitivity_option_checks(monkeypatch):
    from hydra import compose, initialize_config_dir

    from experiments import calibrate, sensitivity
    from experiments.config import CONFIG_DIR, group_options

    monkeypatch.chdir(ROOT)
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        for option in group_options("calibration"):
            cfg = compose("calibrate", overrides=[f"calibration={option}",
                                                  "data=data/example_launch.csv"])
            plan = calibrate.check_config(cfg)
            assert plan.target.space.dim == 4 and plan.fit_periods == 12
        sizes = {}
        for option in group_options("sensitivity"):
            _, space, design, seeds = sensitivity.study(
                compose("sensitivity_analysis", overrides=[f"sensitivity={option}"]))
            sizes[option] = (space.dim, len(design), len(seeds))
    # Morris: 10 trajectories x (10 + 1); Sobol: N = 256 x (6 + 2).
    assert sizes == {"morris": (10, 110, 2), "sobol": (6, 2048, 1)}
