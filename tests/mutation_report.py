"""Mutation score per module from a finished ``mutmut run`` (reads mutants/*.meta).

Usage: ``.venv/bin/python tests/mutation_report.py`` after ``mutmut run``. Survivors
listed in tests/mutation_equivalents.md (one ``mutant name`` per line in backticks)
count as equivalent: the score is killed / (total - equivalent).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
#: Statuses that count as detected: a test failed, or the mutant made a test hang.
KILLED = {"killed", "timeout", "caught by type check"}


def equivalents() -> set[str]:
    """Mutant names declared equivalent in tests/mutation_equivalents.md."""
    path = ROOT / "tests" / "mutation_equivalents.md"
    if not path.exists():
        return set()
    return set(re.findall(r"`([\w.]+__mutmut_\d+)`", path.read_text()))


def main() -> int:
    """Print killed / total per mutated module; list survivors not declared equivalent."""
    metas = sorted((ROOT / "mutants").rglob("*.py.meta"))
    if not metas:
        print("no mutants/ results: run `mutmut run` first", file=sys.stderr)
        return 2
    declared = equivalents()
    undeclared: list[str] = []
    print(f"{'module':28} {'killed':>7} {'survived':>8} {'equiv.':>6} {'no test':>7} "
          f"{'not run':>7} {'score':>7}")
    for meta in metas:
        module = str(meta.relative_to(ROOT / "mutants")).removesuffix(".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        status = {k: status_by_exit_code[c] for k, c in codes.items()}
        killed = sum(s in KILLED for s in status.values())
        survived = [k for k, s in status.items() if s == "survived"]
        equiv = [k for k in survived if k in declared]
        no_test = sum(s == "no tests" for s in status.values())
        not_run = sum(s == "not checked" for s in status.values())
        undeclared += [k for k in survived if k not in declared]
        denominator = len(codes) - len(equiv)
        score = 100.0 * killed / denominator if denominator else 100.0
        print(f"{module:28} {killed:>7} {len(survived):>8} {len(equiv):>6} {no_test:>7} "
              f"{not_run:>7} {score:>6.1f}%")
    if undeclared:
        print(f"\n{len(undeclared)} survivors not listed in tests/mutation_equivalents.md "
              "(`mutmut show NAME` shows one):")
        print("\n".join(f"  {k}" for k in sorted(undeclared)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
