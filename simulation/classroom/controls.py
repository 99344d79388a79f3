"""The page's controls: labels, units, ranges and which strategy or network each applies to.

Ranges and labels come from the parameter dataclasses through ``parameter_spec``, the one
place that reads them; the page adds only what a class needs (a cap on consumers, a step).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from models.params import ConsumerParams, ProductParams
from models.schema import specs
from models.strategies import STRATEGY_NAMES, Ads, InfluencerSeeding
from models.targeting import TARGETING
from simulation.classroom.model import CLASSROOM_NETWORKS, MAX_N, ClassroomModel
from simulation.networks.generators import NetworkParams


@dataclass(frozen=True)
class ParameterSpec:
    """What the page needs to know of one parameter key.

    Attributes:
        label: Human label, e.g. "Share probability".
        unit: Unit, e.g. "per day", "stars", "consumers" ("" if none).
        low: Smallest allowed value (None: unbounded).
        high: Largest allowed value (None: unbounded).
        default: The dataclass default.
    """

    label: str
    unit: str
    low: float | None
    high: float | None
    default: Any


def parameter_spec(owner: type, key: str) -> ParameterSpec:
    """Label, unit, range and default of ``owner.key``: the page's one adapter to the schema.

    Reads the parameter schema (``models.schema.specs``), where each key is declared once.
    """
    spec = specs(owner)[key]
    return ParameterSpec(spec.label, spec.unit, spec.low, spec.high, spec.default)


@dataclass(frozen=True)
class Slider:
    """A slider of the page.

    Attributes:
        key: Keyword of ``ClassroomModel`` it sets.
        label: Human label.
        unit: Unit shown after the value.
        low: Left end.
        high: Right end.
        step: Notch size.
        percent: Show the value as a percentage (probabilities).
        strategies: Strategies it applies to (None: all).
    """

    key: str
    label: str
    unit: str
    low: float
    high: float
    step: float
    percent: bool = False
    strategies: tuple[str, ...] | None = None

    def text(self, value: float) -> str:
        """The value as the page shows it, e.g. "15 % per day" or "4.0 stars"."""
        if self.percent:
            number = f"{value * 100:.1f}".rstrip("0").rstrip(".") + " %"
        elif float(self.step).is_integer():
            number = f"{round(value):,}"
        else:
            number = f"{value:.1f}"
        return f"{number} {self.unit}".strip()


def _slider(owner: type, key: str, page_key: str, step: float, *, high: float | None = None,
            low: float | None = None, percent: bool = False,
            strategies: tuple[str, ...] | None = None, label: str | None = None) -> Slider:
    spec = parameter_spec(owner, key)
    lo = spec.low if low is None else max(low, spec.low if spec.low is not None else low)
    hi = spec.high if high is None else min(high, spec.high if spec.high is not None else high)
    return Slider(page_key, label or spec.label, spec.unit, lo, hi, step, percent, strategies)


#: The sliders, in page order. Caps the schema does not have are a class's choices:
#: at most 50 influencers and 3,000 consumers (the agent engine's speed on one laptop).
SLIDERS = (
    _slider(InfluencerSeeding, "k", "n_influencers", 1, low=1, high=50,
            strategies=("influencer_seeding",), label="Influencers seeded"),
    _slider(Ads, "reach", "ad_reach", 0.005, high=0.2, percent=True, strategies=("ads",)),
    _slider(ConsumerParams, "share_prob", "share_prob", 0.01, percent=True),
    _slider(ConsumerParams, "review_prob", "review_prob", 0.01, high=0.5, percent=True),
    _slider(ProductParams, "quality", "quality", 0.1, label="Product quality (average stars)"),
    _slider(NetworkParams, "n", "n", 50, low=50, high=MAX_N),
)
SLIDER = {s.key: s for s in SLIDERS}

STRATEGY_LABEL = {
    "baseline": "No strategy (baseline)",
    "influencer_seeding": "Influencer seeding",
    "more_reviews": "More reviews (paid incentive)",
    "ads": "Ads",
    "share_buttons": "Share buttons",
    "referral": "Referral rewards",
    "community": "Community (keeps customers active)",
    "reply_to_complaints": "Reply to complaints",
    "content_incentive": "Pay for customer content (reviews)",
    "amplify": "Promote customers' posts (paid reach)",
}
NETWORK_LABEL = {
    "barabasi_albert": "Hubs (scale-free, Barabási-Albert)",
    "watts_strogatz": "Small world ring (Watts-Strogatz)",
    "erdos_renyi": "Random friendships (Erdős-Rényi)",
    "stochastic_block": "Four communities (block model)",
    "powerlaw_cluster": "Hubs with friend groups (Holme-Kim)",
    "complete": "Everyone knows everyone (≤ 200)",
    "karate": "Karate club (34 real people)",
}
TARGETING_LABEL = {
    "degree": "Most friends (hubs)",
    "pagerank": "Most influential (PageRank)",
    "betweenness": "Bridges between groups",
    "kcore": "Core of the network (k-core)",
    "random": "Random people",
    "friend_of_random": "A random person's friend",
}
assert set(STRATEGY_LABEL) == set(STRATEGY_NAMES), "label every strategy"
assert set(NETWORK_LABEL) == set(CLASSROOM_NETWORKS), "label every network"
assert set(TARGETING_LABEL) == set(TARGETING), "label every targeting method"

#: Days a run lasts unless the teacher changes it: play stops here.
DEFAULT_END_DAY = 120
MAX_END_DAY = 365


def defaults() -> dict[str, Any]:
    """The page's starting values: keywords of ``ClassroomModel``, plus ``end_day``."""
    sig = inspect.signature(ClassroomModel.__init__)
    values = {k: p.default for k, p in sig.parameters.items() if k != "self"}
    values["seed"] = str(values["seed"])
    values["end_day"] = DEFAULT_END_DAY
    return values


def applies(key: str, values: dict[str, Any]) -> bool:
    """Whether control ``key`` matters with the chosen strategy and network."""
    if key == "targeting":
        return values["strategy"] == "influencer_seeding"
    if key == "n":
        return values["network"] != "karate"
    slider = SLIDER.get(key)
    return slider is None or slider.strategies is None or values["strategy"] in slider.strategies


def model_values(values: dict[str, Any]) -> dict[str, Any]:
    """The keywords of ``ClassroomModel`` among the page's values."""
    return {k: v for k, v in values.items() if k != "end_day"}
