"""Hydra entry point: an animated GIF of one configured run, for slides.

``python -m experiments.animate strategy=ads steps=90`` writes the run dir's animation.gif.
"""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.config import to_run_params
from experiments.run import fail, launch
from models.params import ParameterError
from simulation.animation import write_gif

GIF_NAME = "animation.gif"


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> str:
    """Compose the project config, run it and write the GIF beside the run's outputs.

    Optional keys (add with ``+``): ``+max_frames=60`` (frames, sampled evenly over the
    steps), ``+fps=8``, ``+compare_baseline=false`` (no baseline overlay).
    """
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    out = run_dir / GIF_NAME
    try:
        params = to_run_params(cfg)
        write_gif(params, out, max_frames=cfg.get("max_frames", 60), fps=cfg.get("fps", 8),
                  compare_baseline=cfg.get("compare_baseline", True))
    except ParameterError as exc:
        fail(str(exc), run_dir)
    print(f"wrote {out}")
    return str(out)


def cli() -> None:
    """``python -m experiments.animate``."""
    launch(main)


if __name__ == "__main__":
    cli()
