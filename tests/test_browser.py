"""The classroom web app in a real browser (Debian's chromium driven by Playwright).

Starts ``python -m simulation.serve`` on a free port and fails on any request to a host
other than localhost, any failed request or HTTP error, and any console error, so it also
checks that the page works offline.
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
    from simulation.offline_assets import missing

    gaps = missing()
    assert not gaps, f"offline assets missing: {gaps}; run python -m simulation.offline_assets"
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with open(log_path, "w") as log:  # a file, not a pipe: a full pipe would block the server
        proc = subprocess.Popen([sys.executable, "-m", "simulation.serve", "--port", str(port)],
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
    """Step and counts per state as shown on the page."""
    box = page.locator(".peerbuy-state-counts")
    counts = {}
    for state in STATES:
        text = box.locator(f'[data-state="{state}"] b').inner_text()
        counts[state] = int(text)
    return {"step": int(box.get_attribute("data-step")), "counts": counts}


def _wait_step(page, predicate, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            s = _summary(page)
            if predicate(s["step"]):
                return s
        except Exception:  # the box is re-rendered between reads
            pass
        assert time.monotonic() < deadline, "page did not reach the expected step"
        page.wait_for_timeout(200)


def _open(context, url: str, watch: PageWatch):
    page = context.new_page()
    watch.attach(page)
    page.goto(url)
    page.wait_for_selector(".peerbuy-state-counts", timeout=90_000)
    return page


def _button(page, name: str):
    return page.get_by_role("button", name=re.compile(rf"^\s*{re.escape(name)}\s*$", re.I))


def test_classroom_page_in_chromium(server_url, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    watch = PageWatch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1500, "height": 1100})
            page = _open(context, server_url, watch)
            start = _wait_step(page, lambda s: s == 0)
            assert sum(start["counts"].values()) == 300

            # Step: the day advances one at a time and the counts move.
            for k in range(1, 4):
                _button(page, "Step").click()
                _wait_step(page, lambda s, k=k: s == k)
            stepped = _summary(page)
            assert stepped["counts"] != start["counts"]

            # Play, then pause: it runs on by itself and stops when paused.
            _button(page, "\u25b6").click()
            _wait_step(page, lambda s: s >= 7)
            _button(page, "\u275a\u275a").click()
            # A step already under way when Pause is clicked still finishes and shows.
            paused, deadline = _summary(page)["step"], time.monotonic() + 20
            while True:
                page.wait_for_timeout(2000)
                now = _summary(page)["step"]
                if now == paused:
                    break
                assert time.monotonic() < deadline, "the model kept running after Pause"
                paused = now
            assert _summary(page)["counts"] != start["counts"]

            # Move the "Consumers" slider one notch (300 -> 350), then Reset applies it.
            slider = page.locator(".v-input").filter(has_text="Consumers").locator(
                "[role=slider]")
            slider.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(500)
            _button(page, "Reset").click()
            reset = _wait_step(page, lambda s: s == 0)
            deadline = time.monotonic() + 30
            while sum(reset["counts"].values()) != 350 and time.monotonic() < deadline:
                page.wait_for_timeout(200)
                reset = _wait_step(page, lambda s: s == 0)
            assert sum(reset["counts"].values()) == 350, reset

            # A second tab has its own model: the defaults, and stepping it leaves tab 1 alone.
            _button(page, "Step").click()
            _wait_step(page, lambda s: s == 1)
            other = _open(context, server_url, watch)
            fresh = _wait_step(other, lambda s: s == 0)
            assert sum(fresh["counts"].values()) == 300
            for k in range(1, 3):
                _button(other, "Step").click()
                _wait_step(other, lambda s, k=k: s == k)
            page.wait_for_timeout(500)
            assert _summary(page)["step"] == 1
            assert sum(_summary(page)["counts"].values()) == 350

            # Images (network and charts) are drawn.
            assert page.locator("img").count() >= 5
            out = Path(os.environ.get("PEERBUY_SCREENSHOT_DIR")
                       or tmp_path_factory.mktemp("screenshots"))
            out.mkdir(parents=True, exist_ok=True)
            shot = out / "classroom_app.png"
            for k in range(2, 5):
                _button(page, "Step").click()
                _wait_step(page, lambda s, k=k: s == k)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(shot))
            print(f"screenshot: {shot}")
        finally:
            browser.close()
    assert not watch.problems, "\n".join(watch.problems)

