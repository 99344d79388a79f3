"""The parameter schema: declared once, and README, YAML and --help agree with it."""

from __future__ import annotations

import math

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from experiments.config import (
    CONFIG_DIR,
    group_options,
    iter_sections,
    network_keys,
    to_run_params,
)
from experiments.schemadocs import README, readme_section, readme_tables
from models.params import ConsumerParams, ParameterError, ProductParams
from models.schema import Spec, specs
from models.strategies import STRATEGIES
from simulation.params import NetworkParams

ALL_SPECS = [(section, spec) for section, _t, s in iter_sections() for spec in s.values()]


def yaml_of(group: str, option: str) -> dict:
    return yaml.safe_load((CONFIG_DIR / group / f"{option}.yaml").read_text()) or {}


def test_readme_tables_are_generated_from_the_schema():
    """Fails when a key's meaning, default or range changes without
    `python -m experiments.docs --write`."""
    assert readme_section(README.read_text()) == readme_tables()


def test_every_key_has_a_label_meaning_and_a_default_inside_its_range():
    for section, spec in ALL_SPECS:
        key = f"{section}.{spec.name}"
        assert spec.label and spec.meaning, key
        assert spec.kind in ("number", "integer", "choice", "bool", "text", "name"), key
        if spec.kind in ("number", "integer"):
            assert spec.low is not None and (spec.high is not None or spec.name == "seed"), key
        assert spec.ok(spec.default) or spec.name == "path", key


def test_default_yaml_files_equal_the_schema_defaults():
    top = yaml.safe_load((CONFIG_DIR / "config.yaml").read_text())
    for section, _t, s in iter_sections():
        if section == "":
            assert {k: top[k] for k in s} == {k: v.default for k, v in s.items()}
    assert yaml_of("consumer", "default") == {k: v.default for k, v in
                                             specs(ConsumerParams).items()}
    assert yaml_of("product", "default") == {k: v.default for k, v in
                                            specs(ProductParams).items()}
    for name, cls in STRATEGIES.items():
        assert yaml_of("strategy", name)[name] == {k: v.default for k, v in specs(cls).items()}
    ba = yaml_of("network", "barabasi_albert")
    assert ba == {k: specs(NetworkParams)[k].default for k in network_keys("barabasi_albert")}


@pytest.mark.parametrize("option", group_options("network"))
def test_each_network_file_has_exactly_the_keys_its_network_uses(option):
    assert list(yaml_of("network", option)) == network_keys(option)


def test_specs_move_with_the_dataclasses():
    """The classroom reads ranges from here: label, unit, bounds, default, choices."""
    share = specs(ConsumerParams)["share_prob"]
    assert (share.label, share.unit, share.low, share.high, share.default) == (
        "Share probability", "per day", 0.0, 1.0, 0.15)
    assert specs(NetworkParams)["ties"].choices == ("constant", "random", "embeddedness", "file")
    with pytest.raises(ParameterError, match=r"^consumer.share_prob = 1.5: must be a prob"):
        ConsumerParams(share_prob=1.5)


# -- property tests: random invalid configs -----------------------------------------------

_COMPOSED: dict = {}


def composed(option_overrides: tuple[str, ...]):
    if option_overrides not in _COMPOSED:
        with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR)):
            _COMPOSED[option_overrides] = compose(config_name="config",
                                                  overrides=list(option_overrides))
    return _COMPOSED[option_overrides].copy()


def _invalid(spec: Spec) -> st.SearchStrategy:
    """Values that ``spec`` refuses."""
    wrong_type = st.sampled_from(["abc", [1], {"a": 1}, math.nan, math.inf])
    if spec.kind == "choice":
        return st.one_of(wrong_type, st.text(min_size=1).filter(lambda t: t not in spec.choices))
    if spec.kind == "bool":
        return st.one_of(st.integers(), st.text(min_size=1), st.floats())
    options = [wrong_type]
    if spec.low is not None:
        below = (st.floats(max_value=spec.low, allow_nan=False, allow_infinity=False)
                 if spec.low_open else
                 st.floats(max_value=spec.low, exclude_max=True, allow_nan=False,
                           allow_infinity=False))
        options.append(below)
        options.append(st.integers(max_value=math.ceil(spec.low) - 1))
    if spec.high is not None:
        options.append(st.floats(min_value=spec.high, exclude_min=True, allow_nan=False,
                                 allow_infinity=False))
        options.append(st.integers(min_value=math.floor(spec.high) + 1))
    if spec.kind == "integer":
        options.append(st.floats(allow_nan=False, allow_infinity=False)
                       .filter(lambda x: not float(x).is_integer()))
    if spec.even:
        options.append(st.integers(min_value=0, max_value=10**6).map(lambda x: 2 * x + 1))
    return st.one_of(*options)


CHECKABLE = [(sec, spec) for sec, spec in ALL_SPECS
             if spec.kind != "text" and spec.name not in ("name", "seed") and
             not (spec.kind == "number" and spec.low is None)]


def _select(section: str, name: str) -> tuple[str, ...]:
    if section.startswith("strategy."):
        return (f"strategy={section.split('.')[1]}",)
    if section == "network":
        option = next(o for o in group_options("network")
                      if name in network_keys(o) and o != "file")
        return (f"network={option}",)
    return ()


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_random_invalid_values_are_refused_naming_the_key(data):
    section, spec = data.draw(st.sampled_from(CHECKABLE))
    value = data.draw(_invalid(spec))
    cfg = composed(_select(section, spec.name))
    key = f"{section}.{spec.name}" if section else spec.name
    OmegaConf.update(cfg, key, value, force_add=True)
    with pytest.raises(ParameterError) as err:
        to_run_params(cfg)
    message = str(err.value)
    assert "\n" not in message and message.startswith(key + " = "), (key, value, message)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12),
       st.sampled_from(["", "network.", "consumer.", "product.", "strategy.ads."]))
def test_random_unknown_keys_are_refused(word, prefix):
    known = {s.name for sec, s in ALL_SPECS if (sec + ".") == prefix or (not sec and not prefix)}
    known |= {"network", "consumer", "product", "strategy"} if not prefix else set()
    if word in known:
        return
    cfg = composed(("strategy=ads",))
    OmegaConf.update(cfg, prefix + word, 1, force_add=True)
    with pytest.raises(ParameterError, match=r"unknown key") as err:
        to_run_params(cfg)
    assert (prefix + word) in str(err.value)
