"""Small figures of a run in progress, for the classroom page and the slide animation.

Each function takes plain data (lists, dicts) and returns a Figure; the caller shows it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from models.journey import STATE_COLUMNS
from simulation.plots import STATE_COLOURS

FIGSIZE = (5.6, 3.4)
STRATEGY_COLOUR = "#006d2c"
BASELINE_COLOUR = "#636363"


def _figure(left: float = 0.13, right: float = 0.96) -> tuple[Figure, Axes]:
    # Fixed margins: a constrained layout would cost more than the drawing, every step.
    fig = Figure(figsize=FIGSIZE, dpi=80)
    fig.subplots_adjust(left=left, right=right, bottom=0.14, top=0.9)
    return fig, fig.subplots()


def states_figure(counts: Mapping[str, Sequence[float]]) -> Figure:
    """Consumers per journey state over time.

    Args:
        counts: For each state column (``STATE_COLUMNS``), its value at each step.
    """
    fig, ax = _figure(right=0.76)
    for col in STATE_COLUMNS:
        values = counts[col]
        ax.plot(range(len(values)), values, color=STATE_COLOURS[col], lw=1.8,
                label=col.replace("_", "-"))
    ax.set_xlabel("day")
    ax.set_ylabel("consumers")
    ax.set_title("Consumers per journey state")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


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
    ax.plot(days, adopters, color=STRATEGY_COLOUR, lw=2.2, label=label)
    if baseline is not None:
        ax.plot(range(len(baseline)), baseline, color=BASELINE_COLOUR, lw=1.8, ls="--",
                label="baseline (same seed)")
        k = min(len(adopters), len(baseline))
        ax.fill_between(range(k), baseline[:k], adopters[:k], color=STRATEGY_COLOUR, alpha=0.15,
                        lw=0, label="effect of the strategy")
    top = max([*adopters, *(baseline or []), 1])
    ax.set_ylim(0, min(n, top * 1.15 + 1))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(0, max(steps if steps is not None else len(adopters) - 1, 1))
    ax.set_xlabel("day")
    ax.set_ylabel("adopters (cumulative)")
    ax.set_title("Cumulative adopters")
    ax.legend(fontsize=8, loc="upper left")


def adoption_figure(
    adopters: Sequence[float], baseline: Sequence[float] | None, n: int, label: str = "strategy"
) -> Figure:
    """Cumulative adopters, with the baseline twin's curve when there is one."""
    fig, ax = _figure()
    draw_adoption(ax, adopters, baseline, n, label)
    return fig


def reviews_figure(reviews: Sequence[float], avg_rating: Sequence[float]) -> Figure:
    """Number of visible reviews and their average star rating over time."""
    fig, ax = _figure(right=0.87)
    days = range(len(reviews))
    ax.plot(days, reviews, color="#3182bd", lw=2, label="reviews")
    ax.set_xlabel("day")
    ax.set_ylim(0, max([*reviews, 1]) * 1.15 + 1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("reviews (visible)", color="#3182bd")
    ax.set_title("Reviews and average rating")
    twin = ax.twinx()
    stars = [float("nan") if r is None or math.isnan(r) else r for r in avg_rating]
    twin.plot(days, stars, color="#e6550d", lw=1.8, label="average rating")
    twin.set_ylim(1, 5.2)
    twin.set_ylabel("average rating (stars)", color="#e6550d")
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize=8, loc="upper left")
    return fig


def funnel_figure(
    funnel: Mapping[str, int], baseline: Mapping[str, int] | None, n: int
) -> Figure:
    """The funnel: consumers who ever reached aware, researching and purchased.

    Args:
        funnel: Stage -> consumers who reached it (``simulation.classroom.funnel``).
        baseline: The same for the baseline twin, or None.
        n: Population size.
    """
    fig, ax = _figure(left=0.2)
    stages = list(funnel)[::-1]
    colours = [STATE_COLOURS[s] for s in ("purchased", "researching", "aware")][-len(stages):]
    height = 0.4 if baseline is not None else 0.7
    offset = height / 2 if baseline is not None else 0.0
    ys = [i + offset for i in range(len(stages))]
    bars = ax.barh(ys, [funnel[s] for s in stages], height=height, color=colours,
                   label="strategy")
    ax.bar_label(bars, fmt="%d", padding=2, fontsize=8)
    if baseline is not None:
        base = ax.barh([i - offset for i in range(len(stages))], [baseline[s] for s in stages],
                       height=height, color="white", edgecolor=BASELINE_COLOUR, hatch="//",
                       label="baseline")
        ax.bar_label(base, fmt="%d", padding=2, fontsize=8)
        ax.legend(fontsize=8, loc="lower right")
    ax.set_yticks(range(len(stages)), stages)
    ax.set_xlim(0, n * 1.15)
    ax.set_xlabel("consumers who ever reached the stage")
    ax.set_title("Funnel: aware \u2192 researching \u2192 purchased")
    return fig
