"""`govkpi dashboard [--store PATH] [--port P] [--host H]`: serves the Streamlit dashboard.

Runs `python -m streamlit run <packaged dashboard/app.py>` in a child process with the store
in GOVKPI_STORE. Listens on 127.0.0.1 unless told otherwise: the dashboard has no login, so
exposing it is a deliberate choice (`--host 0.0.0.0`). `serve()` is reused by `govkpi demo`.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path

from govkpi.commands.common import add_store_arg, resolve
from metrics.errors import UserError

log = logging.getLogger(__name__)

STORE_ENV = "GOVKPI_STORE"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "dashboard",
        help="serve the dashboard (Streamlit) on this machine",
        description=(
            "Serves the dashboard over the metric store: overview, indicator trends, "
            "drill-down, alerts, data freshness and the catalogue. Reads the store "
            "read-only and picks up a new compute without a restart. Stop with Ctrl+C."
        ),
    )
    add_store_arg(parser)
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    store = resolve(args.store, STORE_ENV, "--store")
    result = serve(store, args.host, args.port, wait=True)
    assert isinstance(result, int)
    return result


def app_path() -> Path:
    """The packaged entry point (works from a source checkout and from an install)."""
    import dashboard

    return Path(next(iter(dashboard.__path__))) / "app.py"


def streamlit_command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path()),
        "--server.headless",
        "true",
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        # No "Deploy" button or developer menu: the audience reads, it does not develop.
        "--client.toolbarMode",
        "viewer",
    ]


def child_environment(store_path: str) -> dict[str, str]:
    """The store for the app, and the project root importable by its pages."""
    env = dict(os.environ)
    env[STORE_ENV] = os.path.abspath(store_path)
    root = str(app_path().parent.parent)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([root, *[p for p in paths if p != root]])
    return env


def serve(
    store_path: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, wait: bool = True
) -> subprocess.Popen[bytes] | int:
    """Starts the dashboard; with wait, blocks until it stops and returns its exit code,
    else returns the running process (the caller stops it)."""
    if not os.path.isfile(store_path):
        raise UserError(
            f"no metric store at {store_path}; run `govkpi compute` (or `govkpi demo`) first"
        )
    if not 0 < port < 65536:
        raise UserError(f"--port: {port} is not a port number (1-65535)")
    process = subprocess.Popen(streamlit_command(host, port), env=child_environment(store_path))
    shown = "localhost" if host in ("127.0.0.1", "localhost") else host
    log.info("dashboard on http://%s:%d/ (store %s); Ctrl+C stops it", shown, port, store_path)
    if not wait:
        return process
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 0
