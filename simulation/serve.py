"""Start the classroom web app on this machine: ``python -m simulation.serve [--port 8765]``.

Wraps ``solara run simulation.app`` in production mode on 127.0.0.1 and prints the URL.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

APP = "simulation.app"


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the server: no telemetry (no internet in class), no hook warnings.

    Solara's hook checker warns about a component of Mesa 3.3's SolaraViz at import;
    the warning is about Mesa's code, not the page, so the server does not print it.
    """
    env = dict(os.environ if base is None else base)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    env.setdefault("SOLARA_CHECK_HOOKS", "off")
    return env


def command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
            "--production", "--no-open"]


def main(argv: list[str] | None = None) -> int:
    """Command line: check the offline assets, print the URL, then run the server."""
    parser = argparse.ArgumentParser(prog="python -m simulation.serve",
                                     description="Serve the peerbuy classroom web app.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to listen on (default %(default)s: this machine "
                             "only; 0.0.0.0 lets a classroom connect)")
    parser.add_argument("--port", type=int, default=8765, help="port (default %(default)s)")
    args = parser.parse_args(argv)

    from simulation.offline_assets import missing

    gaps = missing()
    if gaps:
        print("warning: page assets not cached, the browser will need the internet: "
              + ", ".join(gaps) + "\n  fix: python -m simulation.offline_assets", file=sys.stderr)
    print(f"peerbuy classroom app: http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    cmd = command(args.host, args.port)
    if os.name == "posix":
        # Become the server (same process id), so Ctrl-C and a signal reach it directly.
        os.execve(cmd[0], cmd, server_env())
    try:
        return subprocess.call(cmd, env=server_env())
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
