"""Shapley values of a game over a few players: exact over every coalition, or sampled.

Values may be arrays (one entry per replicate): every formula is linear in the game's
values, so the Shapley values of each replicate come out at once (Shapley 1953, "A value
for n-person games", Contributions to the Theory of Games II, 307-317).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Mapping, Sequence

import numpy as np

#: Most players for the exact formula (2^n coalitions, each a set of runs).
MAX_EXACT = 6


def coalitions(players: Sequence[Hashable]) -> list[frozenset]:
    """Every subset of ``players``, smallest first (the empty coalition first)."""
    return [frozenset(c) for r in range(len(players) + 1)
            for c in itertools.combinations(players, r)]


def shapley_exact(players: Sequence[Hashable],
                  value: Mapping[frozenset, float | np.ndarray]) -> dict:
    """Exact Shapley values from the value of every coalition.

    ``phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! [v(S + i) - v(S)]``.

    Args:
        players: The players (at most ``MAX_EXACT``).
        value: ``v(S)`` for every coalition S (``coalitions(players)``); floats or arrays
            of one shape (replicates).

    Returns:
        Each player's Shapley value (a float or an array like the values). They sum to
        ``v(all) - v(none)`` (efficiency).
    """
    n = len(players)
    if n > MAX_EXACT:
        raise ValueError(f"{n} players: the exact formula takes at most {MAX_EXACT}; "
                         "use shapley_sampled")
    out = {}
    for i in players:
        others = [p for p in players if p != i]
        total = 0.0
        for r in range(n):
            weight = math.factorial(r) * math.factorial(n - r - 1) / math.factorial(n)
            for c in itertools.combinations(others, r):
                s = frozenset(c)
                total = total + weight * (np.asarray(value[s | {i}], dtype=float)
                                          - np.asarray(value[s], dtype=float))
        out[i] = total
    return out


def shapley_sampled(players: Sequence[Hashable], value: Callable[[frozenset], float],
                    permutations: int, rng: np.random.Generator) -> tuple[dict, dict]:
    """Shapley values estimated from random orders of the players (Castro et al. 2009).

    Each order adds the players one by one; a player's marginal contribution in that
    order is one unbiased draw of its Shapley value. Coalition values are cached.

    Args:
        players: The players.
        value: ``v(S)`` of a coalition (a float).
        permutations: How many random orders.
        rng: The random generator of the orders.

    Returns:
        ``(mean, standard_error)`` per player; in every order the contributions sum to
        ``v(all) - v(none)``, so the means do too.
    """
    cache: dict[frozenset, float] = {}

    def v(s: frozenset) -> float:
        if s not in cache:
            cache[s] = float(value(s))
        return cache[s]

    draws: dict = {p: [] for p in players}
    for _ in range(permutations):
        s: frozenset = frozenset()
        for k in rng.permutation(len(players)):
            p = players[int(k)]
            draws[p].append(v(s | {p}) - v(s))
            s = s | {p}
    mean = {p: float(np.mean(d)) for p, d in draws.items()}
    se = {p: float(np.std(d, ddof=1) / math.sqrt(len(d))) if len(d) > 1 else math.nan
          for p, d in draws.items()}
    return mean, se
