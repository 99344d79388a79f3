"""End-to-end runs through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from models.market import TIMESERIES_COLUMNS

SHARED_EDGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "ego-facebook.edges"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "experiments.run", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_default_run_writes_the_run_directory(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(f"hydra.run.dir={out}", cwd=tmp_path)
    assert f"outputs: {out}" in proc.stdout
    assert "adopters:" in proc.stdout
    ts = pd.read_csv(out / "timeseries.csv")
    assert tuple(ts.columns) == TIMESERIES_COLUMNS
    assert len(ts) == 121 and ts["step"].tolist() == list(range(121))
    summary = json.loads((out / "summary.json").read_text())
    for key in ("adopters", "reach", "time_to_10pct", "time_to_50pct", "peak_step",
                "aware_to_research", "research_to_purchase", "aware_to_purchase",
                "adopters_via_share", "revenue", "spend", "profit", "cpa", "seed", "n",
                "steps", "engine", "wall_seconds"):
        assert key in summary
    assert summary["n"] == 2000 and summary["steps"] == 120
    assert (out / "adoption.png").stat().st_size > 10_000
    assert (out / ".hydra" / "config.yaml").exists()
    # S-shaped: slow start, then faster growth (not instant, not flat).
    adopters = ts["adopters"]
    assert 0 < adopters.iloc[30] < 0.1 * 2000
    assert adopters.iloc[120] - adopters.iloc[90] > adopters.iloc[30] - adopters.iloc[0]


def test_influencer_pagerank_watts_strogatz_twice_identical(tmp_path):
    args = ["strategy=influencer_seeding", "network=watts_strogatz", "seed=7",
            "strategy.influencer_seeding.targeting=pagerank"]
    run_cli(*args, f"hydra.run.dir={tmp_path / 'a'}", cwd=tmp_path)
    run_cli(*args, f"hydra.run.dir={tmp_path / 'b'}", cwd=tmp_path)
    a = (tmp_path / "a" / "timeseries.csv").read_bytes()
    assert a == (tmp_path / "b" / "timeseries.csv").read_bytes()
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["seeded"] == 10 and summary["spend"] > 0


@pytest.mark.slow
def test_real_facebook_network(tmp_path):
    if not SHARED_EDGES.is_file():
        pytest.skip(f"{SHARED_EDGES} not present (the shared data folder is optional)")
    out = tmp_path / "fb"
    run_cli("network=file", f"network.path={SHARED_EDGES}", "strategy=influencer_seeding",
            f"hydra.run.dir={out}", cwd=tmp_path)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n"] == 4039 and summary["adopters"] > 0
