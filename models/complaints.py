"""Negative word of mouth with weight, and the brand's replies to complaints (both engines).

A negative post (a complaint) puts aware followers off with ``persuasion x tie x
negativity_weight`` per contact (``rules.deterred``); the brand may answer it
(``ReplyToComplaints``): an answered complaint weighs ``spread_factor`` as much, and the
complainer may turn satisfied at the end of the day.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models import rules
from models.market import per_tie
from models.params import ConsumerParams
from models.strategies import ReplyToComplaints


def reply_strategy(strategies: Sequence) -> ReplyToComplaints | None:
    """The run's ``ReplyToComplaints``, or None."""
    return next((s for s in strategies if isinstance(s, ReplyToComplaints)), None)


def negative_log_weights(consumers: Sequence[ConsumerParams], segment_of: np.ndarray,
                         receivers, factor: float = 1.0) -> np.ndarray | None:
    """Per-tie ``log(1 - p)`` of a complaint putting the follower off, or None when off.

    ``p = persuasion x tie strength x negativity_weight x factor`` with the follower's
    segment's parameters, in the receivers layout (row = the follower).

    Args:
        consumers: Each segment's consumer parameters.
        segment_of: Each consumer's segment index.
        receivers: The graph's receivers CSR (tie strengths).
        factor: ``ReplyToComplaints.spread_factor`` for answered complaints, else 1.
    """
    if not any(c.negativity_weight for c in consumers):
        return None
    persuasion = per_tie([c.persuasion for c in consumers], segment_of, receivers)
    weight = per_tie([c.negativity_weight * factor for c in consumers], segment_of, receivers)
    return rules.contact_log_weight(persuasion, receivers.data, weight)


def answered(levers, u):
    """Which complaints the brand answers today, from their ``Decision.REPLY`` uniforms."""
    return u < levers.reply_share


def recovers(levers, u):
    """Which answered complainers turn satisfied, from their ``Decision.RECOVERY`` uniforms."""
    return u < levers.reply_recovery


def book_recovery(who, tally) -> None:
    """Answered complainers ``who`` turn satisfied (end of the day)."""
    who.satisfied = True
    tally.recovered += who.count
