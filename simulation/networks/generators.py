"""Network builders by name, every one seeded from the run's graph stream.

Nodes are 0..n-1; each tie gets a strength in (0, 1]. Directed graphs: an edge u -> v
means v follows u (u's posts reach v).
"""

from __future__ import annotations

import bz2
import gzip
import random
from functools import partial
from itertools import chain
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp

from models.draws import split_seed, stream_int
from models.graph import SocialGraph
from models.params import ParameterError, check
from simulation.networks import fastgraph
from simulation.params import BUILDER_DEFAULTS, NETWORKS, SHARED_DEFAULTS, TIES, NetworkParams

__all__ = [
    "BUILDER_DEFAULTS",
    "NETWORKS",
    "SHARED_DEFAULTS",
    "TIES",
    "NetworkParams",
    "barabasi_albert_pairs",
    "build_network",
    "networkx_graph",
    "read_graph_file",
]

#: Graph file formats by suffix (before any .gz/.bz2); anything else is an edge list.
FILE_FORMATS = {".graphml": "graphml", ".gexf": "gexf"}
#: Compressed files networkx reads transparently.
COMPRESSED = (".gz", ".bz2")


def _generate(params: NetworkParams, seed: int) -> nx.Graph:
    n = params.n
    match params.name:
        case "barabasi_albert":
            return nx.barabasi_albert_graph(n, params.m, seed=seed)
        case "watts_strogatz":
            return nx.watts_strogatz_graph(n, params.k, params.p, seed=seed)
        case "erdos_renyi":
            p = min(1.0, params.mean_degree / max(n - 1, 1))
            return nx.fast_gnp_random_graph(n, p, seed=seed)
        case "stochastic_block":
            sizes = [n // params.blocks + (b < n % params.blocks) for b in range(params.blocks)]
            probs = [
                [params.p_in if a == b else params.p_out for b in range(params.blocks)]
                for a in range(params.blocks)
            ]
            g = nx.stochastic_block_model(sizes, probs, seed=seed, sparse=True)
            return nx.Graph(g)  # drop the block bookkeeping attributes
        case "powerlaw_cluster":
            return nx.powerlaw_cluster_graph(n, params.m, params.p, seed=seed)
        case "complete":
            return nx.complete_graph(n)
        case "karate":
            return nx.karate_club_graph()
        case "file":
            return read_graph_file(params.path, params.directed, params.ties == "file")
    raise AssertionError(params.name)  # unreachable: checked in NetworkParams


def _node_key(label: object) -> tuple[int, object]:
    try:
        return (0, int(label))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return (1, str(label))


def _sniff_columns(path: Path, compression: str | None) -> int:
    """Columns of the first data line of an edge list (0 for an empty file)."""
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(compression or "", open)
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    return len(line.split())
    except (OSError, EOFError) as exc:  # e.g. a .gz that is not gzip data
        raise ParameterError(
            f"network.path = {str(path)!r}: could not be read ({exc})"
        ) from None
    return 0


def read_graph_file(path: str | Path, directed: bool = False,
                    weights: bool = False) -> nx.Graph:
    """Read an edge list, GraphML or GEXF file; relabel nodes 0..n-1 in label order.

    Files ending in ``.gz`` or ``.bz2`` are decompressed while reading (``x.graphml.gz``
    is GraphML). An edge list has ``u v`` or ``u v weight`` lines.

    Args:
        path: The file.
        directed: An edge ``u v`` means v follows u.
        weights: Keep the file's weights (an edge list's third column, or GraphML/GEXF
            ``weight`` attributes) as edge ``weight``, each in (0, 1]. Without it, a
            weight column is refused rather than dropped silently.

    Raises:
        ParameterError: If the file is missing, cannot be parsed, or its weights do not
            fit ``weights``.
    """
    path = Path(path)
    shown = repr(str(path))
    check("network.path", str(path), "an existing file", path.is_file())
    suffixes = [x.lower() for x in path.suffixes]
    compression = suffixes[-1] if suffixes and suffixes[-1] in COMPRESSED else None
    fmt_suffix = (suffixes[-2] if compression and len(suffixes) > 1 else
                  None if compression else (suffixes[-1] if suffixes else None))
    kind = FILE_FORMATS.get(fmt_suffix or "", "edge list")
    data: bool | tuple = False
    if kind == "edge list":
        columns = _sniff_columns(path, compression)
        if columns >= 3 and not weights:
            raise ParameterError(
                f"network.path = {shown}: has a weight column; add network.ties=file to use "
                "it as tie strengths, or remove it")
        if weights and columns < 3:
            raise ParameterError(
                f"network.ties = 'file': network.path {shown} has no weight column "
                "(lines 'u v weight')")
        if columns >= 3:
            data = (("weight", float),)
    try:
        if kind == "graphml":
            g = nx.read_graphml(path)
        elif kind == "gexf":
            g = nx.read_gexf(path)
        else:
            g = nx.read_edgelist(path, comments="#", data=data,
                                 create_using=nx.DiGraph if directed else nx.Graph)
    except Exception as exc:  # networkx raises many kinds for a malformed file
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParameterError(
            f"network.path = {shown}: could not be parsed as {kind} ({detail})"
        ) from None
    if g.number_of_nodes() == 0:
        raise ParameterError(f"network.path = {shown}: has no nodes")
    g = nx.DiGraph(g) if directed else nx.Graph(g)  # also drops multi-edges
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    order = sorted(g.nodes, key=_node_key)
    h = g.__class__()
    h.add_nodes_from(range(len(order)))
    index = {label: i for i, label in enumerate(order)}
    if not weights:
        h.add_edges_from((index[u], index[v]) for u, v in g.edges)
        return h
    for u, v, w in g.edges(data="weight"):
        try:
            ok = w is not None and 0 < float(w) <= 1
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ParameterError(
                f"network.path = {shown}: edge {u} {v} has weight {w!r}; with "
                "network.ties=file every weight must be a number in (0, 1]")
        h.add_edge(index[u], index[v], weight=float(w))
    return h


def _set_ties(g: nx.Graph, params: NetworkParams, rng: np.random.Generator) -> None:
    edges = sorted(g.edges)  # a fixed order, so the same seed gives the same strengths
    if params.ties == "file":
        return  # read_graph_file kept the file's weights
    if params.ties == "constant":
        w = np.full(len(edges), params.tie_strength)
    elif params.ties == "random":
        w = rng.uniform(params.tie_floor, 1.0, size=len(edges))
    else:
        und = g.to_undirected(as_view=True) if g.is_directed() else g
        nbrs = {v: set(und[v]) for v in und}
        w = np.empty(len(edges))
        for e, (u, v) in enumerate(edges):
            union = (nbrs[u] | nbrs[v]) - {u, v}
            w[e] = len(nbrs[u] & nbrs[v]) / len(union) if union else 0.0
        w = np.maximum(w, params.tie_floor)
    nx.set_edge_attributes(g, dict(zip(edges, w.tolist(), strict=True)), "weight")


def barabasi_albert_pairs(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ties of ``networkx.barabasi_albert_graph(n, m, seed=seed)``, without the graph.

    The same draws in the same order as networkx 3's generator (a star on nodes 0..m,
    then each newcomer picks m distinct nodes from the list holding every node once per
    tie), so the same seed gives the same ties; building the networkx graph around them
    costs three times as much as the draws.

    Args:
        n: Number of nodes.
        m: Ties each newcomer makes (1 <= m < n).
        seed: The seed networkx would be given.

    Returns:
        ``(lower, higher)`` end of each of the ``m * (n - m)`` ties.
    """
    # rng.choice(seq) is seq[rng._randbelow(len(seq))], and _randbelow draws k-bit
    # integers until one is below len(seq): written out, with the same getrandbits calls,
    # it gives the same ties at about half the cost of a method call per draw.
    getrandbits = random.Random(seed).getrandbits
    repeated = [0] * m + list(range(1, m + 1))  # the star: node 0 tied to 1..m
    targets_of_newcomers: list[int] = []
    for source in range(m + 1, n):
        size = len(repeated)
        bits = size.bit_length()
        targets: set[int] = set()
        while len(targets) < m:
            r = getrandbits(bits)
            while r >= size:
                r = getrandbits(bits)
            targets.add(repeated[r])
        targets_of_newcomers.extend(targets)
        repeated.extend(targets)
        repeated.extend([source] * m)
    older = np.concatenate([np.zeros(m, dtype=np.int64),
                            np.array(targets_of_newcomers, dtype=np.int64)])
    newer = np.concatenate([np.arange(1, m + 1, dtype=np.int64),
                            np.repeat(np.arange(m + 1, n, dtype=np.int64), m)])
    return older, newer


def _ends(g: nx.Graph) -> tuple[np.ndarray, np.ndarray]:
    """Each edge of ``g`` as ``g.edges`` lists it (the end met first in node order first)."""
    flat = np.fromiter(chain.from_iterable(g.edges()), dtype=np.int64,
                       count=2 * g.number_of_edges())
    return flat[0::2], flat[1::2]


def _arcs(
    params: NetworkParams, seed: int
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray | None]:
    """Consumers and the ties ``networkx_graph`` would have, as arrays.

    Returns ``(n, a, b, weights)``: the edges exactly as the networkx graph's ``edges``
    lists them (both arcs of each tie when a generated network is directed), with the
    file's strengths when ``ties`` is ``file``, else None.
    """
    if params.name == "barabasi_albert":
        n = params.n
        a, b = barabasi_albert_pairs(n, params.m, seed)  # nodes in order: lower end first
    else:
        g = _generate(params, seed)
        n = g.number_of_nodes()
        if params.name == "file" and params.ties == "file":
            w = np.fromiter((w for _, _, w in g.edges(data="weight")), dtype=np.float64,
                            count=g.number_of_edges())
            a, b = _ends(g)
            return n, a, b, w
        a, b = _ends(g)
        if not g.is_directed():
            # An undirected edge is listed from the end that comes first in node order.
            rank = np.empty(n, dtype=np.int64)
            rank[np.fromiter(g, dtype=np.int64, count=n)] = np.arange(n)
            swap = rank[a] > rank[b]
            a, b = np.where(swap, b, a), np.where(swap, a, b)
        del g
    if params.name != "file" and params.directed:
        a, b = np.concatenate([a, b]), np.concatenate([b, a])
    return n, a, b, None


def _receivers(n: int, a: np.ndarray, b: np.ndarray, weights: np.ndarray | None,
               params: NetworkParams, rng: np.random.Generator) -> sp.csr_array:
    """Tie strengths drawn as ``_set_ties`` draws them; row i lists whose posts i sees."""
    order = np.lexsort((b, a))  # sorted(g.edges): the order the strengths are drawn in
    a, b = a[order], b[order]
    if weights is not None:
        w = weights[order]
    elif params.ties == "constant":
        w = np.full(a.size, params.tie_strength)
    elif params.ties == "random":
        w = rng.uniform(params.tie_floor, 1.0, size=a.size)
    else:
        ones = np.ones(2 * a.size, dtype=np.float32)
        adj = sp.csr_array((ones, (np.concatenate([a, b]), np.concatenate([b, a]))),
                           shape=(n, n))
        adj.sum_duplicates()
        adj.data[:] = 1.0  # a directed file may hold both arcs of a friendship
        w = fastgraph.embeddedness(adj, a, b, params.tie_floor)
    if not params.directed:
        a, b, w = np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([w, w])
    # Arc a -> b: b sees a's posts, entry (b, a).
    return sp.csr_array((w, (b, a)), shape=(n, n))


def networkx_graph(params: NetworkParams, seed: int) -> nx.Graph:
    """The run's network as a networkx graph with ``weight`` strengths.

    The same graph ``build_network`` returns, built the networkx way; the agent engine,
    the classroom and graph-measure targeting ask for it (``SocialGraph.nx_graph``).

    Args:
        params: Which network.
        seed: The run seed; its graph and ties streams seed the builder.
    """
    streams = split_seed(seed)
    g = _generate(params, stream_int(streams["graph"]))
    if params.name != "file" and params.directed:
        g = g.to_directed()
    g = nx.convert_node_labels_to_integers(g, ordering="sorted")
    _set_ties(g, params, np.random.default_rng(streams["ties"]))
    return g


def build_network(params: NetworkParams, seed: int) -> SocialGraph:
    """Build the network a run of ``seed`` uses (the same seed gives the same graph).

    Args:
        params: Which network.
        seed: The run seed; its graph and ties streams seed the builder.

    Returns:
        The ``SocialGraph``, built from the generator's edges without a networkx graph;
        its ``nx_graph`` is built by ``networkx_graph`` on first use. Above
        ``simulation.networks.fastgraph.FAST_MIN_N`` consumers, Barabasi-Albert and
        Erdos-Renyi networks come from the numpy builders, without one (``nx_graph`` is None).
    """
    if params.name in fastgraph.FAST_NETWORKS and params.n > fastgraph.FAST_MIN_N:
        return fastgraph.build_fast_network(params, seed)
    streams = split_seed(seed)
    n, a, b, weights = _arcs(params, stream_int(streams["graph"]))
    receivers = _receivers(n, a, b, weights, params, np.random.default_rng(streams["ties"]))
    # Undirected: each tie's two arcs carry one strength (``_receivers``), so the matrix
    # is its own transpose.
    return SocialGraph(receivers=receivers, directed=params.directed,
                       nx_source=partial(networkx_graph, params, seed),
                       symmetric=not params.directed)
