"""The benchmark's tables: plain text for the terminal, Markdown for README's Performance.

Both read the JSON ``experiments.benchmark`` writes, so the README shows what was measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: README lines between these markers are rewritten by ``experiments.benchmark --readme``.
START = "<!-- benchmark table: written by python -m experiments.benchmark --readme -->"
END = "<!-- end of benchmark table -->"
GB = 1e9

#: What each engine key runs, as the tables name it.
LABELS = {
    "vectorized": "peerbuy array engine (numpy/scipy), the full model",
    "agent": "peerbuy agent engine (Mesa), the full model",
    "mesa_si": "Mesa virus_on_network-style SI, one agent per node",
    "ndlib_si": "NDlib SIModel (SI)",
    "eon_sir": "EoN fast_SIR (event-driven SIR)",
}


@dataclass(frozen=True)
class Target:
    """A performance target of issue 12, checked against a benchmark report.

    Attributes:
        name: What is measured.
        limit: The target, in words.
        check: ``check(report)`` -> (measured, in words; True/False, or None when the
            report has no measurement for it).
    """

    name: str
    limit: str
    check: Callable[[dict], tuple[str, bool | None]]


def _size(report: dict, n: int) -> dict | None:
    return next((r for r in report.get("sizes", []) if r["n"] == n), None)


def _build_100k(report: dict) -> tuple[str, bool | None]:
    r = _size(report, 100_000)
    if r is None:
        return "not measured (add 100000 to --sizes)", None
    b = r["build"]  # judged in CPU time: on a quiet machine wall and CPU agree
    return f"{b['seconds']:.2f} s CPU ({b['wall_seconds']:.2f} s wall)", b["seconds"] <= 1.5


def _step_1m(report: dict) -> tuple[str, bool | None]:
    r = _size(report, 1_000_000)
    if r is None:
        return "not measured (add 1000000 to --sizes)", None
    v = r["engines"]["vectorized"]
    return (f"{v['step_over_floor']:.2f} x ({v['step_seconds'] * 1e3:.1f} ms step, "
            f"{v['floor_seconds'] * 1e3:.1f} ms A @ x, CPU)", v["step_over_floor"] <= 1.5)


def _big(key: str) -> Callable[[dict], tuple[str, bool | None]]:
    def check(report: dict) -> tuple[str, bool | None]:
        big = report.get("big")
        if not big or big["n"] != 10_000_000 or big["steps"] != 90:
            return "not measured (--big 10000000 --steps 90)", None
        if big["status"] != "ok":
            return f"failed: {big.get('note', '')}", False
        if key == "wall":
            return (f"{big['wall_seconds']:.0f} s wall ({big['cpu_seconds']:.0f} s CPU, "
                    f"m = {big['m']})", big["wall_seconds"] <= 90)
        peak = big["peak_rss_mb"] * 2**20
        return f"{peak / GB:.2f} GB peak RSS (m = {big['m']})", peak <= 4 * GB
    return check


#: The targets the benchmark prints (other measurements may append theirs).
TARGETS: list[Target] = [
    Target("100,000 consumers: graph build", "<= 1.5 s CPU", _build_100k),
    Target("1,000,000 consumers: step / one A @ x", "<= 1.5", _step_1m),
    Target("10,000,000 consumers x 90 steps: whole run", "<= 90 s wall", _big("wall")),
    Target("10,000,000 consumers x 90 steps: memory", "<= 4 GB peak", _big("memory")),
]


def _verdict(met: bool | None) -> str:
    return {True: "MET", False: "NOT MET", None: "-"}[met]


def format_targets(report: dict) -> str:
    """The targets, what was measured, and whether each is met."""
    rows = [(t.name, t.limit, *t.check(report)) for t in TARGETS]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'target':<{width}}  {'limit':<14} verdict   measured"]
    lines += [f"{name:<{width}}  {limit:<14} {_verdict(met):<9} {measured}"
              for name, limit, measured, met in rows]
    return "\n".join(lines)


def _load(values) -> str:
    return "/".join(f"{x:.1f}" for x in values)


def _engine_columns(r: dict, name: str, e: dict) -> tuple[str, str, str, str]:
    if "step_seconds" not in e:
        return "-", "-", "-", e.get("status", "") + (f": {e['note']}" if e.get("note") else "")
    note = "" if e["status"] == "ok" else f"{e['status']} after {e['steps_run']} steps"
    if e.get("note"):
        note += f"{': ' if note else ''}{e['note']}"
    ratio = f"{e['step_over_floor']:.2f}" if name == "vectorized" else \
        f"{e['step_over_floor']:.0f}"
    return (f"{e['step_seconds'] * 1e3:.2f} ms" if e["step_seconds"] < 0.1
            else f"{e['step_seconds']:.2f} s",
            f"{e['agent_steps_per_second'] / 1e6:.2f} M", ratio, note)


def format_table(report: dict) -> str:
    """A plain-text table: one row per size and engine, then each size's build and memory."""
    head = f"{'n':>10} {'engine':<52} {'step CPU':>9} {'steps/s':>8} {'/A@x':>6}  note"
    lines = [head, "-" * len(head)]
    for r in report["sizes"]:
        for name, e in r["engines"].items():
            step, rate, ratio, note = _engine_columns(r, name, e)
            lines.append(f"{r['n']:>10,} {LABELS.get(name, name):<52} {step:>9} {rate:>8} "
                         f"{ratio:>6}  {note}")
        lines.append(f"{'':>10} {_size_note(r)}")
    big = report.get("big")
    if big:
        lines.append(_big_note(big))
    lines.append(f"{report['meta']['cpus']} CPUs; load average "
                 f"{_load(report['meta']['load_before'])} before, "
                 f"{_load(report['meta'].get('load_after', (0, 0, 0)))} after")
    return "\n".join(lines)


def _size_note(r: dict) -> str:
    b = r["build"]
    text = (f"graph build {b['wall_seconds']:.2f} s wall ({b['seconds']:.2f} s CPU, "
            f"{b['builder']}); array engine: whole run {r['vectorized_wall_seconds']:.1f} s "
            f"wall, peak RSS {r['vectorized_peak_rss_mb']:,.0f} MB; load "
            f"{_load(r['load_before'])} -> {_load(r['load_after'])}")
    if "peer_graph" in r:
        text += (f"; peers' networkx graph: {r['peer_graph']['how']}, "
                 f"{r['peer_graph']['seconds']:.1f} s")
    return text


def _big_note(big: dict) -> str:
    if big["status"] != "ok":
        return f"whole run of {big['n']:,}: failed ({big.get('note', '')})"
    return (f"whole run of {big['n']:,} consumers (m = {big['m']}, {big['steps']} steps, "
            f"`{big['command']}`): {big['wall_seconds']:.0f} s wall, "
            f"{big['cpu_seconds']:.0f} s CPU, peak RSS {big['peak_rss_mb'] * 2**20 / GB:.2f} GB; "
            f"load {_load(big['load_before'])} -> {_load(big['load_after'])}")


def markdown(report: dict) -> str:
    """README's Performance table (and targets) from a benchmark report."""
    meta = report["meta"]
    sizes = report["sizes"]
    steps = sizes[0]["steps"] if sizes else report["big"]["steps"]
    m = sizes[0]["m"] if sizes else report["big"]["m"]
    lines = [
        f"Measured {meta['started']} with `{meta['command'].strip()}` on {meta['cpus']} CPUs "
        f"(load average {_load(meta['load_before'])} at the start; Barabasi-Albert m = {m}, "
        f"{steps} steps; step times are CPU time, the array engine's interleaved with one "
        "float64 `A @ x` on the same graph):",
        "",
        "| consumers | engine | step (CPU) | agent-steps/s | step / `A @ x` | notes |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for r in sizes:
        for name, e in r["engines"].items():
            if e.get("status") in ("skipped", "not installed"):
                continue
            step, rate, ratio, note = _engine_columns(r, name, e)
            lines.append(f"| {r['n']:,} | {LABELS.get(name, name)} | {step} | {rate} | "
                         f"{ratio} | {note.replace('|', '/')} |")
    lines.append("")
    lines += [f"- {r['n']:,}: {_size_note(r)}" for r in sizes]
    if report.get("big"):
        lines.append(f"- {_big_note(report['big'])}")
    lines += ["", "| target | limit | verdict | measured |", "|---|---|---|---|"]
    lines += [f"| {t.name} | {t.limit} | {_verdict(met)} | {measured} |"
              for t in TARGETS for measured, met in [t.check(report)]]
    return "\n".join(lines)


def write_readme(report: dict, readme: Path) -> None:
    """Replace the lines between ``START`` and ``END`` in ``readme`` with ``markdown``."""
    text = readme.read_text()
    head, sep, rest = text.partition(START + "\n")
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"{readme}: no benchmark table markers ({START!r} ... {END!r})")
    readme.write_text(head + START + "\n" + markdown(report) + "\n" + END + tail)


def readme_block(readme: Path) -> str:
    """The benchmark table README holds now (between the markers)."""
    rest = readme.read_text().partition(START + "\n")[2]
    return rest.partition(END)[0].rstrip("\n")
