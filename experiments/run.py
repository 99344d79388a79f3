"""The entry point: ``python -m experiments.run [overrides]`` runs a simulation, ``-m`` a sweep."""

from __future__ import annotations

from experiments.common import launch
from experiments.job import SUMMARY, main


def cli() -> None:
    """``python -m experiments.run``."""
    launch(main, prog="experiments.run", summary=SUMMARY)


if __name__ == "__main__":
    cli()
