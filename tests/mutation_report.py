"""Mutation score per module from a finished ``mutmut run`` (reads mutants/*.meta).

Usage: ``.venv/bin/python tests/mutation_report.py`` after ``mutmut run``. Survivors
listed in tests/mutation_equivalents.md (``mutant names`` in backticks) count as
equivalent: the score is killed / (total - equivalent). Those listed under its heading
"Killed by hand" (code that runs at import, which mutmut's forked workers never see
mutated) count as killed.
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


NAME = r"`([\wǁ.]+__mutmut_\d+)`"


def declared() -> tuple[set[str], set[str]]:
    """Mutant names in tests/mutation_equivalents.md: (equivalent, killed by hand)."""
    path = ROOT / "tests" / "mutation_equivalents.md"
    if not path.exists():
        return set(), set()
    text = path.read_text()
    by_hand = set()
    for section in re.split(r"^## ", text, flags=re.M):
        if section.startswith("Killed by hand"):
            by_hand |= set(re.findall(NAME, section))
    return set(re.findall(NAME, text)) - by_hand, by_hand


def main() -> int:
    """Print the score per mutated module (over the mutants checked so far); list survivors.

    The score is (killed + killed by hand) / (checked - equivalent); "checked" counts the
    mutants mutmut has run, so an interrupted run gives a partial score.
    """
    metas = sorted((ROOT / "mutants").rglob("*.py.meta"))
    if not metas:
        print("no mutants/ results: run `mutmut run` first", file=sys.stderr)
        return 2
    equivalent, by_hand = declared()
    undeclared: list[str] = []
    print(f"{'module':32} {'checked':>9} {'killed':>7} {'by hand':>7} {'survived':>8} "
          f"{'equiv.':>6} {'no test':>7} {'score':>7}")
    for meta in metas:
        module = str(meta.relative_to(ROOT / "mutants")).removesuffix(".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        status = {k: status_by_exit_code[c] for k, c in codes.items()}
        killed = sum(s in KILLED for s in status.values())
        hand = [k for k, s in status.items() if s == "survived" and k in by_hand]
        survived = [k for k, s in status.items() if s == "survived" and k not in by_hand]
        equiv = [k for k in survived if k in equivalent]
        no_test = sum(s == "no tests" for s in status.values())
        not_run = sum(s == "not checked" for s in status.values())
        undeclared += [k for k in survived if k not in equivalent]
        checked = len(codes) - not_run
        denominator = checked - len(equiv)
        score = 100.0 * (killed + len(hand)) / denominator if denominator else 100.0
        print(f"{module:32} {f'{checked}/{len(codes)}':>9} {killed:>7} {len(hand):>7} "
              f"{len(survived) - len(equiv):>8} {len(equiv):>6} {no_test:>7} {score:>6.1f}%")
    if undeclared:
        print(f"\n{len(undeclared)} survivors not listed in tests/mutation_equivalents.md "
              "(`mutmut show NAME` shows one):")
        print("\n".join(f"  {k}" for k in sorted(undeclared)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
