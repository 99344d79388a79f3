"""The classroom page rendered in-process (Solara, no browser): sessions, events, Reset."""

from __future__ import annotations

import base64

import numpy as np
import pytest

pytest.importorskip("solara", reason="the viz extra is not installed (pip install -e '.[viz]')")

import ipyvue
import ipyvuetify as v
import solara

from simulation.classroom import page
from simulation.classroom.lesson import SCENARIOS


def views(rc):
    """The network view and the charts view widgets of a rendered page."""
    found = [w for w in rc.find(ipyvue.VueTemplate).widgets if hasattr(w, "frame")]
    network = next(w for w in found if hasattr(w, "vue_advance"))
    charts = next(w for w in found if not hasattr(w, "vue_advance"))
    return network, charts


def html_text(rc) -> str:
    """All HTML the page shows through solara.HTML."""
    return " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)


def test_each_tab_has_its_own_session_and_only_deltas_travel():
    _, rc1 = solara.render(page.Page(), handle_error=False)
    _, rc2 = solara.render(page.Page(), handle_error=False)
    net1, charts1 = views(rc1)
    net2, _ = views(rc2)
    assert net1.frame["day"] == 0 and "full" in net1.frame
    for day in (1, 2, 3):
        net1.vue_advance({})  # what the browser's Step button sends
        assert net1.frame["day"] == day and "changes" in net1.frame
        assert charts1.frame == net1.frame
    assert net2.frame["day"] == 0
    xy = np.frombuffer(base64.b64decode(net1.graph["xy"]), dtype="<u2")
    assert len(xy) == 2 * net1.graph["n"] == 600 and xy.max() <= 1000


def test_reset_applies_the_controls_and_the_title_is_set():
    _, rc = solara.render(page.Page(), handle_error=False)
    net, _ = views(rc)
    net.vue_advance({})
    old_graph = net.graph["id"]
    rc.find(v.Btn, children=["Reset: apply and start at day 0"]).widget.fire_event("click", {})
    assert net.frame["day"] == 0 and net.graph["id"] != old_graph
    assert page.TITLE in html_text(rc)  # the page's heading


def test_a_scenario_sets_up_its_lesson():
    scenario = SCENARIOS[3]  # the ring
    _, rc = solara.render(page.Page(), handle_error=False)
    net, _ = views(rc)
    rc.find(v.Btn, children=[scenario.title]).widget.fire_event("click", {})
    assert net.graph["n"] == scenario.values["n"]
    assert net.frame["day"] == 0
    assert scenario.notice in html_text(rc)


def test_the_baseline_switch_works_live():
    _, rc = solara.render(page.Page(), handle_error=False)
    net, _ = views(rc)
    for _ in range(3):
        net.vue_advance({})
    assert net.frame["summary"]["baseline"] is not None
    rc.find(v.Switch).widget.v_model = False
    assert net.frame["summary"]["baseline"] is None and net.frame["day"] == 3
    rc.find(v.Switch).widget.v_model = True
    assert net.frame["summary"]["baseline"] is not None and net.frame["replace"]
    assert len(net.frame["rows"]) == 4


def test_closing_the_last_tab_drops_the_network_cache():
    from simulation.classroom.model import graph_and_layout

    _, rc = solara.render(page.Page(), handle_error=False)
    opened = page.OPEN_TABS.count
    assert opened >= 1 and graph_and_layout.cache_info().currsize >= 1
    rc.close()  # what Solara does when the tab's kernel closes
    assert page.OPEN_TABS.count == opened - 1
    tabs = page._OpenTabs()
    first, second = tabs.opened(), tabs.opened()
    first()
    assert graph_and_layout.cache_info().currsize >= 1  # one tab still open
    second()
    assert graph_and_layout.cache_info().currsize == 0
