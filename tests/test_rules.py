"""The rulebook and the random draws: scalar and array paths agree; distributions are right."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from models import rules
from models.draws import (
    Decision,
    below,
    bits_at,
    decision_base,
    decision_bases,
    decision_key,
    uniform,
    uniform_from_base,
    uniform_of,
)
from models.journey import TRANSITIONS, JourneyState, is_allowed

probs = st.floats(0.0, 1.0)


def test_transitions_match_the_design():
    S = JourneyState  # noqa: N806 - the enum's short alias, as in the models
    assert TRANSITIONS[S.UNAWARE] == {S.AWARE}
    assert TRANSITIONS[S.AWARE] == {S.PURCHASED, S.RESEARCHING, S.UNAWARE}
    assert TRANSITIONS[S.RESEARCHING] == {S.PURCHASED, S.REJECTED}
    assert TRANSITIONS[S.PURCHASED] == {S.FOLLOW_UP}
    assert TRANSITIONS[S.FOLLOW_UP] == {S.DORMANT}
    assert not TRANSITIONS[S.DORMANT] and not TRANSITIONS[S.REJECTED]
    assert is_allowed(S.UNAWARE, S.UNAWARE)
    assert not is_allowed(S.UNAWARE, S.PURCHASED)


def test_scalar_and_array_uniforms_agree():
    key = decision_key(11)
    idx = np.arange(500)
    arr = uniform(key, 7, Decision.SHARE, idx)
    base = decision_base(key, 7, Decision.SHARE)
    assert arr.tolist() == [uniform(key, 7, Decision.SHARE, int(i)) for i in idx]
    assert arr.tolist() == [uniform_from_base(base, int(i)) for i in idx]


def test_many_runs_bases_at_once_equal_the_pure_python_hash():
    # The batch hashes every run's base in numpy; the oracle is the scalar Python hash.
    keys = np.array([decision_key(s) for s in range(40)], dtype=np.uint64)
    for step in (0, 1, 90, 2**20):
        for d in Decision:
            assert decision_bases(keys, step, d).tolist() == [
                decision_base(int(k), step, d) for k in keys]


def _uniform_exactly(z: int) -> Fraction:
    return (Fraction(z >> 12) + Fraction(1, 2)) * Fraction(1, 2**52)


def test_below_compares_hashes_as_their_uniforms():
    """``below(bits, b)`` is ``uniform_of(bits) < b`` to the last hash, checked in exact
    rational arithmetic at the hashes next to each bound's edge (and on random hashes)."""
    rng = np.random.default_rng(3)
    bounds = [0.0, 1e-300, 2.0**-60, 2.0**-53, 2.0**-52, 3.5 * 2.0**-52, 1e-3, 1 / 3, 0.5,
              np.nextafter(0.25, 0.0), np.nextafter(0.25, 1.0), 1 - 2.0**-53, 1.0, 2.0,
              *rng.random(50), *(rng.random(20) * 1e-9)]
    zs, bs = [], []
    for b in bounds:
        edge = math.ceil(Fraction(b) * 2**52 - Fraction(1, 2))  # the first k not below b
        for k in range(max(edge - 2, 0), min(edge + 2, 2**52)):
            for low in (0, 1, 4095):  # the bits a uniform drops
                zs.append((k << 12) | low)
                bs.append(b)
    zs += [0, 2**64 - 1, 2**64 - 1, *rng.integers(0, 2**63, 200, dtype=np.uint64).tolist()]
    bs += [0.0, 1.0, 2.0, *rng.random(200)]
    truth = np.array([_uniform_exactly(int(z)) < Fraction(b) for z, b in zip(zs, bs, strict=True)])
    assert 0 < truth.sum() < truth.size
    z, b = np.array(zs, dtype=np.uint64), np.array(bs)
    assert np.array_equal(uniform_of(z.copy()) < b, truth)  # (the oracle is the uniform's)
    assert np.array_equal(below(z, b), truth)  # one bound per hash
    for bound in set(bs):  # one bound for all
        mine = b == bound
        assert np.array_equal(below(z[mine], float(bound)), truth[mine]), bound


def test_hashes_become_the_uniforms():
    key = decision_key(5)
    idx = np.arange(0, 70_000, 7)
    base = np.uint64(decision_base(key, 3, Decision.AWARENESS))
    assert np.array_equal(uniform_of(bits_at(base, idx)),
                          [uniform(key, 3, Decision.AWARENESS, int(i)) for i in idx])


def test_uniforms_are_uniform_and_independent():
    # KS test at n = 200,000: a uniform source fails at this level 1 time in 10^4.
    key = decision_key(5)
    idx = np.arange(200_000)
    u = uniform(key, 3, Decision.AWARENESS, idx)
    assert u.min() > 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    # Other step, other decision: correlation |r| < 0.01 (sd of r is 0.0022 here).
    assert abs(np.corrcoef(u, uniform(key, 4, Decision.AWARENESS, idx))[0, 1]) < 0.01
    assert abs(np.corrcoef(u, uniform(key, 3, Decision.SHARE, idx))[0, 1]) < 0.01
    assert not np.array_equal(u, uniform(decision_key(6), 3, Decision.AWARENESS, idx))


@given(st.lists(probs, min_size=1, max_size=4), st.floats(1e-9, 1 - 1e-9))
def test_competing_scalar_matches_array(ps, u):
    assert rules.competing(u, *ps) == rules.competing(np.array([u]), *ps)[0]


def test_competing_frequencies():
    # 100,000 draws: each frequency within 0.006 (about 4 standard errors) of its value.
    u = uniform(decision_key(1), 1, Decision.AWARE_MOVE, np.arange(100_000))
    out = rules.competing(u, 0.2, 0.5, 0.25)
    freq = np.bincount(out, minlength=4) / u.size
    expected = [0.2, 0.8 * 0.5, 0.8 * 0.5 * 0.25, 0.8 * 0.5 * 0.75]
    assert np.allclose(freq, expected, atol=0.006)


def test_competing_certain_events():
    assert rules.competing(0.999999, 1.0, 0.5) == 0
    assert rules.competing(0.000001, 0.0, 1.0) == 1
    assert rules.competing(0.5, 0.0, 0.0) == 2


def test_exposure_is_noisy_or_over_contacts():
    lw = rules.contact_log_weight(0.3, np.array([1.0, 0.5]))
    assert rules.exposure_prob(lw.sum()) == pytest.approx(1 - 0.7 * 0.85)
    assert rules.exposure_prob(rules.contact_log_weight(1.0, 1.0)) > 1 - 1e-14


@given(st.integers(0, 10_000), st.floats(1, 5), st.floats(1, 5), st.floats(0.01, 100))
def test_shown_rating_is_between_prior_and_mean(count, mean, prior, weight):
    shown = rules.shown_rating(count, mean * count, prior, weight)
    lo, hi = min(mean, prior), max(mean, prior)
    assert lo - 1e-9 <= shown <= hi + 1e-9


def test_zero_reviews_show_the_prior_not_five_stars():
    assert rules.shown_rating(0, 0.0, 3.0, 5.0) == 3.0
    assert rules.shown_rating(1, 5.0, 3.0, 5.0) == pytest.approx(20 / 6)


def test_purchase_probability_rises_with_social_proof():
    kw = dict(intercept=-3.0, rating_weight=1.0, review_volume_weight=0.2,
              friend_weight=0.6, prior_rating=3.0)
    base = rules.purchase_prob(3.0, 0, 0.0, **kw)
    assert base == pytest.approx(1 / (1 + np.exp(3.0)))
    assert rules.purchase_prob(4.0, 0, 0.0, **kw) > base
    assert rules.purchase_prob(3.0, 100, 0.0, **kw) > base
    assert rules.purchase_prob(3.0, 0, 2.0, **kw) > base
    assert rules.purchase_prob(3.0, 0, -2.0, **kw) < base


def test_experience_stars_follow_quality():
    u = uniform(decision_key(2), 1, Decision.SATISFACTION, np.arange(50_000))
    stars = rules.experience_stars(u, 4.0, 1.0)
    assert set(np.unique(stars)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    # P(satisfied) = P(4 + z >= 3.5) = Phi(0.5) = 0.691; 50,000 draws: within 0.01.
    assert rules.is_satisfied(stars).mean() == pytest.approx(stats.norm.cdf(0.5), abs=0.01)
    assert (rules.experience_stars(u, 5.0, 0.0) == 5.0).all()
