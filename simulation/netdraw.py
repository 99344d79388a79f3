"""Drawing the social network coloured by journey state (for the web app and the GIF).

A layout is computed once per graph (seeded) and reused for every frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from models.graph import SocialGraph
from models.journey import STATE_COLUMNS, JourneyState
from simulation.plots import STATE_COLOURS

#: Colour of each state as an array indexed by the state's value.
STATE_COLOUR_LIST = tuple(STATE_COLOURS[c] for c in STATE_COLUMNS)
SEED_EDGE = "#000000"


def _ties(graph: SocialGraph) -> tuple[np.ndarray, np.ndarray]:
    """Each tie once (u < v), ignoring direction."""
    r = graph.receivers.tocoo()
    u, v = np.minimum(r.row, r.col), np.maximum(r.row, r.col)
    keep = u != v
    pairs = np.unique(np.stack([u[keep], v[keep]], axis=1), axis=0)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)


def network_layout(
    graph: SocialGraph, seed: int, iterations: int = 60, sample: int = 300
) -> np.ndarray:
    """Node positions in [-1, 1]^2 by a seeded force-directed (Fruchterman-Reingold) layout.

    Repulsion is estimated against a random sample of ``sample`` nodes per iteration,
    so the cost is O(n * sample) per iteration rather than O(n^2): a few seconds for a
    few thousand consumers, where networkx's sparse spring layout takes tens of seconds.
    A weak pull towards the centre keeps small components on the canvas.

    Args:
        graph: The social graph.
        seed: Seed of the layout (the same seed gives the same picture).
        iterations: Number of force iterations.
        sample: Nodes sampled per iteration for the repulsion.

    Returns:
        An ``(n, 2)`` array of positions.
    """
    n = graph.n
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0.0, 1.0, (n, 2))
    if n <= 1:
        return np.zeros((n, 2))
    rows, cols = _ties(graph)
    k = np.sqrt(1.0 / n)  # ideal distance in the unit square, as networkx uses
    temperature = 0.1
    cool = temperature / (iterations + 1)
    s = min(n, sample)
    for _ in range(iterations):
        idx = rng.choice(n, s, replace=False) if s < n else np.arange(n)
        delta = pos[:, None, :] - pos[None, idx, :]
        dist2 = np.maximum((delta**2).sum(axis=-1), 1e-6)
        disp = (delta * (k * k / dist2)[..., None]).sum(axis=1) * (n / s)
        d = pos[rows] - pos[cols]
        pull = d * (np.sqrt((d**2).sum(axis=1)) / k)[:, None]
        np.add.at(disp, rows, -pull)
        np.add.at(disp, cols, pull)
        disp -= (pos - pos.mean(axis=0)) * (0.5 * k * n**0.5)
        length = np.maximum(np.sqrt((disp**2).sum(axis=1)), 1e-9)
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        temperature -= cool
    lo, hi = np.percentile(pos, 1, axis=0), np.percentile(pos, 99, axis=0)
    pos = (pos - (lo + hi) / 2) / np.maximum((hi - lo).max() / 2, 1e-9)
    return np.clip(pos, -1.1, 1.1)


def tie_segments(graph: SocialGraph, layout: np.ndarray) -> np.ndarray:
    """Line segments of every tie, shape ``(ties, 2, 2)``, for a ``LineCollection``."""
    rows, cols = _ties(graph)
    return np.stack([layout[rows], layout[cols]], axis=1)


def node_sizes(audience: np.ndarray) -> np.ndarray:
    """Marker areas (points^2) growing with the square root of the audience."""
    n = len(audience)
    base = 30.0 if n <= 100 else 12.0 if n <= 1000 else 5.0
    top = max(int(audience.max(initial=0)), 1)
    return base * (1.0 + 5.0 * np.sqrt(audience / top))


def state_legend_handles(with_seed: bool = True) -> list[Line2D]:
    """Legend entries: one per journey state, plus the seeded-influencer outline."""
    handles = [
        Line2D([], [], ls="", marker="o", markersize=7, color=STATE_COLOURS[c],
               label=c.replace("_", "-"))
        for c in STATE_COLUMNS
    ]
    if with_seed:
        handles.append(Line2D([], [], ls="", marker="o", markersize=9, markerfacecolor="white",
                              markeredgecolor=SEED_EDGE, markeredgewidth=2,
                              label="seeded influencer"))
    return handles


def draw_network(
    ax: Axes,
    layout: np.ndarray,
    segments: np.ndarray,
    states: Sequence[int] | np.ndarray,
    sizes: np.ndarray,
    seeds: np.ndarray | None = None,
    legend: bool = True,
) -> None:
    """Draw ties and consumers coloured by journey state on ``ax``.

    Args:
        ax: The axes to draw on (cleared first).
        layout: Node positions, ``(n, 2)``.
        segments: Tie segments from ``tie_segments``.
        states: Journey state of each consumer.
        sizes: Marker area of each consumer (``node_sizes``).
        seeds: Boolean mask of seeded influencers (outlined in black), or None.
        legend: Whether to add the state legend.
    """
    ax.clear()
    n = len(layout)
    alpha = 0.35 if n <= 300 else 0.15 if n <= 1500 else 0.07
    ax.add_collection(LineCollection(segments, colors="#9e9e9e", linewidths=0.5, alpha=alpha,
                                     zorder=1))
    colours = np.array(STATE_COLOUR_LIST)[np.asarray(states, dtype=np.int64)]
    order = np.argsort(sizes, kind="stable")  # big nodes on top
    ax.scatter(layout[order, 0], layout[order, 1], s=sizes[order], c=colours[order],
               edgecolors="white", linewidths=0.3, zorder=2)
    if seeds is not None and seeds.any():
        ax.scatter(layout[seeds, 0], layout[seeds, 1], s=sizes[seeds] * 1.8,
                   facecolors="none", edgecolors=SEED_EDGE, linewidths=1.6, zorder=3)
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.15)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if legend:
        ax.legend(handles=state_legend_handles(seeds is not None and bool(seeds.any())),
                  loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)


def state_counts_of(states: np.ndarray) -> dict[str, int]:
    """Consumers per journey state, by column name."""
    counts = np.bincount(np.asarray(states, dtype=np.int64), minlength=len(JourneyState))
    return {c: int(k) for c, k in zip(STATE_COLUMNS, counts, strict=True)}
