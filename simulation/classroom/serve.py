"""Serve the classroom page: ``python -m simulation.classroom [--host 0.0.0.0] [--port 8765]``.

Binds the port first (a taken port is a one-line error), then prints a URL that works
(the LAN address in classroom mode, with a capacity estimate) and runs Solara's server.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import socket
import sys
import threading
import time
import warnings

APP = "simulation.classroom.page"
DEFAULT_PORT = 8765
#: A tab whose browser vanished without saying goodbye (a crash, a lost network) is freed
#: after this long; a closed tab is freed at once.
CULL_TIMEOUT = "60s"
#: Seconds between prunes of the websocket threads of closed tabs (``serve``).
PRUNE_EVERY = 15
#: Days per second a playing tab asks for by default (the page's speed menu).
PLAY_RATE = 10
#: Share of one core the server may keep busy: Python runs one tab's step at a time (the
#: GIL), and some headroom keeps Step clicks answered quickly.
CORE_SHARE = 0.8
#: CPU seconds Solara spends per frame on top of the model (the event, the widget's state
#: as JSON, the websocket): measured with ``python -m simulation.classroom.benchmark``,
#: 6.0 ms of server CPU per day at 1,000 consumers of which 2.5 ms is the model and frame.
FRAME_OVERHEAD = 0.0035


#: The server runs Python on glibc's allocator with two heaps. Python's own small-object
#: allocator keeps a 1 MiB arena while any object in it lives, so a class's tabs, mixed
#: with the few objects that outlive them, left ~30 MB of arenas behind (measured: live
#: blocks +1.4 MB, arenas +29 MB after 32 tabs); glibc hands freed pages back on
#: ``malloc_trim`` (see ``page.release_memory``), and two heaps instead of one per thread
#: keep the freed space in few places.
ALLOCATOR_ENV = {"PYTHONMALLOC": "malloc", "MALLOC_ARENA_MAX": "2"}


def exec_with_allocator(argv: list[str]) -> None:
    """Restart this command under ``ALLOCATOR_ENV`` (Linux, unless PYTHONMALLOC is set).

    The allocator is chosen when Python starts, so the command re-executes itself once
    (same process id) before it binds its port.
    """
    if not sys.platform.startswith("linux") or "PYTHONMALLOC" in os.environ:
        return
    env = {**os.environ, **ALLOCATOR_ENV}
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "simulation.classroom", *argv], env)


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of the server: production mode, our page, no telemetry, tabs freed."""
    env = dict(os.environ if base is None else base)
    env["SOLARA_APP"] = APP
    env.setdefault("SOLARA_MODE", "production")
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # no internet in class
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT)
    env.setdefault("SOLARA_CHECK_HOOKS", "off")
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")  # it covers the lesson panel
    return env


def lan_address() -> str | None:
    """This machine's address on the local network, or None without one.

    Connecting a UDP socket sends nothing; it only asks the kernel which interface
    would be used.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.254.254.254", 1))
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one).

    Raises:
        SystemExit: Exit status 2 after a one-line message on stderr when the port is
            taken or not allowed.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            message = (f"error: port {port} on {host} is taken (is the app already running?): "
                       "stop the other server or pass --port N (--port 0 picks a free one)")
        else:
            message = f"error: cannot listen on {host}:{port}: {exc.strerror}"
        print(message, file=sys.stderr)
        raise SystemExit(2) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def step_cost(n: int = 300, days: int = 20) -> float:
    """CPU seconds per day of one tab's model and frame (with its baseline twin), here."""
    from simulation.classroom.controls import defaults
    from simulation.classroom.session import Session

    session = Session({**defaults(), "n": n})
    start = time.process_time()
    for _ in range(days):
        session.step()
        session.frame()
    return (time.process_time() - start) / days


def capacity(cost: float, rate: float = PLAY_RATE) -> int:
    """Tabs that can play at ``rate`` days/s at once, given ``cost`` CPU s per day.

    Each day costs the model ``cost`` and Solara ``FRAME_OVERHEAD`` (a tab that falls
    behind asks for several days per frame, so this is the worst case), on
    ``CORE_SHARE`` of one core.
    """
    return max(1, int(CORE_SHARE / ((cost + FRAME_OVERHEAD) * rate)))


def main(argv: list[str] | None = None) -> int:
    """Command line: bind, print the URLs (and the capacity in classroom mode), serve."""
    parser = argparse.ArgumentParser(prog="python -m simulation.classroom",
                                     description="Serve the peerbuy classroom web page.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to listen on (default %(default)s: this machine "
                             "only; 0.0.0.0: classroom mode, students connect over the LAN)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port (default %(default)s; 0 picks a free one)")
    args = parser.parse_args(argv)
    if argv is None:  # the command line, not a caller in this process
        exec_with_allocator(sys.argv[1:])

    sock = bind(args.host, args.port)
    port = sock.getsockname()[1]
    os.environ.update(server_env())

    from simulation.classroom.offline_assets import missing

    gaps = missing()
    if gaps:
        print("warning: page assets not cached, the browser will need the internet: "
              + ", ".join(gaps) + "\n  fix: python -m simulation.classroom.offline_assets",
              file=sys.stderr)
    local = f"http://127.0.0.1:{port}/"
    # Warm up before serving: one model's days import what every tab needs (scipy's
    # statistics and optimisers alone are ~400 modules, 40 MB), so the first student does
    # not wait for them and the memory a class leaves behind is measured against a server
    # that has them (the start figure of ``python -m simulation.classroom.benchmark``).
    cost = step_cost()
    if args.host in ("0.0.0.0", "::"):
        lan = lan_address()
        print(f"peerbuy classroom page: {local}  (Ctrl-C to stop)")
        if lan:
            print(f"students open: http://{lan}:{port}/")
        else:
            print("no LAN address found: students cannot connect until this machine joins "
                  "a network")
        print(f"capacity here: about {capacity(cost)} tabs playing at {PLAY_RATE} days/s "
              f"with 300 consumers ({cost * 1000:.1f} ms of model per day); with more, "
              "every tab slows down evenly.", flush=True)
    else:
        url = local if args.host in ("127.0.0.1", "localhost") else f"http://{args.host}:{port}/"
        print(f"peerbuy classroom page: {url}  (Ctrl-C to stop)", flush=True)

    import uvicorn

    # Solara warns on every page load over plain http that it falls back to SameSite=lax
    # cookies; a classroom LAN is plain http and lax is what we want.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    config = uvicorn.Config("solara.server.starlette:app", log_level="warning",
                            ws_ping_interval=20, ws_ping_timeout=20)
    server = uvicorn.Server(config)
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(serve(server, sock))
    return 0


async def serve(server, sock: socket.socket) -> None:
    """Run ``server`` on ``sock``, pruning idle websocket threads while it runs.

    Solara handles each tab's websocket in a thread of anyio's pool; a closed tab's thread
    stays idle (its stack and heap with it) until the pool is next used, which stops the
    threads idle for 10 s or more. A no-op every ``PRUNE_EVERY`` seconds does that after
    a class leaves, and hands the memory back.
    """
    import anyio.to_thread

    from simulation.classroom.page import release_memory

    async def prune() -> None:
        threads = threading.active_count()
        while True:
            await asyncio.sleep(PRUNE_EVERY)
            await anyio.to_thread.run_sync(int)
            # The threads stopped by the last prune have ended: hand their heap back too.
            if threading.active_count() < threads:
                release_memory()
            threads = threading.active_count()

    pruner = asyncio.create_task(prune())
    try:
        await server.serve(sockets=[sock])
    finally:
        pruner.cancel()


if __name__ == "__main__":
    raise SystemExit(main())
