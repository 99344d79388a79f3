"""The runner: plain parameters -> one simulation -> a per-step table and a summary."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.engines import ENGINE_CLASSES, Engine
from models.graph import SocialGraph
from models.market import TIMESERIES_COLUMNS
from models.segments import segment_columns
from models.segments import summary_metrics as segment_summary
from models.strategies import Strategy
from simulation.networks.generators import build_network
from simulation.params import ENGINES, RunParams
from simulation.running.metrics import summarize

__all__ = ["ENGINES", "RunParams", "RunResult", "resolve_engine", "run", "start_engine"]

#: ``engine=auto`` uses the agent engine up to this many consumers, vectorized above.
AUTO_AGENT_MAX_N = 1000


def resolve_engine(engine: str, n: int) -> str:
    """The engine a run uses: ``auto`` picks by population size."""
    if engine != "auto":
        return engine
    return "agent" if n <= AUTO_AGENT_MAX_N else "vectorized"


def start_engine(params: RunParams, graph: SocialGraph,
                 strategies: tuple[Strategy, ...] | None = None) -> Engine:
    """The engine ``params`` asks for, at day 0 on ``graph``.

    Args:
        params: The run's parameters (engine, consumer, product, budget, seed).
        graph: The social graph.
        strategies: Strategies instead of ``params.strategies`` (``()`` for a baseline
            twin facing the same draws).
    """
    engine = ENGINE_CLASSES[resolve_engine(params.engine, graph.n)]
    return engine(graph, params.consumer, params.product,
                  params.strategies if strategies is None else strategies, params.budget,
                  segments=params.segments, rng=params.seed, content=params.content)


@dataclass
class RunResult:
    """What one run produces."""

    timeseries: pd.DataFrame
    summary: dict
    final: dict[str, np.ndarray]
    graph: SocialGraph
    #: The run's ``models.content.ContentBook`` (touch paths when ``content.track``).
    content: object = None
    #: Per-step, per-segment counts (``models.segments.segment_columns``); None unsegmented.
    segments: pd.DataFrame | None = None


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

    Example:
        >>> from simulation.networks.generators import NetworkParams
        >>> from models.strategies import InfluencerSeeding
        >>> result = run(RunParams(network=NetworkParams(n=500), steps=60,
        ...                        strategies=(InfluencerSeeding(k=5),), seed=1))
        >>> len(result.timeseries), result.summary["engine"], result.summary["n"]
        (61, 'agent', 500)
    """
    start = time.perf_counter()
    graph = graph if graph is not None else build_network(params.network, params.seed)
    engine = resolve_engine(params.engine, graph.n)
    model = start_engine(params, graph)
    for t in range(params.steps):
        model.step()
        if progress:
            progress(t + 1, params.steps)
    table = pd.DataFrame.from_records(model.records, columns=list(TIMESERIES_COLUMNS))
    final = model.end_state()
    table = table.astype({c: "int64" for c in TIMESERIES_COLUMNS
                          if c not in ("avg_rating", "spend", "revenue")})
    summary = {
        "seed": params.seed,
        "n": graph.n,
        "steps": params.steps,
        "engine": engine,
        **summarize(table, final, params.product),
    }
    seg_table = None
    ledger = getattr(model, "segment_ledger", None)
    if ledger is not None:
        seg_table = pd.DataFrame.from_records(ledger.rows, columns=list(segment_columns()))
        summary.update(segment_summary(ledger.names, ledger.of, final))
    summary["wall_seconds"] = round(time.perf_counter() - start, 3)
    return RunResult(table, summary, final, graph, model.content, seg_table)
