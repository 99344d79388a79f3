"""The customer journey: states, awareness channels and the allowed transitions.

Declared once here; both engines and the tests read these tables.
"""

from __future__ import annotations

from enum import IntEnum


class JourneyState(IntEnum):
    """Where a consumer stands in the customer journey."""

    UNAWARE = 0
    AWARE = 1
    RESEARCHING = 2
    PURCHASED = 3
    FOLLOW_UP = 4
    DORMANT = 5
    REJECTED = 6


class Channel(IntEnum):
    """How a consumer last became aware of the product (used for attribution)."""

    NONE = 0
    DISCOVERY = 1  # background discovery: search, press, a shop shelf
    AD = 2
    SHARE = 3  # an organic share from a friend
    INFLUENCER = 4  # a sponsored post by a seeded influencer
    SEED = 5  # the consumer was seeded with the product


S = JourneyState

#: Allowed transitions (staying put is always allowed and not listed).
TRANSITIONS: dict[JourneyState, frozenset[JourneyState]] = {
    S.UNAWARE: frozenset({S.AWARE}),
    S.AWARE: frozenset({S.PURCHASED, S.RESEARCHING, S.UNAWARE}),
    S.RESEARCHING: frozenset({S.PURCHASED, S.REJECTED}),
    S.PURCHASED: frozenset({S.FOLLOW_UP}),
    S.FOLLOW_UP: frozenset({S.DORMANT}),
    S.DORMANT: frozenset(),
    S.REJECTED: frozenset(),
}

#: Column names of the state counts, in state order.
STATE_COLUMNS = tuple(s.name.lower() for s in JourneyState)


def is_allowed(before: int, after: int) -> bool:
    """Return whether ``before -> after`` is an allowed journey step (or no change)."""
    return before == after or JourneyState(after) in TRANSITIONS[JourneyState(before)]
