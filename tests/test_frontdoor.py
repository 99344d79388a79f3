"""The front door: a battery of bad inputs, each refused in one line naming its key.

Most cases go in-process through ``experiments.frontdoor.preflight``, the function the
CLI runs before Hydra; a representative subset goes through real subprocesses (exit 2,
exactly one stderr line, no traceback, no folder left).
"""

from __future__ import annotations

import bz2
import gzip
import math
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.config import iter_sections, network_keys
from experiments.frontdoor import preflight
from models.params import ParameterError
from models.schema import Spec
from simulation.params import NETWORKS

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample_network.edges"


def _network_for(key: str) -> str:
    return next(n for n in NETWORKS if key in network_keys(n) and n != "file")


def _prefix(section: str, key: str) -> list[str]:
    """Overrides that select the option a key belongs to."""
    if section.startswith("strategy."):
        return [f"strategy={section.split('.')[1]}"]
    if section == "network" and key not in ("path", "name"):
        return [f"network={_network_for(key)}"]
    return []


def _bad_values(spec: Spec) -> list[object]:
    """Values outside a spec, written as on the command line."""
    if spec.kind == "choice":
        return ["bogus_choice"]
    if spec.kind == "bool":
        return ["maybe"]
    if spec.kind == "text":
        return []
    bad: list[object] = ["abc"]
    if spec.low is not None:
        bad.append(spec.low if spec.low_open else spec.low - (1 if spec.kind == "integer"
                                                               else 0.5))
    if spec.high is not None:
        bad.append(spec.high * 10 + 1 if spec.high > 0 else spec.high + 1)
    if spec.kind == "integer":
        bad.append(2.5)
    if spec.even:
        bad.append(5)
    bad.append("nan")
    return bad


def _schema_cases() -> list[tuple[list[str], str]]:
    cases = []
    for section, _title, specs in iter_sections():
        for spec in specs.values():
            key = f"{section}.{spec.name}" if section else spec.name
            if spec.name == "name":
                continue
            for value in _bad_values(spec):
                shown = repr(value) if isinstance(value, float) else str(value)
                cases.append(([*_prefix(section, spec.name), f"{key}={shown}"], key))
    return cases


def _file_cases(tmp: Path) -> list[tuple[list[str], str]]:
    weighted = tmp / "weighted.edges"
    weighted.write_text("0 1 0.5\n1 2 0.7\n")
    heavy = tmp / "heavy.edges"
    heavy.write_text("0 1 2.5\n1 2 0.7\n")
    plain = tmp / "plain.edges"
    plain.write_text("0 1\n1 2\n")
    empty = tmp / "empty.edges"
    empty.write_text("# nothing here\n")
    bad_xml = tmp / "bad.graphml"
    bad_xml.write_text("<graphml><this is not xml")
    fake_gz = tmp / "fake.edges.gz"
    fake_gz.write_text("0 1\n")
    bad_gexf = tmp / "bad.gexf"
    bad_gexf.write_text("not gexf at all")
    f = ["network=file"]
    return [
        ([*f, f"network.path={weighted}"], "network.path"),
        ([*f, f"network.path={plain}", "network.ties=file"], "network.ties"),
        ([*f, f"network.path={heavy}", "network.ties=file"], "network.path"),
        ([*f, f"network.path={empty}"], "network.path"),
        ([*f, f"network.path={bad_xml}"], "network.path"),
        ([*f, f"network.path={fake_gz}"], "network.path"),
        ([*f, f"network.path={bad_gexf}"], "network.path"),
        ([*f, f"network.path={tmp / 'missing.edges'}"], "network.path"),
        ([*f, f"network.path={tmp}"], "network.path"),
        (f, "network.path"),
        ([*f, f"network.path={plain}", "strategy=influencer_seeding",
          "strategy.influencer_seeding.k=3"], "strategy.influencer_seeding.k"),
        (["network.ties=file"], "network.ties"),
    ]


#: The examples of the issue's "Why", and other inputs that need more than one key.
WHY = [
    (["consumer.nonsense=1"], "consumer.nonsense"),
    (["foo=1"], "foo"),
    (["+foo=1"], "foo"),
    (["++foo=1"], "foo"),
    (["stepz=3"], "stepz"),
    (["consumer.shar_prob=0.2"], "consumer.shar_prob"),
    (["strategy.ads.reach=0.5"], "strategy.ads.reach"),
    (["strategy=influencer_seeding", "strategy.ads.reach=0.5"], "strategy.ads.reach"),
    (["network=karate", "network.n=5"], "network.n"),
    (["network=karate", "+network.n=5"], "network.n"),
    (["+network.path=x"], "network.path"),
    (["++network.path=x"], "network.path"),
    (["network.blocks=3"], "network.blocks"),
    (["hydra/launcher=nonexistent"], "hydra/launcher"),
    (["hydra/sweeper=nonexistent"], "hydra/sweeper"),
    (["network.n=[1"], "network.n=[1"),
    (["network.n=1,2,"], "network.n=1,2,"),
    (["strategy=[ads"], "strategy=[ads"),
    (["=5"], "=5"),
    (["strategy.influencer_seeding.k=5", "strategy=influencer_seeding",
      "strategy.influencer_seeding.k=5000"], "strategy.influencer_seeding.k"),
    (["network=karate", "strategy=influencer_seeding", "strategy.influencer_seeding.k=34"],
     "strategy.influencer_seeding.k"),
    (["strategy=[ads,ads]"], "strategy"),
    (["strategy=[referral,ads,referral]"], "strategy"),
    (["strategy=[]"], "strategy"),
    (["~network"], "network"),
    (["~consumer"], "consumer"),
    (["~consumer.share_prob"], "consumer.share_prob"),
    (["network=watts_strogatz", "network.k=5"], "network.k"),
    (["network=watts_strogatz", "network.k=2000"], "network.k"),
    (["network=stochastic_block", "network.blocks=5000"], "network.blocks"),
    (["network=stochastic_block", "network.blocks=1e18"], "network.blocks"),
    (["network=stochastic_block", "network.blocks=1000000000000000000"], "network.blocks"),
    (["network=erdos_renyi", "network.mean_degree=1e18"], "network.mean_degree"),
    (["network=erdos_renyi", "network.mean_degree=2000"], "network.mean_degree"),
    (["network.m=2000"], "network.m"),
    (["network=powerlaw_cluster", "network.m=2000"], "network.m"),
    (["strategy=share_buttons", "strategy.share_buttons.multiplier=0"],
     "strategy.share_buttons.multiplier"),
    (["strategy=referral", "strategy.referral.share_boost=0"], "strategy.referral.share_boost"),
    (["strategy=community", "strategy.community.forget_multiplier=3"],
     "strategy.community.forget_multiplier"),
    (["strategy=ads", "strategy.ads.start=200", "strategy.ads.end=300"], "strategy.ads.start"),
    (["strategy=ads", "steps=30", "strategy.ads.start=31"], "strategy.ads.start"),
    (["strategy=ads", "strategy.ads.start=50", "strategy.ads.end=10"], "strategy.ads.end"),
    (["steps=1e18"], "steps"),
    (["steps=1000000000000000000"], "steps"),
    (["replicates=1e18"], "replicates"),
    (["replicates=1000000000000000000"], "replicates"),
    (["replicates=0"], "replicates"),
    (["network.n=1e18"], "network.n"),
    (["network.n=1000000000000000000"], "network.n"),
    (["network=complete", "network.n=200000"], "network.n"),
    (["network=complete", "network.n=200000", "memory_limit_gb=1"], "network.n"),
    (["network.n=100000000", "network.m=50"], "network.n"),
    (["engine=agent", "network.n=300000"], "engine"),
    (["engine=agent", "network=erdos_renyi", "network.n=300000"], "engine"),
    (["strategy=more_reviews", "strategy.more_reviews.seeded_reviews=1e18"],
     "strategy.more_reviews.seeded_reviews"),
    (["strategy=more_reviews", "strategy.more_reviews.seeded_reviews=1000000000000000000"],
     "strategy.more_reviews.seeded_reviews"),
    (["network=hypercube"], "network"),
    (["network=barabasi"], "network"),
    (["strategy=word_of_god"], "strategy"),
    (["strategy=[ads,word_of_god]"], "strategy"),
    (["consumer=nope"], "consumer"),
    (["product=luxury"], "product"),
    (["experiment=nope"], "experiment"),
    (["debug=loud"], "debug"),
    (["-m", "seed=0,1", "network.n=-5"], "network.n"),
    (["-m", "network=barabasi_albert,karate", "+network.n=5"], "network.n"),
    (["-m", "strategy=baseline,ads", "+network.path=x"], "network.path"),
    (["-m", "network=karate,erdos_renyi", "+network.m=3"], "network.m"),
    (["-m", "network.n=100,-1"], "network.n"),
    (["--frobnicate"], "--frobnicate"),
    (["--config-path", "/no/such/dir", "--config-name", "config"], "--config-path"),
    (["--config-name", "nope"], "--config-name"),
    (["--config-path"], "--config-path"),
    (["memory_limit_gb=0"], "memory_limit_gb"),
    (["memory_limit_gb=-1"], "memory_limit_gb"),
    (["network.tie_strength=0"], "network.tie_strength"),
    (["budget=-1"], "budget"),
    (["budget=abc"], "budget"),
    (["seed=-1"], "seed"),
    (["engine=gpu"], "engine"),
    (["+max_frames=3"], "max_frames"),  # an animate key: refused by experiments.run
]

#: Keys only experiments.animate takes.
ANIMATE = [
    (["+max_frames=1"], "max_frames"),
    (["+max_frames=abc"], "max_frames"),
    (["+fps=0"], "fps"),
    (["+fps=1000"], "fps"),
    (["+compare_baseline=maybe"], "compare_baseline"),
    (["+max_frame=10"], "max_frame"),
]


def _check(argv: list[str], key: str, extra=None) -> None:
    from experiments.animate import EXTRA

    with pytest.raises(ParameterError) as err:
        preflight(argv, EXTRA if extra else {})
    message = str(err.value)
    assert "\n" not in message, message
    assert key in message, (key, message)


SCHEMA_CASES = _schema_cases()


def test_the_battery_is_broad():
    assert len(SCHEMA_CASES) + len(WHY) + len(ANIMATE) + 12 >= 150


@pytest.mark.parametrize(("argv", "key"), SCHEMA_CASES, ids=[" ".join(a) for a, _ in SCHEMA_CASES])
def test_every_key_refuses_values_outside_its_range(argv, key):
    _check(argv, key)


@pytest.mark.parametrize(("argv", "key"), WHY, ids=[" ".join(a) for a, _ in WHY])
def test_bad_command_lines_are_refused_in_one_line(argv, key):
    _check(argv, key)


@pytest.mark.parametrize(("argv", "key"), ANIMATE, ids=[" ".join(a) for a, _ in ANIMATE])
def test_animate_keys(argv, key):
    _check(argv, key, extra=True)


def test_bad_network_files(tmp_path):
    for argv, key in _file_cases(tmp_path):
        _check(argv, key)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["network=karate"],
        ["network=file", f"network.path={SAMPLE}"],
        ["strategy=[influencer_seeding,ads]", "budget=5000"],
        ["strategy=ads", "steps=30"],  # the window runs past the last day: allowed
        ["debug=quick", "strategy=ads"],
        ["experiment=review_incentive"],
        ["-m", "seed=0,1", "strategy=baseline,influencer_seeding"],
        ["-m", "network=barabasi_albert,file", f"++network.path={SAMPLE}"],
        ["network=complete", "network.n=200000", "memory_limit_gb=100000"],
        ["network=stochastic_block", "network.blocks=2000"],
        ["--help"],
        ["--cfg", "job"],
    ],
)
def test_good_command_lines_pass(argv):
    preflight(argv)


def cli(module: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("module", "args", "key"),
    [
        ("experiments.run", ["consumer.nonsense=1"], "consumer.nonsense"),
        ("experiments.run", ["strategy.ads.reach=0.5"], "strategy.ads.reach"),
        ("experiments.run", ["hydra/launcher=nonexistent"], "hydra/launcher"),
        ("experiments.run", ["network=complete", "network.n=200000"], "network.n"),
        ("experiments.run", ["strategy=[ads,ads]"], "strategy"),
        ("experiments.run", ["network.n=[1"], "network.n"),
        ("experiments.animate", ["+fps=0"], "fps"),
        ("experiments.benchmark", ["--sizes", "0"], "--sizes"),
        ("experiments.benchmark", ["--out", "/proc/no/such.json"], "--out"),
    ],
)
def test_cli_refuses_in_one_line_without_folder(tmp_path, module, args, key):
    run_dir = tmp_path / "run"
    extra = [] if module == "experiments.benchmark" else [f"hydra.run.dir={run_dir}"]
    proc = cli(module, *args, *extra, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("peerbuy: error: ") and key in lines[0]
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_lists_every_key_with_default_and_range(tmp_path):
    proc = cli("experiments.run", "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    for section, _title, specs in iter_sections():
        for spec in specs.values():
            key = f"{section}.{spec.name}" if section else spec.name
            assert key in text, key
            assert " ".join(spec.meaning.split()) in text, key
            assert " ".join(spec.range_text.split()) in text, key
    assert "Default 0.15; allowed [0, 1]" in text  # consumer.share_prob
    animate = cli("experiments.animate", "--help", cwd=tmp_path)
    assert "max_frames" in animate.stdout and "fps" in animate.stdout
    bench = cli("experiments.benchmark", "--help", cwd=tmp_path)
    assert "(default: 90)" in " ".join(bench.stdout.split())


def test_weighted_edge_list_gives_tie_strengths(tmp_path):
    from simulation.networks.generators import build_network
    from simulation.params import NetworkParams

    path = tmp_path / "w.edges"
    path.write_text("# u v weight\n10 20 0.25\n20 30 1.0\n")
    graph = build_network(NetworkParams(name="file", path=str(path), ties="file"), 0)
    g = graph.nx_graph
    assert sorted(g.edges(data="weight")) == [(0, 1, 0.25), (1, 2, 1.0)]


@pytest.mark.parametrize("opener", [gzip.open, bz2.open])
def test_compressed_files_are_read(tmp_path, opener):
    from simulation.networks.generators import read_graph_file

    suffix = ".gz" if opener is gzip.open else ".bz2"
    edges = tmp_path / f"g.edges{suffix}"
    with opener(edges, "wt") as f:
        f.write("1 2\n2 3\n3 1\n")
    assert read_graph_file(edges).number_of_edges() == 3
    graphml = tmp_path / f"g.graphml{suffix}"
    import networkx as nx

    nx.write_graphml(nx.path_graph(5), graphml)
    assert read_graph_file(graphml).number_of_edges() == 4


def test_many_seeded_reviews_are_counted_not_looped():
    from models.campaign import Campaign
    from models.strategies import MoreReviews

    campaign = Campaign([MoreReviews(seeded_reviews=10**9, cost_per_seeded_review=2.0)],
                        budget=1001.0, n=10)
    launch = campaign.launch(graph=None, rng=None)  # type: ignore[arg-type]
    assert launch.seeded_review_count == 500 and launch.spend == 1000.0
    free = Campaign([MoreReviews(seeded_reviews=10**9, cost_per_seeded_review=0.0)], n=10)
    assert free.launch(graph=None, rng=None).seeded_review_count == 10**9  # type: ignore[arg-type]


def test_memory_estimate_names_the_override_key():
    with pytest.raises(ParameterError) as err:
        preflight(["network=complete", "network.n=200000"])
    assert "memory_limit_gb" in str(err.value) and "TB" in str(err.value)
    assert math.isfinite(len(str(err.value)))


def test_ctrl_c_one_line_exit_130_no_folder(tmp_path):
    import signal
    import time

    run_dir = tmp_path / "run"
    # About 10 s of simulation and little to write: the interrupt lands in Python code (the
    # graph build or the day loop), not in a long C call writing 50,000 rows, and the run
    # cannot finish before it even on a loaded machine.
    with subprocess.Popen([sys.executable, "-m", "experiments.run", "steps=5000",
                           "network.n=50000",
                           f"hydra.run.dir={run_dir}"], cwd=tmp_path, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          # A shell starts background jobs with SIGINT ignored, and Python
                          # then never raises KeyboardInterrupt: give the run Ctrl-C back.
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
                          ) as proc:
        deadline = time.monotonic() + 120
        while not (run_dir / "provenance.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # inside the day loop
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [
        "peerbuy: error: interrupted (Ctrl-C); unfinished run folders were removed"]
    assert list(tmp_path.iterdir()) == []


def test_rerun_from_a_relative_config_path(tmp_path, monkeypatch):
    """Hydra resolves a relative --config-path against experiments/, not the launch folder."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from experiments.config import CONFIG_DIR

    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
        cfg = compose(config_name="config", overrides=["strategy=ads", "steps=7"])
    saved = tmp_path / "job" / ".hydra"
    saved.mkdir(parents=True)
    OmegaConf.save(cfg, saved / "config.yaml")
    proc = cli("experiments.run", "--config-path", "job/.hydra", "--config-name", "config",
               "--cfg", "job", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "steps: 7" in proc.stdout
    monkeypatch.chdir(tmp_path)
    cmd = preflight(["--config-path", "job/.hydra", "--config-name", "config", "steps=3"])
    assert cmd.config_dir == saved.resolve()
    with pytest.raises(ParameterError, match=r"strategy\.ads\.start"):
        preflight(["--config-path", "job/.hydra", "--config-name", "config", "steps=0"])


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["network=karate", "strategy=[ads,referral]", "consumer=bass", "product=poor"],
        ["network=complete", "network.n=50", "steps=3", "budget=10.5", "seed=4"],
        ["network=stochastic_block", "strategy=influencer_seeding",
         "strategy.influencer_seeding.targeting=pagerank", "consumer.share_prob=0.5"],
        ["strategy=more_reviews", "engine=vectorized", "memory_limit_gb=3", "replicates=2"],
    ],
)
def test_the_fast_path_composes_what_hydra_composes(argv):
    """A refusal found without Hydra is trusted, so the fast composition must match it."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from experiments.config import CONFIG_DIR
    from experiments.frontdoor import _selected, _simple_compose

    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
        cfg = compose(config_name="config", overrides=argv)
    assert _simple_compose(argv, _selected(argv)) == OmegaConf.to_container(cfg)


def test_benchmark_keeps_each_finished_size(tmp_path, monkeypatch, capsys):
    """A failure at the second size keeps the first size's result on disk."""
    import json
    import types

    from experiments import benchmark

    calls = []

    def worker(cmd, **kwargs):
        calls.append(cmd)
        n = int(cmd[cmd.index("--worker") + 1])
        if len(calls) == 2:
            return types.SimpleNamespace(returncode=1, stdout="", stderr="boom")
        return types.SimpleNamespace(returncode=0, stdout=json.dumps({"n": n}), stderr="")

    monkeypatch.setattr(benchmark.subprocess, "run", worker)
    out = tmp_path / "deep" / "bench.json"
    assert benchmark.main(["--sizes", "100", "200", "--steps", "3", "--out", str(out)]) == 1
    assert json.loads(out.read_text())["sizes"] == [{"n": 100}]
    assert [p.name for p in out.parent.iterdir()] == ["bench.json"]  # no temp file left


def test_benchmark_runs_peers_only_up_to_peers_max_and_says_why(tmp_path, monkeypatch):
    import json
    import types

    from experiments import benchmark

    cmds = []

    def worker(cmd, **kwargs):
        cmds.append(cmd)
        n = int(cmd[cmd.index("--worker") + 1])
        peer = {"status": "skipped", "note": "--no-peers"} if "--no-peers" in cmd else \
            {"status": "ok"}
        return types.SimpleNamespace(returncode=0, stderr="", stdout=json.dumps(
            {"n": n, "engines": {"vectorized": {"status": "ok"}, "ndlib_si": peer}}))

    monkeypatch.setattr(benchmark.subprocess, "run", worker)
    for table in ("format_table", "format_targets"):  # (the stub results are partial)
        monkeypatch.setattr(benchmark.bench_report, table, lambda report: "")
    out = tmp_path / "bench.json"
    assert benchmark.main(["--sizes", "100", "200", "--peers-max", "150", "--big", "0",
                           "--out", str(out)]) == 0
    assert ["--no-peers" in c for c in cmds] == [False, True]
    small, big = json.loads(out.read_text())["sizes"]
    assert small["engines"]["ndlib_si"] == {"status": "ok"}
    assert "above --peers-max 150" in big["engines"]["ndlib_si"]["note"]
    assert big["engines"]["vectorized"] == {"status": "ok"}


@pytest.mark.parametrize(
    ("args", "flag"),
    [(["--sizes", "0"], "--sizes"), (["--sizes", "10", "--m", "10"], "--sizes"),
     (["--peers-max", "-1"], "--peers-max"),
     (["--m", "0"], "--m"), (["--steps", "0"], "--steps"), (["--seed", "-1"], "--seed"),
     (["--budget", "0"], "--budget"), (["--budget", "nan"], "--budget"),
     (["--sizes", "30000000"], "--sizes"), (["--out", "/"], "--out"),
     (["--big", "3"], "--big"), (["--readme", "--out", "/no/such.json"], "--out")],
)
def test_benchmark_checks_its_arguments_before_measuring(args, flag, capsys):
    from experiments import benchmark

    assert benchmark.main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and flag in err[0]


@pytest.mark.slow
def test_benchmark_end_to_end_writes_every_size(tmp_path):
    import json

    out = tmp_path / "b.json"
    proc = cli("experiments.benchmark", "--sizes", "60", "80", "--steps", "2", "--no-peers",
               "--big", "0", "--budget", "5", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [r["n"] for r in json.loads(out.read_text())["sizes"]] == [60, 80]
