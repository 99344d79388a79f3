"""A big run's process reuses freed arrays instead of faulting fresh pages in every day."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simulation.running import allocator

# Allocate, free and allocate again an array above glibc's mmap threshold; report the minor
# page faults of the second allocation (fresh pages: one fault per page or hugepage).
_PROBE = """
import resource, sys
import numpy as np
from simulation.running.allocator import prefer_heap
applied = prefer_heap(int(sys.argv[1]))
a = np.ones(16 * 2**20 // 8 * 4)  # 64 MB
del a
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
a = np.ones(16 * 2**20 // 8 * 4)
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _probe(consumers: int) -> tuple[bool, int]:
    out = subprocess.run([sys.executable, "-c", _PROBE, str(consumers)], capture_output=True,
                         text=True, check=True).stdout.split()
    return out[0] == "True", int(out[1])


def test_small_runs_leave_the_allocator_alone():
    assert allocator.prefer_heap(1_000_000) is False  # (in this process: nothing changes)
    assert _probe(1_000_000)[0] is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a glibc setting")
def test_a_big_run_reuses_freed_memory():
    applied, faults = _probe(10_000_000)
    control_applied, control_faults = _probe(1_000)
    assert applied and not control_applied
    # Fresh 64 MB: at least 32 faults (2 MB hugepages) or 16,384 (4 KB pages); reused: ~0.
    assert control_faults >= 32
    assert faults < control_faults / 4, (faults, control_faults)
