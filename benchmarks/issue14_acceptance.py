"""Issue 14's acceptance numbers: visibility and negativity weight, paired tests across seeds.

``.venv/bin/python benchmarks/issue14_acceptance.py --seeds 30`` runs, for each seed, one
graph (Barabasi-Albert, 2,000 consumers, vectorized engine, 120 days) under every arm, so
arms are paired by seed (same graph, same draws), and prints:

1. visibility: adopters who bought without research (impulse) or found it by discovery,
   quality 1 vs 4, with visibility off and on (``VISIBILITY``), paired t-test;
2. negativity: the poor product (quality 2.5) with negative sharing 0 vs 0.12 (the
   default) vs 1, with negativity weight 0 and 2, paired t-test on final adopters.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

import numpy as np
from scipy import stats

from models.journey import Channel
from models.params import ConsumerParams, ProductParams
from simulation.networks.generators import NetworkParams, build_network
from simulation.running.runner import RunParams, run

#: Visibility "on", as in configs/experiment/segments_and_visibility.yaml.
VISIBILITY = dict(visibility_rating_weight=1.5, visibility_volume_weight=0.5,
                  visibility_reference_reviews=10.0)


def discovery_and_impulse(res) -> tuple[int, int, int]:
    """Adopters who found it by discovery, who bought without research (impulse), either."""
    f = res.final
    adopted = f["adopted"].astype(bool) & ~f["is_seed"].astype(bool)
    found = adopted & (f["channel"] == Channel.DISCOVERY)
    impulse = adopted & ~f["ever_researched"].astype(bool)
    return int(found.sum()), int(impulse.sum()), int((found | impulse).sum())


def paired(a: np.ndarray, b: np.ndarray) -> str:
    """Mean of a and b, relative change b vs a, paired t-test p-value."""
    t = stats.ttest_rel(b, a)
    rel = (b.mean() - a.mean()) / a.mean() if a.mean() else float("nan")
    return (f"{a.mean():8.1f} -> {b.mean():8.1f}  ({rel:+.1%}), paired t = {t.statistic:6.2f},"
            f" p = {t.pvalue:.2g}")


def main() -> None:
    """Run every arm for every seed and print the two tables."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    t0, c0 = time.perf_counter(), time.process_time()
    print(f"load average before: {os.getloadavg()}")
    net = NetworkParams(n=args.n)
    vis: dict[tuple, list] = {}
    neg: dict[tuple, list] = {}
    for seed in range(args.seeds):
        graph = build_network(net, seed)
        base = RunParams(network=net, engine="vectorized", seed=seed)
        for on in (False, True):
            for q in (1.0, 4.0):
                product = ProductParams(quality=q, **(VISIBILITY if on else {}))
                res = run(replace(base, product=product), graph=graph)
                vis.setdefault((on, q), []).append(
                    (*discovery_and_impulse(res), res.summary["adopters"]))
        for w in (0.0, 2.0):
            for share in (0.0, 0.12, 1.0):
                consumer = ConsumerParams(negativity_weight=w, negative_share_prob=share)
                res = run(replace(base, consumer=consumer, product=ProductParams(quality=2.5)),
                          graph=graph)
                neg.setdefault((w, share), []).append(res.summary["adopters"])
    print(f"\n{args.seeds} seeds, {args.n:,} consumers, 120 days, paired by seed\n")
    print("1. Visibility: quality 1 -> quality 4 (mean per run)")
    for on in (False, True):
        a, b = np.array(vis[(on, 1.0)]), np.array(vis[(on, 4.0)])
        print(f"  visibility {'on ' if on else 'off'}")
        for k, name in enumerate(("discovery adopters", "impulse adopters",
                                  "discovery or impulse", "all adopters")):
            print(f"    {name:20s} {paired(a[:, k], b[:, k])}")
        share = a[:, 3].sum() and a[:, 1].sum() / a[:, 3].sum()
        print(f"    quality 1: {a[:, 3].mean() / args.n:.1%} adoption, {share:.0%} of it impulse")
    print("\n2. Negativity: the poor product (quality 2.5), final adopters by negative sharing")
    for w in (0.0, 2.0):
        none = np.array(neg[(w, 0.0)])
        for share in (0.12, 1.0):
            print(f"  weight {w:g}: negative sharing 0 -> {share:<4g} "
                  f"{paired(none, np.array(neg[(w, share)]))}")
    print(f"\nwall {time.perf_counter() - t0:.0f} s, CPU {time.process_time() - c0:.0f} s, "
          f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
