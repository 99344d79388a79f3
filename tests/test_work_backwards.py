"""End-to-end: experiments.work_backwards through the real CLI, and its input checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["network.n=100", "steps=25", "backwards.replicates=2"]


def cli(*args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "experiments.work_backwards", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=600)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_decompose_writes_tables_figure_and_plain_words(tmp_path):
    out = tmp_path / "wb"
    proc = cli(*SMALL, "content=default", "strategy=ads", f"hydra.run.dir={out}", cwd=tmp_path)
    assert "the Shapley values sum to" in proc.stdout
    shapley = pd.read_csv(out / "shapley.csv")
    assert list(shapley["content_type"]) == ["post", "review"]
    cf = pd.read_csv(out / "counterfactual.csv")
    assert list(cf["arm"]) == ["without post", "without review", "without discovery",
                               "without ad"]
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 2 * (4 + 2)  # 4 coalitions of 2 types, 2 channels, per seed
    paths = pd.read_csv(out / "touch_paths.csv")
    assert set(paths.columns) >= {"channel", "first_touch", "last_touch", "touches"}
    summary = json.loads((out / "summary.json").read_text())
    e = summary["efficiency"]
    assert abs(e["shapley_sum"] - e["total_incremental_adopters"]) < 1e-9
    assert (out / "work_backwards.png").stat().st_size > 10_000
    assert "Encourage" in (out / "recommendation.txt").read_text()


@pytest.mark.slow
def test_incentives_preset_recommends_one_type(tmp_path):
    out = tmp_path / "inc"
    proc = cli("backwards=incentives", "network.n=300", "steps=60", "backwards.replicates=5",
               f"hydra.run.dir={out}", cwd=tmp_path)
    table = pd.read_csv(out / "incentives.csv")
    assert list(table["content_type"]) == ["post", "review", "photo", "story", "q_and_a"]
    assert (table["incentive_spend"] > 0).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["best"] in set(table["content_type"])
    assert "per 1,000 of incentive" in proc.stdout


@pytest.mark.parametrize(("overrides", "message"), [
    (["backwards.replicates=1"], "backwards.replicates = 1: must be an integer >= 2"),
    (["backwards.permutations=0"], "backwards.permutations = 0: must be an integer >= 1"),
    (["+backwards.incentive=0.1"], "backwards.incentive = 0.1: must be a key of "
                                   "backwards=decompose"),
    (["backwards=incentives", "backwards.types=[photo,selfie]"], "backwards.types = "
                                                                  "['photo', 'selfie']"),
    (["backwards=incentives", "budget=null"], "budget = None: must be a number > 0"),
    (["backwards=incentives", "backwards.incentive=0"], "backwards.incentive = 0: must be > 0"),
    (["content.types.photo.prob=2"], "content.types.photo.prob = 2: must be a probability"),
    (["+content.types.photo.colour=1"], "content.types.photo.colour = 1: unknown key"),
    (["content.types.post.enabled=false", "content.types.review.enabled=false",
      "content.types.photo.enabled=false", "content.types.story.enabled=false",
      "content.types.q_and_a.enabled=false"], "content.types = []: must be at least one"),
    (["strategy=amplify", "strategy.amplify.type=q_and_a"],
     "strategy.amplify.type = 'q_and_a': must be a content type that acts on the feed"),
])
def test_config_errors_name_the_key(overrides, message, monkeypatch):
    """The checks the CLI runs before any work, on configs composed in-process."""
    from hydra import compose, initialize_config_dir

    from experiments.config import CONFIG_DIR
    from experiments.work_backwards import check_config
    from models.params import ParameterError

    monkeypatch.chdir(ROOT)
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("work_backwards", overrides=overrides)
    with pytest.raises(ParameterError) as err:
        check_config(cfg)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("args", [["backwards=nope"], ["backwards.replicates=1"]])
def test_bad_input_is_one_line_exit_2_and_no_folder(tmp_path, args):
    out = tmp_path / "bad"
    proc = cli(*args, f"hydra.run.dir={out}", cwd=tmp_path, ok=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert proc.stderr.startswith("peerbuy: error:")
    assert not out.exists()
