"""``benchmark --batch R ...``: runs per second of the batched engine, per-run step vs one A @ x."""

from __future__ import annotations

import os
import statistics
import time

import numpy as np


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def measure_batch(n: int, sizes: list[int], steps: int, seed: int, rounds: int = 3,
                  m: int = 5) -> dict:
    """Time batches of ``sizes`` runs of the default market on one ``n``-consumer graph.

    The graph is the benchmark table's: Barabasi-Albert with ``m`` ties per newcomer.

    CPU time (``time.process_time``), interleaved in this process: each round runs every
    batch size for ``steps`` days (replicates: seeds seed, seed+1, ...) and, right after
    each, as many float64 products ``A @ x`` on the same graph; medians over rounds.

    The largest batch's step is also split into the engine's phases (``PHASES``), each
    timed in CPU time around the method ``VectorMarket.step`` calls.

    Returns:
        A JSON-ready dict: per batch size R, the batch's step, the per-run step, one
        ``A @ x``, their ratio and complete ``steps``-day runs per CPU second; and
        ``phases``: the largest batch's CPU ms per step in each phase (medians).
    """
    from models.batched import BatchMarket, RunSpec
    from simulation.networks.generators import NetworkParams, build_network

    graph = build_network(NetworkParams(name="barabasi_albert", n=n, m=m), seed)
    a = graph.receivers
    x = np.random.default_rng(seed).random(graph.n)
    load_before = _load()
    times: dict[int, dict[str, list[float]]] = {r: {"step": [], "setup": [], "ax": []}
                                                for r in sizes}
    phases: dict[str, list[float]] = {name: [] for name in PHASES}
    for _ in range(rounds):
        for r in sizes:
            t0 = time.process_time()
            batch = BatchMarket([RunSpec(graph, seed=seed + i) for i in range(r)])
            spent = _time_phases(batch) if r == max(sizes) else None
            t1 = time.process_time()
            for _ in range(steps):
                batch.step()
            t2 = time.process_time()
            for _ in range(steps):
                a @ x
            t3 = time.process_time()
            times[r]["setup"].append(t1 - t0)
            times[r]["step"].append((t2 - t1) / steps)
            times[r]["ax"].append((t3 - t2) / steps)
            for name, seconds in (spent or {}).items():
                phases[name].append(seconds / steps * 1e3)
    rows = []
    for r in sizes:
        step, setup, ax = (statistics.median(times[r][k]) for k in ("step", "setup", "ax"))
        rows.append({"runs": r, "batch_step_ms": step * 1e3, "per_run_step_ms": step / r * 1e3,
                     "ax_ms": ax * 1e3, "per_run_step_over_ax": step / r / ax,
                     "runs_per_cpu_second": r / (setup + steps * step)})
    return {"n": graph.n, "m": m, "ties": int(a.nnz), "steps": steps, "seed": seed,
            "rounds": rounds, "load_before": load_before, "load_after": _load(), "rows": rows,
            "phases": {name: statistics.median(ms) for name, ms in phases.items()}}


#: The methods ``VectorMarket.step`` calls, in order: the phases of a day.
PHASES = ("_open", "_post", "_expose", "_decide", "_review", "_settle", "_close_day",
          "_record")


def _time_phases(market) -> dict[str, float]:
    """Wrap ``market``'s phase methods to add their CPU seconds into the returned dict."""
    spent = dict.fromkeys(PHASES, 0.0)

    def timed(name: str, method):
        def run(*args):
            start = time.process_time()
            try:
                return method(*args)
            finally:
                spent[name] += time.process_time() - start
        return run

    for name in PHASES:
        setattr(market, name, timed(name, getattr(market, name)))
    return spent


def format_batch_table(result: dict) -> str:
    """The batch benchmark as a plain-text table."""
    head = (f"{'R':>4} {'batch step ms':>14} {'per-run step ms':>16} {'A@x ms':>8} "
            f"{'per-run/A@x':>12} {'runs/s':>8}")
    lines = [f"batched engine, n = {result['n']:,} (Barabasi-Albert m = {result['m']}, "
             f"{result['ties']:,} ties), "
             f"{result['steps']} days per run, CPU time, medians of {result['rounds']} "
             "interleaved rounds", head, "-" * len(head)]
    for row in result["rows"]:
        lines.append(f"{row['runs']:>4} {row['batch_step_ms']:14.2f} "
                     f"{row['per_run_step_ms']:16.3f} {row['ax_ms']:8.3f} "
                     f"{row['per_run_step_over_ax']:12.2f} {row['runs_per_cpu_second']:8.2f}")
    big = result["rows"][-1]
    if result.get("phases"):
        lines.append(f"where a step of the {big['runs']}-run batch goes (CPU ms per batch step, "
                     "and per run over one A @ x):")
        for name, ms in result["phases"].items():
            lines.append(f"    {name.lstrip('_'):<10} {ms:8.2f} ms  "
                         f"{ms / big['runs'] / big['ax_ms']:6.2f} x A@x")
    lines.append(f"before: {result['load_before']}; after: {result['load_after']}")
    return "\n".join(lines)
