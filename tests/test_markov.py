"""Exact docking of the journey without peer influence against its per-consumer Markov chain.

With persuasion 0, friend weight 0 and rating weights 0, consumers do not influence each
other: each one follows the same Markov chain, independently. The transition matrix is
written here by hand from the README's journey table (not from the rulebook), and the
expected per-day counts are ``n * (start @ P^t)``. Across R replicates of n consumers
the total count of a column on day t is then exactly Binomial(n R, p_t), so each column
and day is checked with an exact two-sided binomial test; with K checks in all, each
must have p > 0.001 / K (Bonferroni: the whole file fails by chance at most 0.1 % of the
time for a correct model; the seeds are fixed, so the outcome is reproducible).
"""

from __future__ import annotations

from functools import cache

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from models.graph import SocialGraph
from models.params import ConsumerParams, ProductParams
from simulation.running.runner import RunParams, run

N, REPLICATES, DAYS = 1000, 10, 40
FAMILY_ALPHA = 0.001

# The journey with these per-day probabilities (README "The journey").
D, IMPULSE, INTEREST, FORGET = 0.05, 0.1, 0.2, 0.1
INTERCEPT, ABANDON = -1.5, 0.1
QUALITY, NOISE = 4.0, 1.0
SHARE, NEG_SHARE, REBUY, DORMANCY = 0.2, 0.3, 0.1, 0.05

CONSUMER = ConsumerParams(
    discovery_prob=D, persuasion=0.0, share_prob=SHARE, negative_share_prob=NEG_SHARE,
    impulse_prob=IMPULSE, interest_prob=INTEREST, forget_prob=FORGET,
    buy_intercept=INTERCEPT, rating_weight=0.0, review_volume_weight=0.0, friend_weight=0.0,
    abandon_prob=ABANDON, rating_noise=NOISE, review_prob=0.0, repurchase_prob=REBUY,
    dormancy_prob=DORMANCY,
)
PRODUCT = ProductParams(quality=QUALITY)

# Chain states: satisfaction is drawn at purchase and kept, so the customer states split.
U, A, R, X, PS, PU, FS, FU, DS, DU = range(10)


def transition_matrix() -> np.ndarray:
    """One day of the journey for one consumer, from the README's table.

    Competing events in a state are tried in the listed order with one draw, so the
    k-th event has its probability times the chance that none before it happened.
    """
    buy = 1.0 / (1.0 + np.exp(-INTERCEPT))  # logistic at the prior rating, no reviews
    # Stars >= 4 iff quality + noise * z rounds to 4 or more: z >= (3.5 - quality) / noise.
    sat = stats.norm.sf((3.5 - QUALITY) / NOISE)
    p = np.zeros((10, 10))
    p[U, A] = D
    p[U, U] = 1 - D
    p[A, PS], p[A, PU] = IMPULSE * sat, IMPULSE * (1 - sat)
    p[A, R] = (1 - IMPULSE) * INTEREST
    p[A, U] = (1 - IMPULSE) * (1 - INTEREST) * FORGET
    p[A, A] = (1 - IMPULSE) * (1 - INTEREST) * (1 - FORGET)
    p[R, PS], p[R, PU] = buy * sat, buy * (1 - sat)
    p[R, X] = (1 - buy) * ABANDON
    p[R, R] = (1 - buy) * (1 - ABANDON)
    p[X, X] = 1.0
    p[PS, FS] = p[PU, FU] = 1.0
    p[FS, DS] = (1 - REBUY) * DORMANCY  # a repurchase (tried first) keeps them in follow-up
    p[FS, FS] = 1 - p[FS, DS]
    p[FU, DU] = DORMANCY  # the dissatisfied never buy again
    p[FU, FU] = 1 - DORMANCY
    p[DS, DS] = p[DU, DU] = 1.0
    return p


def expected_probabilities() -> pd.DataFrame:
    """Per day 0..DAYS, each column's per-consumer probability (a level or a day's flow)."""
    p = transition_matrix()
    assert np.allclose(p.sum(axis=1), 1.0)
    buy = p[R, PS] + p[R, PU]
    def levels(x: np.ndarray) -> dict[str, float]:
        return {"unaware": x[U], "aware": x[A], "researching": x[R], "rejected": x[X],
                "purchased": x[PS] + x[PU], "follow_up": x[FS] + x[FU],
                "dormant": x[DS] + x[DU], "adopters": x[PS:].sum()}

    x = np.zeros(10)
    x[U] = 1.0
    rows = [levels(x)]
    for _ in range(DAYS):
        # A day's flows come from the state at the start of that day (x).
        new = x[A] * IMPULSE + x[R] * buy
        flows = dict(new_adopters=new, purchases=new + x[FS] * REBUY,
                     shares_positive=(x[PS] + x[FS]) * SHARE,
                     shares_negative=(x[PU] + x[FU]) * NEG_SHARE)
        x = x @ p
        rows.append({**levels(x), **flows})
    return pd.DataFrame(rows)


@cache
def replicate_tables() -> tuple[pd.DataFrame, ...]:
    graph = SocialGraph.from_networkx(nx.empty_graph(N))
    params = RunParams(consumer=CONSUMER, product=PRODUCT, steps=DAYS, engine="vectorized")
    return tuple(run(RunParams(**{**params.__dict__, "seed": s}), graph=graph).timeseries
                 for s in range(REPLICATES))


def test_transition_matrix_follows_the_journey_table():
    # Only the README's transitions (and staying) have positive probability.
    allowed = {U: {A}, A: {PS, PU, R, U}, R: {PS, PU, X}, PS: {FS}, PU: {FU},
               FS: {DS}, FU: {DU}, X: set(), DS: set(), DU: set()}
    p = transition_matrix()
    for s, targets in allowed.items():
        assert set(np.flatnonzero(p[s])) - {s} == targets


def test_daily_counts_match_the_markov_chain():
    expected = expected_probabilities()
    total = sum(t.set_index("step") for t in replicate_tables())
    columns = [c for c in expected.columns if c != "step"]
    checks = [(c, t) for c in columns for t in range(DAYS + 1)
              if not (t == 0 and expected[c].isna()[t])]
    threshold = FAMILY_ALPHA / len(checks)
    trials = N * REPLICATES
    worst = (1.0, None)
    for column, t in checks:
        k, p = int(total.loc[t, column]), float(np.clip(expected.loc[t, column], 0, 1))
        pvalue = stats.binomtest(k, trials, p).pvalue
        if pvalue < worst[0]:
            worst = (pvalue, (column, t, k / REPLICATES, p * N))
        assert pvalue > threshold, (
            f"{column} on day {t}: mean {k / REPLICATES:.2f} per run, expected {p * N:.2f} "
            f"(binomial SE of the mean {np.sqrt(trials * p * (1 - p)) / REPLICATES:.2f}), "
            f"p = {pvalue:.2g} < {threshold:.2g}"
        )
    assert worst[0] > threshold


@pytest.mark.parametrize("day", [10, DAYS])
def test_adopters_within_three_measured_standard_errors(day):
    # The standard error is measured: the sample sd of the replicates' adopters / sqrt(R).
    # Its size is checked too: consumers are independent, so the replicates' variance is
    # binomial, n p (1 - p); the sample variance over R runs lies within the chi-square
    # (R - 1 df) 0.05 %..99.95 % band of it.
    values = np.array([t.loc[day, "adopters"] for t in replicate_tables()], dtype=float)
    p = expected_probabilities().loc[day, "adopters"]
    se = values.std(ddof=1) / np.sqrt(REPLICATES)
    assert abs(values.mean() - N * p) <= 3 * se, (values.mean(), N * p, se)
    ratio = values.var(ddof=1) / (N * p * (1 - p))
    df = REPLICATES - 1
    assert stats.chi2.ppf(0.0005, df) / df < ratio < stats.chi2.ppf(0.9995, df) / df
