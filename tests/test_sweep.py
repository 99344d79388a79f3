import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize

from experiments.aggregate import main as aggregate_main
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
    assert "Only 2 seed-matched pairs" in md  # too few for a claim
    for name in ("adoption_curves.png", "metric_bars.png", "profit.png"):
        assert (sweep_dir / name).stat().st_size > 10_000
    assert "[4/4] jobs done" in proc.stdout
    job = sweep_dir / runs["job"].iloc[0]
    provenance = json.loads((job / "provenance.json").read_text())
    assert provenance["packages"]["numpy"] and "git_commit" in provenance
    assert (job / ".hydra" / "config.yaml").exists()
    assert len(list(sweep_dir.glob("*/adoption.png"))) == 4  # figure: true by default


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
    assert f"failed: {unfinished.name}: no summary.json (unfinished: interrupted or killed)" in md
    assert "missing (never started): strategy=baseline,seed=1" in md
    assert unfinished.name in proc.stdout
    runs = pd.read_csv(sweep_dir / "runs.csv")
    assert runs["status"].value_counts().to_dict() == {"done": 2, "failed": 1, "missing": 1}


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
        "figure=false",
    )
    runs = pd.read_csv(sweep_dir / "runs.csv")
    assert sorted(runs["seed"]) == [0, 0, 1, 1, 2, 2]
    assert len(list(sweep_dir.glob("*/seed=*/summary.json"))) == 6
    assert not list(sweep_dir.rglob("adoption.png"))  # figure=false: no per-job figure
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
    assert cfg.figure is False  # the report draws the figures; one per job costs more


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


def _corrupt_summary(job: Path) -> None:
    (job / "summary.json").write_text('{"adopters": 12, "rev')


def _non_numeric(job: Path) -> None:
    summary = json.loads((job / "summary.json").read_text())
    summary["adopters"] = "many"
    (job / "summary.json").write_text(json.dumps(summary))


def _header_only(job: Path) -> None:
    header = (job / "timeseries.csv").read_text().splitlines()[0]
    (job / "timeseries.csv").write_text(header + "\n")


JOB_CORRUPTIONS = {
    "corrupt summary.json": (_corrupt_summary, "summary.json unreadable (JSONDecodeError"),
    "deleted timeseries.csv": (lambda j: (j / "timeseries.csv").unlink(), "timeseries.csv missing"),
    "non-numeric metric": (_non_numeric, "summary.json: adopters = 'many' is not a number"),
    "header-only timeseries.csv": (_header_only, "timeseries.csv has no rows"),
}


def _aggregate(folder: Path, capsys) -> subprocess.CompletedProcess:
    """``python -m experiments.aggregate FOLDER`` in this process (an exception fails the test)."""
    code = aggregate_main([str(folder)])
    out = capsys.readouterr()
    return subprocess.CompletedProcess([], code, out.out, out.err)


@pytest.mark.parametrize("case", JOB_CORRUPTIONS)
def test_a_job_with_bad_files_is_a_failed_row_with_its_reason(small_sweep, tmp_path, case,
                                                             capsys):
    corrupt, reason = JOB_CORRUPTIONS[case]
    sweep_dir = tmp_path / "copy"
    shutil.copytree(small_sweep[0], sweep_dir)
    job = next(sweep_dir.glob("*seed=1*strategy=ads*"))
    corrupt(job)
    proc = _aggregate(sweep_dir, capsys)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    runs = pd.read_csv(sweep_dir / "runs.csv").set_index("job")
    assert runs.loc[job.name, "status"] == "failed"
    assert runs.loc[job.name, "reason"].startswith(reason)
    assert (runs["status"] == "done").sum() == 3
    md = (sweep_dir / "comparison.md").read_text()
    assert "**PARTIAL**" in md and f"- failed: {job.name}: {reason}" in md


def test_a_broken_multirun_yaml_is_listed_and_the_jobs_still_compared(small_sweep, tmp_path,
                                                                     capsys):
    sweep_dir = tmp_path / "copy"
    shutil.copytree(small_sweep[0], sweep_dir)
    (sweep_dir / "multirun.yaml").write_text("hydra: [unclosed\n")
    proc = _aggregate(sweep_dir, capsys)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    md = (sweep_dir / "comparison.md").read_text()
    assert "multirun.yaml unreadable" in md and "**PARTIAL**" in md
    assert (pd.read_csv(sweep_dir / "runs.csv")["status"] == "done").sum() == 4


def test_folders_that_are_not_one_sweep_are_refused_in_one_line(small_sweep, tmp_path, capsys):
    many = tmp_path / "sweeps"
    for name in ("a", "b"):
        shutil.copytree(small_sweep[0], many / "2026-01-01" / name)
    (tmp_path / "empty").mkdir()
    run = next(small_sweep[0].glob("*seed=0*strategy=ads*"))
    expected = {
        many: f"{many} is not one sweep: it holds 2 sweep folders",
        tmp_path / "empty": "holds no sweep (no multirun.yaml and no job folders)",
        run: "is a single run's folder, not a sweep",
        tmp_path / "nowhere": "no such folder",
    }
    for folder, message in expected.items():
        proc = _aggregate(folder, capsys)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("peerbuy: error: ") and message in lines[0]
    assert not list(many.glob("comparison.md")) and not (tmp_path / "empty" / "runs.csv").exists()


def test_aggregate_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as done:
        aggregate_main(["--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "SWEEP_DIR" in text and "--objective {profit,adopters,revenue}" in text
    assert "default: the sweep's report.objective, profit unless set" in text
