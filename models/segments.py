"""Consumer segments: who the consumers are, each segment with its own consumer parameters.

A segment is a share of the population whose consumer parameters override the run's.
Assignment is seeded from the run's own ``segments`` stream, independent of the graph
unless ``degree_correlation`` asks for the best-connected consumers to be in the first
segments. Both engines hold one ``market.Day`` per segment.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# Kept light (no numpy at import): validation imports this before any heavy library.
from models.params import ConsumerParams, ParameterError
from models.schema import param, specs, validate

if TYPE_CHECKING:
    import numpy as np

    from models.graph import SocialGraph

#: The name of the one segment of an unsegmented run.
EVERYONE = "everyone"
#: How far the shares may sum from 1.
SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Segment:
    """One segment: its name, its share of consumers and its consumer parameter overrides.

    Attributes:
        name: A name that says who they are (``social_first``).
        share: Share of the population, in (0, 1].
        overrides: ``(consumer key, value)`` pairs that replace the run's consumer
            parameters for this segment.
    """

    name: str
    share: float
    overrides: tuple[tuple[str, float], ...] = ()

    def params(self, base: ConsumerParams) -> ConsumerParams:
        """The consumer parameters of this segment: ``base`` with the overrides."""
        return dataclasses.replace(base, **dict(self.overrides)) if self.overrides else base


@dataclass(frozen=True)
class Segments:
    """The run's segments (none: everyone is one segment, as without this mechanic).

    Attributes:
        groups: The segments, in order; their shares sum to 1. Empty: no segments.
        degree_correlation: Rank correlation (Gaussian copula) between a consumer's
            audience (followers) and the segment order: 0 assigns segments at random,
            independently of the graph; 1 puts the best-connected consumers in the first
            listed segment, the next in the second, and so on; -1 the reverse.
    """

    groups: tuple[Segment, ...] = ()
    degree_correlation: float = param(
        0.0, "Degree correlation",
        "rank correlation between a consumer's followers and the segment order (0: segments "
        "drawn independently of the graph; 1: the best connected are in the first segment)",
        "correlation", low=-1.0, high=1.0)

    def __post_init__(self) -> None:
        """Check the shares, names and overrides."""
        validate(self, "segments")
        names = [g.name for g in self.groups]
        consumer_keys = specs(ConsumerParams)
        for g in self.groups:
            if names.count(g.name) > 1:
                raise ParameterError(f"segments.groups.{g.name}: listed twice")
            key = f"segments.groups.{g.name}.share"
            if not (isinstance(g.share, int | float) and not isinstance(g.share, bool)
                    and 0 < g.share <= 1):
                raise ParameterError(f"{key} = {g.share!r}: must be a number in (0, 1]")
            for k, v in g.overrides:
                if k not in consumer_keys:
                    raise ParameterError(
                        f"segments.groups.{g.name}.{k} = {v!r}: unknown key; a segment sets "
                        f"share and consumer keys: {', '.join(consumer_keys)}")
                consumer_keys[k].check(f"segments.groups.{g.name}.{k}", v)
        total = sum(g.share for g in self.groups)
        if self.groups and abs(total - 1.0) > SHARE_TOLERANCE:
            raise ParameterError(
                f"segments.groups = {names}: shares sum to {total:g}; they must sum to 1")

    @property
    def active(self) -> bool:
        """Whether the run is segmented (otherwise everyone is one segment)."""
        return bool(self.groups)

    @property
    def names(self) -> tuple[str, ...]:
        """Segment names in order (``("everyone",)`` without segments)."""
        return tuple(g.name for g in self.groups) if self.groups else (EVERYONE,)

    def consumer_params(self, base: ConsumerParams) -> tuple[ConsumerParams, ...]:
        """Each segment's consumer parameters (``(base,)`` without segments)."""
        return tuple(g.params(base) for g in self.groups) if self.groups else (base,)

    def index(self, name: str | None) -> int | None:
        """Position of segment ``name`` (None for None: everyone)."""
        return None if name is None else self.names.index(name)

    def assign(self, graph: SocialGraph, seed: int) -> np.ndarray:
        """Each consumer's segment index (int8), from the run's ``segments`` stream.

        Segment k gets ``round(n * cumulative share)`` minus the previous boundary
        consumers, so counts are exact. Consumers are ordered by a score
        ``rho * z(audience rank) + sqrt(1 - rho^2) * noise`` (a Gaussian copula with
        ``rho = degree_correlation``) and the segments are filled in order, highest
        score first; with ``rho = 0`` the order is a uniformly random permutation.
        """
        import numpy as np

        from models.draws import split_seed

        n = graph.n
        out = np.zeros(n, dtype=np.int8)
        if not self.groups or n == 0:
            return out
        rng = np.random.default_rng(split_seed(seed)["segments"])
        noise = rng.standard_normal(n)
        rho = float(self.degree_correlation)
        if rho:
            # (imported here: scipy.stats costs a market without segments ~1 s of imports)
            from scipy.special import ndtri
            from scipy.stats import rankdata

            z = ndtri((rankdata(graph.audience) - 0.5) / n)
            score = rho * z + math.sqrt(max(0.0, 1.0 - rho * rho)) * noise
        else:
            score = noise
        order = np.argsort(-score, kind="stable")
        bounds = np.rint(np.cumsum([g.share for g in self.groups]) * n).astype(np.int64)
        bounds[-1] = n
        lo = 0
        for k, hi in enumerate(bounds):
            out[order[lo:hi]] = k
            lo = hi
        return out


def from_config(node: Mapping | None) -> Segments:
    """Build ``Segments`` from the ``segments`` config section (None: no segments).

    The section holds ``degree_correlation`` and ``groups``: a mapping of segment name to
    ``{share, <consumer key>: value, ...}``.
    """
    if node is None:
        return Segments()
    if not isinstance(node, Mapping):
        raise ParameterError(f"segments = {node!r}: must be a section with keys "
                             "groups, degree_correlation")
    for key in node:
        if key not in ("groups", "degree_correlation"):
            raise ParameterError(f"segments.{key} = {node[key]!r}: unknown key; keys of "
                                 "segments: groups, degree_correlation")
    groups_node = node.get("groups") or {}
    if not isinstance(groups_node, Mapping):
        raise ParameterError(f"segments.groups = {groups_node!r}: must map segment names to "
                             "{share: ..., <consumer key>: ...}")
    groups = []
    for name, body in groups_node.items():
        body = dict(body or {})
        if "share" not in body:
            raise ParameterError(f"segments.groups.{name}.share = None: every segment needs "
                                 "a share in (0, 1]")
        share = body.pop("share")
        groups.append(Segment(str(name), share, tuple(body.items())))
    kw = {}
    if "degree_correlation" in node:
        kw["degree_correlation"] = node["degree_correlation"]
    return Segments(groups=tuple(groups), **kw)


def segment_columns() -> tuple[str, ...]:
    """Columns of ``segments.csv``: per step and segment, counts per state and adopters."""
    from models.journey import STATE_COLUMNS

    return ("step", "segment", "consumers", *STATE_COLUMNS, "adopters")


@dataclass
class SegmentLedger:
    """Per-segment counts per day, kept by an engine when the run is segmented.

    Attributes:
        names: Segment names in order.
        of: Each consumer's segment index.
        rows: One ``SEGMENT_COLUMNS`` row per step and segment.
    """

    names: tuple[str, ...]
    of: np.ndarray
    rows: list[dict] = field(default_factory=list)

    def record(self, step: int, state: np.ndarray, adopted: np.ndarray) -> None:
        """Append the rows of day ``step`` from the per-consumer state and adopted flags."""
        import numpy as np

        from models.journey import STATE_COLUMNS

        k = len(self.names)
        s = len(STATE_COLUMNS)
        counts = np.bincount(self.of.astype(np.int64) * s + state, minlength=k * s)
        counts = counts.reshape(k, s)
        adopters = np.bincount(self.of, weights=adopted, minlength=k)
        for i, name in enumerate(self.names):
            row = {"step": step, "segment": name, "consumers": int(counts[i].sum())}
            row.update(zip(STATE_COLUMNS, (int(c) for c in counts[i]), strict=True))
            row["adopters"] = int(adopters[i])
            self.rows.append(row)


def summary_metrics(names: tuple[str, ...], of: np.ndarray,
                    final: Mapping[str, np.ndarray]) -> dict[str, float | int]:
    """Per-segment summary keys ``segment_<name>_<metric>`` from the end state.

    Metrics: consumers, adopters, adoption_rate, reach_rate (ever aware) and
    research_rate (ever researched), each within the segment.
    """
    out: dict[str, float | int] = {}
    for i, name in enumerate(names):
        mine = of == i
        size = int(mine.sum())
        adopters = int((final["adopted"] & mine).sum())
        out[f"segment_{name}_consumers"] = size
        out[f"segment_{name}_adopters"] = adopters
        for metric, flag in (("adoption_rate", "adopted"), ("reach_rate", "ever_aware"),
                             ("research_rate", "ever_researched")):
            hits = int((final[flag] & mine).sum())
            out[f"segment_{name}_{metric}"] = hits / size if size else None
    return out
