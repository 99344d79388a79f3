"""Where each consumer sits in the picture: a layout that shows the network's structure.

A ring for Watts-Strogatz (its ring lattice), one cluster per community for the stochastic
block model, a circle for the complete graph, a seeded force-directed layout otherwise.
"""

from __future__ import annotations

import numpy as np

from models.graph import SocialGraph

#: Pair evaluations a force layout may spend (n x sampled nodes x iterations): about a
#: second on this machine, so Reset on 3,000 consumers stays well under 2 s.
FORCE_BUDGET = 4_000_000
#: The golden angle: successive points of a sunflower spiral never line up.
GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))


def ties(graph: SocialGraph) -> tuple[np.ndarray, np.ndarray]:
    """Each tie once (u < v), ignoring direction."""
    r = graph.receivers.tocoo()
    u, v = np.minimum(r.row, r.col), np.maximum(r.row, r.col)
    keep = u != v
    pairs = np.unique(np.stack([u[keep], v[keep]], axis=1), axis=0)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)


def ring_layout(n: int) -> np.ndarray:
    """Consumers on a circle in index order (Watts-Strogatz builds its ring that way)."""
    angle = 2 * np.pi * np.arange(n) / max(n, 1) + np.pi / 2
    return np.stack([np.cos(angle), np.sin(angle)], axis=1)


def sunflower(n: int, radius: float) -> np.ndarray:
    """``n`` points evenly filling a disc (Vogel's spiral), the first in the centre."""
    k = np.arange(n)
    r = radius * np.sqrt((k + 0.5) / max(n, 1))
    return np.stack([r * np.cos(k * GOLDEN_ANGLE), r * np.sin(k * GOLDEN_ANGLE)], axis=1)


def community_layout(sizes: list[int], degree: np.ndarray) -> np.ndarray:
    """One disc per community around a circle; the best-connected in each disc's centre.

    Args:
        sizes: Consumers per community, in index order (as the block model numbers them).
        degree: Friends of each consumer.
    """
    blocks = len(sizes)
    pos = np.zeros((sum(sizes), 2))
    centre_radius = 0.0 if blocks == 1 else 0.58
    # Neighbouring discs keep a gap: centres are 2 r sin(pi / blocks) apart.
    disc = 0.9 if blocks == 1 else 0.9 * np.sin(np.pi / blocks) * centre_radius
    start = 0
    for b, size in enumerate(sizes):
        angle = 2 * np.pi * b / blocks + np.pi / 4
        centre = centre_radius * np.array([np.cos(angle), np.sin(angle)])
        members = np.arange(start, start + size)
        order = members[np.argsort(-degree[members], kind="stable")]
        pos[order] = centre + sunflower(size, disc)
        start += size
    return pos


def force_layout(graph: SocialGraph, seed: int, iterations: int = 60) -> np.ndarray:
    """Node positions by a seeded force-directed (Fruchterman-Reingold) layout.

    Repulsion is estimated against a random sample of nodes per iteration, so the cost is
    O(n * sample) per iteration rather than O(n^2); the sample shrinks with ``n`` to keep
    the work within ``FORCE_BUDGET``. A weak pull towards the centre keeps small
    components on the canvas.
    """
    n = graph.n
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0.0, 1.0, (n, 2))
    if n <= 1:
        return np.zeros((n, 2))
    rows, cols = ties(graph)
    k = np.sqrt(1.0 / n)  # ideal distance in the unit square, as networkx uses
    temperature = 0.1
    cool = temperature / (iterations + 1)
    s = min(n, max(40, FORCE_BUDGET // (n * iterations)))
    for _ in range(iterations):
        idx = rng.choice(n, s, replace=False) if s < n else np.arange(n)
        delta = pos[:, None, :] - pos[None, idx, :]
        dist2 = np.maximum((delta**2).sum(axis=-1), 1e-6)
        disp = (delta * (k * k / dist2)[..., None]).sum(axis=1) * (n / s)
        d = pos[rows] - pos[cols]
        pull = d * (np.sqrt((d**2).sum(axis=1)) / k)[:, None]
        np.add.at(disp, rows, -pull)
        np.add.at(disp, cols, pull)
        disp -= (pos - pos.mean(axis=0)) * (0.5 * k * n**0.5)
        length = np.maximum(np.sqrt((disp**2).sum(axis=1)), 1e-9)
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        temperature -= cool
    return pos


def fit(pos: np.ndarray) -> np.ndarray:
    """Scale positions into [-1, 1]^2 (a few far outliers clipped to the edge)."""
    if len(pos) == 0:
        return pos
    lo, hi = np.percentile(pos, 1, axis=0), np.percentile(pos, 99, axis=0)
    pos = (pos - (lo + hi) / 2) / np.maximum((hi - lo).max() / 2, 1e-9)
    return np.clip(pos, -1.05, 1.05)


def block_sizes(n: int, blocks: int) -> list[int]:
    """Community sizes of a stochastic block model, as ``networks.generators`` splits ``n``."""
    return [n // blocks + (b < n % blocks) for b in range(blocks)]


def network_layout(
    graph: SocialGraph, seed: int, network: str = "", blocks: int = 0
) -> np.ndarray:
    """The picture of ``graph``: an ``(n, 2)`` array of positions in [-1, 1]^2.

    Args:
        graph: The social graph.
        seed: Seed of a force layout (the same seed gives the same picture).
        network: The builder's name, which picks the layout that shows its structure.
        blocks: Number of communities (stochastic_block).
    """
    degree = np.asarray((graph.receivers != 0).sum(axis=0)).ravel()
    if network == "watts_strogatz":
        return ring_layout(graph.n)
    if network == "complete":
        return ring_layout(graph.n)
    if network == "stochastic_block" and blocks:
        return community_layout(block_sizes(graph.n, blocks), degree)
    return fit(force_layout(graph, seed))
