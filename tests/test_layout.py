"""The package layout of DESIGN.md holds: layers point down, entry points stand alone.

``experiments -> simulation -> models``; Hydra only in ``experiments/``; ``simulation/`` in
rooms by concern; no module of ``experiments/`` imports an entry point (a module run with
``python -m``); no private API of Mesa or Hydra anywhere.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "simulation", "experiments", "hydra_plugins")


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_entry_point(path: Path) -> bool:
    return "__name__ == \"__main__\"" in path.read_text() or path.name == "__main__.py"


@pytest.mark.parametrize(("package", "forbidden"), [
    ("models", ("simulation", "experiments", "hydra", "omegaconf", "matplotlib")),
    ("simulation", ("experiments", "hydra", "omegaconf")),
])
def test_layers_point_down(package, forbidden):
    bad = [f"{_name(p)} imports {m}" for p in _modules(package) for m in _imports(p)
           if m.split(".")[0] in forbidden]
    assert not bad, bad


def test_no_experiments_module_imports_an_entry_point():
    entry = {_name(p) for p in _modules("experiments") if _is_entry_point(p)}
    assert {"experiments.run", "experiments.aggregate", "experiments.resume"} <= entry
    bad = [f"{_name(p)} imports {m}" for p in [*_modules("experiments"),
                                                *_modules("hydra_plugins")]
           for m in _imports(p) if m in entry and m != _name(p)]
    assert not bad, bad


def test_simulation_is_in_rooms():
    flat = sorted(p.name for p in (ROOT / "simulation").glob("*.py"))
    assert flat == ["__init__.py", "params.py"], flat
    rooms = sorted(p.name for p in (ROOT / "simulation").iterdir()
                   if p.is_dir() and (p / "__init__.py").exists())
    assert rooms == ["analysis", "classroom", "networks", "running"], rooms


def test_no_private_apis_of_mesa_or_hydra():
    # The names are spelt in pieces so that grep finds them nowhere in the project.
    names = ("_" + "cells", "hydra." + "_internal", "_" + "return_value")
    private = re.compile("|".join(re.escape(name) for name in names))
    bad = [f"{p.relative_to(ROOT)}:{i}" for package in PACKAGES for p in _modules(package)
           for i, line in enumerate(p.read_text().splitlines(), 1) if private.search(line)]
    assert not bad, bad
