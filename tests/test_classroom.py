"""The classroom without Solara: the model and its twin, frames, layouts, controls, serving."""

from __future__ import annotations

import base64
import colorsys
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from models.journey import STATE_COLUMNS
from models.model import MarketModel
from models.params import ConsumerParams, ParameterError, ProductParams
from models.strategies import STRATEGY_NAMES, Ads, InfluencerSeeding
from simulation.classroom import controls, layout, palette, serve
from simulation.classroom.model import (
    CLASSROOM_NETWORKS,
    ClassroomModel,
    baseline_series,
    funnel,
    graph_and_layout,
    network_params,
    parse_seed,
    series,
)
from simulation.classroom.session import ROW_COLUMNS, Session
from simulation.networks.generators import NetworkParams, build_network
from simulation.running.runner import RunParams, run


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_each_strategy_steps_and_renders(strategy):
    model = ClassroomModel(strategy=strategy, n=60, seed="3")
    for _ in range(4):
        model.step()
    assert model.baseline is not None and model.baseline.steps == model.steps == 4
    assert np.bincount(model.states(), minlength=7).sum() == 60
    if strategy == "baseline":  # the twin faces the same draws with the same (no) strategy
        assert series(model, "adopters") == baseline_series(model, "adopters")


@pytest.mark.parametrize("network", CLASSROOM_NETWORKS)
def test_each_network_steps_and_renders(network):
    model = ClassroomModel(network=network, n=60, seed=1, compare_baseline=False)
    for _ in range(3):
        model.step()
    expected_n = {"karate": 34}.get(network, 60)
    assert model.graph.n == expected_n
    assert model.layout.shape == (expected_n, 2) and np.isfinite(model.layout).all()
    assert np.abs(model.layout).max() <= 1.05


@pytest.mark.parametrize("engine", ["agent", "vectorized"])
def test_model_is_built_exactly_like_a_run(engine):
    """Same values and seed as a runner run on either engine: the same trajectory.

    The agent engine (Mesa agents) is the independent oracle of the page's array engine.
    """
    model = ClassroomModel(strategy="ads", ad_reach=0.05, n=80, seed=5)
    for _ in range(15):
        model.step()
    ran = run(RunParams(network=network_params("barabasi_albert", 80),
                        consumer=model.consumer, product=model.product,
                        strategies=model.strategies, seed=5, steps=15, engine=engine))
    for column in ("adopters", "reviews", *STATE_COLUMNS):
        assert series(model, column) == ran.timeseries[column].tolist(), column
    assert np.array_equal(model.states(), ran.final["state"])
    alone = run(RunParams(network=network_params("barabasi_albert", 80),
                          consumer=model.consumer, product=model.product, seed=5, steps=15,
                          engine=engine))
    assert baseline_series(model, "adopters") == alone.timeseries["adopters"].tolist()
    assert series(model, "adopters")[-1] > baseline_series(model, "adopters")[-1]


def test_funnel_and_states_match_the_agent_engine():
    """The page's array counts, checked against Mesa agents stepped alongside (an oracle)."""
    model = ClassroomModel(strategy="influencer_seeding", n_influencers=6, n=120, seed=9)
    agents = MarketModel(model.graph, consumer=model.consumer, product=model.product,
                         strategies=model.strategies, rng=9)
    for _ in range(20):
        model.step()
        agents.step()
    people = [a for a in agents.consumers if not a.is_seed]
    assert funnel(model.market) == {
        "aware": sum(a.ever_aware for a in people),
        "researching": sum(a.ever_researched for a in people),
        "purchased": sum(a.adopted for a in people),
    }
    assert funnel(model.market)["purchased"] > 0
    assert model.states().tolist() == [int(a.state) for a in agents.consumers]
    assert np.flatnonzero(model.seed_mask()).tolist() == \
        [i for i, a in enumerate(agents.consumers) if a.is_seed]


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
    assert a.market.state is not b.market.state
    assert a.baseline is not b.baseline


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
    assert model.graph.n == 200


# --- frames: what the browser is sent ---------------------------------------------------


class BrowserMirror:
    """What network_view.vue and charts_view.vue keep, rebuilt from frames in Python."""

    def __init__(self) -> None:
        self.states: list[int] = []
        self.rows: list[list] = []
        self.seq = -1

    def apply(self, frame: dict) -> None:
        if "full" in frame:
            self.states = [int(c) for c in frame["full"]]
        else:
            assert frame["base"] == self.seq, "a delta on a frame the browser never got"
            pairs = frame["changes"]
            for i, s in zip(pairs[::2], pairs[1::2], strict=True):
                self.states[i] = s
        self.seq = frame["seq"]
        if frame["replace"]:
            self.rows = list(frame["rows"])
        else:
            assert not frame["rows"] or frame["rows"][0][0] == self.rows[-1][0] + 1
            self.rows += frame["rows"]


def _values(**kw):
    return {**controls.defaults(), "n": 120, **kw}


def test_frames_rebuild_the_model_exactly():
    session = Session(_values(seed="6"))
    mirror = BrowserMirror()
    mirror.apply(session.frame())
    deltas = 0
    for _ in range(25):
        session.step()
        frame = session.frame()
        deltas += "changes" in frame
        mirror.apply(frame)
        assert mirror.states == session.model.states().tolist()
    assert deltas == 25  # after the first, only changes travel
    model = session.model
    days = [r[0] for r in mirror.rows]
    assert days == list(range(26))
    for k, column in enumerate(ROW_COLUMNS[1:], start=1):
        if column == "baseline_adopters":
            expected = baseline_series(model, "adopters")
        elif column == "avg_rating":
            expected = [None if x != x else round(x, 3) for x in series(model, column)]
        else:
            expected = series(model, column)
        assert [r[k] for r in mirror.rows] == expected, column


def test_day_zero_and_small_numbers():
    session = Session(_values(strategy="influencer_seeding", n_influencers=5))
    frame = session.frame()
    assert frame["day"] == 0 and frame["rows"] == [frame["rows"][0]] and frame["replace"]
    summary = frame["summary"]
    # Seeded influencers start as purchased, but "has bought" counts only customers.
    assert summary["adopters"] == 0 and summary["seeds"] == 5
    assert frame["full"].count("3") == 5
    assert summary["rating"] is None  # no reviews yet: "none yet", not NaN or 0 stars
    assert json.loads(json.dumps(frame, allow_nan=False)) == frame


def test_a_delta_is_small_and_a_full_frame_is_sent_when_asked():
    session = Session(_values(n=1000))
    session.frame()
    sizes = []
    for _ in range(30):
        session.step()
        sizes.append(len(json.dumps(session.frame())))
    assert max(sizes) <= 20 * 1024
    session.resync()
    full = session.frame()
    assert "full" in full and len(full["full"]) == 1000 and len(full["rows"]) == 31


def test_baseline_switched_on_live_sends_its_whole_history():
    session = Session(_values(compare_baseline=False, seed="3"))
    mirror = BrowserMirror()
    mirror.apply(session.frame())
    for _ in range(6):
        session.step()
        mirror.apply(session.frame())
    assert all(r[ROW_COLUMNS.index("baseline_adopters")] is None for r in mirror.rows)
    session.set_compare(True)
    mirror.apply(session.frame())
    alone = ClassroomModel(**{**controls.model_values(_values(seed="3")), "strategy": "baseline",
                              "compare_baseline": False})
    for _ in range(6):
        alone.step()
    assert [r[ROW_COLUMNS.index("baseline_adopters")] for r in mirror.rows] == \
        series(alone, "adopters")


def test_play_stops_at_the_end_day():
    session = Session(_values(end_day=3))
    stepped = [session.step() for _ in range(5)]
    assert stepped == [True, True, True, False, False] and session.day == 3
    session.set_end_day(4)
    assert session.step() and session.finished


def test_reset_starts_a_new_picture():
    session = Session(_values())
    first = session.graph()
    session.step()
    session.reset(_values(network="watts_strogatz", n=200))
    graph, frame = session.graph(), session.frame()
    assert graph["id"] != first["id"] and frame["graph"] == graph["id"]
    xy = np.frombuffer(base64.b64decode(graph["xy"]), dtype="<u2").reshape(-1, 2)
    assert graph["n"] == 200 and len(xy) == 200 and len(frame["full"]) == 200
    expected = np.rint((session.model.layout + 1.05) / 2.1 * 1000)
    assert np.array_equal(xy, expected)
    ties = np.frombuffer(base64.b64decode(graph["ties"]), dtype="<u2").reshape(-1, 2)
    assert len(ties) == session.model.graph.nx_graph.number_of_edges()
    assert frame["day"] == 0


# --- layouts that show the structure ----------------------------------------------------


def test_watts_strogatz_is_drawn_as_its_ring():
    model = ClassroomModel(network="watts_strogatz", n=100, seed=1, compare_baseline=False)
    radius = np.hypot(*model.layout.T)
    assert np.allclose(radius, 1.0)
    angle = np.unwrap(np.arctan2(model.layout[:, 1], model.layout[:, 0]))
    assert np.all(np.diff(angle) > 0)  # neighbours on the lattice sit side by side


def test_communities_are_drawn_apart():
    params = network_params("stochastic_block", 400)
    graph = build_network(params, 2)
    pos = layout.network_layout(graph, 2, "stochastic_block", params.blocks)
    sizes = layout.block_sizes(400, params.blocks)
    labels = np.repeat(np.arange(params.blocks), sizes)
    centres = np.array([pos[labels == b].mean(axis=0) for b in range(params.blocks)])
    nearest = np.argmin(((pos[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    assert (nearest == labels).all()


def test_force_layout_is_seeded_and_fits_the_panel():
    graph = build_network(NetworkParams(name="barabasi_albert", n=300), 4)
    a = layout.network_layout(graph, 4, "barabasi_albert")
    b = layout.network_layout(graph, 4, "barabasi_albert")
    assert np.array_equal(a, b) and np.abs(a).max() <= 1.05
    assert a[:, 0].max() - a[:, 0].min() > 1.5  # it fills the panel, not a dot in the middle
    # Ties pull friends together: a tie is shorter than a random pair, on average.
    u, v = layout.ties(graph)
    tie = np.hypot(*(a[u] - a[v]).T).mean()
    i, j = np.random.default_rng(0).integers(0, 300, (2, 5000))
    assert tie < 0.7 * np.hypot(*(a[i] - a[j]).T).mean()


# --- palette -----------------------------------------------------------------------------


def _hls(colour: str) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))


def test_has_bought_is_one_colour_family():
    hues = {s: _hls(palette.STATE_FILL[s])[0] for s in STATE_COLUMNS}
    bought = [hues[s] for s in palette.BOUGHT]
    assert max(bought) - min(bought) < 0.03  # one hue, three lightnesses
    for state in set(STATE_COLUMNS) - set(palette.BOUGHT) - {"unaware"}:
        assert min(abs(hues[state] - h) for h in bought) > 0.08, state
    assert len(set(palette.STATE_FILL.values())) == len(STATE_COLUMNS)
    chromatic = {"aware", "researching", "purchased", "rejected"}
    assert {palette.STATE_FILL[s] for s in chromatic} <= set(palette.OKABE_ITO.values())


# --- controls ----------------------------------------------------------------------------


@pytest.mark.parametrize(("owner", "key", "kwargs"), [
    (ConsumerParams, "share_prob", {}), (ConsumerParams, "review_prob", {}),
    (ProductParams, "quality", {}), (Ads, "reach", {}), (InfluencerSeeding, "k", {}),
])
def test_parameter_spec_ranges_are_what_the_dataclasses_accept(owner, key, kwargs):
    """The adapter's range, checked against the dataclass itself (an independent oracle)."""
    spec = controls.parameter_spec(owner, key)
    integer = isinstance(spec.default, int)
    owner(**{key: type(spec.default)(spec.low)})
    if spec.high is not None:
        owner(**{key: type(spec.default)(spec.high)})
        with pytest.raises(ParameterError, match=key):
            owner(**{key: spec.high + (1 if integer else 0.01)})
    with pytest.raises(ParameterError, match=key):
        owner(**{key: spec.low - (1 if integer else 0.01)})
    assert spec.label and spec.unit


def test_sliders_stay_inside_the_allowed_ranges():
    for slider in controls.SLIDERS:
        values = controls.defaults()
        for value in (slider.low, slider.high):
            values[slider.key] = int(value) if float(slider.step).is_integer() else value
            ClassroomModel(**{**controls.model_values(values), "compare_baseline": False})


def test_slider_values_read_as_words():
    assert controls.SLIDER["share_prob"].text(0.15) == "15 % per day"
    assert controls.SLIDER["ad_reach"].text(0.025) == "2.5 % per day"
    assert controls.SLIDER["quality"].text(4.0) == "4.0 stars"
    assert controls.SLIDER["n"].text(3000) == "3,000 consumers"


def test_irrelevant_controls_are_hidden():
    values = controls.defaults()
    assert controls.applies("targeting", values) and controls.applies("n_influencers", values)
    assert not controls.applies("ad_reach", values)
    ads = {**values, "strategy": "ads"}
    assert controls.applies("ad_reach", ads) and not controls.applies("targeting", ads)
    assert not controls.applies("n_influencers", ads)
    assert not controls.applies("n", {**values, "network": "karate"})
    assert controls.applies("share_prob", ads)


# --- serving ---------------------------------------------------------------------------


def test_a_taken_port_is_one_plain_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "simulation.classroom", "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: port {port} on 127.0.0.1 is taken (is the app already running?): "
        "stop the other server or pass --port N (--port 0 picks a free one)")
    assert done.stdout == ""  # no URL printed for a server that is not there


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator: Linux")
def test_the_server_reexecutes_itself_on_glibcs_allocator():
    env = {k: v for k, v in os.environ.items() if k not in serve.ALLOCATOR_ENV}
    proc = subprocess.Popen([sys.executable, "-m", "simulation.classroom", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env)
    try:
        assert proc.stdout.readline().startswith("peerbuy classroom page: http://127.0.0.1:")
        with open(f"/proc/{proc.pid}/environ", "rb") as f:  # same process id after exec
            environ = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if item)
    finally:
        proc.terminate()
        proc.wait(30)
        proc.stdout.close()
    assert environ[b"PYTHONMALLOC"] == b"malloc"
    assert environ[b"MALLOC_ARENA_MAX"] == b"2"


def test_capacity_estimate(monkeypatch):
    monkeypatch.setattr(serve, "CORE_SHARE", 0.8)
    monkeypatch.setattr(serve, "FRAME_OVERHEAD", 0.0035)
    # By hand: 0.8 of a core / ((4.5 + 3.5) ms per day * 9 days/s) = 11.1 -> 11 tabs.
    assert serve.capacity(0.0045, rate=9) == 11
    assert serve.capacity(0.0045, rate=18) == 5  # 5.6
    assert serve.capacity(10.0) == 1
    address = serve.lan_address()
    assert address is None or not address.startswith("127.")
