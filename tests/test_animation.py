"""The slide animation: frame sampling, the recorded run, the GIF and its Hydra command."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from models.params import ParameterError
from models.strategies import InfluencerSeeding
from simulation.classroom.animation import frame_steps, record_run, write_gif
from simulation.networks.generators import NetworkParams
from simulation.running.runner import RunParams, run

SMALL = RunParams(network=NetworkParams(n=60), strategies=(InfluencerSeeding(k=5),), seed=3,
                  steps=12)


def test_frame_steps_are_capped_and_keep_both_ends():
    assert frame_steps(90, 60).tolist()[:3] == [0, 2, 3]
    assert len(frame_steps(90, 60)) == 60
    assert frame_steps(90, 60)[-1] == 90
    assert frame_steps(5, 60).tolist() == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ParameterError, match="max_frames"):
        frame_steps(10, 1)


@pytest.mark.parametrize("engine", ["agent", "vectorized"])
def test_recording_matches_the_runner(engine):
    params = RunParams(**{**SMALL.__dict__, "engine": engine})
    rec = record_run(params, max_frames=5)
    ran = run(params)
    alone = run(RunParams(**{**SMALL.__dict__, "strategies": (), "engine": engine}))
    assert rec.adopters == ran.timeseries["adopters"].tolist()
    assert rec.baseline == alone.timeseries["adopters"].tolist()
    assert rec.states.shape == (len(rec.frames), 60)
    assert np.array_equal(rec.states[-1], ran.final["state"])
    assert rec.seeds.sum() == 5


def test_write_gif_has_the_sampled_frames(tmp_path):
    path = write_gif(SMALL, tmp_path / "run.gif", max_frames=4, fps=4)
    with Image.open(path) as im:
        assert im.format == "GIF"
        assert im.n_frames == 4


def test_too_big_a_network_is_refused(tmp_path):
    big = RunParams(network=NetworkParams(n=6000), steps=1)
    with pytest.raises(ParameterError, match=r"network\.n = 6000"):
        write_gif(big, tmp_path / "big.gif")


def test_hydra_command_writes_the_gif_into_the_run_dir(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "experiments.animate", "strategy=ads", "network.n=50", "steps=6",
         "+max_frames=3", f"hydra.run.dir={tmp_path}"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    with Image.open(tmp_path / "animation.gif") as im:
        assert im.n_frames == 3
    assert "calling model.step" not in (tmp_path / "animate.log").read_text()


def test_hydra_command_bad_input_one_line_and_no_run_dir(tmp_path):
    run_dir = tmp_path / "gif"
    out = subprocess.run(
        [sys.executable, "-m", "experiments.animate", "network.n=-3",
         f"hydra.run.dir={run_dir}"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "peerbuy: error: network.n = -3: must be an integer in [1, 1e9]"
    ]
    assert not run_dir.exists()
