"""Benchmark the engines (and peer libraries when installed) on Barabasi-Albert graphs.

Run ``python -m experiments.benchmark``; each size runs in a fresh subprocess so its peak
memory is its own, the array engine's step is timed interleaved with one float64
``A @ x`` on the same graph (CPU time), and the load average is recorded. Prints the
table and the targets, writes JSON; ``--readme`` rewrites README's table from that JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from experiments import bench_report
from models.params import ParameterError, check

# numpy, the engines and the builders are imported where they are used, after the
# arguments have been checked, so that a bad argument is answered at once.

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
#: The largest size at which the peers run by default (``--peers-max``): at 100,000 the
#: agent engine, the Mesa SI and NDlib already project beyond the default budget, and
#: above it a networkx copy of the graph must be built for them (about 6 GB and tens of
#: minutes with a million Mesa agents at 1,000,000 on this 2-core machine).
PEERS_MAX = 100_000
#: The largest size accepted (about 10 GB for the vectorized engine at m = 5).
MAX_SIZE = 20_000_000
#: The big run of the targets: consumers, run through ``experiments.run`` (0 skips it).
DEFAULT_BIG = 10_000_000
#: Seconds of ``A @ x`` products timed per step slot (several products when one is short,
#: so the timer's resolution does not matter).
_FLOOR_SLOT_SECONDS = 2e-3


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def interleaved(graph, market, steps: int) -> dict:
    """Time ``steps`` engine steps alternating with one float64 ``A @ x`` (CPU time).

    Each step slot is preceded by a floor slot on the same graph, so both see the same
    machine load; the ratio is the mean step over the median product.
    """
    import numpy as np

    a = graph.receivers
    x = np.random.default_rng(0).random(graph.n)
    c0 = time.process_time()
    for _ in range(3):
        a @ x
    one = max((time.process_time() - c0) / 3, 1e-7)
    reps = int(min(100, max(1, math.ceil(_FLOOR_SLOT_SECONDS / one))))
    floor_cpu, step_cpu, step_wall = [], [], []
    for _ in range(steps):
        c0 = time.process_time()
        for _ in range(reps):
            a @ x
        floor_cpu.append((time.process_time() - c0) / reps)
        c0, w0 = time.process_time(), time.perf_counter()
        market.step()
        step_cpu.append(time.process_time() - c0)
        step_wall.append(time.perf_counter() - w0)
    floor = float(np.median(floor_cpu))
    mean = float(np.mean(step_cpu))
    return {"status": "ok", "steps_run": steps, "step_seconds": mean,
            "step_median_seconds": float(np.median(step_cpu)),
            "step_wall_seconds": float(np.mean(step_wall)),
            "floor_seconds": floor, "floor_products_per_slot": reps,
            "step_over_floor": mean / floor}


def _peer_graph(graph):
    """``graph`` with a networkx graph for the peers, and how long making it took."""
    import networkx as nx

    from models.graph import SocialGraph

    w0 = time.perf_counter()
    if graph.nx_graph is not None:
        g, how = graph.nx_graph, "networkx path of the same seed"
    else:  # a fast (array-only) build: the same ties, handed to networkx
        g = nx.from_scipy_sparse_array(graph.receivers.T.tocsr(), create_using=nx.DiGraph
                                       if graph.directed else nx.Graph)
        how = "nx.from_scipy_sparse_array of the array build"
    peer = SocialGraph(receivers=graph.receivers, directed=graph.directed, nx_source=g)
    return peer, {"seconds": time.perf_counter() - w0, "how": how}


def measure(n: int, steps: int, m: int, seed: int, budget: float, peers: bool) -> dict:
    """Benchmark one size in this process.

    Args:
        n: Consumers.
        steps: Steps per run.
        m: Barabasi-Albert ties per newcomer.
        seed: The run seed.
        budget: Wall seconds a slow engine may take (it is stopped early when its first
            steps project beyond this).
        peers: Also time the agent engine and the peer libraries that are installed.

    Returns:
        A JSON-ready dict of timings (CPU seconds unless named ``wall``), load and memory.
    """
    from experiments.bench_peers import PEERS
    from models.vectorized import VectorMarket
    from simulation.networks.generators import NetworkParams, build_network

    load_before = os.getloadavg()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    graph = build_network(NetworkParams(name="barabasi_albert", n=n, m=m), seed)
    build = {"seconds": time.process_time() - cpu0, "wall_seconds": time.perf_counter() - wall0,
             "builder": "numpy (fast builder)" if graph.nx_source is None
             else "networkx draws, arrays"}
    w0 = time.perf_counter()
    market = VectorMarket(graph, rng=seed)
    vec = {**interleaved(graph, market, steps), "setup_seconds": time.perf_counter() - w0}
    del market
    result = {
        "n": n, "m": m, "ties": int(graph.receivers.nnz), "steps": steps, "seed": seed,
        "build": build, "floor_seconds": vec["floor_seconds"],
        "vectorized_wall_seconds": time.perf_counter() - wall0,
        "vectorized_peak_rss_mb": _peak_rss_mb(),
        "engines": {"vectorized": vec},
    }
    if peers:
        graph, result["peer_graph"] = _peer_graph(graph)
    for name, peer in PEERS.items():
        if not peers:
            result["engines"][name] = {"status": "skipped", "note": "--no-peers"}
        elif importlib.util.find_spec(peer.module) is None:
            result["engines"][name] = {"status": "not installed",
                                       "note": "pip install -e '.[bench]'"}
        else:
            try:
                result["engines"][name] = peer.run(graph, steps, seed, budget)
            except Exception as exc:  # a peer's failure must not lose the other numbers
                result["engines"][name] = {"status": "failed",
                                           "note": f"{type(exc).__name__}: {exc}"}
    for eng in result["engines"].values():
        if "step_seconds" in eng:
            eng["agent_steps_per_second"] = n / eng["step_seconds"]
            eng["step_over_floor"] = eng["step_seconds"] / vec["floor_seconds"]
    result["total_wall_seconds"] = time.perf_counter() - wall0
    result["cpu_seconds"] = time.process_time() - cpu0
    result["peak_rss_mb"] = _peak_rss_mb()
    result["load_before"], result["load_after"] = load_before, os.getloadavg()
    return result


def big_run(n: int, m: int, steps: int, seed: int) -> dict:
    """Time one whole run of ``experiments.run`` (array engine) in a child process.

    Wall seconds, the child's CPU seconds and its peak resident memory (``wait4``'s
    rusage: the child's own, whatever else runs on the machine).
    """
    with tempfile.TemporaryDirectory(prefix="peerbuy-big-") as tmp:
        cmd = [sys.executable, "-m", "experiments.run", "engine=vectorized",
               f"network.n={n}", f"network.m={m}", f"steps={steps}", f"seed={seed}",
               f"hydra.run.dir={tmp}/run"]
        load_before = os.getloadavg()
        w0 = time.perf_counter()
        with open(Path(tmp) / "stderr", "w+") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            wall = time.perf_counter() - w0
            err.seek(0)
            tail = err.read().strip().splitlines()[-1:] or [""]
    out = {"n": n, "m": m, "steps": steps, "seed": seed,
           "command": "python -m " + " ".join(cmd[2:-1]),
           "wall_seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime,
           "peak_rss_mb": usage.ru_maxrss / 1024.0,
           "load_before": load_before, "load_after": os.getloadavg(),
           "status": "ok" if proc.returncode == 0 else "failed"}
    if proc.returncode:
        out["note"] = tail[0]
    return out


class _Parser(argparse.ArgumentParser):
    """argparse with bad input reported in one line (exit 2), like ``experiments.run``."""

    def error(self, message: str):  # type: ignore[override]
        """Print one line and exit 2."""
        print(f"peerbuy: error: {message.splitlines()[0]}", file=sys.stderr)
        sys.exit(2)


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Show defaults, except for on/off flags (their help says what they do)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.nargs == 0:
            return action.help or ""
        return super()._get_help_string(action) or ""


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(
        prog="python -m experiments.benchmark",
        description=__doc__.splitlines()[0] + " Each size runs in a fresh subprocess; its "
        "result is added to --out as soon as it finishes.",
        formatter_class=_Help,
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                    metavar="N", help="numbers of consumers to benchmark, each > --m")
    ap.add_argument("--steps", type=int, default=90, help="days simulated per run (>= 1)")
    ap.add_argument("--m", type=int, default=5,
                    help="Barabasi-Albert ties per newcomer (>= 1; mean degree ~ 2m)")
    ap.add_argument("--seed", type=int, default=0, help="the run seed (>= 0)")
    ap.add_argument("--budget", type=float, default=120.0,
                    help="seconds a slow engine may take per size (> 0); it is stopped "
                    "early when its first steps project beyond this")
    ap.add_argument("--no-peers", dest="peers", action="store_false",
                    help="time only the array engine (not the agent engine, nor the Mesa "
                    "SI, NDlib SI and EoN SIR peers); by default peers are timed when "
                    "installed, up to --peers-max consumers")
    ap.add_argument("--peers-max", type=int, default=PEERS_MAX, metavar="N",
                    help="time the peers only up to N consumers; above it they would need "
                    "a networkx copy of the array-built graph (about 6 GB at 1,000,000) "
                    "and a Python object per consumer")
    ap.add_argument("--big", type=int, default=DEFAULT_BIG, metavar="N",
                    help="then time one whole `experiments.run engine=vectorized` of N "
                    "consumers (same --m, --steps, --seed) in a child process: wall, CPU "
                    "and peak memory; 0 skips it")
    ap.add_argument("--out", type=Path, default=Path("results/benchmark.json"),
                    help="JSON file of the results (rewritten after every size)")
    ap.add_argument("--batch", type=int, nargs="+", metavar="R",
                    help="instead: the batched engine at R runs per batch (e.g. 1 8 32) on "
                         "the first --sizes size (default 10,000), runs/s and per-run step "
                         "over one A @ x (the --steps days, CPU time)")
    ap.add_argument("--readme", action="store_true",
                    help="measure nothing: rewrite README.md's Performance table from --out")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    return ap


def check_args(args: argparse.Namespace) -> None:
    """Check the arguments before anything is measured.

    Raises:
        ParameterError: One line naming the flag, its value and what is allowed.
    """
    check("--m", args.m, "an integer in [1, 1000]", 1 <= args.m <= 1000)
    for n in args.sizes:
        check("--sizes", n, f"integers in ({args.m}, {MAX_SIZE:,}] (more than --m)",
              args.m < n <= MAX_SIZE)
    check("--big", args.big, f"0 or an integer in ({args.m}, {MAX_SIZE:,}]",
          args.big == 0 or args.m < args.big <= MAX_SIZE)
    check("--steps", args.steps, "an integer in [1, 100000]", 1 <= args.steps <= 100_000)
    check("--seed", args.seed, "an integer >= 0", args.seed >= 0)
    for r in args.batch or ():
        check("--batch", r, "integers in [1, 1000]", 1 <= r <= 1000)
    check("--peers-max", args.peers_max, "an integer >= 0", args.peers_max >= 0)
    check("--budget", args.budget, "a number of seconds > 0",
          math.isfinite(args.budget) and args.budget > 0)
    out = args.out
    check("--out", str(out), "a file path, not a directory", not out.is_dir())
    try:  # fail now, not after an hour of measuring
        out.parent.mkdir(parents=True, exist_ok=True)
        probe = out.with_name(f".{out.name}.{os.getpid()}.probe")
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ParameterError(f"--out = {str(out)!r}: cannot be written ({exc.strerror})") \
            from None


def _save(report: dict, out: Path) -> None:
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_text(json.dumps(report, indent=2) + "\n")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _meta(argv: list[str]) -> dict:
    return {"command": "python -m experiments.benchmark " + " ".join(argv),
            "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "cpus": os.cpu_count(), "machine": platform.machine(),
            "python": platform.python_version(), "load_before": os.getloadavg(),
            "time": "CPU seconds (time.process_time) unless a field says wall"}


def main(argv: list[str] | None = None) -> int:
    """Parse and check arguments, benchmark each size in a subprocess, save as it goes."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    if args.worker is not None:
        res = measure(args.worker, args.steps, args.m, args.seed, args.budget, args.peers)
        print(json.dumps(res))
        return 0
    try:
        if args.readme:
            readme = Path(__file__).resolve().parent.parent / "README.md"
            check("--out", str(args.out), "an existing benchmark JSON", args.out.is_file())
            bench_report.write_readme(json.loads(args.out.read_text()), readme)
            print(f"rewrote the Performance table of {readme} from {args.out}")
            return 0
        check_args(args)
    except ParameterError as exc:
        print(f"peerbuy: error: {exc}", file=sys.stderr)
        return 2
    if args.batch:
        from experiments.batchbench import format_batch_table, measure_batch

        n = args.sizes[0] if args.sizes != list(DEFAULT_SIZES) else 10_000
        print(format_batch_table(measure_batch(n, args.batch, args.steps, args.seed,
                                               m=args.m)))
        return 0
    report = {"meta": _meta(argv), "sizes": [], "big": None}
    try:
        for n in args.sizes:
            cmd = [sys.executable, "-m", "experiments.benchmark", "--worker", str(n),
                   "--steps", str(args.steps), "--m", str(args.m), "--seed", str(args.seed),
                   "--budget", str(args.budget)]
            if not args.peers or n > args.peers_max:
                cmd.append("--no-peers")
            print(f"benchmarking n = {n:,} ...", file=sys.stderr, flush=True)
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode:
                print(proc.stderr, file=sys.stderr)
                return proc.returncode
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            if args.peers and n > args.peers_max:  # say why the peers did not run
                for eng in result["engines"].values():
                    if eng.get("status") == "skipped":
                        eng["note"] = (f"above --peers-max {args.peers_max:,}: needs a "
                                       "networkx copy of the graph (about 6 GB at "
                                       "1,000,000) and a Python object per consumer")
            report["sizes"].append(result)
            _save(report, args.out)
        if args.big:
            print(f"one whole run of n = {args.big:,} ...", file=sys.stderr, flush=True)
            report["big"] = big_run(args.big, args.m, args.steps, args.seed)
            _save(report, args.out)
    except KeyboardInterrupt:
        print(f"peerbuy: error: interrupted (Ctrl-C); {len(report['sizes'])} finished "
              f"size(s) kept in {args.out}", file=sys.stderr)
        return 130
    report["meta"]["load_after"] = os.getloadavg()
    _save(report, args.out)
    print(bench_report.format_table(report))
    print()
    print(bench_report.format_targets(report))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
