"""Keep a big run's freed arrays in the process instead of mapping fresh pages every day.

The array engine allocates a few arrays of the market's size every day (masks, uniforms, the
day's exposure sums). glibc's malloc maps each allocation above 32 MB freshly (``mmap``) and
unmaps it when freed, so the kernel zeroes every page again on first touch: at 10,000,000
consumers about 13 s of system time in 90 days. Measured on the 90 steps of a
``VectorMarket`` of 10,000,000 (Barabasi-Albert m = 5, seed 0) with the same setting made
from outside, ``GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=...``:
47.7 user + 13.3 system -> 45.4 + 0.1 s CPU, peak memory 3.1 -> 3.2 GB. Turning mmap off
for the run's process serves them from the heap.

A batch of runs (``models.batched``) meets the same cost much earlier: its arrays come in
many sizes (the runs' stacked consumers, each day's posters and researchers), which keep
crossing glibc's adaptive threshold. Measured on 120 steps of a batch of 32 runs of
10,000 consumers (Barabasi-Albert m = 5): 130-470 page faults a step, 12.8-13.1 instead of
14.1-15.3 ms a step (CPU, load about 3) with the setting made from outside; a lone run of
100,000 or 1,000,000 consumers faults about once a step either way.
"""

from __future__ import annotations

import ctypes
import sys

#: glibc's ``mallopt`` parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
#: glibc maps allocations above this (its largest dynamic mmap threshold, 64-bit).
MMAP_THRESHOLD_MAX = 32 * 2**20
#: A batch asks for the heap from this many stacked consumers on (a float64 array above
#: glibc's initial mmap threshold, 128 KiB).
BATCH_MIN_CONSUMERS = 128 * 2**10 // 8
#: The heap keeps up to this much freed memory at its top before returning it.
_TRIM_BYTES = 2**31 - 1
_applied = False


def prefer_heap(consumers: int, *, batch: bool = False) -> bool:
    """Serve big arrays from the heap for the rest of this process (glibc on Linux only).

    For a lone run only when a per-consumer float64 array exceeds ``MMAP_THRESHOLD_MAX``
    (about 4.2 million consumers): smaller runs never see the fresh-mapping cost; for a
    batch from ``BATCH_MIN_CONSUMERS`` stacked consumers on. The process keeps the freed
    memory for reuse, so call it in a process that runs big markets or batches (the
    command-line run, a sweep's workers), not in a long-lived server.

    Args:
        consumers: Consumers of the run (or all runs of the batch) about to start.
        batch: The consumers are a batch's (``models.batched``).

    Returns:
        Whether the setting is in effect (now or from an earlier call).
    """
    global _applied
    floor = BATCH_MIN_CONSUMERS if batch else MMAP_THRESHOLD_MAX // 8
    if _applied or consumers <= floor:
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
