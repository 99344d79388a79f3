"""Invariants over many random runs: only allowed transitions; counts always sum to n."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.journey import STATE_COLUMNS, is_allowed
from models.params import ConsumerParams, ProductParams
from models.strategies import Ads, Community, InfluencerSeeding, MoreReviews, Referral
from tests.conftest import Market

allowed = np.array([[is_allowed(a, b) for b in range(7)] for a in range(7)])
prob = st.floats(0.0, 1.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31),
    discovery=st.floats(0.0, 0.3), share=prob, neg=prob, impulse=prob, interest=prob,
    forget=prob, abandon=prob, review=prob, repurchase=prob, dormancy=prob,
    persuasion=prob, intercept=st.floats(-6, 3), quality=st.floats(1, 5),
    directed=st.booleans(), seeded=st.booleans(),
)
def test_only_allowed_transitions(seed, discovery, share, neg, impulse, interest, forget,
                                  abandon, review, repurchase, dormancy, persuasion,
                                  intercept, quality, directed, seeded):
    g = nx.gnp_random_graph(60, 0.08, seed=seed % 1000, directed=directed)
    c = ConsumerParams(discovery_prob=discovery, share_prob=share, negative_share_prob=neg,
                       impulse_prob=impulse, interest_prob=interest, forget_prob=forget,
                       abandon_prob=abandon, review_prob=review, repurchase_prob=repurchase,
                       dormancy_prob=dormancy, persuasion=persuasion, buy_intercept=intercept)
    strategies = [Ads(reach=0.05), Community(), MoreReviews(), Referral()]
    if seeded:
        strategies.insert(0, InfluencerSeeding(k=3))
    m = Market("vectorized", g, c, ProductParams(quality=quality), tuple(strategies),
               budget=3000.0, seed=seed)
    before = m.state
    for _ in range(25):
        m.step()
        after = m.state
        assert allowed[before, after].all()
        # The recorded state counts are those of the consumers' actual states.
        record = m.records[-1]
        assert [record[s] for s in STATE_COLUMNS] == np.bincount(after, minlength=7).tolist()
        before = after
    adopters = [r["adopters"] for r in m.records]
    assert adopters[-1] == int(m.attr("adopted").sum())


def test_agent_engine_only_allowed_transitions():
    g = nx.barabasi_albert_graph(150, 2, seed=1)
    c = ConsumerParams(discovery_prob=0.05, forget_prob=0.2, abandon_prob=0.2,
                       dormancy_prob=0.2, buy_intercept=-1.0)
    for seed in range(5):
        m = Market("agent", g, c, strategies=(InfluencerSeeding(k=2),), seed=seed)
        before = m.state
        for _ in range(30):
            m.step()
            after = m.state
            assert allowed[before, after].all()
            before = after
