"""Choosing whom to seed: rank consumers by a targeting method, then hire down the ranking."""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx
import numpy as np

from models.graph import SocialGraph
from models.params import ParameterError
from models.strategies import TARGETING

#: Betweenness is estimated from this many sampled sources on larger graphs
#: (exact below it); networkx's exact algorithm is O(n m).
BETWEENNESS_SAMPLES = 500


def _needs_nx(graph: SocialGraph, method: str) -> nx.Graph:
    if graph.nx_graph is None:
        raise ParameterError(
            f"strategy.influencer_seeding.targeting = {method!r}: needs a networkx graph; "
            "with a fast (array-only) network use degree, random or friend_of_random"
        )
    return graph.nx_graph


def _by_score(score: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    # Highest score first; ties by larger audience, then by lower index: deterministic.
    return np.lexsort((np.arange(score.size), -tiebreak, -score))


def ranking(graph: SocialGraph, method: str, rng: np.random.Generator) -> Iterator[int]:
    """Consumers in the order a marketer following ``method`` would approach them.

    Args:
        graph: The social graph.
        method: One of ``TARGETING``.
        rng: The run's targeting stream (random methods and sampled betweenness).

    Returns:
        Distinct consumer indices, best first. ``friend_of_random`` draws lazily, so
        only as many candidates as the hiring loop asks for are drawn.
    """
    audience = graph.audience.astype(float)
    if method == "degree":
        return iter(_by_score(audience, audience).tolist())
    if method == "random":
        return iter(rng.permutation(graph.n).tolist())
    if method == "friend_of_random":
        return _friend_of_random(graph, rng)
    g = _needs_nx(graph, method)
    if method == "pagerank":
        # Posts flow along edges to followers, so influence is PageRank on the reversed graph.
        pr = nx.pagerank(g.reverse(copy=False) if g.is_directed() else g)
        score = np.array([pr[i] for i in range(graph.n)])
    elif method == "betweenness":
        k = None if graph.n <= BETWEENNESS_SAMPLES else BETWEENNESS_SAMPLES
        seed = int(rng.integers(2**31)) if k else None
        bc = nx.betweenness_centrality(g, k=k, seed=seed)
        score = np.array([bc[i] for i in range(graph.n)])
    elif method == "kcore":
        und = g.to_undirected(as_view=True) if g.is_directed() else g
        und = nx.Graph(und)
        und.remove_edges_from(nx.selfloop_edges(und))
        core = nx.core_number(und)
        score = np.array([core[i] for i in range(graph.n)], dtype=float)
    else:
        raise ParameterError(
            f"strategy.influencer_seeding.targeting = {method!r}: must be one of "
            + ", ".join(TARGETING)
        )
    return iter(_by_score(score, audience).tolist())


def _friend_of_random(graph: SocialGraph, rng: np.random.Generator) -> Iterator[int]:
    """Cohen et al.'s acquaintance method: a random friend of a random consumer.

    Friends are followers' sources (whom a random consumer sees), so the pick is biased
    towards consumers with a large audience, without knowing the graph.
    """
    r = graph.receivers
    chosen: set[int] = set()
    # Give up after many fruitless draws (e.g. a graph with almost no ties).
    misses = 0
    while len(chosen) < graph.n and misses < 10 * graph.n + 100:
        i = int(rng.integers(graph.n))
        lo, hi = int(r.indptr[i]), int(r.indptr[i + 1])
        j = int(r.indices[rng.integers(lo, hi)]) if hi > lo else -1
        if j < 0 or j in chosen:
            misses += 1
            continue
        chosen.add(j)
        yield j
