"""Randomness: one run seed split into independent streams, and counter-based uniforms.

The uniform that decides (step t, consumer i, decision k) is a hash of the run's
decision key, t, k and i (SplitMix64), so it is fixed by the seed alone, can be computed
only where a decision is actually taken, and is the same in both engines.
"""

from __future__ import annotations

from enum import IntEnum
from typing import overload

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_SCALE = 2.0**-52


class Decision(IntEnum):
    """The kinds of random decision; each gets its own independent uniform."""

    AWARENESS = 0  # unaware: becomes aware, and through which channel
    AWARE_MOVE = 1  # aware: impulse purchase, research or forget
    RESEARCH_MOVE = 2  # researching: buy or abandon
    SATISFACTION = 3  # at first purchase: the latent rating's normal deviate
    SHARE = 4  # post-purchase: shares this step
    REVIEW = 5  # post-purchase: writes the (one) review this step
    FOLLOW_UP_MOVE = 6  # follow-up: repurchase or go dormant
    REPLY = 7  # a complaint (negative post): the brand answers it this step
    RECOVERY = 8  # an answered complainer turns satisfied
    # Content type k makes a piece with code CONTENT + k (k < 64, ``models.content``): far
    # from the codes above, so new decisions elsewhere do not collide with it.
    CONTENT = 64


# Appending a stream leaves the others unchanged (SeedSequence children are keyed by
# position), so runs without segments draw exactly as before.
STREAMS = ("graph", "ties", "targeting", "decisions", "segments")


def split_seed(seed: int) -> dict[str, np.random.SeedSequence]:
    """Split one run seed into independent named streams.

    Args:
        seed: The run's seed (any non-negative integer).

    Returns:
        A ``SeedSequence`` per name in ``STREAMS``.
    """
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return dict(zip(STREAMS, children, strict=True))


def stream_int(seq: np.random.SeedSequence) -> int:
    """Return a 32-bit integer seed from a stream, for libraries that take an int."""
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def stream_key(seq: np.random.SeedSequence) -> int:
    """Return a 64-bit hashing key from a stream (the decisions stream gives the run's key)."""
    return int(seq.generate_state(1, dtype=np.uint64)[0])


def decision_key(seed: int) -> int:
    """Return the 64-bit key from which every decision uniform of a run is hashed."""
    return stream_key(split_seed(seed)["decisions"])


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def _base(key: int, step: int, decision: int) -> int:
    return _mix((key + _mix((step << 8) | int(decision)) * _GOLDEN) & _MASK)


@overload
def uniform(key: int, step: int, decision: int, consumer: int) -> float: ...
@overload
def uniform(key: int, step: int, decision: int, consumer: np.ndarray) -> np.ndarray: ...
def uniform(key, step, decision, consumer):
    """The uniform in (0, 1) that decides ``decision`` for ``consumer`` at ``step``.

    Works on one consumer index (pure Python, for the agent engine) or on an integer
    array of indices (numpy, for the vectorized engine); both give the same numbers.

    Args:
        key: The run's decision key (``decision_key(seed)``).
        step: The step number (>= 0).
        decision: A ``Decision``.
        consumer: A consumer index or an array of them.

    Returns:
        A float, or a float64 array shaped like ``consumer``.
    """
    base = _base(key, step, decision)
    if isinstance(consumer, np.ndarray):
        return uniform_at(np.uint64(base), consumer)
    z = _mix((base + int(consumer) * _GOLDEN) & _MASK)
    return ((z >> 12) + 0.5) * _SCALE


# The hash's constants as numpy scalars, made once (a small draw is mostly call overhead).
_U_GOLDEN = np.uint64(_GOLDEN)
_U_ROUNDS = ((np.uint64(30), np.uint64(_M1)), (np.uint64(27), np.uint64(_M2)))
_U_31, _U_12 = np.uint64(31), np.uint64(12)
_HALF_SCALE = 0.5 * _SCALE


def _mix_inplace(z: np.ndarray) -> None:
    """``_mix`` of every uint64 in ``z``, in place (numpy wraps mod 2**64 as ``& _MASK``)."""
    tmp = np.empty_like(z)
    for shift, mult in _U_ROUNDS:
        np.right_shift(z, shift, out=tmp)
        z ^= tmp
        z *= mult
    np.right_shift(z, _U_31, out=tmp)
    z ^= tmp


def bits_at(base, consumer: np.ndarray) -> np.ndarray:
    """The 64-bit hashes behind ``uniform_at`` (``uniform_of`` turns them into uniforms).

    ``consumer`` holds non-negative indices; as uint64 they hash exactly as ``uniform``.
    """
    as_u64 = consumer.view(np.uint64) if consumer.dtype == np.int64 else consumer.astype(
        np.uint64)
    z = np.multiply(as_u64, _U_GOLDEN)  # a new array: every step below works in place
    z += base
    _mix_inplace(z)
    return z


def uniform_of(bits: np.ndarray) -> np.ndarray:
    """The uniforms of ``bits_at`` hashes (``bits`` is overwritten)."""
    bits >>= _U_12
    # (z + 0.5) * 2**-52 as z * 2**-52 + 2**-53: both exact for z < 2**52, one pass fewer.
    u = np.multiply(bits, _SCALE)
    u += _HALF_SCALE
    return u


def below(bits: np.ndarray, bound) -> np.ndarray:
    """``uniform_of(bits) < bound``, elementwise, without making the uniforms.

    With ``k = z >> 12`` the uniform of hash ``z`` is ``(k + 1/2) 2**-52``: it is below
    ``bound`` when ``k < K = ceil(bound 2**52 - 1/2)``, that is when ``z < K 2**12``.
    ``bound 2**52`` is exact (a power of two) and, below ``2**52``, so is subtracting 1/2,
    so K is computed exactly in floats. Lets an engine pick the consumers a rare event may
    move before it turns any hash into a float.

    Args:
        bits: ``bits_at`` hashes.
        bound: One bound, or one per hash (a batch whose runs differ).
    """
    k = np.ceil(np.multiply(bound, 2.0**52) - 0.5)
    if np.ndim(k) == 0:
        if k >= 2**52:
            return np.ones(bits.shape, dtype=bool)
        return bits < np.uint64(max(int(k), 0) << 12)
    return (bits >> _U_12) < np.clip(k, 0, 2**52).astype(np.uint64)


def uniform_at(base, consumer: np.ndarray) -> np.ndarray:
    """``uniform`` from ``decision_base`` values: one for all ``consumer`` or one each.

    A batch of runs (``models.batched``) passes each consumer its own run's base.
    """
    return uniform_of(bits_at(base, consumer))


def decision_bases(keys: np.ndarray, step: int, decision: int) -> np.ndarray:
    """``decision_base`` of many runs' keys (uint64) at once, in numpy (same numbers)."""
    z = keys.astype(np.uint64)
    z += np.uint64((_mix((step << 8) | int(decision)) * _GOLDEN) & _MASK)
    _mix_inplace(z)
    return z


def decision_base(key: int, step: int, decision: int) -> int:
    """Per-(step, decision) hash base; exposed so an engine can cache it per step."""
    return _base(key, step, decision)


def uniform_from_base(base: int, consumer: int) -> float:
    """``uniform`` for one consumer given a cached ``decision_base`` (agent engine)."""
    z = _mix((base + consumer * _GOLDEN) & _MASK)
    return ((z >> 12) + 0.5) * _SCALE
