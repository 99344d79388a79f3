"""Exact fingerprints of a few small runs, to compare engines and interpreters bit for bit.

``python tests/fingerprints.py`` prints them as JSON with the versions that made them;
tests/test_portability.py runs this script under a second interpreter and compares.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from dataclasses import replace
from importlib.metadata import version

import numpy as np

from models.params import ConsumerParams, ProductParams
from models.strategies import Ads, Community, InfluencerSeeding, MoreReviews, Referral
from simulation.networks.generators import NetworkParams, build_network
from simulation.running.runner import RunParams, run

#: Small runs that between them use every random stream (graph, ties, targeting, decisions),
#: directed and undirected graphs, and most strategies. Both sides of a comparison run the
#: same code, so no reference numbers are stored: nothing here goes stale when the model
#: changes.
CASES: dict[str, RunParams] = {
    "ba_influencers": RunParams(
        network=NetworkParams(name="barabasi_albert", n=300, m=3),
        strategies=(InfluencerSeeding(k=8, targeting="pagerank"),),
        seed=11, steps=70,
    ),
    "ws_ads_referral": RunParams(
        network=NetworkParams(name="watts_strogatz", n=250, k=6, p=0.1, ties="random",
                              tie_floor=0.2),
        strategies=(Ads(reach=0.02, start=1, end=40), Referral(reward=10.0)),
        budget=3000.0, seed=5, steps=60,
    ),
    "er_directed_reviews": RunParams(
        network=NetworkParams(name="erdos_renyi", n=200, mean_degree=6.0, directed=True,
                              ties="embeddedness", tie_floor=0.1),
        consumer=ConsumerParams(discovery_prob=0.01, share_prob=0.3),
        product=ProductParams(quality=2.5),
        strategies=(MoreReviews(seeded_reviews=5, seeded_stars=5.0), Community()),
        seed=3, steps=50,
    ),
}

#: The distributions whose versions could change the numbers.
PACKAGES = ("mesa", "numpy", "scipy", "networkx", "pandas")


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def fingerprint(params: RunParams) -> dict[str, str]:
    """Digests of the graph drawn for the case and of the run's exact outputs.

    Returns:
        ``graph`` (follower matrix with tie strengths), ``timeseries`` (every column's
        float64/int64 bits) and ``final`` (per-consumer end state and channel).
    """
    graph = build_network(params.network, params.seed)
    r = graph.receivers
    result = run(params, graph=graph)
    table = result.timeseries
    return {
        "graph": _digest(r.indptr.astype(np.int64), r.indices.astype(np.int64), r.data),
        "timeseries": _digest(*(table[c].to_numpy() for c in table.columns)),
        "final": _digest(*(np.asarray(result.final[k], dtype=np.int64)
                           for k in ("state", "channel"))),
    }


def all_fingerprints(engine: str) -> dict[str, dict[str, str]]:
    """``fingerprint`` of every case, run on ``engine``."""
    return {name: fingerprint(replace(p, engine=engine)) for name, p in CASES.items()}


def environment() -> dict[str, str]:
    """Interpreter and package versions, for the message when fingerprints differ."""
    env = {"python": platform.python_version()}
    env.update({p: version(p) for p in PACKAGES})
    return env


if __name__ == "__main__":
    engine = sys.argv[1] if len(sys.argv) > 1 else "agent"
    json.dump({"environment": environment(), "fingerprints": all_fingerprints(engine)},
              sys.stdout, indent=1)
    print()
