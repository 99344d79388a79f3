"""Global sensitivity analysis with SALib: Morris screening and Sobol indices of a run output.

The sample is a pure function of the space, the method, its size and the seed, so a
study split into chunks (one per launcher job) evaluates the same points as a single
process. Every point runs with the same replicate seeds (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from models.params import ParameterError
from simulation.analysis.replicates import GraphCache, run_replicates
from simulation.analysis.space import ParameterSpace, with_values
from simulation.running.runner import RunParams

METHODS = ("morris", "sobol")
#: Summary metrics a study records for every point (any can be analysed afterwards).
OUTPUTS = ("adopters", "profit", "revenue", "time_to_50pct", "time_to_10pct", "reach",
           "peak_step", "cpa")
#: Outputs that are undefined in some runs (never reached / no adopters) and how they
#: are censored so every point has a number: one day past the horizon, or the spend.
CENSORED = {"time_to_50pct": "steps + 1", "time_to_10pct": "steps + 1", "peak_step": "steps + 1",
            "cpa": "spend (as if one adopter)"}


def sample(space: ParameterSpace, method: str, size: int, seed: int,
           levels: int = 4) -> np.ndarray:
    """The design in SALib's coordinates (log10 for log keys), one row per point.

    Args:
        space: Parameters and ranges.
        method: ``morris`` (``size`` trajectories of ``levels`` levels: size x (d + 1)
            points) or ``sobol`` (Saltelli's scheme, first and total order: size x (d + 2)
            points; ``size`` a power of 2).
        size: Trajectories (Morris) or base sample size N (Sobol).
        seed: Seeds the design.
        levels: Morris grid levels.
    """
    problem = space.salib_problem()
    if method == "morris":
        return morris_sample.sample(problem, size, num_levels=levels, seed=seed)
    if method == "sobol":
        if size < 2 or size & (size - 1):
            raise ParameterError(f"sensitivity.size = {size}: Sobol needs a power of 2")
        return sobol_sample.sample(problem, size, calc_second_order=False, seed=seed)
    raise ParameterError(f"sensitivity.method = {method!r}: must be one of {', '.join(METHODS)}")


def chunk_rows(rows: int, chunks: int, chunk: int) -> range:
    """The rows of the design that job ``chunk`` of ``chunks`` evaluates (contiguous)."""
    bounds = np.linspace(0, rows, chunks + 1).round().astype(int)
    return range(bounds[chunk], bounds[chunk + 1])


def output_value(summary: dict, output: str) -> float:
    """A summary metric as a number, censored where it is undefined (see ``CENSORED``)."""
    value = summary[output]
    if value is not None:
        return float(value)
    if output == "cpa":
        return float(summary["spend"])
    return float(summary["steps"] + 1)


def evaluate(
    base: RunParams,
    space: ParameterSpace,
    design: np.ndarray,
    rows: Sequence[int],
    seeds: Sequence[int],
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run the design's ``rows`` and record the replicate mean of every output.

    Args:
        base: The run each point starts from.
        space: Parameters and ranges.
        design: The full design (SALib coordinates).
        rows: Which rows to run.
        seeds: Replicate seeds, the same for every point (common random numbers).
        progress: Called as ``progress(done, total)`` after each point.

    Returns:
        One row per point: ``row``, the parameter values and the mean of each output.
    """
    values = space.from_salib(design)
    graphs = GraphCache()
    records = []
    for i, row in enumerate(rows):
        params = with_values(base, dict(zip(space.names, values[row].tolist(), strict=True)))
        results = run_replicates(params, seeds, graphs)
        rec = {"row": row, **dict(zip(space.names, values[row].tolist(), strict=True))}
        for out in OUTPUTS:
            rec[out] = float(np.mean([output_value(r.summary, out) for r in results]))
        records.append(rec)
        if progress:
            progress(i + 1, len(rows))
    return pd.DataFrame.from_records(records)


def analyze(
    space: ParameterSpace, method: str, design: np.ndarray, y: np.ndarray, seed: int,
    resamples: int = 1000, conf_level: float = 0.95,
) -> pd.DataFrame:
    """Sensitivity indices with bootstrap confidence intervals, most influential first.

    Morris: ``mu_star`` (mean absolute elementary effect, in output units), its CI half
    width ``mu_star_conf``, ``mu`` and ``sigma``. Sobol: first order ``S1`` and total order
    ``ST`` with CI half widths ``S1_conf``, ``ST_conf`` (SALib: ``conf_level`` normal
    interval of ``resamples`` bootstrap resamples).
    """
    problem = space.salib_problem()
    y = np.asarray(y, dtype=float)
    # A Generator, not the int: SALib's Sobol analysis tests ``if seed:`` and would draw
    # its bootstrap from numpy's global state for seed 0.
    rng = np.random.default_rng(seed)
    if method == "morris":
        res = morris_analyze.analyze(problem, design, y, num_resamples=resamples,
                                     conf_level=conf_level, seed=rng)
        df = pd.DataFrame({"parameter": list(space.names), "mu_star": res["mu_star"],
                           "mu_star_conf": res["mu_star_conf"], "mu": res["mu"],
                           "sigma": res["sigma"]})
        key = "mu_star"
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            res = sobol_analyze.analyze(problem, y, calc_second_order=False,
                                        num_resamples=resamples, conf_level=conf_level,
                                        seed=rng)
        df = pd.DataFrame({"parameter": list(space.names), "S1": res["S1"],
                           "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]})
        key = "ST"
    return df.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)


def ranking_text(indices: pd.DataFrame, method: str, output: str) -> str:
    """The ranking in plain words."""
    lines = []
    if method == "morris":
        lines.append(f"Morris screening of {output}: parameters ranked by mu*, the mean size "
                     "of the change one step of a parameter makes (95 % bootstrap CI).")
        top = indices["mu_star"].max()
        for i, r in enumerate(indices.itertuples(), 1):
            if r.mu_star <= 0.05 * top:
                note = "little influence"
            elif r.mu_star_conf >= r.mu_star:
                note = "uncertain: more trajectories needed"
            elif r.sigma > 0.5 * r.mu_star:
                note = "effect depends on the other parameters (non-linear or interacting)"
            else:
                note = "roughly additive effect"
            lines.append(f"  {i}. {r.parameter}: mu* = {r.mu_star:,.4g} "
                         f"(+/- {r.mu_star_conf:,.3g}); {note}")
    else:
        lines.append(f"Sobol indices of {output}: the share of its variance each parameter "
                     "explains alone (S1) and with its interactions (ST), 95 % bootstrap CI.")
        for i, r in enumerate(indices.itertuples(), 1):
            if r.ST + r.ST_conf <= 0.02:
                note = "no detectable influence"
            elif r.ST_conf >= r.ST:
                note = "uncertain: a larger sample needed"
            elif r.ST - r.S1 > 0.1:
                note = "much of it through interactions"
            else:
                note = "mostly on its own"
            lines.append(f"  {i}. {r.parameter}: {r.S1:.0%} alone (+/- {r.S1_conf:.0%}), "
                         f"{r.ST:.0%} in total (+/- {r.ST_conf:.0%}); {note}")
    lead = indices["parameter"].iloc[0]
    lines.append(f"In short: {lead} matters most for {output} over these ranges.")
    return "\n".join(lines)
