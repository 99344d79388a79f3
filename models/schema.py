"""The parameter schema: each key declared once, on its dataclass field, with its meaning.

``param(...)`` makes a dataclass field whose metadata holds a ``Spec`` (label, meaning,
unit, allowed range or choices). Validation, ``--help``, the README tables and the
classroom sliders all read these specs, so a key's range is written in one place only.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from typing import Any

SPEC = "peerbuy.spec"  # the metadata key of a field's Spec


class ParameterError(ValueError):
    """A parameter has a value outside what is allowed; the message is one line."""


def check(key: str, value: Any, allowed: str, ok: bool) -> None:
    """Raise ``ParameterError`` naming ``key``, its value and what is allowed unless ``ok``."""
    if not ok:
        raise ParameterError(f"{key} = {value!r}: must be {allowed}")


def is_number(value: Any) -> bool:
    """True for a finite int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_integer(value: Any) -> bool:
    """True for an int (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _fmt(x: float) -> str:
    """A bound for people: 0.5, 3, 1000, 1e9 (powers of ten from a million on)."""
    if x == int(x) and abs(x) < 1e18:
        x = int(x)
        k = len(str(abs(x))) - 1
        return f"{'-' if x < 0 else ''}1e{k}" if abs(x) >= 10**6 and abs(x) == 10**k else str(x)
    return f"{x:g}"


@dataclass(frozen=True)
class Spec:
    """What one key means and which values it allows.

    Attributes:
        label: A short human label (for a slider or a table), e.g. "Share probability".
        meaning: One sentence: what the key does.
        unit: Unit of the value ("per day", "consumers", "currency", "stars"); "" if none.
        kind: ``number``, ``integer``, ``choice``, ``bool``, ``text`` or ``name`` (of a
            segment).
        low: Smallest allowed value (numbers), or None for no bound.
        high: Largest allowed value (numbers), or None for no bound.
        low_open: True when ``low`` itself is not allowed: (low, high].
        choices: Allowed values of a ``choice`` key.
        nullable: ``null`` (None) is allowed too; ``null_means`` says what it means.
        null_means: What ``null`` means, e.g. "no cap".
        even: Integers must be even.
        used_by: Options of the group that use this key (None: all of them).
        option_defaults: ``(option, default)`` pairs for options whose default differs
            (the field itself defaults to None and ``default_for`` fills it in).
        name: The field name (filled in by ``specs``).
        default: The field default (filled in by ``specs``).
    """

    label: str
    meaning: str
    unit: str = ""
    kind: str = "number"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = ()
    nullable: bool = False
    null_means: str = ""
    even: bool = False
    used_by: tuple[str, ...] | None = None
    option_defaults: tuple[tuple[str, Any], ...] = ()
    name: str = ""
    default: Any = None

    def default_for(self, option: str) -> Any:
        """The default of this key under a group option (``n`` is 500 for ``complete``)."""
        return dict(self.option_defaults).get(option, self.default)

    def _bounds(self) -> str:
        lo = None if self.low is None else _fmt(self.low)
        hi = None if self.high is None else _fmt(self.high)
        if lo is not None and hi is not None:
            return f"{'(' if self.low_open else '['}{lo}, {hi}]"
        if lo is not None:
            return f"{'>' if self.low_open else '>='} {lo}"
        return "any" if hi is None else f"<= {hi}"

    @property
    def allowed(self) -> str:
        """What is allowed, in words: ``a probability in [0, 1]``, ``one of a, b``."""
        if self.kind == "choice":
            text = "one of " + ", ".join(self.choices)
        elif self.kind == "bool":
            text = "true or false"
        elif self.kind == "text":
            text = "a non-empty text"
        elif self.kind == "name":
            text = "a segment name"
        else:
            noun = ("an even integer" if self.even else
                    "an integer" if self.kind == "integer" else "a number")
            if self.unit.startswith("per") and self.kind == "number" and (
                    self.low, self.high, self.low_open) == (0, 1, False):
                noun = "a probability"
            bounds = self._bounds()
            text = (f"{noun} in {bounds}" if bounds[0] in "([" else
                    f"a finite {noun.split()[-1]}" if bounds == "any" else f"{noun} {bounds}")
        return f"null or {text}" if self.nullable else text

    @property
    def range_text(self) -> str:
        """The allowed values for a table: ``[0, 1]``, ``>= 1``, ``a, b``."""
        if self.kind == "choice":
            text = ", ".join(self.choices)
        elif self.kind == "bool":
            text = "true, false"
        elif self.kind == "text":
            text = "a name" if self.unit == "name" else "a file path"
        elif self.kind == "name":
            text = "a segment name"
        else:
            text = self._bounds()
            if self.kind == "integer":
                text += ", even integer" if self.even else ", integer"
        return f"{text}, or null ({self.null_means})" if self.nullable and self.null_means \
            else (f"{text}, or null" if self.nullable else text)

    def ok(self, value: Any) -> bool:
        """Whether ``value`` is allowed."""
        if value is None:
            return self.nullable
        if self.kind == "choice":
            return isinstance(value, str) and value in self.choices
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind in ("text", "name"):
            return isinstance(value, str) and bool(value)
        if self.kind == "integer":
            if not is_integer(value) or (self.even and value % 2):
                return False
        elif not is_number(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or value <= self.high

    def check(self, key: str, value: Any) -> None:
        """Raise ``ParameterError`` (one line naming key, value, what is allowed) if not ok."""
        check(key, value, self.allowed, self.ok(value))


def param(default: Any, label: str, meaning: str, unit: str = "", **kw: Any) -> Any:
    """A dataclass field with a default and its ``Spec`` (see ``Spec`` for the keywords).

    With ``by_option={"complete": 500}`` the field defaults to None, ``default`` is the
    shared default, and the class fills in ``Spec.default_for(option)`` (see
    ``simulation.params.NetworkParams``).

    Example:
        ``share_prob: float = param(0.15, "Share probability", "...", "per day", low=0, high=1)``
    """
    if "kind" not in kw:
        kw["kind"] = ("choice" if "choices" in kw else "bool" if isinstance(default, bool)
                      else "integer" if isinstance(default, int) else "number")
    by_option = kw.pop("by_option", None)
    spec = Spec(label, meaning, unit, **kw)
    if by_option:  # the field is None until the class fills in its option's default
        spec = replace(spec, option_defaults=tuple(by_option.items()), default=default)
        return field(default=None, metadata={SPEC: spec})
    return field(default=default, metadata={SPEC: spec})


def prob(default: float, label: str, meaning: str, unit: str = "per day", **kw: Any) -> Any:
    """A probability field: a ``param`` in [0, 1]."""
    return param(default, label, meaning, unit, low=0.0, high=1.0, **kw)


def specs(cls_or_obj: Any) -> dict[str, Spec]:
    """Every declared key of a parameter dataclass, by field name, with name and default."""
    out = {}
    for f in fields(cls_or_obj):
        spec = f.metadata.get(SPEC)
        if spec is not None:
            default = f.default if f.default is not MISSING else None
            if spec.option_defaults:
                default = spec.default
            out[f.name] = replace(spec, name=f.name, default=default)
    return out


def validate(obj: Any, section: str) -> None:
    """Check every declared field of a parameter dataclass instance against its spec.

    Args:
        obj: The instance (call this from ``__post_init__``).
        section: The config prefix of its keys, e.g. ``"consumer"`` (``""`` for top level).
    """
    assert is_dataclass(obj)
    prefix = f"{section}." if section else ""
    for name, spec in specs(obj).items():
        spec.check(prefix + name, getattr(obj, name))


def did_you_mean(word: str, known: list[str] | tuple[str, ...] | set[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest known word, or ``""``."""
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
