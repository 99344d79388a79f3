"""``python -m experiments.resume SWEEP_DIR``: re-run a sweep's failed and missing jobs in place.

It repeats the sweep's own launch (overrides saved in ``multirun.yaml``) into the same
folder. Every replicate that already has its ``summary.json`` is read back, not
recomputed; the rest run; then the comparison is rewritten. Exit 0 when every job is
done, 1 if some still fail, 2 if the folder is not a sweep.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from omegaconf import OmegaConf

from experiments.sweepfolder import SweepError, check_sweep_folder
from experiments.sweeping import RESUME_ENV, one_line

#: Hydra overrides of the original launch that must not be repeated.
_DROP = ("hydra.sweep.dir=", "hydra.mode=", "hydra.run.dir=")


def resume_argv(sweep_dir: Path, hydra_overrides: tuple[str, ...] = ()) -> list[str]:
    """The arguments that launch ``sweep_dir``'s sweep again, into ``sweep_dir``.

    Args:
        sweep_dir: The sweep folder.
        hydra_overrides: Extra Hydra settings for this launch only (``hydra/launcher=basic``,
            ``hydra.launcher.n_jobs=1``); they cannot change what the jobs compute.

    Raises:
        SweepError: If the folder is not one sweep or its ``multirun.yaml`` is unreadable.
    """
    check_sweep_folder(sweep_dir)
    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        raise SweepError(f"{sweep_dir} has no multirun.yaml: its job list is unknown")
    try:
        cfg = OmegaConf.load(path)
        task = [str(o) for o in OmegaConf.select(cfg, "hydra.overrides.task") or []]
        extra = [str(o) for o in OmegaConf.select(cfg, "hydra.overrides.hydra") or []]
        name = OmegaConf.select(cfg, "hydra.job.config_name") or "config"
        sources = OmegaConf.select(cfg, "hydra.runtime.config_sources") or []
    except Exception as exc:
        raise SweepError(f"{path} unreadable ({one_line(exc)})") from None
    main = [s for s in sources if s.get("provider") == "main" and s.get("schema") == "file"]
    argv = ["-m", "--config-name", str(name)]
    if main:
        argv += ["--config-path", str(main[0]["path"])]
    quoted = str(sweep_dir.resolve()).replace("\\", "\\\\").replace("'", "\\'")
    for o in hydra_overrides:
        if not o.lstrip("+~").startswith(("hydra.", "hydra/")) or o.startswith(_DROP):
            raise SweepError(
                f"{o}: resume takes only Hydra settings (hydra/launcher=..., hydra.launcher.*); "
                f"the jobs' own values come from {path}"
            )
    keys = {o.split("=", 1)[0].lstrip("+~") for o in hydra_overrides}
    drop = [*_DROP, *(f"{k}=" for k in keys)]
    if "hydra/launcher" in keys:  # another launcher: the old one's settings do not apply
        drop.append("hydra.launcher.")
    kept = [o for o in extra if not o.lstrip("+~").startswith(tuple(drop))]
    return [*argv, *task, *kept, *hydra_overrides, f"hydra.sweep.dir='{quoted}'"]


def main(argv: list[str] | None = None) -> int:
    """Command line: resume one sweep folder."""
    p = argparse.ArgumentParser(
        prog="python -m experiments.resume",
        description=(
            "Re-run only a sweep's failed and missing jobs, into the same folder, then rewrite "
            "its comparison. Finished runs are read back, never recomputed, so the result "
            "equals an uninterrupted sweep. Exit 0 when every job is done, 1 if some still "
            "fail, 2 if the folder is not a sweep or is in use."
        ),
    )
    p.add_argument("sweep_dir", metavar="SWEEP_DIR", type=Path,
                   help="the sweep folder (the one holding multirun.yaml)")
    p.add_argument("hydra_overrides", metavar="HYDRA_OVERRIDE", nargs="*",
                   help="Hydra settings for this launch only, e.g. hydra/launcher=basic or "
                   "hydra.launcher.n_jobs=1 (default: the sweep's own launcher and settings)")
    args = p.parse_args(argv)
    try:
        launch_args = resume_argv(args.sweep_dir, tuple(args.hydra_overrides))
    except SweepError as exc:
        print(f"peerbuy: error: {exc}", file=sys.stderr)
        return 2
    from experiments.common import launch
    from experiments.job import SUMMARY
    from experiments.job import main as job

    os.environ[RESUME_ENV] = str(args.sweep_dir.resolve())
    sys.argv = ["experiments.run", *launch_args]
    try:
        launch(job, prog="experiments.run", summary=SUMMARY)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
