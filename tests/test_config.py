"""Hydra composition of every option of every group, and one-line errors for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from experiments.config import CONFIG_DIR, group_options, to_run_params
from models.params import ParameterError
from models.strategies import STRATEGY_NAMES
from simulation.running.runner import RunParams

ROOT = Path(__file__).resolve().parent.parent


def composed(overrides: list[str]):
    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
        return compose(config_name="config", overrides=overrides)


def test_default_config():
    params = to_run_params(composed([]))
    assert isinstance(params, RunParams)
    assert params.network.name == "barabasi_albert" and params.network.n == 2000
    assert params.steps == 120 and params.strategies == ()


@pytest.mark.parametrize("option", group_options("network"))
def test_every_network_option(option, tmp_path):
    overrides = [f"network={option}"]
    if option == "file":
        edges = tmp_path / "g.edges"
        edges.write_text("0 1\n1 2\n")
        overrides.append(f"network.path={edges}")
    assert to_run_params(composed(overrides)).network.name == option


@pytest.mark.parametrize("group", ["consumer", "product", "debug"])
def test_every_other_group_option(group):
    for option in group_options(group):
        to_run_params(composed([f"{group}={option}"]))


def test_every_strategy_option_and_a_composition():
    assert set(group_options("strategy")) == set(STRATEGY_NAMES)
    for option in group_options("strategy"):
        params = to_run_params(composed([f"strategy={option}"]))
        assert len(params.strategies) == (option != "baseline")
    params = to_run_params(composed(["strategy=[influencer_seeding,ads]", "budget=100"]))
    assert [type(s).__name__ for s in params.strategies] == ["InfluencerSeeding", "Ads"]


@pytest.mark.parametrize("option", group_options("experiment"))
def test_every_experiment_preset_composes(option):
    to_run_params(composed([f"experiment={option}"]))


def test_targeting_override():
    cfg = composed(["strategy=influencer_seeding",
                    "strategy.influencer_seeding.targeting=pagerank"])
    assert to_run_params(cfg).strategies[0].targeting == "pagerank"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("consumer.share_prob=1.5", "consumer.share_prob = 1.5: must be a probability in [0, 1]"),
        ("network.n=-5", "network.n = -5: must be an integer in [1, 1e9]"),
        ("strategy.influencer_seeding.targeting=psychic",
         "strategy.influencer_seeding.targeting = 'psychic': must be one of"),
        ("product.quality=7", "product.quality = 7: must be a number in [1, 5]"),
        ("budget=-1", "budget = -1: must be null or a number in [0, 1e12]"),
        ("steps=-3", "steps = -3: must be an integer in [0, 1e6]"),
        ("network.ties=strong", "network.ties = 'strong': must be one of"),
    ],
)
def test_bad_values_name_key_value_and_range(override, message):
    overrides = [override]
    if override.startswith("strategy."):
        overrides.insert(0, "strategy=influencer_seeding")
    with pytest.raises(ParameterError) as err:
        to_run_params(composed(overrides))
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.run", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["network.n=-5"], "network.n = -5"),
        (["consumer.share_prob=1.5"], "consumer.share_prob = 1.5"),
        (["strategy=word_of_god"], "strategy = 'word_of_god'"),
        (["network=file", "network.path=/no/such/file.edges"],
         "network.path = '/no/such/file.edges'"),
        (["network=file"], "network.path"),
        (["network=hypercube"], "network = 'hypercube'"),
    ],
)
def test_cli_bad_input_one_line_nonzero_and_no_run_dir(tmp_path, args, names):
    out = tmp_path / "run"
    proc = cli(*args, f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert names in lines[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_cli_unparseable_graph_file(tmp_path):
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><this is not xml")
    proc = cli("network=file", f"network.path={bad}", f"hydra.run.dir={tmp_path / 'r'}",
               cwd=tmp_path)
    assert proc.returncode == 2
    assert "could not be parsed as graphml" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
