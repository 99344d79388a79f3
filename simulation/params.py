"""The network and run parameters, declared with their schema (no heavy imports).

``simulation.networks.generators`` and ``simulation.running.runner`` re-export these; validation and
``--help`` import only this module, so a bad input is answered before numpy, networkx,
pandas or Mesa load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from models.content import ContentParams
from models.params import ConsumerParams, ParameterError, ProductParams
from models.schema import param, prob, specs, validate
from models.segments import Segments

#: What a sweep's report may rank arms by (``report.objective``); here, not in
#: ``simulation.analysis.compare``, so the command line can check it without loading scipy.
OBJECTIVES = ("profit", "adopters", "revenue")

if TYPE_CHECKING:
    from models.strategies import Strategy

NETWORKS = (
    "barabasi_albert",
    "watts_strogatz",
    "erdos_renyi",
    "stochastic_block",
    "powerlaw_cluster",
    "complete",
    "karate",
    "file",
)
#: ``file``: the weights in the file (a third column of an edge list, or a ``weight``
#: attribute of GraphML/GEXF edges) are the tie strengths.
TIES = ("constant", "random", "embeddedness", "file")
ENGINES = ("agent", "vectorized", "auto")
#: Consumers in the largest network the schema allows; memory is checked separately.
MAX_N = 10**9
#: ``simulation.networks.generators.build_network`` uses these builders above this many consumers:
#: building a networkx Barabasi-Albert graph (m=5) of 200,000 nodes with ties took 50 s and
#: 0.8 GB on a 2-core test machine; the numpy builder makes 1,000,000 in a few seconds.
FAST_MIN_N = 200_000
#: Networks that have a fast builder.
FAST_NETWORKS = ("barabasi_albert", "erdos_renyi")
#: Consumers of Zachary's karate club.
KARATE_N = 34

_GENERATED = tuple(name for name in NETWORKS if name not in ("karate", "file"))


@dataclass(frozen=True)
class NetworkParams:
    """Which social network to build and how strong its ties are.

    Each field's spec says which networks use it (``used_by``); ``name`` picks the
    builder. Directed graphs: an edge u -> v means v follows u (u's posts reach v).
    """

    name: str = param("barabasi_albert", "Network", "which network to build",
                      choices=NETWORKS)
    n: int = param(2000, "Consumers", "number of consumers", "consumers", low=1, high=MAX_N,
                   used_by=_GENERATED, by_option={"complete": 500})
    m: int = param(3, "Ties per newcomer", "ties each newcomer makes (mean degree ~ 2m); "
                   "smaller than n", "ties", low=1, high=10**6,
                   used_by=("barabasi_albert", "powerlaw_cluster"))
    k: int = param(6, "Ring neighbours", "ring neighbours per consumer; smaller than n",
                   "consumers", low=0, high=10**6, even=True, used_by=("watts_strogatz",))
    p: float = prob(0.1, "Rewiring / triangle probability",
                    "rewiring probability per tie (watts_strogatz) or probability of closing "
                    "a triangle after each preferential tie (powerlaw_cluster)", "per tie",
                    used_by=("watts_strogatz", "powerlaw_cluster"),
                    by_option={"powerlaw_cluster": 0.3})
    mean_degree: float = param(6.0, "Mean degree", "expected friends per consumer; "
                               "p = mean_degree / (n - 1), at most n - 1", "consumers",
                               low=0.0, high=float(MAX_N), used_by=("erdos_renyi",))
    blocks: int = param(4, "Communities", "number of equal-sized communities; at most n",
                        "communities", low=1, high=MAX_N, used_by=("stochastic_block",))
    p_in: float = prob(0.01, "Tie probability inside", "tie probability within a community",
                       "per pair", used_by=("stochastic_block",))
    p_out: float = prob(0.0005, "Tie probability between",
                        "tie probability between communities", "per pair",
                        used_by=("stochastic_block",))
    path: str | None = param(None, "Network file", "edge list (`u v` or `u v weight` per "
                             "line, `#` comments), .graphml or .gexf, optionally .gz or .bz2; "
                             "nodes relabelled 0..n-1 in label order", kind="text",
                             nullable=True, used_by=("file",))
    directed: bool = param(False, "Directed", "one-way follower ties: an edge u v means v "
                           "follows u (u's posts reach v)")
    ties: str = param("constant", "Tie strengths", "constant (tie_strength), random (uniform "
                      "in [tie_floor, 1]), embeddedness (share of common friends, at least "
                      "tie_floor) or file (the file's weights, in (0, 1])", choices=TIES)
    tie_strength: float = param(1.0, "Tie strength", "strength of every tie when ties is "
                                "constant", "per contact factor", low=0.0, high=1.0,
                                low_open=True)
    tie_floor: float = param(0.1, "Tie floor", "smallest strength of random or embeddedness "
                             "ties", "per contact factor", low=0.0, high=1.0, low_open=True)

    def __post_init__(self) -> None:
        """Fill option-dependent defaults, then check every field and the keys that interact."""
        specs(self)["name"].check("network.name", self.name)
        for key, spec in specs(self).items():
            if spec.option_defaults and getattr(self, key) is None:
                object.__setattr__(self, key, spec.default_for(self.name))
        validate(self, "network")
        n = self.n
        if self.name in ("barabasi_albert", "powerlaw_cluster") and self.m >= n:
            raise ParameterError(f"network.m = {self.m}: must be smaller than network.n ({n})")
        if self.name == "watts_strogatz" and self.k >= n:
            raise ParameterError(f"network.k = {self.k}: must be smaller than network.n ({n})")
        if self.name == "erdos_renyi" and self.mean_degree > n - 1:
            raise ParameterError(f"network.mean_degree = {self.mean_degree}: must be at most "
                                 f"network.n - 1 ({n - 1})")
        if self.name == "stochastic_block" and self.blocks > n:
            raise ParameterError(f"network.blocks = {self.blocks}: must be at most "
                                 f"network.n ({n})")
        if self.ties == "file" and self.name != "file":
            raise ParameterError(f"network.ties = 'file': only with network=file "
                                 f"(network.name is {self.name!r})")
        if self.name == "file":
            if not (isinstance(self.path, str) and self.path):
                raise ParameterError(f"network.path = {self.path!r}: must be a path to an edge "
                                     "list, GraphML or GEXF file")
            if not Path(self.path).is_file():
                raise ParameterError(f"network.path = {self.path!r}: must be an existing file")

    @property
    def consumers(self) -> int | None:
        """Consumers this network will have, when known before reading a file."""
        if self.name == "karate":
            return KARATE_N
        return None if self.name == "file" else self.n


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
        segments: Consumer segments (default: none, everyone alike).
        content: Customer-generated content types (``models.content``).
    """

    network: NetworkParams = field(default_factory=NetworkParams)
    consumer: ConsumerParams = field(default_factory=ConsumerParams)
    product: ProductParams = field(default_factory=ProductParams)
    strategies: tuple[Strategy, ...] = ()
    content: ContentParams = field(default_factory=ContentParams)
    budget: float | None = param(None, "Budget", "total marketing spend cap, shared by all "
                                 "strategies in the run", "currency", low=0.0, high=1e12,
                                 nullable=True, null_means="no cap")
    seed: int = param(0, "Seed", "the run seed; graph, tie strengths, targeting and every "
                      "decision derive from it", low=0)
    steps: int = param(120, "Days", "days to simulate", "days", low=0, high=1_000_000)
    engine: str = param("auto", "Engine", "agent (Mesa agents), vectorized (numpy/scipy "
                        "arrays) or auto (agent up to 1,000 consumers, vectorized above); "
                        "both give identical results for a seed", choices=ENGINES)
    segments: Segments = field(default_factory=Segments)

    def __post_init__(self) -> None:
        """Check the run-level keys and those that depend on the network or the days."""
        validate(self, "")
        kinds = [type(s).__name__ for s in self.strategies]
        dupes = sorted({k for k in kinds if kinds.count(k) > 1})
        if dupes:
            raise ParameterError(f"strategy = {dupes}: each strategy may be listed once")
        n = self.network.consumers
        for s in self.strategies:
            k = getattr(s, "k", None)
            if type(s).__name__ == "InfluencerSeeding" and n is not None and k >= n:
                raise ParameterError(
                    f"strategy.influencer_seeding.k = {k}: must be smaller than the "
                    f"{n:,} consumers (someone has to be left to persuade)")
            target = getattr(s, "segment", None)
            if target is not None and target not in self.segments.names[:len(
                    self.segments.groups)]:
                raise ParameterError(
                    f"strategy.{s.name}.segment = {target!r}: must be one of the run's "
                    f"segments ({', '.join(g.name for g in self.segments.groups) or 'none: '}"
                    f"{'' if self.segments.groups else 'pick a segments option'})")
            if type(s).__name__ in ("ContentIncentive", "Amplify"):
                self._check_content_strategy(s)
            if type(s).__name__ == "Ads" and s.start > self.steps:
                raise ParameterError(
                    f"strategy.ads.start = {s.start}: must be within the run (<= steps, "
                    f"{self.steps}); the campaign would never run")


    def _check_content_strategy(self, s) -> None:
        """A content incentive or amplification names a type the run has (amplify: a feed type)."""
        names = self.content.names
        if s.type not in names:
            raise ParameterError(f"strategy.{s.name}.type = {s.type!r}: must be one of the "
                                 f"run's content types ({', '.join(names)})")
        if s.name == "amplify" and not self.content.get(s.type).feed:
            raise ParameterError(f"strategy.amplify.type = {s.type!r}: must be a content type "
                                 "that acts on the feed (acts: feed or both), or post")


#: Defaults that depend on the network (a field left at None takes these, else
#: ``SHARED_DEFAULTS``); derived from the specs, which configs/network/*.yaml and the
#: README tables agree with (tests/test_defaults.py, tests/test_schema.py).
SHARED_DEFAULTS = {k: s.default for k, s in specs(NetworkParams).items() if s.option_defaults}
BUILDER_DEFAULTS: dict[str, dict[str, float]] = {}
for _key, _spec in specs(NetworkParams).items():
    for _option, _value in _spec.option_defaults:
        BUILDER_DEFAULTS.setdefault(_option, {})[_key] = _value
