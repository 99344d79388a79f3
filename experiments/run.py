"""The entry point: ``python -m experiments.run [overrides]`` runs a simulation, ``-m`` a sweep."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Collection
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.config import job_settings, to_run_params
from experiments.frontdoor import print_error
from models.params import ParameterError

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from models.graph import SocialGraph
    from simulation.params import NetworkParams
    from simulation.runner import RunParams

# Hydra and the heavy modules (pandas, matplotlib, Mesa, scipy) are imported inside the
# functions, after the input has been checked, so that a bad input is answered at once.

PROVENANCE_FILE = "provenance.json"
#: Distributions whose versions decide a run's numbers or its files.
PACKAGES = (
    "peerbuy",
    "mesa",
    "networkx",
    "numpy",
    "scipy",
    "pandas",
    "matplotlib",
    "hydra-core",
    "omegaconf",
    "pyarrow",
)


def fail(message: str, output_dir: Path | None = None) -> None:
    """Report bad input in one line and exit 2, removing the run directory Hydra made."""
    remove_unfinished(output_dir)
    print_error(message)
    sys.exit(2)


def remove_unfinished(output_dir: Path | None) -> bool:
    """Remove a run directory that has no ``summary.json`` (an unfinished run); True if gone."""
    from simulation.outputs import SUMMARY_FILE

    if output_dir is not None and output_dir.is_dir() and not (output_dir / SUMMARY_FILE).exists():
        shutil.rmtree(output_dir, ignore_errors=True)
        return True
    return False


def validated(cfg: DictConfig, added: Collection[str] = ()) -> tuple[RunParams, int]:
    """Check a composed config as a run or a sweep job would use it.

    Args:
        cfg: The composed config.
        added: Keys a sweep adds with ``+`` that only some of its jobs use.

    Returns:
        The run parameters and the number of replicates.

    Raises:
        ParameterError: One line naming the offending key, its value and what is allowed.
    """
    params = to_run_params(cfg, lenient=set(added))  # checks report.objective too
    return params, job_settings(cfg).replicates


def _added(overrides) -> set[str]:
    return {str(t).lstrip("+").split("=", 1)[0] for t in overrides if str(t).startswith("+")}


def validate_jobs(
    jobs: Callable[[], list[list[str]]], compose: Callable[[list[str]], DictConfig]
) -> list[list[str]]:
    """Compose and check every job of a sweep; on the first bad one, fail in one line.

    Called by the sweeper before any job starts, so a bad value in any job (a preset's
    list included) stops the whole sweep with exit 2 and nothing started.

    Args:
        jobs: Returns every job's overrides.
        compose: Composes one job's config from its overrides.

    Returns:
        Every job's overrides.
    """
    from experiments.sweeping import one_line

    try:
        overrides = jobs()
    except ParameterError as exc:
        fail(str(exc))
    except Exception as exc:  # Hydra's override grammar errors
        fail(one_line(exc))
    added = _added(o for job in overrides for o in job)
    for i, job in enumerate(overrides):
        where = f"sweep job {i + 1} of {len(overrides)}: {','.join(job)}; no job was started"
        try:
            cfg = compose(job)
        except Exception as exc:  # Hydra composition errors (unknown key, bad group)
            fail(f"{one_line(exc)} ({where})")
        try:
            validated(cfg, added)
        except ParameterError as exc:
            fail(f"{exc} ({where})")
    return overrides


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
        params, replicates = validated(cfg, _added(hydra_cfg.overrides.task))
        return _run_all(cfg, params, replicates, out, hydra_cfg, multirun)
    except KeyboardInterrupt:
        remove_unfinished(out)
        raise
    except Exception as exc:
        record_failure(out, one_line(exc))
        raise


def _finished(directory: Path) -> dict | None:
    from simulation.outputs import SUMMARY_FILE

    try:
        return json.loads((directory / SUMMARY_FILE).read_text())
    except (OSError, ValueError):
        return None


def _run_all(cfg, params, replicates: int, out: Path, hydra_cfg, multirun: bool):
    from experiments.aggregate import GRAPH_CACHE, replicate_dir
    from simulation.outputs import describe, write_run
    from simulation.progress import terminal_progress
    from simulation.runner import run

    announce_long_run(params, replicates)
    cache = Path(hydra_cfg.sweep.dir) / GRAPH_CACHE if multirun else None
    summaries = []
    computed = False
    bar = terminal_progress(replicates, label="replicates") if replicates > 1 and not cache \
        else None
    for r in range(replicates):
        p = replace(params, seed=params.seed + r)
        rdir = replicate_dir(out, p.seed, replicates)
        done = _finished(rdir) if cache else None
        if done is not None:  # resumed sweep: this replicate finished before
            summaries.append(done)
            continue
        if not computed:
            write_provenance(out)
            computed = True
        graph = cached_graph(p.network, p.seed, cache) if cache else None
        progress = terminal_progress(p.steps) if replicates == 1 and not cache else None
        result = run(p, graph=graph, progress=progress)
        # A figure per replicate would cost more than the run itself: the first only.
        write_run(result, rdir, title=_title(cfg, p.seed), figure=r == 0)
        summaries.append(result.summary)
        if bar:
            bar(r + 1, replicates)
        if replicates == 1:
            print(describe(result.summary))
    if replicates > 1:
        print(f"{replicates} replicates, seeds {params.seed}..{params.seed + replicates - 1}")
    print(f"outputs: {out}")
    return summaries[0] if replicates == 1 else summaries


#: A run estimated to take longer than this (seconds), or a network with more directed ties,
#: says so on stderr before it starts, so a long silence is never a mystery.
LONG_RUN_SECONDS, BIG_NETWORK_ARCS = 300, 10_000_000


def announce_long_run(params, replicates: int) -> None:
    """Print one stderr line with the estimated size and time of a long run."""
    from simulation.resources import estimate, human_bytes, human_seconds

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
    from simulation.networks import build_network

    graph = build_network(network, seed)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{key}.{os.getpid()}.tmp"
    try:
        tmp.write_bytes(pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    finally:  # an interrupt must not leave a temporary file behind
        tmp.unlink(missing_ok=True)
    return graph


def write_provenance(directory: Path) -> Path:
    """Write provenance.json: package versions, git commit and dirty flag, Python, command."""
    from importlib import metadata

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    repo = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str | None:
        try:
            return subprocess.run(
                ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    status = git("status", "--porcelain", "--untracked-files=no")
    info = {
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": None if status is None else bool(status),
        "python": sys.version.split()[0],
        "packages": {name: version(name) for name in PACKAGES},
        "argv": sys.argv,
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PROVENANCE_FILE
    path.write_text(json.dumps(info, indent=2) + "\n")
    return path


def _title(cfg: DictConfig, seed: int) -> str:
    strategies = ", ".join(cfg.strategy or {}) or "baseline"
    return f"{strategies} on {cfg.network.name} (seed {seed})"


SUMMARY = "Run one simulation of peer influence on purchases (with -m, a sweep of them)."


def hydra_entry(task):
    """``task(cfg)`` as a Hydra entry point on the project's configs (imports Hydra now)."""
    import hydra

    return hydra.main(version_base="1.3", config_path="../configs", config_name="config")(task)


def launch(task, prog: str = "experiments.run", summary: str = SUMMARY,
           extra: dict | None = None) -> None:
    """Check the whole command line in one line, then run ``task(cfg)`` through Hydra.

    ``--help`` prints every key from the parameter schema. Ctrl-C prints one line and
    exits 130, leaving no unfinished run directory.

    Args:
        task: The function of the composed config to run (as with ``@hydra.main``).
        prog: The module name shown in ``--help``.
        summary: What the entry point does (first line of ``--help``).
        extra: Specs of further top-level keys it accepts (added with ``+``).
    """
    from experiments.frontdoor import preflight

    extra = extra or {}
    try:
        try:
            cmd = preflight(sys.argv[1:], extra)
        except ParameterError as exc:
            fail(str(exc))
        if cmd.help:
            from experiments.docs import help_text

            sys.stdout.write(help_text(prog, summary, extra))
            return
        sys.argv = [sys.argv[0], *cmd.argv]
        hydra_entry(task)()
    except KeyboardInterrupt:
        print_error("interrupted (Ctrl-C); unfinished run folders were removed")
        sys.exit(130)


def cli() -> None:
    """``python -m experiments.run``."""
    launch(main)


if __name__ == "__main__":
    cli()
