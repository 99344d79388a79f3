"""Figures of a sweep. Each function takes DataFrames and returns a Figure; the caller saves."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import matplotlib.ticker
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


#: Arms drawn in one panel; more get one small panel each, against the reference.
MAX_LINES = 10


def _arms(frame: pd.DataFrame, by: Sequence[str]) -> list[tuple[tuple, pd.DataFrame]]:
    groups = frame.groupby(list(by), sort=True) if by else [((), frame)]
    return [(k if isinstance(k, tuple) else (k,), g) for k, g in groups]


def _mean_band(ax, g: pd.DataFrame, column: str, color, label: str | None) -> None:
    per_step = g.groupby("step")[column]
    mean, sd, n = per_step.mean(), per_step.std(ddof=1), per_step.count()
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    ax.plot(mean.index, mean.to_numpy(), color=color, label=label)
    if (n > 1).all():
        ax.fill_between(mean.index, mean - half, mean + half, color=color, alpha=0.2, linewidth=0)


def adoption_curves_figure(
    timeseries: pd.DataFrame,
    by: Sequence[str],
    column: str = "adopters",
    reference: tuple | None = None,
) -> Figure:
    """Mean cumulative adopters per day for each arm, with a 95 % t-interval band.

    Up to ``MAX_LINES`` arms share one panel in distinct colours (tab10); with more, each
    arm gets a small panel of its own on shared axes, with the reference (or the first
    arm) in grey behind it, so no two curves share a colour and no labels overlap.

    Args:
        timeseries: Per-step rows of every run: the ``by`` columns, ``seed``, ``step``
            and ``column``.
        by: Columns that define an arm.
        column: The per-step quantity to plot.
        reference: The reference arm's key (values of ``by``), drawn behind each panel.
    """
    arms = _arms(timeseries, by)
    ylabel = "cumulative adopters (consumers)"
    if len(arms) <= MAX_LINES:
        fig = Figure(figsize=(8, 4.8), layout="constrained")
        ax = fig.subplots()
        colors = matplotlib.colormaps["tab10"].colors
        for i, (key, g) in enumerate(arms):
            _mean_band(ax, g, column, colors[i], _label(key, by) if by else "all")
        ax.set_xlabel("day")
        ax.set_ylabel(ylabel)
        ax.set_title("Mean adoption curve (band: 95% CI of the mean)")
        ax.legend(title=", ".join(by) if by else None, fontsize="small",
                  loc="upper left", bbox_to_anchor=(1.01, 1))
        ax.grid(alpha=0.3)
        return fig
    ref_key = reference if reference is not None else arms[0][0]
    ref = dict(arms).get(ref_key)
    cols = 4
    rows = -(-len(arms) // cols)
    fig = Figure(figsize=(3.2 * cols, 2.4 * rows + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True)).ravel()
    for ax, (key, g) in zip(axes, arms, strict=False):
        if ref is not None and key != ref_key:
            _mean_band(ax, ref, column, "#969696", None)
        _mean_band(ax, g, column, "#3182bd", None)
        ax.set_title(_label(key, by), fontsize="small")
        ax.grid(alpha=0.3)
    for ax in axes[len(arms):]:
        ax.set_visible(False)
    fig.supxlabel("day")
    fig.supylabel(ylabel)
    grey = f"; grey: {_label(ref_key, by)}" if ref is not None else ""
    fig.suptitle(f"Mean adoption curve per arm (band: 95% CI of the mean{grey})")
    return fig


def _hbars(ax, labels, mean, low, high, colors) -> None:
    """Horizontal bars (one arm per row, so labels never overlap) with CI whiskers."""
    y = np.arange(len(labels))[::-1]
    err = np.vstack([mean - low, high - mean])
    ax.barh(y, np.nan_to_num(mean), xerr=np.nan_to_num(err), capsize=3, color=colors)
    ax.set_yticks(y, labels)
    ax.grid(axis="x", alpha=0.3)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5))
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))


def metric_bars_figure(
    table: pd.DataFrame,
    by: Sequence[str],
    metrics: Sequence[str] = ("adopters", "revenue", "profit"),
) -> Figure:
    """Horizontal bars of the mean per arm with 95 % bootstrap CIs, one panel per metric.

    Args:
        table: The long comparison table of :func:`simulation.analysis.compare.compare`.
        by: The factor columns of the table.
        metrics: Metrics to show, one panel each (arms share the rows).
    """
    arms = len(table[table["metric"] == metrics[0]])
    fig = Figure(figsize=(4.2 * len(metrics) + 2, 1.2 + 0.3 * arms), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(metrics), sharey=True))
    for ax, metric in zip(axes, metrics, strict=True):
        t = table[table["metric"] == metric]
        mean = t["mean"].astype(float).to_numpy()
        _hbars(
            ax,
            [_label(r, by) for _, r in t.iterrows()],
            mean,
            t["ci_low"].astype(float).fillna(t["mean"].astype(float)).to_numpy(),
            t["ci_high"].astype(float).fillna(t["mean"].astype(float)).to_numpy(),
            ["#969696" if r else "#3182bd" for r in t["is_reference"]],
        )
        ax.set_xlabel(METRIC_LABELS.get(metric, metric))
        ax.set_title(f"{metric} (mean, 95% CI; grey: reference)", fontsize="medium")
    return fig


def profit_figure(table: pd.DataFrame, by: Sequence[str]) -> Figure:
    """Extra profit of each arm over the reference (paired lift, 95 % CI), best on top.

    Green bars pay back, red ones lose money; hatched ones have a CI that includes 0.
    One row per arm, so labels stay legible with many arms.

    Args:
        table: The long comparison table of :func:`simulation.analysis.compare.compare`.
        by: The factor columns of the table.
    """
    t = table[(table["metric"] == "profit") & table["lift"].notna()].copy()
    t["lift"] = t["lift"].astype(float)
    t = t.sort_values("lift", ascending=False)
    fig = Figure(figsize=(8, 1.4 + 0.32 * len(t)), layout="constrained")
    ax = fig.subplots()
    low = t["lift_ci_low"].astype(float).fillna(t["lift"]).to_numpy()
    high = t["lift_ci_high"].astype(float).fillna(t["lift"]).to_numpy()
    mean = t["lift"].to_numpy()
    _hbars(ax, [_label(r, by) for _, r in t.iterrows()], mean, low, high,
           ["#31a354" if m > 0 else "#de2d26" for m in mean])
    for bar, lo, hi in zip(ax.patches, low, high, strict=True):
        if lo <= 0 <= hi:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("extra profit per run over the reference (currency; 95% CI)")
    ax.set_title("Does it pay? Profit lift over the reference\n"
                 "(green: pays back, red: loses money, hatched: CI includes 0)")
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
