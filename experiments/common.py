"""What every entry point shares: one-line failure, run checks, provenance, the Hydra launch.

Entry points (``run``, ``animate``, ``calibrate``, ``sensitivity``, ``resume``) import this
module and ``job``, never each other.
"""

from __future__ import annotations

import functools
import gc
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.config import CONFIG_DIR, job_settings, to_run_params
from experiments.frontdoor import print_error
from models.params import ParameterError

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from simulation.running.runner import RunParams

# Hydra and the heavy modules (pandas, matplotlib, Mesa, scipy) are imported inside the
# functions, after the input has been checked, so that a bad input is answered at once.

PROVENANCE_FILE = "provenance.json"


#: Distributions whose versions decide a run's numbers or its files.
PACKAGES = (
    "peerbuy",
    "mesa",
    "networkx",
    "numpy",
    "scipy",
    "pandas",
    "matplotlib",
    "hydra-core",
    "omegaconf",
    "pyarrow",
)


def fail(message: str, output_dir: Path | None = None) -> None:
    """Report bad input in one line and exit 2, removing the run directory Hydra made."""
    remove_unfinished(output_dir)
    print_error(message)
    sys.exit(2)


def remove_unfinished(output_dir: Path | None) -> bool:
    """Remove a run directory that has no ``summary.json`` (an unfinished run); True if gone."""
    from simulation.running.outputs import SUMMARY_FILE

    if output_dir is not None and output_dir.is_dir() and not (output_dir / SUMMARY_FILE).exists():
        shutil.rmtree(output_dir, ignore_errors=True)
        return True
    return False


def validated(cfg: DictConfig, added: Collection[str] = ()) -> tuple[RunParams, int]:
    """Check a composed config as a run or a sweep job would use it.

    Args:
        cfg: The composed config.
        added: Keys a sweep adds with ``+`` that only some of its jobs use.

    Returns:
        The run parameters and the number of replicates.

    Raises:
        ParameterError: One line naming the offending key, its value and what is allowed.
    """
    params = to_run_params(cfg, lenient=set(added))  # checks report.objective too
    return params, job_settings(cfg).replicates


def added_keys(overrides) -> set[str]:
    """The keys a sweep's overrides add with ``+`` (``+a.b=1`` gives ``a.b``)."""
    return {str(t).lstrip("+").split("=", 1)[0] for t in overrides if str(t).startswith("+")}


def validate_jobs(
    jobs: Callable[[], list[list[str]]], compose: Callable[[list[str]], DictConfig],
    keep: list | None = None,
) -> list[list[str]]:
    """Compose and check every job of a sweep; on the first bad one, fail in one line.

    Called by the sweeper before any job starts, so a bad value in any job (a preset's
    list included) stops the whole sweep with exit 2 and nothing started.

    Args:
        jobs: Returns every job's overrides.
        compose: Composes one job's config from its overrides.
        keep: If given, receives ``(overrides, params, replicates)`` of every job.

    Returns:
        Every job's overrides.
    """
    from experiments.sweeping import one_line

    try:
        overrides = jobs()
    except ParameterError as exc:
        fail(str(exc))
    except Exception as exc:  # Hydra's override grammar errors
        fail(one_line(exc))
    added = added_keys(o for job in overrides for o in job)
    for i, job in enumerate(overrides):
        where = f"sweep job {i + 1} of {len(overrides)}: {','.join(job)}; no job was started"
        try:
            cfg = compose(job)
        except Exception as exc:  # Hydra composition errors (unknown key, bad group)
            fail(f"{one_line(exc)} ({where})")
        try:
            checked = validated(cfg, added)
        except ParameterError as exc:
            fail(f"{exc} ({where})")
        if keep is not None:
            keep.append((job, *checked))
    return overrides


def write_provenance(directory: Path) -> Path:
    """Write provenance.json: package versions, git commit and dirty flag, Python, command."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PROVENANCE_FILE
    path.write_text(json.dumps({**_provenance(), "argv": sys.argv}, indent=2) + "\n")
    return path


@functools.cache
def _provenance() -> dict:
    """Package versions, git commit and dirty flag, Python: looked up once per process.

    A sweep's worker process writes them for every job it runs.
    """
    from importlib import metadata

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    repo = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str | None:
        try:
            return subprocess.run(
                ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": None if status is None else bool(status),
        "python": sys.version.split()[0],
        "packages": {name: version(name) for name in PACKAGES},
    }


def hydra_entry(task):
    """``task(cfg)`` as a Hydra entry point on the project's configs (imports Hydra now)."""
    import hydra

    # An absolute path: the task may live in any module (Hydra resolves a relative path
    # against the task's module, which is a package path unless it runs as __main__).
    return hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")(task)


def launch(task, prog: str, summary: str, extra: dict | None = None) -> None:
    """Check the whole command line in one line, then run ``task(cfg)`` through Hydra.

    ``--help`` prints every key from the parameter schema. Ctrl-C prints one line and
    exits 130, leaving no unfinished run directory.

    Args:
        task: The function of the composed config to run (as with ``@hydra.main``).
        prog: The module name shown in ``--help``.
        summary: What the entry point does (first line of ``--help``).
        extra: Specs of further top-level keys it accepts (added with ``+``).
    """
    from experiments.frontdoor import preflight

    extra = extra or {}
    try:
        try:
            cmd = preflight(sys.argv[1:], extra)
        except ParameterError as exc:
            fail(str(exc))
        if cmd.help:
            from experiments.schemadocs import help_text

            sys.stdout.write(help_text(prog, summary, extra))
            return
        # The job is named after the command (run.log, animate.log), not the task's module.
        sys.argv = [sys.argv[0], *cmd.argv, f"hydra.job.name={prog.rsplit('.', 1)[-1]}"]
        try:
            hydra_entry(task)()
        finally:
            # The process ends here: spare it the final garbage collection of every
            # object a sweep's report loaded (about 0.4 s; gc.freeze exempts them).
            gc.freeze()
    except KeyboardInterrupt:
        print_error("interrupted (Ctrl-C); unfinished run folders were removed")
        sys.exit(130)
