"""Memory and work a run will need, estimated from its parameters before anything is built.

Figures per tie and per consumer were measured on this project's machine (peak RSS of
building the graph and one step, Barabasi-Albert and complete graphs; see
``tests/test_frontdoor.py`` for the check that the guard refuses what cannot fit).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from simulation.params import FAST_MIN_N, FAST_NETWORKS, KARATE_N, NetworkParams, RunParams

#: Bytes per directed tie (arc) and per consumer of a networkx graph plus its CSR view
#: (measured: ~400 B per arc at 20,000 and 60,000 consumers).
NX_ARC_BYTES, NX_NODE_BYTES = 420, 600
#: The numpy builders (above ``FAST_MIN_N``), graph and array engine together: peak RSS of
#: a whole run 552 MB at 1,000,000 consumers (10 M arcs) and 3.36 GB at 10,000,000 (100 M
#: arcs), about 32 B per arc beyond the base; rounded down here because
#: ``VECTOR_NODE_BYTES`` is added on top (the estimate stays about 1.5x the measured peak).
FAST_ARC_BYTES, FAST_NODE_BYTES = 30, 0
#: The Mesa engine per consumer (agent + cell) and per arc (cell connections): measured
#: ~2,000 B and ~340 B.
AGENT_NODE_BYTES, AGENT_ARC_BYTES = 2500, 350
#: The array engine's state per consumer.
VECTOR_NODE_BYTES = 200
#: Python, numpy, networkx, pandas and Mesa loaded.
BASE_BYTES = 250 * 2**20
#: An edge-list line is at least this many bytes ("1 2\n"); compressed files expand ~5x.
MIN_LINE_BYTES, COMPRESSION_RATIO = 4, 5
#: Seconds per consumer-step (the engines' measured rates, with margin: the array engine
#: runs 90 days of 10,000,000 consumers in ~46 s CPU, ~20 M consumer-steps a second) and
#: per step (fixed overhead).
AGENT_SECONDS, VECTOR_SECONDS, STEP_SECONDS = 1 / 150_000, 1 / 10_000_000, 0.002
GB = 2**30


@dataclass(frozen=True)
class Estimate:
    """What a run is expected to need.

    Attributes:
        consumers: Consumers (an upper bound for a file).
        arcs: Directed ties (an undirected tie counts twice).
        memory_bytes: Peak memory of one run.
        seconds: Wall time of all replicates (rough, this machine).
        engine: The engine ``auto`` resolves to.
    """

    consumers: int
    arcs: int
    memory_bytes: int
    seconds: float
    engine: str


def _size(net: NetworkParams) -> tuple[int, int]:
    """Consumers and directed ties of a network, before it is built."""
    n = net.consumers
    match net.name:
        case "barabasi_albert" | "powerlaw_cluster":
            return n, 2 * net.m * n
        case "watts_strogatz":
            return n, net.k * n
        case "erdos_renyi":
            return n, int(net.mean_degree * n)
        case "stochastic_block":
            inside = net.p_in * (n / net.blocks - 1)
            between = net.p_out * n * (net.blocks - 1) / net.blocks
            return n, int(n * (inside + between))
        case "complete":
            return n, n * (n - 1)
        case "karate":
            return KARATE_N, 156
    size = Path(net.path).stat().st_size if net.path and Path(net.path).is_file() else 0
    if str(net.path).lower().endswith((".gz", ".bz2")):
        size *= COMPRESSION_RATIO
    arcs = 2 * size // MIN_LINE_BYTES
    return arcs, arcs  # at most one new consumer per tie end


def estimate(params: RunParams, replicates: int = 1) -> Estimate:
    """Estimate the memory and time of ``replicates`` runs of ``params`` (one at a time)."""
    net = params.network
    n, arcs = _size(net)
    engine = params.engine
    if engine == "auto":
        engine = "agent" if n <= 1000 else "vectorized"
    fast = net.name in FAST_NETWORKS and n > FAST_MIN_N
    memory = BASE_BYTES + (arcs * FAST_ARC_BYTES + n * FAST_NODE_BYTES if fast
                           else arcs * NX_ARC_BYTES + n * NX_NODE_BYTES)
    if engine == "agent":
        memory += n * AGENT_NODE_BYTES + arcs * AGENT_ARC_BYTES
        per_step = n * AGENT_SECONDS
    else:
        memory += n * VECTOR_NODE_BYTES
        per_step = n * VECTOR_SECONDS
    seconds = replicates * params.steps * (per_step + STEP_SECONDS)
    return Estimate(n, arcs, int(memory), seconds, engine)


def available_memory() -> int:
    """Bytes of memory available now (``MemAvailable``), else the machine's total."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def human_bytes(b: float) -> str:
    """1.5 GB, 320 MB, 4.2 TB."""
    for unit, size in (("TB", 2**40), ("GB", GB), ("MB", 2**20)):
        if b >= size or unit == "MB":
            return f"{b / size:,.1f} {unit}"
    raise AssertionError  # unreachable


def human_seconds(s: float) -> str:
    """45 s, 12 min, 3.5 h, 40 days."""
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:,.1f} h" if s < 3 * 86400 else f"{s / 86400:,.0f} days"
