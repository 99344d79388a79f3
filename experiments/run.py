"""The entry point: ``python -m experiments.run [overrides]`` runs one simulation, ``-m`` a sweep."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.config import check_group_overrides, to_run_params
from models.params import ParameterError
from simulation.outputs import SUMMARY_FILE, describe, write_run
from simulation.runner import run


def fail(message: str, output_dir: Path | None = None) -> None:
    """Report bad input in one line and exit 2, removing the run directory Hydra made."""
    if output_dir is not None and output_dir.is_dir() and not (output_dir / SUMMARY_FILE).exists():
        shutil.rmtree(output_dir, ignore_errors=True)
    print(f"peerbuy: error: {message}", file=sys.stderr)
    sys.exit(2)


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> dict:
    """Run one simulation from the composed config and write its outputs."""
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        params = to_run_params(cfg)
        result = run(params)
    except ParameterError as exc:
        fail(str(exc), out)
    write_run(result, out, title=_title(cfg))
    print(describe(result.summary))
    print(f"outputs: {out}")
    return result.summary


def _title(cfg: DictConfig) -> str:
    strategies = ", ".join(cfg.strategy or {}) or "baseline"
    return f"{strategies} on {cfg.network.name} (seed {cfg.seed})"


def cli() -> None:
    """Check group choices in one line, then hand over to Hydra."""
    try:
        check_group_overrides([a for a in sys.argv[1:] if not a.startswith("-")])
    except ParameterError as exc:
        fail(str(exc))
    main()


if __name__ == "__main__":
    cli()
