"""Figures of a Bass fit, a calibration and a sensitivity analysis (data in, Figure out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def fit_figure(series: pd.DataFrame, title: str = "", level: float = 0.9) -> Figure:
    """Observed sales per period against the model's mean and band and the Bass curve.

    Args:
        series: Columns ``period``, ``observed`` and any of ``simulated_mean``,
            ``band_lower``, ``band_upper``, ``in_fit`` (False = hold-out), ``bass``.
        title: Figure title.
        level: Coverage of the band, for the legend.
    """
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax_new, ax_cum = fig.subplots(1, 2)
    x = series["period"].to_numpy()
    held = ~series["in_fit"].to_numpy(bool) if "in_fit" in series else np.zeros(len(x), bool)
    for ax, cum in ((ax_new, False), (ax_cum, True)):
        def v(col, cum=cum):
            values = series[col].to_numpy(float)
            return np.cumsum(values) if cum else values
        if "band_lower" in series and not cum:
            ax.fill_between(x, v("band_lower"), v("band_upper"), color="#9ecae1", alpha=0.6,
                            label=f"model, {level:.0%} band of runs")
        if "simulated_mean" in series:
            ax.plot(x, v("simulated_mean"), color="#08519c", lw=2, label="model, mean of runs")
        if "bass" in series:
            ax.plot(x, v("bass"), color="#e6550d", lw=1.5, ls="--", label="Bass fit")
        obs = v("observed")
        ax.plot(x[~held], obs[~held], "o", color="black", label="observed (fitted)")
        if held.any():
            ax.plot(x[held], obs[held], "o", mfc="white", color="black",
                    label="observed (held out)")
            ax.axvline(x[held][0] - 0.5, color="grey", lw=0.8, ls=":")
        ax.set_xlabel("period")
        ax.grid(alpha=0.3)
    ax_new.set_ylabel("new adopters (sales) per period")
    ax_cum.set_ylabel("cumulative adopters")
    ax_new.legend(fontsize=8, loc="upper left")
    if title:
        fig.suptitle(title)
    return fig


def sensitivity_figure(indices: pd.DataFrame, method: str, output: str) -> Figure:
    """Bar chart of sensitivity indices with their confidence intervals, largest first.

    Args:
        indices: Morris: ``parameter, mu_star, mu_star_conf``; Sobol: ``parameter, S1,
            S1_conf, ST, ST_conf``.
        method: ``morris`` or ``sobol``.
        output: The output analysed, for the axis label.
    """
    fig = Figure(figsize=(8, 0.45 * len(indices) + 1.6), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(indices))[::-1]
    names = indices["parameter"].tolist()
    if method == "morris":
        ax.barh(y, indices["mu_star"], xerr=indices["mu_star_conf"], color="#3182bd",
                capsize=3, label="mu* (mean |elementary effect|)")
        ax.set_xlabel(f"Morris mu* of {output} (95 % bootstrap CI)")
    else:
        h = 0.38
        ax.barh(y + h / 2, indices["ST"], h, xerr=indices["ST_conf"], color="#3182bd",
                capsize=3, label="total order ST")
        ax.barh(y - h / 2, indices["S1"], h, xerr=indices["S1_conf"], color="#9ecae1",
                capsize=3, label="first order S1")
        ax.set_xlabel(f"Sobol index of {output} (share of variance, 95 % bootstrap CI)")
        ax.axvline(0, color="black", lw=0.6)
    ax.set_yticks(y, names)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return fig
