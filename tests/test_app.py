"""The classroom web app without a browser: the model, its twin, the components, the page."""

from __future__ import annotations

import inspect
import re
import warnings

import numpy as np
import pytest

pytest.importorskip("solara", reason="the viz extra is not installed (pip install -e '.[viz]')")

import ipyvuetify as v
import ipywidgets as w
import solara

from models.journey import STATE_COLUMNS
from models.params import ParameterError
from models.strategies import STRATEGY_NAMES
from models.targeting import TARGETING
from simulation.runner import RunParams, run

with warnings.catch_warnings():
    # Solara's hook checker flags Mesa 3.3's own ComponentsView (a hook after an early
    # return) when mesa.visualization is imported; it is Mesa's code, not ours.
    warnings.filterwarnings("ignore", message="Failed to validate hooks for component "
                            "ComponentsView", category=UserWarning)
    from simulation import app

from simulation.classroom import (
    CLASSROOM_NETWORKS,
    ClassroomModel,
    baseline_series,
    funnel,
    graph_and_layout,
    network_params,
    parse_seed,
    series,
)


@solara.component
def Components(model):  # noqa: N802 (a Solara component)
    """Every component of the page, as Mesa's SolaraViz calls them."""
    with solara.Column() as main:
        for component in app.COMPONENTS:
            component(model)
    return main


@solara.component
def PageInLayout():  # noqa: N802
    """The page inside an AppLayout, so the sidebar (controls) is rendered too."""
    with solara.AppLayout():
        app.Page()


def shown(rc) -> tuple[int, dict[str, int], str]:
    """Step, counts per state and the raw HTML of the page's state summary."""
    (widget,) = rc.find(solara.widgets.HTML).widgets
    text = widget.unsafe_innerHTML
    step = int(re.search(r'data-step="(\d+)"', text).group(1))
    counts = {s: int(k) for s, k in
              re.findall(r'data-state="(\w+)".*?<b>(\d+)</b>', text)}
    return step, counts, text


def render_components(model):
    box, rc = solara.render(Components(model), handle_error=False)
    images = rc.find(w.Image).widgets
    return box, rc, images


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_each_strategy_steps_and_renders(strategy):
    model = ClassroomModel(strategy=strategy, n=60, seed="3")
    for _ in range(4):
        model.step()
    _, rc, images = render_components(model)
    assert len(images) == 5  # network, adoption, states, reviews, funnel
    assert all(len(im.value) > 1000 and bytes(im.value[:4]) == b"\x89PNG" for im in images)
    step, counts, text = shown(rc)
    assert step == 4 and set(counts) == set(STATE_COLUMNS)
    assert sum(counts.values()) == 60
    assert model.baseline is not None and model.baseline.steps == model.steps == 4
    if strategy == "baseline":  # the twin faces the same draws with the same (no) strategy
        assert series(model, "adopters") == baseline_series(model, "adopters")
        assert "effect +0" in text


@pytest.mark.parametrize("network", CLASSROOM_NETWORKS)
def test_each_network_steps_and_renders(network):
    model = ClassroomModel(network=network, n=60, seed=1, compare_baseline=False)
    for _ in range(3):
        model.step()
    _, rc, images = render_components(model)
    expected_n = {"karate": 34}.get(network, 60)
    assert model.social.n == expected_n
    assert model.layout.shape == (expected_n, 2) and np.isfinite(model.layout).all()
    assert sum(shown(rc)[1].values()) == expected_n
    assert len(images) == 5


def test_model_is_built_exactly_like_a_run():
    """Same values and seed as a runner run: the same trajectory, step for step."""
    model = ClassroomModel(strategy="ads", ad_reach=0.05, n=80, seed=5)
    for _ in range(15):
        model.step()
    ran = run(RunParams(network=network_params("barabasi_albert", 80),
                        consumer=model.consumer, product=model.product,
                        strategies=model.campaign.strategies, seed=5, steps=15, engine="agent"))
    assert series(model, "adopters") == ran.timeseries["adopters"].tolist()
    alone = run(RunParams(network=network_params("barabasi_albert", 80),
                          consumer=model.consumer, product=model.product, seed=5, steps=15,
                          engine="agent"))
    assert baseline_series(model, "adopters") == alone.timeseries["adopters"].tolist()
    assert series(model, "adopters")[-1] > baseline_series(model, "adopters")[-1]


def test_twin_switched_on_late_catches_up_and_stays_in_sync():
    late = ClassroomModel(strategy="influencer_seeding", n=80, seed=8, compare_baseline=False)
    early = ClassroomModel(strategy="influencer_seeding", n=80, seed=8, compare_baseline=True)
    for _ in range(7):
        late.step()
        early.step()
    assert late.baseline is None
    late.set_compare(True)
    assert late.baseline.steps == 7
    for _ in range(5):
        late.step()
        early.step()
    assert late.baseline.steps == late.steps == 12
    for column in ("adopters", "reviews", *STATE_COLUMNS):
        assert baseline_series(late, column) == baseline_series(early, column)
    assert funnel(late.baseline) == funnel(early.baseline)
    late.set_compare(False)
    assert late.baseline is None and baseline_series(late, "adopters") is None


def test_two_models_do_not_share_state():
    a = ClassroomModel(n=60, seed=2)
    b = ClassroomModel(n=60, seed=2)
    assert a.layout is b.layout  # the picture is cached per graph (read-only) ...
    assert not a.layout.flags.writeable
    for _ in range(10):
        a.step()
    assert b.steps == 0 and b.baseline.steps == 0  # ... but nothing else is shared
    assert series(b, "adopters") == [0]
    assert a.consumers[0] is not b.consumers[0]
    assert a.baseline is not b.baseline


def test_each_page_has_its_own_model():
    """Two sessions (renders of Page): stepping one leaves the other at day 0."""
    _, rc1 = solara.render(PageInLayout(), handle_error=False)
    _, rc2 = solara.render(PageInLayout(), handle_error=False)
    for _ in range(2):
        rc1.find(v.Btn, children=["Step"]).widget.fire_event("click", {})
    assert shown(rc1)[0] == 2
    assert shown(rc2)[0] == 0
    # The baseline switch drops and restores the twin of this page only.
    rc1.find(v.Switch).widget.v_model = False
    assert "baseline" not in shown(rc1)[2] and "baseline" in shown(rc2)[2]
    rc1.find(v.Switch).widget.v_model = True
    assert "baseline 0" in shown(rc1)[2] or re.search(r"baseline \d+", shown(rc1)[2])


def test_controls_match_the_model():
    """Every control is a keyword of ClassroomModel, its default is the model's default."""
    signature = inspect.signature(ClassroomModel.__init__).parameters
    defaults = app.default_values()
    assert set(defaults) == set(signature) - {"self"}
    for key, value in defaults.items():
        expected = signature[key].default
        assert (parse_seed(value) if key == "seed" else value) == expected, key
    assert app.model_params["strategy"]["values"] == list(STRATEGY_NAMES)
    assert app.model_params["targeting"]["values"] == list(TARGETING)
    assert app.model_params["network"]["values"] == list(CLASSROOM_NETWORKS)


def test_seed_box_text_is_cast_to_int():
    assert parse_seed("42") == 42
    assert parse_seed(" 7 ") == 7
    assert parse_seed(0) == 0
    assert ClassroomModel(n=30, seed="11").seed_value == 11
    for bad in ("abc", "-1", "1.5", ""):
        with pytest.raises(ParameterError, match="seed"):
            parse_seed(bad)


def test_bad_values_fail_with_the_key():
    with pytest.raises(ParameterError, match="network"):
        ClassroomModel(network="file", n=30)
    with pytest.raises(ParameterError, match="n = 5000"):
        ClassroomModel(n=5000)
    with pytest.raises(ParameterError, match="strategy"):
        ClassroomModel(strategy="spam", n=30)
    with pytest.raises(ParameterError, match="share_prob"):
        ClassroomModel(share_prob=1.5, n=30)


def test_layout_is_computed_once_per_graph():
    graph_and_layout.cache_clear()
    first = ClassroomModel(n=90, seed=4, compare_baseline=False)
    ClassroomModel(n=90, seed=4, strategy="ads", compare_baseline=False)
    info = graph_and_layout.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    before = first.layout.copy()
    for _ in range(3):
        first.step()
    assert np.array_equal(first.layout, before)


def test_complete_network_is_capped():
    model = ClassroomModel(network="complete", n=500, seed=0, compare_baseline=False)
    assert model.social.n == 200


def test_page_reports_a_bad_seed_instead_of_failing():
    model = app.PageModel(**{**app.default_values(), "n": 50, "seed": "abc"})
    assert model.seed_value == 42
    assert "seed = 'abc'" in model.input_warning
    assert "seed = &#x27;abc&#x27;" in app.state_counts_html(model)
    assert app.PageModel(**{**app.default_values(), "n": 50, "seed": " 9"}).input_warning == ""
