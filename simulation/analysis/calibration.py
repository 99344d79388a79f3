"""Calibrating journey parameters, the period <-> days mapping and the market size to a series.

The model runs ``n`` consumers; observed period k covers days ((k-1) d, k d] (d =
``days_per_period``, fitted or fixed), and simulated new adopters scale to the data by a
market size M (sales = M x fraction of consumers), which least squares gives in closed form.
The journey parameters are searched by scipy's differential evolution (seeded) on the
mean of a few replicates with common random numbers; intervals come from a Laplace
approximation (see ``CalibrationResult.method``).
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from models.params import ParameterError, check_count
from simulation.analysis.bassfit import fit_bass
from simulation.analysis.observed import ObservedSeries
from simulation.analysis.replicates import GraphCache, run_replicates
from simulation.analysis.space import ParameterSpace, with_values
from simulation.running.runner import RunParams

DAYS_KEY = "days_per_period"
METHOD = (
    "Laplace approximation at the fit: Jacobian of the simulated mean by central "
    "differences (common random numbers), noise covariance of the period sales from runs "
    "at the fit with fresh seeds (shrunk halfway to its diagonal), scaled up by the residual "
    "dispersion when the data are noisier than the model, each range a uniform prior; "
    "intervals are symmetric on the logit of the position in the range (log scale for log "
    "keys), so they stay inside the ranges."
)
#: Step (logit units) of the central differences: wide enough to see through the
#: jumps that common-random-number runs make at small parameter changes.
JACOBIAN_STEP = 0.3


@dataclass(frozen=True)
class CalibrationSettings:
    """How hard the calibration works.

    Attributes:
        replicates: Runs per trial, with the same seeds in every trial (common random numbers).
        popsize: Differential evolution population per parameter.
        maxiter: Differential evolution generations after the first.
        band_runs: Runs at the fit with fresh seeds (the 90 % band and the noise covariance).
        level: Coverage of the reported intervals and band.
        seed: Seeds the optimiser and every simulated run.
    """

    replicates: int = 3
    popsize: int = 5
    maxiter: int = 5
    band_runs: int = 30
    level: float = 0.9
    seed: int = 0

    def __post_init__(self) -> None:
        """Check every field."""
        check_count("calibration.replicates", self.replicates, minimum=1)
        check_count("calibration.popsize", self.popsize, minimum=2)
        check_count("calibration.maxiter", self.maxiter, minimum=0)
        check_count("calibration.band_runs", self.band_runs, minimum=5)
        check_count("calibration.seed", self.seed)
        if not (isinstance(self.level, float) and 0.5 <= self.level < 1):
            raise ParameterError(f"calibration.level = {self.level!r}: must be in [0.5, 1)")


@dataclass(frozen=True)
class Target:
    """What is fitted: journey parameters in a space, and days per period fixed or ranged.

    Attributes:
        space: The journey parameters and their ranges.
        days: Days per period: fixed (low == high) or fitted within [low, high].
    """

    space: ParameterSpace
    days: tuple[float, float]

    @classmethod
    def from_mapping(
        cls, parameters: Mapping[str, Sequence], days_per_period, base: RunParams
    ) -> Target:
        """Build from a config's ``parameters`` mapping and ``days_per_period`` (number or range).

        Raises:
            ParameterError: A bad range or days per period.
        """
        days = days_per_period
        if isinstance(days, int | float) and not isinstance(days, bool):
            days = [days, days]
        ok = (isinstance(days, list | tuple) and len(days) == 2
              and all(isinstance(v, int | float) and not isinstance(v, bool) for v in days)
              and 0.5 <= days[0] <= days[1] <= 3650)
        if not ok:
            raise ParameterError(
                f"calibration.{DAYS_KEY} = {days_per_period!r}: must be a number of days "
                "in [0.5, 3650] or a range [low, high] to fit it"
            )
        space = ParameterSpace.from_mapping(parameters, base, label="calibration.parameters")
        return cls(space, (float(days[0]), float(days[1])))

    @property
    def fits_days(self) -> bool:
        """Whether days per period is fitted."""
        return self.days[1] > self.days[0]

    @property
    def names(self) -> tuple[str, ...]:
        """Fitted keys in cube order (days per period last when fitted)."""
        return self.space.names + ((DAYS_KEY,) if self.fits_days else ())

    @property
    def dim(self) -> int:
        """Dimension of the search cube."""
        return len(self.names)

    def decode(self, u: np.ndarray) -> tuple[dict[str, float], float]:
        """Journey values and days per period at a point of the unit cube."""
        u = np.asarray(u, dtype=float)
        x = self.space.from_unit(u[: self.space.dim])[0]
        journey = dict(zip(self.space.names, x.tolist(), strict=True))
        lo, hi = self.days
        days = lo + float(u[-1]) * (hi - lo) if self.fits_days else lo
        return journey, days

    def values(self, u: np.ndarray) -> np.ndarray:
        """Parameter values (cube order) at a point of the unit cube."""
        journey, days = self.decode(u)
        return np.array([*journey.values(), *([days] if self.fits_days else [])])


def period_sales(cumulative: np.ndarray, days: float, periods: int) -> np.ndarray:
    """Adopters per period from cumulative adopters per day (rows = runs).

    Period k covers days ((k-1) d, k d]; at a fractional boundary the cumulative count is
    interpolated linearly between days.
    """
    cumulative = np.atleast_2d(cumulative)
    day = np.arange(cumulative.shape[1], dtype=float)
    edges = days * np.arange(periods + 1)
    at = np.stack([np.interp(edges, day, row) for row in cumulative])
    return np.diff(at, axis=1)


class Simulator:
    """Simulated adopters per period (fractions of n) at points of the target's cube."""

    def __init__(self, base: RunParams, target: Target, periods: int) -> None:
        self.base, self.target, self.periods = base, target, periods
        self.steps = math.ceil(periods * target.days[1]) + 1
        self.graphs = GraphCache()
        self.runs = 0

    def sales(self, u: np.ndarray, seeds: Sequence[int]) -> np.ndarray:
        """Per-run adopters per period as a fraction of the consumers, shape (runs, periods)."""
        journey, days = self.target.decode(u)
        params = replace(with_values(self.base, journey), steps=self.steps)
        results = run_replicates(params, seeds, self.graphs)
        self.runs += len(seeds)
        cum = np.stack([r.timeseries["adopters"].to_numpy(dtype=float) / r.summary["n"]
                        for r in results])
        return period_sales(cum, days, self.periods)


def market_size(observed: np.ndarray, shape: np.ndarray) -> float:
    """Least-squares M in ``observed ~ M x shape`` (nan when the model sells nothing)."""
    den = float(shape @ shape)
    return float(shape @ observed) / den if den > 0 else math.nan


def run_seeds(seed: int, count: int, stream: int) -> list[int]:
    """``count`` run seeds of one stream (0 = common random numbers, 1 = fresh runs)."""
    ss = np.random.SeedSequence([seed, stream])
    return [int(s) for s in ss.generate_state(count, dtype=np.uint32)]


@dataclass
class CalibrationResult:
    """A calibration: estimates with intervals, the market size and the fitted curve.

    Attributes:
        names: Fitted keys (days per period last when fitted).
        estimate: Best values found.
        lower: Lower ends of the ``level`` intervals.
        upper: Upper ends of the ``level`` intervals.
        market: Market size M (data units per whole market), with its interval.
        days_per_period: Days per period used (the estimate when fitted).
        n: Consumers simulated.
        level: Interval coverage.
        observed: The observed series (all periods, including any hold-out).
        fit_periods: Periods used in the fit (the rest are a hold-out).
        mean: Mean simulated sales per period at the fit (data units), every period.
        band: Lower and upper ``level`` band of simulated sales per period (data units).
        rmse: Root mean squared error over the fitted periods.
        trials: Parameter sets evaluated by the optimiser.
        runs: Simulations run in total.
        wall_seconds: Wall time.
        method: How the intervals were computed.
    """

    names: tuple[str, ...]
    estimate: dict[str, float]
    lower: dict[str, float]
    upper: dict[str, float]
    market: tuple[float, float, float]
    days_per_period: float
    n: int
    level: float
    observed: ObservedSeries
    fit_periods: int
    mean: np.ndarray
    band: tuple[np.ndarray, np.ndarray]
    rmse: float
    trials: int
    runs: int
    wall_seconds: float
    method: str = METHOD
    extra: dict = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """One row per fitted quantity: estimate and interval."""
        rows = [{"parameter": k, "estimate": self.estimate[k], "lower": self.lower[k],
                 "upper": self.upper[k]} for k in self.names]
        rows.append({"parameter": "market_size", "estimate": self.market[0],
                     "lower": self.market[1], "upper": self.market[2]})
        return pd.DataFrame(rows)

    def series(self) -> pd.DataFrame:
        """Observed against simulated mean and band per period, with the hold-out marked."""
        k = len(self.observed)
        return pd.DataFrame({
            "period": self.observed.periods,
            "observed": self.observed.new,
            "simulated_mean": self.mean[:k],
            "band_lower": self.band[0][:k],
            "band_upper": self.band[1][:k],
            "in_fit": np.arange(k) < self.fit_periods,
        })

    def describe(self) -> str:
        """The calibration in plain words."""
        pct = f"{self.level:.0%}"
        lines = [f"Calibrated {len(self.names)} parameters to {self.fit_periods} periods of "
                 f"'{self.observed.name}' ({self.trials} trials, {self.runs} simulations, "
                 f"{self.wall_seconds:.0f} s):"]
        for k in self.names:
            lines.append(f"  {k} = {self.estimate[k]:.4g}  ({pct} interval "
                         f"{self.lower[k]:.4g} to {self.upper[k]:.4g})")
        m, lo, hi = self.market
        lines.append(f"  market size = {m:,.0f} ({pct} interval {lo:,.0f} to {hi:,.0f}): one "
                     f"simulated consumer stands for {m / self.n:,.3g} customers")
        lines.append(f"  one period = {self.days_per_period:.3g} simulated days")
        inside = np.mean((self.observed.new[: self.fit_periods] >= self.band[0][: self.fit_periods])
                         & (self.observed.new[: self.fit_periods]
                            <= self.band[1][: self.fit_periods]))
        lines.append(f"Fit: root mean squared error {self.rmse:,.4g} per period; {inside:.0%} of "
                     f"the observed periods lie inside the model's {pct} band.")
        wide = [k for k in self.names if self.upper[k] - self.lower[k]
                > 0.5 * (self.extra["ranges"][k][1] - self.extra["ranges"][k][0])]
        if wide:
            lines.append("Weakly determined by these data (interval spans over half its range): "
                         + ", ".join(wide) + ".")
        return "\n".join(lines)


def _de_kwargs(seed: int) -> dict:
    # scipy >= 1.15 names the seeding argument rng; older versions call it seed.
    params = inspect.signature(optimize.differential_evolution).parameters
    return {"rng" if "rng" in params else "seed": np.random.default_rng(seed)}


def calibrate(
    observed: ObservedSeries,
    base: RunParams,
    target: Target,
    settings: CalibrationSettings | None = None,
    fit_periods: int | None = None,
    market: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Fit the target's parameters and the market size to an observed series.

    Args:
        observed: The observed series.
        base: The run every trial starts from (network, other parameters, strategies).
        target: What to fit.
        settings: Optimiser and uncertainty settings.
        fit_periods: Fit only the first this many periods (the rest is a hold-out for
            forecasting); default all.
        market: The market size M if known (data units for the whole market); by default
            fitted by least squares.
        progress: Called with a short line after each stage.

    Returns:
        The calibration, with the simulated mean and band over every observed period.
    """
    settings = settings or CalibrationSettings()
    start = time.perf_counter()
    say = progress or (lambda _msg: None)
    k_all = len(observed)
    k_fit = k_all if fit_periods is None else fit_periods
    if not 3 <= k_fit <= k_all:
        raise ParameterError(f"holdout: leaves {k_fit} periods to fit; need 3 to {k_all}")
    y = observed.new[:k_fit]
    sim = Simulator(base, target, k_all)
    crn = run_seeds(settings.seed, settings.replicates, 0)
    scale = float(y @ y)
    trials = 0
    best = math.inf

    if market is not None and not (isinstance(market, int | float) and market > 0):
        raise ParameterError(f"calibration.market_size = {market!r}: must be null or > 0")

    def size(shape: np.ndarray) -> float:
        return float(market) if market is not None else market_size(y, shape)

    def objective(u_cols: np.ndarray) -> np.ndarray:
        nonlocal trials, best
        u_cols = u_cols.reshape(target.dim, -1)
        out = np.empty(u_cols.shape[1])
        for j in range(u_cols.shape[1]):
            shape = sim.sales(u_cols[:, j], crn).mean(axis=0)[:k_fit]
            out[j] = float(np.sum((y - np.nan_to_num(size(shape)) * shape) ** 2)) / scale
        trials += u_cols.shape[1]
        best = min(best, float(out.min()))
        return out

    def on_generation(xk: np.ndarray, convergence: float = 0.0) -> None:
        say(f"  {trials} trials, best relative squared error {best:.4g}")

    result = optimize.differential_evolution(
        objective, [(0.0, 1.0)] * target.dim, popsize=settings.popsize,
        maxiter=settings.maxiter, polish=False, tol=1e-3, updating="deferred",
        vectorized=True, callback=on_generation, **_de_kwargs(settings.seed),
    )
    u_hat = np.clip(result.x, 1e-3, 1 - 1e-3)
    say(f"optimiser: {trials} trials, relative error {result.fun:.4g}")

    shape_hat = sim.sales(u_hat, crn).mean(axis=0)
    m_hat = size(shape_hat[:k_fit])
    if not m_hat > 0:
        raise ParameterError(
            "calibration: no parameter set in the ranges sells anything; widen the ranges"
        )
    fresh = sim.sales(u_hat, run_seeds(settings.seed, settings.band_runs, 1)) * m_hat
    cov_u, market_sd, dispersion = _laplace(sim, target, u_hat, crn, y, m_hat, shape_hat[:k_fit],
                                            fresh[:, :k_fit], settings.replicates,
                                            market is None)
    z = stats.norm.ppf(0.5 + settings.level / 2)
    logit_u = special.logit(u_hat)
    sd = np.sqrt(np.diag(cov_u))
    lo_u, hi_u = special.expit(logit_u - z * sd), special.expit(logit_u + z * sd)
    est, lo, hi = target.values(u_hat), target.values(lo_u), target.values(hi_u)
    names = target.names
    q = (1 - settings.level) / 2
    ranges = {k: (a, b) for k, a, b in zip(target.space.names, target.space.low,
                                           target.space.high, strict=True)}
    ranges[DAYS_KEY] = target.days
    say(f"uncertainty: {settings.band_runs} runs at the fit, dispersion {dispersion:.3g}")
    return CalibrationResult(
        names=names,
        estimate=dict(zip(names, est.tolist(), strict=True)),
        lower=dict(zip(names, lo.tolist(), strict=True)),
        upper=dict(zip(names, hi.tolist(), strict=True)),
        market=(m_hat, m_hat * math.exp(-z * market_sd), m_hat * math.exp(z * market_sd)),
        days_per_period=target.decode(u_hat)[1],
        n=sim.graphs.get(base.network, crn[0]).n,
        level=settings.level,
        observed=observed,
        fit_periods=k_fit,
        mean=fresh.mean(axis=0),
        band=(np.quantile(fresh, q, axis=0), np.quantile(fresh, 1 - q, axis=0)),
        rmse=float(np.sqrt(np.mean((y - m_hat * shape_hat[:k_fit]) ** 2))),
        trials=trials,
        runs=sim.runs,
        wall_seconds=time.perf_counter() - start,
        extra={"ranges": ranges, "dispersion": dispersion, "objective": float(result.fun)},
    )


def _laplace(
    sim: Simulator, target: Target, u_hat: np.ndarray, crn: list[int], y: np.ndarray,
    m_hat: float, shape: np.ndarray, fresh: np.ndarray, replicates: int, fit_market: bool,
) -> tuple[np.ndarray, float, float]:
    """Posterior covariance of logit(u), the sd of log M (0 if given), and the dispersion."""
    k = y.size
    d = target.dim
    pred = m_hat * shape
    logit_u = special.logit(u_hat)
    jac = np.empty((k, d + 1))
    for j in range(d):
        hi, lo = logit_u.copy(), logit_u.copy()
        hi[j] += JACOBIAN_STEP
        lo[j] -= JACOBIAN_STEP
        up = sim.sales(special.expit(hi), crn).mean(axis=0)[:k]
        down = sim.sales(special.expit(lo), crn).mean(axis=0)[:k]
        jac[:, j] = m_hat * (up - down) / (2 * JACOBIAN_STEP)
    jac[:, d] = pred  # d pred / d log M
    cov = np.cov(fresh, rowvar=False).reshape(k, k)
    cov = 0.5 * cov + 0.5 * np.diag(np.diag(cov))
    # At least one simulated adopter's worth of variance per period, so a period where
    # every run sold nothing does not claim perfect precision.
    cov += np.eye(k) * (m_hat / sim.graphs.get(sim.base.network, crn[0]).n) ** 2
    cov *= 1 + 1 / replicates  # the fit compares the data with a mean of `replicates` runs
    weight = np.linalg.inv(cov)
    resid = y - pred
    dof = k - d - int(fit_market)
    dispersion = max(1.0, float(resid @ weight @ resid) / dof) if dof > 0 else 1.0
    prior = np.diag([3 / math.pi**2] * d + [0.0])  # uniform on the range = logistic on logit
    if not fit_market:
        jac, prior = jac[:, :d], prior[:d, :d]
    precision = jac.T @ weight @ jac / dispersion + prior
    full = np.linalg.inv(precision)
    market_sd = float(math.sqrt(full[d, d])) if fit_market else 0.0
    return full[:d, :d], market_sd, dispersion


@dataclass(frozen=True)
class Forecast:
    """Hold-out forecast errors of the calibrated model and of a Bass fit on the same split.

    Attributes:
        fit_periods: Periods used for fitting.
        table: Per hold-out period: observed, model mean, Bass forecast.
        model_rmse: The model's root mean squared error over the hold-out.
        bass_rmse: The Bass fit's over the same periods (nan if the fit failed).
        model_mape: The model's mean absolute percentage error (periods with sales > 0).
        bass_mape: The Bass fit's.
    """

    fit_periods: int
    table: pd.DataFrame
    model_rmse: float
    bass_rmse: float
    model_mape: float
    bass_mape: float

    def describe(self) -> str:
        """The comparison in plain words."""
        h = len(self.table)
        if math.isnan(self.bass_rmse):
            verdict = "the Bass fit failed on the fitted periods, so only the model forecasts"
        elif self.model_rmse < self.bass_rmse:
            verdict = "the network model forecasts better here"
        else:
            verdict = "the Bass curve forecasts as well or better here"
        return (f"Forecast of the last {h} periods from the first {self.fit_periods}: model "
                f"RMSE {self.model_rmse:,.4g} (MAPE {self.model_mape:.1%}), Bass RMSE "
                f"{self.bass_rmse:,.4g} (MAPE {self.bass_mape:.1%}); {verdict}.")


def forecast_errors(result: CalibrationResult, bass_form: str = "difference") -> Forecast:
    """Compare the calibrated model's hold-out forecast with a Bass fit on the same periods."""
    k, obs = result.fit_periods, result.observed
    y_out = obs.new[k:]
    t_out = np.arange(k + 1, len(obs) + 1)
    try:
        bass = fit_bass(obs.new[:k], form=bass_form).predict(t_out)
    except ParameterError:
        bass = np.full(y_out.shape, np.nan)
    model = result.mean[k:len(obs)]

    def mape(pred: np.ndarray) -> float:
        ok = y_out > 0
        return float(np.mean(np.abs(pred[ok] - y_out[ok]) / y_out[ok])) if ok.any() else math.nan

    table = pd.DataFrame({"period": obs.periods[k:], "observed": y_out, "model": model,
                          "bass": bass})
    return Forecast(k, table, float(np.sqrt(np.mean((model - y_out) ** 2))),
                    float(np.sqrt(np.mean((bass - y_out) ** 2))), mape(model), mape(bass))
