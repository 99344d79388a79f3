"""``python -m experiments.work_backwards``: which customer content sells, and what to fund.

``backwards=decompose`` (default): touch paths, counterfactual and Shapley values of each
content type and channel. ``backwards=incentives``: each type incentivised at one budget.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.common import fail, write_provenance
from experiments.config import to_run_params
from experiments.frontdoor import check_group_overrides
from models.params import ParameterError, check, check_choice, check_count, check_prob
from simulation.params import RunParams

#: Top-level keys of configs/work_backwards.yaml that are this command's, not a run's.
OWN_KEYS = ("backwards",)
STUDIES = ("decompose", "incentives")
KEYS = {"decompose": ("study", "replicates", "permutations"),
        "incentives": ("study", "replicates", "incentive", "types", "objective")}


def check_config(cfg: DictConfig) -> tuple[RunParams, dict]:
    """Check every key before any work starts.

    Returns:
        The base run's parameters and the study's settings.

    Raises:
        ParameterError: One line naming the key, its value and what is allowed.
    """
    node = OmegaConf.to_container(cfg.backwards, resolve=True)
    check("backwards", node, "a section (backwards=decompose or backwards=incentives)",
          isinstance(node, dict))
    check_choice("backwards.study", node.get("study"), STUDIES)
    allowed = KEYS[node["study"]]
    for key, value in node.items():
        check(f"backwards.{key}", value, f"a key of backwards={node['study']} "
              f"({', '.join(allowed)})", key in allowed)
    check_count("backwards.replicates", node.get("replicates"), minimum=2)
    params = to_run_params(cfg, extra=OWN_KEYS)
    names = params.content.names
    if node["study"] == "decompose":
        check_count("backwards.permutations", node.get("permutations"), minimum=1)
        enabled = [t.name for t in params.content.types if t.enabled]
        check("content.types", enabled, "at least one enabled type", bool(enabled))
        return params, node
    check_prob("backwards.incentive", node.get("incentive"))
    check("backwards.incentive", node.get("incentive"), "> 0", node.get("incentive", 0) > 0)
    types = node.get("types")
    types = list(names) if types is None else types
    check("backwards.types", types, f"null or a non-empty list of content types "
          f"({', '.join(names)})",
          isinstance(types, list) and bool(types) and all(t in names for t in types))
    check_choice("backwards.objective", node.get("objective"), ("profit", "adopters"))
    check("budget", params.budget, "a number > 0: the equal budget of every incentive",
          params.budget is not None and params.budget > 0)
    return params, {**node, "types": types}


def _csv(table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    table.to_csv(tmp, index=False, float_format="%.6g")
    os.replace(tmp, path)


def _text(text: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _figure(fig, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, dpi=110, format="png")
    os.replace(tmp, path)


@hydra.main(version_base="1.3", config_path="../configs", config_name="work_backwards")
def main(cfg: DictConfig) -> dict:
    """Run the study; write its CSVs, figure, plain-words recommendation and summary."""
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        params, study = check_config(cfg)
    except ParameterError as exc:
        fail(str(exc), out)
    from simulation.analysis import backwards as bw
    from simulation.analysis.figures_backwards import decomposition_figure, incentive_figure

    out.mkdir(parents=True, exist_ok=True)
    write_provenance(out)
    if study["study"] == "decompose":
        dec = bw.decompose(params, study["replicates"], permutations=study["permutations"],
                           progress=print)
        _csv(dec.paths, out / "touch_paths.csv")
        touches = bw.touch_summary(dec.paths, [t.name for t in params.content.types
                                               if t.enabled])
        _csv(touches, out / "touches.csv")
        _csv(bw.channel_summary(dec.paths), out / "channels.csv")
        _csv(dec.counterfactual, out / "counterfactual.csv")
        _csv(dec.shapley, out / "shapley.csv")
        _csv(dec.runs, out / "runs.csv")
        _figure(decomposition_figure(dec.shapley, dec.counterfactual, touches),
                out / "work_backwards.png")
        text = bw.describe_decomposition(dec)
        summary = {"study": "decompose", "efficiency": dec.efficiency,
                   "shapley": dec.shapley.to_dict(orient="records"),
                   "counterfactual": dec.counterfactual.to_dict(orient="records")}
    else:
        res = bw.incentive_study(params, study["types"], study["incentive"],
                                 study["replicates"], objective=study["objective"],
                                 progress=print)
        _csv(res.table, out / "incentives.csv")
        _csv(res.runs, out / "runs.csv")
        _figure(incentive_figure(res.table, params.budget), out / "incentives.png")
        text = bw.recommend_incentive(res, params.budget)
        summary = {"study": "incentives", "best": res.best, "clear": res.clear,
                   "leaders": res.leaders, "budget": params.budget,
                   "table": res.table.to_dict(orient="records")}
    _text(text + "\n", out / "recommendation.txt")
    _text(json.dumps(summary, indent=2, default=float) + "\n", out / "summary.json")
    print(text)
    print(f"outputs: {out}")
    return summary


def cli() -> None:
    """``python -m experiments.work_backwards``: group choices checked in one line first."""
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    try:
        check_group_overrides(args, own=("backwards",))
    except ParameterError as exc:
        fail(str(exc))
    main()


if __name__ == "__main__":
    cli()
