"""The parameters a calibration or sensitivity study varies: names, ranges and scales.

A key is ``consumer.<field>``, ``product.<field>`` or ``strategy.<name>.<field>`` (the
strategy must be in the base run). Whether a value is allowed is asked of the parameter
dataclasses themselves (``allowed``), the one place to switch to a parameter schema.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from models.params import ParameterError
from models.strategies import STRATEGIES
from simulation.running.runner import RunParams

SECTIONS = ("consumer", "product", "strategy")


def _split(key: str) -> tuple[str, str | None, str]:
    parts = key.split(".")
    if parts[0] == "strategy" and len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if parts[0] in ("consumer", "product") and len(parts) == 2:
        return parts[0], None, parts[1]
    raise ParameterError(
        f"{key}: not a parameter that can be varied; use consumer.<key>, product.<key> "
        "or strategy.<name>.<key>"
    )


def flatten_ranges(nested: Mapping, prefix: str = "") -> dict[str, object]:
    """``{"consumer": {"persuasion": [lo, hi]}}`` -> ``{"consumer.persuasion": [lo, hi]}``."""
    flat: dict[str, object] = {}
    for key, value in (nested or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_ranges(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def with_values(base: RunParams, values: Mapping[str, float]) -> RunParams:
    """``base`` with the given keys replaced (ints rounded for integer fields).

    Raises:
        ParameterError: An unknown key, or a value the parameter's own validation refuses.
    """
    consumer, product = {}, {}
    strategies = {type(s): {} for s in base.strategies}
    by_name = {name: cls for name, cls in STRATEGIES.items()}
    for key, value in values.items():
        section, sname, field_name = _split(key)
        if section == "consumer":
            target, cls = consumer, type(base.consumer)
        elif section == "product":
            target, cls = product, type(base.product)
        else:
            cls = by_name.get(sname)
            if cls is None or cls not in strategies:
                raise ParameterError(f"{key}: strategy {sname!r} is not in the base run")
            target = strategies[cls]
        kinds = {f.name: f.type for f in fields(cls)}
        if field_name not in kinds:
            raise ParameterError(
                f"{key}: unknown key; allowed: {', '.join(sorted(kinds))}"
            )
        target[field_name] = round(float(value)) if kinds[field_name] == "int" else float(value)
    return replace(
        base,
        consumer=replace(base.consumer, **consumer),
        product=replace(base.product, **product),
        strategies=tuple(replace(s, **strategies[type(s)]) for s in base.strategies),
    )


def allowed(base: RunParams, key: str, value: float) -> None:
    """Check ``value`` for ``key`` against the parameter dataclasses' validation.

    Raises:
        ParameterError: One line naming the key, the value and what is allowed.
    """
    with_values(base, {key: value})


@dataclass(frozen=True)
class ParameterSpace:
    """Keys with their ranges; ``log`` keys are searched and sampled on a log scale.

    Attributes:
        names: Parameter keys, e.g. ``consumer.persuasion``.
        low: Lower end of each range.
        high: Upper end of each range.
        log: Whether each range is on a log scale (both ends must be > 0).
    """

    names: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    log: tuple[bool, ...]

    @classmethod
    def from_mapping(
        cls, ranges: Mapping[str, Sequence], base: RunParams, label: str = "parameters"
    ) -> ParameterSpace:
        """Build from ``{key: [low, high]}`` or ``{key: [low, high, "log"]}``, checking each.

        Raises:
            ParameterError: A malformed range, an empty one, or an end the parameter's
                validation refuses.
        """
        names, low, high, log = [], [], [], []
        if not ranges:
            raise ParameterError(f"{label} = {{}}: list at least one key with a range")
        for key, spec in ranges.items():
            spec = list(spec) if isinstance(spec, list | tuple) else [spec]
            scale = spec[2] if len(spec) == 3 else "linear"
            ok = (len(spec) in (2, 3) and all(isinstance(v, int | float) and not isinstance(v, bool)
                                               and math.isfinite(v) for v in spec[:2])
                  and spec[0] < spec[1] and scale in ("linear", "log"))
            if not ok:
                raise ParameterError(
                    f"{label}.{key} = {spec!r}: must be [low, high] or [low, high, log] "
                    "with low < high"
                )
            if scale == "log" and spec[0] <= 0:
                raise ParameterError(f"{label}.{key} = {spec!r}: a log range needs low > 0")
            for end in spec[:2]:
                try:
                    allowed(base, key, end)
                except ParameterError as exc:
                    raise ParameterError(
                        f"{label}.{key} = {spec[:2]!r}: outside what the parameter allows ({exc})"
                    ) from None
            names.append(key)
            low.append(float(spec[0]))
            high.append(float(spec[1]))
            log.append(scale == "log")
        return cls(tuple(names), tuple(low), tuple(high), tuple(log))

    @property
    def dim(self) -> int:
        """Number of parameters."""
        return len(self.names)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map points of the unit cube (rows) to parameter values."""
        u = np.atleast_2d(np.asarray(u, dtype=float))
        lo, hi, lg = np.array(self.low), np.array(self.high), np.array(self.log)
        lin = lo + u * (hi - lo)
        with np.errstate(divide="ignore", invalid="ignore"):
            geo = np.exp(np.log(np.where(lg, lo, 1.0)) + u * np.log(np.where(lg, hi / lo, 1.0)))
        return np.where(lg, geo, lin)

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        """Map parameter values (rows) to the unit cube."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        lo, hi, lg = np.array(self.low), np.array(self.high), np.array(self.log)
        with np.errstate(divide="ignore", invalid="ignore"):
            geo = np.log(np.where(lg, x, 1.0) / np.where(lg, lo, 1.0)) / np.log(
                np.where(lg, hi / lo, 2.0))
        return np.where(lg, geo, (x - lo) / (hi - lo))

    def salib_problem(self) -> dict:
        """The problem dict SALib expects; log keys are sampled in log10 space."""
        bounds = [[math.log10(lo), math.log10(hi)] if lg else [lo, hi]
                  for lo, hi, lg in zip(self.low, self.high, self.log, strict=True)]
        return {"num_vars": self.dim, "names": list(self.names), "bounds": bounds}

    def from_salib(self, x: np.ndarray) -> np.ndarray:
        """Turn SALib sample rows (log10 for log keys) into parameter values."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        return np.where(np.array(self.log), 10.0 ** x, x)
