"""Sweep jobs sharing graphs: runs cut into one chunk per worker, claimed, helped, taken over."""

from __future__ import annotations

import fcntl
import os
import pickle
import re
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from experiments.batchjobs import BATCH_DIR, PLAN_FILE, batched_results, job_key, plan_batches
from models.strategies import Ads, InfluencerSeeding
from simulation.networks.generators import NetworkParams, build_network
from simulation.running.runner import RunParams, run

ROOT = Path(__file__).resolve().parent.parent
NET = NetworkParams(name="erdos_renyi", n=120, mean_degree=5.0)
STEPS = 15


def _params(seed: int, *strategies, network: NetworkParams = NET) -> RunParams:
    return RunParams(network=network, strategies=strategies,
                     budget=300.0 if strategies else None, steps=STEPS, seed=seed,
                     engine="vectorized")


ARMS = {"arm=base": _params(10), "arm=ads": _params(10, Ads(reach=0.05)),
        "arm=seed": _params(10, InfluencerSeeding(k=3))}


def _chunks(cache: Path) -> list:
    return pickle.loads((cache / BATCH_DIR / PLAN_FILE).read_bytes())


def _same_as_alone(got, params: RunParams) -> None:
    want = run(params)
    pd.testing.assert_frame_equal(got.timeseries, want.timeseries, check_exact=True)
    g, w = dict(got.summary), dict(want.summary)
    g.pop("wall_seconds"), w.pop("wall_seconds")
    assert g == w or pd.Series(g).equals(pd.Series(w))


def test_grouped_runs_are_cut_into_one_chunk_per_worker_keeping_graphs_together(tmp_path):
    jobs = [([k], p, 4) for k, p in ARMS.items()]
    jobs.append((["arm=alone"], _params(10, network=NetworkParams(name="erdos_renyi", n=90,
                                                                  mean_degree=4.0)), 4))
    jobs.append((["arm=agent"], replace(_params(10), engine="agent"), 4))
    assert plan_batches(tmp_path, jobs, workers=2) == 1  # one group: the three arms
    chunks = _chunks(tmp_path)
    assert [len(c) for c in chunks] == [6, 6]  # 3 arms x 4 seeds, in halves
    assert [sorted({p.seed for _, p in c}) for c in chunks] == [[10, 11], [12, 13]]
    keys = {job_key([k]) for k in ARMS}
    assert {k for c in chunks for k, _ in c} == keys  # neither the lone job nor the agent's
    assert plan_batches(tmp_path, jobs, workers=1) == 1 and len(_chunks(tmp_path)) == 1
    assert len(_chunks(tmp_path)[0]) == 12
    assert plan_batches(tmp_path, jobs, workers=50) == 1  # never more chunks than runs
    assert [len(c) for c in _chunks(tmp_path)] == [1] * 12


def test_a_job_helps_with_unclaimed_chunks_waits_and_takes_over_a_dead_workers(tmp_path):
    """The job still needs seed 10 (chunk 0), which another worker holds: it computes
    chunk 1 (nobody's claimed it), waits; the holder dies without finishing, so the job
    computes chunk 0 too; the other jobs only take theirs."""
    jobs = [([k], p, 2) for k, p in ARMS.items()]
    plan_batches(tmp_path, jobs, workers=2)
    folder = tmp_path / BATCH_DIR
    built: list[int] = []

    def graph_of(network, seed):
        built.append(seed)
        return build_network(network, seed)

    holder = os.open(folder / "c0.lock", os.O_CREAT | os.O_RDWR, 0o644)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another worker is computing chunk 0
    got: dict = {}
    job = threading.Thread(target=lambda: got.update(
        batched_results(tmp_path, ["arm=ads"], [10], graph_of)), daemon=True)
    try:
        job.start()
        deadline = time.monotonic() + 30
        while not (folder / "c1.done").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (folder / "c1.done").exists() and sorted(built) == [11, 11, 11]
        time.sleep(0.2)
        assert job.is_alive() and not (folder / "c0.done").exists()  # waiting for chunk 0
    finally:
        os.close(holder)  # that worker died: the lock is released, the chunk is not done
    job.join(timeout=120)
    assert not job.is_alive() and sorted(got) == [10]
    assert sorted(built) == [10, 10, 10, 11, 11, 11]
    _same_as_alone(got[10], replace(ARMS["arm=ads"], seed=10))
    theirs = batched_results(tmp_path, ["arm=seed"], [10, 11], graph_of)
    assert sorted(theirs) == [10, 11] and len(built) == 6  # taken, not computed again
    for seed in (10, 11):
        _same_as_alone(theirs[seed], replace(ARMS["arm=seed"], seed=seed))
    assert batched_results(tmp_path, ["arm=elsewhere"], [10], graph_of) is None


@pytest.mark.slow
def test_a_joblib_sweep_of_one_group_computes_on_both_workers_with_each_runs_numbers(tmp_path):
    """Through the CLI: 2 arms x 4 replicates of one seed (one group, two chunks on two
    workers) give every run's numbers as running it alone."""
    sweep = tmp_path / "s"
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.run", "-m", "strategy=baseline,ads", "seed=3",
         "replicates=4", "network.n=300", "steps=20", "engine=vectorized",
         "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={sweep}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = pd.read_csv(sweep / "runs.csv")
    assert len(runs) == 8 and set(runs["status"]) == {"done"}
    from hydra import compose, initialize

    from experiments.config import to_run_params

    for strategy in ("baseline", "ads"):
        with initialize(version_base="1.3", config_path="../configs"):
            cfg = compose("config", overrides=[f"strategy={strategy}", "network.n=300",
                                                "steps=20", "engine=vectorized"])
        params = to_run_params(cfg)
        for seed in range(3, 7):
            want = run(replace(params, seed=seed)).summary
            row = runs[(runs["strategy"] == strategy) & (runs["seed"] == seed)].iloc[0]
            assert (row["adopters"], row["profit"]) == (want["adopters"], want["profit"])


def test_sweepbench_splits_a_sweeps_output_into_phases_and_refuses_a_bad_repeat(capsys):
    """The phases are the gaps between the marking lines (times from a fake sweep)."""
    from experiments import sweepbench

    lines = ["[HYDRA] Launching jobs, sweep output dir : x", "[1/7] jobs done (a)",
             "[2/7] jobs done (b)", "[7/7] jobs done (c)", "comparison: x/comparison.md"]
    marks = {}
    for at, line in zip((2.0, 9.0, 9.5, 10.0, 13.0), lines, strict=True):
        for name, pattern in sweepbench._MARKS:
            if name not in marks and pattern.search(line):
                marks[name] = at
    assert list(marks.values()) == [2.0, 9.0, 10.0, 13.0]  # [2/7] ends no phase
    together = {}  # the first two jobs ended together: both printed [2/7]
    for at, line in ((2.0, lines[0]), (9.0, lines[2]), (9.1, lines[2]), (10.0, lines[3])):
        for name, pattern in sweepbench._MARKS:
            if name not in together and pattern.search(line):
                together[name] = at
    assert list(together.values()) == [2.0, 9.0, 10.0]
    text = sweepbench.format_run(1, {"wall": 14.0, "cpu": 21.0, "user": 20.0, "marks": marks,
                                     "returncode": 0, "load_before": "l0", "load_after": "l1"})
    gaps = [float(re.search(r"(\d+\.\d+) s", line).group(1)) for line in text.splitlines()[1:]]
    assert gaps == [2.0, 7.0, 1.0, 3.0, 1.0] and "1.50 cores busy" in text
    assert sweepbench.main(["--repeat", "0"]) == 2
    assert "--repeat = 0" in capsys.readouterr().err


def test_sweepbench_times_loading_in_a_fresh_process():
    """A module already loaded costs nothing; a fresh interpreter's start-up is counted."""
    from experiments import sweepbench

    cpu, wall = sweepbench._fresh_import((), ("json",))
    again, _ = sweepbench._fresh_import(("json",), ("json",))
    assert cpu > 0.005 and wall > 0.005 and 0 <= again < cpu
