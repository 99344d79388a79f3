"""The runner: plain parameters -> one simulation -> a per-step table and a summary."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.graph import SocialGraph
from models.market import TIMESERIES_COLUMNS
from models.model import MarketModel
from models.params import ConsumerParams, ProductParams, check, check_choice, check_count
from models.strategies import Strategy
from models.vectorized import VectorMarket
from simulation.metrics import summarize
from simulation.networks import NetworkParams, build_network

ENGINES = ("agent", "vectorized", "auto")
#: ``engine=auto`` uses the agent engine up to this many consumers, vectorized above.
AUTO_AGENT_MAX_N = 1000


@dataclass(frozen=True)
class RunParams:
    """Everything one run needs, as plain validated values.

    Attributes:
        network: The social network.
        consumer: Consumer behaviour.
        product: The product.
        strategies: Strategies in spending order (empty = baseline).
        budget: Total spend cap (currency) or None for no cap.
        seed: The run seed; same parameters and seed give the same outputs.
        steps: Number of steps (days) to simulate.
        engine: agent (Mesa), vectorized (numpy/scipy) or auto.
    """

    network: NetworkParams = field(default_factory=NetworkParams)
    consumer: ConsumerParams = field(default_factory=ConsumerParams)
    product: ProductParams = field(default_factory=ProductParams)
    strategies: tuple[Strategy, ...] = ()
    budget: float | None = None
    seed: int = 0
    steps: int = 120
    engine: str = "auto"

    def __post_init__(self) -> None:
        """Check the run-level keys (the parts check themselves)."""
        check_count("seed", self.seed)
        check_count("steps", self.steps)
        check_choice("engine", self.engine, ENGINES)
        check("budget", self.budget, "null or a number >= 0",
              self.budget is None or (isinstance(self.budget, int | float)
                                      and not isinstance(self.budget, bool)
                                      and self.budget >= 0))


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
