"""The runner: plain parameters -> one simulation -> a per-step table and a summary."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.graph import SocialGraph
from models.market import TIMESERIES_COLUMNS
from models.model import MarketModel
from models.vectorized import VectorMarket
from simulation.metrics import summarize
from simulation.networks import build_network
from simulation.params import ENGINES, RunParams

__all__ = ["ENGINES", "RunParams", "RunResult", "resolve_engine", "run"]

#: ``engine=auto`` uses the agent engine up to this many consumers, vectorized above.
AUTO_AGENT_MAX_N = 1000


def resolve_engine(engine: str, n: int) -> str:
    """The engine a run uses: ``auto`` picks by population size."""
    if engine != "auto":
        return engine
    return "agent" if n <= AUTO_AGENT_MAX_N else "vectorized"


@dataclass
class RunResult:
    """What one run produces."""

    timeseries: pd.DataFrame
    summary: dict
    final: dict[str, np.ndarray]
    graph: SocialGraph


def run(
    params: RunParams,
    graph: SocialGraph | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run one simulation.

    Args:
        params: The run's parameters.
        graph: A prebuilt graph (otherwise built from ``params.network`` and the seed).
        progress: Called as ``progress(step, steps)`` after every step.

    Returns:
        The per-step table, the summary metrics (with seed, n, steps, engine and
        wall_seconds), the end-state arrays and the graph.
    """
    start = time.perf_counter()
    graph = graph if graph is not None else build_network(params.network, params.seed)
    engine = resolve_engine(params.engine, graph.n)
    kwargs = dict(consumer=params.consumer, product=params.product,
                  strategies=params.strategies, budget=params.budget)
    if engine == "agent":
        model = MarketModel(graph, rng=params.seed, **kwargs)
        for t in range(params.steps):
            model.step()
            if progress:
                progress(t + 1, params.steps)
        table = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        final = model.final_arrays()
    else:
        market = VectorMarket(graph, seed=params.seed, **kwargs)
        for t in range(params.steps):
            market.step()
            if progress:
                progress(t + 1, params.steps)
        table = pd.DataFrame.from_records(market.records, columns=list(TIMESERIES_COLUMNS))
        final = {k: getattr(market, k) for k in
                 ("state", "channel", "adopted", "is_seed", "ever_aware", "ever_researched")}
    table = table.astype({c: "int64" for c in TIMESERIES_COLUMNS
                          if c not in ("avg_rating", "spend", "revenue")})
    summary = {
        "seed": params.seed,
        "n": graph.n,
        "steps": params.steps,
        "engine": engine,
        **summarize(table, final, params.product),
        "wall_seconds": round(time.perf_counter() - start, 3),
    }
    return RunResult(table, summary, final, graph)
