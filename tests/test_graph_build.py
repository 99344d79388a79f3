"""Graphs built from edge arrays are exactly the graphs the networkx path built before."""

from __future__ import annotations

import pickle

import networkx as nx
import numpy as np
import pytest

from models.draws import split_seed, stream_int
from models.graph import SocialGraph
from simulation.networks.generators import (
    NetworkParams,
    _generate,
    _set_ties,
    barabasi_albert_pairs,
    build_network,
)

SEEDS = (0, 1, 7, 12345)
KINDS = ("barabasi_albert", "watts_strogatz", "erdos_renyi", "stochastic_block",
         "powerlaw_cluster", "complete", "karate")


def _old_build(params: NetworkParams, seed: int) -> SocialGraph:
    """The build path before the array builder: generator, relabel copy, ties, conversion."""
    streams = split_seed(seed)
    g = _generate(params, stream_int(streams["graph"]))
    if params.name != "file" and params.directed:
        g = g.to_directed()
    g = nx.convert_node_labels_to_integers(g, ordering="sorted")
    _set_ties(g, params, np.random.default_rng(streams["ties"]))
    return SocialGraph.from_networkx(g)


def _assert_same(new: SocialGraph, old: SocialGraph) -> None:
    assert new.receivers.shape == old.receivers.shape
    assert new.directed == old.directed
    for attr in ("indptr", "indices", "data"):  # bit for bit, strengths included
        np.testing.assert_array_equal(getattr(new.receivers, attr),
                                      getattr(old.receivers, attr), err_msg=attr)


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("ties", ["constant", "random", "embeddedness"])
@pytest.mark.parametrize("name", KINDS)
def test_same_graph_as_the_networkx_path(name, ties, directed):
    n = 60 if name == "complete" else 400
    params = NetworkParams(name=name, n=n, ties=ties, directed=directed, tie_strength=0.7,
                           p_in=0.04, p_out=0.004)
    for seed in SEEDS:
        new = build_network(params, seed)
        _assert_same(new, _old_build(params, seed))
    assert new.receivers.nnz > 0


def test_default_network_at_scale_is_the_same():
    params = NetworkParams(n=20_000, m=5, ties="random")
    _assert_same(build_network(params, 3), _old_build(params, 3))


@pytest.mark.parametrize(("n", "m"), [(2, 1), (3, 2), (50, 1), (500, 4), (2000, 7)])
def test_barabasi_albert_pairs_are_networkx_ties(n, m):
    for seed in SEEDS:
        lower, higher = barabasi_albert_pairs(n, m, seed)
        got = sorted(zip(lower.tolist(), higher.tolist(), strict=True))
        want = sorted((min(e), max(e)) for e in nx.barabasi_albert_graph(n, m, seed=seed).edges)
        assert got == want


def _files(tmp_path):
    plain = tmp_path / "plain.edges"
    plain.write_text("# a friendship list with a gap in the labels and an isolated pair\n"
                     "b a\nc a\nc b\nd c\ne d\nz y\na b\nq q\n")
    weighted = tmp_path / "weighted.edges"
    weighted.write_text("1 2 0.5\n2 1 0.25\n2 3 1.0\n3 1 0.75\n10 3 0.125\n")
    graphml = tmp_path / "g.graphml"
    nx.write_graphml(nx.les_miserables_graph(), graphml)
    return [
        NetworkParams(name="file", path=str(plain)),
        NetworkParams(name="file", path=str(plain), ties="embeddedness"),
        NetworkParams(name="file", path=str(plain), ties="random", directed=True),
        NetworkParams(name="file", path=str(weighted), ties="file"),
        NetworkParams(name="file", path=str(weighted), ties="file", directed=True),
        NetworkParams(name="file", path=str(plain), ties="embeddedness", directed=True),
        NetworkParams(name="file", path=str(graphml), ties="embeddedness", directed=True),
        NetworkParams(name="file", path=str(graphml), ties="random"),
    ]


def test_files_give_the_same_graph(tmp_path):
    for params in _files(tmp_path):
        for seed in SEEDS[:2]:
            _assert_same(build_network(params, seed), _old_build(params, seed))


def test_the_networkx_graph_is_built_only_when_asked_and_never_pickled():
    params = NetworkParams(n=2000, m=3, ties="random")
    graph = build_network(params, 5)
    assert "nx_graph" not in graph.__dict__  # nothing built yet
    old = _old_build(params, 5).nx_graph
    assert nx.utils.graphs_equal(graph.nx_graph, old)
    assert list(graph.nx_graph.edges(data="weight")) == list(old.edges(data="weight"))
    blob = pickle.dumps(graph)  # what the sweep's graph cache stores
    assert len(blob) < 1.2 * (graph.receivers.data.nbytes + graph.receivers.indices.nbytes
                              + graph.receivers.indptr.nbytes) + 2000
    again = pickle.loads(blob)
    _assert_same(again, graph)
    assert nx.utils.graphs_equal(again.nx_graph, old)


def _assert_own_transpose(graph: SocialGraph) -> None:
    r = graph.receivers
    t = r.T.tocsr()
    t.sort_indices()
    for attr in ("indptr", "indices", "data"):  # bit for bit: the engine shares the layout
        np.testing.assert_array_equal(getattr(r, attr), getattr(t, attr), err_msg=attr)


@pytest.mark.parametrize("ties", ["constant", "random", "embeddedness"])
@pytest.mark.parametrize("name", KINDS)
def test_a_graph_flagged_symmetric_is_its_own_transpose(name, ties):
    """``symmetric`` lets the array engine skip a transpose; it must never be wrong."""
    for directed in (False, True):
        params = NetworkParams(name=name, n=60 if name == "complete" else 400, ties=ties,
                               directed=directed, p_in=0.04, p_out=0.004)
        graph = build_network(params, 1)
        assert graph.symmetric == (not directed)
        if graph.symmetric:
            _assert_own_transpose(graph)


def test_symmetric_flag_of_files_and_the_fast_builder(tmp_path):
    for params in _files(tmp_path):
        graph = build_network(params, 0)
        assert graph.symmetric == (not params.directed)
        if graph.symmetric:
            _assert_own_transpose(graph)
    from simulation.networks import fastgraph

    for name in fastgraph.FAST_NETWORKS:
        for ties in ("constant", "random", "embeddedness"):
            for directed in (False, True):
                params = NetworkParams(name=name, n=3000, ties=ties, directed=directed,
                                       mean_degree=6)
                graph = fastgraph.build_fast_network(params, 2)
                assert graph.symmetric == (not directed)
                if graph.symmetric:
                    _assert_own_transpose(graph)
