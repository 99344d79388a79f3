"""One browser tab's run: its model, and the frames that tell the browser what changed.

No Solara here: the page calls ``step``/``reset`` and sends ``frame()`` to the browser,
which keeps the picture and the chart history and applies each frame on top.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from models.journey import STATE_COLUMNS
from simulation.classroom.controls import DEFAULT_END_DAY, model_values
from simulation.classroom.layout import ties
from simulation.classroom.model import ClassroomModel, funnel

#: Per-day values the charts plot, in the order of a row of ``frame()["rows"]``: the day,
#: consumers per state, has bought (strategy, baseline or None), reviews, average rating.
ROW_COLUMNS = ("day", *STATE_COLUMNS, "adopters", "baseline_adopters", "reviews", "avg_rating")
#: Positions are sent as integers in [0, GRID] (a pixel grid finer than any screen).
GRID = 1000


def _uint16(values: np.ndarray) -> str:
    """Integers in [0, 65535] as base64 of little-endian uint16 (compact, one string)."""
    return base64.b64encode(np.asarray(values, dtype="<u2").tobytes()).decode("ascii")


def _num(x: float) -> float | None:
    """A JSON-safe number: NaN (no reviews yet) becomes null."""
    return None if x != x else round(float(x), 3)


class Session:
    """A tab's model and what its browser has been sent.

    Args:
        values: The page's values (``controls.defaults()`` and the controls).
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self.seq = 0
        self.graph_id = 0
        self.reset(values)

    def reset(self, values: dict[str, Any]) -> None:
        """Build a new model from ``values``; the next frame is a full one."""
        self.model = ClassroomModel(**model_values(values))
        self.end_day = int(values.get("end_day", DEFAULT_END_DAY))
        self.values = dict(values)
        self.graph_id += 1
        self.resync()

    def resync(self) -> None:
        """Make the next frame carry everything (a new twin, or the browser lost track)."""
        self.sent_states: np.ndarray | None = None
        self.sent_day = -1

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return int(self.model.steps)

    @property
    def finished(self) -> bool:
        """Whether the end day is reached (play stops there)."""
        return self.day >= self.end_day

    def step(self) -> bool:
        """Simulate one day unless the end day is reached; return whether it stepped."""
        if self.finished:
            return False
        self.model.step()
        return True

    def set_compare(self, on: bool) -> None:
        """Switch the baseline twin live; the charts get its whole history next frame."""
        self.model.set_compare(on)
        self.values["compare_baseline"] = on
        self.sent_day = -1

    def set_end_day(self, day: int) -> None:
        """Change the end day live."""
        self.end_day = int(day)
        self.values["end_day"] = self.end_day

    def graph(self) -> dict[str, Any]:
        """The picture, sent once per Reset: positions, ties, sizes and seeded influencers.

        Positions (x, y in [0, GRID]) and ties (consumer pairs) travel as base64 uint16
        strings, sizes (0-10) as one digit character each: a 3,000-consumer network is
        about 60 KB.
        """
        m = self.model
        xy = np.rint((np.asarray(m.layout) + 1.05) / 2.1 * GRID).astype(np.int64)
        u, v = ties(m.graph)
        audience = m.graph.audience
        top = max(int(audience.max(initial=0)), 1)
        size = np.rint(10 * np.sqrt(audience / top)).astype(np.int64)  # 0-10, area ~ audience
        return {
            "id": self.graph_id,
            "n": int(m.graph.n),
            "xy": _uint16(xy.ravel()),
            "ties": _uint16(np.stack([u, v], axis=1).ravel()),
            "size": "".join(chr(48 + int(k)) for k in size),
            "seeds": np.flatnonzero(m.seed_mask()).tolist(),
        }

    def _rows(self, first: int) -> list[list]:
        m = self.model
        base = m.baseline.records if m.baseline is not None else None
        rows = []
        for day in range(first, self.day + 1):
            rec = m.records[day]
            row: list = [day, *(int(rec[c]) for c in STATE_COLUMNS), int(rec["adopters"])]
            row.append(None if base is None else int(base[day]["adopters"]))
            row += [int(rec["reviews"]), _num(rec["avg_rating"])]
            rows.append(row)
        return rows

    def frame(self) -> dict[str, Any]:
        """What changed since the last frame: state changes, new chart rows, the summary.

        A full frame (``full``) carries every consumer's state as a string of digits and
        the whole history; otherwise ``changes`` lists ``[consumer, state, ...]`` pairs
        and ``rows`` the new days only. ``seq``/``base`` let the browser notice a frame it
        missed (it then asks for a full one).
        """
        m = self.model
        states = m.states().astype(np.int8)
        frame: dict[str, Any] = {"seq": self.seq + 1, "base": self.seq, "graph": self.graph_id,
                                 "day": self.day, "end_day": self.end_day}
        if self.sent_states is None or len(self.sent_states) != len(states):
            frame["full"] = "".join(map(str, states.tolist()))
        else:
            changed = np.flatnonzero(states != self.sent_states)
            frame["changes"] = np.stack([changed, states[changed]], axis=1).ravel().tolist()
        frame["replace"] = self.sent_day < 0
        frame["rows"] = self._rows(self.sent_day + 1)
        seeds = int(np.count_nonzero(m.seed_mask()))
        frame["summary"] = {
            "n": int(m.graph.n),
            "adopters": int(m.record["adopters"]),
            "seeds": seeds,
            "baseline": None if m.baseline is None else int(m.baseline.record["adopters"]),
            "reviews": int(m.record["reviews"]),
            "rating": _num(m.record["avg_rating"]),
            "funnel": funnel(m.market),
            "baseline_funnel": None if m.baseline is None else funnel(m.baseline),
        }
        self.sent_states = states
        self.sent_day = self.day
        self.seq += 1
        return frame
