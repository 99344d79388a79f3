"""The numpy network builders: networkx's model semantics, seeded, no networkx object."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from models.graph import SocialGraph
from models.params import ParameterError
from models.targeting import ranking
from simulation.networks import fastgraph
from simulation.networks.fastgraph import (
    barabasi_albert_edges,
    build_fast_network,
    erdos_renyi_edges,
    social_graph_from_edges,
)
from simulation.networks.generators import NetworkParams, _set_ties, build_network


def _degrees(u, v, n):
    return np.bincount(np.concatenate([u, v]), minlength=n)


@pytest.mark.parametrize(("n", "m"), [(2, 1), (10, 3), (500, 5)])
def test_ba_is_simple_with_m_ties_per_newcomer(n, m):
    u, v = barabasi_albert_edges(n, m, np.random.default_rng(1))
    assert u.size == m * (n - m)
    assert (u != v).all()
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    assert np.unique(lo * n + hi).size == u.size  # no repeated tie
    # Newcomer v ties to m distinct earlier nodes; the star's centre is 0.
    assert (v[m:] < u[m:]).all()
    assert (np.bincount(u[m:], minlength=n)[m + 1:] == m).all()
    assert _degrees(u, v, n).min() >= 1


def test_ba_degree_distribution_matches_networkx():
    """Pooled degrees of 30 graphs each; tolerances are ~4x the seed-to-seed spread."""
    n, m, reps = 2000, 3, 30
    fast = np.concatenate([_degrees(*barabasi_albert_edges(n, m, np.random.default_rng(s)), n)
                           for s in range(reps)])
    ref = np.concatenate([
        np.array([d for _, d in nx.barabasi_albert_graph(n, m, seed=1000 + s).degree()])
        for s in range(reps)
    ])
    assert fast.mean() == pytest.approx(ref.mean(), abs=1e-12)  # 2m(n-m)/n exactly
    assert stats.ks_2samp(fast, ref).statistic < 0.02
    for k in (3, 5, 10, 20, 50):  # the power-law tail
        assert (fast >= k).mean() == pytest.approx((ref >= k).mean(), rel=0.15, abs=2e-4)
    fast_max = fast.reshape(reps, n).max(axis=1).mean()
    ref_max = ref.reshape(reps, n).max(axis=1).mean()
    assert fast_max == pytest.approx(ref_max, rel=0.2)


def test_er_matches_gnp():
    n, p = 3000, 6.0 / 2999
    u, v = erdos_renyi_edges(n, p, np.random.default_rng(5))
    assert (u > v).all() and (v >= 0).all() and (u < n).all()
    assert np.unique(u * n + v).size == u.size
    pairs = n * (n - 1) / 2
    sd = np.sqrt(pairs * p * (1 - p))
    assert abs(u.size - pairs * p) < 5 * sd
    deg = _degrees(u, v, n)
    # Degrees are Binomial(n-1, p): compare with Poisson(6) by KS (tolerance ~3x spread).
    ref = np.random.default_rng(9).poisson(6.0, size=n)
    assert stats.ks_2samp(deg, ref).statistic < 0.06


def test_er_edge_cases():
    rng = np.random.default_rng(0)
    assert erdos_renyi_edges(1, 0.5, rng)[0].size == 0
    u, v = erdos_renyi_edges(5, 1.0, rng)
    assert sorted(zip(u.tolist(), v.tolist(), strict=True)) == [
        (a, b) for a in range(5) for b in range(a)
    ]


@pytest.mark.parametrize("name", ["barabasi_albert", "erdos_renyi"])
def test_same_seed_same_graph_different_seed_different_graph(name):
    params = NetworkParams(name=name, n=3000, m=3, ties="random")
    a, b, c = (build_fast_network(params, s) for s in (4, 4, 5))
    assert a.nx_graph is None
    for attr in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(a.receivers, attr), getattr(b.receivers, attr))
    assert a.receivers.nnz != c.receivers.nnz or (a.receivers != c.receivers).nnz > 0


def test_undirected_receivers_are_symmetric_and_directed_ties_differ():
    und = build_fast_network(NetworkParams(n=500, m=2, ties="random"), 1)
    r = und.receivers
    assert (abs(r - r.T) > 0).nnz == 0
    assert not und.directed
    d = build_fast_network(NetworkParams(n=500, m=2, ties="random", directed=True), 1)
    assert d.directed
    assert d.receivers.nnz == r.nnz
    assert (abs(d.receivers - d.receivers.T) > 0).nnz > 0  # each direction its own strength
    assert d.receivers.data.min() >= 0.1 and d.receivers.data.max() <= 1.0


def test_embeddedness_equals_the_networkx_formula():
    n = 400
    u, v = barabasi_albert_edges(n, 3, np.random.default_rng(2))
    fast = social_graph_from_edges(n, u, v, directed=False, ties="embeddedness",
                                   tie_strength=1.0, tie_floor=0.05,
                                   rng=np.random.default_rng(0))
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    _set_ties(g, NetworkParams(n=n, ties="embeddedness", tie_floor=0.05),
              np.random.default_rng(0))
    ref = SocialGraph.from_networkx(g)
    np.testing.assert_array_equal(fast.receivers.indptr, ref.receivers.indptr)
    np.testing.assert_array_equal(fast.receivers.indices, ref.receivers.indices)
    np.testing.assert_allclose(fast.receivers.data, ref.receivers.data, rtol=1e-15)
    assert fast.receivers.data.max() > 0.05


def test_build_network_dispatches_above_threshold(monkeypatch):
    params = NetworkParams(n=1500, m=3)
    assert build_network(params, 0).nx_graph is not None
    monkeypatch.setattr(fastgraph, "FAST_MIN_N", 1000)
    fast = build_network(params, 0)
    assert fast.nx_graph is None and fast.n == 1500
    # Networks without a fast builder still go through networkx.
    assert build_network(NetworkParams(name="watts_strogatz", n=1500), 0).nx_graph is not None


def test_targeting_on_a_fast_graph():
    g = build_fast_network(NetworkParams(n=1000, m=3), 0)
    rng = np.random.default_rng(0)
    top = next(ranking(g, "degree", rng))
    assert g.audience[top] == g.audience.max()
    assert 0 <= next(ranking(g, "friend_of_random", rng)) < g.n
    with pytest.raises(ParameterError, match="pagerank"):
        ranking(g, "pagerank", rng)


def test_bad_m_is_a_parameter_error():
    with pytest.raises(ParameterError, match=r"network\.m"):
        barabasi_albert_edges(5, 5, np.random.default_rng(0))
