"""Working backwards from the sale: touch paths, counterfactual values and Shapley values.

Every counterfactual run shares its seed (so its graph and every random draw, common
random numbers) with the run it is compared to; differences are paired by seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from models.journey import Channel
from models.strategies import Ads, Amplify, ContentIncentive, InfluencerSeeding
from simulation.analysis.compare import bootstrap_ci, decide, paired_lift
from simulation.analysis.shapley import MAX_EXACT, coalitions, shapley_exact, shapley_sampled
from simulation.networks.generators import build_network
from simulation.running.runner import RunParams, run

#: Channels that can be switched off, and what switching one off means.
CHANNELS = {
    "discovery": "no background discovery (consumer.discovery_prob = 0)",
    "ad": "no ads and no amplification",
    "influencer": "no influencer seeding",
}


@dataclass(frozen=True)
class Outcome:
    """One run's money and adopters, and (tracked runs) its buyers' touch paths."""

    seed: int
    adopters: int
    profit: float
    spend: float
    paths: pd.DataFrame | None = None


def run_once(params: RunParams, graph=None) -> Outcome:
    """Run ``params`` to its last day; with ``content.track`` keep the buyers' touch paths."""
    result = run(params, graph)
    s = result.summary
    paths = touch_paths(result.content, result.final) if params.content.track else None
    return Outcome(params.seed, int(s["adopters"]), float(s["profit"]), float(s["spend"]), paths)


def touch_paths(book, final: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per buyer: awareness channel, first and last content touch, all touches."""
    names = book.params.names
    buyers = np.flatnonzero(final["adopted"])

    def name(k: int) -> str:
        return names[k] if k >= 0 else "none"

    return pd.DataFrame({
        "consumer": buyers,
        "channel": [Channel(int(c)).name.lower() for c in final["channel"][buyers]],
        "first_touch": [name(int(k)) for k in book.first_touch[buyers]],
        "last_touch": [name(int(k)) for k in book.last_touch[buyers]],
        "touches": ["+".join(n for b, n in enumerate(names) if int(m) >> b & 1) or "none"
                    for m in book.touches[buyers]],
    })


def touch_summary(paths: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Per content type: buyers it touched at all, first and last (counts and shares)."""
    buyers = max(len(paths), 1)
    rows = []
    for n in [*names, "none"]:
        any_touch = (paths["touches"] == "none") if n == "none" else \
            paths["touches"].str.split("+").apply(lambda ts, n=n: n in ts)
        row = {"content_type": n, "buyers_touched": int(any_touch.sum()),
               "first_touch": int((paths["first_touch"] == n).sum()),
               "last_touch": int((paths["last_touch"] == n).sum())}
        row["share_touched"] = row["buyers_touched"] / buyers
        rows.append(row)
    return pd.DataFrame(rows)


def channel_summary(paths: pd.DataFrame) -> pd.DataFrame:
    """Buyers by awareness channel (last touch of the four channels) and content last touch."""
    return (paths.groupby(["channel", "last_touch"]).size().rename("buyers").reset_index()
            .sort_values(["channel", "buyers"], ascending=[True, False]))


def without_channel(params: RunParams, channel: str) -> RunParams:
    """``params`` with ``channel`` switched off (``CHANNELS``)."""
    if channel == "discovery":
        return replace(params, consumer=replace(params.consumer, discovery_prob=0.0))
    drop = (Ads, Amplify) if channel == "ad" else (InfluencerSeeding,)
    return replace(params, strategies=tuple(s for s in params.strategies
                                            if not isinstance(s, drop)))


def channels_of(params: RunParams) -> list[str]:
    """The channels this run has something to switch off in."""
    kinds = {type(s) for s in params.strategies}
    out = ["discovery"] if params.consumer.discovery_prob > 0 else []
    if kinds & {Ads, Amplify}:
        out.append("ad")
    if InfluencerSeeding in kinds:
        out.append("influencer")
    return out


def _ci_row(label: str, d_adopters: np.ndarray, d_profit: np.ndarray, **extra) -> dict:
    a, p = paired_lift(d_adopters, np.zeros_like(d_adopters)), \
        paired_lift(d_profit, np.zeros_like(d_profit))
    return {"arm": label, **extra, "pairs": a.n_pairs,
            "adopters": a.mean, "adopters_low": a.ci[0] if a.ci else math.nan,
            "adopters_high": a.ci[1] if a.ci else math.nan,
            "profit": p.mean, "profit_low": p.ci[0] if p.ci else math.nan,
            "profit_high": p.ci[1] if p.ci else math.nan}


@dataclass
class Decomposition:
    """What each content type (and channel) is worth, from runs paired by seed.

    Attributes:
        counterfactual: Per arm ("without photo", "without ad"): adopters and profit
            lost against the full run, mean and 95 % bootstrap CI over seeds.
        shapley: Per content type: Shapley value in adopters and profit (mean, CI), next
            to its last-touch and first-touch counts.
        efficiency: Sum of Shapley values vs the total incremental adopters of all
            content (full run minus no content), with its CI and the largest per-seed gap.
        paths: Touch paths of the full runs' buyers (all seeds).
        runs: One row per run (seed, coalition, adopters, profit).
    """

    counterfactual: pd.DataFrame
    shapley: pd.DataFrame
    efficiency: dict
    paths: pd.DataFrame
    runs: pd.DataFrame


def decompose(params: RunParams, replicates: int, *, permutations: int = 100,
              progress: Callable[[str], None] | None = None) -> Decomposition:
    """Touch paths, counterfactuals (each type and channel off) and Shapley values.

    Seeds ``params.seed .. + replicates - 1``; each seed's graph is built once and shared
    by all its runs. Shapley values are exact over every coalition of the enabled types
    when there are at most ``MAX_EXACT``, else estimated from ``permutations`` random
    orders per seed.
    """
    players = [t.name for t in params.content.types if t.enabled]
    exact = len(players) <= MAX_EXACT
    channels = channels_of(params)
    seeds = [params.seed + r for r in range(replicates)]
    rows, paths, values = [], [], {}
    for seed in seeds:
        base = replace(params, seed=seed)
        graph = build_network(base.network, seed)
        full = run_once(replace(base, content=replace(base.content, track=True)), graph)
        paths.append(full.paths.assign(seed=seed))
        cache: dict[frozenset, Outcome] = {frozenset(players): full}

        def v(s: frozenset, base=base, graph=graph, cache=cache) -> Outcome:
            if s not in cache:
                cache[s] = run_once(replace(base, content=base.content.only(s)), graph)
            return cache[s]

        if exact:
            for s in coalitions(players):
                v(s)
        else:
            rng = np.random.default_rng(seed)
            mean_a, _ = shapley_sampled(players, lambda s: v(s).adopters, permutations, rng)
            rng = np.random.default_rng(seed)
            mean_p, _ = shapley_sampled(players, lambda s: v(s).profit, permutations, rng)
            values[seed] = (mean_a, mean_p)
        for s, o in cache.items():
            rows.append({"seed": seed, "arm": "+".join(p for p in players if p in s) or "none",
                         "adopters": o.adopters, "profit": o.profit, "spend": o.spend})
        for ch in channels:
            o = run_once(without_channel(base, ch), graph)
            rows.append({"seed": seed, "arm": f"without {ch}", "adopters": o.adopters,
                         "profit": o.profit, "spend": o.spend})
        if exact:
            values[seed] = (
                shapley_exact(players, {s: o.adopters for s, o in cache.items()}),
                shapley_exact(players, {s: o.profit for s, o in cache.items()}))
        if progress:
            progress(f"seed {seed}: {len(cache) + len(channels)} runs")
    runs = pd.DataFrame(rows)
    wide_a = runs.pivot_table(index="seed", columns="arm", values="adopters")
    wide_p = runs.pivot_table(index="seed", columns="arm", values="profit")
    everything = "+".join(players)
    cf = []
    for p in players:
        rest = "+".join(q for q in players if q != p) or "none"
        cf.append(_ci_row(f"without {p}", (wide_a[everything] - wide_a[rest]).to_numpy(),
                          (wide_p[everything] - wide_p[rest]).to_numpy(), kind="content type"))
    for ch in channels:
        arm = f"without {ch}"
        cf.append(_ci_row(arm, (wide_a[everything] - wide_a[arm]).to_numpy(),
                          (wide_p[everything] - wide_p[arm]).to_numpy(), kind="channel"))
    counterfactual = pd.DataFrame(cf)
    all_paths = pd.concat(paths, ignore_index=True)
    touches = touch_summary(all_paths, players).set_index("content_type")
    sh = []
    for p in players:
        a = np.array([values[s][0][p] for s in seeds], dtype=float)
        pr = np.array([values[s][1][p] for s in seeds], dtype=float)
        row = _ci_row(p, a, pr)
        row.pop("arm")
        sh.append({"content_type": p, **row,
                   "last_touch_buyers": int(touches.loc[p, "last_touch"]) / replicates,
                   "first_touch_buyers": int(touches.loc[p, "first_touch"]) / replicates})
    shapley = pd.DataFrame(sh)
    total = (wide_a[everything] - wide_a["none"]).to_numpy(dtype=float)
    per_seed_sum = np.array([sum(values[s][0].values()) for s in seeds], dtype=float)
    ci = bootstrap_ci(total)
    efficiency = {
        "total_incremental_adopters": float(total.mean()),
        "total_ci": list(ci) if ci else None,
        "total_se": float(total.std(ddof=1) / math.sqrt(total.size)) if total.size > 1
        else math.nan,
        "shapley_sum": float(per_seed_sum.mean()),
        "largest_seed_gap": float(np.max(np.abs(per_seed_sum - total))),
        "method": "exact over every coalition" if exact
        else f"{permutations} random orders per seed",
        "replicates": replicates,
    }
    return Decomposition(counterfactual, shapley, efficiency, all_paths, runs)


@dataclass
class IncentiveStudy:
    """Incentivising each content type at one budget, against no incentive (paired by seed).

    Attributes:
        table: Per type: incremental adopters and profit (mean, CI), spend, and
            incremental adopters per 1,000 of incentive spend.
        runs: One row per run.
        best: The type with the highest mean incremental profit.
        clear: Whether it beats every other type with Holm-adjusted p < 0.05.
        leaders: Types not significantly worse than the best.
    """

    table: pd.DataFrame
    runs: pd.DataFrame
    best: str
    clear: bool
    leaders: list[str]


def incentive_study(params: RunParams, types: Sequence[str], incentive: float,
                    replicates: int, *, objective: str = "profit",
                    progress: Callable[[str], None] | None = None) -> IncentiveStudy:
    """Pay for each of ``types`` in turn (``ContentIncentive``) with ``params.budget``.

    Every arm runs on the same seeds (graphs and draws) as the arm without incentive.
    """
    rows = []
    for r in range(replicates):
        base = replace(params, seed=params.seed + r)
        graph = build_network(base.network, base.seed)
        for arm in ["none", *types]:
            p = base if arm == "none" else replace(
                base, strategies=(*base.strategies,
                                  ContentIncentive(type=arm, incentive=incentive)))
            o = run_once(p, graph)
            rows.append({"seed": base.seed, "arm": arm, "adopters": o.adopters,
                         "profit": o.profit, "spend": o.spend})
        if progress:
            progress(f"seed {base.seed}: {len(types) + 1} runs")
    runs = pd.DataFrame(rows)
    wide = {m: runs.pivot_table(index="seed", columns="arm", values=m)
            for m in ("adopters", "profit", "spend")}
    table = []
    for t in types:
        row = _ci_row(t, (wide["adopters"][t] - wide["adopters"]["none"]).to_numpy(),
                      (wide["profit"][t] - wide["profit"]["none"]).to_numpy())
        spend = float((wide["spend"][t] - wide["spend"]["none"]).mean())
        row["incentive_spend"] = spend
        row["adopters_per_1000"] = row["adopters"] / spend * 1000 if spend > 0 else math.nan
        table.append(row)
    table = pd.DataFrame(table).rename(columns={"arm": "content_type"})
    d = decide(runs[runs["arm"] != "none"], ["arm"], objective)[0]
    return IncentiveStudy(table, runs, str(d.best), d.clear, [str(x) for x in d.leaders])


def _ci(low: float, high: float, digits: int = 1) -> str:
    return f"95% CI {low:,.{digits}f} to {high:,.{digits}f}"


def recommend_incentive(study: IncentiveStudy, budget: float | None) -> str:
    """The incentive study in plain words: per type, then which one to fund and why."""
    lines = []
    for r in study.table.sort_values("profit", ascending=False).itertuples():
        per = "" if math.isnan(r.adopters_per_1000) else \
            f"{r.adopters_per_1000:,.1f} extra purchases per 1,000 of incentive; "
        lines.append(f"- {r.content_type}: {per}{r.adopters:+,.1f} adopters "
                     f"({_ci(r.adopters_low, r.adopters_high)}), profit {r.profit:+,.0f} "
                     f"({_ci(r.profit_low, r.profit_high, 0)}), incentive spend "
                     f"{r.incentive_spend:,.0f}")
    best = study.table.set_index("content_type").loc[study.best]
    if study.clear:
        verdict = (f"Fund {study.best}: it adds the most profit, and beats every other type "
                   "(paired t-tests over seeds, Holm-corrected, p < 0.05).")
    else:
        others = [x for x in study.leaders if x != study.best]
        verdict = (f"{study.best} leads on profit, but not clearly: "
                   f"{', '.join(others)} cannot be told apart from it with these runs "
                   "(add replicates to decide).")
    if best["profit_high"] < 0:
        verdict += f" Even {study.best} loses money at this budget: do not fund incentives."
    head = (f"Incentivising each content type with the same budget "
            f"({'no cap' if budget is None else f'{budget:,.0f}'}), against no incentive:")
    return "\n".join([head, *lines, "", verdict])


def describe_decomposition(dec: Decomposition) -> str:
    """The decomposition in plain words: what each content type is worth."""
    sh = dec.shapley.sort_values("adopters", ascending=False)
    lines = ["What each kind of customer content is worth (Shapley value: its fair share of "
             "the adopters all content brings, averaged over every order of switching types "
             "on; same seeds, so paired):"]
    for r in sh.itertuples():
        lines.append(f"- {r.content_type}: {r.adopters:+,.1f} adopters "
                     f"({_ci(r.adopters_low, r.adopters_high)}), profit {r.profit:+,.0f} "
                     f"({_ci(r.profit_low, r.profit_high, 0)}); last touch of "
                     f"{r.last_touch_buyers:,.1f} buyers per run")
    e = dec.efficiency
    ci = e["total_ci"]
    lines += ["", f"All content together brings {e['total_incremental_adopters']:,.1f} "
              f"adopters per run" + (f" ({_ci(*ci)}; standard error {e['total_se']:.2f})"
                                     if ci else "")
              + f"; the Shapley values sum to {e['shapley_sum']:,.1f} "
              f"(largest per-seed gap {e['largest_seed_gap']:.2g}; {e['method']})."]
    top = sh.iloc[0]
    lines += ["", f"Encourage {top.content_type} first: it is worth the most adopters. "
              "Last-touch counts credit the content seen just before buying; the Shapley "
              "value credits what the purchase would have lost without it."]
    return "\n".join(lines)
