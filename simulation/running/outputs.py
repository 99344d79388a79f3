"""Writing one run's files: timeseries.csv, summary.json, adoption.png (segments.csv).

``summary.json`` is written last and every file atomically (temp name, then rename), so
a directory without ``summary.json`` is an unfinished run, never a half-written one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # kept light: the CLI reads SUMMARY_FILE before it loads pandas
    from simulation.running.runner import RunResult

TIMESERIES_FILE = "timeseries.csv"
SUMMARY_FILE = "summary.json"
SEGMENTS_FILE = "segments.csv"
FIGURE_FILE = "adoption.png"


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def write_run(
    result: RunResult, directory: str | Path, title: str = "", figure: bool = True
) -> Path:
    """Write a run's files into ``directory`` (created if needed) and return it.

    Args:
        result: The run.
        directory: Where to write.
        title: Figure title.
        figure: Also draw ``adoption.png`` (it takes longer than a small run itself).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    _atomic(out / TIMESERIES_FILE,
            lambda p: result.timeseries.to_csv(p, index=False, float_format="%.10g"))
    if result.segments is not None:
        _atomic(out / SEGMENTS_FILE, lambda p: result.segments.to_csv(p, index=False))
    if figure:
        from simulation.running.plots import adoption_figure

        fig = adoption_figure(result.timeseries, result.summary, title)
        _atomic(out / FIGURE_FILE, lambda p: fig.savefig(p, dpi=110, format="png"))
    _atomic(out / SUMMARY_FILE,
            lambda p: p.write_text(json.dumps(result.summary, indent=2) + "\n"))
    return out


def describe(summary: dict) -> str:
    """A few human lines about a run's outcome."""
    def pct(x):
        return "never" if x is None else f"day {x}"
    cpa = "n/a" if summary["cpa"] is None else f"{summary['cpa']:,.2f}"
    return "\n".join([
        f"adopters: {summary['adopters']:,} of {summary['n']:,} "
        f"({summary['adoption_rate']:.1%}); reached: {summary['reach_rate']:.1%}; "
        f"10% adoption: {pct(summary['time_to_10pct'])}; 50%: {pct(summary['time_to_50pct'])}",
        f"revenue {summary['revenue']:,.0f}, spend {summary['spend']:,.0f}, "
        f"profit {summary['profit']:,.0f}, cost per acquisition {cpa}",
        f"engine {summary['engine']}, seed {summary['seed']}, {summary['steps']} days, "
        f"{summary['wall_seconds']:.2f} s",
    ])
