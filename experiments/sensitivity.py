"""``python -m experiments.sensitivity``: Morris or Sobol indices of a run output (SALib).

Without ``-m`` the whole design runs here. With ``-m chunks=K 'chunk=range(K)'`` each
launcher job runs one part and ``SensitivityReport`` analyses the parts when the sweep ends.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from experiments.common import fail, write_provenance
from experiments.config import to_run_params
from experiments.frontdoor import check_group_overrides
from models.params import ParameterError, check, check_choice, check_count
from simulation.analysis.calibration import run_seeds
from simulation.analysis.figures import sensitivity_figure
from simulation.analysis.sensitivity import (
    CENSORED,
    OUTPUTS,
    analyze,
    chunk_rows,
    evaluate,
    ranking_text,
    sample,
)
from simulation.analysis.space import ParameterSpace, flatten_ranges
from simulation.running.progress import terminal_progress

EVALUATIONS_FILE = "evaluations.csv"


#: Top-level keys of configs/sensitivity_analysis.yaml that are this command's, not a run's.
OWN_KEYS = ("output", "chunks", "chunk", "sensitivity")


def study(cfg: DictConfig):
    """Check the config and build the study: base run, space, design and replicate seeds.

    Raises:
        ParameterError: One line naming the key, its value and what is allowed.
    """
    s = cfg.sensitivity
    check_choice("output", cfg.output, OUTPUTS)
    check_count("chunks", cfg.chunks, minimum=1)
    check("chunk", cfg.chunk, f"null or an integer in 0..{cfg.chunks - 1}",
          cfg.chunk is None or (isinstance(cfg.chunk, int) and 0 <= cfg.chunk < cfg.chunks))
    check_count("sensitivity.size", s.size, minimum=2)
    check_count("sensitivity.levels", s.levels, minimum=2)
    check_count("sensitivity.replicates", s.replicates, minimum=1)
    check_count("sensitivity.resamples", s.resamples, minimum=10)
    base = to_run_params(cfg, extra=OWN_KEYS)
    space = ParameterSpace.from_mapping(
        flatten_ranges(OmegaConf.to_container(s.parameters, resolve=True)), base,
        "sensitivity.parameters")
    design = sample(space, s.method, s.size, cfg.seed, s.levels)
    return base, space, design, run_seeds(cfg.seed, s.replicates, 0)


def write_report(out: Path, cfg: DictConfig, space: ParameterSpace, design,
                 evaluations: pd.DataFrame) -> str:
    """Analyse the evaluations; write indices.csv, sensitivity.png and ranking.txt."""
    s = cfg.sensitivity
    evaluations = evaluations.sort_values("row").reset_index(drop=True)
    indices = analyze(space, s.method, design, evaluations[cfg.output].to_numpy(), cfg.seed,
                      resamples=s.resamples)
    indices.to_csv(out / "indices.csv", index=False)
    fig = sensitivity_figure(indices, s.method, cfg.output)
    tmp = out / ".sensitivity.png.tmp"
    fig.savefig(tmp, dpi=110, format="png")
    os.replace(tmp, out / "sensitivity.png")
    text = ranking_text(indices, s.method, cfg.output)
    if cfg.output in CENSORED:
        text += (f"\n({cfg.output} is censored at {CENSORED[cfg.output]} where a run never "
                 "reaches it.)")
    text += f"\n{len(evaluations)} points x {s.replicates} replicates; seed {cfg.seed}."
    (out / "ranking.txt").write_text(text + "\n")
    return text


@hydra.main(version_base="1.3", config_path="../configs", config_name="sensitivity_analysis")
def main(cfg: DictConfig) -> int:
    """Evaluate this job's rows of the design; analyse them when running them all."""
    hydra_cfg = HydraConfig.get()
    out = Path(hydra_cfg.runtime.output_dir)
    try:
        base, space, design, seeds = study(cfg)
    except ParameterError as exc:
        fail(str(exc), out)
    out.mkdir(parents=True, exist_ok=True)
    write_provenance(out)
    chunk = cfg.chunk
    rows = range(len(design)) if chunk is None else chunk_rows(len(design), cfg.chunks, chunk)
    print(f"{cfg.sensitivity.method}: {len(rows)} of {len(design)} points x "
          f"{len(seeds)} replicates, {base.network.n} consumers, {base.steps} days")
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    progress = None if multirun else terminal_progress(len(rows), label="points")
    try:
        evaluations = evaluate(base, space, design, rows, seeds, progress)
    except ParameterError as exc:
        fail(str(exc), out)
    tmp = out / f".{EVALUATIONS_FILE}.tmp"
    evaluations.to_csv(tmp, index=False)
    os.replace(tmp, out / EVALUATIONS_FILE)
    if hydra_cfg.mode != RunMode.MULTIRUN:
        print(write_report(out, cfg, space, design, evaluations))
        print(f"outputs: {out}")
    return len(rows)


class SensitivityReport(Callback):
    """When a chunked sweep ends, join the jobs' evaluations and write the analysis."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Analyse into the sweep directory, or list the missing rows."""
        sweep_dir = Path(config.hydra.sweep.dir)
        parts = sorted(sweep_dir.glob(f"*/{EVALUATIONS_FILE}"))
        if not parts:
            return
        _, space, design, _ = study(config)
        evaluations = pd.concat([pd.read_csv(p) for p in parts]).drop_duplicates("row")
        missing = sorted(set(range(len(design))) - set(evaluations["row"]))
        if missing:
            print(f"sensitivity: {len(missing)} of {len(design)} points missing "
                  f"(first row {missing[0]}); no analysis written", flush=True)
            return
        evaluations.sort_values("row").to_csv(sweep_dir / EVALUATIONS_FILE, index=False)
        print(write_report(sweep_dir, config, space, design, evaluations), flush=True)
        print(f"outputs: {sweep_dir}", flush=True)


def cli() -> None:
    """``python -m experiments.sensitivity``: group choices checked in one line first."""
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    try:
        check_group_overrides(args, own=("sensitivity",))
    except ParameterError as exc:
        fail(str(exc))
    main()


if __name__ == "__main__":
    cli()
