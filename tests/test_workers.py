"""A joblib sweep's workers: started while the jobs are checked, reused by Hydra's launcher,
stopped when the sweep stops before its jobs, released when they are done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from joblib import Parallel, delayed

from experiments import workers
from experiments.config import CONFIG_DIR

ROOT = Path(__file__).resolve().parent.parent


def _launcher(*overrides: str):
    """The launcher a preset sweep instantiates (Hydra's joblib launcher, its settings)."""
    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
        cfg = compose("config", overrides=["experiment=compare_strategies", *overrides],
                      return_hydra_config=True)
    return instantiate(cfg.hydra.launcher)


def _gone(pids, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


def test_joblib_settings_are_the_launchers_and_none_for_another_launcher():
    settings = workers.joblib_settings(_launcher("hydra.launcher.n_jobs=2",
                                                 "hydra.launcher.batch_size=3"))
    assert settings["backend"] == "loky" and settings["n_jobs"] == 2
    assert settings["batch_size"] == 3 and settings["pre_dispatch"] == "2*n_jobs"
    assert workers.joblib_settings(object()) is None  # e.g. the basic launcher


def test_hydras_launcher_runs_its_jobs_on_the_workers_started_early_then_they_exit():
    """The launcher's own Parallel call (the keywords it builds, in its own way) lands on
    the processes started early, with the job modules loaded; released, they exit."""
    from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg

    launcher = _launcher("hydra.launcher.n_jobs=2")
    early = workers.EarlyWorkers(workers.joblib_settings(launcher), 2).start()
    pids = early.wait()
    try:
        assert len(pids) == 2 and os.getpid() not in pids
        as_launched = launcher.joblib  # what hydra_joblib_launcher._core.launch does
        as_launched["backend"] = "loky"
        process_joblib_cfg(as_launched)
        ran = Parallel(**as_launched)(delayed(_pid_and_loaded)() for _ in range(6))
        assert {pid for pid, _ in ran} <= set(pids)
        assert all(loaded for _, loaded in ran)
    finally:
        workers.release_workers()  # without waiting: they exit in the background
    assert _gone(pids)


def _pid_and_loaded() -> tuple[int, bool]:
    return os.getpid(), all(name in sys.modules for name in workers.JOB_MODULES)


def _group(pgid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            out.append(int(stat.parent.name))
    return out


def test_a_sweep_stopped_by_a_bad_job_stops_its_early_workers(tmp_path):
    """compare_strategies on 200 consumers: its third arm hires 1,000 influencers, which
    only composing that job finds out; the workers were already starting."""
    sweep = tmp_path / "s"
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments.run", "experiment=compare_strategies",
         "network.n=200", f"hydra.sweep.dir={sweep}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        _, err = proc.communicate(timeout=120)
        deadline = time.monotonic() + 15  # loky's helper processes exit after the launcher
        while _group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        left = _group(proc.pid)
        for pid in left:  # don't leave them behind even when the test fails
            os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 2, err
    [line] = [x for x in err.splitlines() if x.strip()]
    assert line.startswith("peerbuy: error: strategy.influencer_seeding.k = 1000")
    assert "sweep job 3 of 7" in line and not sweep.exists()
    assert left == []


@pytest.mark.parametrize("names", [("json",), ()])
def test_prefetch_imports_in_a_background_thread(names):
    thread = workers.prefetch(names)
    thread.join(timeout=30)
    assert not thread.is_alive() and all(n in sys.modules for n in names)
