"""Reading a sweep's time series back at once gives the table that reading each run's file
and concatenating gives (the oracle below is that per-file construction, written out)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import sweepfolder


def _oracle(done: list[tuple[dict, Path]]) -> pd.DataFrame:
    """One frame per run (its keys repeated, then its file), concatenated."""
    frames = []
    for base, path in done:
        ts = pd.read_csv(path)
        keys = pd.DataFrame({c: [v] * len(ts) for c, v in base.items()}, index=ts.index)
        frames.append(pd.concat([keys, ts], axis=1))
    return pd.concat(frames, ignore_index=True)


def _write(tmp: Path, name: str, table: pd.DataFrame) -> Path:
    path = tmp / name
    table.to_csv(path, index=False, float_format="%.10g")  # as simulation.running.outputs
    return path


def _runs(tmp: Path) -> list[tuple[dict, Path]]:
    """Three runs: whole numbers, then fractions and a missing rating, then a long run."""
    rng = np.random.default_rng(3)
    out = []
    for i, (rows, spend) in enumerate([(4, np.zeros(4, dtype=int)), (3, [0.5, 1.25, 2.0]),
                                       (6, rng.random(6) * 1e4)]):
        table = pd.DataFrame({"step": range(rows), "adopters": rng.integers(0, 99, rows),
                              "avg_rating": [np.nan, *(rng.random(rows - 1) * 5)],
                              "spend": spend})
        base = {"job": f"arm=a{i}", "arm": ["a", "b", "c"][i], "budget": 5000.0,
                "seed": 10 + i, "replicate": i}
        out.append((base, _write(tmp, f"t{i}.csv", table)))
    return out


def test_plain_files_are_read_in_one_parse_with_the_per_file_table(tmp_path, monkeypatch):
    done = _runs(tmp_path)
    calls = []
    real = pd.read_csv
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: calls.append(a) or real(*a, **k))
    got, errors = sweepfolder._timeseries(done)
    assert len(calls) == 1 and errors == {}
    monkeypatch.undo()
    pd.testing.assert_frame_equal(got, _oracle(done), check_exact=True)
    assert got["spend"].dtype == np.float64 and got["adopters"].dtype == np.int64


@pytest.mark.parametrize("edit", ["text value", "no final newline", "quoted header"])
def test_files_one_parse_cannot_vouch_for_are_read_one_by_one_with_the_same_table(tmp_path,
                                                                                  edit):
    done = _runs(tmp_path)
    path = done[1][1]
    text = path.read_text()
    if edit == "text value":  # a column that is not numbers: parsed per file, as before
        text = text.replace("1.25", "lots")
    elif edit == "no final newline":
        text = text.rstrip("\n")
    else:
        text = text.replace("spend", '"spend"', 1)
    path.write_text(text)
    got, errors = sweepfolder._timeseries(done)
    assert errors == {}
    pd.testing.assert_frame_equal(got, _oracle(done), check_exact=True)


def test_a_file_without_rows_fails_alone_and_mixed_key_types_keep_their_dtype(tmp_path):
    done = _runs(tmp_path)
    done[2][0]["budget"] = None  # a swept budget=null arm beside 5000.0
    header_only = tmp_path / "empty.csv"
    header_only.write_text(done[0][1].read_text().splitlines()[0] + "\n")
    with_empty = [*done[:1], ({**done[0][0], "job": "arm=e"}, header_only), *done[1:]]
    got, errors = sweepfolder._timeseries(with_empty)
    assert list(errors) == [1] and errors[1] == "timeseries.csv has no rows"
    want = _oracle(done)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got["budget"].dtype == object and got["budget"].iloc[-1] is None
