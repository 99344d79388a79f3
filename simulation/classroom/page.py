"""The classroom page (Solara): controls, the live network and charts, and the lesson.

The server steps the tab's model and sends a small frame of what changed; the network
and charts are drawn in the browser (``network_view.vue``, ``charts_view.vue``). Play is
paced by the browser: it asks for the next day once it has drawn the last one, so a busy
server slows each tab down instead of queueing work. Start: ``python -m simulation.classroom``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import markdown
import solara
import solara.lab

from models.journey import STATE_COLUMNS
from models.params import ParameterError
from simulation.classroom.controls import (
    MAX_END_DAY,
    NETWORK_LABEL,
    SLIDER,
    STRATEGY_LABEL,
    TARGETING_LABEL,
    applies,
    defaults,
)
from simulation.classroom.lesson import ABOUT, NOTICE, SCENARIOS, TRY
from simulation.classroom.model import MAX_N_COMPLETE, graph_and_layout, parse_seed
from simulation.classroom.palette import STATE_FILL_LIST, STATE_LABEL
from simulation.classroom.session import Session

TITLE = "peerbuy: word of mouth in the classroom"
COLOURS = list(STATE_FILL_LIST)
LABELS = [STATE_LABEL[c] for c in STATE_COLUMNS]
#: Most days one frame may carry when a playing tab falls behind its speed.
MAX_DAYS_PER_FRAME = 5
#: Controls that take effect at once; every other control waits for Reset.
LIVE_KEYS = ("compare_baseline", "end_day")

CSS = """
.pb-page { display: grid; grid-template-columns: 290px minmax(360px, 1fr) 330px;
  grid-template-rows: auto 1fr; height: 100vh; gap: 0 14px; padding: 0 12px 8px 12px;
  box-sizing: border-box; overflow: hidden; font-size: 15px; color: #1a1a1a; }
.pb-header { grid-column: 1 / 4; display: flex; align-items: center; gap: 16px;
  flex-wrap: wrap; padding: 4px 0 4px 0; border-bottom: 2px solid #00573F;
  margin-bottom: 6px; }
.pb-header h1 { font-size: 22px; margin: 0; font-weight: 700; color: #00573F; }
.pb-col { min-height: 0; overflow-y: auto; overflow-x: hidden; }
.pb-centre { min-height: 0; display: flex; flex-direction: column; }
.pb-right { min-height: 0; overflow-y: auto; overflow-x: hidden; }
.pb-lesson { border-top: 1px solid #ccc; margin-top: 6px; }
.pb-lesson .v-tab { text-transform: none !important; letter-spacing: 0 !important;
  min-width: 0 !important; padding: 0 10px !important; font-size: 15px !important; }
.pb-lesson .v-slide-group__prev, .pb-lesson .v-slide-group__next { display: none !important; }
.pb-control { margin: 2px 0 0 0; }
.pb-control .pb-label { font-size: 15px; display: flex; justify-content: space-between; }
.pb-control .pb-value { font-weight: 700; }
.pb-control .v-input__slot { margin-bottom: 0 !important; }
.pb-control .v-messages { display: none; }
.pb-control .v-input { margin-top: 0 !important; padding-top: 0 !important; }
.pb-note { font-size: 13.5px; color: #333; background: #f2f7f5; border-left: 4px solid #00573F;
  padding: 4px 8px; margin: 6px 0; }
.pb-pending { font-size: 14px; color: #8a3b00; font-weight: 600; }
.pb-error { font-size: 14px; color: #b00020; }
.pb-lesson-text { font-size: 14.5px; line-height: 1.35; }
.pb-lesson-text ul { padding-left: 18px; margin: 0; }
.pb-lesson-text p { margin: 4px 0; }
.pb-scenarios { align-items: center; flex-wrap: wrap; font-size: 15px; }
.pb-scenarios b { margin-right: 6px; }
.pb-scenarios .v-btn { text-transform: none !important; letter-spacing: 0 !important;
  font-size: 14px !important; margin: 2px 6px 2px 0; }
.pb-col .v-select__selection { font-size: 15px; }
@media (max-width: 1000px) {
  .pb-page { grid-template-columns: 1fr; grid-template-rows: auto; height: auto;
    overflow: visible; }
  .pb-header { grid-column: 1; }
  .pb-centre { height: 80vh; }
}
"""


@solara.component_vue("network_view.vue", vuetify=False)
def NetworkView(  # noqa: N802 (a Solara component)
    graph: dict,
    colours: list,
    labels: list,
    columns: list,
    event_advance: Callable[[Any], None],
    event_resync: Callable[[Any], None],
    frame: dict | None = None,
):
    """The network drawn on a canvas, the play controls and the counts."""


@solara.component_vue("charts_view.vue", vuetify=False)
def ChartsView(  # noqa: N802
    colours: list, labels: list, columns: list, strategy_label: str,
    frame: dict | None = None,
):
    """The charts drawn on canvases: has bought (with baseline), states, funnel."""


class Live:
    """A tab's session, and the two view widgets its frames go to.

    Frames are set straight on the widgets' ``frame`` trait, never through a reactive
    value: that sends just the frame, where a re-render would cost Solara tens of ms per
    day, and a re-render of the page (a control moved) never sends a stale frame. The
    picture (``graph``) changes only on Reset and is an ordinary reactive value.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self.session = Session(values)
        self.lock = threading.Lock()  # a step and a Reset may arrive together
        self.graph = solara.reactive(self.session.graph())
        self.widgets: list = []  # the views' widgets, once mounted

    def send(self, frame: dict) -> None:
        """Send a frame to both views."""
        for widget in self.widgets:
            widget.frame = frame

    def advance(self, data: Any = None) -> None:
        """Simulate the days the browser asks for, then send what changed.

        Step asks for one day; Play for the days due at its speed (at most
        ``MAX_DAYS_PER_FRAME``).
        """
        days = data.get("days", 1) if isinstance(data, dict) else 1
        days = min(max(int(days), 1), MAX_DAYS_PER_FRAME)
        with self.lock:
            stepped = [self.session.step() for _ in range(days)]
            if any(stepped):
                self.send(self.session.frame())

    def resync(self, _data: Any = None) -> None:
        """A view is new or missed a frame: send a full one."""
        with self.lock:
            self.session.resync()
            self.send(self.session.frame())

    def reset(self, values: dict[str, Any]) -> None:
        """A new model from ``values``: new picture, full frame."""
        with self.lock:
            self.session.reset(values)
            self.graph.value = self.session.graph()
            self.send(self.session.frame())

    def live_change(self, key: str, value: Any) -> None:
        """Apply a live control (baseline twin, end day) to the running model."""
        with self.lock:
            if key == "compare_baseline":
                self.session.set_compare(bool(value))
            else:
                self.session.set_end_day(int(value))
            self.send(self.session.frame())


def _register(live: Live, element: solara.Element) -> Callable[[], Callable[[], None]]:
    """An effect that hands the view's widget to ``live`` (and takes it back on unmount)."""
    def effect() -> Callable[[], None]:
        widget = solara.get_widget(element)
        live.widgets.append(widget)
        live.resync()
        return lambda: live.widgets.remove(widget)
    return effect


@solara.component
def NetworkPanel(live: Live):  # noqa: N802
    """The network with the play controls and counts, fed by the tab's frames."""
    element = NetworkView(graph=live.graph.value, colours=COLOURS, labels=LABELS,
                          columns=list(STATE_COLUMNS), event_advance=live.advance,
                          event_resync=live.resync)
    solara.use_effect(_register(live, element), [])
    return element


@solara.component
def ChartsPanel(live: Live):  # noqa: N802
    """The charts, fed by the tab's frames."""
    live.graph.use_value()  # re-render on Reset: the strategy's name may have changed
    element = ChartsView(colours=COLOURS, labels=LABELS, columns=list(STATE_COLUMNS),
                         strategy_label=STRATEGY_LABEL[live.session.values["strategy"]])
    solara.use_effect(_register(live, element), [])
    return element


def _row(label: str, value_text: str) -> solara.Element:
    return solara.HTML(tag="div", classes=["pb-label"],
                       unsafe_innerHTML=f"<span>{label}</span><span class='pb-value'>"
                                        f"{value_text}</span>")


@solara.component
def SliderControl(key: str, value: float, on_value: Callable, disabled: bool = False,  # noqa: N802
                  note: str = ""):
    """A slider whose value is always shown in words beside its label."""
    spec = SLIDER[key]
    with solara.Column(classes=["pb-control"], gap="0px") as main:
        _row(spec.label, note or spec.text(value))
        if spec.step == int(spec.step) and spec.low == int(spec.low):
            solara.SliderInt("", value=int(value), min=int(spec.low), max=int(spec.high),
                             step=int(spec.step), on_value=on_value, thumb_label=False,
                             disabled=disabled)
        else:
            solara.SliderFloat("", value=float(value), min=spec.low, max=spec.high,
                               step=spec.step, on_value=on_value, thumb_label=False,
                               disabled=disabled)
    return main


@solara.component
def Choice(label: str, value: str, names: dict[str, str], on_value: Callable):  # noqa: N802
    """A menu showing human labels for the model's names."""
    inverse = {v: k for k, v in names.items()}
    return solara.Select(label=label, value=names[value], values=list(names.values()),
                         on_value=lambda text: on_value(inverse[text]))


@solara.component
def Controls(values: dict, set_value: Callable, applied: dict, on_reset: Callable,  # noqa: N802
             seed_error: str):
    """The left column: every control, what applies when, and Reset."""
    pending = sorted(k for k in values if k not in LIVE_KEYS and values[k] != applied.get(k))
    with solara.Column(gap="2px") as main:
        Choice("Strategy", values["strategy"], STRATEGY_LABEL,
               lambda v: set_value("strategy", v))
        if applies("n_influencers", values):
            SliderControl("n_influencers", values["n_influencers"],
                          lambda v: set_value("n_influencers", v))
        if applies("targeting", values):
            Choice("Influencers chosen by", values["targeting"], TARGETING_LABEL,
                   lambda v: set_value("targeting", v))
        if applies("ad_reach", values):
            SliderControl("ad_reach", values["ad_reach"], lambda v: set_value("ad_reach", v))
        for key in ("share_prob", "review_prob", "quality"):
            SliderControl(key, values[key], lambda v, key=key: set_value(key, v))
        Choice("Network", values["network"], NETWORK_LABEL, lambda v: set_value("network", v))
        karate = values["network"] == "karate"
        capped = values["network"] == "complete" and values["n"] > MAX_N_COMPLETE
        SliderControl("n", values["n"], lambda v: set_value("n", v), disabled=karate,
                      note="34 (the real club)" if karate else
                      f"{MAX_N_COMPLETE} (most for this network)" if capped else "")
        solara.InputText("Seed (whole number; same seed, same run)", value=values["seed"],
                         on_value=lambda v: set_value("seed", v), continuous_update=True)
        if seed_error:
            solara.Text(seed_error, classes=["pb-error"])
        solara.Button("Reset: apply and start at day 0", color="primary", on_click=on_reset,
                      block=True, disabled=bool(seed_error))
        if pending:
            solara.Text("Changed since Reset: press Reset to apply.", classes=["pb-pending"])
        solara.HTML(tag="div", classes=["pb-note"], unsafe_innerHTML=(
            "Menus, sliders and the seed apply when you press <b>Reset</b>. "
            "These apply at once: the baseline switch, the end day and the speed."))
        solara.Switch(label="Compare with baseline (same people and luck, no strategy)",
                      value=values["compare_baseline"],
                      on_value=lambda v: set_value("compare_baseline", v))
        with solara.Column(classes=["pb-control"], gap="0px"):
            _row("End day (play stops)", f"day {values['end_day']}")
            solara.SliderInt("", value=values["end_day"], min=10, max=MAX_END_DAY, step=10,
                             on_value=lambda v: set_value("end_day", v), thumb_label=False)
    return main


@solara.component
def Scenarios(on_scenario: Callable):  # noqa: N802
    """The scenario buttons: each sets up a lesson and resets."""
    with solara.Row(classes=["pb-scenarios"], gap="0px") as main:
        solara.HTML(tag="b", unsafe_innerHTML="Lessons:")
        for scenario in SCENARIOS:
            solara.Button(scenario.title, small=True, outlined=True, color="#00573F",
                          on_click=lambda s=scenario: on_scenario(s))
    return main


@solara.component
def Lesson(notice: str):  # noqa: N802
    """The About / Things to notice / Things to try tabs, under the scenario's note."""
    with solara.Column(gap="4px") as main:
        if notice:
            solara.HTML(tag="div", classes=["pb-note"], unsafe_innerHTML=notice)
        with solara.lab.Tabs():
            for title, text in (("About", ABOUT), ("Things to notice", NOTICE),
                                ("Things to try", TRY)):
                with solara.lab.Tab(title):
                    solara.HTML(tag="div", classes=["pb-lesson-text"],
                                unsafe_innerHTML=markdown.markdown(text))
    return main


class _OpenTabs:
    """Counts open tabs; when the last closes, the cache of networks is dropped too.

    The cache (``graph_and_layout``) makes Reset fast and lets tabs share a picture;
    with no tab open it only holds memory.
    """

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def opened(self) -> Callable[[], None]:
        with self.lock:
            self.count += 1
        return self.closed

    def closed(self) -> None:
        with self.lock:
            self.count -= 1
            if self.count == 0:
                graph_and_layout.cache_clear()


OPEN_TABS = _OpenTabs()


@solara.component
def Page():  # noqa: N802
    """The page. Each browser tab (a Solara kernel) gets its own ``Live`` session."""
    values, set_values = solara.use_state(defaults())
    live = solara.use_memo(lambda: Live(defaults()), [])
    solara.use_effect(OPEN_TABS.opened, [])
    applied, set_applied = solara.use_state(dict(live.session.values))
    notice, set_notice = solara.use_state("")

    seed_error = ""
    try:
        parse_seed(values["seed"])
    except ParameterError as exc:
        seed_error = str(exc)

    def set_value(key: str, value: Any) -> None:
        set_values(lambda old: {**old, key: value})
        if key in LIVE_KEYS:
            live.live_change(key, value)

    def on_reset() -> None:
        live.reset(values)
        set_applied(dict(values))

    def on_scenario(scenario) -> None:
        new = {**defaults(), "compare_baseline": values["compare_baseline"],
               "end_day": values["end_day"], **scenario.values}
        set_values(new)
        live.reset(new)
        set_applied(dict(new))
        set_notice(f"<b>{scenario.title}.</b> {scenario.notice}")

    with solara.Div(classes=["pb-page"]) as main:
        with solara.Div(classes=["pb-header"]):
            solara.Title(TITLE)
            solara.Style(CSS)
            solara.HTML(tag="h1", unsafe_innerHTML=TITLE)
            Scenarios(on_scenario)
        with solara.Div(classes=["pb-col"]):
            Controls(values, set_value, applied, on_reset, seed_error)
        with solara.Div(classes=["pb-centre"]):
            NetworkPanel(live)
        with solara.Div(classes=["pb-right"]):
            with solara.Div(classes=["pb-charts-box"]):
                ChartsPanel(live)
            with solara.Div(classes=["pb-lesson"]):
                Lesson(notice)
    return main


@solara.component
def Layout(children: list | None = None):  # noqa: N802
    """No app bar, no page tabs: the page is the whole window."""
    return solara.Div(children=children or [])
