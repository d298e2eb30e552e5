"""`govkpi dashboard [--config FILE] [--store PATH] [--port P] [--host H]`: serves the dashboard.

Runs `python -m streamlit run <packaged dashboard/app.py>` in a child process that loads the
same settings through `metrics.settings.load_settings`: the parent hands it the config file
(GOVKPI_CONFIG) and every value a flag or variable set, and nothing secret; the app has no use
for the SMTP password. Listens on 127.0.0.1 unless told otherwise: the dashboard has no login,
so exposing it is a deliberate choice (`--host 0.0.0.0`). `serve()` is reused by `govkpi demo`.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from govkpi.commands.common import add_config_arg, add_store_arg, command_settings, require
from metrics.errors import UserError
from metrics.settings import Settings, settings_environment

log = logging.getLogger(__name__)

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
    add_config_arg(parser)
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
    settings = command_settings(args, {"store": args.store})
    result = serve(settings, args.host, args.port, wait=True)
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


def child_environment(settings: Settings) -> dict[str, str]:
    """The app's environment, built explicitly: the system's variables but none of ours, then
    the GOVKPI_* variables that reproduce `settings` (never a secret), the store as an
    absolute path, and the project root importable by its pages."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("GOVKPI_")}
    env.update(settings_environment(settings))
    if settings.store:
        env["GOVKPI_STORE"] = os.path.abspath(settings.store)
    root = str(app_path().parent.parent)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([root, *[p for p in paths if p != root]])
    return env


def check_port_free(host: str, port: int) -> None:
    """Binds the address once, as Streamlit will: a busy port is a one-line user error before
    anything starts (Streamlit itself would print the URL, then fail with exit code 1)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UserError(f"--host: cannot resolve {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As Tornado does: a port left in TIME_WAIT by a previous run is free to reuse.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UserError(
                    f"port {port} on {host} is already in use; stop what holds it or pass --port P"
                ) from None
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def serve(
    settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, wait: bool = True
) -> subprocess.Popen[bytes] | int:
    """Starts the dashboard; with wait, blocks until it stops and returns its exit code,
    else returns the running process (the caller stops it)."""
    store_path = require(settings.store, "--store", "store", "GOVKPI_STORE")
    if not os.path.isfile(store_path):
        raise UserError(
            f"no metric store at {store_path}; run `govkpi compute` (or `govkpi demo`) first"
        )
    if not 0 < port < 65536:
        raise UserError(f"--port: {port} is not a port number (1-65535)")
    check_port_free(host, port)
    process = subprocess.Popen(streamlit_command(host, port), env=child_environment(settings))
    shown = "localhost" if host in ("127.0.0.1", "localhost") else host
    log.info("dashboard on http://%s:%d/ (store %s); Ctrl+C stops it", shown, port, store_path)
    if not wait:
        return process
    with _sigterm_as_interrupt():
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            return 0


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """A service manager stops us with SIGTERM: treat it like Ctrl+C, so the Streamlit child is
    stopped too instead of being left running on the port."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
