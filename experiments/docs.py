"""``python -m experiments.docs`` prints the README's configuration tables from the schema.

``--write`` puts them into README.md between the ``schema:begin``/``schema:end`` markers (a
test fails when they drift).
"""

from __future__ import annotations

import argparse
import sys

from experiments.schemadocs import README, readme_tables, replace_section


def main(argv: list[str] | None = None) -> int:
    """Print the README tables, or write them into README.md with ``--write``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true",
                    help="replace the generated section of README.md (default: print it)")
    args = ap.parse_args(argv)
    tables = readme_tables()
    if args.write:
        text = README.read_text()
        README.write_text(replace_section(text, tables))
        print(f"wrote {README}")
    else:
        sys.stdout.write(tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())

