"""The rulebook's formulas against numbers worked out by hand (README "The journey").

Each expected value is written from the formula in the README or the docstring, so a
changed operator, constant or argument order in models/rules.py fails here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from models import rules


def test_contact_log_weight_is_log_of_not_persuaded():
    # persuasion 0.5 x tie 0.5 x trust 0.4 = 0.1 per contact
    assert rules.contact_log_weight(0.5, 0.5, 0.4) == pytest.approx(math.log(0.9), rel=1e-14)
    assert rules.contact_log_weight(0.5, 0.5) == pytest.approx(math.log(0.75), rel=1e-14)
    # A certain contact is capped just below 1, so the log stays finite.
    capped = rules.contact_log_weight(1.0, 1.0)
    assert capped == math.log1p(-(1.0 - 1e-15))
    assert rules.contact_log_weight(1.0, 1.0, 2.0) == capped
    assert np.isfinite(capped) and capped < -34


def test_exposure_prob_is_one_minus_product_of_misses():
    assert rules.exposure_prob(math.log(0.9) + math.log(0.5)) == pytest.approx(0.55, rel=1e-14)
    assert rules.exposure_prob(0.0) == 0.0


def test_competing_thresholds_are_cumulative_and_exclusive():
    # Events 0.25, 0.5 (of the remaining 0.75) and 0.5 (of the remaining 0.375):
    # thresholds 0.25, 0.625, 0.8125 (exact in binary); a draw on a threshold belongs
    # to the next interval.
    u = np.array([0.0, 0.2499999, 0.25, 0.6249999, 0.625, 0.8124999, 0.8125, 0.99])
    assert rules.competing(u, 0.25, 0.5, 0.5).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert rules.competing(0.2, 0.2) == 1
    assert rules.competing(0.1999, 0.2) == 0
    assert rules.competing(0.5) == 0  # no events: "none" is index 0


def test_aware_probs_reinforce_research_with_exposure():
    impulse, research, forget = rules.aware_probs(0.1, 0.2, 0.3, 0.5)
    assert (impulse, forget) == (0.1, 0.3)
    assert research == pytest.approx(1 - 0.8 * 0.5, rel=1e-15)
    assert rules.aware_probs(0.1, 0.2, 0.3, 0.0)[1] == pytest.approx(0.2, rel=1e-15)


def test_shown_rating_formula():
    assert rules.shown_rating(4, 18.0, 3.0, 5.0) == (15.0 + 18.0) / 9.0
    assert rules.shown_rating(0, 0.0, 2.5, 7.0) == 2.5


def test_purchase_prob_is_logistic_in_each_term():
    kw = dict(intercept=-1.0, rating_weight=0.5, review_volume_weight=0.25,
              friend_weight=0.75, prior_rating=3.0)
    # logit = -1 + 0.5 x (4 - 3) + 0.25 x log(1 + 3) + 0.75 x 2
    logit = -1.0 + 0.5 + 0.25 * math.log(4.0) + 1.5
    assert rules.purchase_prob(4.0, 3, 2.0, **kw) == pytest.approx(
        1 / (1 + math.exp(-logit)), rel=1e-14)
    # Each term alone.
    base = dict(intercept=0.0, rating_weight=0.0, review_volume_weight=0.0,
                friend_weight=0.0, prior_rating=3.0)
    assert rules.purchase_prob(5.0, 0, 0.0, **base) == 0.5
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert rules.purchase_prob(5.0, 0, 0.0, **{**base, "rating_weight": 2.0}) == pytest.approx(
        sig(4.0), rel=1e-14)
    assert rules.purchase_prob(1.0, 0, 0.0, **{**base, "rating_weight": 2.0}) == pytest.approx(
        sig(-4.0), rel=1e-14)
    assert rules.purchase_prob(3.0, 9, 0.0, **{**base, "review_volume_weight": 1.0}) == (
        pytest.approx(sig(math.log(10.0)), rel=1e-14))
    assert rules.purchase_prob(3.0, 0, -3.0, **{**base, "friend_weight": 1.0}) == pytest.approx(
        sig(-3.0), rel=1e-14)
    assert rules.purchase_prob(3.0, 0, 0.0, **{**base, "intercept": 2.0}) == pytest.approx(
        sig(2.0), rel=1e-14)


@pytest.mark.parametrize(("u", "quality", "noise", "stars"), [
    (0.5, 3.5, 1.0, 4.0),  # z = 0: 3.5 rounds up
    (0.5, 3.49, 1.0, 3.0),
    (0.5, 4.4, 0.0, 4.0),
    (0.5, 4.5, 0.0, 5.0),
    (0.8413447460685429, 3.0, 1.0, 4.0),  # z = +1
    (0.15865525393145707, 3.0, 1.0, 2.0),  # z = -1
    (0.15865525393145707, 3.0, 0.4, 3.0),  # 3 - 0.4 = 2.6 rounds to 3
    (0.9999, 4.0, 10.0, 5.0),  # clipped to 5
    (0.0001, 2.0, 10.0, 1.0),  # clipped to 1
])
def test_experience_stars_round_and_clip_the_latent(u, quality, noise, stars):
    assert rules.experience_stars(u, quality, noise) == stars


def test_satisfied_from_four_stars():
    assert rules.is_satisfied(4.0) and rules.is_satisfied(5.0)
    assert not rules.is_satisfied(3.0) and not rules.is_satisfied(3.999)


def test_post_prob_multipliers_and_caps():
    assert rules.post_prob(True, 0.1, 0.2) == 0.1
    assert rules.post_prob(False, 0.1, 0.2) == 0.2
    # share buttons raise both kinds; a referral boost only positive posts
    assert rules.post_prob(True, 0.1, 0.2, 3.0, 2.0) == pytest.approx(0.6, rel=1e-15)
    assert rules.post_prob(False, 0.1, 0.2, 3.0, 2.0) == pytest.approx(0.6, rel=1e-15)
    assert rules.post_prob(False, 0.1, 0.2, 1.0, 2.0) == 0.2
    assert rules.post_prob(True, 0.5, 0.6, 3.0) == 1.0
    assert rules.post_prob(False, 0.5, 0.6, 3.0) == 1.0
    sat = np.array([True, False, True])
    assert rules.post_prob(sat, 0.1, 0.2, 2.0).tolist() == pytest.approx([0.2, 0.4, 0.2])


def test_review_prob_adds_the_incentive_up_to_one():
    assert rules.review_prob(0.05, 0.15) == pytest.approx(0.2, rel=1e-15)
    assert rules.review_prob(0.05) == 0.05
    assert rules.review_prob(0.7, 0.6) == 1.0


def test_follow_up_probs_only_the_satisfied_rebuy():
    assert rules.follow_up_probs(True, 0.1, 0.03) == (0.1, 0.03)
    assert rules.follow_up_probs(False, 0.1, 0.03) == (0.0, 0.03)


def test_friend_opinion_signs_and_posting_double():
    assert rules.friend_opinion(True, 0.0) == 1.0
    assert rules.friend_opinion(True, 1.0) == 2.0
    assert rules.friend_opinion(False, 0.0) == -1.0
    assert rules.friend_opinion(False, 1.0) == -2.0


def test_scaled_prob_caps_at_one():
    assert rules.scaled_prob(0.2, 0.5) == 0.1
    assert rules.scaled_prob(0.4, 3.0) == 1.0


def test_no_event_bound_is_just_above_the_last_threshold():
    threshold = 0.2 + 0.8 * 0.5  # 0.6
    bound = rules.no_event_bound(0.2, 0.5)
    assert bound == pytest.approx(threshold * (1 + 1e-9) + 1e-9, rel=1e-15)
    assert threshold < bound < threshold + 3e-9
    assert rules.no_event_bound() == pytest.approx(1e-9)
    three = 0.5 + 0.5 * 0.5 + 0.25 * 0.5  # 0.875
    assert rules.no_event_bound(0.5, 0.5, 0.5) == pytest.approx(
        three * (1 + 1e-9) + 1e-9, rel=1e-15)
    # Consistent with competing: at the bound no event can fire.
    assert rules.competing(bound, 0.2, 0.5) == 2
