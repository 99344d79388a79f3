"""Sweep jobs that share graphs run as one batch: the sweeper plans, the first job computes.

Arms of a comparison run the same seeds on the same graphs; the array engine advances all
their runs in one batch (``simulation.running.runner.run_batch``), bit-identical to running
each alone. Every job still runs as its own Hydra job and writes its own folder: the first
job of a group to start computes the whole group under a lock and leaves each other job's
results in the sweep's graph cache; those jobs then only write them out. A run that fails
in the batch leaves nothing behind, so its job runs it alone and fails alone, as before.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from simulation.running.runner import BATCH_MAX_CONSUMERS, RunResult, resolve_engine, run_batch

#: Inside the sweep's graph cache folder (removed with it when the sweep ends).
BATCH_DIR = "batches"
PLAN_FILE = "plan.pickle"


def job_key(overrides: Sequence[str]) -> str:
    """A job's name in the plan: a hash of its override list."""
    return hashlib.sha256("\n".join(sorted(overrides)).encode()).hexdigest()[:24]


def _dump(path: Path, obj) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def plan_batches(cache: Path, jobs: Sequence[tuple[list[str], object, int]]) -> int:
    """Group a sweep's jobs whose runs share graphs; write the plan the jobs read.

    Jobs group when they run the array engine on the same network (of at most
    ``BATCH_MAX_CONSUMERS`` consumers) with the same seeds, replicates and steps (so they
    differ only in strategies, budget or parameters).

    Args:
        cache: The sweep's graph cache folder.
        jobs: ``(overrides, RunParams, replicates)`` of every job.

    Returns:
        The number of groups of two jobs or more.
    """
    groups: dict[tuple, list] = {}
    for overrides, params, replicates in jobs:
        n = params.network.consumers
        if n is None or n > BATCH_MAX_CONSUMERS or resolve_engine(params.engine, n) != "vectorized":
            continue  # big runs: the graphs of a whole group would not fit in memory
        key = (repr(params.network), params.seed, replicates, params.steps)
        groups.setdefault(key, []).append((job_key(overrides), params, replicates))
    plan = {f"g{i}": members for i, members in enumerate(g for g in groups.values()
                                                          if len(g) > 1)}
    folder = cache / BATCH_DIR
    shutil.rmtree(folder, ignore_errors=True)  # an interrupted launch's (no job runs yet)
    if plan:
        folder.mkdir(parents=True, exist_ok=True)
        _dump(folder / PLAN_FILE, plan)
    return len(plan)


def batched_results(
    cache: Path, overrides: Sequence[str], seeds: Sequence[int],
    graph_of: Callable[[object, int], object],
) -> dict[int, RunResult] | None:
    """This job's results for ``seeds`` from its group's batch, or None (not grouped).

    The first job of a group to get here computes every run of the group (holding the
    group's lock, so the others wait instead of computing it too) and leaves the other
    jobs' results as files; a later job takes its own files. Seeds missing from the
    answer (a run that failed in the batch) are for the job to run alone.

    Args:
        cache: The sweep's graph cache folder.
        overrides: The job's overrides (``hydra.overrides.task``).
        seeds: The replicate seeds this job still has to run.
        graph_of: ``graph_of(network, seed)``: the graph (from the sweep's graph cache).
    """
    folder = cache / BATCH_DIR
    try:
        plan = pickle.loads((folder / PLAN_FILE).read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError):
        return None
    me = job_key(overrides)
    group = next((g for g, members in plan.items() if any(k == me for k, _, _ in members)),
                 None)
    if group is None:
        return None
    fd = os.open(folder / f"{group}.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when closed, or when this process dies
        mine = _take(folder, group, me, seeds)
        if mine is None:
            mine = _compute(folder, group, plan[group], me, seeds, graph_of)
        return mine
    finally:
        os.close(fd)


def _result_file(folder: Path, group: str, key: str, seed: int) -> Path:
    return folder / f"{group}.{key}.{seed}.pickle"


def _take(folder: Path, group: str, me: str, seeds: Sequence[int]) -> dict | None:
    """This job's stored results (None if the group was never computed)."""
    if not (folder / f"{group}.done").exists():
        return None
    out = {}
    for seed in seeds:
        path = _result_file(folder, group, me, seed)
        try:
            out[seed] = pickle.loads(path.read_bytes())  # without its graph (see _compute)
        except (OSError, EOFError, pickle.UnpicklingError):
            continue  # failed in the batch: the job runs it alone
        path.unlink(missing_ok=True)
    return out


def _compute(folder: Path, group: str, members: list, me: str, seeds: Sequence[int],
             graph_of) -> dict[int, RunResult]:
    """Run every run of the group in one batch; store the others' results, return ours."""
    from dataclasses import replace

    runs, owners, graphs = [], [], []
    for key, params, replicates in members:
        for r in range(replicates):
            seed = params.seed + r
            if key != me or seed in seeds:
                try:
                    p = replace(params, seed=seed)
                    graphs.append(graph_of(p.network, seed))
                except Exception:  # that job meets it again alone and fails alone
                    continue
                runs.append(p)
                owners.append(key)
    results = run_batch(runs, graphs)
    mine = {}
    for key, p, result in zip(owners, runs, results, strict=True):
        if isinstance(result, Exception):
            continue  # its job runs it alone and fails alone
        if key == me:
            mine[p.seed] = result
        else:
            _dump(_result_file(folder, group, key, p.seed), replace(result, graph=None))
    (folder / f"{group}.done").touch()
    return mine
