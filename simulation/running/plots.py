"""Figures of one run. Each function takes data and returns a Figure; the caller saves."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from models.journey import STATE_COLUMNS

STATE_COLOURS = {
    "unaware": "#bdbdbd",
    "aware": "#6baed6",
    "researching": "#fd8d3c",
    "purchased": "#31a354",
    "follow_up": "#006d2c",
    "dormant": "#756bb1",
    "rejected": "#de2d26",
}


def funnel_counts(summary: dict, n: int) -> pd.Series:
    """Consumers at each stage of the funnel (ever reached it), for a bar chart."""
    aware = summary["reach"] - summary["seeded"]
    research = round((summary["aware_to_research"] or 0) * aware)
    return pd.Series(
        {"population": n, "aware": aware, "researched": research,
         "purchased": summary["adopters"]}
    )


def adoption_figure(timeseries: pd.DataFrame, summary: dict, title: str = "") -> Figure:
    """Adoption curve with state counts, and the funnel.

    Args:
        timeseries: The per-step table of one run.
        summary: The run's summary metrics.
        title: Figure title.
    """
    fig = Figure(figsize=(13, 4.2), layout="constrained")
    ax_adopt, ax_states, ax_funnel = fig.subplots(1, 3, width_ratios=[1.2, 1.2, 0.8])
    days = timeseries["step"]
    n = int(timeseries.loc[0, list(STATE_COLUMNS)].sum())

    ax_adopt.plot(days, timeseries["adopters"], color="#006d2c", lw=2,
                  label="adopters (cumulative)")
    ax_adopt.set_xlabel("day")
    ax_adopt.set_ylabel("consumers")
    ax_adopt.set_title("Adoption")
    twin = ax_adopt.twinx()
    twin.bar(days, timeseries["new_adopters"], color="#74c476", alpha=0.5, width=1.0,
             label="new adopters per day")
    twin.set_ylabel("new adopters per day")
    lines = ax_adopt.get_legend_handles_labels()
    bars = twin.get_legend_handles_labels()
    ax_adopt.legend(lines[0] + bars[0], lines[1] + bars[1], loc="upper left", fontsize=8)
    ax_adopt.set_zorder(twin.get_zorder() + 1)
    ax_adopt.patch.set_visible(False)

    for col in STATE_COLUMNS:
        ax_states.plot(days, timeseries[col], color=STATE_COLOURS[col], lw=1.6,
                       label=col.replace("_", "-"))
    ax_states.set_xlabel("day")
    ax_states.set_ylabel("consumers")
    ax_states.set_title("Consumers per journey state")
    ax_states.legend(fontsize=8, ncols=2)

    funnel = funnel_counts(summary, n)
    bars = ax_funnel.barh(funnel.index[::-1], funnel.to_numpy()[::-1],
                          color=["#31a354", "#fd8d3c", "#6baed6", "#bdbdbd"])
    ax_funnel.bar_label(bars, fmt="%d", padding=2, fontsize=8)
    ax_funnel.set_xlabel("consumers (ever reached the stage)")
    ax_funnel.set_title("Funnel")
    ax_funnel.set_xlim(0, n * 1.15)
    if title:
        fig.suptitle(title)
    return fig
