"""Network builders by name, every one seeded from the run's graph stream.

Nodes are relabelled 0..n-1; each edge gets a tie strength in (0, 1] as ``weight``.
Directed graphs: an edge u -> v means v follows u (u's posts reach v).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from models.draws import split_seed, stream_int
from models.graph import SocialGraph
from models.params import (
    ParameterError,
    check,
    check_choice,
    check_count,
    check_nonneg,
    check_number,
    check_prob,
)
from simulation import fastgraph

NETWORKS = (
    "barabasi_albert",
    "watts_strogatz",
    "erdos_renyi",
    "stochastic_block",
    "powerlaw_cluster",
    "complete",
    "karate",
    "file",
)
TIES = ("constant", "random", "embeddedness")
#: Defaults that depend on the builder (a field left at None takes these, else ``SHARED_DEFAULTS``);
#: configs/network/*.yaml and the README table state the same values (tests/test_defaults.py).
BUILDER_DEFAULTS: dict[str, dict[str, float]] = {
    "complete": {"n": 500},
    "powerlaw_cluster": {"p": 0.3},
}
SHARED_DEFAULTS = {"n": 2000, "p": 0.1}
FILE_FORMATS = {".graphml": "graphml", ".gexf": "gexf"}  # anything else: edge list


@dataclass(frozen=True)
class NetworkParams:
    """Which social network to build and how strong its ties are.

    Attributes:
        name: Builder: barabasi_albert, watts_strogatz, erdos_renyi, stochastic_block,
            powerlaw_cluster, complete, karate (Zachary's club, 34 people) or file.
        n: Number of consumers (ignored by karate and file); default 2000, complete 500.
        m: Ties each newcomer makes (barabasi_albert, powerlaw_cluster).
        k: Ring neighbours of each consumer (watts_strogatz; even).
        p: Rewiring probability (watts_strogatz, default 0.1) or triangle probability
            (powerlaw_cluster, default 0.3).
        mean_degree: Expected friends per consumer (erdos_renyi).
        blocks: Number of equal communities (stochastic_block).
        p_in: Tie probability within a community (stochastic_block).
        p_out: Tie probability between communities (stochastic_block).
        path: Edge list (``u v`` per line; ``#`` comments), GraphML or GEXF file (file).
        directed: Treat ties as one-way follower relations: u -> v means v sees u's posts.
        ties: Tie strength: constant, random (uniform in [tie_floor, 1]) or embeddedness
            (share of common friends, at least tie_floor).
        tie_strength: The strength of every tie when ``ties`` is constant, in (0, 1].
        tie_floor: Smallest strength of random or embeddedness ties, in (0, 1].
    """

    name: str = "barabasi_albert"
    n: int | None = None
    m: int = 3
    k: int = 6
    p: float | None = None
    mean_degree: float = 6.0
    blocks: int = 4
    p_in: float = 0.01
    p_out: float = 0.0005
    path: str | None = None
    directed: bool = False
    ties: str = "constant"
    tie_strength: float = 1.0
    tie_floor: float = 0.1

    def __post_init__(self) -> None:
        """Fill builder-dependent defaults, then check every field before anything is built."""
        check_choice("network.name", self.name, NETWORKS)
        for key, value in {**SHARED_DEFAULTS, **BUILDER_DEFAULTS.get(self.name, {})}.items():
            if getattr(self, key) is None:
                object.__setattr__(self, key, value)
        check_count("network.n", self.n, 1)
        check_count("network.m", self.m, 1)
        check_count("network.k", self.k, 0)
        check_prob("network.p", self.p)
        check_nonneg("network.mean_degree", self.mean_degree)
        check_count("network.blocks", self.blocks, 1)
        check_prob("network.p_in", self.p_in)
        check_prob("network.p_out", self.p_out)
        check("network.directed", self.directed, "true or false", isinstance(self.directed, bool))
        check_choice("network.ties", self.ties, TIES)
        check_number("network.tie_strength", self.tie_strength, 1e-9, 1.0)
        check_number("network.tie_floor", self.tie_floor, 1e-9, 1.0)
        if self.name in ("barabasi_albert", "powerlaw_cluster") and self.m >= self.n:
            raise ParameterError(
                f"network.m = {self.m}: must be smaller than network.n ({self.n})"
            )
        if self.name == "watts_strogatz" and self.k >= self.n:
            raise ParameterError(f"network.k = {self.k}: must be smaller than network.n ({self.n})")
        if self.name == "file":
            check("network.path", self.path, "a path to an edge list, GraphML or GEXF file",
                  isinstance(self.path, str) and bool(self.path))
            check("network.path", self.path, "an existing file", Path(self.path).is_file())


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
            return read_graph_file(params.path, params.directed)
    raise AssertionError(params.name)  # unreachable: checked in NetworkParams


def _node_key(label: object) -> tuple[int, object]:
    try:
        return (0, int(label))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return (1, str(label))


def read_graph_file(path: str | Path, directed: bool = False) -> nx.Graph:
    """Read an edge list, GraphML or GEXF file; relabel nodes 0..n-1 in label order.

    Raises:
        ParameterError: If the file is missing or cannot be parsed.
    """
    path = Path(path)
    check("network.path", str(path), "an existing file", path.is_file())
    kind = FILE_FORMATS.get(path.suffix.lower(), "edge list")
    try:
        if kind == "graphml":
            g = nx.read_graphml(path)
        elif kind == "gexf":
            g = nx.read_gexf(path)
        else:
            g = nx.read_edgelist(path, comments="#", data=False,
                                 create_using=nx.DiGraph if directed else nx.Graph)
    except Exception as exc:  # networkx raises many kinds for a malformed file
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParameterError(
            f"network.path = {str(path)!r}: could not be parsed as {kind} ({detail})"
        ) from None
    if g.number_of_nodes() == 0:
        raise ParameterError(f"network.path = {str(path)!r}: has no nodes")
    g = nx.DiGraph(g) if directed else nx.Graph(g)  # also drops multi-edges
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    order = sorted(g.nodes, key=_node_key)
    h = g.__class__()
    h.add_nodes_from(range(len(order)))
    index = {label: i for i, label in enumerate(order)}
    h.add_edges_from((index[u], index[v]) for u, v in g.edges)
    return h


def _set_ties(g: nx.Graph, params: NetworkParams, rng: np.random.Generator) -> None:
    edges = sorted(g.edges)  # a fixed order, so the same seed gives the same strengths
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


def build_network(params: NetworkParams, seed: int) -> SocialGraph:
    """Build the network a run of ``seed`` uses (the same seed gives the same graph).

    Args:
        params: Which network.
        seed: The run seed; its graph and ties streams seed the builder.

    Returns:
        The ``SocialGraph`` with the networkx graph attached; above
        ``simulation.fastgraph.FAST_MIN_N`` consumers, Barabasi-Albert and Erdos-Renyi
        networks come from the numpy builders without one (``nx_graph`` is None).
    """
    if params.name in fastgraph.FAST_NETWORKS and params.n > fastgraph.FAST_MIN_N:
        return fastgraph.build_fast_network(params, seed)
    streams = split_seed(seed)
    g = _generate(params, stream_int(streams["graph"]))
    if params.name != "file" and params.directed:
        g = g.to_directed()
    g = nx.convert_node_labels_to_integers(g, ordering="sorted")
    _set_ties(g, params, np.random.default_rng(streams["ties"]))
    return SocialGraph.from_networkx(g)
