"""An animated GIF of one run for slides: the network coloured by state beside adoption.

Commands: ``python -m experiments.animate`` (Hydra) or ``python -m simulation.classroom.animation``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.figure import Figure

from models.graph import SocialGraph
from models.params import ConsumerParams, ParameterError, ProductParams, check_count
from models.strategies import STRATEGY_NAMES
from simulation.classroom.layout import network_layout
from simulation.classroom.model import make_strategies
from simulation.classroom.netdraw import draw_adoption, draw_network, node_sizes, tie_segments
from simulation.networks.generators import NETWORKS, NetworkParams, build_network
from simulation.running.runner import RunParams, start_engine

#: Most consumers worth drawing: beyond this a frame is a blot and the layout slow.
MAX_DRAWN = 5000


@dataclass
class Recording:
    """What the animation shows: states at sampled steps and the adoption curves.

    Attributes:
        frames: The steps shown, ascending, first 0 and last the final step.
        states: Journey state of every consumer at each frame step, ``(frames, n)``.
        adopters: Cumulative adopters at every step 0..steps.
        baseline: The baseline twin's cumulative adopters (same seed, no strategy), or None.
        seeds: Which consumers are seeded influencers.
        graph: The social graph.
    """

    frames: np.ndarray
    states: np.ndarray
    adopters: list[int]
    baseline: list[int] | None
    seeds: np.ndarray
    graph: SocialGraph


def frame_steps(steps: int, max_frames: int) -> np.ndarray:
    """At most ``max_frames`` steps from 0 to ``steps``, evenly spread, both ends kept."""
    check_count("max_frames", max_frames, 2)
    return np.unique(np.linspace(0, steps, min(steps + 1, max_frames)).round().astype(int))


def record_run(
    params: RunParams, max_frames: int = 60, compare_baseline: bool = True,
    graph: SocialGraph | None = None,
) -> Recording:
    """Run ``params`` (and a baseline twin) and keep what the animation needs.

    Both engines give the same trajectory for the same seed, so ``params.engine`` only
    changes the speed.

    Raises:
        ParameterError: If the network has more than ``MAX_DRAWN`` consumers.
    """
    graph = graph if graph is not None else build_network(params.network, params.seed)
    if graph.n > MAX_DRAWN:
        raise ParameterError(f"network.n = {graph.n}: must be at most {MAX_DRAWN} for an "
                             "animation (a bigger network draws as a blot)")
    frames = frame_steps(params.steps, max_frames)
    main = start_engine(params, graph)
    twin = start_engine(params, graph, ()) if compare_baseline and params.strategies else None
    states = [main.end_state()["state"]]
    for t in range(1, params.steps + 1):
        main.step()
        if twin is not None:
            twin.step()
        if t in frames:
            states.append(main.end_state()["state"])
    adopters = [int(r["adopters"]) for r in main.records]
    baseline = [int(r["adopters"]) for r in twin.records] if twin is not None else None
    return Recording(frames, np.array(states), adopters, baseline,
                     main.end_state()["is_seed"], graph)


def write_gif(
    params: RunParams, path: str | Path, max_frames: int = 60, fps: int = 8,
    compare_baseline: bool = True, title: str = "", graph: SocialGraph | None = None,
) -> Path:
    """Run ``params`` and write an animated GIF: the network beside the adoption curve.

    Args:
        params: The run (its seed also seeds the layout).
        path: Where to write the GIF.
        max_frames: Most frames; the steps are sampled evenly (first and last kept).
        fps: Frames per second.
        compare_baseline: Overlay the adoption curve of a baseline twin (same seed and
            graph, no strategy), so the gap is the strategy's effect.
        title: Figure title (default: strategies, network and seed).
        graph: A prebuilt graph (otherwise built from ``params.network`` and the seed).

    Returns:
        The path written.
    """
    check_count("fps", fps, 1)
    rec = record_run(params, max_frames, compare_baseline, graph)
    layout = network_layout(rec.graph, params.seed, params.network.name, params.network.blocks)
    segments = tie_segments(rec.graph, layout)
    sizes = node_sizes(rec.graph.audience)
    names = "+".join(type(s).__name__ for s in params.strategies) or "baseline"
    title = title or f"{names} on {params.network.name} (n = {rec.graph.n}, seed {params.seed})"

    fig = Figure(figsize=(11, 4.6), dpi=80)
    fig.subplots_adjust(left=0.02, right=0.97, bottom=0.12, top=0.86, wspace=0.35)
    ax_net, ax_adopt = fig.subplots(1, 2, width_ratios=[1.25, 1])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = PillowWriter(fps=fps)
    with writer.saving(fig, str(path), dpi=fig.dpi):
        for k, step in enumerate(rec.frames):
            draw_network(ax_net, layout, segments, rec.states[k], sizes, rec.seeds)
            draw_adoption(ax_adopt, rec.adopters[: step + 1],
                          None if rec.baseline is None else rec.baseline[: step + 1],
                          rec.graph.n, label=names, steps=params.steps)
            fig.suptitle(f"{title}\nday {step}", fontsize=11)
            writer.grab_frame()
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line with plain arguments (the Hydra one is ``python -m experiments.animate``)."""
    parser = argparse.ArgumentParser(prog="python -m simulation.classroom.animation",
                                     description="Write an animated GIF of one run.")
    parser.add_argument("--out", type=Path, default=Path("animation.gif"))
    parser.add_argument("--n", type=int, default=300, help="consumers")
    parser.add_argument("--network", default="barabasi_albert", choices=NETWORKS)
    parser.add_argument("--strategy", default="influencer_seeding", choices=STRATEGY_NAMES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=90)
    parser.add_argument("--max-frames", type=int, default=60)
    parser.add_argument("--fps", type=int, default=8)
    parser.add_argument("--no-baseline", action="store_true", help="no baseline overlay")
    args = parser.parse_args(argv)
    params = RunParams(network=NetworkParams(name=args.network, n=args.n),
                       consumer=ConsumerParams(), product=ProductParams(),
                       strategies=make_strategies(args.strategy, 10, "degree", 0.02),
                       seed=args.seed, steps=args.steps)
    path = write_gif(params, args.out, args.max_frames, args.fps, not args.no_baseline)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
