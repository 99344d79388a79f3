"""A progress line for long single runs, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: Redraw at most this often (seconds), so a fast run is not slowed by printing.
REFRESH_SECONDS = 0.1
_WIDTH = 30


def terminal_progress(
    total: int, stream: TextIO | None = None, label: str = "steps"
) -> Callable[[int, int], None] | None:
    """A ``progress(step, steps)`` callback drawing a bar on a terminal, else None.

    Pass the result to ``simulation.running.runner.run(..., progress=...)``; with output
    redirected (a log file, a sweep, CI) it returns None and nothing is printed.

    Args:
        total: Number of steps expected (used only when the callback is not told).
        stream: Where to draw (default ``sys.stderr``).
        label: Unit shown after the counts.

    Returns:
        The callback, or None when ``stream`` is not a terminal.
    """
    out = sys.stderr if stream is None else stream
    if not (hasattr(out, "isatty") and out.isatty()):
        return None
    start = time.perf_counter()
    last = [-REFRESH_SECONDS]

    def progress(step: int, steps: int = total) -> None:
        now = time.perf_counter() - start
        done = step >= steps
        if not done and now - last[0] < REFRESH_SECONDS:
            return
        last[0] = now
        frac = step / steps if steps else 1.0
        filled = int(_WIDTH * frac)
        eta = now / step * (steps - step) if step else 0.0
        bar = "#" * filled + "-" * (_WIDTH - filled)
        out.write(f"\r[{bar}] {step}/{steps} {label} {now:6.1f}s elapsed, {eta:6.1f}s left")
        if done:
            out.write("\n")
        out.flush()

    return progress
