"""The rulebook and the random draws: scalar and array paths agree; distributions are right."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from models import rules
from models.draws import (
    Decision,
    decision_base,
    decision_bases,
    decision_key,
    uniform,
    uniform_from_base,
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
