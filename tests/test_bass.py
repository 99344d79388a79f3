"""Docking against the Bass model on a complete graph (README: "Checking against Bass").

Setting: immediate purchase (impulse_prob 1), no forgetting, no research, permanent
sharers (share_prob 1, dissatisfaction impossible: quality 5, rating_noise 0). Mapping:
p = consumer.discovery_prob, q = consumer.persuasion * (n - 1).
"""

from __future__ import annotations

import numpy as np
import pytest

from models.params import ConsumerParams, ProductParams
from simulation.bass import bass_curve, journey_bass_curve
from simulation.networks import NetworkParams, build_network
from simulation.runner import RunParams, run


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


def test_mean_curve_matches_the_journey_bass_recurrence():
    # 30 replicates of 401 consumers: the standard error of the mean fraction is below
    # 0.005 at every step, so 0.015 is three of them.
    p, q, n, steps = 0.01, 0.1, 401, 70
    sim = mean_curve(p, q, n, steps, reps=30)
    theory = journey_bass_curve(p, q / (n - 1), n, steps)
    assert np.abs(sim - theory).max() < 0.015


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
