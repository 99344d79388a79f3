"""``python -m experiments.sweepbench``: a preset sweep's wall and CPU time, and where it goes.

Runs ``python -m experiments.run experiment=<preset>`` as a subprocess (``--repeat`` times),
timestamping its output lines to split the wall time into phases, and reads its CPU time
(user + system, the workers included) from ``wait4``. ``--breakdown`` then times the same
work piece by piece in this process (CPU time): composing and checking every job, loading
what a job loads, building the graphs, the array engine's set-up, steps
(``BatchMarket.step``) and tables, writing the runs' files, and the end-of-sweep report
(loading its modules, reading the runs back, statistics, figures). The load average is
printed with every figure.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

#: Output lines that end a phase of a sweep (the first line matching each).
_MARKS = (
    ("start-up, check every job (workers start meanwhile)",
     re.compile(r"Launching jobs|Launching \d+ jobs")),
    # The first progress line: [1/N], or [2/N] when the first two jobs end together.
    ("first job done (workers start, batches computed)", re.compile(r"\[\d+/\d+\] jobs done")),
    ("last job done", re.compile(r"\[(\d+)/\1\] jobs done")),
    ("report (tables, statistics, figures)", re.compile(r"^comparison: ")),
)


def _load() -> str:
    return "load average {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def run_sweep(preset: str, sweep_dir: Path, extra: list[str]) -> dict:
    """Run one preset sweep as a subprocess; its phases (wall), CPU time and exit code."""
    cmd = [sys.executable, "-m", "experiments.run", f"experiment={preset}",
           f"hydra.sweep.dir={sweep_dir}", *extra]
    load = _load()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    marks: dict[str, float] = {}
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            for name, pattern in _MARKS:
                if name not in marks and pattern.search(line):
                    marks[name] = time.perf_counter() - start

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)  # rusage of the sweep and its reaped workers
    wall = time.perf_counter() - start
    reader.join(timeout=10)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "user": usage.ru_utime,
            "marks": marks, "returncode": proc.returncode, "load_before": load,
            "load_after": _load(), "output": "".join(lines)}


def format_run(i: int, result: dict) -> str:
    """One sweep's wall, CPU and phases as text."""
    wall = result["wall"]
    out = [f"run {i}: wall {wall:.2f} s, CPU {result['cpu']:.2f} s (user "
           f"{result['user']:.2f} s; {result['cpu'] / wall:.2f} cores busy on average), "
           f"exit {result['returncode']}; before: {result['load_before']}; after: "
           f"{result['load_after']}"]
    last = 0.0
    for name, _ in _MARKS:
        if name in result["marks"]:
            at = result["marks"][name]
            out.append(f"    {name:<52} {at - last:6.2f} s  (at {at:6.2f} s)")
            last = at
    out.append(f"    {'exit (interpreter and workers shut down)':<52} {wall - last:6.2f} s")
    return "\n".join(out)


def _timed(rows: list, name: str, fn):
    c0, t0 = time.process_time(), time.perf_counter()
    value = fn()
    rows.append((name, time.process_time() - c0, time.perf_counter() - t0))
    return value


#: What the sweeping process has loaded when it starts loading the report's modules.
_SWEEPER_MODULES = ("experiments.run", "hydra_plugins.peerbuy_sweeper.peerbuy_sweeper",
                    "hydra_plugins.hydra_joblib_launcher.joblib_launcher", "experiments.batchjobs")


def _fresh_import(preload: tuple[str, ...], modules: tuple[str, ...]) -> tuple[float, float]:
    """CPU and wall seconds a fresh Python process spends loading ``modules``.

    With no ``preload`` the interpreter's own start-up is included; otherwise only
    ``modules``, after ``preload`` has been imported.
    """
    code = (
        "import importlib, sys, time\n"
        f"for name in {list(preload)!r}: importlib.import_module(name)\n"
        "c, w = time.process_time(), time.perf_counter()\n"
        f"for name in {list(modules)!r}: importlib.import_module(name)\n"
        "print(time.process_time() - c, time.perf_counter() - w)\n"
    )
    start, begin = time.perf_counter(), os.times()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    if preload:
        return float(out[0]), float(out[1])
    end = os.times()  # the child's whole CPU time, its interpreter's start-up included
    return (end.children_user + end.children_system - begin.children_user
            - begin.children_system, time.perf_counter() - start)


def breakdown(preset: str, sweep_dir: Path) -> list[tuple[str, float, float]]:
    """The sweep's work piece by piece in this process: (what, CPU s, wall s) rows.

    Args:
        preset: The experiment preset.
        sweep_dir: A finished sweep of that preset (its report is rebuilt in a copy).
    """
    from dataclasses import replace

    rows: list[tuple[str, float, float]] = []
    hydra = _timed(rows, "import hydra", lambda: __import__("hydra"))
    from experiments.common import validated
    from experiments.config import CONFIG_DIR
    from experiments.sweeping import expand_jobs

    with hydra.initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
        top = hydra.compose("config", overrides=[f"experiment={preset}"],
                            return_hydra_config=True)
        from omegaconf import OmegaConf

        params = OmegaConf.to_container(top.hydra.sweeper.params or {}, resolve=False)
        jobs = expand_jobs(params, [f"experiment={preset}"])
        checked = _timed(rows, f"compose and check {len(jobs)} jobs", lambda: [
            validated(hydra.compose("config", overrides=job)) for job in jobs])
    runs = [replace(p, seed=p.seed + r) for p, reps in checked for r in range(reps)]
    from experiments.workers import JOB_MODULES, REPORT_MODULES, load_modules_here

    # What a process loads is timed in a fresh one: this one has loaded much of it already.
    rows.append(("a worker's start: Python and what a job loads",
                 *_fresh_import((), JOB_MODULES)))
    load_modules_here(JOB_MODULES)  # as the workers have: not timed again below
    from models.batched import BatchMarket
    from models.vectorized import VectorMarket
    from simulation.networks.generators import build_network
    from simulation.running import runner
    from simulation.running.outputs import write_run

    def key(p) -> tuple:
        return repr(p.network), p.seed

    firsts = {key(p): p for p in reversed(runs)}
    graphs = _timed(rows, f"build {len(firsts)} graphs",
                    lambda: {k: build_network(p.network, p.seed) for k, p in firsts.items()})
    markets = _timed(rows, f"set up {len(runs)} markets", lambda: [
        VectorMarket(graphs[key(p)], p.consumer, p.product, p.strategies, p.budget, rng=p.seed)
        for p in runs])
    per_batch = max(1, runner.BATCH_MAX_CONSUMERS // max(g.n for g in graphs.values()))
    batches = [markets[i:i + per_batch] for i in range(0, len(markets), per_batch)]

    def steps() -> None:
        for chunk in batches:
            batch = BatchMarket(chunk)
            for _ in range(runs[0].steps):
                batch.step()

    _timed(rows, f"BatchMarket.step: {len(batches)} batches x {runs[0].steps} days", steps)
    results = _timed(rows, "runs' tables and summaries", lambda: [
        runner.result_of(p, graphs[key(p)], m, time.perf_counter())
        for p, m in zip(runs, markets, strict=True)])
    with tempfile.TemporaryDirectory() as tmp:
        _timed(rows, f"write {len(results)} runs' files", lambda: [
            write_run(r, Path(tmp) / str(i), figure=False) for i, r in enumerate(results)])
        copy = Path(tmp) / "sweep"
        shutil.copytree(sweep_dir, copy)
        (copy / ".peerbuy.lock").unlink(missing_ok=True)
        rows.append(("load the report's modules (while the jobs run)",
                     *_fresh_import(_SWEEPER_MODULES, REPORT_MODULES)))
        from experiments.sweepfolder import _figures, load_sweep, write_report
        from simulation.analysis.compare import compare

        data = _timed(rows, "report: read the sweep folder back", lambda: load_sweep(copy))
        _timed(rows, "report: tables, statistics, figures, comparison.md",
               lambda: write_report(copy, data))
        done = data.runs[data.runs["status"] == "done"]
        table = _timed(rows, "    of which statistics (compare, again)",
                       lambda: compare(done, data.factors, reference=data.reference or None))
        _timed(rows, "    of which figures (again)", lambda: _figures(
            copy, data.timeseries, table, data.factors, "profit", data.reference))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Entry point: print each sweep's wall, CPU and phases; optionally the breakdown."""
    parser = argparse.ArgumentParser(prog="python -m experiments.sweepbench",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="compare_strategies",
                        help="experiment preset to run (default compare_strategies)")
    parser.add_argument("--repeat", type=int, default=1, help="sweeps to run one after another")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time the sweep's work piece by piece (CPU time)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the last sweep's folder here (default: a temporary folder)")
    parser.add_argument("--same-as", type=Path, default=None,
                        help="a sweep folder whose comparison.csv must be byte-identical")
    parser.add_argument("overrides", nargs="*", help="extra overrides for every sweep")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        print(f"peerbuy: error: --repeat = {args.repeat}: must be at least 1", file=sys.stderr)
        return 2
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(1, args.repeat + 1):
            folder = Path(tmp) / f"sweep{i}"
            result = run_sweep(args.preset, folder, args.overrides)
            print(format_run(i, result), flush=True)
            if result["returncode"] != 0:
                print(result["output"][-3000:], file=sys.stderr)
                return 1
            if args.same_as is not None:
                same = (folder / "comparison.csv").read_bytes() == \
                    (args.same_as / "comparison.csv").read_bytes()
                print(f"    comparison.csv byte-identical to {args.same_as}: {same}")
                status = status or (0 if same else 1)
        if args.breakdown:
            print(f"breakdown, one process, CPU time ({_load()}):")
            rows = breakdown(args.preset, folder)
            for name, cpu, wall in rows:
                print(f"    {name:<52} CPU {cpu:6.2f} s  wall {wall:6.2f} s")
            outside = sum(cpu for name, cpu, _ in rows
                          if not name.startswith(("BatchMarket.step", "    of which")))
            print(f"    {'all but BatchMarket.step (once each)':<52} CPU {outside:6.2f} s")
            print(f"    after: {_load()}")
        if args.keep is not None:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(folder, args.keep)
    return status


if __name__ == "__main__":
    sys.exit(main())
