"""One source of truth for defaults: every YAML option and README table equals the dataclasses.

Data-driven: each config group option is composed through Hydra and each README
configuration-table row is parsed; a value changed in only one of YAML, dataclass or
README makes a test fail.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from experiments.config import CONFIG_DIR, group_options
from models.content import ContentParams, ContentType
from models.params import ConsumerParams, ProductParams
from models.segments import Segments
from models.strategies import STRATEGIES
from simulation.networks.generators import BUILDER_DEFAULTS, SHARED_DEFAULTS, NetworkParams
from simulation.running.runner import RunParams

README = Path(__file__).resolve().parents[1] / "README.md"
#: Options that deliberately differ from the defaults (their keys must still exist).
PRESETS = {("consumer", "bass"), ("product", "poor")}
GROUP_CLASSES = {"consumer": ConsumerParams, "product": ProductParams}


def network_default(name: str, key: str):
    """The dataclass default of ``network.key`` for builder ``name`` (no validation)."""
    value = {f.name: f.default for f in dataclasses.fields(NetworkParams)}[key]
    if value is None:
        value = {**SHARED_DEFAULTS, **BUILDER_DEFAULTS.get(name, {})}.get(key)
    return value


def composed_group(group: str, option: str) -> dict:
    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
        cfg = compose(config_name="config", overrides=[f"{group}={option}"])
    return OmegaConf.to_container(cfg[group]) if group in cfg else {}


def dataclass_defaults(group: str, option: str) -> dict:
    """Every default the Python code holds for the keys of ``group=option``."""
    if group == "network":
        return {f.name: network_default(option, f.name)
                for f in dataclasses.fields(NetworkParams) if f.name not in ("name", "path")}
    if group == "strategy":
        return {name: {f.name: f.default for f in dataclasses.fields(cls)}
                for name, cls in STRATEGIES.items()}
    if group == "content":  # the track switch, then the keys of one content type
        return {**{f.name: f.default for f in dataclasses.fields(ContentType)},
                "track": ContentParams().track}
    return {f.name: f.default for f in dataclasses.fields(GROUP_CLASSES[group])}


OPTIONS = [(g, o) for g in ("network", "consumer", "product", "strategy")
           for o in group_options(g)]


@pytest.mark.parametrize(("group", "option"), OPTIONS, ids=[f"{g}={o}" for g, o in OPTIONS])
def test_every_yaml_value_equals_the_dataclass_default(group, option):
    yaml = composed_group(group, option)
    expected = dataclass_defaults(group, option)
    yaml.pop("name", None)
    yaml.pop("path", None)  # the file builder's required path has no default
    if group == "strategy":
        yaml = {(name, k): v for name, keys in yaml.items() for k, v in keys.items()}
        expected = {(name, k): v for name, keys in expected.items() for k, v in keys.items()}
    assert set(yaml) <= set(expected), f"{group}={option}: keys with no dataclass field"
    if (group, option) in PRESETS or option.startswith("calibrated_"):
        return  # presets and calibrated markets (experiments.calibrate) differ on purpose
    differ = {k: (v, expected[k]) for k, v in yaml.items() if v != expected[k]}
    assert not differ, f"{group}={option}: YAML vs dataclass {differ}"


def test_top_level_yaml_equals_run_params():
    cfg = OmegaConf.load(CONFIG_DIR / "config.yaml")
    run = RunParams()
    for key in ("seed", "steps", "engine", "budget"):
        assert cfg[key] == getattr(run, key), key


def readme_defaults() -> list[tuple[str, str, str, str]]:
    """``(group, strategy, key, default cell)`` for every configuration-table row."""
    text = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows, group, header, strategy = [], None, [], ""
    for line in text.splitlines():
        intro = re.match(r"`(\w+)=`", line)
        if line.startswith("Top level"):
            group = "top"
        elif intro:
            group = intro.group(1)
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if "meaning" in cells:
            header = cells
            continue
        row = dict(zip(header, cells, strict=True))
        if group == "strategy":
            strategy = row["strategy"] or strategy
        keys = re.findall(r"`(\w+)`", row["key"])
        values = row["default"].split(", ") if len(keys) > 1 else [row["default"]]
        assert len(values) == len(keys), f"README row {keys}: {row['default']!r}"
        rows += [(group, strategy, k, v) for k, v in zip(keys, values, strict=True)]
    return rows


def parse(cell: str):
    if cell in ("null", "required"):
        return None
    if cell in ("true", "false"):
        return cell == "true"
    try:
        return float(cell.replace(",", ""))
    except ValueError:
        return cell


def test_every_readme_default_equals_the_dataclass_default():
    rows = readme_defaults()
    groups = {g for g, *_ in rows}
    assert groups == {"top", "network", "consumer", "product", "strategy", "segments",
                      "content"}
    run, checked = RunParams(), 0
    for group, strategy, key, cell in rows:
        if group == "top":
            yaml = OmegaConf.load(CONFIG_DIR / "config.yaml")
            truth = getattr(run, key) if hasattr(run, key) else yaml[key]
            assert parse(cell) == truth, f"README {key} = {cell}; Python/YAML {truth}"
        elif group == "network":
            if key == "path":
                continue
            for part in cell.split("; "):  # "2000; complete: 500": shared, then per builder
                name, shown = part.split(": ") if ": " in part else ("barabasi_albert", part)
                truth = network_default(name, key)
                assert parse(shown) == truth, f"README network.{key} = {cell}; Python {truth}"
        elif group == "segments":  # no segments by default: the dataclass holds the defaults
            truth = getattr(Segments(), key)
            assert parse(cell) == truth, f"README segments.{key} = {cell}; Python {truth}"
        elif group == "strategy":
            truth = dataclass_defaults("strategy", "")[strategy][key]
            assert parse(cell) == truth, f"README {strategy}.{key} = {cell}; Python {truth}"
        else:
            truth = dataclass_defaults(group, "default")[key]
            assert parse(cell) == truth, f"README {group}.{key} = {cell}; Python {truth}"
        checked += 1
    assert checked >= 50
