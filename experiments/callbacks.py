"""Hydra callbacks: claim a run's folder, print sweep progress, write the comparison at the end."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from experiments.sweeping import FolderError, claim_folder, one_line

# The report's modules (pandas, scipy.stats, matplotlib) are imported where they are used:
# every worker process of a sweep loads this module, and writes no report.

#: The number of jobs (written by the sweeper before the first starts) and the jobs done.
JOBS_TOTAL_FILE = ".jobs_total"
_DONE = ".jobs_done"


class SweepReport(Callback):
    """Guard a run's folder; print ``[done/total] jobs done`` per job; aggregate a sweep.

    Jobs may run in other processes (joblib, submitit), so progress is counted in files
    in the sweep directory rather than in memory. The sweep folder itself is claimed by
    the sweeper (``hydra_plugins/peerbuy_sweeper``) once every job's config is valid.
    """

    def __init__(self) -> None:
        self._lock: int | None = None

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Refuse, in one line, a run folder in use or holding another run's outputs.

        Runs before Hydra writes ``.hydra/`` into the folder, so a refused launch leaves
        the other run's files as they were.
        """
        try:
            self._lock = claim_folder(Path(str(config.hydra.run.dir)), what="run")
        except FolderError as exc:
            print(f"peerbuy: error: {exc}", file=sys.stderr)
            sys.exit(2)

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """Count this job as done (or failed) and print the progress line."""
        sweep_dir = Path(config.hydra.sweep.dir)
        if config.hydra.mode != RunMode.MULTIRUN or not sweep_dir.is_dir():
            return
        total_file = sweep_dir / JOBS_TOTAL_FILE
        if not total_file.exists():  # a sweep launched by another sweeper
            from experiments.sweepfolder import SweepError, expected_jobs

            try:
                jobs: list | None = expected_jobs(sweep_dir)
            except SweepError:
                jobs = None
            tmp = sweep_dir / f".{JOBS_TOTAL_FILE}.{os.getpid()}"
            tmp.write_text(str(len(jobs)) if jobs is not None else "?")
            os.replace(tmp, total_file)
        # One short append per job: atomic on local file systems, so workers don't clash.
        with open(sweep_dir / _DONE, "a") as f:
            f.write(f"{config.hydra.job.num}\n")
        done = len((sweep_dir / _DONE).read_text().split())
        what = Path(config.hydra.runtime.output_dir).name
        if job_return.status == JobStatus.FAILED:
            try:
                job_return.return_value  # noqa: B018 -- re-raises the job's exception
            except Exception as exc:
                what = f"job {config.hydra.job.num} FAILED: {one_line(exc)}"
        print(f"[{done}/{total_file.read_text()}] jobs done ({what})", flush=True)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write the tables, comparison and figures; exit 1 if any job failed or is missing.

        Hydra discards a sweep's return values, so a non-zero exit is the only way to
        tell a script that the comparison is PARTIAL.
        """
        from experiments.sweepfolder import load_sweep, write_report
        from experiments.sweeping import GRAPH_CACHE

        sweep_dir = Path(config.hydra.sweep.dir)
        if not sweep_dir.is_dir():
            return
        shutil.rmtree(sweep_dir / GRAPH_CACHE, ignore_errors=True)
        try:
            data = load_sweep(sweep_dir)
            md = write_report(sweep_dir, data)
        except Exception as exc:  # the jobs' outputs are safe: say so rather than lose them
            print(
                f"peerbuy: error: the comparison could not be written ({one_line(exc)}); "
                f"the jobs' outputs are in {sweep_dir}",
                file=sys.stderr,
            )
            sys.exit(1)
        print(f"comparison: {md}", flush=True)
        if data.problems:
            for p in data.problems:
                print(f"peerbuy: {p}", file=sys.stderr)
            print(
                f"peerbuy: sweep PARTIAL ({len(data.problems)} jobs failed or missing); "
                f"re-run only those with: python -m experiments.resume {sweep_dir}",
                file=sys.stderr,
                flush=True,
            )
            sys.exit(1)
