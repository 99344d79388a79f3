"""The agent engine: a Mesa model of consumers on a social network.

Synchronous steps through AgentSet: every consumer posts, then decides (reading the
state at the start of the step and this step's posts), then advances.
"""

from __future__ import annotations

from collections.abc import Sequence

import mesa
import networkx as nx
import numpy as np

from models import rules
from models.agents import Consumer
from models.campaign import Levers
from models.draws import Decision, decision_base
from models.graph import SocialGraph
from models.journey import Channel, JourneyState
from models.market import (
    TIMESERIES_COLUMNS,
    StepTally,
    day_probs,
    open_market,
    sponsored_log_weights,
    step_record,
    under_contract,
)
from models.mesa_compat import topological_network
from models.params import ConsumerParams, ProductParams
from models.strategies import Strategy


class MarketModel(mesa.Model):
    """Consumers on a social graph, a product, and the strategies marketing it.

    Args:
        graph: A networkx graph with nodes 0..n-1 (optional ``weight`` = tie strength in
            (0, 1]; directed edges point from the followed to the follower), or a
            ``SocialGraph`` that keeps one. Required: build it with
            ``simulation.networks.build_network`` for the configured defaults.
        consumer: Consumer behaviour.
        product: The product.
        strategies: Strategies in spending order (empty = baseline).
        budget: Spend cap (currency) or None.
        rng: The run seed (an int); None draws one.
    """

    def __init__(
        self,
        graph: nx.Graph | SocialGraph,
        consumer: ConsumerParams | None = None,
        product: ProductParams | None = None,
        strategies: Sequence[Strategy] = (),
        budget: float | None = None,
        rng: int | None = None,
    ) -> None:
        """Build the space, the agents and the data collector; record step 0."""
        if rng is None:
            rng = int(np.random.SeedSequence().generate_state(1)[0])
        super().__init__(rng=rng)
        self.seed_value = int(rng)
        social = graph if isinstance(graph, SocialGraph) else SocialGraph.from_networkx(graph)
        if social.nx_graph is None:
            raise ValueError("the agent engine needs a networkx graph (SocialGraph.nx_graph)")
        self.social = social
        self.consumer = consumer = consumer or ConsumerParams()
        self.product = product = product or ProductParams()

        opening = open_market(social, consumer, product, strategies, budget, self.seed_value)
        self.key = opening.key
        self.campaign = opening.campaign
        self.board = opening.board
        self.levers = Levers()
        self.contract = False
        self.day = day_probs(consumer, self.levers)
        self.tally = StepTally()
        self.adopters = 0
        self.step_bases = [0] * len(Decision)
        self.shown_rating = self.board.shown()

        self.grid = topological_network(social.nx_graph, self.random)
        cells = [self.grid[i] for i in range(social.n)]
        Consumer.create_agents(self, social.n, cell=cells, index=list(range(social.n)))
        self.consumers: list[Consumer] = sorted(self.agents, key=lambda a: a.index)
        # Customers who post and review: an AgentSet kept up to date in Consumer.advance.
        self.customers = mesa.agent.AgentSet([], random=self.random)
        self.posters: list[Consumer] = []
        self.unaware_bound = self.follow_up_bound = 0.0
        for i, stars in zip(opening.seeds.tolist(), opening.seed_stars.tolist(), strict=True):
            a = self.consumers[i]
            a.state = a.next_state = JourneyState.PURCHASED
            a.channel = Channel.SEED
            a.stars = stars
            a.satisfied = bool(rules.is_satisfied(stars))
            a.is_seed = a.has_product = a.ever_aware = True
            self.customers.add(a)
        self.counts = [0] * len(JourneyState)
        for a in self.consumers:
            self.counts[a.state] += 1
        self._wire(opening.seeds)

        self.datacollector = mesa.DataCollector(
            model_reporters={col: _reporter(col) for col in TIMESERIES_COLUMNS}
        )
        self.record = step_record(0, self.state_counts(), self.tally, 0, self.board,
                                  opening.launch_spend, product.price)
        self.datacollector.collect(self)

    def _wire(self, seeds: np.ndarray) -> None:
        """Give each consumer its sources (with tie strengths) and followers (log weights).

        Seeded influencers also get their followers with sponsored (trust-weighted) log
        weights, used only while under contract (``market.under_contract``).
        """
        r = self.social.receivers
        logw = rules.contact_log_weight(self.consumer.persuasion, r.data).tolist()
        spon = sponsored_log_weights(self.consumer, self.campaign.seeding, r.data)
        spon = spon.tolist() if spon is not None else logw
        seed_set = set(seeds.tolist())
        indptr, indices, ties = r.indptr, r.indices.tolist(), r.data.tolist()
        for a in self.consumers:
            lo, hi = int(indptr[a.index]), int(indptr[a.index + 1])
            srcs = [self.consumers[j] for j in indices[lo:hi]]
            a.sources = list(zip(srcs, ties[lo:hi], strict=True))
            for k, src in zip(range(lo, hi), srcs, strict=True):
                src.followers.append((a, logw[k]))  # a goes in increasing index order
                if src.index in seed_set:
                    src.sponsored_followers.append((a, spon[k]))

    def state_counts(self) -> np.ndarray:
        """Consumers per journey state (kept up to date by ``Consumer.advance``)."""
        return np.array(self.counts, dtype=np.int64)

    def step(self) -> None:
        """One synchronous step: post, decide, advance; then settle money and record."""
        t = self.steps
        self.step_bases = [decision_base(self.key, t, d) for d in Decision]
        self.levers = self.campaign.levers(t)
        self.contract = under_contract(self.campaign.seeding, t)
        self.day = day_probs(self.consumer, self.levers)
        self.tally = StepTally()
        self.shown_rating = self.board.shown()
        day = self.day
        self.unaware_bound = rules.no_event_bound(self.consumer.discovery_prob,
                                                  self.levers.ad_reach)
        self.follow_up_bound = rules.no_event_bound(day.repurchase, day.dormancy)
        self.posters = []
        self.customers.do("post")
        # Posts are delivered in increasing poster index, the order in which the
        # vectorized engine adds them up, so the two engines agree to the bit.
        for poster in sorted(self.posters, key=lambda a: a.index):
            if poster.posted > 0:
                poster.spread()
        self.agents.do("decide")
        self.agents.do("advance")
        if self.tally.reviews_written:
            self.board.post(self.tally.reviews_written, self.tally.review_stars)
        self.board.publish()
        self.adopters += self.tally.new_adopters
        spend = self.campaign.settle(
            self.levers, self.tally.reviews_written, self.tally.referred_purchases
        )
        self.record = step_record(t, self.state_counts(), self.tally, self.adopters,
                                  self.board, spend, self.product.price)
        self.datacollector.collect(self)

    def final_arrays(self) -> dict[str, np.ndarray]:
        """Per-consumer end state as arrays (same names as the vectorized engine's)."""
        names = ("state", "channel", "adopted", "is_seed", "ever_aware", "ever_researched")
        return {k: np.array([getattr(a, k) for a in self.consumers]) for k in names}


def _reporter(column: str):
    return lambda model: model.record[column]
