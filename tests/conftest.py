"""Shared helpers: build either engine on a tiny graph and read its state the same way."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from models.engines import ENGINE_CLASSES
from models.graph import SocialGraph
from models.params import ConsumerParams, ProductParams

ENGINE_NAMES = tuple(ENGINE_CLASSES)

#: Nothing happens unless a test switches it on.
QUIET = dict(
    discovery_prob=0.0, persuasion=0.0, share_prob=0.0, negative_share_prob=0.0,
    impulse_prob=0.0, interest_prob=0.0, forget_prob=0.0, abandon_prob=0.0,
    review_prob=0.0, repurchase_prob=0.0, dormancy_prob=0.0, rating_noise=0.0,
    buy_intercept=-50.0, rating_weight=0.0, review_volume_weight=0.0, friend_weight=0.0,
)


def quiet(**changes) -> ConsumerParams:
    """Consumer parameters with every probability 0 except ``changes``."""
    return ConsumerParams(**{**QUIET, **changes})


class Market:
    """One interface over both engines for tests."""

    def __init__(self, engine: str, graph: nx.Graph, consumer: ConsumerParams,
                 product: ProductParams | None = None, strategies=(), budget=None, seed=0,
                 segments=None):
        social = SocialGraph.from_networkx(graph)
        kw = dict(consumer=consumer, product=product or ProductParams(),
                  strategies=strategies, budget=budget, segments=segments)
        self.engine = engine
        self.impl = ENGINE_CLASSES[engine](social, **kw, rng=seed)

    def step(self, k: int = 1) -> None:
        for _ in range(k):
            self.impl.step()

    def attr(self, name: str) -> np.ndarray:
        if self.engine == "agent":  # also attributes beyond end_state (satisfied, reviewed)
            return np.array([getattr(a, name) for a in self.impl.consumers])
        return np.asarray(getattr(self.impl, name))

    @property
    def state(self) -> np.ndarray:
        return self.attr("state").astype(int)

    @property
    def records(self) -> list[dict]:
        return self.impl.records


@pytest.fixture(params=ENGINE_NAMES)
def engine(request) -> str:
    return request.param
