"""Docking against the Bass model on a complete graph (README: "Checking against Bass").

Setting: immediate purchase (impulse_prob 1), no forgetting, no research, permanent
sharers (share_prob 1, dissatisfaction impossible: quality 5, rating_noise 0). Mapping:
p = consumer.discovery_prob, q = consumer.persuasion * (n - 1). The first test uses the
shipped preset ``network=complete consumer=bass`` as composed by Hydra.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from experiments.config import CONFIG_DIR, to_run_params
from models.params import ConsumerParams, ProductParams
from simulation.analysis.bass import bass_curve, journey_bass_curve
from simulation.networks.generators import NetworkParams, build_network
from simulation.running.runner import RunParams, run


def mean_curve(p: float, q: float, n: int, steps: int, reps: int) -> np.ndarray:
    consumer = ConsumerParams(
        discovery_prob=p, persuasion=q / (n - 1), share_prob=1.0, negative_share_prob=1.0,
        impulse_prob=1.0, interest_prob=0.0, forget_prob=0.0, review_prob=0.0,
        repurchase_prob=0.0, dormancy_prob=0.0, rating_noise=0.0,
    )
    net = NetworkParams(name="complete", n=n)
    graph = build_network(net, 0)
    curves = [
        run(RunParams(network=net, consumer=consumer, product=ProductParams(quality=5.0),
                      steps=steps, seed=s, engine="vectorized"), graph=graph)
        .timeseries["adopters"].to_numpy() / n
        for s in range(reps)
    ]
    return np.mean(curves, axis=0)


def test_shipped_preset_matches_the_journey_bass_curve():
    # The preset as shipped (network=complete consumer=bass, composed through Hydra), 20
    # replicates of 70 days. Tolerance: 3 standard errors of the 20-run mean, measured
    # from the runs (largest over the days: 0.0096, so the tolerance is 0.029). Measured:
    # largest deviation 0.008 on day 28 (0.003 with 40 runs). The old preset
    # (rating_noise 1: a third of buyers post negatively, q ~ 0.069) fails.
    params = preset(["network=complete", "consumer=bass"])
    n, c = params.network.n, params.consumer
    assert n == 500
    assert c.persuasion * (n - 1) == pytest.approx(0.0998)
    steps, reps = 70, 20
    graph = build_network(params.network, 0)
    runs = [run(replace(params, steps=steps, seed=s, engine="vectorized"), graph=graph)
            .timeseries for s in range(reps)]
    # Every buyer is a satisfied permanent sharer: no negative post, nobody dormant.
    assert all((t["shares_negative"] == 0).all() and (t["dormant"] == 0).all() for t in runs)
    curves = np.array([t["adopters"].to_numpy() / n for t in runs])
    se = curves.std(axis=0, ddof=1) / np.sqrt(reps)
    theory = journey_bass_curve(c.discovery_prob, c.persuasion, n, steps)
    assert 0.005 < se.max() < 0.015
    assert np.abs(curves.mean(axis=0) - theory).max() < 3 * se.max()


def preset(overrides: list[str]):
    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
        return to_run_params(compose(config_name="config", overrides=overrides))


@pytest.mark.parametrize(("p", "q"), [(0.003, 0.03), (0.01, 0.1)])
def test_mean_curve_follows_classical_bass(p, q):
    # The model buys one day after becoming aware and combines contacts as a noisy-or, so
    # it tracks the classical recurrence shifted by one step with a systematic gap that
    # grows with the per-step rates: at most 0.7 q (0.021 for q = 0.03, 0.07 for q = 0.1),
    # plus 0.015 for sampling.
    n = 401
    steps = int(6 / (p + q))
    sim = mean_curve(p, q, n, steps, reps=20)
    bass = bass_curve(p, q, steps)
    assert np.abs(sim[1:] - bass[:-1]).max() < 0.7 * q + 0.015
    # And the S-shape: the peak of new adoption is in the interior, as in Bass.
    peak = np.argmax(np.diff(sim))
    assert 0 < peak < steps - 1
