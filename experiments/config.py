"""Turning a composed Hydra config into plain, validated run parameters."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from models.params import ConsumerParams, ParameterError, ProductParams
from models.strategies import STRATEGIES, STRATEGY_NAMES
from simulation.networks import NetworkParams
from simulation.runner import RunParams

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
GROUPS = ("network", "consumer", "product", "strategy", "experiment", "debug")


def group_options(group: str) -> list[str]:
    """Names of the config files in ``configs/<group>/``."""
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


def _build(cls: type, section: str, values: dict[str, Any]):
    allowed = {f.name for f in fields(cls)}
    for key in values:
        if key not in allowed:
            raise ParameterError(
                f"{section}.{key} = {values[key]!r}: unknown key; "
                f"allowed: {', '.join(sorted(allowed))}"
            )
    return cls(**values)


def _plain(node: Any) -> Any:
    try:
        return OmegaConf.to_container(node, resolve=True, throw_on_missing=True)
    except Exception as exc:  # omegaconf's MissingMandatoryValue and resolver errors
        key = getattr(exc, "full_key", "") or "config"
        raise ParameterError(f"{key} = ???: a value is required") from None


def to_run_params(cfg: DictConfig) -> RunParams:
    """Build the run's parameters from the composed config, checking every value.

    Raises:
        ParameterError: One line naming the offending key, its value and what is allowed.
    """
    network = _build(NetworkParams, "network", _plain(cfg.network))
    consumer = _build(ConsumerParams, "consumer", _plain(cfg.consumer))
    product = _build(ProductParams, "product", _plain(cfg.product))
    strategy_cfg = _plain(cfg.strategy) or {}
    strategies = []
    for name, values in strategy_cfg.items():
        if name not in STRATEGIES:
            raise ParameterError(
                f"strategy = {name!r}: must be one of {', '.join(STRATEGY_NAMES)}"
            )
        strategies.append(_build(STRATEGIES[name], f"strategy.{name}", values or {}))
    return RunParams(
        network=network,
        consumer=consumer,
        product=product,
        strategies=tuple(strategies),
        budget=cfg.budget,
        seed=cfg.seed,
        steps=cfg.steps,
        engine=cfg.engine,
    )


def check_group_overrides(overrides: list[str]) -> None:
    """Check config-group choices on the command line before Hydra composes anything.

    Hydra's own message for an unknown option spans many lines; this gives one line
    naming the group, the value and the options.

    Raises:
        ParameterError: For an unknown option of a config group.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception:
        return  # not ours to judge: Hydra reports syntax errors itself
    for o in parsed:
        group = o.key_or_group
        if group not in GROUPS or o.is_delete():
            continue
        options = group_options(group)
        values: list[Any] = []
        if o.is_sweep_override():
            values = [str(v) for v in o.sweep_iterator()]
        else:
            v = o.value()
            values = [str(x) for x in v] if isinstance(v, list) else [str(v)]
        for value in values:
            for item in value.strip("[]").split(","):
                item = item.strip()
                if item and item != "null" and item not in options:
                    raise ParameterError(
                        f"{group} = {item!r}: must be one of {', '.join(options)}"
                    )
