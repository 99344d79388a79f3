"""Fast seeded numpy builders for big networks, straight to a ``SocialGraph`` (no networkx).

Barabasi-Albert and Erdos-Renyi with networkx's model semantics, for populations where
building a networkx object per consumer would dominate the run (see ``FAST_MIN_N``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from models.draws import split_seed
from models.graph import SocialGraph
from models.params import ParameterError
from simulation.params import FAST_MIN_N, FAST_NETWORKS

__all__ = [
    "FAST_MIN_N",
    "FAST_NETWORKS",
    "barabasi_albert_edges",
    "build_fast_network",
    "embeddedness",
    "erdos_renyi_edges",
    "social_graph_from_edges",
]

#: Rows of the adjacency processed at once when counting common friends (embeddedness).
_EMBED_CHUNK = 20_000
#: Edges processed at once by the Barabasi-Albert builder (bounds its temporaries).
_CHUNK = 4_000_000


def barabasi_albert_edges(
    n: int, m: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Preferential attachment edges with networkx's ``barabasi_albert_graph`` semantics.

    Starts from a star on nodes 0..m (node 0 the centre); each newcomer v = m+1..n-1
    ties to m distinct earlier nodes chosen with probability proportional to their
    degree when v arrives (duplicates rejected and redrawn, as networkx does). Uses
    Batagelj and Brandes' edge-list trick (2005): picking a uniform endpoint slot among
    the earlier edges is picking a node by degree; a slot that holds a not-yet-known
    target is resolved by following its own pick back, vectorized as pointer chasing.

    Args:
        n: Number of nodes.
        m: Ties each newcomer makes (1 <= m < n).
        rng: The random generator (the run's graph stream).

    Returns:
        ``(newcomer, target)`` arrays of the ``m * (n - m)`` undirected edges.

    Raises:
        ParameterError: If ``m`` is not in [1, n).
    """
    if not 1 <= m < n:
        raise ParameterError(f"network.m = {m}: must be in [1, network.n) with n = {n}")
    n_edges = m * (n - m)
    # 32-bit slots where they fit: a 10,000,000-consumer graph is then half the memory.
    idx = np.int32 if 2 * n_edges < 2**31 else np.int64
    # Edge e's endpoints sit at slots 2e (its newcomer) and 2e+1 (target). A newcomer
    # picks among the 2m(v-m) slots of the edges that existed before it arrived.
    pick = np.full(n_edges, -1, dtype=idx)
    pick[m:] = rng.integers(0, _slots_before(np.arange(m, n_edges), m))
    tgt = np.empty(n_edges, dtype=idx)
    tgt[:m] = np.arange(1, m + 1)
    for lo in range(m, n_edges, _CHUNK):  # chunks bound the pointer chase's temporaries
        tgt[lo:lo + _CHUNK] = _chase(pick, m, np.arange(lo, min(lo + _CHUNK, n_edges)))
    # Slot e copies its target from slot parent[e] when it picked a target slot, so a
    # redrawn slot changes the targets of its descendants, found through this index.
    linked = np.flatnonzero((pick & 1).astype(bool) & ((pick >> 1) >= m))
    parents = pick[linked] >> 1
    order = np.argsort(parents, kind="stable")
    by_parent = linked[order].astype(idx)
    # first[e]:first[e + 1] is where slot e's children sit in by_parent (a CSR-style
    # index: looking a parent up is one gather instead of a binary search).
    first = np.zeros(n_edges + 1, dtype=idx)
    np.cumsum(np.bincount(parents, minlength=n_edges), out=first[1:])
    del linked, parents, order
    moved_parent = [np.zeros(0, dtype=np.int64)]
    moved_child = [np.zeros(0, dtype=np.int64)]
    bad = np.concatenate([_repeated(tgt, m, np.arange(lo, min(lo + _CHUNK // m, n - m - 1)))
                          for lo in range(0, n - m - 1, _CHUNK // m)] or [np.zeros(0, idx)])
    while bad.size:
        pick[bad] = rng.integers(0, _slots_before(bad, m))
        new_parent = pick[bad] >> 1
        relinked = (pick[bad] & 1).astype(bool) & (new_parent >= m)
        moved_parent.append(new_parent[relinked])
        moved_child.append(bad[relinked])
        stale = _descendants(bad, by_parent, first,
                             np.concatenate(moved_parent), np.concatenate(moved_child))
        tgt[stale] = _chase(pick, m, stale)
        bad = _repeated(tgt, m, np.unique((stale - m) // m))
    return _newcomers(np.arange(n_edges, dtype=idx), m), tgt


def _slots_before(edges: np.ndarray, m: int) -> np.ndarray:
    """Slots a newcomer's edge may pick: those of the m(v - m) edges made before it came."""
    return 2 * m * ((edges.astype(np.int64) - m) // m + 1)


def _newcomers(edges: np.ndarray, m: int) -> np.ndarray:
    """The newcomer of each edge: the star's centre 0 for the first m, then m+1, m+1, ..."""
    return np.where(edges < m, 0, m + 1 + (edges - m) // m)


def _chase(pick: np.ndarray, m: int, slots: np.ndarray) -> np.ndarray:
    """Targets of edge ``slots``: follow picked target slots back to a known endpoint."""
    ptr = pick[slots]
    pending = np.flatnonzero((ptr & 1).astype(bool) & ((ptr >> 1) >= m))
    while pending.size:
        p = pick[ptr[pending] >> 1]
        ptr[pending] = p
        pending = pending[(p & 1).astype(bool) & ((p >> 1) >= m)]
    slot = ptr >> 1
    # An odd slot below m is a star edge's target: node slot + 1.
    return np.where((ptr & 1).astype(bool), slot + 1, _newcomers(slot, m))


def _repeated(tgt: np.ndarray, m: int, rows: np.ndarray) -> np.ndarray:
    """Slots (of newcomers ``rows``) that repeat an earlier pick of the same newcomer."""
    picks = tgt[m:].reshape(-1, m)[rows]
    order = np.argsort(picks, axis=1, kind="stable")
    ranked = np.take_along_axis(picks, order, axis=1)
    row, col = np.nonzero(ranked[:, 1:] == ranked[:, :-1])
    # Stable order: of equal picks the later slot comes second; that one is redrawn.
    return m + rows[row] * m + order[:, 1:][row, col]


def _descendants(
    roots: np.ndarray,
    by_parent: np.ndarray,
    first: np.ndarray,
    extra_parent: np.ndarray,
    extra_child: np.ndarray,
) -> np.ndarray:
    """``roots`` and every slot whose target is copied from them, directly or not.

    Slot e's original children are ``by_parent[first[e]:first[e + 1]]``. Links of
    redrawn slots to their new parents are ``extra_*``; their stale original links only
    add slots that re-resolve to the same target, which is harmless.
    """
    found = [roots]
    frontier = roots
    while frontier.size:
        lo = first[frontier].astype(np.int64)
        count = first[frontier + 1] - lo
        starts = np.repeat(lo - np.cumsum(count) + count, count)
        kids = by_parent[starts + np.arange(count.sum())]
        kids = np.concatenate([kids, extra_child[np.isin(extra_parent, frontier)]])
        frontier = np.setdiff1d(kids, np.concatenate(found))
        found.append(frontier)
    return np.unique(np.concatenate(found))


def erdos_renyi_edges(
    n: int, p: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """G(n, p) edges: each of the n(n-1)/2 pairs independently with probability ``p``.

    The edge count is drawn from its binomial law, then that many distinct pairs are
    drawn uniformly (same law as networkx's ``fast_gnp_random_graph``).

    Args:
        n: Number of nodes.
        p: Tie probability per pair, in [0, 1].
        rng: The random generator (the run's graph stream).

    Returns:
        ``(u, v)`` arrays with u > v.
    """
    pairs = n * (n - 1) // 2
    k = int(rng.binomial(pairs, p)) if pairs else 0
    if k == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    chosen = np.sort(rng.choice(pairs, size=k, replace=False))
    # Pair index c = u(u-1)/2 + v with v < u; invert the triangular number.
    u = ((1.0 + np.sqrt(1.0 + 8.0 * chosen)) / 2.0).astype(np.int64)
    u -= (u * (u - 1) // 2) > chosen
    u += ((u + 1) * u // 2) <= chosen
    v = chosen - u * (u - 1) // 2
    return u, v


def embeddedness(adj: sp.csr_array, u: np.ndarray, v: np.ndarray, floor: float) -> np.ndarray:
    """Share of common friends of each edge's ends (at least ``floor``), as in networkx.

    Args:
        adj: The symmetric 0/1 friendship adjacency (CSR).
        u: One end of each edge.
        v: The other end.
        floor: The smallest share returned.
    """
    deg = np.diff(adj.indptr).astype(np.float64)
    common = np.zeros(u.size)
    order = np.argsort(u, kind="stable")
    us, vs = u[order], v[order]
    for start in range(0, adj.shape[0], _EMBED_CHUNK):
        lo, hi = np.searchsorted(us, [start, start + _EMBED_CHUNK])
        if lo == hi:
            continue
        block = (adj[start:start + _EMBED_CHUNK] @ adj).tocsr()
        common[order[lo:hi]] = np.asarray(block[us[lo:hi] - start, vs[lo:hi]])
    union = deg[u] + deg[v] - common - 2.0
    share = np.divide(common, union, out=np.zeros_like(common), where=union > 0)
    return np.maximum(share, floor)


def social_graph_from_edges(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    *,
    directed: bool,
    ties: str,
    tie_strength: float,
    tie_floor: float,
    rng: np.random.Generator,
) -> SocialGraph:
    """Turn undirected edges into a ``SocialGraph`` with tie strengths (no networkx).

    Args:
        n: Number of consumers.
        u: One end of each edge.
        v: The other end.
        directed: Make follower ties both ways, each with its own strength (as
            networkx's ``to_directed`` followed by per-edge strengths).
        ties: constant, random or embeddedness (see ``NetworkParams``).
        tie_strength: Strength of every tie when constant.
        tie_floor: Smallest random or embeddedness strength.
        rng: The run's ties stream.
    """
    idx = np.int32 if n < 2**31 else np.int64
    if not directed and ties != "embeddedness":
        w = (np.full(u.size, float(tie_strength)) if ties == "constant"
             else rng.uniform(tie_floor, 1.0, size=u.size))
        # Each tie once, added to its transpose: the same matrix as listing both arcs,
        # with half the temporaries (this sets a big run's peak memory).
        half = sp.csr_array((w, (u.astype(idx, copy=False), v.astype(idx, copy=False))),
                            shape=(n, n))
        del w
        return SocialGraph(receivers=half + half.T, directed=False, symmetric=True)
    rows = np.concatenate([u, v]).astype(idx)
    cols = np.concatenate([v, u]).astype(idx)
    k = rows.size if directed else u.size
    if ties == "constant":
        w = np.full(k, float(tie_strength))
    elif ties == "random":
        w = rng.uniform(tie_floor, 1.0, size=k)
    else:
        ones = np.ones(rows.size, dtype=np.float32)
        adj = sp.csr_array((ones, (rows, cols)), shape=(n, n))
        adj.sum_duplicates()
        w = embeddedness(adj, u, v, tie_floor)
        if directed:
            w = np.concatenate([w, w])
    if not directed:
        w = np.concatenate([w, w])
    # Row i lists whose posts i sees: arc a -> b (b sees a) is entry (b, a).
    receivers = sp.csr_array((w, (cols, rows)), shape=(n, n))
    return SocialGraph(receivers=receivers, directed=directed, symmetric=not directed)


def build_fast_network(params, seed: int) -> SocialGraph:
    """Build a big network of ``params`` for run ``seed`` without networkx.

    Args:
        params: A ``simulation.networks.generators.NetworkParams`` whose ``name`` is in
            ``FAST_NETWORKS``.
        seed: The run seed; its graph stream draws the edges, its ties stream the
            strengths.

    Returns:
        The ``SocialGraph`` (``nx_graph`` is None: graph-measure targeting is unavailable).

    Raises:
        ParameterError: If the network has no fast builder.
    """
    streams = split_seed(seed)
    graph_rng = np.random.default_rng(streams["graph"])
    n = params.n
    if params.name == "barabasi_albert":
        u, v = barabasi_albert_edges(n, params.m, graph_rng)
    elif params.name == "erdos_renyi":
        u, v = erdos_renyi_edges(n, min(1.0, params.mean_degree / max(n - 1, 1)), graph_rng)
    else:
        raise ParameterError(
            f"network.name = {params.name!r}: has no fast builder; one of "
            + ", ".join(FAST_NETWORKS)
        )
    return social_graph_from_edges(
        n, u, v, directed=params.directed, ties=params.ties,
        tie_strength=params.tie_strength, tie_floor=params.tie_floor,
        rng=np.random.default_rng(streams["ties"]),
    )
