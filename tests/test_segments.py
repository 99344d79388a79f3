"""Consumer segments: assignment, per-segment parameters, targeting and per-segment outputs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from models.graph import SocialGraph
from models.params import ConsumerParams, ParameterError
from models.segments import Segment, Segments, from_config
from models.strategies import Ads, InfluencerSeeding
from simulation.networks.generators import NetworkParams, build_network
from simulation.running.runner import RunParams, run
from tests.conftest import Market, quiet


def two(share_a: float = 0.5, a=(), b=(), rho: float = 0.0) -> Segments:
    return Segments((Segment("a", share_a, tuple(a)), Segment("b", 1 - share_a, tuple(b))),
                    degree_correlation=rho)


def test_counts_are_exact_and_the_default_is_one_segment():
    g = SocialGraph.from_networkx(nx.path_graph(10))
    of = Segments((Segment("a", 0.3), Segment("b", 0.45), Segment("c", 0.25))).assign(g, 1)
    assert np.bincount(of).tolist() == [3, 5, 2]  # round(10 x cumulative share) boundaries
    assert Segments().names == ("everyone",) and not Segments().active
    assert (Segments().assign(g, 1) == 0).all()


def test_assignment_is_independent_of_the_graph_by_default():
    """Same seed and size, different graphs: the same segments (their own stream)."""
    segs = two(0.3)
    path = SocialGraph.from_networkx(nx.path_graph(200))
    star = SocialGraph.from_networkx(nx.star_graph(199))
    np.testing.assert_array_equal(segs.assign(path, 5), segs.assign(star, 5))
    assert not np.array_equal(segs.assign(path, 5), segs.assign(path, 6))


def test_full_degree_correlation_puts_the_best_connected_first():
    g = SocialGraph.from_networkx(nx.star_graph(9))  # hub 0 has 9 followers, leaves 1
    assert two(0.1, rho=1.0).assign(g, 0)[0] == 0  # the hub fills the 10 % segment
    assert two(0.9, rho=-1.0).assign(g, 0)[0] == 1


def test_degree_correlation_statistically():
    """rho = 0: segment a's mean audience equals b's within 4 standard errors (SE from the
    audience's sd and the segment sizes); rho = 0.9: a's is far above b's."""
    graph = build_network(NetworkParams(n=4000, m=3), 0)
    aud = graph.audience.astype(float)
    for seed in (0, 1):
        of = two(0.5).assign(graph, seed)
        a, b = aud[of == 0], aud[of == 1]
        se = np.sqrt(a.var() / a.size + b.var() / b.size)
        assert abs(a.mean() - b.mean()) < 4 * se
        of = two(0.5, rho=0.9).assign(graph, seed)
        assert aud[of == 0].mean() - aud[of == 1].mean() > 10 * se


def test_segments_without_overrides_change_nothing(engine):
    """Segmenting alone moves no draw: the trajectory equals the unsegmented one."""
    g = nx.barabasi_albert_graph(150, 3, seed=2)
    consumer = ConsumerParams(discovery_prob=0.02, persuasion=0.4, negativity_weight=1.0)
    plain = Market(engine, g, consumer, seed=4)
    split = Market(engine, g, consumer, seed=4, segments=two(0.4))
    plain.step(30)
    split.step(30)
    assert plain.records == split.records
    assert plain.records[-1]["adopters"] > 0


def test_each_segment_uses_its_own_parameters(engine):
    segs = two(0.5, a=[("discovery_prob", 1.0)])
    m = Market(engine, nx.path_graph(10), quiet(), segments=segs)
    m.step()
    of = segs.assign(SocialGraph.from_networkx(nx.path_graph(10)), 0)
    np.testing.assert_array_equal(m.state == 1, of == 0)


def test_ads_and_seeding_target_a_segment(engine):
    segs = two(0.3)
    g = nx.star_graph(9)
    of = segs.assign(SocialGraph.from_networkx(g), 0)
    ads = Ads(reach=1.0, start=1, end=2, cost_per_thousand=1000.0, segment="a")
    m = Market(engine, g, quiet(), strategies=(ads,), segments=segs)
    m.step()
    np.testing.assert_array_equal(m.state == 1, of == 0)
    assert m.records[1]["spend"] == 3.0  # reach 1 x 3 consumers of a, 1,000 per 1,000

    seeding = InfluencerSeeding(k=2, segment="b", fee_base=0.0, fee_per_follower=0.0)
    m = Market(engine, g, quiet(), strategies=(seeding,), segments=segs)
    seeds = np.flatnonzero(m.attr("is_seed"))
    assert seeds.size == 2 and (of[seeds] == 1).all()


def test_segments_csv_and_summary_add_up():
    params = RunParams(network=NetworkParams(n=300, m=3), steps=30, seed=1,
                       consumer=ConsumerParams(discovery_prob=0.02),
                       segments=two(0.4, b=[("impulse_prob", 0.3)]))
    res = run(params)
    table = res.segments
    assert len(table) == 2 * 31 and list(table["segment"].unique()) == ["a", "b"]
    total = table.groupby("step")[["consumers", "aware", "adopters"]].sum()
    assert (total["consumers"] == 300).all()
    np.testing.assert_array_equal(total["aware"], res.timeseries["aware"])
    np.testing.assert_array_equal(total["adopters"], res.timeseries["adopters"])
    s = res.summary
    assert s["segment_a_adopters"] + s["segment_b_adopters"] == s["adopters"]
    assert s["segment_a_consumers"] == 120
    assert s["segment_b_adoption_rate"] == s["segment_b_adopters"] / 180
    assert list(s)[-1] == "wall_seconds"


def test_unsegmented_runs_write_no_segment_outputs():
    res = run(RunParams(network=NetworkParams(n=100, m=2), steps=5, seed=1))
    assert res.segments is None and not any(k.startswith("segment_") for k in res.summary)


@pytest.mark.parametrize(("node", "message"), [
    ({"groups": {"a": {"share": 0.5}, "b": {"share": 0.6}}}, "shares sum to 1.1"),
    ({"groups": {"a": {"share": 1.0, "persuasio": 0.1}}}, "segments.groups.a.persuasio"),
    ({"groups": {"a": {"share": 1.0, "share_prob": 2}}}, "segments.groups.a.share_prob = 2"),
    ({"groups": {"a": {"persuasion": 0.1}}}, "segments.groups.a.share"),
    ({"degree_correlation": 2}, "segments.degree_correlation = 2"),
    ({"colour": 1}, "segments.colour"),
])
def test_bad_segments_are_refused_in_one_line(node, message):
    with pytest.raises(ParameterError, match=message.replace(".", r"\.")) as err:
        from_config(node)
    assert "\n" not in str(err.value)


def test_a_strategy_aimed_at_an_unknown_segment_is_refused():
    with pytest.raises(ParameterError, match=r"strategy\.ads\.segment = 'c'"):
        RunParams(strategies=(Ads(segment="c"),), segments=two())


def test_the_segments_option_composes_into_run_params_and_files(tmp_path):
    from hydra import compose, initialize_config_dir

    from experiments.config import CONFIG_DIR, to_run_params
    from simulation.running.outputs import write_run

    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
        cfg = compose(config_name="config", overrides=[
            "segments=social_commerce", "network.n=200", "steps=5", "strategy=ads",
            "strategy.ads.segment=offline", "segments.groups.offline.persuasion=0.07"])
    params = to_run_params(cfg)
    assert params.segments.names == ("social_first", "review_readers", "offline")
    assert dict(params.segments.groups[2].overrides)["persuasion"] == 0.07
    write_run(run(params), tmp_path, figure=False)
    table = pd.read_csv(tmp_path / "segments.csv")
    assert table.groupby("step")["consumers"].sum().eq(200).all()


@pytest.mark.slow
def test_segments_csv_is_written_through_the_cli(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "run"
    subprocess.run([sys.executable, "-m", "experiments.run", "segments=social_commerce",
                    "network.n=200", "steps=10", f"hydra.run.dir={out}"], check=True,
                   capture_output=True)
    table = pd.read_csv(out / "segments.csv")
    assert set(table["segment"]) == {"social_first", "review_readers", "offline"}
    assert table.groupby("step")["consumers"].sum().eq(200).all()


@pytest.mark.slow
def test_the_preset_runs_end_to_end_and_answers_by_segment(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "sweep"
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.run", "experiment=segments_and_visibility",
         "network.n=300", "steps=40", "replicates=3", "budget=300", "hydra/launcher=basic",
         "strategy.influencer_seeding.k=100",
         f"hydra.sweep.dir={out}"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    md = (out / "comparison.md").read_text()
    assert "Which segment should the influencer budget target" in md
    assert "## Adoption by segment" in md and "social_first" in md
    assert "Fund " in md or "No clear winner" in md
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 4 * 2 * 3 and "segment_offline_adoption_rate" in runs
