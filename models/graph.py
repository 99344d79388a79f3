"""The social graph as both engines see it: who hears whom, and how strongly.

Shares flow from the followed to the follower: an edge ``u -> v`` of a directed graph
means v sees u's posts; an undirected friendship works both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import scipy.sparse as sp

from models.params import ParameterError


@dataclass(frozen=True, eq=False)
class SocialGraph:
    """Consumers 0..n-1 and their ties, stored for fast exposure sums.

    Attributes:
        receivers: ``n x n`` CSR array; row i lists the consumers whose posts i sees
            (sorted), with the tie strength w in (0, 1] as the value.
        directed: Whether ties are one-way (follower relations).
        nx_source: Where ``nx_graph`` comes from: the networkx graph itself, a function
            that builds it when first asked (so a run that never needs one never pays
            for it, and a pickled graph stays small), or None when there is none.
        symmetric: ``receivers`` equals its transpose, values included (an undirected
            graph whose builder lists each tie's two arcs with one strength): the
            senders layout is then the receivers layout, and an engine need not
            transpose. False when not known.
    """

    receivers: sp.csr_array
    directed: bool
    nx_source: nx.Graph | Callable[[], nx.Graph] | None = field(default=None, repr=False)
    symmetric: bool = False

    def __post_init__(self) -> None:
        """Normalise the sparse layout: canonical CSR, sorted indices, 32-bit where they fit."""
        r = self.receivers
        if not isinstance(r, sp.csr_array):
            r = sp.csr_array(r)
        r.sum_duplicates()
        r.sort_indices()
        if r.nnz < 2**31 and r.shape[0] < 2**31:
            r.indices = r.indices.astype(np.int32, copy=False)
            r.indptr = r.indptr.astype(np.int32, copy=False)
        object.__setattr__(self, "receivers", r)

    def __getstate__(self) -> dict:
        """Pickle the arrays and the source, not a networkx graph built from the source."""
        state = dict(self.__dict__)
        if not isinstance(self.nx_source, nx.Graph):
            state.pop("nx_graph", None)
        return state

    @cached_property
    def nx_graph(self) -> nx.Graph | None:
        """The networkx graph (nodes 0..n-1, strengths as ``weight``), or None.

        The agent engine, the classroom and graph-measure targeting (pagerank,
        betweenness, kcore) need it; it is built on first use from ``nx_source``.
        """
        if self.nx_source is None or isinstance(self.nx_source, nx.Graph):
            return self.nx_source
        return self.nx_source()

    @property
    def n(self) -> int:
        """Number of consumers."""
        return self.receivers.shape[0]

    @cached_property
    def audience(self) -> np.ndarray:
        """Followers of each consumer (out-degree): how many see their posts."""
        return np.bincount(self.receivers.indices, minlength=self.n)

    @classmethod
    def from_networkx(cls, graph: nx.Graph, weight: str = "weight") -> SocialGraph:
        """Build from a networkx graph with nodes 0..n-1 and tie strength in ``weight``.

        Edges without the attribute have strength 1.

        Raises:
            ParameterError: If nodes are not 0..n-1 or a strength is outside (0, 1].
        """
        n = graph.number_of_nodes()
        if n == 0 or set(graph.nodes) != set(range(n)):
            raise ParameterError(
                f"network nodes = {n} nodes: must be labelled 0..n-1 with n >= 1"
            )
        a = nx.to_scipy_sparse_array(graph, nodelist=range(n), weight=weight, format="csr")
        if a.nnz and (a.data.min() <= 0 or a.data.max() > 1):
            raise ParameterError(
                f"network tie strength = {a.data.min():g}..{a.data.max():g}: must be in (0, 1]"
            )
        return cls(receivers=a.T.tocsr(), directed=graph.is_directed(), nx_source=graph,
                   symmetric=not graph.is_directed())
