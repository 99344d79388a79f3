"""A joblib sweep's worker processes: started while the jobs are checked, released at the end.

joblib's loky backend keeps its workers for the next ``Parallel`` call with the same
settings (its reusable executor), so workers started early with the launcher's settings
are the ones Hydra's joblib launcher then runs the jobs on, already past start-up.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
from typing import Any

#: What a sweep job loads before its first step: Hydra's joblib launcher and job utilities
#: (its public modules: the private job runner itself is small), the job and the runner
#: (numpy, scipy, pandas, networkx, the engine).
JOB_MODULES = (
    "hydra.core.utils",
    "hydra_plugins.hydra_joblib_launcher.joblib_launcher",
    "experiments.job",
    "simulation.running.runner",
)
#: What the end-of-sweep report loads (pandas, scipy.stats, matplotlib).
REPORT_MODULES = ("experiments.sweepfolder",)


def joblib_settings(launcher: object) -> dict[str, Any] | None:
    """The ``joblib.Parallel`` keywords Hydra's joblib launcher runs its jobs with.

    Args:
        launcher: The sweep's launcher.

    Returns:
        The keywords, or None if the launcher is not Hydra's joblib launcher.
    """
    try:
        from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
    except ImportError:  # the plugin is a dependency, but a launcher may come from elsewhere
        return None
    if not isinstance(launcher, JoblibLauncher):
        return None
    settings = dict(launcher.joblib)
    settings["backend"] = "loky"  # as the launcher does (threads cannot run Hydra jobs)
    for key in ("pre_dispatch", "batch_size", "max_nbytes"):  # as the launcher reads them
        value = settings.get(key)
        if value:
            with contextlib.suppress(ValueError):  # "2*n_jobs", "auto": joblib reads these
                settings[key] = int(value)
    return settings


def load_modules(names: tuple[str, ...]) -> int:
    """Import ``names`` in this (worker) process; its pid.

    A worker also starts watching the process that launched it here, so a sweep killed
    while it checks its jobs leaves no worker behind (``sweeping.watch_launcher``).
    """
    from experiments.sweeping import watch_launcher

    watch_launcher()
    for name in names:
        importlib.import_module(name)
    return os.getpid()


class EarlyWorkers:
    """Start a joblib launcher's workers in a background thread of the sweeping process.

    ``wait()`` before the launcher's first batch, so only one ``Parallel`` call runs at a
    time; ``cancel()`` when the sweep stops before launching (bad job, Ctrl-C).

    Attributes:
        pids: The workers' process ids (empty until started, or if starting failed:
            the launcher then starts them itself, as without this class).
    """

    def __init__(self, settings: dict[str, Any], workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self.pids: list[int] = []
        self._thread = threading.Thread(target=self._start, name="peerbuy-early-workers",
                                        daemon=True)

    def start(self) -> EarlyWorkers:
        """Start the workers (returns at once)."""
        self._thread.start()
        return self

    def _start(self) -> None:
        from joblib import Parallel, delayed

        try:
            pids = Parallel(**self.settings)(
                delayed(load_modules)(JOB_MODULES) for _ in range(self.workers))
        except Exception:  # the launcher starts its workers itself then
            return
        self.pids = sorted(set(pids))

    def wait(self) -> list[int]:
        """Wait until the workers have loaded the job modules; their pids."""
        self._thread.join()
        return self.pids

    def cancel(self) -> None:
        """Stop the workers at once (the sweep ends before any job starts)."""
        release_workers(kill=True)
        self._thread.join(timeout=10)


def release_workers(*, kill: bool = False) -> None:
    """Shut down joblib's reusable workers.

    Without ``kill``, idle workers exit in the background: called when a sweep's jobs are
    done, so they exit while the report is written rather than when the interpreter ends.
    With ``kill``, running workers are stopped and waited for.
    """
    from joblib.externals.loky import get_reusable_executor

    # reuse=True: the current executor whatever its settings (no new one is started).
    get_reusable_executor(reuse=True).shutdown(wait=kill, kill_workers=kill)


def prefetch(names: tuple[str, ...]) -> threading.Thread:
    """Import ``names`` in a background thread of this process (while it waits for jobs)."""
    thread = threading.Thread(target=load_modules_here, args=(names,),
                              name="peerbuy-prefetch", daemon=True)
    thread.start()
    return thread


def load_modules_here(names: tuple[str, ...]) -> None:
    """Import ``names`` (in the calling process, no watchdog)."""
    for name in names:
        importlib.import_module(name)
