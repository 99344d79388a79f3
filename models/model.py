"""The agent engine: a Mesa model of consumers on a social network.

A synchronous day through AgentSet, as ``models.journey`` orders it: customers post and
review, then everyone decides (reading the state at the start of the day and today's
posts), then advances.
"""

from __future__ import annotations

from collections.abc import Sequence

import mesa
import networkx as nx
import numpy as np

from models import complaints, journey, rules
from models.agents import Consumer
from models.campaign import Levers
from models.content import ContentBook, ContentParams
from models.draws import Decision, uniform
from models.graph import SocialGraph
from models.journey import JourneyState
from models.market import (
    TIMESERIES_COLUMNS,
    StepTally,
    close_day,
    open_day,
    open_days,
    open_market,
    per_tie,
    sponsored_log_weights,
    step_record,
)
from models.mesa_compat import topological_network
from models.params import ConsumerParams, ProductParams
from models.segments import SegmentLedger, Segments
from models.strategies import Strategy


class MarketModel(mesa.Model):
    """Consumers on a social graph, a product, and the strategies marketing it.

    The agent engine: one ``Consumer`` agent per person on a Mesa ``Network``. Same
    interface as ``VectorMarket`` (``step()``, ``records``, ``end_state()``) and, for the
    same seed, the same trajectory to the bit.

    Args:
        graph: A networkx graph with nodes 0..n-1 (optional ``weight`` = tie strength in
            (0, 1]; directed edges point from the followed to the follower), or a
            ``SocialGraph`` that keeps one. Required: build it with
            ``simulation.networks.generators.build_network`` for the configured defaults.
        consumer: Consumer behaviour.
        product: The product.
        strategies: Strategies in spending order (empty = baseline).
        budget: Spend cap (currency) or None.
        segments: Consumer segments (``models.segments``); None: everyone is one.
        rng: The run seed (an int); None draws one.
        content: Customer-generated content types (``models.content``); None: posts and
            reviews only.

    Attributes:
        steps: Days simulated so far (Mesa counts them).
        records: One ``market.TIMESERIES_COLUMNS`` row per day, day 0 first; the
            ``datacollector`` holds the same table.
        consumers: The agents, by index.
        customers: The agents who post and review (``journey.CUSTOMERS``).
        day: Today's shared probabilities and public state (``market.Day``).
        days: Today's ``Day`` per segment (``days[0] is day``).
        segment_ledger: Per-segment counts per day (``models.segments``), or None
            without segments.
        tally: What happened today (``market.StepTally``).

    Example:
        >>> import networkx as nx
        >>> from models.strategies import InfluencerSeeding
        >>> model = MarketModel(nx.barabasi_albert_graph(300, 3, seed=1),
        ...                     strategies=(InfluencerSeeding(k=5),), rng=1)
        >>> for _ in range(30):
        ...     model.step()
        >>> model.records[-1]["step"], model.end_state()["state"].shape
        (30, (300,))
    """

    def __init__(
        self,
        graph: nx.Graph | SocialGraph,
        consumer: ConsumerParams | None = None,
        product: ProductParams | None = None,
        strategies: Sequence[Strategy] = (),
        budget: float | None = None,
        *,
        segments: Segments | None = None,
        rng: int | None = None,
        content: ContentParams | None = None,
    ) -> None:
        """Build the space, the agents and the data collector; record day 0."""
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

        segments = segments or Segments()
        opening = open_market(social, consumer, product, strategies, budget, self.seed_value,
                              segments)
        self.key = opening.key
        self.campaign = opening.campaign
        self.board = opening.board
        self.segment_names = segments.names
        self.segment_consumers = opening.consumers
        self.content = ContentBook(content or ContentParams(), social.n, self.key,
                                   consumer.persuasion, social.receivers, self.campaign)
        self.day = open_day(0, consumer, product, Levers(), None, self.board)
        self.days = (self.day,) * len(opening.consumers)
        self.tally = StepTally()
        self.adopters = 0

        self.grid = topological_network(social.nx_graph, self.random)
        cells = [self.grid[i] for i in range(social.n)]
        Consumer.create_agents(self, social.n, cell=cells, index=list(range(social.n)))
        self.consumers: list[Consumer] = sorted(self.agents, key=lambda a: a.index)
        self.customers = mesa.agent.AgentSet([], random=self.random)
        self.posters: list[Consumer] = []
        self.complainers: list[Consumer] = []
        for a, k in zip(self.consumers, opening.segment_of.tolist(), strict=True):
            a.segment = k
        for i, stars in zip(opening.seeds.tolist(), opening.seed_stars.tolist(), strict=True):
            journey.seed(self.consumers[i], stars)
            self.customers.add(self.consumers[i])
        self.counts = [0] * len(JourneyState)
        for a in self.consumers:
            self.counts[a.state] += 1
        self._wire(opening.seeds, opening.segment_of)
        self._everyone = np.arange(social.n)
        self._uniforms: dict[Decision, list[float]] = {}
        self.bounds = [[2.0] * len(JourneyState)] * len(self.days)
        self.segment_ledger = (SegmentLedger(segments.names, opening.segment_of)
                               if segments.active else None)
        self._record_segments()

        self.datacollector = mesa.DataCollector(
            model_reporters={col: _reporter(col) for col in TIMESERIES_COLUMNS}
        )
        self.records = [step_record(0, self.state_counts(), self.tally, 0, self.board,
                                    opening.launch_spend, product.price)]
        self.datacollector.collect(self)

    def _wire(self, seeds: np.ndarray, segment_of: np.ndarray) -> None:
        """Give each consumer its sources (with tie strengths) and followers (log weights).

        Seeded influencers also get their followers with sponsored (trust-weighted) log
        weights, used only while under contract (``market.under_contract``); with
        weighted negative word of mouth, everyone gets the followers their complaints
        reach (``complaints.negative_log_weights``). Persuasion is the follower's.
        """
        r = self.social.receivers
        persuasion = per_tie([c.persuasion for c in self.segment_consumers], segment_of, r)
        logw = rules.contact_log_weight(persuasion, r.data).tolist()
        spon = sponsored_log_weights(persuasion, self.campaign.seeding, r.data)
        spon = spon.tolist() if spon is not None else logw
        self._wire_complaints(segment_of)
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

    def _wire_complaints(self, segment_of: np.ndarray) -> None:
        """Followers of each consumer's complaints with (unanswered, answered) log weights."""
        r = self.social.receivers
        neg = complaints.negative_log_weights(self.segment_consumers, segment_of, r)
        if neg is None:
            return
        reply = complaints.reply_strategy(self.campaign.strategies)
        answered = (complaints.negative_log_weights(self.segment_consumers, segment_of, r,
                                                    reply.spread_factor)
                    if reply is not None else neg)
        indices, neg, answered = r.indices.tolist(), neg.tolist(), answered.tolist()
        for a in self.consumers:
            for k in range(int(r.indptr[a.index]), int(r.indptr[a.index + 1])):
                self.consumers[indices[k]].negative_followers.append((a, neg[k], answered[k]))

    def _record_segments(self) -> None:
        if self.segment_ledger is not None:
            end = self.end_state()
            self.segment_ledger.record(self.steps, end["state"], end["adopted"])

    @property
    def record(self) -> dict[str, float]:
        """Today's row of the per-step table."""
        return self.records[-1]

    def state_counts(self) -> np.ndarray:
        """Consumers per journey state (kept up to date by ``moved``)."""
        return np.array(self.counts, dtype=np.int64)

    def end_state(self) -> dict[str, np.ndarray]:
        """Per-consumer state as arrays named as in ``journey.END_STATE`` (both engines)."""
        return {k: np.array([getattr(a, k) for a in self.consumers]) for k in journey.END_STATE}

    def uniforms(self, decision: Decision) -> list[float]:
        """Today's uniforms for ``decision``, one per consumer by index.

        The same numbers as ``draws.uniform`` one by one; hashed for everyone at once with
        numpy the first time a decision is asked for today, which is much faster than
        hashing consumer by consumer in Python.
        """
        u = self._uniforms.get(decision)
        if u is None:
            u = self._uniforms[decision] = uniform(self.key, self.steps, decision,
                                                   self._everyone).tolist()
        return u

    def moved(self, agent: Consumer, before: JourneyState) -> None:
        """Keep the state counts and the customer set up to date after a move."""
        self.counts[before] -= 1
        self.counts[agent.state] += 1
        if agent.state in journey.CUSTOMERS:
            self.customers.add(agent)
        else:
            self.customers.discard(agent)

    def step(self) -> None:
        """One day: open it, customers post and review, everyone decides, then advances."""
        self.open_day()
        self.customers.do("post")
        # Posts are delivered in increasing poster index, the order in which the array
        # engine adds them up, so the two engines agree to the bit.
        for poster in sorted(self.posters, key=lambda a: a.index):
            poster.spread()
        for complainer in sorted(self.complainers, key=lambda a: a.index):
            complainer.spread_complaint()
        if self.content.active:
            self._content_day()
        self.customers.do("review")
        self.agents.do("decide")
        self.agents.do("advance")
        self.close_day()

    def _content_day(self) -> None:
        """Customers make today's extra content; it reaches the feed; touches are recorded."""
        book = self.content
        who = sorted(self.customers, key=lambda a: a.index)
        idx = np.array([a.index for a in who], dtype=np.int64)
        book.create(self.steps, idx, np.array([a.satisfied for a in who], dtype=bool),
                    np.array([a.state == JourneyState.FOLLOW_UP for a in who], dtype=bool),
                    np.array([journey.paid_to_post(self.day, a) for a in who], dtype=bool),
                    self.tally)
        book.spread()
        if book.params.track:
            posters = np.array([a.index for a in self.posters if not a.sponsored_post],
                               dtype=np.int64)
            researching = np.array([a.index for a in self.consumers
                                    if a.state == JourneyState.RESEARCHING], dtype=np.int64)
            owned = np.array([a.has_product for a in self.consumers], dtype=bool)
            book.touch(self.day, owned, np.sort(posters), researching)

    def open_day(self) -> None:
        """Pay today's running costs and set the day's shared probabilities and draws."""
        self.days = open_days(self.steps, self.segment_consumers, self.segment_names,
                              self.product, self.campaign, self.board, self.content)
        self.day = self.days[0]
        self.tally = StepTally()
        self.posters = []
        self.complainers = []
        self._uniforms = {}
        self.bounds = [[journey.CHOICES[s].bound(day) if s in journey.CHOICES else 2.0
                        for s in JourneyState] for day in self.days]

    def close_day(self) -> None:
        """Publish today's reviews, settle the money and record the day."""
        tally = self.tally
        spend = close_day(self.board, self.content, self.campaign, self.day.levers, tally)
        self.adopters += tally.new_adopters
        self.records.append(step_record(self.steps, self.state_counts(), tally, self.adopters,
                                        self.board, spend, self.product.price))
        self._record_segments()
        self.datacollector.collect(self)


def _reporter(column: str):
    return lambda model: model.record[column]
