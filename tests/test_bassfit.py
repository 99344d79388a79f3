"""The Bass fit: exact recovery, honest standard errors, and R's nls on a textbook series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.params import ParameterError
from simulation.analysis.bassfit import bass_cdf, bass_sales, fit_bass
from simulation.analysis.observed import load_series

VCR = Path(__file__).resolve().parents[1] / "data" / "vcr_sales.csv"

# R 4.2.2, nls() on data/vcr_sales.csv; the script is data/bass_nls.R (Rscript data/bass_nls.R).
# coef(summary(fit)) and sigma(fit), printed with digits = 10.
R_NLS = {
    "density": {"m": (6.798095035e04, 3.127521899e03), "p": (6.593982277e-03, 1.430268437e-03),
                "q": (6.380904847e-01, 4.139593036e-02), "rse": 727.1930957},
    "difference": {"m": (6.766000967e04, 3.070904851e03),
                   "p": (8.788948140e-03, 1.776446284e-03),
                   "q": (6.421592227e-01, 4.257130342e-02), "rse": 724.2874592},
}


@pytest.mark.parametrize("form", ["density", "difference"])
def test_matches_r_nls_on_the_textbook_series(form):
    fit = fit_bass(load_series(VCR).new, form=form)
    want = R_NLS[form]
    # summary(nls) prints 7 significant digits; we agree to 6 (rel 1e-5) or better.
    for name in ("m", "p", "q"):
        assert getattr(fit, name) == pytest.approx(want[name][0], rel=1e-5)
        assert fit.se[name] == pytest.approx(want[name][1], rel=1e-5)
    assert fit.rse == pytest.approx(want["rse"], rel=1e-6)
    assert fit.df == 7
    table = fit.table().set_index("parameter")
    assert table.loc["q", "t_value"] == pytest.approx(want["q"][0] / want["q"][1], rel=1e-5)


@pytest.mark.parametrize("form", ["density", "difference"])
def test_noiseless_curve_gives_back_m_p_q(form):
    t = np.arange(1, 13)
    fit = fit_bass(bass_sales(t, 25_000.0, 0.012, 0.45, form), form=form)
    assert (fit.m, fit.p, fit.q) == pytest.approx((25_000.0, 0.012, 0.45), rel=1e-7)
    assert fit.rse < 1e-6 and all(v < 1e-6 * 25_000 for v in fit.se.values())


def test_standard_errors_match_the_spread_of_refits():
    """On noisy curves the reported SEs agree with the spread of the estimates.

    200 datasets of the same curve with independent normal noise (sd 40): the standard
    deviation of p-hat, q-hat, m-hat across datasets is the oracle. With 200 draws a
    sample sd has a relative standard error of 1/sqrt(2 x 199) = 5 %; the tolerance is
    25 % to cover that (x 3) and the curvature the linearisation ignores.
    """
    t = np.arange(1, 11)
    truth = (10_000.0, 0.01, 0.5)
    clean = bass_sales(t, *truth)
    rng = np.random.default_rng(20261126)
    fits = [fit_bass(clean + rng.normal(0, 40.0, t.size)) for _ in range(200)]
    for name in ("m", "p", "q"):
        spread = np.std([getattr(f, name) for f in fits], ddof=1)
        reported = np.mean([f.se[name] for f in fits])
        assert reported == pytest.approx(spread, rel=0.25), name
    assert np.mean([f.rse for f in fits]) == pytest.approx(40.0, rel=0.1)


def test_cdf_is_the_closed_form():
    # F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}); at t = ln(q/p)/(p+q), F = (q-p)/(2q).
    p, q = 0.02, 0.6
    t_star = np.log(q / p) / (p + q)
    assert bass_cdf(t_star, p, q) == pytest.approx((q - p) / (2 * q))


def test_a_series_without_a_diffusion_curve_is_refused_in_one_line():
    with pytest.raises(ParameterError, match="at least 4"):
        fit_bass(np.array([1.0, 2.0, 3.0]))
