"""What keeps a sweep sound: its job list, folder claims, failure records, orphan watchdog.

Used by the sweeper plugin (``hydra_plugins/peerbuy_sweeper``), the run entry point, the
callbacks and ``experiments.aggregate``; only public Hydra APIs.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser

from models.params import ParameterError

#: Held (``flock``) by the process that owns a run or sweep folder while it works.
LOCK_FILE = ".peerbuy.lock"
#: A job's one-line failure reason, written where the job's outputs would be.
FAILURE_FILE = "failure.json"
#: Jobs whose worker process died (killed, out of memory), one JSON line each.
KILLED_FILE = "killed_jobs.jsonl"
#: Environment variable naming the sweep folder ``experiments.resume`` re-runs.
RESUME_ENV = "PEERBUY_RESUME"
#: Environment variable with the pid of the process that launched the sweep's workers.
LAUNCHER_PID_ENV = "PEERBUY_SWEEP_PID"
#: A sweep's shared graphs and batch results (removed when the sweep ends).
GRAPH_CACHE = ".graph_cache"
#: Files Hydra and peerbuy write into a sweep folder before any job has run.
_SWEEP_HOUSEKEEPING = {LOCK_FILE, "multirun.yaml", ".jobs_total", ".jobs_done", GRAPH_CACHE}


class FolderError(ParameterError):
    """A run or sweep folder that is in use or holds another run's outputs."""


def one_line(exc: BaseException) -> str:
    """An exception as one line: its type and its message with line breaks joined."""
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    if isinstance(exc, ParameterError):
        return text  # already one line naming the key, the value and what is allowed
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def expand_jobs(
    params: Mapping[str, object] | None, arguments: Iterable[str], config_loader=None
) -> list[list[str]]:
    """Every job's overrides: the cartesian product of the sweep's value lists.

    The same rule as Hydra's basic sweeper: ``hydra.sweeper.params`` first, then the
    command line; a key given twice keeps its last value list, in its first position.

    Raises:
        ParameterError: For a sweep that is not a list of values (``range``, ``interval``).
    """
    args = [f"{k}={v}" for k, v in (params or {}).items()] + list(arguments)
    overrides = OverridesParser.create(config_loader=config_loader).parse_overrides(args)
    lists: dict[str, list[str]] = {}
    for o in overrides:
        key = o.get_key_element()
        if not o.is_sweep_override():
            lists[key] = [f"{key}={o.get_value_element_as_str()}"]
        elif o.is_discrete_sweep():
            lists[key] = [f"{key}={v}" for v in o.sweep_string_iterator()]
        else:
            raise ParameterError(
                f"{key} = {o.input_line}: only a list of values can be swept (a,b,c)"
            )
    return [list(job) for job in itertools.product(*lists.values())]


def claim_folder(path: Path, *, what: str, reuse: bool = False) -> int:
    """Take a run or sweep folder for this process: lock it and check it holds nothing else.

    The lock (``flock`` on ``.peerbuy.lock``) is held until the returned descriptor is
    closed or the process ends, so a second launch into the same folder is refused
    however close in time it starts.

    Args:
        path: The folder (created if missing).
        what: ``run`` or ``sweep``, for the message.
        reuse: Accept earlier outputs (resuming a sweep into its own folder).

    Returns:
        The lock file's descriptor.

    Raises:
        FolderError: If another process holds the folder or it holds other outputs.
    """
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise FolderError(
            f"{what} folder {path} is in use by another launch (pid {holder}); "
            f"choose another with hydra.{what}.dir=..."
        ) from None
    housekeeping = _SWEEP_HOUSEKEEPING if what == "sweep" else {LOCK_FILE}
    others = sorted(p.name for p in path.iterdir() if p.name not in housekeeping)
    has_outputs = others or (what == "sweep" and (path / "multirun.yaml").exists())
    if has_outputs and not reuse:
        os.close(fd)
        shown = ", ".join(others[:3]) or "multirun.yaml"
        hint = (
            "resume it with python -m experiments.resume " + str(path)
            if what == "sweep"
            else "choose an empty one"
        )
        raise FolderError(
            f"{what} folder {path} already holds another {what}'s outputs ({shown}"
            f"{', ...' if len(others) > 3 else ''}); {hint}, or set hydra.{what}.dir=<new folder>"
        )
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def replicate_dir(job_dir: Path, seed: int, replicates: int) -> Path:
    """Where one replicate of a job writes: the job directory itself or ``seed=<s>/``."""
    return job_dir if replicates == 1 else job_dir / f"seed={seed}"


def resuming(sweep_dir: Path) -> bool:
    """Whether this launch resumes ``sweep_dir`` (set by ``python -m experiments.resume``)."""
    target = os.environ.get(RESUME_ENV)
    return bool(target) and Path(target).resolve() == sweep_dir.resolve()


def record_failure(job_dir: Path, reason: str) -> None:
    """Write a job's one-line failure reason beside its (missing) outputs."""
    job_dir.mkdir(parents=True, exist_ok=True)
    tmp = job_dir / f".{FAILURE_FILE}.tmp"
    tmp.write_text(json.dumps({"status": "failed", "reason": reason}) + "\n")
    os.replace(tmp, job_dir / FAILURE_FILE)


def record_killed(sweep_dir: Path, overrides: list[str], reason: str) -> None:
    """Note a job whose worker process died, so the comparison lists it as failed."""
    with open(sweep_dir / KILLED_FILE, "a") as f:  # one short append: atomic
        f.write(json.dumps({"overrides": list(overrides), "reason": reason}) + "\n")


def killed_jobs(sweep_dir: Path) -> dict[frozenset, str]:
    """Jobs whose worker died, by their override set, with the reason."""
    path = sweep_dir / KILLED_FILE
    out: dict[frozenset, str] = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        try:
            item = json.loads(line)
            out[frozenset(item["overrides"])] = str(item["reason"])
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by the death it reports
    return out


_watchdog_started = False


def watch_launcher() -> None:
    """End this worker process soon after the process that launched the sweep dies.

    joblib and submitit workers outlive a SIGKILLed parent (it cannot clean up); each
    job therefore starts, once per worker, a daemon thread that polls the parent pid
    and exits when the worker has been re-parented. Does nothing in the launching
    process itself (basic launcher) or on a cluster node (the parent is not the launcher).
    """
    global _watchdog_started
    launcher = os.environ.get(LAUNCHER_PID_ENV)
    if _watchdog_started or not launcher or int(launcher) == os.getpid():
        return
    if os.getppid() != int(launcher):
        return
    _watchdog_started = True

    def watch(parent: int) -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    thread = threading.Thread(target=watch, args=(int(launcher),), daemon=True)
    thread.start()
