"""The Bass model fitted to sales per period by non-linear least squares, as R's ``nls`` does.

Two textbook forms: ``difference`` (Srinivasan & Mason 1986: sales in period t are
``m [F(t) - F(t-1)]``) and ``density`` (sales are ``m f(t)``, the form of the common R
``nls`` example). Standard errors are ``sigma^2 (J'J)^-1`` at the optimum, as ``nls``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from models.params import ParameterError

FORMS = ("difference", "density")


def bass_cdf(t: np.ndarray | float, p: float, q: float) -> np.ndarray:
    """Adopted fraction ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})`` (Bass 1969)."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_density(t: np.ndarray | float, p: float, q: float) -> np.ndarray:
    """Adoption density ``f(t) = ((p+q)^2 / p) e^{-(p+q)t} / (1 + (q/p) e^{-(p+q)t})^2``."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return ((p + q) ** 2 / p) * e / (1.0 + (q / p) * e) ** 2


def bass_sales(t: np.ndarray, m: float, p: float, q: float, form: str = "difference") -> np.ndarray:
    """Expected sales (new adopters) in periods ``t`` = 1, 2, ... of a market of size ``m``."""
    t = np.asarray(t, dtype=float)
    if form == "density":
        return m * bass_density(t, p, q)
    return m * (bass_cdf(t, p, q) - bass_cdf(t - 1.0, p, q))


@dataclass(frozen=True)
class BassFit:
    """A fitted Bass model and the figures ``summary(nls(...))`` prints.

    Attributes:
        m: Market potential (eventual adopters, in the data's units).
        p: Coefficient of innovation, per period.
        q: Coefficient of imitation, per period.
        se: Standard errors of m, p, q.
        rse: Residual standard error ``sqrt(RSS / df)``.
        df: Residual degrees of freedom (periods - 3).
        form: ``difference`` or ``density``.
        t: Period index of each observation (1 = first period).
        observed: The observed sales per period.
        fitted: The fitted sales per period.
    """

    m: float
    p: float
    q: float
    se: dict[str, float]
    rse: float
    df: int
    form: str
    t: np.ndarray
    observed: np.ndarray
    fitted: np.ndarray

    def predict(self, t: np.ndarray) -> np.ndarray:
        """Expected sales in periods ``t`` (1 = the first observed period)."""
        return bass_sales(np.asarray(t, dtype=float), self.m, self.p, self.q, self.form)

    @property
    def peak_time(self) -> float:
        """Time of the peak adoption rate, ``ln(q/p) / (p + q)`` periods after launch."""
        return max(0.0, math.log(self.q / self.p) / (self.p + self.q)) if self.q > 0 else 0.0

    def table(self) -> pd.DataFrame:
        """Estimates with standard errors, t values and two-sided p-values, as ``nls``."""
        rows = []
        for name in ("m", "p", "q"):
            est, se = getattr(self, name), self.se[name]
            tval = est / se if se > 0 else math.inf
            rows.append({"parameter": name, "estimate": est, "std_error": se, "t_value": tval,
                         "p_value": float(2 * stats.t.sf(abs(tval), self.df))})
        return pd.DataFrame(rows)

    def describe(self) -> str:
        """The fit in a few plain lines."""
        return "\n".join([
            f"Bass fit ({self.form} form, {len(self.t)} periods, nonlinear least squares):",
            *(f"  {r.parameter} = {r.estimate:.6g}  (std. error {r.std_error:.3g})"
              for r in self.table().itertuples()),
            f"  residual standard error {self.rse:.6g} on {self.df} degrees of freedom",
            f"  market potential {self.m:,.0f}; adoption peaks {self.peak_time:.1f} periods after "
            f"launch (p = {self.p:.4g} innovation, q = {self.q:.4g} imitation per period)",
        ])


def ols_start(sales: np.ndarray) -> tuple[float, float, float]:
    """Starting values from Bass's (1969) regression ``s_t = a + b Y_{t-1} + c Y_{t-1}^2``.

    Falls back to ``m = 1.5 x total, p = 0.01, q = 0.3`` when the regression gives no market.
    """
    y = np.asarray(sales, dtype=float)
    cum_before = np.concatenate([[0.0], np.cumsum(y)[:-1]])
    x = np.column_stack([np.ones_like(y), cum_before, cum_before**2])
    (a, b, c), *_ = np.linalg.lstsq(x, y, rcond=None)
    if c < 0 and b * b - 4 * a * c > 0:
        m = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * c)
        if m > 0 and a > 0:
            p = a / m
            return m, p, max(p, -c * m)
    return 1.5 * float(y.sum()), 0.01, 0.3


def fit_bass(
    sales: np.ndarray,
    form: str = "difference",
    start: tuple[float, float, float] | None = None,
) -> BassFit:
    """Fit (m, p, q) to sales per period by non-linear least squares.

    Uses MINPACK's Levenberg-Marquardt through ``scipy.optimize.curve_fit`` (unweighted,
    ``absolute_sigma=False``), so the covariance is ``sigma^2 (J'J)^-1`` as in R's ``nls``.

    Args:
        sales: Sales (new adopters) in consecutive periods, the first being period 1.
        form: ``difference`` (``m [F(t) - F(t-1)]``) or ``density`` (``m f(t)``).
        start: Starting (m, p, q); by default from Bass's OLS regression.

    Returns:
        The fit.

    Raises:
        ParameterError: Fewer than 4 periods, or no valid market (m, p > 0) is found.

    SAMPLE USE:
        >>> fit = fit_bass(bass_sales(np.arange(1, 11), 1000.0, 0.03, 0.4))
        >>> round(fit.m), round(fit.p, 4), round(fit.q, 4)
        (1000, 0.03, 0.4)
    """
    if form not in FORMS:
        raise ParameterError(f"form = {form!r}: must be one of {', '.join(FORMS)}")
    y = np.asarray(sales, dtype=float)
    if y.size < 4:
        raise ParameterError(f"data = {y.size} periods: the Bass fit needs at least 4")
    t = np.arange(1, y.size + 1, dtype=float)
    x0 = start if start is not None else ols_start(y)
    try:
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            popt, pcov = optimize.curve_fit(
                lambda tt, m, p, q: bass_sales(tt, m, p, q, form), t, y, p0=x0,
                method="lm", maxfev=20000,
            )
    except RuntimeError as exc:  # MINPACK gave up
        raise ParameterError(f"data: the Bass fit did not converge ({exc})") from None
    m, p, q = (float(v) for v in popt)
    if not (m > 0 and p > 0 and np.all(np.isfinite(pcov))):
        raise ParameterError(
            f"data: the Bass fit found no valid market (m = {m:.4g}, p = {p:.4g}); "
            "the series may not show a diffusion curve yet"
        )
    fitted = bass_sales(t, m, p, q, form)
    df = y.size - 3
    rse = float(np.sqrt(np.sum((y - fitted) ** 2) / df)) if df > 0 else math.nan
    se = dict(zip(("m", "p", "q"), np.sqrt(np.diag(pcov)).tolist(), strict=True))
    return BassFit(m, p, q, se, rse, df, form, t, y, fitted)
