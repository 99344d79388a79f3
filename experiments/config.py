"""Turning a composed Hydra config into plain, validated run parameters.

``to_run_params`` is the one validation entry point: every key of the composed config is
checked against the parameter schema (``models.schema``) before anything is built.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.content import ContentParams, ContentType
from models.params import ConsumerParams, ParameterError, ProductParams
from models.schema import Spec, did_you_mean, param, specs, validate
from models.segments import Segments
from models.segments import from_config as segments_from_config
from models.strategies import STRATEGIES, STRATEGY_NAMES
from simulation.params import OBJECTIVES, NetworkParams, RunParams

if TYPE_CHECKING:
    from omegaconf import DictConfig

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
GROUPS = ("network", "consumer", "product", "strategy", "segments", "content", "experiment",
          "debug")
#: The groups whose keys are parameters (``network.n``, ``strategy.ads.reach``).
PARAM_GROUPS = ("network", "consumer", "product", "strategy", "content")
#: Keys of the ``report`` section: how a sweep's comparison.md decides (not run parameters).
REPORT_KEYS = ("objective", "question")
#: Config groups of Hydra's own that a command line may pick (``hydra/launcher=joblib``).
HYDRA_GROUPS = ("hydra/launcher", "hydra/sweeper")


@dataclass(frozen=True)
class JobSettings:
    """Top-level keys about a job rather than one run (each key declared once, as a spec)."""

    replicates: int = param(1, "Replicates", "runs per job, with seeds seed, seed+1, ...; "
                            "each is its own row in a sweep's runs.csv", "runs",
                            low=1, high=1_000_000)
    memory_limit_gb: float | None = param(
        None, "Memory limit", "a run whose estimated memory exceeds this is refused before "
        "it starts; raise it if you know better", "GB", low=0.0, high=1e6, low_open=True,
        nullable=True, null_means="the memory this machine has available")
    figure: bool = param(True, "Figure", "draw adoption.png for each run (a job's first "
                         "replicate); the sweep presets turn it off, as a figure takes "
                         "longer than a 10,000-consumer run")

    def __post_init__(self) -> None:
        """Check every field against its spec."""
        validate(self, "")


def group_options(group: str) -> list[str]:
    """Names of the config files in ``configs/<group>/``."""
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


def top_level_specs() -> dict[str, Spec]:
    """Specs of the top-level keys (``seed``, ``steps``, ..., ``replicates``)."""
    run = specs(RunParams)
    return {**{k: run[k] for k in ("seed", "steps", "engine", "budget")}, **specs(JobSettings)}


def network_keys(name: str) -> list[str]:
    """The keys a network option uses (``name`` first)."""
    return [k for k, s in specs(NetworkParams).items()
            if s.used_by is None or name in s.used_by]


def section_specs(section: str) -> dict[str, Spec] | None:
    """Specs of the keys under ``section`` (``network``, ``consumer``, ``strategy.ads``)."""
    if section == "network":
        return specs(NetworkParams)
    if section == "consumer":
        return specs(ConsumerParams)
    if section == "product":
        return specs(ProductParams)
    if section.startswith("strategy.") and section[9:] in STRATEGIES:
        return specs(STRATEGIES[section[9:]])
    if section.startswith("content.types.") and section.count(".") == 2:
        return specs(ContentType)
    return None


def check_key(key: str, value: Any = None, extra: Collection[str] = ()) -> None:
    """Check that a dotted config key exists in the schema (whatever options are picked).

    Args:
        key: ``seed``, ``network.n``, ``strategy.ads.reach`` (no ``hydra.`` keys).
        value: Shown in the message.
        extra: Further top-level keys an entry point accepts (e.g. animate's ``fps``).

    Raises:
        ParameterError: For an unknown key, with "did you mean" from the known keys.
    """
    parts = key.split(".")
    head = parts[0]
    top = [*top_level_specs(), *extra]
    if head == "report":
        if len(parts) == 2 and parts[1] in REPORT_KEYS:
            if parts[1] == "objective" and value is not None:
                check_report({"objective": value})
            return
        raise ParameterError(f"{key} = {value!r}: unknown key; keys of report: "
                             f"{', '.join(REPORT_KEYS)}")
    if head == "segments":
        _check_segment_key(key, value)
        return
    if head not in PARAM_GROUPS:
        if len(parts) > 1 or head not in top:
            raise ParameterError(f"{key} = {value!r}: unknown key{did_you_mean(head, top)}")
        return
    if len(parts) == 1:
        return  # a whole group's node; its option is checked elsewhere
    if head == "content":
        _check_content_key(key, value, parts)
        return
    if head == "strategy":
        name = parts[1]
        if name not in STRATEGIES:
            raise ParameterError(f"{key} = {value!r}: unknown strategy '{name}'; strategies: "
                                 f"{', '.join(STRATEGIES)}{did_you_mean(name, STRATEGIES)}")
        section, rest = f"strategy.{name}", parts[2:]
    else:
        section, rest = head, parts[1:]
    if not rest:
        return
    known = section_specs(section) or {}
    if rest[0] not in known or len(rest) > 1:
        raise ParameterError(f"{key} = {value!r}: unknown key; keys of {section}: "
                             f"{', '.join(known)}{did_you_mean(rest[0], known)}")


def _check_segment_key(key: str, value: Any) -> None:
    """``segments.degree_correlation`` or ``segments.groups.NAME.{share, consumer key}``."""
    parts = key.split(".")
    own = specs(Segments)
    consumer = specs(ConsumerParams)
    if len(parts) == 2 and parts[1] in own:
        if value is not None:
            own[parts[1]].check(key, value)
        return
    if len(parts) == 2 and parts[1] == "groups":
        return
    if len(parts) == 4 and parts[1] == "groups" and (parts[3] == "share"
                                                      or parts[3] in consumer):
        if value is not None and parts[3] in consumer:
            consumer[parts[3]].check(key, value)
        return
    if len(parts) == 3 and parts[1] == "groups":
        return  # a whole segment
    raise ParameterError(
        f"{key} = {value!r}: unknown key; keys of segments: degree_correlation, "
        "groups.<name>.share and groups.<name>.<consumer key>"
        f"{did_you_mean(parts[-1], [*own, 'share', *consumer])}")


def _check_content_key(key: str, value: Any, parts: list[str]) -> None:
    """``content.track`` or ``content.types.NAME[.FIELD]`` with FIELD a ``ContentType`` key."""
    if parts[1:] == ["track"] or parts[1:] == ["types"]:
        return
    fields = [k for k in specs(ContentType) if k != "name"]
    if parts[1] != "types":
        raise ParameterError(f"{key} = {value!r}: unknown key; keys of content: track, types")
    if len(parts) == 3:
        return  # a whole type
    if len(parts) > 4 or parts[3] not in fields:
        raise ParameterError(f"{key} = {value!r}: unknown key; keys of a content type: "
                             f"{', '.join(fields)}{did_you_mean(parts[-1], fields)}")


def content_params(node: Any) -> ContentParams:
    """The ``content`` section as ``ContentParams`` (None: posts and reviews only).

    Raises:
        ParameterError: One line naming the key, its value and what is allowed.
    """
    if node is None:
        return ContentParams()
    if not isinstance(node, dict):
        raise ParameterError(f"content = {node!r}: must be one of the content options "
                             f"({', '.join(group_options('content'))})")
    for key, value in node.items():
        if key not in ("track", "types"):
            raise ParameterError(f"content.{key} = {value!r}: unknown key; keys of content: "
                                 f"track, types{did_you_mean(key, ['track', 'types'])}")
    types = node.get("types") or {}
    if not isinstance(types, dict):
        raise ParameterError(f"content.types = {types!r}: must map type names to their keys")
    built = []
    for name, fields in types.items():
        section = f"content.types.{name}"
        built.append(_build(ContentType, section, {**(fields or {}), "name": name},
                            [k for k in specs(ContentType)]))
    track = node.get("track", False)
    specs(ContentParams)["track"].check("content.track", track)
    return ContentParams(types=tuple(built), track=track)


def _plain(cfg: DictConfig) -> dict:
    from omegaconf import OmegaConf

    try:
        task = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
        out = OmegaConf.to_container(task, resolve=True, throw_on_missing=True)
    except Exception as exc:  # omegaconf's MissingMandatoryValue and resolver errors
        key = getattr(exc, "full_key", "") or "config"
        detail = str(exc).splitlines()[0]
        what = "a value is required" if "Missing mandatory" in detail else detail
        raise ParameterError(f"{key} = ???: {what}") from None
    assert isinstance(out, dict)
    return out


def _section(values: dict, key: str, options: str) -> dict:
    node = values.get(key)
    if not isinstance(node, dict):
        raise ParameterError(f"{key} = {node!r}: must be one of the {key} options ({options})")
    return node


def _build(cls: type, section: str, node: dict, allowed: Collection[str] | None = None,
           lenient: Collection[str] = ()) -> Any:
    known = specs(cls)
    allowed = list(known) if allowed is None else list(allowed)
    kept = {}
    for key, value in node.items():
        if key in allowed:
            kept[key] = value
        elif key in known:
            if f"{section}.{key}" in lenient:
                continue  # a sweep added it for the options that use it
            raise ParameterError(
                f"{section}.{key} = {value!r}: not a key of {section}={node.get('name')}; "
                f"its keys: {', '.join(k for k in allowed if k != 'name')}")
        else:
            raise ParameterError(f"{section}.{key} = {value!r}: unknown key; keys of "
                                 f"{section}: {', '.join(allowed)}{did_you_mean(key, allowed)}")
    return cls(**kept)


def to_run_params(cfg: DictConfig, *, extra: Collection[str] = (),
                  lenient: Collection[str] = ()) -> RunParams:
    """Build the run's parameters from the composed config, checking every key and value.

    Checks, in order: no unknown key anywhere (with "did you mean"); no key of a network
    option other than the chosen one; every value against its schema range; the keys that
    depend on each other (``m``/``k`` < n, even Watts-Strogatz k, blocks <= n, mean degree
    <= n - 1, influencers < consumers, an ads window inside the run, weights only with
    ``network=file``); ``replicates`` and ``memory_limit_gb``; and that the run fits this
    machine's memory (``check_resources``).

    Args:
        cfg: The composed config (a ``hydra`` node, if present, is ignored).
        extra: Further top-level keys the entry point accepts and checks itself.
        lenient: Dotted keys (``network.path``) a sweep adds for only some of its jobs:
            dropped, not refused, in jobs whose option does not use them.

    Raises:
        ParameterError: One line naming the offending key, its value and what is allowed.
    """
    return params_from_values(_plain(cfg), extra=extra, lenient=lenient)


def check_report(node: object) -> None:
    """Check the ``report`` section (``objective``: profit, adopters or revenue; ``question``).

    Raises:
        ParameterError: One line naming the key, its value and what is allowed.
    """
    if node is None:
        return
    if not isinstance(node, dict):
        raise ParameterError(f"report = {node!r}: must be a section with keys "
                             f"{', '.join(REPORT_KEYS)}")
    for k, v in node.items():
        if k not in REPORT_KEYS:
            raise ParameterError(f"report.{k} = {v!r}: unknown key; keys of report: "
                                 f"{', '.join(REPORT_KEYS)}")
    objective = node.get("objective", "profit")
    if objective not in OBJECTIVES:
        raise ParameterError(f"report.objective = {objective!r}: must be one of "
                             f"{', '.join(OBJECTIVES)}")


def params_from_values(values: dict, *, extra: Collection[str] = (),
                       lenient: Collection[str] = ()) -> RunParams:
    """``to_run_params`` on a composed config already turned into plain dicts."""
    values = dict(values)
    values.pop("hydra", None)
    check_report(values.pop("report", None))
    top = top_level_specs()
    for key, value in values.items():
        if key not in top and key not in PARAM_GROUPS and key not in extra \
                and key != "segments":
            raise ParameterError(f"{key} = {value!r}: unknown key"
                                 f"{did_you_mean(key, [*top, *PARAM_GROUPS])}")
    net = _section(values, "network", ", ".join(group_options("network")))
    name = net.get("name")
    specs(NetworkParams)["name"].check("network.name", name)
    network = _build(NetworkParams, "network", net, network_keys(name), lenient)
    consumer = _build(ConsumerParams, "consumer", _section(values, "consumer", "default, bass"))
    product = _build(ProductParams, "product", _section(values, "product", "default, poor"))
    chosen = values.get("strategy", {})
    if chosen is None or not isinstance(chosen, dict):
        raise ParameterError(f"strategy = {chosen!r}: must name strategies "
                             f"({', '.join(STRATEGY_NAMES)}); no strategy is strategy=baseline")
    strategies = []
    for sname, node in chosen.items():
        if sname not in STRATEGIES:
            raise ParameterError(f"strategy = {sname!r}: must be one of "
                                 f"{', '.join(STRATEGY_NAMES)}{did_you_mean(sname, STRATEGIES)}")
        strategies.append(_build(STRATEGIES[sname], f"strategy.{sname}", node or {}))
    run_values = {k: values[k] for k in specs(RunParams) if k in values}
    params = RunParams(network=network, consumer=consumer, product=product,
                       strategies=tuple(strategies),
                       segments=segments_from_config(values.get("segments")),
                       content=content_params(values.get("content")), **run_values)
    settings = job_settings(values)
    check_resources(params, settings)
    return params


def job_settings(cfg: DictConfig | dict) -> JobSettings:
    """The job-level keys (``replicates``, ``memory_limit_gb``, ``figure``) of a composed config."""
    return JobSettings(**{k: cfg.get(k) for k in specs(JobSettings) if k in cfg})


def check_resources(params: RunParams, settings: JobSettings) -> None:
    """Refuse a run whose estimated peak memory exceeds the limit, in one line.

    The limit is ``memory_limit_gb`` or, when null, the memory this machine has available
    now; the estimate comes from ``simulation.running.resources.estimate``.
    """
    from simulation.running.resources import GB, available_memory, estimate, human_bytes

    est = estimate(params, settings.replicates)
    net = params.network
    if (net.name in ("barabasi_albert", "erdos_renyi") and est.engine == "agent"
            and est.consumers > _fast_min_n()):
        raise ParameterError(
            f"engine = {params.engine!r}: the agent engine needs a networkx graph, and "
            f"{net.name} above {_fast_min_n():,} consumers is built as arrays only; "
            "use engine=vectorized")
    limit = (settings.memory_limit_gb * GB if settings.memory_limit_gb is not None
             else available_memory())
    if est.memory_bytes > limit:
        key = "network.path" if net.name == "file" else "network.n"
        value = net.path if net.name == "file" else net.n
        raise ParameterError(
            f"{key} = {value!r}: this run needs about {human_bytes(est.memory_bytes)} of "
            f"memory ({est.consumers:,} consumers, {est.arcs:,} directed ties, {est.engine} "
            f"engine) but {human_bytes(limit)} is "
            f"{'allowed' if settings.memory_limit_gb is not None else 'available'}; "
            "set memory_limit_gb=<GB> to run it anyway")


def _fast_min_n() -> int:
    from simulation.params import FAST_MIN_N

    return FAST_MIN_N


def iter_sections() -> Iterator[tuple[str, str, dict[str, Spec]]]:
    """Every documented section: (config prefix, title, specs), grouped like the README."""
    yield "", "Top level", top_level_specs()
    yield "network", "network", specs(NetworkParams)
    yield "consumer", "consumer", specs(ConsumerParams)
    yield "product", "product", specs(ProductParams)
    yield "segments", "segments", specs(Segments)
    for name, cls in STRATEGIES.items():
        yield f"strategy.{name}", f"strategy {name}", specs(cls)
    yield "content", "content", specs(ContentParams)
    yield "content.types.NAME", "content type", {k: v for k, v in specs(ContentType).items()
                                                 if k != "name"}
