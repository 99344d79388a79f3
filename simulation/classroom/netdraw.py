"""Matplotlib drawings of a run for the slide GIF: the network by journey state, adoption.

The page draws in the browser instead; both use the same layouts and palette.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from models.graph import SocialGraph
from models.journey import STATE_COLUMNS, JourneyState
from simulation.classroom.layout import ties
from simulation.classroom.palette import (
    BASELINE_LINE,
    SEED_EDGE,
    STATE_FILL,
    STATE_FILL_LIST,
    STATE_LABEL,
    STRATEGY_LINE,
)


def tie_segments(graph: SocialGraph, layout: np.ndarray) -> np.ndarray:
    """Line segments of every tie, shape ``(ties, 2, 2)``, for a ``LineCollection``."""
    rows, cols = ties(graph)
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
        Line2D([], [], ls="", marker="o", markersize=7, color=STATE_FILL[c],
               label=STATE_LABEL[c])
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
    colours = np.array(STATE_FILL_LIST)[np.asarray(states, dtype=np.int64)]
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


def draw_adoption(
    ax: Axes,
    adopters: Sequence[float],
    baseline: Sequence[float] | None,
    n: int,
    label: str = "strategy",
    steps: int | None = None,
) -> None:
    """Draw cumulative adopters, and the baseline twin's with the gap shaded, on ``ax``.

    Args:
        ax: The axes (cleared first).
        adopters: Cumulative adopters at each step.
        baseline: The baseline twin's cumulative adopters, or None.
        n: Population size (the y-axis top).
        label: Legend label of the main curve.
        steps: Fix the x-axis to this many steps (an animation), or None to fit the data.
    """
    ax.clear()
    days = range(len(adopters))
    ax.plot(days, adopters, color=STRATEGY_LINE, lw=2.2, label=label)
    if baseline is not None:
        ax.plot(range(len(baseline)), baseline, color=BASELINE_LINE, lw=1.8, ls="--",
                label="baseline (same seed)")
        k = min(len(adopters), len(baseline))
        ax.fill_between(range(k), baseline[:k], adopters[:k], color=STRATEGY_LINE, alpha=0.15,
                        lw=0, label="effect of the strategy")
    top = max([*adopters, *(baseline or []), 1])
    ax.set_ylim(0, min(n, top * 1.15 + 1))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(0, max(steps if steps is not None else len(adopters) - 1, 1))
    ax.set_xlabel("day")
    ax.set_ylabel("adopters (cumulative)")
    ax.set_title("Cumulative adopters")
    ax.legend(fontsize=8, loc="upper left")
