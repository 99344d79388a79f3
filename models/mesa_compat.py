"""The one place that knows which Mesa is installed: 3.3.x on Python 3.11, 3.5.x on 3.12+.

Code elsewhere calls these helpers and never checks Mesa's version itself.
"""

from __future__ import annotations

import inspect
import random
from importlib.metadata import version

import networkx as nx
from mesa.discrete_space import Network

# Seeding needs no helper: ``mesa.Model(rng=seed)`` means the same on both lines (Mesa 3.5
# deprecates ``seed=`` with a FutureWarning, an error under this project's pytest settings),
# and with an int both seed ``model.random`` as ``random.Random(seed)``.

#: The installed Mesa release (e.g. "3.3.1" or "3.5.1"), for reports and test ids.
MESA_VERSION: str = version("mesa")

# Mesa 3.5 gave Network a ``layout`` argument whose default computes a spring layout at
# construction (about a minute at 5,000 nodes); Mesa 3.3 has no positions at all. The
# engines need only the topology, so ask for none where the argument exists. Detecting the
# argument (not the version number) keeps working if a later release moves it again.
_NETWORK_TAKES_LAYOUT = "layout" in inspect.signature(Network.__init__).parameters


def topological_network(graph: nx.Graph, rng: random.Random) -> Network:
    """A Mesa ``Network`` space on ``graph`` with one agent per cell and no node positions.

    Args:
        graph: The networkx graph (nodes are the cells' coordinates).
        rng: The model's ``random.Random`` (``model.random``), which Mesa's space and
            cell collections draw from.

    Returns:
        The space; ``space[node]`` is the cell of ``node`` on every supported Mesa.
    """
    layout = {"layout": None} if _NETWORK_TAKES_LAYOUT else {}
    return Network(graph, capacity=1, random=rng, **layout)
