"""The classroom's model: a MarketModel with flat keyword parameters and a baseline twin.

Built exactly like a run (``build_network`` then ``MarketModel``), so the web app shows
the same trajectory a sweep with the same values and seed would produce.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from models.graph import SocialGraph
from models.model import MarketModel
from models.params import ConsumerParams, ProductParams, check, check_choice
from models.strategies import STRATEGIES, STRATEGY_NAMES, Strategy
from models.targeting import TARGETING
from simulation.classroom.layout import network_layout
from simulation.networks.generators import NETWORKS, NetworkParams, build_network

#: Network builders offered in class (``file`` needs a path, so it is left out).
CLASSROOM_NETWORKS = tuple(name for name in NETWORKS if name != "file")
#: Most consumers the page offers; the agent engine steps this many in well under a second.
MAX_N = 3000
#: A complete graph has n^2 / 2 ties: beyond this it is slow and draws as a solid blot.
MAX_N_COMPLETE = 200


def parse_seed(seed: int | str) -> int:
    """The seed as an int: the seed box of a Solara page returns a string.

    Raises:
        ParameterError: If it is not a whole number >= 0.
    """
    text = str(seed).strip()
    ok = text.isdigit()
    check("seed", seed, "a whole number >= 0", ok)
    return int(text)


def network_params(network: str, n: int) -> NetworkParams:
    """Network parameters for ``network`` with ``n`` consumers, tuned to look sensible.

    The stochastic block model gets about 5 friends inside the community and 0.5
    outside whatever ``n`` is (its defaults are tuned for a 2,000-person run).
    """
    check_choice("network", network, CLASSROOM_NETWORKS)
    check("n", n, f"an integer in [10, {MAX_N}]",
          isinstance(n, int) and not isinstance(n, bool) and 10 <= n <= MAX_N)
    if network == "complete":
        n = min(n, MAX_N_COMPLETE)
    if network == "stochastic_block":
        block = n / 4
        return NetworkParams(name=network, n=n, blocks=4, p_in=min(1.0, 5.0 / block),
                             p_out=min(1.0, 0.5 / (n - block)))
    return NetworkParams(name=network, n=n)


def make_strategies(
    strategy: str, n_influencers: int, targeting: str, ad_reach: float
) -> tuple[Strategy, ...]:
    """The strategy list for one named strategy with the page's knobs.

    Args:
        strategy: One of ``STRATEGY_NAMES`` ("baseline" = none).
        n_influencers: Influencers to seed (influencer_seeding).
        targeting: How influencers are chosen (influencer_seeding).
        ad_reach: Per step, share of unaware consumers an ad reaches (ads).
    """
    check_choice("strategy", strategy, STRATEGY_NAMES)
    if strategy == "baseline":
        return ()
    knobs = {
        "influencer_seeding": {"k": n_influencers, "targeting": targeting},
        "ads": {"reach": ad_reach},
    }
    return (STRATEGIES[strategy](**knobs.get(strategy, {})),)


@lru_cache(maxsize=8)
def graph_and_layout(network: str, n: int, seed: int) -> tuple[SocialGraph, np.ndarray]:
    """The run's graph and its layout, computed once per (network, n, seed).

    Cached (a few entries) so that Reset, the baseline twin and other browser tabs with
    the same network reuse the picture instead of recomputing the layout. Neither the
    models nor the drawing mutate the graph or the layout.
    """
    params = network_params(network, n)
    graph = build_network(params, seed)
    layout = network_layout(graph, seed, network, params.blocks)
    layout.setflags(write=False)
    return graph, layout


class ClassroomModel(MarketModel):
    """A ``MarketModel`` with flat keyword parameters, for the classroom page.

    With ``compare_baseline`` it steps a baseline twin alongside: same seed, same
    graph, no strategy. Both face the same random draws (common random numbers), so
    the gap between their adoption curves is the strategy's effect in this run.

    Args:
        strategy: baseline, influencer_seeding, more_reviews, ads, share_buttons,
            referral or community.
        n_influencers: Influencers seeded (influencer_seeding only).
        targeting: How influencers are chosen: degree, pagerank, betweenness, kcore,
            random, friend_of_random.
        ad_reach: Per step, the share of unaware consumers an ad reaches (ads only).
        share_prob: Per step, the probability a satisfied customer shares a post.
        review_prob: Per step, the probability a customer writes their review.
        quality: Product quality: mean star rating (1-5) of a customer's experience.
        network: Network builder (see ``CLASSROOM_NETWORKS``).
        n: Number of consumers (10 to 3,000; karate has 34, complete at most 200).
        compare_baseline: Step a baseline twin alongside.
        seed: The run seed (an int, or the string a text box returns).
    """

    def __init__(
        self,
        strategy: str = "influencer_seeding",
        n_influencers: int = 10,
        targeting: str = "degree",
        ad_reach: float = 0.02,
        share_prob: float = 0.15,
        review_prob: float = 0.05,
        quality: float = 4.0,
        network: str = "barabasi_albert",
        n: int = 300,
        compare_baseline: bool = True,
        seed: int | str = 42,
    ) -> None:
        """Build the graph (cached with its layout), the model and its twin."""
        seed_value = parse_seed(seed)
        check_choice("targeting", targeting, TARGETING)
        # Slider values arrive as floats from the browser: drop float noise such as
        # 0.30000000000000004 before the parameter checks.
        ad_reach, share_prob, review_prob, quality = (
            round(float(x), 6) for x in (ad_reach, share_prob, review_prob, quality))
        graph, layout = graph_and_layout(network, int(n), seed_value)
        consumer = ConsumerParams(share_prob=share_prob, review_prob=review_prob)
        product = ProductParams(quality=quality)
        strategies = make_strategies(strategy, int(n_influencers), targeting, ad_reach)
        super().__init__(graph, consumer=consumer, product=product, strategies=strategies,
                         budget=None, rng=seed_value)
        self.strategy_name = strategy
        self.network_name = network
        self.layout = layout
        self.baseline: MarketModel | None = None
        # The page steps the model in a worker thread while a click may switch the twin.
        self._lock = threading.Lock()
        self.set_compare(compare_baseline)

    def _twin(self) -> MarketModel:
        return MarketModel(self.social, consumer=self.consumer, product=self.product,
                           strategies=(), budget=None, rng=self.seed_value)

    def set_compare(self, on: bool) -> None:
        """Switch the baseline twin on or off; a new twin catches up to the current step.

        With common random numbers the twin's trajectory depends only on the seed, so
        one started late and stepped to the current step equals one run from the start.
        """
        with self._lock:
            if not on:
                self.baseline = None
            elif self.baseline is None:
                twin = self._twin()
                for _ in range(self.steps):
                    twin.step()
                self.baseline = twin

    def step(self) -> None:
        """Step the model and, when on, the baseline twin."""
        with self._lock:
            super().step()
            if self.baseline is not None:
                self.baseline.step()

    def states(self) -> np.ndarray:
        """Journey state of every consumer, by index."""
        return np.fromiter((a.state for a in self.consumers), dtype=np.int64, count=self.social.n)

    def seed_mask(self) -> np.ndarray:
        """Which consumers are seeded influencers."""
        return np.fromiter((a.is_seed for a in self.consumers), dtype=bool, count=self.social.n)


def funnel(model: MarketModel) -> dict[str, int]:
    """Consumers who ever reached each funnel stage (seeded influencers left out).

    Impulse buyers go from aware straight to purchased, so "purchased" can exceed
    "researching".
    """
    people = [a for a in model.consumers if not a.is_seed]
    return {
        "aware": sum(a.ever_aware for a in people),
        "researching": sum(a.ever_researched for a in people),
        "purchased": sum(a.adopted for a in people),
    }


def series(model: MarketModel, column: str) -> list[float]:
    """The values of one time-series column the model recorded, step 0 first."""
    return list(model.datacollector.model_vars[column])


def baseline_series(model: ClassroomModel, column: str) -> list[float] | None:
    """The baseline twin's values of ``column``, or None without a twin."""
    return None if model.baseline is None else series(model.baseline, column)
