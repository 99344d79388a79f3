"""The command line's front door: every bad input refused in one line, before Hydra runs.

Nothing is built, no folder is created and no heavy module is loaded before this passes.

``preflight(argv)`` is what ``python -m experiments.run`` and ``experiments.animate`` do
first; tests call it in-process to check hundreds of bad inputs through the CLI's path.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import sys
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.config import (
    CONFIG_DIR,
    GROUPS,
    PARAM_GROUPS,
    check_key,
    group_options,
    network_keys,
    section_specs,
    to_run_params,
)
from models.params import ParameterError
from models.schema import Spec, did_you_mean
from models.strategies import STRATEGIES

#: Hydra's flags that take a value (``--cfg job``), and those that do not.
VALUE_FLAGS = {"--config-path": "cp", "-cp": "cp", "--config-name": "cn", "-cn": "cn",
               "--config-dir": "cd", "-cd": "cd", "--cfg": "cfg", "-c": "cfg",
               "--package": "p", "-p": "p", "--experimental-rerun": "rerun"}
BARE_FLAGS = {"--multirun", "-m", "--run", "-r", "--resolve", "--version", "--hydra-help",
              "--info", "-i", "--shell-completion", "-sc", "--help", "-h"}
#: Flags after which Hydra prints something instead of running: no validation then.
INSPECT_FLAGS = {"--cfg", "-c", "--info", "-i", "--hydra-help", "--version",
                 "--shell-completion", "-sc", "--experimental-rerun"}
#: With more jobs than this, a command-line sweep is checked value by value (each swept
#: value with the others at their first value) instead of job by job.
MAX_CHECKED_JOBS = 64


@dataclass
class Command:
    """A parsed command line.

    Attributes:
        argv: The arguments to hand to Hydra (a relative ``--config-path`` made absolute).
        overrides: The override arguments.
        multirun: ``-m`` was given.
        config_dir: The primary config directory.
        config_name: The primary config name.
        inspect: Hydra will only print something (``--cfg``, ``--info``, ...).
        help: ``--help`` was asked for.
    """

    argv: list[str]
    overrides: list[str] = field(default_factory=list)
    multirun: bool = False
    config_dir: Path = CONFIG_DIR
    config_name: str = "config"
    inspect: bool = False
    help: bool = False


def parse_argv(argv: list[str]) -> Command:
    """Split Hydra's flags from the overrides; make a relative ``--config-path`` absolute.

    Hydra resolves a relative ``--config-path`` against the entry point's module, not the
    directory you launch from, so a saved job's ``.hydra`` folder given relatively would
    not be found.

    Raises:
        ParameterError: For an unknown flag or a flag missing its value.
    """
    cmd = Command(argv=[])
    i = 0
    while i < len(argv):
        arg = argv[i]
        flag, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if flag in VALUE_FLAGS:
            if eq:
                value = inline
            else:
                if i + 1 >= len(argv):
                    raise ParameterError(f"{flag}: needs a value")
                i += 1
                value = argv[i]
            what = VALUE_FLAGS[flag]
            if what == "cp":
                value = str(Path(value).expanduser().resolve())
                cmd.config_dir = Path(value)
            elif what == "cn":
                cmd.config_name = value
            elif what == "cd":
                cmd.inspect = True  # an extra search path: leave the checking to the job
            if flag in INSPECT_FLAGS:
                cmd.inspect = True
            cmd.argv += [flag, value]
        elif arg in BARE_FLAGS:
            cmd.multirun |= arg in ("--multirun", "-m")
            cmd.help |= arg in ("--help", "-h")
            cmd.inspect |= arg in INSPECT_FLAGS
            cmd.argv.append(arg)
        elif arg.startswith("-") and not arg.startswith("~"):
            known = sorted({*VALUE_FLAGS, *BARE_FLAGS} - {"-c", "-p", "-r", "-i", "-m", "-h"})
            raise ParameterError(f"{arg}: unknown option; options: --help, --multirun, "
                                 f"--config-path, --config-name, --cfg job"
                                 f"{did_you_mean(flag, known)}")
        else:
            cmd.overrides.append(arg)
            cmd.argv.append(arg)
        i += 1
    if not cmd.config_dir.is_dir():
        raise ParameterError(f"--config-path = {str(cmd.config_dir)!r}: must be a directory")
    if not (cmd.config_dir / f"{cmd.config_name}.yaml").is_file():
        raise ParameterError(f"--config-name = {cmd.config_name!r}: no "
                             f"{cmd.config_name}.yaml in {cmd.config_dir}")
    return cmd


_SIMPLE = re.compile(r"^(\+{0,2})([A-Za-z_][\w.]*)=([^\[\]{}(),$\\'\"*~]*)$")


def _scalar(text: str) -> Any:
    """A plain override value the way Hydra's grammar reads it (int, float, bool, null, str)."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    for kind in (int, float):
        try:
            return kind(text.strip())
        except ValueError:
            pass
    return text.strip()


def _default_choices() -> dict[str, Any]:
    """The group choices of ``configs/config.yaml``'s defaults list."""
    import yaml

    data = yaml.safe_load((CONFIG_DIR / "config.yaml").read_text())
    out: dict[str, Any] = {}
    for item in data.get("defaults", []):
        if isinstance(item, dict):
            out.update(item)
    return out


def _selected(overrides: list[str]) -> dict[str, list[str]] | None:
    """The network and strategies a simple command line picks, or None when unsure.

    Unsure: a preset (``experiment=``), a sweep or any non-simple group override.
    """
    choices = {k: v for k, v in _default_choices().items() if k in ("network", "strategy")}
    for text in overrides:
        key = text.lstrip("+").split("=", 1)[0].split("@")[0]
        preset = key == "experiment" or key.startswith("experiment/") or key == "debug"
        if preset and text.split("=", 1)[-1] not in ("null", ""):
            return None
        if key in ("network", "strategy"):
            value = text.split("=", 1)[1] if "=" in text else ""
            if key == "strategy" and value.startswith("[") and value.endswith("]"):
                items = [v.strip() for v in value[1:-1].split(",")]
                if items == [""]:
                    items = []
                elif not all(re.fullmatch(r"\w+", v) for v in items):
                    return None
                choices[key] = items
                continue
            if not re.fullmatch(r"\w+", value):
                return None
            choices[key] = value
    net, strat = choices.get("network"), choices.get("strategy")
    strategies = strat if isinstance(strat, list) else [strat]
    return {"network": [str(net)], "strategy": [str(x) for x in strategies]}


def quick_check(overrides: list[str], extra: Mapping[str, Spec] = {},
                default_config: bool = True) -> None:
    """Check simple ``key=value`` overrides against the schema without loading Hydra.

    Only what one override decides alone is judged here (an unknown key, a group option
    that does not exist, a value outside its key's range); everything else is left to
    ``check_overrides`` and the composed config. This answers most bad inputs in a
    fraction of the time Hydra takes to import.

    Args:
        overrides: The override arguments.
        extra: Specs of the entry point's own keys.
        default_config: The primary config is the project's ``configs/config.yaml``, so
            the chosen network and strategies can be read from the command line.

    Raises:
        ParameterError: One line naming the key, the value and what is allowed.
    """
    selected = _selected(overrides) if default_config else None
    for text in overrides:
        removed = re.fullmatch(r"~([\w.]+)(=.*)?", text)
        if removed and removed.group(1) in PARAM_GROUPS:
            group = removed.group(1)
            raise ParameterError(f"{text}: the {group} group cannot be removed; pick one of "
                                 f"{', '.join(group_options(group))}")
        if removed and removed.group(1).split(".")[0] in PARAM_GROUPS:
            raise ParameterError(f"{text}: removing a parameter is not supported; set a value "
                                 f"instead ({removed.group(1)}=...)")
        m = _SIMPLE.match(text)
        if not m:
            continue
        _, key, raw = m.groups()
        if key.startswith("hydra"):
            continue
        value = _scalar(raw)
        if key in GROUPS:
            options = group_options(key)
            if value is not None and str(raw) not in options:
                raise ParameterError(f"{key} = {raw!r}: must be one of {', '.join(options)}"
                                     f"{did_you_mean(str(raw), options)}")
            continue
        if key in extra:
            extra[key].check(key, value)
            continue
        check_key(key, value, extra)
        spec = _spec_of(key)
        if spec is not None and raw.strip():
            spec.check(key, value)
        if selected is None:
            continue
        parts = key.split(".")
        if parts[0] == "network" and len(parts) == 2:
            name = selected["network"][0]
            if parts[1] not in network_keys(name):
                raise ParameterError(_not_network_key(key, raw, name))
        if parts[0] == "strategy" and len(parts) == 3 and parts[1] not in selected["strategy"]:
            raise ParameterError(_not_selected_strategy(key, raw))
    if selected is not None:
        _check_strategy_list(selected["strategy"])
        values = _simple_compose(overrides, selected)
        if values is not None:
            from experiments.config import params_from_values

            params = params_from_values(values, extra=list(extra))
            if params.network.name == "file":
                check_network_file(params)


def _check_strategy_list(value: list[str]) -> None:
    """Refuse an empty list, a strategy listed twice, or one that does not exist."""
    options = group_options("strategy")
    if not value:
        raise ParameterError("strategy = []: must name at least one strategy; no strategy "
                             "is strategy=baseline")
    dupes = sorted({v for v in value if value.count(v) > 1})
    if dupes:
        raise ParameterError(f"strategy = {value}: lists {', '.join(dupes)} twice; each "
                             "strategy may be listed once")
    for item in value:
        if item not in options:
            raise ParameterError(f"strategy = {item!r}: must be one of {', '.join(options)}"
                                 f"{did_you_mean(item, options)}")


def _simple_compose(overrides: list[str], selected: dict[str, list[str]]) -> dict | None:
    """The config a simple command line composes, read from the YAML files without Hydra.

    Only for command lines of ``group=option`` and ``key=value`` (no presets, sweeps,
    additions or removals); None otherwise. A refusal found here is final; a pass is
    confirmed by Hydra's own composition afterwards.
    """
    import yaml

    if any(not (_SIMPLE.match(t) or t.startswith("strategy=[")) or t.startswith("+")
           for t in overrides if not t.startswith("hydra")):
        return None
    values = yaml.safe_load((CONFIG_DIR / "config.yaml").read_text())
    values.pop("defaults", None)
    choices = _default_choices()
    for group in ("consumer", "product", "content"):
        for t in overrides:
            if t.startswith(f"{group}="):
                choices[group] = t.split("=", 1)[1]
    for group in ("network", "consumer", "product", "content"):
        option = selected[group][0] if group in selected else choices[group]
        values[group] = yaml.safe_load((CONFIG_DIR / group / f"{option}.yaml").read_text())
    for t in overrides:
        if t.startswith("segments=") and t.split("=", 1)[1] not in ("null", ""):
            values["segments"] = yaml.safe_load(
                (CONFIG_DIR / "segments" / f"{t.split('=', 1)[1]}.yaml").read_text())
    values["strategy"] = {}
    for name in selected["strategy"]:
        data = yaml.safe_load((CONFIG_DIR / "strategy" / f"{name}.yaml").read_text()) or {}
        values["strategy"].update(data)
    for t in overrides:
        key, _, raw = t.partition("=")
        if key.startswith("hydra") or key in GROUPS:
            continue
        node = values
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                return None
        node[last] = _scalar(raw)
    return values


def _not_network_key(key: str, value: Any, name: str) -> str:
    short = key.split(".")[1]
    used = [k for k in network_keys(name) if k != "name"]
    users = [n for n in group_options("network") if short in network_keys(n)]
    return (f"{key} = {value}: not a key of network={name} (its keys: {', '.join(used)}); "
            f"{short} is used by {', '.join(users) or 'no network'}")


def _not_selected_strategy(key: str, value: Any) -> str:
    name = key.split(".")[1]
    return (f"{key} = {value}: strategy {name} is not selected; add strategy={name} (or list "
            f"it: 'strategy=[...,{name}]')")


def _spec_of(key: str) -> Spec | None:
    from experiments.config import top_level_specs

    parts = key.split(".")
    if len(parts) == 1:
        return top_level_specs().get(key)
    section = ".".join(parts[:-1])
    return (section_specs(section) or {}).get(parts[-1])


def _parse(overrides: list[str]) -> list[Any]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            parsed.extend(parser.parse_overrides([text]))
        except Exception as exc:  # hydra's OverrideParseException, many lines
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
            raise ParameterError(f"{text}: not a valid override ({detail}); write "
                                 "key=value, group=option or 'key=[a,b]'") from None
    return parsed


def _values(o: Any) -> list[Any]:
    if o.is_sweep_override():
        return list(o.sweep_iterator())
    return [o.value()]


def _check_group(o: Any, text: str) -> None:
    group = o.key_or_group
    if o.is_delete():
        if group in ("network", "consumer", "product", "strategy"):
            raise ParameterError(f"{text}: the {group} group cannot be removed; pick one of "
                                 f"{', '.join(group_options(group))}")
        return
    options = group_options(group)
    for value in _values(o):
        items = value if isinstance(value, list) else [value]
        if group == "strategy" and isinstance(value, list):
            _check_strategy_list([str(v) for v in value])
        for item in items:
            if item is None and group in ("experiment", "debug"):
                continue
            if not isinstance(item, str) or item not in options:
                raise ParameterError(f"{group} = {item!r}: must be one of {', '.join(options)}"
                                     f"{did_you_mean(str(item), options)}")


def check_group_overrides(overrides: list[str], own: Collection[str] = ()) -> None:
    """Check only the config-group choices (``network=...``) among ``overrides``.

    For entry points with keys of their own (calibrate, sensitivity) that the schema does
    not know: override syntax and every group option are checked in one line, other keys
    are left to the entry point.

    Args:
        overrides: The command-line overrides.
        own: The entry point's own config groups (``calibration``), checked the same way.

    Raises:
        ParameterError: One line naming the override and what is allowed.
    """
    for o, text in zip(_parse(overrides), overrides, strict=True):
        if o.key_or_group in GROUPS or o.key_or_group in own:
            _check_group(o, text)


def check_overrides(overrides: list[str], extra: Mapping[str, Spec] = {}) -> list[Any]:
    """Check the override arguments themselves, before anything is composed.

    Checks override syntax, config-group options (``network=hypercube``), empty or
    duplicated strategy lists, removals of required groups or of parameter keys, and
    that every parameter key, with or without ``+``/``++``, exists in the schema.

    Returns:
        Hydra's parsed overrides.

    Raises:
        ParameterError: One line naming the override and what is allowed.
    """
    parsed = _parse(overrides)
    for o, text in zip(parsed, overrides, strict=True):
        key = o.key_or_group
        if not key:
            raise ParameterError(f"{text}: not a valid override (no key); write key=value")
        if key.startswith("hydra"):
            continue  # Hydra's own settings: its composition judges them
        base = key.split("@")[0]
        if base in GROUPS or base.split("/")[0] == "experiment":
            if base in GROUPS:
                _check_group(o, text)
            continue
        if o.is_delete():
            raise ParameterError(f"{text}: removing a parameter is not supported; set "
                                 f"a value instead ({key}=...)")
        for value in _values(o):
            if key in extra:
                extra[key].check(key, value)
            else:
                check_key(key, value, extra)
    return parsed


def _one_line(exc: Exception, overrides: list[str], compose_fn) -> ParameterError:
    """Hydra's many-line composition error as one line naming the key."""
    text = str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    options = getattr(exc, "options", None)
    if options is not None and "Could not find '" in first:
        missing = first.split("Could not find '", 1)[1].split("'", 1)[0]
        group, _, value = missing.rpartition("/")
        return ParameterError(f"{group} = {value!r}: must be one of {', '.join(options)}"
                              f"{did_you_mean(value, options)}")
    if first.startswith("In '") and "Could not load '" in first:
        where = first.split("In '", 1)[1].split("'", 1)[0]
        group, _, value = where.rpartition("/")
        missing = first.split("Could not load '", 1)[1].split("'", 1)[0]
        hint = " (.venv/bin/pip install -e '.[cluster]')" if "submitit" in missing else ""
        return ParameterError(f"{group} = {value!r}: needs {missing}, which is not "
                              f"installed{hint}")
    for marker in ("Could not override '", "Could not append to config. An item is "
                   "already at '", "Could not delete from config. '"):
        if marker in first:
            key = first.split(marker, 1)[1].split("'", 1)[0]
            value = next((t.split("=", 1)[1] for t in overrides
                          if t.lstrip("+~").split("=", 1)[0] == key and "=" in t), None)
            return ParameterError(_unselected(key, value, overrides, compose_fn, first))
    return ParameterError(f"config: {first}")


def _unselected(key: str, value: Any, overrides: list[str], compose_fn, first: str) -> str:
    parts = key.split(".")
    if "already at" in first:
        return f"+{key}: already in the config; set it without '+' ({key}=...)"
    if parts[0] == "strategy" and len(parts) > 1 and parts[1] in STRATEGIES:
        return _not_selected_strategy(key, value)
    if parts[0] == "network" and len(parts) == 2:
        rest = [t for t in overrides if t.lstrip("+").split("=", 1)[0] != key]
        try:
            name = compose_fn(rest).network.name
        except Exception:
            name = "the chosen network"
        return _not_network_key(key, value, str(name))
    if parts[0] in PARAM_GROUPS and section_specs(parts[0]) is not None:
        return f"{key} = {value}: not a key of the chosen {parts[0]} option"
    return f"{key} = {value}: {first}"


@contextlib.contextmanager
def composer(cmd: Command) -> Iterator[Any]:
    """Within: a function composing the command's config for a list of overrides.

    Hydra is initialized once for all the compositions (its plugin scan is the slow part).
    """
    from hydra import compose, initialize_config_dir

    def compose_fn(overrides: list[str]):
        return compose(config_name=cmd.config_name, overrides=overrides,
                       return_hydra_config=True)

    with initialize_config_dir(version_base="1.3", config_dir=str(cmd.config_dir),
                               job_name="peerbuy_check"):
        yield compose_fn


def _format(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ",".join(_format(v) for v in value) + "]"
    if isinstance(value, str):
        return value if value.replace("_", "").replace("/", "").replace(".", "").isalnum() \
            else "'" + value.replace("'", "\\'") + "'"
    return repr(value)


def _jobs(parsed: list[Any], overrides: list[str]) -> list[list[str]]:
    """The command-line sweep's jobs as override lists (or one value at a time when many)."""
    choices = []
    for o, text in zip(parsed, overrides, strict=True):
        if o.is_sweep_override():
            key = o.get_key_element()
            choices.append([f"{key}={_format(v)}" for v in o.sweep_iterator()])
        else:
            choices.append([text])
    total = 1
    for c in choices:
        total *= len(c)
    if total <= MAX_CHECKED_JOBS:
        return [list(job) for job in itertools.product(*choices)]
    firsts = [c[0] for c in choices]
    jobs = [firsts]
    for i, c in enumerate(choices):
        jobs += [[*firsts[:i], v, *firsts[i + 1:]] for v in c[1:]]
    return jobs


def check_job(compose_fn, overrides: list[str], extra: Mapping[str, Spec] = {},
              lenient: Collection[str] = ()):
    """Compose one job's config and validate it with ``to_run_params``.

    Returns:
        The composed config and its ``RunParams``.

    Raises:
        ParameterError: One line (composition errors are translated too).
    """
    try:
        cfg = compose_fn(overrides)
    except ParameterError:
        raise
    except Exception as exc:  # hydra's composition errors: ConfigCompositionException, ...
        raise _one_line(exc, overrides, compose_fn) from None
    params = to_run_params(cfg, extra=list(extra), lenient=lenient)
    for key, spec in extra.items():
        if key in cfg:
            spec.check(key, cfg[key])
    if params.network.name == "file":
        check_network_file(params)
    return cfg, params


#: Network files up to this size are read completely before the run starts (a larger one
#: is read by the run itself, which reports a bad file in one line too).
MAX_PREREAD_BYTES = 50 * 2**20


def check_network_file(params: Any) -> None:
    """Read a (not too large) network file now, so a bad file is refused before any work.

    Raises:
        ParameterError: The file cannot be parsed, its weights do not fit ``network.ties``,
            or it has no more consumers than the influencers to hire.
    """
    net = params.network
    if Path(net.path).stat().st_size > MAX_PREREAD_BYTES:
        return
    from simulation.networks.generators import read_graph_file

    n = read_graph_file(net.path, net.directed, net.ties == "file").number_of_nodes()
    for s in params.strategies:
        k = getattr(s, "k", None)
        if type(s).__name__ == "InfluencerSeeding" and k >= n:
            raise ParameterError(
                f"strategy.influencer_seeding.k = {k}: must be smaller than the {n:,} "
                f"consumers of network.path (someone has to be left to persuade)")


def preflight(argv: list[str], extra: Mapping[str, Spec] = {}) -> Command:
    """Check a command line completely before Hydra runs it.

    Parses the flags, checks the overrides, then composes every job's config (a
    command-line sweep job by job, or value by value when it has more than
    ``MAX_CHECKED_JOBS`` jobs) and validates it with ``experiments.config.to_run_params``.

    Args:
        argv: The arguments after the program name.
        extra: Specs of further top-level keys this entry point accepts (added with ``+``).

    Returns:
        The parsed command (``argv`` ready for Hydra).

    Raises:
        ParameterError: One line naming the key, the value and what is allowed.
    """
    cmd = parse_argv(argv)
    if cmd.help or cmd.inspect:
        return cmd
    quick_check(cmd.overrides, extra,
                default_config=cmd.config_dir == CONFIG_DIR and cmd.config_name == "config")
    parsed = check_overrides(cmd.overrides, extra)
    # A preset can make a sweep without -m (hydra.mode: MULTIRUN); a comma list says so.
    sweep = cmd.multirun or any(o.is_sweep_override() for o in parsed)
    added = {o.key_or_group for o in parsed if o.is_add() or o.is_force_add()} if sweep \
        else set()
    jobs = _jobs(parsed, cmd.overrides) if sweep else [cmd.overrides]
    used: set[str] = set()
    with composer(cmd) as compose_fn:
        for job in jobs:
            cfg, _ = check_job(compose_fn, job, extra, lenient=added)
            used |= {k for k in added if _uses(cfg, k)}
    for key in sorted(added - used):
        if key.split(".")[0] in PARAM_GROUPS:
            raise ParameterError(f"+{key}: no job of this sweep uses it "
                                 "(its option is not picked in any job)")
    return cmd


def _uses(cfg: Any, key: str) -> bool:
    parts = key.split(".")
    if parts[0] == "network" and len(parts) == 2:
        return parts[1] in network_keys(str(cfg.network.name))
    if parts[0] == "strategy" and len(parts) == 3:
        return parts[1] in (cfg.strategy or {})
    return True


def print_error(message: str) -> None:
    """The one stderr line of a refused input."""
    print(f"peerbuy: error: {message}", file=sys.stderr)
