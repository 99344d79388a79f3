"""The classroom web app in a real browser (Debian's chromium driven by Playwright).

Starts ``python -m simulation.classroom`` on a free port and fails on any request to a host
other than localhost, any failed request or HTTP error, and any console error, so it also
checks that the page works offline. One tab at 1280x720 (with a screenshot), then ten tabs
at once.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("PEERBUY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
STATES = ("unaware", "aware", "researching", "purchased", "follow_up", "dormant", "rejected")


def _missing_reason() -> str | None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"chromium not found at {CHROMIUM} (apt-get install -y chromium; .ci/viz-setup.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[viz]')"
    try:
        import solara  # noqa: F401
    except ImportError:
        return "solara is not installed (pip install -e '.[viz]')"
    return None


_REASON = _missing_reason()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(_REASON is not None, reason=_REASON or ""),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """The documented command, on a free port; stopped (by its pid) after the module."""
    from simulation.classroom.offline_assets import missing

    gaps = missing()
    assert not gaps, (f"offline assets missing: {gaps}; "
                      "run python -m simulation.classroom.offline_assets")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with open(log_path, "w") as log:  # a file, not a pipe: a full pipe would block the server
        proc = subprocess.Popen([sys.executable, "-m", "simulation.classroom", "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 90
    while True:
        assert proc.poll() is None, f"server exited: {log_path.read_text()}"
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, "server did not answer within 90 s"
        time.sleep(0.5)
    assert url in log_path.read_text().splitlines()[0], "serve did not print the URL first"
    assert "Cookies" not in log_path.read_text(), "a warning per page load"
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class PageWatch:
    """Collects what must not happen: non-local requests, failures, console errors."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def attach(self, page) -> None:
        def on_request(req):
            host = urlparse(req.url).hostname
            if req.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS:
                self.problems.append(f"request to a non-local host: {req.url}")

        page.on("request", on_request)
        page.on("requestfailed", lambda r: self.problems.append(
            f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(
            f"HTTP {r.status}: {r.url}"))
        page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console error: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))


def _summary(page) -> dict:
    """Day and counts per state as the page shows them."""
    counts = {}
    for state in STATES:
        counts[state] = int(page.locator(f'.pb-count[data-state="{state}"] b').inner_text())
    return {"day": int(page.locator(".pb-day").get_attribute("data-day")), "counts": counts}


def _wait_day(page, predicate, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            s = _summary(page)
            if predicate(s["day"]):
                return s
        except Exception:  # the view is re-rendered between reads
            pass
        assert time.monotonic() < deadline, "page did not reach the expected day"
        page.wait_for_timeout(100)


def _open(context, url: str, watch: PageWatch, wait: bool = True):
    page = context.new_page()
    watch.attach(page)
    page.goto(url, wait_until="commit")
    if wait:
        page.wait_for_selector(".pb-day", timeout=90_000)
    return page


def _button(page, name: str):
    return page.get_by_role("button", name=re.compile(rf"^\s*{re.escape(name)}\s*$", re.I))


def _pause(page) -> None:
    """Pause a playing tab; a tab that reached its end day has stopped by itself.

    On a loaded machine a tab can play to the end day while the others are being paused,
    and there the play button is disabled, so it is clicked only while enabled.
    """
    play = page.locator(".pb-play")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not play.is_enabled():
            return
        try:
            play.click(timeout=2_000)
            return
        except Exception:  # re-rendered or disabled between the check and the click
            continue
    raise AssertionError("the play button stayed enabled but could not be clicked")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_classroom_page_in_chromium(server_url, browser, tmp_path_factory):
    watch = PageWatch()
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = _open(context, server_url, watch)
    assert page.title() == "peerbuy: word of mouth in the classroom"
    start = _wait_day(page, lambda d: d == 0)
    assert sum(start["counts"].values()) == 300
    assert page.locator(".pb-bought").get_attribute("data-adopters") == "0"

    # Step: the day advances one at a time and the counts move.
    for k in range(1, 4):
        _button(page, "Step").click()
        _wait_day(page, lambda d, k=k: d == k)
    assert _summary(page)["counts"] != start["counts"]

    # Play, then pause: it runs on by itself and stops when paused.
    _button(page, "\u25b6 Play").click()
    _wait_day(page, lambda d: d >= 10)
    _button(page, "\u275a\u275a Pause").click()
    paused = _summary(page)["day"]
    page.wait_for_timeout(1500)
    assert _summary(page)["day"] <= paused + 1  # a day already asked for still arrives

    # Values are shown beside their labels; a slider change waits for Reset.
    consumers = page.locator(".pb-control").filter(has_text="Consumers")
    assert "300 consumers" in consumers.inner_text()
    consumers.locator("[role=slider]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    assert "350 consumers" in consumers.inner_text()
    assert "press Reset to apply" in page.inner_text("body")
    _button(page, "Reset: apply and start at day 0").click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        reset = _wait_day(page, lambda d: d == 0)
        if sum(reset["counts"].values()) == 350:
            break
        page.wait_for_timeout(200)
    assert sum(reset["counts"].values()) == 350, reset

    # The lesson panel and the scenario buttons are on the page.
    for text in ("About", "Things to notice", "Things to try", "Hubs vs random seeding"):
        assert page.get_by_text(text, exact=True).first.is_visible(), text
    for k in range(1, 6):
        _button(page, "Step").click()
        _wait_day(page, lambda d, k=k: d == k)
    page.wait_for_timeout(500)
    out = Path(os.environ.get("PEERBUY_SCREENSHOT_DIR")
               or tmp_path_factory.mktemp("screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    shot = out / "classroom_1280x720.png"
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")
    context.close()
    assert not watch.problems, "\n".join(watch.problems)


def test_ten_sessions_at_once(server_url, browser):
    """Ten tabs, each with its own model: stepped and played at once, none disturbs another."""
    watch = PageWatch()
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    pages = [_open(context, server_url, watch, wait=False) for _ in range(10)]  # all at once
    for page in pages:
        page.wait_for_selector(".pb-day", timeout=120_000)
        _wait_day(page, lambda d: d == 0)
    for i, page in enumerate(pages):  # tab i is stepped i % 3 + 1 times
        for _ in range(i % 3 + 1):
            _button(page, "Step").click()
    for i, page in enumerate(pages):
        _wait_day(page, lambda d, i=i: d == i % 3 + 1)
    page.wait_for_timeout(500)
    assert [_summary(p)["day"] for p in pages] == [i % 3 + 1 for i in range(10)]
    # All ten play together; each moves on.
    before = [_summary(p)["day"] for p in pages]
    for page in pages:
        _button(page, "\u25b6 Play").click()
    pages[0].wait_for_timeout(3000)
    for page in pages:
        _pause(page)
    after = [_summary(p)["day"] for p in pages]
    assert all(a >= b + 2 for a, b in zip(after, before, strict=True)), (before, after)
    context.close()
    assert not watch.problems, "\n".join(watch.problems)
