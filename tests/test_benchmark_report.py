"""README's Performance table is what results/benchmark.json says; the targets' verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from experiments import bench_report

ROOT = Path(__file__).resolve().parent.parent


def test_readme_table_is_the_committed_benchmark():
    report = json.loads((ROOT / "results" / "benchmark.json").read_text())
    assert bench_report.readme_block(ROOT / "README.md") == bench_report.markdown(report), (
        "README's Performance table drifted: run "
        "`.venv/bin/python -m experiments.benchmark --readme`")


def _report(build_cpu=1.5, step=3.0, floor=2.0, big_wall=90.0, big_peak_mb=3814.0):
    size = {"n": 100_000, "m": 5, "steps": 90, "build": {"wall_seconds": 9.0,
                                                          "seconds": build_cpu}}
    million = {"n": 1_000_000, "engines": {"vectorized": {
        "step_over_floor": step / floor, "step_seconds": step / 1e3,
        "floor_seconds": floor / 1e3}}}
    big = {"n": 10_000_000, "m": 5, "steps": 90, "status": "ok", "wall_seconds": big_wall,
           "cpu_seconds": 80.0, "peak_rss_mb": big_peak_mb}
    return {"sizes": [size, million], "big": big}


@pytest.mark.parametrize(
    ("kwargs", "verdicts"),
    [
        ({}, ["MET", "MET", "MET", "MET"]),  # every limit hit exactly is met
        ({"build_cpu": 1.51}, ["NOT MET", "MET", "MET", "MET"]),
        ({"step": 3.01}, ["MET", "NOT MET", "MET", "MET"]),
        ({"big_wall": 90.5}, ["MET", "MET", "NOT MET", "MET"]),
        # 4 GB = 4e9 bytes = 3814.7 MiB of ru_maxrss.
        ({"big_peak_mb": 3815.0}, ["MET", "MET", "MET", "NOT MET"]),
    ],
)
def test_target_verdicts(kwargs, verdicts):
    rows = bench_report.format_targets(_report(**kwargs)).splitlines()[1:]
    got = ["NOT MET" if " NOT MET " in row else "MET" if " MET " in row else "-"
           for row in rows]
    assert got == verdicts


def test_unmeasured_targets_say_how_to_measure_them():
    text = bench_report.format_targets({"sizes": [], "big": None})
    assert text.count(" - ") == 4 and "--big 10000000" in text and "add 100000" in text


def test_write_readme_replaces_only_the_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\nbefore\n{bench_report.START}\nold table\n{bench_report.END}\n"
                      "after\n")
    report = json.loads((ROOT / "results" / "benchmark.json").read_text())
    bench_report.write_readme(report, readme)
    text = readme.read_text()
    assert text.startswith("# x\nbefore\n") and text.endswith(f"{bench_report.END}\nafter\n")
    assert "old table" not in text
    assert bench_report.readme_block(readme) == bench_report.markdown(report)
    readme.write_text("no markers\n")
    with pytest.raises(ValueError, match="markers"):
        bench_report.write_readme(report, readme)
