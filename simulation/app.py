"""The classroom web app: a Mesa SolaraViz page showing word of mouth live.

Start it with ``python -m simulation.serve`` (or ``solara run simulation.app``).
"""

from __future__ import annotations

import html

import solara
from matplotlib.figure import Figure
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import force_update

from models.journey import STATE_COLUMNS
from models.mesa_compat import without_viz_scenario
from models.params import ParameterError
from models.strategies import STRATEGY_NAMES
from models.targeting import TARGETING
from simulation.classroom import (
    CLASSROOM_NETWORKS,
    MAX_N,
    ClassroomModel,
    baseline_series,
    funnel,
    parse_seed,
    series,
)
from simulation.live_charts import adoption_figure, funnel_figure, reviews_figure, states_figure
from simulation.netdraw import draw_network
from simulation.plots import STATE_COLOURS

TITLE = "peerbuy: word of mouth in the classroom"

#: The page's controls; each key is a keyword of ``ClassroomModel``. Changes apply on Reset.
model_params = {
    "strategy": {"type": "Select", "value": "influencer_seeding", "label": "Strategy",
                 "values": list(STRATEGY_NAMES)},
    "n_influencers": Slider("Influencers seeded", 10, 1, 50, 1),
    "targeting": {"type": "Select", "value": "degree", "label": "Influencer targeting",
                  "values": list(TARGETING)},
    "ad_reach": Slider("Ad reach per day", 0.02, 0.0, 0.2, 0.005),
    "share_prob": Slider("Share probability per day", 0.15, 0.0, 1.0, 0.01),
    "review_prob": Slider("Review probability per day", 0.05, 0.0, 0.5, 0.01),
    "quality": Slider("Product quality (stars)", 4.0, 1.0, 5.0, 0.1),
    "network": {"type": "Select", "value": "barabasi_albert", "label": "Network",
                "values": list(CLASSROOM_NETWORKS)},
    "n": Slider("Consumers", 300, 50, MAX_N, 50),
    "compare_baseline": {"type": "Checkbox", "value": True, "label": "Compare with baseline"},
    "seed": {"type": "InputText", "value": "42", "label": "Seed (whole number)"},
}


class PageModel(ClassroomModel):
    """``ClassroomModel`` for the page: a bad seed is reported, not fatal.

    A seed box that is not a whole number is reported on the page and the default seed
    is used: an exception in Reset would replace the whole page with a traceback.
    """

    def __init__(self, seed: int | str = 42, **kwargs) -> None:
        """Build the model; see ``ClassroomModel`` for the keywords."""
        try:
            value, warning = parse_seed(seed), ""
        except ParameterError as exc:
            value = 42
            warning = f"{exc}: ran seed {value} instead"
        super().__init__(seed=value, **without_viz_scenario(kwargs))
        self.input_warning = warning


def default_values() -> dict:
    """The controls' starting values, as keyword arguments of ``ClassroomModel``."""
    return {k: (v.value if isinstance(v, Slider) else v["value"])
            for k, v in model_params.items()}


def network_figure(model: ClassroomModel) -> Figure:
    """The network coloured by journey state, seeded influencers outlined."""
    fig = Figure(figsize=(7.2, 5.2), dpi=80)
    ax = fig.add_axes((0.0, 0.0, 0.76, 0.93))
    draw_network(ax, model.layout, model.segments, model.states(), model.sizes,
                 model.seed_mask())
    ax.set_title(f"Day {model.steps}: {model.strategy_name} on {model.network_name} "
                 f"({model.social.n} consumers)", fontsize=10)
    return fig


def state_counts_html(model: ClassroomModel) -> str:
    """A one-line HTML summary: consumers per state with colour swatches, adopters, reviews."""
    counts = {c: int(model.record[c]) for c in STATE_COLUMNS}
    cells = "".join(
        f'<span class="peerbuy-count" data-state="{c}" style="margin-right:12px">'
        f'<span style="color:{STATE_COLOURS[c]}">\u25cf</span> {c.replace("_", "-")}: '
        f"<b>{k}</b></span>"
        for c, k in counts.items()
    )
    adopters = int(model.record["adopters"])
    extra = f"adopters: <b>{adopters}</b>"
    if model.baseline is not None:
        base = int(model.baseline.record["adopters"])
        extra += f" (baseline {base}, effect {adopters - base:+d})"
    rating = model.record["avg_rating"]
    stars = "none yet" if rating != rating else f"{rating:.2f}\u2605"  # NaN: no reviews
    extra += f" \u00b7 reviews: <b>{int(model.record['reviews'])}</b> \u00b7 rating: {stars}"
    warning = getattr(model, "input_warning", "")
    if warning:
        extra += f'<div style="color:#de2d26">{html.escape(warning)}</div>'
    return (f'<div class="peerbuy-state-counts" data-step="{model.steps}">'
            f"<div>Day <b>{model.steps}</b> \u00b7 {html.escape(model.strategy_name)}</div>"
            f"<div>{cells}</div><div>{extra}</div></div>")


# Components: plain functions of the model; SolaraViz re-renders them after every step.
def NetworkView(model: ClassroomModel):  # noqa: N802 (a Solara component)
    """The network drawing."""
    return solara.FigureMatplotlib(network_figure(model), format="png")


def StateCounts(model: ClassroomModel):  # noqa: N802
    """Counts per state and the baseline switch."""
    def on_compare(value: bool) -> None:
        model.set_compare(value)
        force_update()

    with solara.Column() as main:
        solara.HTML(tag="div", unsafe_innerHTML=state_counts_html(model))
        solara.Switch(label="Compare with baseline (same seed, no strategy)",
                      value=model.baseline is not None, on_value=on_compare)
    return main


def AdoptionChart(model: ClassroomModel):  # noqa: N802
    """Cumulative adopters, with the baseline twin's curve overlaid."""
    fig = adoption_figure(series(model, "adopters"), baseline_series(model, "adopters"),
                          model.social.n, label=model.strategy_name)
    return solara.FigureMatplotlib(fig, format="png")


def StatesChart(model: ClassroomModel):  # noqa: N802
    """Consumers per journey state over time."""
    fig = states_figure({c: series(model, c) for c in STATE_COLUMNS})
    return solara.FigureMatplotlib(fig, format="png")


def ReviewsChart(model: ClassroomModel):  # noqa: N802
    """Reviews and average rating over time."""
    fig = reviews_figure(series(model, "reviews"), series(model, "avg_rating"))
    return solara.FigureMatplotlib(fig, format="png")


def FunnelChart(model: ClassroomModel):  # noqa: N802
    """The funnel, with the baseline's beside it."""
    base = funnel(model.baseline) if model.baseline is not None else None
    return solara.FigureMatplotlib(funnel_figure(funnel(model), base, model.social.n),
                                   format="png")


COMPONENTS = [NetworkView, StateCounts, AdoptionChart, StatesChart, ReviewsChart, FunnelChart]


@solara.component
def Page():  # noqa: N802
    """The page. The model is created inside the component, so each browser tab has its own.

    (A model built at module level would be shared by every visitor until they press
    Reset: Solara runs this module once per server.)
    """
    model = solara.use_memo(lambda: PageModel(**default_values()), [])
    SolaraViz(model, components=COMPONENTS, model_params=model_params, name=TITLE,
              play_interval=150)
