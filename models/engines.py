"""The one interface both engines offer, and the engines by name."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from models.model import MarketModel
from models.vectorized import VectorMarket


class Engine(Protocol):
    """What the runner, the animation, the classroom and the benchmark use of an engine.

    Both engines are built the same way, ``Engine(graph, consumer, product, strategies,
    budget, *, rng=seed)``, and give the same trajectory to the bit for the same seed.

    Attributes:
        steps: Days simulated so far.
        records: One row per day (``market.TIMESERIES_COLUMNS``), day 0 first.
        record: The latest row.
    """

    steps: int
    records: list[dict[str, float]]

    @property
    def record(self) -> dict[str, float]:
        """The latest row of ``records``."""
        ...

    def step(self) -> None:
        """Simulate one day."""
        ...

    def end_state(self) -> dict[str, np.ndarray]:
        """Per-consumer arrays named as in ``journey.END_STATE`` (state now, at the end)."""
        ...


#: The engines by the name a run's ``engine`` key uses.
ENGINE_CLASSES: dict[str, type[Engine]] = {"agent": MarketModel, "vectorized": VectorMarket}
