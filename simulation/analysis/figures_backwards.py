"""Figures of the work-backwards report (data in, Figure out): what content is worth."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def _err(table: pd.DataFrame, col: str) -> np.ndarray:
    mean = table[col].to_numpy(float)
    return np.abs(np.vstack([mean - table[f"{col}_low"].to_numpy(float),
                             table[f"{col}_high"].to_numpy(float) - mean]))


def decomposition_figure(shapley: pd.DataFrame, counterfactual: pd.DataFrame,
                         touches: pd.DataFrame) -> Figure:
    """Touch paths, Shapley value vs last touch per content type, and what each arm loses.

    Args:
        shapley: ``backwards.Decomposition.shapley``.
        counterfactual: ``backwards.Decomposition.counterfactual``.
        touches: ``backwards.touch_summary`` of the buyers.
    """
    fig = Figure(figsize=(15, 4.2), layout="constrained")
    ax_t, ax, ax_cf = fig.subplots(1, 3)
    yt = np.arange(len(touches))
    h3 = 0.27
    buyers = max(int(touches["first_touch"].sum()), 1)
    for off, col, color, label in ((-h3, "share_touched", "#9ecae1", "any touch"),
                                   (0.0, "first_touch", "#3182bd", "first touch"),
                                   (h3, "last_touch", "#08519c", "last touch")):
        values = touches[col] if col == "share_touched" else touches[col] / buyers
        ax_t.barh(yt + off, 100 * values, h3, color=color, label=label)
    ax_t.set_yticks(yt, touches["content_type"])
    ax_t.invert_yaxis()
    ax_t.set_xlabel("% of buyers")
    ax_t.set_title("Touch paths before the purchase")
    ax_t.legend(loc="lower right", fontsize=8)
    y = np.arange(len(shapley))
    h = 0.4
    ax.barh(y + h / 2, shapley["adopters"], h, xerr=_err(shapley, "adopters"),
            color="#3182bd", label="Shapley value (adopters, 95% CI)")
    ax.barh(y - h / 2, shapley["last_touch_buyers"], h, color="#bdbdbd",
            label="last touch (buyers per run)")
    ax.set_yticks(y, shapley["content_type"])
    ax.invert_yaxis()
    ax.set_xlabel("adopters per run")
    ax.set_title("What each content type is worth")
    ax.legend(loc="lower right", fontsize=8)
    y2 = np.arange(len(counterfactual))
    colors = ["#3182bd" if k == "content type" else "#e6550d" for k in counterfactual["kind"]]
    ax_cf.barh(y2, counterfactual["adopters"], xerr=_err(counterfactual, "adopters"),
               color=colors)
    ax_cf.set_yticks(y2, counterfactual["arm"])
    ax_cf.invert_yaxis()
    ax_cf.axvline(0, color="black", lw=0.8)
    ax_cf.set_xlabel("adopters lost per run (95% CI), same seeds")
    ax_cf.set_title("Switch one off: what is lost")
    return fig


def incentive_figure(table: pd.DataFrame, budget: float | None) -> Figure:
    """Incremental adopters and profit of incentivising each content type (95 % CIs)."""
    fig = Figure(figsize=(11, 4.0), layout="constrained")
    axes = fig.subplots(1, 2)
    y = np.arange(len(table))
    for ax, col, label in ((axes[0], "adopters", "extra adopters per run"),
                           (axes[1], "profit", "extra profit per run")):
        ax.barh(y, table[col], xerr=_err(table, col), color="#31a354")
        ax.set_yticks(y, table["content_type"])
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(f"{label} (95% CI)")
    fig.suptitle("Incentivising one content type"
                 + ("" if budget is None else f" with a budget of {budget:,.0f}"))
    return fig
