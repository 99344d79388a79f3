"""Measure the classroom server with browser tabs: ``python -m simulation.classroom.benchmark``.

Starts ``python -m simulation.classroom`` on a free port, opens 1, 10 and 30 tabs in Debian's
chromium (each its own session, at 1,000 consumers with the baseline twin), plays them all at
once (one tab at 20 days/s, a class at the page's default 10 days/s) and prints, per round:
days per second per tab, the latency of a Step click while the others play (timed in the
page, from the click to the new day drawn), bytes received per day, the server's and
chromium's CPU, and the server's memory before, during and after (all tabs closed). Also
times Reset at 3,000 consumers, and ends with the issue's targets as a MET / NOT MET table.
Chromium shares the machine with the server, so the figures are a lower bound for a class
where every student has their own computer.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time

from simulation.classroom.controls import MAX_END_DAY

CHROMIUM = os.environ.get("PEERBUY_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
        "--disable-backgrounding-occluded-windows"]
SCENARIO = "Hubs vs random seeding"
#: Seconds to wait at the end: longer than the server's cull timeout (60 s) for a tab that
#: vanished without its close beacon.
CULL_WAIT = 65  # 1,000 consumers, baseline twin on


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _button(page, name: str):
    return page.get_by_role("button", name=re.compile(rf"^\s*{re.escape(name)}\s*$"))


def _day(page) -> int:
    return int(page.locator(".pb-day").get_attribute("data-day"))


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


class Server:
    """The documented server command on a free port, watched with psutil."""

    def __init__(self) -> None:
        import psutil

        self.url = f"http://127.0.0.1:{_free_port()}/"
        port = self.url.rsplit(":", 1)[1].strip("/")
        self.proc = subprocess.Popen([sys.executable, "-m", "simulation.classroom", "--port", port],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ps = psutil.Process(self.proc.pid)

    def rss_mb(self) -> float:
        """Resident memory of the server process (MB)."""
        return self.ps.memory_info().rss / 2**20

    def cpu(self) -> float:
        """CPU seconds the server process has used."""
        t = self.ps.cpu_times()
        return t.user + t.system

    def browser_cpu(self) -> float:
        """CPU seconds used by this benchmark's other children: chromium and its driver."""
        import psutil

        total = 0.0
        for child in psutil.Process().children(recursive=True):
            if child.pid == self.proc.pid:
                continue
            try:
                t = child.cpu_times()
            except psutil.Error:  # a tab's process that just ended
                continue
            total += t.user + t.system
        return total

    def stop(self) -> None:
        """Stop the server (by its process id)."""
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def open_tabs(context, url: str, k: int, scenario: str | None) -> list:
    """Open ``k`` tabs at once, then set each up with ``scenario``."""
    pages = []
    for start in range(0, k, 5):  # five at a time: thirty page loads at once time out here
        batch = []
        for _ in range(min(5, k - start)):
            page = context.new_page()
            page.goto(url, wait_until="commit")
            batch.append(page)
        for page in batch:
            page.wait_for_selector(".pb-day", timeout=300_000)
            if scenario:
                _button(page, scenario).click()
        pages += batch
    if scenario:
        for page in pages:
            _wait(lambda p=page: p.locator(".pb-bought").inner_text().count("of 1000") == 1,
                  120, "scenario")
    return pages


def count_bytes(page, box: list[int]) -> None:
    """Add the size of every websocket message ``page`` receives to ``box[0]``."""
    def on_ws(ws):
        ws.on("framereceived", lambda payload: box.__setitem__(0, box[0] + len(payload)))
    page.on("websocket", on_ws)


def round_of(browser, server: Server, k: int, seconds: float, speed: int) -> dict:
    """Open ``k`` tabs, play them all for ``seconds``, time Step clicks, close them."""
    from playwright.sync_api import Error as PlaywrightError

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    received = [0]
    first = context.new_page()
    count_bytes(first, received)
    first.goto(server.url, wait_until="commit")
    first.wait_for_selector(".pb-day", timeout=300_000)
    _button(first, SCENARIO).click()
    pages = [first, *open_tabs(context, server.url, k - 1, SCENARIO)]
    _wait(lambda: "of 1000" in first.locator(".pb-bought").inner_text(), 120, "scenario")
    for page in pages:
        page.locator(".pb-speed select").select_option(str(speed))
        end = page.locator(".pb-control").filter(has_text="End day").locator("[role=slider]")
        for _ in range(10):  # day 365, so no tab stops during the round
            try:
                end.scroll_into_view_if_needed(timeout=10_000)
                end.focus(timeout=10_000)
                page.keyboard.press("End")
                _wait(lambda p=page: "of 365" in p.locator(".pb-day").inner_text(), 10, "end")
                break
            except (TimeoutError, PlaywrightError):  # the slider was re-rendered: again
                continue
        else:
            raise TimeoutError("could not set the end day to 365")
    start_days = [_day(p) for p in pages]
    bytes0, cpu0, t0 = received[0], server.cpu(), time.monotonic()
    browser0 = server.browser_cpu()
    started = []  # each tab's clock starts at its own Play click (clicks take a while)
    for page in pages:
        _button(page, "\u25b6 Play").click()
        started.append(time.monotonic())
    # Play ends before the end day, which a tab keeping its speed would otherwise reach.
    time.sleep(min(seconds, (MAX_END_DAY - 60) / speed))
    days, read = [], []
    for page in pages:
        days.append(_day(page))
        read.append(time.monotonic())
    elapsed, cpu1, bytes1 = time.monotonic() - t0, server.cpu(), received[0]
    browser1 = server.browser_cpu()
    # A tab that reached its end day stopped early: its figure is a lower bound.
    rates = [(d - s) / (r - c) for d, s, r, c in zip(days, start_days, read, started,
                                                      strict=True)]
    # Step latency on the last tab started (the first may have played to its end day while
    # the others were being started), while the others keep playing.
    probe = pages[-1]
    pause = _button(probe, "\u275a\u275a Pause")
    if pause.count():  # (a tab may have stopped by itself: it reached the end day)
        pause.click(timeout=60_000)
    time.sleep(1.0)
    latencies, driver = [], []  # in the page (click to day drawn); as the driver sees it
    day_label = probe.locator(".pb-day")
    for _ in range(5):
        before = _day(probe)
        if before >= MAX_END_DAY - 5:
            break
        clicked = time.monotonic()
        _button(probe, "Step").click()
        _wait(lambda b=before: _day(probe) > b, 60, "step")
        driver.append(time.monotonic() - clicked)
        latencies.append(float(day_label.get_attribute("data-step-ms")) / 1000)
        time.sleep(0.3)
    rss_during = server.rss_mb()
    steps = sum(d - s for d, s in zip(days, start_days, strict=True))
    first_steps = days[0] - start_days[0]
    for page in pages:  # like closing a tab: pagehide sends Solara's close beacon
        page.goto("about:blank")
    context.close()
    return {
        "tabs": k,
        "days_per_s_min": min(rates),
        "days_per_s_median": statistics.median(rates),
        "step_latency_max": max(latencies) if latencies else float("nan"),
        "step_latency_median": statistics.median(latencies) if latencies else float("nan"),
        "driver_latency_max": max(driver) if driver else float("nan"),
        "kib_per_day": (bytes1 - bytes0) / 1024 / max(first_steps, 1),
        "server_cpu_ms_per_day": 1000 * (cpu1 - cpu0) / max(steps, 1),
        "server_cpu_share": (cpu1 - cpu0) / elapsed,
        "browser_cpu_share": (browser1 - browser0) / elapsed,
        "rss_during_mb": rss_during,
    }


#: Notes the time of a click on Reset in the page (performance.now(), ms).
RESET_CLICK_JS = """() => document.addEventListener("click", (e) => {
  const b = e.target.closest("button");
  if (b && /^\\s*reset/i.test(b.innerText)) { window.pbResetAt = performance.now(); }
}, true)"""
#: Reset click to the new network on the screen (ms), from the view's data attributes.
RESET_MS_JS = """(id) => {
  const net = document.querySelector(".pb-net");
  const at = Number(net.dataset.drawnAt);
  return net.dataset.graphId === String(id) && at > window.pbResetAt ? at - window.pbResetAt : null;
}"""


def reset_time(browser, server: Server, repeats: int = 3) -> dict[str, list[float]]:
    """Reset at 3,000 consumers, a new seed each time (a new graph and layout).

    Timed in the page from the click to the new network drawn on the screen (``page``),
    as the driver sees it (``driver``: adds Playwright's own round trips), and the
    server's CPU seconds for it (``cpu``).
    """
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_selector(".pb-day", timeout=300_000)
    page.evaluate(RESET_CLICK_JS)
    slider = page.locator(".pb-control").filter(has_text="Consumers").locator("[role=slider]")
    slider.focus()
    page.keyboard.press("End")
    _wait(lambda: "3,000 consumers" in page.locator(".pb-col").inner_text(), 30, "slider")
    seed = page.get_by_label(re.compile("Seed"))
    times: dict[str, list[float]] = {"page": [], "driver": [], "cpu": []}
    for r in range(repeats):
        seed.fill(str(1000 + r))  # a new seed: a new graph and layout, nothing cached
        page.wait_for_timeout(300)
        graph_id = int(page.locator(".pb-net").get_attribute("data-graph-id")) + 1
        clicked, cpu0 = time.monotonic(), server.cpu()
        _button(page, "Reset: apply and start at day 0").click()
        _wait(lambda g=graph_id: page.evaluate(RESET_MS_JS, g) is not None
              and "of 3000" in page.locator(".pb-bought").inner_text()
              and _day(page) == 0, 60, "reset")
        times["driver"].append(time.monotonic() - clicked)
        times["cpu"].append(server.cpu() - cpu0)
        times["page"].append(page.evaluate(RESET_MS_JS, graph_id) / 1000)
        _button(page, "Step").click()
        _wait(lambda: _day(page) == 1, 30, "step")
    page.goto("about:blank")
    context.close()
    return times


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m simulation.classroom.benchmark",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--seconds", type=float, default=20.0, help="play time per round")
    parser.add_argument("--speed", type=int, default=20,
                        help="days/s the single tab asks for (the 10 steps/s target)")
    parser.add_argument("--class-speed", type=int, default=10,
                        help="days/s each tab asks for with several tabs (the page's default)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    server = Server()
    try:
        _wait(lambda: _answers(server.url), 120, "server start")
        rss_start = server.rss_mb()
        print(f"server memory at start (started, warmed up, one page served, no tab yet): "
              f"{rss_start:.0f} MB", flush=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            reset = reset_time(browser, server)
            resets = reset["page"]
            print("Reset at 3,000 consumers (new seed each time), click to new network drawn: "
                  + ", ".join(f"{t:.2f} s" for t in resets) + " in the page ("
                  + ", ".join(f"{t:.2f} s" for t in reset["driver"]) + " as the driver sees "
                  "it), server CPU " + ", ".join(f"{t:.2f} s" for t in reset["cpu"])
                  + f" ({_load()})", flush=True)
            # Warm-up: two tabs play a little and close, so one-time costs (imports,
            # compiled templates, caches) are in "before" and only sessions are measured.
            round_of(browser, server, 2, 3.0, args.class_speed)
            time.sleep(10)
            rss_before = server.rss_mb()
            print(f"server memory before: {rss_before:.0f} MB ({_load()})", flush=True)
            rounds = {}
            for k in args.tabs:
                speed = args.speed if k == 1 else args.class_speed
                r = rounds[k] = round_of(browser, server, k, args.seconds, speed)
                print(f"{k:>3} tabs at 1,000 consumers (+ baseline twin), asking {speed}"
                      f" days/s: per tab min {r['days_per_s_min']:.1f}, median "
                      f"{r['days_per_s_median']:.1f} days/s; Step click answered in "
                      f"median {r['step_latency_median']:.2f} s, max "
                      f"{r['step_latency_max']:.2f} s (driver saw max "
                      f"{r['driver_latency_max']:.2f} s); {r['kib_per_day']:.1f} KiB received "
                      f"per day (tab 1); server CPU {r['server_cpu_ms_per_day']:.1f} ms per "
                      f"day, busy {100 * r['server_cpu_share']:.0f} % of a core; chromium busy "
                      f"{100 * r['browser_cpu_share']:.0f} % of a core; memory "
                      f"{r['rss_during_mb']:.0f} MB ({_load()})", flush=True)
                time.sleep(10)  # closed tabs are freed at once (beacon), swept a moment later
                print(f"    server memory after these tabs closed: {server.rss_mb():.0f} MB",
                      flush=True)
            browser.close()
        time.sleep(CULL_WAIT)  # past the server's cull timeout: every kernel is gone
        rss_after = server.rss_mb()
        print(f"server memory after all tabs closed (+{CULL_WAIT} s): {rss_after:.0f} MB "
              f"({100 * (rss_after / rss_start - 1):+.0f} % of the server's start, "
              f"{100 * (rss_after / rss_before - 1):+.0f} % of before the rounds) ({_load()})")
        print(targets(resets, rounds, rss_start, rss_after))
    finally:
        server.stop()
    return 0


def targets(resets: list[float], rounds: dict[int, dict], rss_start: float,
            rss_after: float) -> str:
    """The issue's targets as a table: measured figure and MET / NOT MET."""
    lines = ["", "target                                              measured      verdict"]

    def row(what: str, figure: str, ok: bool) -> None:
        lines.append(f"{what:<52}{figure:<14}{'MET' if ok else 'NOT MET'}")

    if 1 in rounds:
        rate = rounds[1]["days_per_s_min"]
        row("one session: >= 10 steps/s at 1,000 consumers", f"{rate:.1f}/s", rate >= 10)
        kib = rounds[1]["kib_per_day"]
        row("bytes per step per session <= 20 KiB at 1,000", f"{kib:.1f} KiB", kib <= 20)
    row("Reset at 3,000 consumers <= 2 s (worst, in page)", f"{max(resets):.2f} s",
        max(resets) <= 2)
    for k in sorted(rounds):
        if k == 1:
            continue
        r = rounds[k]
        row(f"{k} sessions playing: each >= 1 step/s (slowest)",
            f"{r['days_per_s_min']:.1f}/s", r["days_per_s_min"] >= 1)
        row(f"{k} sessions playing: Step answered <= 1 s (worst)",
            f"{r['step_latency_max']:.2f} s", r["step_latency_max"] <= 1)
    change = rss_after / rss_start - 1
    row("server memory back within 20 % of start", f"{100 * change:+.0f} %", change <= 0.2)
    lines.append(f"({_load()}; wall-clock figures: the browser shares the machine)")
    return "\n".join(lines)


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
