"""Summary metrics of one run, from its per-step table and the consumers' end state."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.journey import Channel
from models.params import ProductParams

#: Channels a paying adopter can be attributed to.
ATTRIBUTION_CHANNELS = (Channel.DISCOVERY, Channel.AD, Channel.SHARE, Channel.INFLUENCER)


def first_step_reaching(series: pd.Series, steps: pd.Series, level: float) -> int | None:
    """First step at which ``series`` reaches ``level``, or None if it never does."""
    hit = np.flatnonzero(series.to_numpy() >= level)
    return int(steps.iloc[hit[0]]) if hit.size else None


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den else None


def summarize(
    timeseries: pd.DataFrame, final: dict[str, np.ndarray], product: ProductParams
) -> dict[str, float | int | None]:
    """Compute the run's summary metrics.

    Args:
        timeseries: The per-step table (``models.market.TIMESERIES_COLUMNS``).
        final: End-state arrays: state, channel, adopted, is_seed, ever_aware,
            ever_researched.
        product: Product parameters (margin).

    Returns:
        A flat dict of metrics; ``None`` where a metric is undefined (e.g. time to 50 %
        adoption when half the population never adopts, or cost per acquisition with no
        adopters).
    """
    n = int(final["state"].size)
    ts = timeseries
    last = ts.iloc[-1]
    adopted, seed = final["adopted"], final["is_seed"]
    aware = final["ever_aware"] & ~seed
    researched = final["ever_researched"]
    adopters = int(adopted.sum())
    revenue = float(ts["revenue"].sum())
    spend = float(ts["spend"].sum())
    gross_profit = revenue * product.margin
    new = ts["new_adopters"]
    out: dict[str, float | int | None] = {
        "adopters": adopters,
        "adoption_rate": adopters / n,
        "seeded": int(seed.sum()),
        "reach": int(final["ever_aware"].sum()),
        "reach_rate": float(final["ever_aware"].mean()),
        "purchases": int(ts["purchases"].sum()),
        "repeat_purchases": int(ts["purchases"].sum()) - adopters,
        "time_to_10pct": first_step_reaching(ts["adopters"], ts["step"], 0.1 * n),
        "time_to_50pct": first_step_reaching(ts["adopters"], ts["step"], 0.5 * n),
        "peak_step": int(ts["step"].iloc[int(new.to_numpy().argmax())]) if new.max() > 0 else None,
        "peak_new_adopters": int(new.max()),
        "aware_to_research": _ratio(float((researched & aware).sum()), float(aware.sum())),
        "research_to_purchase": _ratio(float((researched & adopted).sum()),
                                       float(researched.sum())),
        "aware_to_purchase": _ratio(float((adopted & aware).sum()), float(aware.sum())),
        "rejected": int(last["rejected"]),
    }
    for ch in ATTRIBUTION_CHANNELS:
        out[f"adopters_via_{ch.name.lower()}"] = int((adopted & (final["channel"] == ch)).sum())
    avg = last["avg_rating"]
    out.update(
        reviews=int(last["reviews"]),
        avg_rating=None if pd.isna(avg) else float(avg),
        shares_positive=int(ts["shares_positive"].sum()),
        shares_negative=int(ts["shares_negative"].sum()),
        revenue=revenue,
        spend=spend,
        gross_profit=gross_profit,
        profit=gross_profit - spend,
        cpa=_ratio(spend, adopters),
    )
    return out
