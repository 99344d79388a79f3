"""Same seed -> identical graph and identical files; a different seed -> different ones."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from simulation.networks.generators import NETWORKS, NetworkParams, build_network
from simulation.running.outputs import write_run
from simulation.running.runner import RunParams, run


@pytest.mark.parametrize("name", [n for n in NETWORKS if n not in ("file", "complete", "karate")])
@pytest.mark.parametrize("ties", ["constant", "random", "embeddedness"])
def test_same_seed_same_graph(name, ties):
    params = NetworkParams(name=name, n=300, ties=ties)
    a, b = build_network(params, 4), build_network(params, 4)
    assert nx.utils.graphs_equal(a.nx_graph, b.nx_graph)
    assert (a.receivers != b.receivers).nnz == 0
    c = build_network(params, 5)
    assert not nx.utils.graphs_equal(a.nx_graph, c.nx_graph)


@pytest.mark.parametrize("engine", ["agent", "vectorized"])
def test_same_seed_identical_files_different_seed_different(tmp_path, engine):
    params = RunParams(network=NetworkParams(n=300), steps=60, engine=engine, seed=3)
    write_run(run(params), tmp_path / "a")
    write_run(run(params), tmp_path / "b")
    other = RunParams(network=NetworkParams(n=300), steps=60, engine=engine, seed=4)
    write_run(run(other), tmp_path / "c")
    a = (tmp_path / "a" / "timeseries.csv").read_bytes()
    assert a == (tmp_path / "b" / "timeseries.csv").read_bytes()
    assert a != (tmp_path / "c" / "timeseries.csv").read_bytes()


def test_both_engines_same_trajectory_default_model():
    a = run(RunParams(network=NetworkParams(n=400), steps=80, engine="agent", seed=9))
    v = run(RunParams(network=NetworkParams(n=400), steps=80, engine="vectorized", seed=9))
    assert a.timeseries.equals(v.timeseries)
    assert np.array_equal(a.final["channel"], v.final["channel"])
