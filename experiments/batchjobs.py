"""Sweep jobs that share graphs run as batches: the sweeper plans, the first jobs compute.

Arms of a comparison run the same seeds on the same graphs; the array engine advances
their runs in batches (``simulation.running.runner.run_batch``), bit-identical to running
each alone. The sweeper splits every grouped run into as many chunks as the launcher runs
jobs at once (runs sharing a graph kept together), so every worker computes one. Every job
still runs as its own Hydra job and writes its own folder: a job claims the chunks holding
its runs (``flock``), helps with chunks nobody has claimed, waits for the others, and leaves
other jobs' results in the sweep's graph cache; later jobs only write them out. A run that
fails in a batch leaves nothing behind, so its job runs it alone and fails alone, as before.
"""

from __future__ import annotations

import fcntl
import hashlib
import math
import os
import pickle
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from simulation.running.runner import BATCH_MAX_CONSUMERS, RunResult, batchable, run_batch

#: Inside the sweep's graph cache folder (removed with it when the sweep ends).
BATCH_DIR = "batches"
PLAN_FILE = "plan.pickle"
#: A chunk holds at most this many consumers (its results stay in memory until written).
CHUNK_MAX_CONSUMERS = 5 * BATCH_MAX_CONSUMERS


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


def plan_batches(cache: Path, jobs: Sequence[tuple[list[str], object, int]],
                 workers: int = 1) -> int:
    """Group a sweep's jobs whose runs share graphs; write the chunks the jobs compute.

    Jobs group when they run the array engine on the same network (of at most
    ``BATCH_MAX_CONSUMERS`` consumers) with the same seeds, replicates and steps (so they
    differ only in strategies, budget or parameters). The runs of every group of two jobs
    or more, ordered by graph, are cut into ``workers`` chunks of about equal size (more
    when a chunk would exceed ``CHUNK_MAX_CONSUMERS``; one length of run per chunk).

    Args:
        cache: The sweep's graph cache folder.
        jobs: ``(overrides, RunParams, replicates)`` of every job.
        workers: How many jobs the launcher runs at once.

    Returns:
        The number of groups of two jobs or more.
    """
    groups: dict[tuple, list] = {}
    for overrides, params, replicates in jobs:
        n = params.network.consumers
        if n is None or n > BATCH_MAX_CONSUMERS or not batchable(params, n):
            continue  # big runs: the graphs of a whole group would not fit in memory
        key = (repr(params.network), params.seed, replicates, params.steps)
        groups.setdefault(key, []).append((job_key(overrides), params, replicates))
    grouped = [g for g in groups.values() if len(g) > 1]
    by_length: dict[int, list] = {}
    for members in grouped:
        for key, params, replicates in members:
            for r in range(replicates):
                p = replace(params, seed=params.seed + r)
                by_length.setdefault(p.steps, []).append((repr(p.network), p.seed, key, p))
    chunks = []
    for runs in by_length.values():
        runs.sort(key=lambda run: run[:2])  # stable: runs sharing a graph stay together
        consumers = sum(p.network.consumers for *_, p in runs)
        count = min(len(runs), max(workers, math.ceil(consumers / CHUNK_MAX_CONSUMERS)))
        size = math.ceil(len(runs) / count)
        chunks += [[(key, p) for _, _, key, p in runs[i:i + size]]
                   for i in range(0, len(runs), size)]
    folder = cache / BATCH_DIR
    shutil.rmtree(folder, ignore_errors=True)  # an interrupted launch's (no job runs yet)
    if chunks:
        folder.mkdir(parents=True, exist_ok=True)
        _dump(folder / PLAN_FILE, chunks)
    return len(grouped)


def batched_results(
    cache: Path, overrides: Sequence[str], seeds: Sequence[int],
    graph_of: Callable[[object, int], object],
) -> dict[int, RunResult] | None:
    """This job's results for ``seeds`` from its group's batches, or None (not grouped).

    The job computes, each under the chunk's lock, the chunks holding its runs that no
    other job has claimed, then any chunk nobody has claimed (a worker that would
    otherwise wait), then waits for the chunks other jobs are computing (and computes one
    itself if its job died before finishing it). Seeds missing from the answer (a run that
    failed in its batch) are for the job to run alone.

    Args:
        cache: The sweep's graph cache folder.
        overrides: The job's overrides (``hydra.overrides.task``).
        seeds: The replicate seeds this job still has to run.
        graph_of: ``graph_of(network, seed)``: the graph (from the sweep's graph cache).
    """
    folder = cache / BATCH_DIR
    try:
        chunks = pickle.loads((folder / PLAN_FILE).read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError):
        return None
    me = job_key(overrides)
    wanted = set(seeds)
    mine = [i for i, chunk in enumerate(chunks)
            if any(key == me and p.seed in wanted for key, p in chunk)]
    if not any(key == me for chunk in chunks for key, _ in chunk):
        return None
    out: dict[int, RunResult] = {}
    others = [i for i in range(len(chunks)) if i not in mine]
    for i, wait in [*((i, False) for i in mine), *((i, False) for i in others),
                    *((i, True) for i in mine)]:
        computed = _claim(folder, i, chunks[i], me, wanted, graph_of, wait)
        if computed is not None:
            out.update(computed)
    for i in mine:  # the runs other jobs computed for this one
        out.update(_take(folder, i, me, wanted - set(out)))
    return out


def _claim(folder: Path, i: int, chunk: list, me: str, seeds: set[int], graph_of,
           wait: bool) -> dict[int, RunResult] | None:
    """Compute chunk ``i`` unless it is done (or, without ``wait``, being computed).

    Returns:
        This job's results from it if this call computed it, else None.
    """
    if (folder / f"c{i}.done").exists():
        return None
    fd = os.open(folder / f"c{i}.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:  # released when closed, or when this process dies
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # another job is computing it
        if (folder / f"c{i}.done").exists():
            return None
        return _compute(folder, i, chunk, me, seeds, graph_of)
    finally:
        os.close(fd)


def _result_file(folder: Path, i: int, key: str, seed: int) -> Path:
    return folder / f"c{i}.{key}.{seed}.pickle"


def _take(folder: Path, i: int, me: str, seeds) -> dict[int, RunResult]:
    """This job's stored results from chunk ``i`` (what another job computed for it)."""
    out = {}
    for seed in seeds:
        path = _result_file(folder, i, me, seed)
        try:
            out[seed] = pickle.loads(path.read_bytes())
        except (OSError, EOFError, pickle.UnpicklingError):
            continue  # not in this chunk, or failed in the batch: the job runs it alone
        path.unlink(missing_ok=True)
    return out


def _compute(folder: Path, i: int, chunk: list, me: str, seeds: set[int],
             graph_of) -> dict[int, RunResult]:
    """Run the chunk's runs in batches; store the others' results, return this job's."""
    runs, owners, graphs = [], [], []
    for key, p in chunk:
        try:
            graphs.append(graph_of(p.network, p.seed))
        except Exception:  # that job meets it again alone and fails alone
            continue
        runs.append(p)
        owners.append(key)
    results = run_batch(runs, graphs)
    mine = {}
    for key, p, result in zip(owners, runs, results, strict=True):
        if isinstance(result, Exception):
            continue  # its job runs it alone and fails alone
        if key == me and p.seed in seeds:
            mine[p.seed] = result
        else:  # only what its job writes: no graph, no end-state arrays
            _dump(_result_file(folder, i, key, p.seed), replace(result, graph=None, final={}))
    (folder / f"c{i}.done").touch()
    return mine
