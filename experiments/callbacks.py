"""Hydra callbacks of a sweep: progress lines while it runs, the comparison when it ends."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from experiments.aggregate import GRAPH_CACHE, expected_jobs, write_report

_TOTAL = ".jobs_total"
_DONE = ".jobs_done"


class SweepReport(Callback):
    """Print ``[done/total] jobs done`` after each job; aggregate the sweep at its end.

    Jobs may run in other processes (joblib, submitit), so progress is counted in files
    in the sweep directory rather than in memory.
    """

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Reset the progress counters."""
        sweep_dir = Path(config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        for name in (_TOTAL, _DONE):  # left over from an earlier launch into this directory
            (sweep_dir / name).unlink(missing_ok=True)

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """Count this job as done (or failed) and print the progress line."""
        sweep_dir = Path(config.hydra.sweep.dir)
        if config.hydra.mode != RunMode.MULTIRUN or not sweep_dir.is_dir():
            return
        total_file = sweep_dir / _TOTAL
        if not total_file.exists():
            jobs = expected_jobs(sweep_dir)
            tmp = sweep_dir / f".{_TOTAL}.{os.getpid()}"
            tmp.write_text(str(len(jobs)) if jobs is not None else "?")
            os.replace(tmp, total_file)
        # One short append per job: atomic on local file systems, so workers don't clash.
        with open(sweep_dir / _DONE, "a") as f:
            f.write(f"{config.hydra.job.num}\n")
        done = len((sweep_dir / _DONE).read_text().split())
        failed = job_return.status == JobStatus.FAILED
        what = (
            f"job {config.hydra.job.num} FAILED: {job_return._return_value!r}"
            if failed
            else Path(config.hydra.runtime.output_dir).name
        )
        print(f"[{done}/{total_file.read_text()}] jobs done ({what})", flush=True)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write runs/timeseries tables, the comparison and figures into the sweep dir."""
        sweep_dir = Path(config.hydra.sweep.dir)
        if not sweep_dir.is_dir():
            return
        shutil.rmtree(sweep_dir / GRAPH_CACHE, ignore_errors=True)
        md = write_report(sweep_dir)
        print(f"comparison: {md}", flush=True)
