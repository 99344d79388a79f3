"""A strategy declares its own levers, costs and checks: a new one is one class."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from models import strategies
from models.journey import JourneyState
from models.params import check_nonneg
from models.strategies import STRATEGY_NAMES, Strategy
from tests.conftest import Market, quiet


def test_every_strategy_config_names_a_registered_strategy():
    configs = Path(__file__).resolve().parents[1] / "configs" / "strategy"
    names = {p.stem for p in configs.glob("*.yaml")} - {"baseline"}
    assert names == set(strategies.STRATEGIES)
    for name, cls in strategies.STRATEGIES.items():
        assert cls.name == name and issubclass(cls, Strategy)
    assert ("baseline", *strategies.STRATEGIES) == STRATEGY_NAMES


def test_a_new_strategy_needs_only_its_class(engine, monkeypatch):
    monkeypatch.setattr(strategies, "STRATEGIES", dict(strategies.STRATEGIES))

    @dataclass(frozen=True)
    class Newsletter(Strategy, name="newsletter"):
        """A daily reminder: aware consumers do not forget, at a running cost."""

        cost_per_step: float = 2.0

        def __post_init__(self) -> None:
            check_nonneg("strategy.newsletter.cost_per_step", self.cost_per_step)

        def levers(self, campaign, step):
            return {"forget_multiplier": 0.0} if campaign.buy(self.cost_per_step) else {}

    assert strategies.STRATEGIES["newsletter"] is Newsletter
    c = quiet(discovery_prob=1.0, forget_prob=1.0)
    m = Market(engine, nx.path_graph(3), c, strategies=(Newsletter(),), budget=5.0)
    m.step(2)  # aware on day 1 (discovery); the newsletter keeps them aware on day 2
    assert (m.state == JourneyState.AWARE).all()
    m.step()  # the budget of 5 paid days 1 and 2 only: on day 3 they forget
    assert (m.state == JourneyState.UNAWARE).all()
    assert [r["spend"] for r in m.records] == [0.0, 2.0, 2.0, 0.0]
