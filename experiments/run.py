"""The entry point: ``python -m experiments.run [overrides]`` runs a simulation, ``-m`` a sweep."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from dataclasses import asdict, replace
from importlib import metadata
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from experiments.aggregate import GRAPH_CACHE, replicate_dir
from experiments.config import check_group_overrides, to_run_params
from models.graph import SocialGraph
from models.params import ParameterError, check_count
from simulation.networks import NetworkParams, build_network
from simulation.outputs import SUMMARY_FILE, describe, write_run
from simulation.progress import terminal_progress
from simulation.runner import run

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
    if output_dir is not None and output_dir.is_dir() and not (output_dir / SUMMARY_FILE).exists():
        shutil.rmtree(output_dir, ignore_errors=True)
    print(f"peerbuy: error: {message}", file=sys.stderr)
    sys.exit(2)


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> dict | list[dict]:
    """Run the composed config's simulation(s) and write their outputs.

    Returns:
        The summary dict; with ``replicates`` > 1, a list of them (seeds seed, seed+1, ...).
    """
    hydra_cfg = HydraConfig.get()
    out = Path(hydra_cfg.runtime.output_dir)
    try:
        params = to_run_params(cfg)
        replicates = cfg.get("replicates", 1)
        check_count("replicates", replicates, minimum=1)
    except ParameterError as exc:
        fail(str(exc), out)
    write_provenance(out)
    cache = Path(hydra_cfg.sweep.dir) / GRAPH_CACHE if hydra_cfg.mode == RunMode.MULTIRUN else None
    summaries = []
    for r in range(replicates):
        p = replace(params, seed=params.seed + r)
        try:  # a graph file that cannot be read fails here, in one line too
            graph = cached_graph(p.network, p.seed, cache) if cache else None
            progress = terminal_progress(p.steps) if replicates == 1 and not cache else None
            result = run(p, graph=graph, progress=progress)
        except ParameterError as exc:
            fail(str(exc), out)
        # A figure per replicate would cost more than the run itself: the first only.
        write_run(result, replicate_dir(out, p.seed, replicates), title=_title(cfg, p.seed),
                  figure=r == 0)
        summaries.append(result.summary)
        if replicates == 1:
            print(describe(result.summary))
    if replicates > 1:
        print(f"{replicates} replicates, seeds {params.seed}..{params.seed + replicates - 1}")
    print(f"outputs: {out}")
    return summaries[0] if replicates == 1 else summaries


def cached_graph(network: NetworkParams, seed: int, cache: Path) -> SocialGraph:
    """The run's graph, built once per sweep and shared by jobs with the same network and seed.

    The graph is a pure function of the network parameters and the seed, so a strategy
    comparison (same seeds in every arm) builds each graph once instead of once per arm.
    """
    key = hashlib.sha256(
        json.dumps([asdict(network), seed], sort_keys=True, default=str).encode()
    ).hexdigest()[:24]
    path = cache / f"{key}.pickle"
    if path.exists():
        try:
            return pickle.loads(path.read_bytes())
        except (OSError, EOFError, pickle.UnpicklingError):
            pass  # a concurrent writer's file vanished or is foreign: build it again
    graph = build_network(network, seed)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{key}.{os.getpid()}.tmp"
    tmp.write_bytes(pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(tmp, path)
    return graph


def write_provenance(directory: Path) -> Path:
    """Write provenance.json: package versions, git commit and dirty flag, Python, command."""

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


def launch(entry) -> None:
    """Check config-group choices in one line, then hand over to a Hydra entry point."""
    try:
        check_group_overrides([a for a in sys.argv[1:] if not a.startswith("-")])
    except ParameterError as exc:
        fail(str(exc))
    entry()


def cli() -> None:
    """``python -m experiments.run``."""
    launch(main)


if __name__ == "__main__":
    cli()
