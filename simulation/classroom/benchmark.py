"""Measure the classroom server with browser tabs: ``python -m simulation.classroom.benchmark``.

Starts ``python -m simulation.classroom`` on a free port, opens 1, 10 and 30 tabs in Debian's
chromium (each its own session), plays them all at once and prints, per round: days per
second per tab, the latency of a Step click while the others play, bytes received per day,
the server's CPU time per day, and its memory before, during and after (all tabs closed).
Also times Reset at 3,000 consumers. The browser shares the machine with the server, so
the figures are a lower bound for a class where every student has their own computer.
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

CHROMIUM = os.environ.get("PEERBUY_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
        "--disable-backgrounding-occluded-windows"]
SCENARIO = "Hubs vs random seeding"  # 1,000 consumers, baseline twin on


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
        for _ in range(5):  # day 365, so no tab stops during the round
            end.scroll_into_view_if_needed()
            end.focus()
            page.keyboard.press("End")
            try:
                _wait(lambda p=page: "of 365" in p.locator(".pb-day").inner_text(), 10, "end")
                break
            except TimeoutError:
                continue
    start_days = [_day(p) for p in pages]
    bytes0, cpu0, t0 = received[0], server.cpu(), time.monotonic()
    for page in pages:
        _button(page, "\u25b6 Play").click()
    time.sleep(seconds)
    days = [_day(p) for p in pages]
    elapsed, cpu1, bytes1 = time.monotonic() - t0, server.cpu(), received[0]
    rates = [(d - s) / elapsed for d, s in zip(days, start_days, strict=True)]
    # Step latency on the first tab while the others keep playing.
    _button(first, "\u275a\u275a Pause").click()
    time.sleep(1.0)
    latencies = []
    for _ in range(5):
        before = _day(first)
        if before >= 360:
            break
        clicked = time.monotonic()
        _button(first, "Step").click()
        _wait(lambda b=before: _day(first) > b, 60, "step")
        latencies.append(time.monotonic() - clicked)
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
        "kib_per_day": (bytes1 - bytes0) / 1024 / max(first_steps, 1),
        "server_cpu_ms_per_day": 1000 * (cpu1 - cpu0) / max(steps, 1),
        "server_cpu_share": (cpu1 - cpu0) / elapsed,
        "rss_during_mb": rss_during,
    }


def reset_time(browser, server: Server, repeats: int = 3) -> tuple[list[float], list[float]]:
    """Wall seconds from a Reset click at 3,000 consumers to the drawn day 0; server CPU s."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_selector(".pb-day", timeout=300_000)
    slider = page.locator(".pb-control").filter(has_text="Consumers").locator("[role=slider]")
    slider.focus()
    page.keyboard.press("End")
    _wait(lambda: "3,000 consumers" in page.locator(".pb-col").inner_text(), 30, "slider")
    seed = page.get_by_label(re.compile("Seed"))
    times, cpu = [], []
    for r in range(repeats):
        seed.fill(str(1000 + r))  # a new seed: a new graph and layout, nothing cached
        page.wait_for_timeout(300)
        clicked, cpu0 = time.monotonic(), server.cpu()
        _button(page, "Reset: apply and start at day 0").click()
        _wait(lambda: "of 3000" in page.locator(".pb-bought").inner_text()
              and _day(page) == 0, 60, "reset")
        times.append(time.monotonic() - clicked)
        cpu.append(server.cpu() - cpu0)
        _button(page, "Step").click()
        _wait(lambda: _day(page) == 1, 30, "step")
    page.goto("about:blank")
    context.close()
    return times, cpu


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m simulation.classroom.benchmark",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--seconds", type=float, default=20.0, help="play time per round")
    parser.add_argument("--speed", type=int, default=20, help="days/s each tab asks for")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    server = Server()
    try:
        _wait(lambda: _answers(server.url), 120, "server start")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            # Warm-up: one tab opened and closed (imports and caches are not sessions).
            context = browser.new_context()
            page = context.new_page()
            page.goto(server.url)
            page.wait_for_selector(".pb-day", timeout=300_000)
            page.goto("about:blank")
            context.close()
            time.sleep(5)
            rss_before = server.rss_mb()
            print(f"server memory before: {rss_before:.0f} MB ({_load()})", flush=True)
            resets, cpu = reset_time(browser, server)
            print("Reset at 3,000 consumers (new seed each time): "
                  + ", ".join(f"{t:.2f} s" for t in resets) + " wall, server CPU "
                  + ", ".join(f"{t:.2f} s" for t in cpu) + f" ({_load()})", flush=True)
            for k in args.tabs:
                r = round_of(browser, server, k, args.seconds, args.speed)
                print(f"{k:>3} tabs at 1,000 consumers (+ baseline twin), asking {args.speed}"
                      f" days/s: per tab min {r['days_per_s_min']:.1f}, median "
                      f"{r['days_per_s_median']:.1f} days/s; Step click answered in "
                      f"median {r['step_latency_median']:.2f} s, max "
                      f"{r['step_latency_max']:.2f} s; {r['kib_per_day']:.1f} KiB received "
                      f"per day (tab 1); server CPU {r['server_cpu_ms_per_day']:.1f} ms per "
                      f"day, busy {100 * r['server_cpu_share']:.0f} % of a core; memory "
                      f"{r['rss_during_mb']:.0f} MB ({_load()})", flush=True)
            browser.close()
        time.sleep(10)  # closed tabs are freed at once (beacon), give the gc a moment
        rss_after = server.rss_mb()
        print(f"server memory after all tabs closed: {rss_after:.0f} MB "
              f"({100 * (rss_after / rss_before - 1):+.0f} % of before) ({_load()})")
    finally:
        server.stop()
    return 0


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
