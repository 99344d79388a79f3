"""Sweeps through the real command line when things go wrong: bad values, failing jobs,
resume, folder collisions and killed launchers.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = ["steps=10", "engine=vectorized"]


def cli(*args: str, cwd: Path = ROOT, module: str = "experiments.run", **kw):
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, **kw)


def error_lines(proc) -> list[str]:
    return [x for x in proc.stderr.splitlines() if x.strip()]


def test_a_bad_value_in_any_job_stops_the_sweep_before_it_starts(tmp_path):
    sweep = tmp_path / "s"
    proc = cli("-m", "consumer.share_prob=0.1,1.5,0.2", "hydra/launcher=joblib",
               f"hydra.sweep.dir={sweep}")
    assert proc.returncode == 2
    [line] = error_lines(proc)  # the front door or the sweeper answers, in one line
    assert line.startswith("peerbuy: error: consumer.share_prob = 1.5: must be a probability")
    assert not sweep.exists()  # nothing started, nothing written


def _write_graph(path: Path) -> None:
    nx.write_graphml(nx.barabasi_albert_graph(60, 2, seed=1), path)


@pytest.fixture(scope="module")
def failed_then_resumed(tmp_path_factory):
    """A joblib sweep where one graph file is unreadable, then resumed once it is fixed."""
    tmp = tmp_path_factory.mktemp("fail")
    good, bad = tmp / "good.graphml", tmp / "bad.graphml"
    _write_graph(good)
    _write_graph(bad)  # valid when the sweep is checked; deleted before its jobs run
    args = ["-m", "network=file", f"network.path={good},{bad}", "seed=0,1", *TINY]
    sweep = tmp / "sweep"
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments.run", *args, "hydra/launcher=joblib",
         "hydra.launcher.n_jobs=2", "hydra.sweeper.max_batch_size=2",
         f"hydra.sweep.dir={sweep}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240  # batch 1: good.graphml's jobs; batch 2: bad's
    while not (sweep / "multirun.yaml").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    bad.unlink()
    out, err = proc.communicate(timeout=300)
    failed = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    snapshot = {
        "md": (sweep / "comparison.md").read_text(),
        "runs": pd.read_csv(sweep / "runs.csv"),
        "mtimes": {p: p.stat().st_mtime_ns for p in sweep.rglob("summary.json")},
    }
    _write_graph(bad)  # the same graph as good.graphml: both arms must now agree
    # Serial this time: the launcher is a Hydra setting, not part of the results.
    resumed = cli(str(sweep), "hydra/launcher=basic", module="experiments.resume")
    return sweep, failed, snapshot, resumed, (tmp, args)


def test_a_failing_job_is_isolated_and_listed_in_a_partial_comparison(failed_then_resumed):
    _sweep, failed, snap, _, _ = failed_then_resumed
    assert failed.returncode == 1, failed.stderr[-2000:]
    assert "Traceback" not in failed.stderr
    runs = snap["runs"].set_index(["network.path", "seed"])
    bad = next(p for p in runs.index.get_level_values(0) if p.endswith("bad.graphml"))
    good = next(p for p in runs.index.get_level_values(0) if p.endswith("good.graphml"))
    assert list(runs.loc[bad, "status"]) == ["failed", "failed"]
    assert runs.loc[(bad, 0), "reason"].startswith(f"network.path = '{bad}': must be an existing")
    assert list(runs.loc[good, "status"]) == ["done", "done"]
    assert "**PARTIAL**" in snap["md"] and "python -m experiments.resume" in snap["md"]
    assert snap["md"].count("- failed: ") == 2
    assert "sweep PARTIAL (2 jobs failed or missing)" in failed.stderr


def test_resume_reruns_only_the_failed_jobs_and_equals_an_uninterrupted_run(
    failed_then_resumed,
):
    sweep, _, snap, resumed, _ = failed_then_resumed
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    for path, mtime in snap["mtimes"].items():  # finished jobs were not recomputed
        assert path.stat().st_mtime_ns == mtime
    md = (sweep / "comparison.md").read_text()
    assert "Complete: 4 jobs, 4 runs." in md and "PARTIAL" not in md
    # The fixed file holds the same graph as good.graphml, so each resumed job must equal,
    # column by column, the job of the other arm with the same seed that never failed.
    runs = pd.read_csv(sweep / "runs.csv").drop(columns=["wall_seconds", "job", "network.path"])
    assert (runs["status"] == "done").all()
    first, second = (g.sort_values("seed").reset_index(drop=True)
                     for _, g in pd.read_csv(sweep / "runs.csv").groupby("network.path"))
    keep = [c for c in runs.columns if c not in ("reason",)]
    pd.testing.assert_frame_equal(first[keep], second[keep])


@pytest.mark.slow
def test_resumed_sweep_equals_an_uninterrupted_sweep(failed_then_resumed):
    sweep, _, _, _, (tmp, args) = failed_then_resumed
    whole = tmp / "whole"
    assert cli(*args, "hydra/launcher=basic", f"hydra.sweep.dir={whole}").returncode == 0
    a, b = (pd.read_csv(d / "runs.csv").drop(columns=["wall_seconds"]).sort_values("job")
            .reset_index(drop=True) for d in (sweep, whole))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(pd.read_csv(sweep / "comparison.csv"),
                                  pd.read_csv(whole / "comparison.csv"))


def test_two_sweeps_started_in_the_same_second_write_two_folders(tmp_path):
    args = [sys.executable, "-m", "experiments.run", "-m", "strategy=baseline,ads",
            "network.n=100", *TINY]
    procs = [subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    folders = sorted(tmp_path.glob("results/sweeps/*/*"))
    assert len(folders) == 2
    for folder in folders:
        md = (folder / "comparison.md").read_text()
        assert "Complete: 2 jobs, 2 runs." in md
        assert len(pd.read_csv(folder / "runs.csv")) == 2


def test_a_run_refuses_a_folder_holding_another_runs_outputs(tmp_path):
    out = tmp_path / "run"
    (out / ".hydra").mkdir(parents=True)  # what an earlier run leaves
    (out / ".hydra" / "config.yaml").write_text("seed: 0\n")
    (out / "summary.json").write_text('{"adopters": 12}\n')
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = cli("network.n=60", *TINY, "seed=3", f"hydra.run.dir={out}")
    assert second.returncode == 2
    [line] = error_lines(second)
    assert line.startswith(f"peerbuy: error: run folder {out} already holds another run's")
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != ".peerbuy.lock"}
    assert before == after


def _group(pgid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp
            pids.append(int(stat.parent.name))
    return pids


@pytest.mark.slow
def test_a_killed_joblib_sweep_leaves_no_worker_processes(tmp_path):
    sweep = tmp_path / "s"
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments.run", "-m", "seed=0,1,2,3", "network.n=20000",
         "steps=400", "engine=vectorized", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
         f"hydra.sweep.dir={sweep}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while len(list(sweep.glob("*/provenance.json"))) < 2:  # both workers inside a job
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.5)
    assert len(_group(proc.pid)) >= 3  # the launcher and its workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15  # workers poll their parent every 0.5 s
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _group(proc.pid)
    for pid in left:  # don't leave them behind even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == []
