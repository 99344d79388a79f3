"""The Bass diffusion model, the analytic counterpart the simulation is docked against.

``bass_curve`` is the classical discrete-time Bass recurrence. ``journey_bass_curve`` is
the mean-field curve of peerbuy's journey in the Bass setting (complete graph, immediate
purchase, no forgetting, permanent positive sharers): awareness from discovery (p) and
from each customer's share (beta per contact, combined as a noisy-or), and a purchase
one step after awareness. As beta -> 0 with q = beta (n - 1) fixed and small p, q per
step, it approaches ``bass_curve`` shifted by one step.
"""

from __future__ import annotations

import numpy as np


def bass_curve(p: float, q: float, steps: int) -> np.ndarray:
    """Adopted fraction F(t), t = 0..steps, of ``F(t+1) = F + (p + q F)(1 - F)``.

    Args:
        p: Innovation coefficient (per step).
        q: Imitation coefficient (per step).
        steps: Number of steps.
    """
    f = np.zeros(steps + 1)
    for t in range(steps):
        f[t + 1] = f[t] + (p + q * f[t]) * (1.0 - f[t])
    return f


def journey_bass_curve(p: float, beta: float, n: int, steps: int) -> np.ndarray:
    """Mean-field adopted fraction of the journey model in the Bass setting.

    Each step an unaware consumer becomes aware with ``1 - (1 - p)(1 - beta)^(A n)``
    where ``A`` is the adopted fraction at the start of the step, and buys the next step.

    Args:
        p: ``consumer.discovery_prob``.
        beta: ``consumer.persuasion`` (ties of strength 1).
        n: Number of consumers (everyone sees everyone else's posts: ``n - 1`` contacts).
        steps: Number of steps.
    """
    aware = np.zeros(steps + 1)  # ever aware (fraction)
    adopted = np.zeros(steps + 1)
    for t in range(1, steps + 1):
        adopted[t] = aware[t - 1]
        # Sharers in step t are customers at its start; a consumer never sees their own post,
        # which the mean field ignores (an O(1/n) effect).
        hazard = 1.0 - (1.0 - p) * (1.0 - beta) ** (adopted[t - 1] * n)
        aware[t] = aware[t - 1] + (1.0 - aware[t - 1]) * hazard
    return adopted
