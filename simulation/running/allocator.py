"""Keep a big run's freed arrays in the process instead of mapping fresh pages every day.

The array engine allocates a few arrays of the market's size every day (masks, uniforms, the
day's exposure sums). glibc's malloc maps each allocation above 32 MB freshly (``mmap``) and
unmaps it when freed, so the kernel zeroes every page again on first touch: at 10,000,000
consumers about 13 s of system time in 90 days. Measured on the 90 steps of a
``VectorMarket`` of 10,000,000 (Barabasi-Albert m = 5, seed 0) with the same setting made
from outside, ``GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=...``:
47.7 user + 13.3 system -> 45.4 + 0.1 s CPU, peak memory 3.1 -> 3.2 GB. Turning mmap off
for the run's process serves them from the heap.
"""

from __future__ import annotations

import ctypes
import sys

#: glibc's ``mallopt`` parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
#: glibc maps allocations above this (its largest dynamic mmap threshold, 64-bit).
MMAP_THRESHOLD_MAX = 32 * 2**20
#: The heap keeps up to this much freed memory at its top before returning it.
_TRIM_BYTES = 2**31 - 1
_applied = False


def prefer_heap(consumers: int) -> bool:
    """Serve big arrays from the heap for the rest of this process (glibc on Linux only).

    Only when a per-consumer float64 array exceeds ``MMAP_THRESHOLD_MAX`` (about 4.2
    million consumers): smaller runs never see the fresh-mapping cost. The process keeps
    the freed memory for reuse, so call it in a process that runs big markets (the
    command-line run), not in a long-lived server.

    Args:
        consumers: Consumers of the run about to start.

    Returns:
        Whether the setting is in effect (now or from an earlier call).
    """
    global _applied
    if _applied or consumers * 8 <= MMAP_THRESHOLD_MAX:
        return _applied
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl): leave the allocator alone
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    _applied = bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_BYTES))
    return _applied
