"""Benchmark both engines (and peer libraries when installed) on Barabasi-Albert graphs.

Run ``python -m experiments.benchmark [--sizes 10000 --steps 10]``; each size runs in a
fresh subprocess so its peak memory is its own. Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from models.params import ParameterError, check

# numpy, the engines and the builders are imported where they are used, after the
# arguments have been checked, so that a bad argument is answered at once.

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
#: The largest size accepted (about 10 GB for the vectorized engine at m = 5).
MAX_SIZE = 20_000_000
#: Peer libraries timed when installed (the ``bench`` extra).
PEERS = ("mesa_virus", "ndlib", "eon")
_PEER_MODULES = {"mesa_virus": "mesa", "ndlib": "ndlib", "eon": "EoN"}
#: Steps timed before deciding whether a slow engine can finish within the budget.
_PROBE_STEPS = 2


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _stepped(step, steps: int, budget: float, setup_seconds: float = 0.0) -> dict:
    """Time ``step()`` ``steps`` times, stopping early if the budget cannot be met."""
    import numpy as np

    times: list[float] = []
    for k in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
        if k + 1 == _PROBE_STEPS:
            projected = setup_seconds + sum(times) / len(times) * steps
            if projected > budget:
                return {"status": "stopped", "steps_run": k + 1,
                        "step_seconds": float(np.mean(times)),
                        "note": f"projected {projected:.0f} s > budget {budget:.0f} s"}
    return {"status": "ok", "steps_run": steps, "step_seconds": float(np.mean(times))}


def floor_seconds(graph, repeats: int = 7) -> float:
    """Median time of one float64 sparse product ``A @ x`` on the graph (the floor)."""
    import numpy as np

    x = np.random.default_rng(0).random(graph.n)
    a = graph.receivers
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ x
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _agent(graph, steps: int, seed: int, budget: float) -> dict:
    from models.model import MarketModel

    if graph.nx_graph is None:
        return {"status": "skipped", "note": "needs a networkx graph (fast builder used)"}
    t0 = time.perf_counter()
    model = MarketModel(graph, rng=seed)
    setup = time.perf_counter() - t0
    out = _stepped(model.step, steps, budget, setup)
    out["setup_seconds"] = setup
    return out


def _mesa_virus(graph, steps: int, seed: int, budget: float) -> dict:
    """A virus_on_network-style Mesa model: one agent per node, SI spread to neighbours."""
    import mesa
    from mesa.discrete_space import FixedAgent

    from models.mesa_compat import topological_network

    class Node(FixedAgent):
        def __init__(self, model, cell, infected):
            super().__init__(model)
            self.cell = cell
            self.infected = infected

        def step(self):
            if self.infected:
                for nb in self.cell.neighborhood.agents:
                    if not nb.infected and self.random.random() < 0.05:
                        nb.infected = True

    class Virus(mesa.Model):
        def __init__(self, g, rng):
            super().__init__(rng=rng)
            self.grid = topological_network(g, self.random)
            cells = [self.grid[i] for i in range(g.number_of_nodes())]
            Node.create_agents(self, len(cells), cell=cells,
                               infected=[i < 10 for i in range(len(cells))])

        def step(self):
            self.agents.shuffle_do("step")

    if graph.nx_graph is None:
        return {"status": "skipped", "note": "needs a networkx graph (fast builder used)"}
    t0 = time.perf_counter()
    model = Virus(graph.nx_graph, seed)
    setup = time.perf_counter() - t0
    out = _stepped(model.step, steps, budget, setup)
    out["setup_seconds"] = setup
    return out


def _ndlib(graph, steps: int, seed: int, budget: float) -> dict:
    import ndlib.models.epidemics as ep
    import numpy as np
    from ndlib.models.ModelConfig import Configuration

    if graph.nx_graph is None:
        return {"status": "skipped", "note": "needs a networkx graph (fast builder used)"}
    np.random.seed(seed)  # NDlib draws from numpy's global state; no other way to seed it
    t0 = time.perf_counter()
    model = ep.SIRModel(graph.nx_graph, seed=seed)
    cfg = Configuration()
    cfg.add_model_parameter("beta", 0.05)
    cfg.add_model_parameter("gamma", 0.03)
    cfg.add_model_parameter("fraction_infected", 0.001)
    model.set_initial_status(cfg)
    setup = time.perf_counter() - t0
    out = _stepped(lambda: model.iteration(node_status=False), steps, budget, setup)
    out["setup_seconds"] = setup
    return out


def _eon(graph, steps: int, seed: int, budget: float) -> dict:
    import EoN
    import numpy as np

    if graph.nx_graph is None:
        return {"status": "skipped", "note": "needs a networkx graph (fast builder used)"}
    t0 = time.perf_counter()
    EoN.fast_SIR(graph.nx_graph, tau=0.05, gamma=0.03, rho=0.001, tmax=steps,
                 rng=np.random.default_rng(seed))
    total = time.perf_counter() - t0
    return {"status": "ok", "steps_run": steps, "step_seconds": total / steps,
            "note": "event-driven (continuous time up to tmax = steps)"}


def measure(n: int, steps: int, m: int, seed: int, budget: float, peers: bool) -> dict:
    """Benchmark one size in this process.

    Args:
        n: Consumers.
        steps: Steps per run.
        m: Barabasi-Albert ties per newcomer.
        seed: The run seed.
        budget: Seconds a slow engine may take (it is stopped early when its first
            steps project beyond this).
        peers: Also time the peer libraries that are installed.

    Returns:
        A JSON-ready dict of timings and peak memory.
    """
    from models.vectorized import VectorMarket
    from simulation.networks.generators import NetworkParams, build_network

    wall0 = time.perf_counter()
    t0 = time.perf_counter()
    graph = build_network(NetworkParams(name="barabasi_albert", n=n, m=m), seed)
    build = time.perf_counter() - t0
    floor = floor_seconds(graph)
    t0 = time.perf_counter()
    market = VectorMarket(graph, rng=seed)
    setup = time.perf_counter() - t0
    vec = _stepped(market.step, steps, float("inf"), setup)
    vec["setup_seconds"] = setup
    vectorized_wall = time.perf_counter() - wall0
    result = {
        "n": n, "m": m, "ties": int(graph.receivers.nnz), "steps": steps, "seed": seed,
        "networkx_graph": graph.nx_graph is not None,
        "build_seconds": build, "floor_seconds": floor,
        "vectorized_wall_seconds": vectorized_wall,
        "vectorized_peak_rss_mb": _peak_rss_mb(),
        "engines": {"vectorized": vec},
    }
    result["engines"]["agent"] = _agent(graph, steps, seed, budget)
    runners = {"mesa_virus": _mesa_virus, "ndlib": _ndlib, "eon": _eon}
    for name in PEERS:
        if not peers:
            result["engines"][name] = {"status": "skipped", "note": "--no-peers"}
        elif importlib.util.find_spec(_PEER_MODULES[name]) is None:
            result["engines"][name] = {"status": "not installed"}
        else:
            try:
                result["engines"][name] = runners[name](graph, steps, seed, budget)
            except Exception as exc:  # a peer's failure must not lose the other numbers
                result["engines"][name] = {"status": "failed",
                                           "note": f"{type(exc).__name__}: {exc}"}
    for eng in result["engines"].values():
        if "step_seconds" in eng:
            eng["agent_steps_per_second"] = n / eng["step_seconds"]
            eng["step_over_floor"] = eng["step_seconds"] / floor
    result["total_wall_seconds"] = time.perf_counter() - wall0
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def format_table(results: list[dict]) -> str:
    """A plain-text table: one row per size and engine."""
    head = (f"{'n':>9} {'engine':<11} {'build s':>8} {'step ms':>9} {'floor ms':>9} "
            f"{'step/floor':>10} {'agent-steps/s':>14}  note")
    lines = [head, "-" * len(head)]
    for r in results:
        for name, e in r["engines"].items():
            if "step_seconds" in e:
                cells = (f"{e['step_seconds'] * 1e3:9.1f} {r['floor_seconds'] * 1e3:9.1f} "
                         f"{e['step_over_floor']:10.2f} {e['agent_steps_per_second']:14,.0f}")
            else:
                cells = f"{'-':>9} {'-':>9} {'-':>10} {'-':>14}"
            note = e.get("status", "")
            if e.get("status") == "stopped":
                note += f" after {e['steps_run']} steps"
            if e.get("note"):
                note += f": {e['note']}"
            lines.append(f"{r['n']:>9,} {name:<11} {r['build_seconds']:8.2f} {cells}  {note}")
        lines.append(
            f"{'':>9} vectorized total wall {r['vectorized_wall_seconds']:.1f} s "
            f"(build + setup + {r['steps']} steps), "
            f"peak RSS {r['vectorized_peak_rss_mb']:.0f} MB; whole size incl. others "
            f"{r['total_wall_seconds']:.1f} s, {r['peak_rss_mb']:.0f} MB"
        )
    return "\n".join(lines)


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
                    help="do not time peer libraries (Mesa virus model, NDlib, EoN); by "
                    "default they are timed when installed")
    ap.add_argument("--out", type=Path, default=Path("results/benchmark.json"),
                    help="JSON file of the results (rewritten after every size)")
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
    check("--steps", args.steps, "an integer in [1, 100000]", 1 <= args.steps <= 100_000)
    check("--seed", args.seed, "an integer >= 0", args.seed >= 0)
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


def _save(results: list[dict], out: Path) -> None:
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_text(json.dumps(results, indent=2))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """Parse and check arguments, benchmark each size in a subprocess, save as it goes."""
    args = _parser().parse_args(argv)
    if args.worker is not None:
        res = measure(args.worker, args.steps, args.m, args.seed, args.budget, args.peers)
        print(json.dumps(res))
        return 0
    try:
        check_args(args)
    except ParameterError as exc:
        print(f"peerbuy: error: {exc}", file=sys.stderr)
        return 2
    results: list[dict] = []
    try:
        for n in args.sizes:
            cmd = [sys.executable, "-m", "experiments.benchmark", "--worker", str(n),
                   "--steps", str(args.steps), "--m", str(args.m), "--seed", str(args.seed),
                   "--budget", str(args.budget)]
            if not args.peers:
                cmd.append("--no-peers")
            print(f"benchmarking n = {n:,} ...", file=sys.stderr, flush=True)
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode:
                print(proc.stderr, file=sys.stderr)
                return proc.returncode
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            _save(results, args.out)
    except KeyboardInterrupt:
        print(f"peerbuy: error: interrupted (Ctrl-C); {len(results)} finished size(s) kept "
              f"in {args.out}", file=sys.stderr)
        return 130
    print(format_table(results))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
