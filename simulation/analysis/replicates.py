"""The replicate runner: one parameter set, several seeds, in-process.

Calibration and sensitivity call only ``run_replicates``, so a batched engine (all
replicates advanced at once) can replace its body without touching them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace

from models.graph import SocialGraph
from simulation.networks.generators import NetworkParams, build_network
from simulation.running.runner import RunParams, RunResult, run


class GraphCache:
    """Graphs by (network parameters, seed), built once and reused across trials.

    The graph is a pure function of the network parameters and the seed, so trials that
    share seeds (common random numbers) share graphs too.
    """

    def __init__(self, limit: int = 256) -> None:
        self._graphs: dict[tuple, SocialGraph] = {}
        self._limit = limit

    def get(self, network: NetworkParams, seed: int) -> SocialGraph:
        """The graph of ``network`` for ``seed``."""
        key = (tuple(sorted(asdict(network).items())), seed)
        graph = self._graphs.get(key)
        if graph is None:
            graph = build_network(network, seed)
            if len(self._graphs) >= self._limit:  # fresh-seed runs must not grow it forever
                self._graphs.pop(next(iter(self._graphs)))
            self._graphs[key] = graph
        return graph


def run_replicates(
    params: RunParams, seeds: Sequence[int], graphs: GraphCache | None = None
) -> list[RunResult]:
    """Run ``params`` once per seed (graph and every draw from that seed).

    Args:
        params: The run (its own seed is ignored).
        seeds: One seed per replicate; the same seeds across trials give common random
            numbers.
        graphs: A graph cache shared across calls.

    Returns:
        One result per seed, in order.
    """
    graphs = graphs if graphs is not None else GraphCache()
    return [run(replace(params, seed=s), graph=graphs.get(params.network, s)) for s in seeds]
