"""A batch of runs (models.batched) gives each run exactly what it gives alone, bit for bit."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from test_engines import CONSUMER, STRATEGIES

from models.batched import BatchMarket, RunSpec
from models.params import ConsumerParams, ProductParams
from models.strategies import InfluencerSeeding
from models.vectorized import VectorMarket
from simulation.analysis.replicates import run_replicates
from simulation.networks.generators import NetworkParams, build_network
from simulation.running.runner import RunParams, run, run_batch

STEPS = 40
#: Unweighted ties (every w = 1) and weighted ones (w drawn per tie).
TIES = {
    "unweighted": NetworkParams(name="barabasi_albert", n=300, m=3),
    "weighted": NetworkParams(name="erdos_renyi", n=250, mean_degree=6.0, directed=True,
                              ties="random"),
}
MIXES = list(STRATEGIES)


def _graph(ties: str, seed: int):
    return _GRAPHS.setdefault((ties, seed), build_network(TIES[ties], seed))


_GRAPHS: dict = {}
_ALONE: dict = {}


def _spec(ties: str, mix: str, seed: int, graph_seed: int, consumer=CONSUMER) -> RunSpec:
    strategies, budget = STRATEGIES[mix]
    return RunSpec(_graph(ties, graph_seed), consumer, None, strategies, budget, seed)


def _alone(spec: RunSpec) -> VectorMarket:
    key = (id(spec.graph), spec.consumer, spec.strategies, spec.budget, spec.seed)
    if key not in _ALONE:
        market = VectorMarket(spec.graph, spec.consumer, spec.product, spec.strategies,
                              spec.budget, rng=spec.seed)
        for _ in range(STEPS):
            market.step()
        _ALONE[key] = market
    return _ALONE[key]


def _same_value(a, b) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b


def _assert_identical(member: VectorMarket, alone: VectorMarket, label: str) -> None:
    assert len(member.records) == len(alone.records) == STEPS + 1
    for day, (got, want) in enumerate(zip(member.records, alone.records, strict=True)):
        bad = [k for k in want if not _same_value(got[k], want[k])]
        assert not bad, f"{label}: day {day} differs in {bad}"
    for name, value in vars(alone).items():  # every per-consumer array, not only END_STATE
        if isinstance(value, np.ndarray) and value.shape == (alone.graph.n,) \
                and not name.startswith("_"):
            assert np.array_equal(getattr(member, name), value), f"{label}: {name} differs"
            assert getattr(member, name).dtype == value.dtype
    assert (member.spend, member.adopters, member.board.count, member.board.total) == (
        alone.spend, alone.adopters, alone.board.count, alone.board.total)


def _batches(r: int) -> list[list[str]]:
    """Batches of ``r`` mixes that together hold every strategy mix."""
    if r == 1:
        return [[m] for m in MIXES]
    return [[MIXES[(start + i) % len(MIXES)] for i in range(r)]
            for start in range(0, len(MIXES), r)]


@pytest.mark.parametrize("ties", sorted(TIES))
@pytest.mark.parametrize("r", [1, 2, 7])
def test_batch_equals_each_run_alone(ties: str, r: int) -> None:
    """Every strategy mix, on a graph of its own or shared with other runs of the batch."""
    for b, mixes in enumerate(_batches(r)):
        # Seeds differ per run; graphs: runs 0, 2, 4, ... share one, the others have theirs.
        specs = [_spec(ties, mix, seed=3 * b + i, graph_seed=b if i % 2 == 0 else 10 + i)
                 for i, mix in enumerate(mixes)]
        batch = BatchMarket(specs)
        for _ in range(STEPS):
            batch.step()
        assert batch.runs == r
        for i, (spec, member) in enumerate(zip(specs, batch.members, strict=True)):
            _assert_identical(member, _alone(spec), f"{ties} R={r} batch {b} run {i} ({mixes[i]})")


def test_runs_differing_in_parameters_and_size() -> None:
    """Arms that differ in consumer and product parameters, and graphs of different sizes."""
    livelier = replace(CONSUMER, persuasion=0.7, buy_intercept=-1.0, review_prob=0.3)
    specs = [
        _spec("weighted", "all", seed=1, graph_seed=1),
        _spec("weighted", "all", seed=1, graph_seed=1, consumer=livelier),
        _spec("unweighted", "InfluencerSeeding", seed=2, graph_seed=2, consumer=livelier),
        replace(_spec("unweighted", "budget_runs_out", seed=5, graph_seed=2),
                product=ProductParams(quality=3.0, price=20.0)),
        _spec("unweighted", "baseline", seed=4, graph_seed=2, consumer=ConsumerParams()),
    ]
    batch = BatchMarket(specs)
    for _ in range(STEPS):
        batch.step()
    for i, (spec, member) in enumerate(zip(specs, batch.members, strict=True)):
        _assert_identical(member, _alone(spec), f"run {i}")
    # Not vacuous: the arms did end differently.
    assert len({m.records[-1]["adopters"] for m in batch.members}) == len(specs)


def test_contracts_of_different_lengths_in_one_batch() -> None:
    """Influencers under contract in one run and free in another on the same day."""
    strategies = [(InfluencerSeeding(k=6, targeting="degree", post_days=d, post_prob=0.9),)
                  for d in (3, 15, 30)]
    specs = [RunSpec(_graph("weighted", 3), CONSUMER, None, s, None, 9) for s in strategies]
    batch = BatchMarket(specs)
    for _ in range(STEPS):
        batch.step()
    for i, (spec, member) in enumerate(zip(specs, batch.members, strict=True)):
        _assert_identical(member, _alone(spec), f"post_days run {i}")


def _params(mix: str, seed: int, **kw) -> RunParams:
    strategies, budget = STRATEGIES[mix]
    return RunParams(network=TIES["weighted"], consumer=CONSUMER, strategies=strategies,
                     budget=budget, steps=STEPS, seed=seed, engine="vectorized", **kw)


def _assert_results_equal(got, want, final: bool = True) -> None:
    pd.testing.assert_frame_equal(got.timeseries, want.timeseries, check_exact=True)
    g, w = dict(got.summary), dict(want.summary)
    g.pop("wall_seconds"), w.pop("wall_seconds")
    assert g == w or pd.Series(g).equals(pd.Series(w))
    for k in want.final if final else ():
        assert np.array_equal(got.final[k], want.final[k])


def test_run_batch_and_replicates_give_the_runners_results(monkeypatch) -> None:
    """The runner's tables and summaries, with and without the batch (in several batches
    when the consumers exceed the cap)."""
    from simulation.running import runner

    runs = [_params(m, s) for m, s in (("all", 0), ("Referral", 1), ("baseline", 2))]
    batched = run_batch(runs)
    monkeypatch.setattr(runner, "BATCH_MAX_CONSUMERS", 2 * TIES["weighted"].n)
    steps = []
    chunked = run_batch(runs, progress=lambda t, total: steps.append(t))
    assert steps == [*range(1, STEPS + 1), *range(1, STEPS + 1)]  # batches of 2 and 1
    for got, want in zip(chunked, batched, strict=True):
        _assert_results_equal(got, want)
    for got, p in zip(batched, runs, strict=True):
        _assert_results_equal(got, run(p))
    replicates = run_replicates(_params("MoreReviews", 0), seeds=[4, 5, 6])
    for got, seed in zip(replicates, (4, 5, 6), strict=True):
        _assert_results_equal(got, run(_params("MoreReviews", seed)))


def test_a_failing_run_fails_alone() -> None:
    """One impossible arm (as many seeds as its graph has consumers) fails, the others run."""
    runs = [_params("all", 0), replace(_params("baseline", 1),
                                       strategies=(InfluencerSeeding(k=10),)), _params("Ads", 2)]
    tiny = build_network(NetworkParams(name="erdos_renyi", n=10, mean_degree=2.0), 1)
    results = run_batch(runs, [None, tiny, None])
    assert isinstance(results[1], Exception) and "influencer_seeding.k = 10" in str(results[1])
    _assert_results_equal(results[0], run(runs[0]))
    _assert_results_equal(results[2], run(runs[2]))


def test_sweep_jobs_sharing_graphs_compute_once_and_fail_alone(tmp_path) -> None:
    """The first job of a group computes it; the others take their results (what a job
    writes: no end-state arrays); a bad arm fails alone (its job then runs it alone, as
    without batching)."""
    from experiments.batchjobs import batched_results, plan_batches

    good = _params("all", 3)
    broken = InfluencerSeeding(k=3)
    object.__setattr__(broken, "targeting", "nonsense")  # passes the sweep's check, fails later
    bad = replace(_params("baseline", 3), strategies=(broken,))
    with pytest.raises(Exception, match="nonsense"):
        run(bad)
    other = _params("Referral", 3)
    elsewhere = replace(_params("all", 3), network=TIES["unweighted"])  # another graph
    jobs = [(["arm=good"], good, 2), (["arm=bad"], bad, 2), (["arm=other"], other, 2),
            (["arm=elsewhere"], elsewhere, 2)]
    assert plan_batches(tmp_path, jobs) == 1
    built = []

    def graph_of(network, seed):
        built.append(seed)
        return build_network(network, seed)

    mine = batched_results(tmp_path, ["arm=good"], [3, 4], graph_of)
    assert sorted(mine) == [3, 4] and len(built) == 6  # 3 jobs x 2 replicates, one batch
    for seed in (3, 4):
        _assert_results_equal(mine[seed], run(replace(good, seed=seed)))
    assert batched_results(tmp_path, ["arm=bad"], [3, 4], graph_of) == {}
    theirs = batched_results(tmp_path, ["arm=other"], [4], graph_of)
    assert sorted(theirs) == [4] and len(built) == 6  # taken, not computed again
    _assert_results_equal(theirs[4], run(replace(other, seed=4)), final=False)
    assert theirs[4].final == {} and theirs[4].graph is None
    assert batched_results(tmp_path, ["arm=elsewhere"], [3, 4], graph_of) is None


def test_benchmark_batch_mode_prints_its_table(capsys) -> None:
    """``benchmark --batch R ...`` prints one row per R with the ratio to one A @ x."""
    from experiments import benchmark

    assert benchmark.main(["--batch", "1", "3", "--sizes", "300", "--steps", "4"]) == 0
    out = capsys.readouterr().out
    assert "n = 300" in out and "per-run/A@x" in out and "load average" in out
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["1"], ["3"])]
    assert [r[0] for r in rows] == ["1", "3"]
    assert all(float(r[4]) > 0 and float(r[5]) > 0 for r in rows)
    phases = [line.split()[0] for line in out.splitlines() if "x A@x" in line]
    assert phases == ["open", "post", "expose", "decide", "review", "settle", "close_day",
                      "record"]
    assert benchmark.main(["--batch", "0"]) == 2


def test_benchmark_phases_add_up_to_the_step() -> None:
    """The phases are timed inside the largest batch's steps: together they are its step."""
    from experiments.batchbench import PHASES, measure_batch

    result = measure_batch(400, [2], steps=10, seed=0, rounds=1, m=3)
    step_ms = result["rows"][0]["batch_step_ms"]
    assert list(result["phases"]) == list(PHASES)
    assert all(ms > 0 for ms in result["phases"].values())
    assert 0.5 * step_ms < sum(result["phases"].values()) <= step_ms


def test_content_strategies_with_default_content_batch_exactly() -> None:
    """Incentives and amplification of the built-in types change only each run's Day and
    its own content book's counts, so they batch; seeds and graphs differ per run."""
    from models.strategies import Amplify, ContentIncentive

    mixes = [((ContentIncentive(type="post", incentive=0.3),), 500.0),
             ((Amplify(type="post", reach=0.2, start=1, end=30),), 500.0),
             ((ContentIncentive(type="review", incentive=0.5), Amplify(type="post")), 800.0)]
    specs = [RunSpec(_graph("weighted", i), CONSUMER, None, s, budget, seed=20 + i)
             for i, (s, budget) in enumerate(mixes)]
    batch = BatchMarket(specs)
    for _ in range(STEPS):
        batch.step()
    for i, (spec, member) in enumerate(zip(specs, batch.members, strict=True)):
        _assert_identical(member, _alone(spec), f"content strategy mix {i}")
    assert any(m.spend > 0 for m in batch.members)  # the levers were bought


def test_runs_with_extra_content_types_run_alone() -> None:
    """Extra content types keep per-run boards: the batch refuses them, the runner and the
    replicates run them alone, with the same results."""
    from simulation.running.runner import batchable

    extra = _rich_content()
    assert not extra.is_default
    p = _params("all", 3, content=extra)
    assert not batchable(p, TIES["weighted"].n)
    assert batchable(_params("all", 3), TIES["weighted"].n)
    market = VectorMarket(_graph("weighted", 3), CONSUMER, None, (), 0.0, rng=3, content=extra)
    with pytest.raises(ValueError, match="extra content types: run it alone"):
        BatchMarket([market])
    for got, seed in zip(run_replicates(p, seeds=[3, 4]), (3, 4), strict=True):
        _assert_results_equal(got, run(replace(p, seed=seed)))


def _rich_content():
    """The shipped ``content=rich`` group as parameters."""
    import yaml

    from experiments.config import CONFIG_DIR, content_params

    return content_params(yaml.safe_load((CONFIG_DIR / "content" / "rich.yaml").read_text()))


@pytest.mark.parametrize("mechanic", ["segments", "visibility", "negativity", "reply"])
def test_segments_visibility_and_complaints_run_alone(mechanic) -> None:
    """These keep a Day per segment or per-run complaint state: the batch refuses them
    (naming the mechanic) and the replicates run them alone with the runner's results."""
    from test_engines import MECHANICS

    from simulation.running.runner import batchable, start_engine

    p = RunParams(network=TIES["weighted"], steps=STEPS, seed=2, engine="vectorized",
                  **{"consumer": CONSUMER, "budget": 150.0, **MECHANICS[mechanic]})
    assert not batchable(p, TIES["weighted"].n)
    graph = _graph("weighted", 2)
    with pytest.raises(ValueError, match="run it alone"):
        BatchMarket([start_engine(p, graph)])
    for got, seed in zip(run_replicates(p, seeds=[2, 3]), (2, 3), strict=True):
        _assert_results_equal(got, run(replace(p, seed=seed)))
