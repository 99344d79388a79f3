"""Hydra entry point: an animated GIF of one configured run, for slides.

``python -m experiments.animate strategy=ads steps=90`` writes the run dir's animation.gif.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.common import fail, launch
from experiments.config import to_run_params
from models.params import ParameterError
from models.schema import param, specs, validate

if TYPE_CHECKING:
    from omegaconf import DictConfig

GIF_NAME = "animation.gif"
SUMMARY = "Write an animated GIF of one configured run (network beside the adoption curve)."


@dataclass(frozen=True)
class AnimateSettings:
    """The keys only ``experiments.animate`` takes (add them with ``+``: ``+fps=12``)."""

    max_frames: int = param(60, "Frames", "most frames; the days are sampled evenly (first "
                            "and last kept)", "frames", low=2, high=10_000)
    fps: int = param(8, "Frames per second", "playback speed", "frames per second",
                     low=1, high=100)
    compare_baseline: bool = param(True, "Compare with baseline", "draw a no-strategy twin "
                                   "(same seed and graph) beside the run")

    def __post_init__(self) -> None:
        """Check every field against its spec."""
        validate(self, "")


EXTRA = specs(AnimateSettings)


def main(cfg: DictConfig) -> str:
    """Compose the project config, run it and write the GIF beside the run's outputs."""
    from hydra.core.hydra_config import HydraConfig

    from simulation.classroom.animation import write_gif

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    out = run_dir / GIF_NAME
    try:
        params = to_run_params(cfg, extra=list(EXTRA))
        settings = AnimateSettings(**{k: cfg[k] for k in EXTRA if k in cfg})
        write_gif(params, out, max_frames=settings.max_frames, fps=settings.fps,
                  compare_baseline=settings.compare_baseline)
    except ParameterError as exc:
        fail(str(exc), run_dir)
    print(f"wrote {out}")
    return str(out)


def cli() -> None:
    """``python -m experiments.animate``."""
    launch(main, prog="experiments.animate", summary=SUMMARY, extra=EXTRA)


if __name__ == "__main__":
    cli()
