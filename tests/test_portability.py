"""What the README promises across Mesa 3.3/3.5 and interpreters: the seam, and same numbers.

Same interpreter and packages: both engines give the same bits (checked here on the cases of
tests/fingerprints.py). Another interpreter of the support matrix: set PEERBUY_OTHER_PYTHON
to its venv's python (.ci/run does) and the same cases must give the same bits there too.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from fingerprints import all_fingerprints, environment

from models.mesa_compat import MESA_VERSION, topological_network
from models.model import MarketModel

OTHER_PYTHON = os.environ.get("PEERBUY_OTHER_PYTHON")
SCRIPT = Path(__file__).with_name("fingerprints.py")


@pytest.fixture(scope="module")
def agent_prints():
    return all_fingerprints("agent")


def test_supported_mesa_for_this_python():
    # The environment markers of pyproject.toml: Mesa 3.3.x on 3.11, 3.5.x on 3.12+.
    expected = "3.3." if sys.version_info < (3, 12) else "3.5."
    assert MESA_VERSION.startswith(expected), (sys.version, MESA_VERSION)


def test_network_space_is_topological_and_indexed_by_node():
    g = nx.path_graph(5)
    space = topological_network(g, random.Random(0))
    assert [space[i].coordinate for i in range(5)] == list(range(5))
    assert {c.coordinate for c in space[2].neighborhood} == {1, 3}
    # Mesa 3.5 would place every node with a spring layout unless told not to; a
    # topological network has no positions to search (3.3 has no such method at all).
    find = getattr(space, "find_nearest_cell", None)
    if find is not None:
        with pytest.raises(ValueError, match="No nodes with positions"):
            find(np.zeros(2))


def test_agents_sit_on_their_own_node():
    model = MarketModel(nx.barabasi_albert_graph(40, 2, seed=1), rng=1)
    for a in model.consumers:
        assert a.cell.coordinate == a.index
        assert list(a.cell.agents) == [a]


def test_engines_bit_identical_on_every_case(agent_prints):
    assert all_fingerprints("vectorized") == agent_prints


def test_same_bits_on_the_other_interpreter(agent_prints):
    if not OTHER_PYTHON:
        pytest.skip("PEERBUY_OTHER_PYTHON not set (.ci/run sets it for its second venv)")
    out = subprocess.run([OTHER_PYTHON, str(SCRIPT), "agent"], capture_output=True, text=True,
                         timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    other = json.loads(out.stdout)
    mine = environment()
    assert other["environment"]["python"] != mine["python"], "the same interpreter twice"
    differ = {(case, part) for case, parts in agent_prints.items() for part, digest in
              parts.items() if other["fingerprints"][case][part] != digest}
    assert not differ, (f"{sorted(differ)} differ between {mine} and {other['environment']} "
                        "(graph: networkx drew another graph; timeseries/final: the run)")
