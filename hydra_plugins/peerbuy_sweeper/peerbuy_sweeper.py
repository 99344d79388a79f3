"""A grid sweeper that checks every job before the first starts and survives failed jobs.

Same grid as Hydra's basic sweeper (``hydra.sweeper.params`` and command-line lists,
``max_batch_size``), with five differences:

- every job's config is composed and validated before any job starts; a bad value
  stops the sweep with one line and exit 2, leaving nothing behind;
- the sweep folder is locked and must be empty (unless ``experiments.resume`` resumes it);
- jobs whose runs share graphs (arms of a comparison, same seeds) are computed in
  batches of the array engine, one chunk per job the launcher runs at once, by the jobs
  that start first (``experiments.batchjobs``); every job still writes its own folder
  and fails alone;
- a failed job does not stop the sweep (Hydra's basic sweeper re-raises the first
  failure, so later batches and the comparison never run);
- when a worker process dies (killed, out of memory) the launcher loses its whole batch;
  the batch's jobs are then re-run one at a time (finished ones are skipped by the job
  itself), so only the job that kills its worker again is recorded as failed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.plugins import Plugins
from hydra.core.utils import JobReturn
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf


class PeerbuySweeper(Sweeper):
    """Grid sweeper with up-front validation, failure isolation and resume."""

    def __init__(self, max_batch_size: int | None = None, params: Any = None) -> None:
        self.max_batch_size = max_batch_size
        self.params = params or {}
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.launcher = None
        self._lock: int | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        """Keep the context and instantiate the configured launcher."""
        self.config = config
        self.hydra_context = hydra_context
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> list[Sequence[JobReturn]]:
        """Validate every job, claim the folder, then launch the jobs batch by batch."""
        from experiments import sweeping, workers
        from experiments.callbacks import JOBS_TOTAL_FILE
        from experiments.common import fail, validate_jobs

        assert self.config is not None and self.hydra_context is not None
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        loader = self.hydra_context.config_loader
        params = OmegaConf.to_container(self.params, resolve=False) if self.params else {}
        os.environ[sweeping.LAUNCHER_PID_ENV] = str(os.getpid())  # workers watch this pid
        early = self._start_workers()
        try:
            checked: list = []
            jobs = validate_jobs(
                lambda: sweeping.expand_jobs(params, arguments, loader),
                lambda overrides: loader.load_sweep_config(self.config, list(overrides)),
                keep=checked,
            )
            resume = sweeping.resuming(sweep_dir)
            try:
                self._lock = sweeping.claim_folder(sweep_dir, what="sweep", reuse=resume)
            except sweeping.FolderError as exc:
                fail(str(exc))
        except BaseException:  # a bad job, a folder in use, Ctrl-C: no job will start
            if early is not None:
                early.cancel()
            raise
        for stale in (".jobs_done", sweeping.KILLED_FILE):
            (sweep_dir / stale).unlink(missing_ok=True)  # from the launch being resumed
        # For the progress lines, so that no job has to read the sweep's job list.
        (sweep_dir / JOBS_TOTAL_FILE).write_text(str(len(jobs)))
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        from experiments.batchjobs import plan_batches
        # Jobs sharing graphs run as batches, one chunk per worker of the launcher.
        plan_batches(sweep_dir / sweeping.GRAPH_CACHE, checked, workers=self._workers())
        if early is not None:
            early.wait()  # one Parallel call at a time; the launcher's reuses its workers
            workers.prefetch(workers.REPORT_MODULES)  # while this process waits for the jobs
        size = self.max_batch_size or len(jobs) or 1
        returns = []
        for start in range(0, len(jobs), size):
            returns.append(self._launch(jobs[start : start + size], start, sweep_dir))
        if early is not None:
            workers.release_workers()  # they exit while the report is written
        return returns

    def _start_workers(self):
        """Start a joblib launcher's workers now, while the jobs are checked (or None)."""
        from experiments import workers

        settings = workers.joblib_settings(self.launcher)
        count = self._workers()
        if settings is None or count < 2:
            return None
        return workers.EarlyWorkers(settings, count).start()

    def _workers(self) -> int:
        """How many jobs the launcher runs at once: its ``n_jobs`` (joblib) or the cores."""
        assert self.config is not None
        cores = os.cpu_count() or 1
        n_jobs = OmegaConf.select(self.config, "hydra.launcher.n_jobs", default=None)
        if not isinstance(n_jobs, int) or n_jobs == 0:
            n_jobs = cores
        workers = n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)  # joblib: -1 = all
        return min(workers, self.max_batch_size or workers)

    def _launch(self, batch: list[list[str]], first: int, sweep_dir: Path) -> list[JobReturn]:
        from experiments import sweeping

        assert self.launcher is not None
        try:
            return list(self.launcher.launch(batch, initial_job_idx=first))
        except Exception as exc:  # the launcher lost the batch: a worker process died
            print(
                f"peerbuy: a worker died ({sweeping.one_line(exc)}); "
                f"re-running this batch's {len(batch)} jobs one at a time",
                file=sys.stderr,
                flush=True,
            )
        results: list[JobReturn] = []
        for i, overrides in enumerate(batch):
            try:
                results.extend(self.launcher.launch([overrides], initial_job_idx=first + i))
            except Exception as exc:
                reason = f"worker process died ({sweeping.one_line(exc)})"
                sweeping.record_killed(sweep_dir, overrides, reason)
                print(f"job {first + i} FAILED: {reason}", file=sys.stderr, flush=True)
        return results
