import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize

from experiments.config import group_options, to_run_params

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["strategy=baseline,ads", "seed=0,1", "network.n=200", "steps=20", "engine=vectorized"]
#: Columns that legitimately differ between two launches of the same sweep.
VOLATILE = ["wall_seconds"]


def _sweep(sweep_dir: Path, *overrides: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.run", "-m", *overrides, f"hydra.sweep.dir={sweep_dir}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    sweep_dir = tmp_path_factory.mktemp("sweep") / "s"
    return sweep_dir, _sweep(sweep_dir, *SMALL)


def test_sweep_writes_tables_comparison_and_figures(small_sweep):
    sweep_dir, proc = small_sweep
    runs = pd.read_csv(sweep_dir / "runs.csv")
    assert len(runs) == 4 and set(runs["strategy"]) == {"baseline", "ads"}
    assert sorted(runs["seed"]) == [0, 0, 1, 1]
    assert {"adopters", "cpa", "network.n", "steps", "job"} <= set(runs.columns)
    assert pd.read_parquet(sweep_dir / "runs.parquet").shape == runs.shape
    ts = pd.read_parquet(sweep_dir / "timeseries.parquet")
    assert len(ts) == 4 * 21 and {"strategy", "seed", "step", "adopters"} <= set(ts.columns)
    table = pd.read_csv(sweep_dir / "comparison.csv")
    ads = table[(table["strategy"] == "ads") & (table["metric"] == "adopters")].iloc[0]
    by_seed = runs.pivot(index="seed", columns="strategy", values="adopters")
    assert ads["lift"] == pytest.approx((by_seed["ads"] - by_seed["baseline"]).mean())
    assert ads["n_pairs"] == 2
    md = (sweep_dir / "comparison.md").read_text()
    assert "Complete: 4 jobs" in md and "reference: strategy=baseline" in md
    assert "Too few replicates for a claim" in md  # 2 pairs only
    for name in ("adoption_curves.png", "metric_bars.png"):
        assert (sweep_dir / name).stat().st_size > 10_000
    assert "[4/4] jobs done" in proc.stdout
    job = sweep_dir / runs["job"].iloc[0]
    provenance = json.loads((job / "provenance.json").read_text())
    assert provenance["packages"]["numpy"] and "git_commit" in provenance
    assert (job / ".hydra" / "config.yaml").exists()


def test_interrupted_sweep_lists_the_missing_jobs(small_sweep, tmp_path):
    sweep_dir = tmp_path / "copy"
    shutil.copytree(small_sweep[0], sweep_dir)
    for name in ("runs.csv", "comparison.md"):
        (sweep_dir / name).unlink()
    unfinished = next(sweep_dir.glob("*strategy=ads*"))
    (unfinished / "summary.json").unlink()
    never_started = next(sweep_dir.glob("*seed=1*strategy=baseline*"))
    shutil.rmtree(never_started)
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.aggregate", str(sweep_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    md = (sweep_dir / "comparison.md").read_text()
    assert "**PARTIAL**" in md
    assert f"unfinished or failed (no summary.json): {unfinished.name}" in md
    assert "missing (never started): strategy=baseline,seed=1" in md
    assert unfinished.name in proc.stdout
    runs = pd.read_csv(sweep_dir / "runs.csv")
    assert (runs["status"] == "missing").sum() == 1 and len(runs) == 3


def test_replicates_make_one_row_per_seed(tmp_path):
    sweep_dir = tmp_path / "rep"
    _sweep(
        sweep_dir,
        "strategy=baseline,ads",
        "seed=0",
        "replicates=3",
        "network.n=200",
        "steps=20",
        "engine=vectorized",
    )
    runs = pd.read_csv(sweep_dir / "runs.csv")
    assert sorted(runs["seed"]) == [0, 0, 1, 1, 2, 2]
    assert set(runs["replicate"]) == {0, 1, 2}
    table = pd.read_csv(sweep_dir / "comparison.csv")
    ads = table[(table["strategy"] == "ads") & (table["metric"] == "adopters")]
    assert ads["n_pairs"].tolist() == [3]


def test_rerun_from_saved_job_config_gives_identical_numbers(small_sweep, tmp_path):
    job = next(small_sweep[0].glob("*seed=1*strategy=ads*"))
    out = tmp_path / "rerun"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.run",
            "--config-path",
            str(job / ".hydra"),
            "--config-name",
            "config",
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    old, new = (json.loads((d / "summary.json").read_text()) for d in (job, out))
    for s in (old, new):
        s.pop("wall_seconds")
    assert new == old


@pytest.mark.parametrize("experiment", group_options("experiment"))
def test_every_experiment_preset_composes_into_valid_runs(experiment):
    with initialize(version_base="1.3", config_path="../configs"):
        cfg = compose("config", overrides=[f"experiment={experiment}"], return_hydra_config=True)
    assert cfg.hydra.mode.name == "MULTIRUN" and cfg.hydra.sweeper.params
    params = to_run_params(cfg)
    assert params.engine == "vectorized"


@pytest.mark.slow
def test_serial_and_joblib_sweeps_give_identical_numbers(tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "joblib"
    _sweep(serial, *SMALL, "hydra/launcher=basic")
    _sweep(parallel, *SMALL, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    a, b = (
        pd.read_csv(d / "runs.csv").drop(columns=VOLATILE).sort_values("job").reset_index(drop=True)
        for d in (serial, parallel)
    )
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(
        pd.read_csv(serial / "comparison.csv"), pd.read_csv(parallel / "comparison.csv")
    )
