"""Figures of a sweep. Each function takes DataFrames and returns a Figure; the caller saves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

#: Axis labels of the metrics the sweep figures show.
METRIC_LABELS = {
    "adopters": "adopters (consumers)",
    "adoption_rate": "adoption rate (share of consumers)",
    "time_to_50pct": "time to 50% adoption (days)",
    "revenue": "revenue (currency)",
    "spend": "spend (currency)",
    "profit": "profit (currency)",
    "cpa": "cost per acquisition (currency per adopter)",
}


def _label(row: pd.Series | tuple, by: Sequence[str]) -> str:
    values = row if isinstance(row, tuple) else tuple(row[b] for b in by)
    if len(by) == 1:
        return str(values[0])
    return ", ".join(f"{b}={v}" for b, v in zip(by, values, strict=True))


def adoption_curves_figure(
    timeseries: pd.DataFrame, by: Sequence[str], column: str = "adopters"
) -> Figure:
    """Mean cumulative adopters per day for each arm, with a 95 % t-interval band.

    Args:
        timeseries: Per-step rows of every run: the ``by`` columns, ``seed``, ``step``
            and ``column``.
        by: Columns that define an arm.
        column: The per-step quantity to plot.
    """
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.subplots()
    groups = timeseries.groupby(list(by), sort=True) if by else [((), timeseries)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        per_step = g.groupby("step")[column]
        mean, sd, n = per_step.mean(), per_step.std(ddof=1), per_step.count()
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
        line = ax.plot(mean.index, mean.to_numpy(), label=_label(key, by) if by else "all")[0]
        if (n > 1).all():
            ax.fill_between(
                mean.index, mean - half, mean + half, color=line.get_color(), alpha=0.2, linewidth=0
            )
    ax.set_xlabel("day")
    ax.set_ylabel("cumulative adopters (consumers)")
    ax.set_title("Mean adoption curve (band: 95% CI of the mean)")
    ax.legend(title=", ".join(by) if by else None, fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def metric_bars_figure(
    table: pd.DataFrame, by: Sequence[str], metrics: Sequence[str] = ("adopters", "revenue", "cpa")
) -> Figure:
    """Bars of the mean per arm with 95 % bootstrap CIs, one panel per metric.

    Args:
        table: The long comparison table of :func:`simulation.compare.compare`.
        by: The factor columns of the table.
        metrics: Metrics to show, one panel each.
    """
    arms = len(table[table["metric"] == metrics[0]])
    width = max(4.2, 0.32 * arms + 1.5)  # room for every arm's label
    fig = Figure(figsize=(width * len(metrics), 4.6 + 0.06 * arms), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    for ax, metric in zip(axes, metrics, strict=True):
        t = table[table["metric"] == metric]
        labels = [_label(r, by) for _, r in t.iterrows()]
        mean = t["mean"].astype(float).to_numpy()
        err = np.vstack(
            [
                mean - t["ci_low"].astype(float).to_numpy(),
                t["ci_high"].astype(float).to_numpy() - mean,
            ]
        )
        x = np.arange(len(t))
        ax.bar(
            x,
            np.nan_to_num(mean),
            yerr=np.nan_to_num(err),
            capsize=4,
            color=["#969696" if r else "#3182bd" for r in t["is_reference"]],
        )
        ax.set_xticks(x, labels, rotation=35, ha="right")
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        ax.set_xlabel(", ".join(by))
        ax.set_title(f"{metric} (mean, 95% CI)")
        ax.grid(axis="y", alpha=0.3)
    return fig


def dose_response_figure(
    table: pd.DataFrame,
    param: str,
    metrics: Sequence[str] = ("adopters", "profit"),
    group: str | None = None,
) -> Figure:
    """Mean response with 95 % CI against one numeric swept parameter.

    Args:
        table: The long comparison table.
        param: The numeric swept parameter (x axis).
        metrics: Metrics to show, one panel each.
        group: An optional second factor drawn as separate lines.
    """
    fig = Figure(figsize=(5 * len(metrics), 4.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    for ax, metric in zip(axes, metrics, strict=True):
        t = table[table["metric"] == metric]
        for key, g in t.groupby(group, sort=True) if group else [(None, t)]:
            g = g.sort_values(param)
            x = g[param].astype(float).to_numpy()
            line = ax.plot(
                x, g["mean"].astype(float), marker="o", label=f"{group}={key}" if group else metric
            )[0]
            ax.fill_between(
                x,
                g["ci_low"].astype(float),
                g["ci_high"].astype(float),
                color=line.get_color(),
                alpha=0.2,
                linewidth=0,
            )
        ax.set_xlabel(param)
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        ax.set_title(f"{metric} against {param} (mean, 95% CI)")
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
    return fig


def heatmap_figure(table: pd.DataFrame, x: str, y: str, metric: str = "adopters") -> Figure:
    """Mean ``metric`` over a two-parameter grid, annotated with the values.

    Args:
        table: The long comparison table.
        x: Factor on the horizontal axis.
        y: Factor on the vertical axis.
        metric: The metric to colour by.
    """
    t = table[table["metric"] == metric]
    grid = t.pivot_table(index=y, columns=x, values="mean", aggfunc="first")
    fig = Figure(figsize=(1.4 * grid.shape[1] + 3, 0.7 * grid.shape[0] + 2.5), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="viridis", origin="lower")
    ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns], rotation=35, ha="right")
    ax.set_yticks(range(grid.shape[0]), [str(i) for i in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    values = grid.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    mid = (finite.min() + finite.max()) / 2 if finite.size else 0
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(
                j,
                i,
                f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}",
                ha="center",
                va="center",
                color="black" if v > mid else "white",
                fontsize="small",
            )
    fig.colorbar(image, ax=ax, label=f"mean {METRIC_LABELS.get(metric, metric)}")
    ax.set_title(f"Mean {metric}")
    return fig
