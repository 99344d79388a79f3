"""The agent and vectorized engines give bit-identical trajectories for the same seed."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from experiments.bench_report import format_table
from experiments.benchmark import measure
from models import rules
from models.content import ContentParams, ContentType
from models.params import ConsumerParams, ProductParams
from models.segments import Segment, Segments
from models.strategies import (
    Ads,
    Amplify,
    Community,
    ContentIncentive,
    InfluencerSeeding,
    MoreReviews,
    Referral,
    ReplyToComplaints,
    ShareButtons,
)
from models.vectorized import VectorMarket
from simulation.networks.generators import NetworkParams, build_network
from simulation.running.progress import terminal_progress
from simulation.running.runner import RunParams, run

# Livelier than the defaults so that a few hundred consumers see every transition.
CONSUMER = ConsumerParams(discovery_prob=0.01, persuasion=0.4, interest_prob=0.2)

NETWORKS = {
    "ba_constant": NetworkParams(name="barabasi_albert", n=300, m=3),
    "er_directed_random": NetworkParams(
        name="erdos_renyi", n=300, mean_degree=6.0, directed=True, ties="random"
    ),
    "ws_embeddedness": NetworkParams(name="watts_strogatz", n=250, k=6, ties="embeddedness"),
}

ALL = (
    InfluencerSeeding(k=5, targeting="degree", post_days=20),
    MoreReviews(seeded_reviews=3),
    Ads(reach=0.02, start=5, end=30),
    ShareButtons(setup_cost=100.0),
    Referral(),
    Community(),
)
STRATEGIES = {
    "baseline": ((), None),
    **{type(s).__name__: ((s,), None) for s in ALL},
    "all": (ALL, None),
    # Seeding and seeded reviews at launch, then community and incentives run it dry.
    "budget_runs_out": (
        (InfluencerSeeding(k=3, targeting="random", fee_base=20.0, fee_per_follower=1.0),
         MoreReviews(seeded_reviews=2), Community(cost_per_step=30.0), Referral()),
        700.0,
    ),
}
SEEDS = (0, 7)
STEPS = 40
IGNORED = ("wall_seconds", "engine")


@pytest.fixture(scope="module")
def graphs():
    return {(name, seed): build_network(p, seed) for name, p in NETWORKS.items()
            for seed in SEEDS}


def _both(params: RunParams, graph):
    agent = run(RunParams(**{**params.__dict__, "engine": "agent"}), graph=graph)
    vector = run(RunParams(**{**params.__dict__, "engine": "vectorized"}), graph=graph)
    return agent, vector


def assert_same_run(agent, vector) -> None:
    pd.testing.assert_frame_equal(agent.timeseries, vector.timeseries, check_exact=True)
    a = {k: v for k, v in agent.summary.items() if k not in IGNORED}
    v = {k: v for k, v in vector.summary.items() if k not in IGNORED}
    assert a == v
    assert agent.summary["engine"] == "agent"
    assert vector.summary["engine"] == "vectorized"
    for k, arr in agent.final.items():
        np.testing.assert_array_equal(np.asarray(arr, dtype=np.int64),
                                      np.asarray(vector.final[k], dtype=np.int64), err_msg=k)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("strategy", list(STRATEGIES))
@pytest.mark.parametrize("network", list(NETWORKS))
def test_engines_give_identical_trajectories(graphs, network, strategy, seed):
    strategies, budget = STRATEGIES[strategy]
    params = RunParams(network=NETWORKS[network], consumer=CONSUMER, strategies=strategies,
                       budget=budget, seed=seed, steps=STEPS)
    agent, vector = _both(params, graphs[(network, seed)])
    assert_same_run(agent, vector)
    ts = vector.timeseries
    # The comparison is only worth something if the journey actually moved.
    assert ts["adopters"].iloc[-1] > 0
    assert ts["shares_positive"].sum() > 0
    if strategy == "budget_runs_out":
        spend = ts["spend"].to_numpy()
        assert spend[1] > 0 and spend[-1] == 0, "budget should run out mid-run"
        assert spend.sum() <= 700.0 + 30.0 + 10.0 * ts["new_adopters"].max()


# Each new mechanic of issue 14 on, alone and all together (tests/test_segments.py and
# tests/test_visibility_complaints.py test what each one does).
SEGMENTS = Segments((
    Segment("social", 0.5, (("persuasion", 0.6), ("share_prob", 0.3), ("impulse_prob", 0.08),
                            ("rating_noise", 1.5), ("negativity_weight", 3.0))),
    Segment("readers", 0.3, (("rating_weight", 2.0), ("review_prob", 0.2),
                             ("discovery_prob", 0.03))),
    Segment("offline", 0.2, (("persuasion", 0.05), ("share_prob", 0.02))),
), degree_correlation=0.5)
VISIBLE = ProductParams(quality=3.0, visibility_rating_weight=1.5,
                        visibility_volume_weight=0.5)
NEGATIVE = ConsumerParams(discovery_prob=0.01, persuasion=0.4, interest_prob=0.2,
                          negativity_weight=2.0, negative_share_prob=0.3)
REPLY = ReplyToComplaints(share=0.6, spread_factor=0.2, recovery_prob=0.3)
MECHANICS = {
    "segments": dict(segments=SEGMENTS, strategies=(
        Ads(reach=0.05, start=2, end=30, segment="readers"),
        InfluencerSeeding(k=4, segment="offline", post_days=15))),
    "visibility": dict(product=VISIBLE, strategies=(MoreReviews(seeded_reviews=2),)),
    "negativity": dict(consumer=NEGATIVE, product=ProductParams(quality=2.5)),
    "reply": dict(consumer=NEGATIVE, product=ProductParams(quality=2.5), strategies=(REPLY,),
                  budget=150.0),
    "all": dict(consumer=NEGATIVE, product=VISIBLE, segments=SEGMENTS, strategies=(
        REPLY, Ads(reach=0.05, start=2, end=30, segment="social"), Referral())),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("mechanic", "network"), [
    *((m, "er_directed_random") for m in MECHANICS),
    # A symmetric graph whose segments differ in persuasion: the per-tie weights are not
    # symmetric, so the array engine must transpose them (``VectorMarket._senders``).
    ("segments", "ws_embeddedness"), ("all", "ba_constant"),
])
def test_engines_identical_with_each_new_mechanic(graphs, mechanic, network, seed):
    kw = {"consumer": CONSUMER, **MECHANICS[mechanic]}
    params = RunParams(network=NETWORKS[network], seed=seed, steps=STEPS, **kw)
    agent, vector = _both(params, graphs[(network, seed)])
    assert_same_run(agent, vector)
    if "segments" in kw:
        pd.testing.assert_frame_equal(agent.segments, vector.segments, check_exact=True)
    ts = vector.timeseries
    assert ts["adopters"].iloc[-1] > 0
    if mechanic in ("negativity", "reply", "all"):
        assert ts["shares_negative"].sum() > 0
    if mechanic in ("reply", "all"):
        assert ts["spend"].sum() > 0


@pytest.mark.parametrize("engine", ["agent", "vectorized"])
def test_rare_event_shortcut_matches_full_evaluation(monkeypatch, engine):
    """Skipping consumers above ``no_event_bound`` changes nothing: compare with a run
    whose bound is 2 (every uniform is below it, so the rulebook is evaluated for all)."""
    consumer = ConsumerParams(discovery_prob=0.01, repurchase_prob=0.05, dormancy_prob=0.05)
    params = RunParams(network=NetworkParams(name="barabasi_albert", n=200, m=2),
                       consumer=consumer, strategies=(Ads(reach=0.01),), seed=3, steps=40,
                       engine=engine)
    graph = build_network(params.network, params.seed)
    shortcut = run(params, graph=graph)
    monkeypatch.setattr(rules, "no_event_bound", lambda *probs: 2.0)
    full = run(params, graph=graph)
    pd.testing.assert_frame_equal(shortcut.timeseries, full.timeseries, check_exact=True)
    ts = full.timeseries
    assert ts["dormant"].iloc[-1] > 0 and ts["purchases"].sum() > ts["new_adopters"].sum()


def test_reach_marks_last_one_day():
    """The shortcut evaluates a consumer reached by today's posts; a mark left from an
    earlier day would not change a number (see above) but would evaluate ever more
    consumers: the marks are cleared at the end of every day."""
    graph = build_network(NetworkParams(name="barabasi_albert", n=300, m=3), 0)
    market = VectorMarket(graph, strategies=(InfluencerSeeding(k=10),), rng=0)
    reached_days = 0
    for _ in range(30):
        market.step()
        reached_days += market.records[-1]["shares_positive"] > 0
        assert not market._reach_mark.any() and not market._reached_any
    assert reached_days > 5  # (posts did reach consumers on many days)


def test_different_seeds_give_different_trajectories(graphs):
    params = RunParams(network=NETWORKS["ba_constant"], consumer=CONSUMER, steps=STEPS,
                       engine="vectorized")
    a = run(params, graph=graphs[("ba_constant", 0)])
    b = run(RunParams(**{**params.__dict__, "seed": 7}), graph=graphs[("ba_constant", 0)])
    assert not a.timeseries.equals(b.timeseries)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_engines_identical_on_a_larger_directed_graph(seed):
    net = NetworkParams(name="barabasi_albert", n=2000, m=4, directed=True, ties="random")
    params = RunParams(network=net, consumer=CONSUMER, strategies=ALL, seed=seed, steps=90)
    agent, vector = _both(params, build_network(net, seed))
    assert_same_run(agent, vector)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_progress_draws_only_on_a_terminal():
    assert terminal_progress(10, stream=io.StringIO()) is None
    out = _Tty()
    progress = terminal_progress(5, stream=out)
    params = RunParams(network=NetworkParams(n=60, m=2), steps=5, engine="vectorized")
    run(params, progress=progress)
    text = out.getvalue()
    assert text.startswith("\r[") and "5/5 steps" in text and text.endswith("\n")


def test_benchmark_measures_one_size():
    res = measure(2000, steps=3, m=3, seed=0, budget=60.0, peers=False)
    assert res["n"] == 2000 and res["ties"] == 2 * 3 * (2000 - 3)
    vec = res["engines"]["vectorized"]
    assert vec["status"] == "ok" and vec["steps_run"] == 3 and vec["step_seconds"] > 0
    # Interleaved: the ratio is the mean step over the median product of the same run.
    assert vec["step_over_floor"] == pytest.approx(vec["step_seconds"] / vec["floor_seconds"])
    assert res["engines"]["ndlib_si"]["status"] == "skipped"
    assert res["peak_rss_mb"] >= res["vectorized_peak_rss_mb"] > 0
    assert len(res["load_before"]) == 3 and res["build"]["seconds"] >= 0
    report = {"meta": {"cpus": 2, "load_before": (1, 1, 1)}, "sizes": [res]}
    assert "peerbuy array engine" in format_table(report)


# Customer content on (issue 15): every extra type, an incentive, amplification, tracking.
RICH = ContentParams(types=(
    ContentType("post", incentive_cost=2.0), ContentType("review"),
    ContentType("photo", creator="satisfied", prob=0.05, acts="both", feed_weight=0.6,
                page_weight=0.3, visible_days=10),
    ContentType("story", creator="buyers", prob=0.03, acts="feed", feed_weight=1.0),
    ContentType("q_and_a", creator="community", prob=0.05, acts="page", page_weight=0.2,
                visible_days=5),
), track=True)
CONTENT_STRATEGIES = (
    InfluencerSeeding(k=4, targeting="degree", post_days=15),
    ContentIncentive(type="photo", incentive=0.2),
    Amplify(type="story", reach=0.02, start=3, end=30),
)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("network", list(NETWORKS))
def test_engines_identical_with_content_types(graphs, network, seed):
    params = RunParams(network=NETWORKS[network], consumer=CONSUMER, content=RICH,
                       strategies=CONTENT_STRATEGIES, budget=600.0, seed=seed, steps=STEPS)
    agent, vector = _both(params, graphs[(network, seed)])
    assert_same_run(agent, vector)
    for k in ("touches", "first_touch", "last_touch"):
        np.testing.assert_array_equal(getattr(agent.content, k), getattr(vector.content, k))
    assert agent.content.created == vector.content.created
    # Worth comparing only if every type was made and touched someone.
    assert all(agent.content.created[t] > 0 for t in ("photo", "story", "q_and_a"))
    assert set(np.unique(agent.content.last_touch)) >= {-1, 0}
    assert vector.timeseries["spend"].sum() > 0


def test_large_market_state_counts_equal_the_bincount(monkeypatch, graphs):
    """Above ``_COUNT_BY_STATE_MIN`` consumers the array engine counts state by state; the
    oracle is the agent engine's counts (and ``np.bincount``) on the same run."""
    import models.vectorized as vz

    seed = SEEDS[0]
    params = RunParams(network=NETWORKS["ba_constant"], seed=seed, steps=STEPS,
                       strategies=ALL)
    graph = graphs[("ba_constant", seed)]
    monkeypatch.setattr(vz, "_COUNT_BY_STATE_MIN", 0)  # every market counts state by state
    agent, vector = _both(params, graph)
    assert_same_run(agent, vector)
    market = vz.VectorMarket(graph, rng=3)
    for _ in range(20):
        market.step()
        np.testing.assert_array_equal(market.state_counts(),
                                      np.bincount(market.state, minlength=len(vz.S)))


@pytest.mark.parametrize("network", ["er_directed_random", "ws_embeddedness"])
def test_ties_summed_by_scipy_as_by_bincount(monkeypatch, graphs, network):
    """From ``_SCIPY_ROWS_MIN`` rows on, posts and friend balances are summed by scipy;
    forced on every day of a small run, the oracle is the agent engine's sums."""
    import models.vectorized as vz

    seed = SEEDS[0]
    params = RunParams(network=NETWORKS[network], consumer=CONSUMER, seed=seed, steps=STEPS,
                       strategies=ALL)
    monkeypatch.setattr(vz, "_SCIPY_ROWS_MIN", 1)
    agent, vector = _both(params, graphs[(network, seed)])
    assert_same_run(agent, vector)
    assert vector.timeseries["shares_positive"].sum() > 0


@pytest.mark.parametrize("scipy_from", [1, 10**9])  # every sum by scipy / by np.bincount
def test_tie_sums_are_the_agent_engines_loops(monkeypatch, scipy_from):
    """Friend balances and post scatters, bit for bit as plain Python loops add them: each
    consumer's terms in increasing source order (the agent engine's order)."""
    import models.vectorized as vz

    monkeypatch.setattr(vz, "_SCIPY_ROWS_MIN", scipy_from)
    graph = build_network(NetworkParams(name="erdos_renyi", n=300, mean_degree=6.0,
                                        directed=True, ties="random"), 0)
    market = VectorMarket(graph, strategies=(InfluencerSeeding(k=15),), rng=0)
    for _ in range(25):
        market.step()
    rng = np.random.default_rng(0)
    owners = np.flatnonzero(market.has_product)
    assert 20 < owners.size < graph.n
    market.posted[rng.choice(owners, owners.size // 3, replace=False)] = True  # they double
    who = np.sort(rng.choice(graph.n, 120, replace=False))
    r = graph.receivers
    expected = []
    for i in who:
        total = 0.0
        for k in range(r.indptr[i], r.indptr[i + 1]):
            j = r.indices[k]
            if market.has_product[j]:
                total += r.data[k] * rules.friend_opinion(bool(market.satisfied[j]),
                                                          float(market.posted[j]))
        expected.append(total)
    np.testing.assert_array_equal(market._friend_balance(who), expected)

    senders = market._log_senders
    posters = np.sort(rng.choice(graph.n, 40, replace=False))
    heard = np.zeros(graph.n)
    for j in posters:
        for k in range(senders.indptr[j], senders.indptr[j + 1]):
            heard[senders.indices[k]] += senders.data[k]
    np.testing.assert_array_equal(market._scatter(posters, senders), heard)
    np.testing.assert_array_equal(np.flatnonzero(market._reach_mark), np.flatnonzero(heard))


def test_draws_hashed_block_by_block_are_the_draws(monkeypatch):
    """Uniforms and hashes computed ``_DRAW_BLOCK`` consumers at a time (here 7) are
    ``draws.uniform``'s, for a lone run and for each run of a batch."""
    import models.vectorized as vz
    from models.batched import BatchMarket, RunSpec
    from models.draws import Decision, bits_at, uniform, uniform_of

    monkeypatch.setattr(vz, "_DRAW_BLOCK", 7)
    graph = build_network(NetworkParams(name="barabasi_albert", n=200, m=2), 0)
    market = VectorMarket(graph, rng=4)
    market.step()
    idx = np.arange(1, 200, 3)
    expected = uniform(market.key, market.steps, Decision.SHARE, idx)
    np.testing.assert_array_equal(market._uniform(Decision.SHARE, idx), expected)
    np.testing.assert_array_equal(
        uniform_of(market._hashed(Decision.SHARE, idx, bits_at)), expected)
    batch = BatchMarket([RunSpec(graph, seed=s) for s in (4, 5, 6)])
    batch.step()
    stacked = np.concatenate([idx + 200 * r for r in range(3)])
    np.testing.assert_array_equal(batch._uniform(Decision.SHARE, stacked), np.concatenate(
        [uniform(m.key, 1, Decision.SHARE, idx) for m in batch.members]))
