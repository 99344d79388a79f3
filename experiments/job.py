"""The job of ``python -m experiments.run``: one run, its replicates, or one job of a sweep."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.common import added_keys, fail, remove_unfinished, validated, write_provenance
from experiments.config import job_settings
from models.params import ParameterError

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from models.graph import SocialGraph
    from simulation.params import NetworkParams

def main(cfg: DictConfig) -> dict | list[dict]:
    """Run the composed config's simulation(s) and write their outputs.

    In a sweep a failing job raises after writing ``failure.json`` with its one-line
    reason, so the sweeper can go on with the others; replicates that already have a
    ``summary.json`` (a resumed sweep) are read back, not recomputed.

    Returns:
        The summary dict; with ``replicates`` > 1, a list of them (seeds seed, seed+1, ...).
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from experiments.sweeping import FAILURE_FILE, one_line, record_failure, watch_launcher

    hydra_cfg = HydraConfig.get()
    out = Path(hydra_cfg.runtime.output_dir)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    if not multirun:
        try:
            params, replicates = validated(cfg)
            return _run_all(cfg, params, replicates, out, hydra_cfg, multirun)
        except ParameterError as exc:  # a graph file that cannot be read fails here too
            fail(str(exc), out)
        except KeyboardInterrupt:
            remove_unfinished(out)
            raise
    watch_launcher()
    (out / FAILURE_FILE).unlink(missing_ok=True)  # from an earlier attempt being resumed
    try:
        # A sweep may add a key (++network.path) that only some of its jobs' options use.
        params, replicates = validated(cfg, added_keys(hydra_cfg.overrides.task))
        return _run_all(cfg, params, replicates, out, hydra_cfg, multirun)
    except KeyboardInterrupt:
        remove_unfinished(out)
        raise
    except Exception as exc:
        record_failure(out, one_line(exc))
        raise


def _finished(directory: Path) -> dict | None:
    from simulation.running.outputs import SUMMARY_FILE

    try:
        return json.loads((directory / SUMMARY_FILE).read_text())
    except (OSError, ValueError):
        return None


def _run_all(cfg, params, replicates: int, out: Path, hydra_cfg, multirun: bool):
    from experiments.sweeping import GRAPH_CACHE, replicate_dir
    from simulation.networks.generators import build_network
    from simulation.running.outputs import describe, write_run
    from simulation.running.progress import terminal_progress
    from simulation.running.runner import BATCH_MAX_CONSUMERS, batchable, run, run_batch

    announce_long_run(params, replicates)
    cache = Path(hydra_cfg.sweep.dir) / GRAPH_CACHE if multirun else None
    draw = job_settings(cfg).figure
    summaries: dict[int, dict] = {}
    pending = []
    for r in range(replicates):
        p = replace(params, seed=params.seed + r)
        rdir = replicate_dir(out, p.seed, replicates)
        done = _finished(rdir) if cache else None
        if done is not None:  # resumed sweep: this replicate finished before
            summaries[r] = done
        else:
            pending.append((r, p, rdir))
    if pending:
        write_provenance(out)
    shared = _group_results(cache, hydra_cfg, pending) if cache and pending else {}

    def write(r: int, p, rdir: Path, result) -> None:
        # A figure per replicate would cost more than the run itself: the first only.
        write_run(result, rdir, title=_title(cfg, p.seed), figure=r == 0 and draw)
        summaries[r] = result.summary
        if replicates == 1:
            print(describe(result.summary))

    for r, p, rdir in pending:
        if p.seed in shared:  # computed in one batch with the jobs sharing its graphs
            write(r, p, rdir, shared[p.seed])
    pending = [job for job in pending if job[1].seed not in shared]
    n = params.network.consumers  # None for a file: its runs go one by one
    together = len(pending) > 1 and n is not None and n <= BATCH_MAX_CONSUMERS \
        and batchable(params, n)
    graphs = [cached_graph(p.network, p.seed, cache) if cache else
              build_network(p.network, p.seed) if together else None
              for _, p, _ in pending]
    if together:
        # The array engine advances every replicate in one pass (bit-identical results).
        bar = None if cache else terminal_progress(
            params.steps, label=f"steps ({len(pending)} replicates at once)")
        results = run_batch([p for _, p, _ in pending], graphs, progress=bar)
        for (r, p, rdir), result in zip(pending, results, strict=True):
            if isinstance(result, Exception):
                raise result
            write(r, p, rdir, result)
    else:
        bar = terminal_progress(replicates, label="replicates") if replicates > 1 and not cache \
            else None
        for (r, p, rdir), graph in zip(pending, graphs, strict=True):
            progress = terminal_progress(p.steps) if replicates == 1 and not cache else None
            write(r, p, rdir, run(p, graph=graph, progress=progress))
            if bar:
                bar(r + 1, replicates)
    if replicates > 1:
        print(f"{replicates} replicates, seeds {params.seed}..{params.seed + replicates - 1}")
    print(f"outputs: {out}")
    ordered = [summaries[r] for r in range(replicates)]
    return ordered[0] if replicates == 1 else ordered


def _group_results(cache: Path, hydra_cfg, pending: list) -> dict:
    """This sweep job's results computed with its group's batch (``experiments.batchjobs``)."""
    from experiments.batchjobs import batched_results

    graphs: dict = {}

    def graph_of(network, seed: int):
        key = (repr(network), seed)
        if key not in graphs:
            graphs[key] = cached_graph(network, seed, cache)
        return graphs[key]

    got = batched_results(cache, list(hydra_cfg.overrides.task), [p.seed for _, p, _ in pending],
                          graph_of)
    return got or {}


#: A run estimated to take longer than this (seconds), or a network with more directed ties,
#: says so on stderr before it starts, so a long silence is never a mystery.
LONG_RUN_SECONDS, BIG_NETWORK_ARCS = 300, 10_000_000


def announce_long_run(params, replicates: int) -> None:
    """Print one stderr line with the estimated size and time of a long run."""
    from simulation.running.resources import estimate, human_bytes, human_seconds

    est = estimate(params, replicates)
    if est.seconds > LONG_RUN_SECONDS or est.arcs > BIG_NETWORK_ARCS:
        print(f"peerbuy: a long run: {est.consumers:,} consumers, {est.arcs:,} directed ties, "
              f"about {human_bytes(est.memory_bytes)} and {human_seconds(est.seconds)} "
              "(rough estimate); Ctrl-C stops it cleanly", file=sys.stderr, flush=True)


def cached_graph(network: NetworkParams, seed: int, cache: Path) -> SocialGraph:
    """The run's graph, built once per sweep and shared by jobs with the same network and seed.

    The graph is a pure function of the network parameters and the seed, so a strategy
    comparison (same seeds in every arm) builds each graph once instead of once per arm.
    """
    key = hashlib.sha256(
        json.dumps([asdict(network), seed], sort_keys=True, default=str).encode()
    ).hexdigest()[:24]
    path = cache / f"{key}.pickle"
    import pickle

    if path.exists():
        try:
            return pickle.loads(path.read_bytes())
        except (OSError, EOFError, pickle.UnpicklingError):
            pass  # a concurrent writer's file vanished or is foreign: build it again
    from simulation.networks.generators import build_network

    graph = build_network(network, seed)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{key}.{os.getpid()}.tmp"
    try:
        tmp.write_bytes(pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    finally:  # an interrupt must not leave a temporary file behind
        tmp.unlink(missing_ok=True)
    return graph


def _title(cfg: DictConfig, seed: int) -> str:
    strategies = ", ".join(cfg.strategy or {}) or "baseline"
    return f"{strategies} on {cfg.network.name} (seed {seed})"


SUMMARY = "Run one simulation of peer influence on purchases (with -m, a sweep of them)."
