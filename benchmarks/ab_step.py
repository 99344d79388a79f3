"""Before/after: the array engine's step CPU time at two commits, interleaved on one machine.

``python benchmarks/ab_step.py OLD NEW --sizes 10000 1000000`` checks out both commits into
temporary worktrees and alternates worker processes between them (OLD, NEW, NEW, OLD, ...),
each timing ``steps`` steps of a default run (Barabasi-Albert, m=5, seed 0, no strategy) in
CPU time; ``--batch R`` times a batch of R such runs (seeds 0..R-1, ``models.batched``) and
reports the batch step divided by R. It prints the median per-step time of each commit,
their ratio and the load average before and after, so a refactor's cost is measured back
to back, not against a number from another day.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

WORKER = r"""
import inspect, json, sys, time
try:
    from simulation.networks.generators import NetworkParams, build_network
except ImportError:
    from simulation.networks import NetworkParams, build_network
import models.vectorized as vz
from models.vectorized import VectorMarket
n, steps, batch = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
graph = build_network(NetworkParams(name="barabasi_albert", n=n, m=5), 0)
if batch:
    from models.batched import BatchMarket, RunSpec
    market = BatchMarket([RunSpec(graph, seed=i) for i in range(batch)])
else:
    keyword = "rng" if "rng" in inspect.signature(VectorMarket).parameters else "seed"
    market = VectorMarket(graph, **{keyword: 0})
times = []
for _ in range(steps):
    t0 = time.process_time()
    market.step()
    times.append(time.process_time() - t0)
one = market.members[0] if batch else market
print(json.dumps({"file": vz.__file__, "step_cpu": sum(times) / steps / max(batch, 1),
                  "adopters": int(one.records[-1]["adopters"])}))
"""


def _worker(tree: Path, n: int, steps: int, batch: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", WORKER, str(n), str(steps), str(batch)],
                         cwd=tree, env=env,
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(tree)), result["file"]  # the intended commit ran
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: time both commits, interleaved, and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", help="the commit before (e.g. 63a40d5)")
    ap.add_argument("new", nargs="?", default="HEAD", help="the commit after (default HEAD)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    ap.add_argument("--steps", type=int, default=90)
    ap.add_argument("--rounds", type=int, default=4, help="worker pairs per size")
    ap.add_argument("--batch", type=int, default=0, metavar="R",
                    help="time a batch of R runs and report per run (default: one run)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        trees = {}
        for label, ref in (("old", args.old), ("new", args.new)):
            trees[label] = Path(tmp) / label
            subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q",
                            str(trees[label]), ref], check=True)
        try:
            print(f"load before: {os.getloadavg()}")
            for n in args.sizes:
                cpu = {"old": [], "new": []}
                for r in range(args.rounds):
                    order = ("old", "new") if r % 2 == 0 else ("new", "old")
                    for label in order:
                        result = _worker(trees[label], n, args.steps, args.batch)
                        cpu[label].append(result["step_cpu"])
                        adopters = result["adopters"]
                old, new = (statistics.median(cpu[k]) for k in ("old", "new"))
                label = f"n={n:>9,}" + (f" x {args.batch} runs" if args.batch else "")
                print(f"{label}  {args.old}: {old * 1e3:8.3f} ms/step  {args.new}: "
                      f"{new * 1e3:8.3f} ms/step{' per run' if args.batch else ''}  "
                      f"new/old {new / old:5.3f}  (CPU, median of "
                      f"{args.rounds}, {args.steps} steps, adopters {adopters})")
                print(f"   old {[round(c * 1e3, 3) for c in cpu['old']]}  "
                      f"new {[round(c * 1e3, 3) for c in cpu['new']]}")
            print(f"load after: {os.getloadavg()}")
        finally:
            for tree in trees.values():
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                                str(tree)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
