"""Hydra entry point: an animated GIF of one configured run, for slides.

``python -m experiments.animate strategy=ads steps=90`` writes the run dir's animation.gif.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.config import check_group_overrides, to_run_params
from models.params import ParameterError
from simulation.animation import write_gif

GIF_NAME = "animation.gif"


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> str:
    """Compose the project config, run it and write the GIF beside the run's outputs.

    Optional keys (add with ``+``): ``+max_frames=60`` (frames, sampled evenly over the
    steps), ``+fps=8``, ``+compare_baseline=false`` (no baseline overlay).
    """
    # Mesa logs every model step at INFO, and Hydra's job logging shows INFO.
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        params = to_run_params(cfg)
    except ParameterError as exc:
        sys.exit(f"error: {exc}")
    out = Path(HydraConfig.get().runtime.output_dir) / GIF_NAME
    try:
        write_gif(params, out, max_frames=cfg.get("max_frames", 60), fps=cfg.get("fps", 8),
                  compare_baseline=cfg.get("compare_baseline", True))
    except ParameterError as exc:
        sys.exit(f"error: {exc}")
    print(f"wrote {out}")
    return str(out)


def cli() -> None:
    """Check group choices in one line, then hand over to Hydra."""
    try:
        check_group_overrides([a for a in sys.argv[1:] if not a.startswith("-")])
    except ParameterError as exc:
        sys.exit(f"error: {exc}")
    main()


if __name__ == "__main__":
    cli()
