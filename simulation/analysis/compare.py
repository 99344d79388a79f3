"""Statistics of a sweep: per-arm means with bootstrap CIs, and paired lifts over a reference.

Hydra-free: it works on a runs table (one row per run) from a sweep, a notebook or batch_run.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

#: Metrics the comparison reports, and what they are measured in.
KEY_METRICS: dict[str, str] = {
    "adopters": "consumers",
    "adoption_rate": "share of consumers",
    "time_to_50pct": "days",
    "revenue": "currency",
    "spend": "currency",
    "profit": "currency",
    "cpa": "currency per adopter",
}
#: Family-wise error rate of the headline's pairwise tests (Holm-corrected).
ALPHA = 0.05
#: Below this many seed-matched pairs a lift is shown but flagged as too few for a claim.
MIN_PAIRS = 5
CONFIDENCE = 0.95
N_RESAMPLES = 4000


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    *,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float] | None:
    """Bootstrap confidence interval of the mean (BCa; percentile where BCa is undefined).

    Args:
        values: The sample (no missing values).
        confidence: Confidence level, e.g. 0.95.
        n_resamples: Bootstrap resamples.
        seed: Seed of the resampling, so the same data give the same interval.

    Returns:
        ``(low, high)``; ``(v, v)`` when every value is ``v``; None for fewer than 2 values.
    """
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return None
    if np.all(x == x[0]):
        return float(x[0]), float(x[0])
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            # BCa is undefined for some tiny or lumpy samples; scipy then warns and
            # returns NaN, and the percentile interval is the honest fallback.
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            res = stats.bootstrap(
                (x,),
                np.mean,
                confidence_level=confidence,
                n_resamples=n_resamples,
                method=method,
                rng=np.random.default_rng(seed),
            )
        low, high = res.confidence_interval
        if np.isfinite(low) and np.isfinite(high):
            break
    return float(low), float(high)


@dataclass(frozen=True)
class PairedLift:
    """The paired difference arm - reference over runs that share a seed.

    Attributes:
        n_pairs: Seed-matched pairs where both runs define the metric.
        mean: Mean difference.
        ci: 95 % bootstrap CI of the mean difference (None below 2 pairs).
        p_ttest: Two-sided paired t-test p-value (``scipy.stats.ttest_rel``).
        p_wilcoxon: Two-sided Wilcoxon signed-rank p-value (``scipy.stats.wilcoxon``).
        note: Why a p-value is missing, if it is.
    """

    n_pairs: int
    mean: float | None
    ci: tuple[float, float] | None
    p_ttest: float | None
    p_wilcoxon: float | None
    note: str = ""


def paired_lift(arm: np.ndarray, reference: np.ndarray, *, seed: int = 0) -> PairedLift:
    """Paired lift of ``arm`` over ``reference`` (equal-length arrays, pair i shares a seed).

    Pairs with a missing value (NaN) on either side are left out. With constant differences
    there is no variance: the CI is that constant and the tests are undefined (None).
    """
    a, b = np.asarray(arm, dtype=float), np.asarray(reference, dtype=float)
    ok = ~(np.isnan(a) | np.isnan(b))
    d = a[ok] - b[ok]
    if d.size == 0:
        return PairedLift(0, None, None, None, None, "no pairs")
    ci = bootstrap_ci(d, seed=seed)
    if d.size < 2:
        return PairedLift(int(d.size), float(d.mean()), ci, None, None, "one pair")
    if np.all(d == d[0]):
        return PairedLift(int(d.size), float(d[0]), ci, None, None, "constant difference: no test")
    p_t = float(stats.ttest_rel(a[ok], b[ok]).pvalue)
    p_w = float(stats.wilcoxon(d).pvalue) if np.any(d != 0) else None
    return PairedLift(int(d.size), float(d.mean()), ci, p_t, p_w)


def default_reference(runs: pd.DataFrame, factors: Sequence[str]) -> dict[str, object]:
    """The reference arm: strategy ``baseline`` if present, else each factor's first level.

    Within a two-factor sweep the lift compares levels of the first factor at equal
    levels of the others, so only the first factor gets a reference value.
    """
    if not factors:
        return {}
    first = factors[0]
    levels = runs[first].dropna().unique().tolist()
    if first == "strategy" and "baseline" in levels:
        return {first: "baseline"}
    return {first: _sorted_levels(levels)[0]}


def _sorted_levels(levels: list) -> list:
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=str)


def unique_runs(
    runs: pd.DataFrame, factors: Sequence[str], pair_on: str = "seed"
) -> tuple[pd.DataFrame, dict[tuple, int]]:
    """Keep one run per (arm, ``pair_on``): overlapping seeds must not pair many-to-many.

    A sweep such as ``seed=0,1 replicates=3`` runs seeds 1 and 2 twice in every arm (same
    config and seed, so the same run); joining them on the seed would count 10 pairs for
    4 distinct runs and shrink the p-value. The first of each duplicate is kept.

    Returns:
        The deduplicated runs and, per arm key (tuple of factor values) that had
        duplicates, how many rows were dropped.
    """
    keys = [*factors, pair_on]
    dup = runs.duplicated(subset=keys, keep="first")
    dropped: dict[tuple, int] = {}
    if dup.any() and factors:
        for key, count in runs[dup].groupby(list(factors), dropna=False).size().items():
            dropped[key if isinstance(key, tuple) else (key,)] = int(count)
    elif dup.any():
        dropped[()] = int(dup.sum())
    return runs[~dup], dropped


def compare(
    runs: pd.DataFrame,
    factors: Sequence[str],
    *,
    metrics: Sequence[str] = tuple(KEY_METRICS),
    reference: dict[str, object] | None = None,
    pair_on: str = "seed",
    seed: int = 0,
) -> pd.DataFrame:
    """Per arm and metric: mean, std, bootstrap CI, and the paired lift over the reference.

    Args:
        runs: One row per run with the factor columns, ``pair_on`` and the metrics
            (None/NaN where a metric is undefined, e.g. 50 % adoption never reached).
        factors: Columns that define an arm (e.g. ``["strategy"]``).
        metrics: Metric columns to report.
        reference: Level of the first factor to compare against (default:
            :func:`default_reference`); other factors are matched.
        pair_on: Column that pairs runs across arms (the seed: common random numbers).
        seed: Seed of the bootstrap resampling.

    Returns:
        A long table: the factor columns, ``metric``, ``n`` (runs), ``defined`` (runs
        where the metric exists), ``mean``, ``std``, ``ci_low``, ``ci_high``, ``lift``,
        ``lift_ci_low``, ``lift_ci_high``, ``n_pairs``, ``p_ttest``, ``p_wilcoxon``,
        ``is_reference`` and ``note``. Runs repeating an (arm, ``pair_on``) are counted
        once (:func:`unique_runs`) and the arm's note says how many were dropped.

    Example:
        >>> from models.strategies import Ads
        >>> from simulation.networks.generators import NetworkParams
        >>> from simulation.running.runner import RunParams, run
        >>> arms = {"baseline": (), "ads": (Ads(reach=0.02),)}
        >>> runs = pd.DataFrame([
        ...     {"strategy": name, "seed": seed,
        ...      **run(RunParams(network=NetworkParams(n=300), strategies=strategies,
        ...                      seed=seed, steps=40)).summary}
        ...     for name, strategies in arms.items() for seed in range(3)])
        >>> table = compare(runs, ["strategy"], metrics=["adopters"])
        >>> ads = table.set_index("strategy").loc["ads"]
        >>> int(ads["n"]), int(ads["n_pairs"]), bool(ads["lift"] > 0)
        (3, 3, True)
    """
    factors = list(factors)
    runs, dropped = unique_runs(runs, factors, pair_on)
    reference = default_reference(runs, factors) if reference is None else reference
    ref_factor = next(iter(reference), None)
    groups = runs.groupby(factors, sort=True, dropna=False) if factors else [((), runs)]
    rows = []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        arm = dict(zip(factors, key, strict=True))
        is_ref = ref_factor is not None and arm.get(ref_factor) == reference[ref_factor]
        ref_rows = None
        if ref_factor is not None:
            mask = runs[ref_factor] == reference[ref_factor]
            for f in factors:
                if f != ref_factor:
                    mask &= runs[f] == arm[f]
            ref_rows = runs[mask]
        merged = None
        if ref_rows is not None and not is_ref:  # seed-matched pairs, every metric at once
            measured = list(dict.fromkeys(metrics))
            merged = group[[pair_on, *measured]].merge(
                ref_rows[[pair_on, *measured]], on=pair_on, suffixes=("", "_ref")
            )
        for metric in metrics:
            values = pd.to_numeric(group[metric], errors="coerce").to_numpy(dtype=float)
            defined = values[~np.isnan(values)]
            ci = bootstrap_ci(defined, seed=seed)
            row = {
                **arm,
                "metric": metric,
                "n": int(values.size),
                "defined": int(defined.size),
                "mean": float(defined.mean()) if defined.size else None,
                "std": float(defined.std(ddof=1)) if defined.size > 1 else None,
                "ci_low": ci[0] if ci else None,
                "ci_high": ci[1] if ci else None,
                "is_reference": bool(is_ref),
            }
            dup_note = ""
            if dropped.get(key):
                dup_note = (f"{dropped[key]} duplicate runs of the same {pair_on} dropped "
                            f"(overlapping seeds): each {pair_on} counted once")
                row["note"] = dup_note
            if merged is not None:
                lift = paired_lift(
                    pd.to_numeric(merged[metric], errors="coerce").to_numpy(dtype=float),
                    pd.to_numeric(merged[f"{metric}_ref"], errors="coerce").to_numpy(dtype=float),
                    seed=seed,
                )
                note = "; ".join(filter(None, [dup_note, lift.note]))
                if 0 < lift.n_pairs < MIN_PAIRS:
                    note = "; ".join(
                        filter(
                            None,
                            [
                                note,
                                f"only {lift.n_pairs} pairs: too few "
                                f"for a claim (need {MIN_PAIRS})",
                            ],
                        )
                    )
                row.update(
                    lift=lift.mean,
                    lift_ci_low=lift.ci[0] if lift.ci else None,
                    lift_ci_high=lift.ci[1] if lift.ci else None,
                    n_pairs=lift.n_pairs,
                    p_ttest=lift.p_ttest,
                    p_wilcoxon=lift.p_wilcoxon,
                    note=note,
                )
            rows.append(row)
    columns = [
        *factors,
        "metric",
        "n",
        "defined",
        "mean",
        "std",
        "ci_low",
        "ci_high",
        "lift",
        "lift_ci_low",
        "lift_ci_high",
        "n_pairs",
        "p_ttest",
        "p_wilcoxon",
        "is_reference",
        "note",
    ]
    table = pd.DataFrame(rows).reindex(columns=columns)
    table["note"] = table["note"].fillna("")
    return table


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (Holm 1979), in the input order.

    The i-th smallest of m p-values is multiplied by m - i + 1 (i from 1), running
    maxima keep the order, and values are capped at 1. Rejecting adjusted p < alpha
    keeps the family-wise error rate at alpha for any dependence between the tests.
    """
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p, kind="stable")
    m = p.size
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out.tolist()


@dataclass(frozen=True)
class Contrast:
    """The paired difference best arm - other arm in the objective.

    Attributes:
        arm: The other arm's level of the first factor.
        n_pairs: Seed-matched pairs where both define the objective.
        diff: Mean paired difference (best - arm).
        ci: 95 % bootstrap CI of ``diff`` (None below 2 pairs).
        p: Two-sided paired t-test p-value; 0 for a difference that is the same
            non-zero value in every pair (no variance across seeds); None if undefined.
        p_holm: ``p`` after Holm's correction over the scenario's contrasts.
    """

    arm: object
    n_pairs: int
    diff: float
    ci: tuple[float, float] | None
    p: float | None
    p_holm: float | None


@dataclass(frozen=True)
class Decision:
    """Which arm is best by the objective in one scenario, and whether that is clear.

    Attributes:
        scenario: Levels of the factors after the first (empty for a one-factor sweep).
        objective: The metric maximised.
        means: Mean objective per arm over seed-matched runs, best first.
        best: The arm with the largest mean.
        clear: True when the best arm beats every other arm with Holm-adjusted
            p < ALPHA, at least MIN_PAIRS pairs each.
        leaders: The best arm and the arms not significantly worse than it.
        contrasts: Best minus each other arm, in the order of ``means``.
    """

    scenario: dict[str, object]
    objective: str
    means: dict[object, float]
    best: object
    clear: bool
    leaders: list[object]
    contrasts: list[Contrast]


def _contrast(arm: object, d: np.ndarray, seed: int) -> Contrast:
    n = int(d.size)
    ci = bootstrap_ci(d, seed=seed)
    if n < 2:
        p = None
    elif np.all(d == d[0]):
        p = 0.0 if d[0] != 0 else None
    else:
        p = float(stats.ttest_1samp(d, 0.0).pvalue)
    return Contrast(arm, n, float(d.mean()) if n else math.nan, ci, p, None)


def decide(
    runs: pd.DataFrame,
    factors: Sequence[str],
    objective: str = "profit",
    *,
    pair_on: str = "seed",
    alpha: float = ALPHA,
    seed: int = 0,
) -> list[Decision]:
    """Name the best level of the first factor by ``objective``, per scenario.

    A scenario is one combination of the other factors' levels (e.g. a product in
    ``review_incentive``): arms are compared within it, paired by ``pair_on``. The best arm
    is "clear" only if its paired difference to every other arm is significant after
    Holm's correction for the number of arms compared (a two-sided paired t-test each).

    Returns:
        One Decision per scenario, in sorted scenario order.
    """
    factors = list(factors)
    if not factors:
        return []
    first, others = factors[0], factors[1:]
    runs, _ = unique_runs(runs, factors, pair_on)
    groups = runs.groupby(others, sort=True, dropna=False) if others else [((), runs)]
    decisions = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        values = g.assign(_v=pd.to_numeric(g[objective], errors="coerce"))
        wide = values.pivot_table(index=pair_on, columns=first, values="_v", aggfunc="mean")
        if wide.empty:
            continue
        means = wide.mean().dropna().sort_values(ascending=False)
        if means.empty:
            continue
        best = means.index[0]
        contrasts = [
            _contrast(arm, (wide[best] - wide[arm]).dropna().to_numpy(), seed)
            for arm in means.index[1:]
        ]
        tested = [i for i, c in enumerate(contrasts) if c.p is not None]
        adjusted = holm([contrasts[i].p for i in tested]) if tested else []
        for i, a in zip(tested, adjusted, strict=True):
            contrasts[i] = replace(contrasts[i], p_holm=a)

        def beaten(c: Contrast) -> bool:
            return c.p_holm is not None and c.p_holm < alpha and c.n_pairs >= MIN_PAIRS

        beaten_all = all(beaten(c) and c.diff > 0 for c in contrasts)
        decisions.append(
            Decision(
                scenario=dict(zip(others, key, strict=True)),
                objective=objective,
                means={a: float(v) for a, v in means.items()},
                best=best,
                clear=bool(contrasts) and beaten_all,
                leaders=[best, *(c.arm for c in contrasts if not beaten(c))],
                contrasts=contrasts,
            )
        )
    return decisions
