"""Aggregate one sweep folder into runs/timeseries tables, a comparison and figures.

``python -m experiments.aggregate SWEEP_DIR`` re-analyses a finished, failed or interrupted
sweep; a job with corrupt or missing files becomes a failed row with its reason.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from experiments.sweepfolder import SweepError, load_sweep, write_report
from experiments.sweeping import GRAPH_CACHE
from simulation.params import OBJECTIVES


def parser() -> argparse.ArgumentParser:
    """The command line of ``python -m experiments.aggregate``."""
    p = argparse.ArgumentParser(
        prog="python -m experiments.aggregate",
        description=(
            "Rebuild a sweep's runs.csv/.parquet, timeseries.parquet, comparison.md/.csv and "
            "figures from its job folders (a sweep writes them itself when it ends; use this "
            "after an interrupted sweep or to change the objective). Jobs with missing or "
            "corrupt files are listed as failed with the reason and the comparison is marked "
            "PARTIAL. Exit 0 when the comparison was written (even PARTIAL), 2 when the "
            "folder is not one sweep."
        ),
    )
    p.add_argument(
        "sweep_dir",
        metavar="SWEEP_DIR",
        type=Path,
        help="one sweep folder, the one holding multirun.yaml, e.g. "
        "results/sweeps/2026-01-31/17-42-30.123456 (not results/sweeps/ itself)",
    )
    p.add_argument(
        "--objective",
        choices=OBJECTIVES,
        default=None,
        help="what the decision maximises: profit (gross profit minus spend), adopters or "
        "revenue (default: the sweep's report.objective, profit unless set)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Command line: aggregate one sweep folder and print where the comparison is."""
    args = parser().parse_args(argv)
    try:
        data = load_sweep(args.sweep_dir)
    except SweepError as exc:
        print(f"peerbuy: error: {exc}", file=sys.stderr)
        return 2
    md = write_report(args.sweep_dir, data, objective=args.objective)
    shutil.rmtree(args.sweep_dir / GRAPH_CACHE, ignore_errors=True)  # left by a failed sweep
    for p in data.problems:
        print(f"peerbuy: {p}")
    print(f"comparison: {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
