"""An observed adoption series read from CSV: ``period`` plus new adopters or cumulative.

Format (``#`` lines are comments): a header with ``period`` and exactly one of
``new_adopters`` (alias ``sales``) or ``cumulative``; one row per period, consecutive
integers from the launch period. Values are counts in any unit (units, thousands, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.params import ParameterError

NEW_COLUMNS = ("new_adopters", "sales")
CUMULATIVE_COLUMN = "cumulative"


@dataclass(frozen=True)
class ObservedSeries:
    """New adopters per period since launch.

    Attributes:
        periods: Period labels as in the file (consecutive integers).
        new: New adopters (sales) in each period.
        name: A short name (the file's stem).
    """

    periods: np.ndarray
    new: np.ndarray
    name: str = "series"

    def __len__(self) -> int:
        return int(self.new.size)

    @property
    def cumulative(self) -> np.ndarray:
        """Adopters up to the end of each period."""
        return np.cumsum(self.new)

    def head(self, k: int) -> ObservedSeries:
        """The first ``k`` periods (a forecasting hold-out keeps the rest)."""
        return ObservedSeries(self.periods[:k], self.new[:k], self.name)


def load_series(path: str | Path, key: str = "data") -> ObservedSeries:
    """Read and check an observed series.

    Args:
        path: The CSV file.
        key: The config key named in error messages.

    Raises:
        ParameterError: One line naming the file and what is wrong with it.
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{key} = {str(path)!r}: no such file")
    try:
        table = pd.read_csv(path, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{key} = {str(path)!r}: not a readable CSV ({exc})") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    value_cols = [c for c in (*NEW_COLUMNS, CUMULATIVE_COLUMN) if c in table.columns]
    if "period" not in table.columns or len(value_cols) != 1:
        raise ParameterError(
            f"{key} = {str(path)!r}: columns {list(table.columns)}; need 'period' and one of "
            "'new_adopters', 'sales' or 'cumulative'"
        )
    col = value_cols[0]
    periods = pd.to_numeric(table["period"], errors="coerce").to_numpy()
    values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
    if len(values) < 3:
        raise ParameterError(f"{key} = {str(path)!r}: {len(values)} periods; need at least 3")
    if not (np.all(np.isfinite(periods)) and np.all(periods == np.round(periods))
            and np.all(np.diff(periods) == 1)):
        raise ParameterError(
            f"{key} = {str(path)!r}: 'period' must be consecutive integers (one row per period)"
        )
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        raise ParameterError(
            f"{key} = {str(path)!r}: {col} in period {periods[bad[0]]:.0f} is "
            f"{table[col].astype(str).iloc[bad[0]]}; must be a number >= 0"
        )
    if col == CUMULATIVE_COLUMN:
        if np.any(np.diff(values) < 0):
            raise ParameterError(f"{key} = {str(path)!r}: 'cumulative' must never decrease")
        values = np.diff(values, prepend=0.0)
    if values.sum() <= 0:
        raise ParameterError(f"{key} = {str(path)!r}: no adopters in any period")
    return ObservedSeries(periods.astype(int), values, path.stem)
