"""`govkpi dashboard [--config FILE] [--store PATH] [--port P] [--host H]
[--allow-unauthenticated]`: serves the dashboard.

Runs `python -m streamlit run <packaged dashboard/app.py>` in a child process that loads the
same settings through `metrics.settings.load_settings`: the parent hands it the config file
(GOVKPI_CONFIG) and every value a flag or variable set, and nothing secret in its environment;
the app has no use for the SMTP password.

Sign-in (docs/auth.md): when `auth.provider_url` is set, the sign-in secrets go to the child
in a secrets.toml that Streamlit's `st.login` reads (`--secrets.files`), written in a private
temporary folder (file mode 0600) and removed when the dashboard stops. Without sign-in the
dashboard listens on 127.0.0.1 only: another address is refused unless
`--allow-unauthenticated` says so, and then a warning is printed. `serve()` is reused by
`govkpi demo`.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import errno
import ipaddress
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from govkpi.commands.common import add_config_arg, add_store_arg, command_settings, require
from metrics.errors import ConfigError, UserError
from metrics.settings import Settings, settings_environment

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501
# A .toml path that never exists: Streamlit reads no secrets and says nothing (/dev/null is
# refused with an error line, as neither a .toml file nor a folder).
NO_SECRETS = str(Path(__file__).with_name("no-secrets-without-sign-in.toml"))


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
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only); another "
        "address needs sign-in configured (docs/auth.md) or --allow-unauthenticated",
    )
    add_exposure_arg(parser)
    parser.set_defaults(handler=run)


def add_exposure_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="listen on an address other than 127.0.0.1 although no sign-in is configured: "
        "anyone who can reach it reads every page and can acknowledge and silence alerts "
        "(prints a warning)",
    )


def run(args: argparse.Namespace) -> int:
    settings = command_settings(args, {"store": args.store})
    result = serve(
        settings, args.host, args.port, wait=True, allow_unauthenticated=args.allow_unauthenticated
    )
    assert isinstance(result, int)
    return result


def app_path() -> Path:
    """The packaged entry point (works from a source checkout and from an install)."""
    import dashboard

    return Path(next(iter(dashboard.__path__))) / "app.py"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings, host: str, allow_unauthenticated: bool) -> None:
    """Sign-in complete or off; without it, this machine only unless explicitly allowed
    (then a warning). Called before any work (`govkpi demo` computes for minutes first)."""
    missing = settings.missing_for_sign_in()
    if missing:
        raise ConfigError(f"sign-in is configured only in part: {', '.join(missing)} not set")
    if settings.sign_in and not is_loopback(host):
        if not (settings.auth.redirect_uri or settings.dashboard_url):
            raise ConfigError(
                f"--host {host}: with sign-in the provider must send browsers back to the "
                "dashboard's public address: set dashboard_url (GOVKPI_DASHBOARD_URL) or "
                "auth.redirect_uri (GOVKPI_AUTH_REDIRECT_URI)"
            )
        return
    if settings.sign_in or is_loopback(host):
        return
    if not allow_unauthenticated:
        raise UserError(
            f"--host {host}: no sign-in is configured (auth.provider_url, docs/auth.md), so the "
            "dashboard listens on 127.0.0.1 only; configure sign-in or pass "
            "--allow-unauthenticated"
        )
    log.warning(
        "the dashboard listens on %s WITHOUT sign-in: anyone who can reach it reads every page "
        "and can acknowledge, resolve and silence alerts",
        host,
    )


def redirect_uri(settings: Settings, port: int) -> str:
    """Where the provider sends the browser back: auth.redirect_uri, else the dashboard's
    public address (dashboard_url), else localhost on this port."""
    if settings.auth.redirect_uri:
        return settings.auth.redirect_uri
    base = settings.dashboard_url or f"http://localhost:{port}"
    return f"{base}/oauth2callback"


def auth_secrets_toml(settings: Settings, port: int) -> str:
    """The `[auth]` section of Streamlit's secrets.toml (st.login) for these settings."""
    assert settings.auth_client_secret is not None and settings.auth_cookie_secret is not None
    values = {
        "redirect_uri": redirect_uri(settings, port),
        "cookie_secret": settings.auth_cookie_secret.get_secret_value(),
        "client_id": settings.auth.client_id,
        "client_secret": settings.auth_client_secret.get_secret_value(),
        "server_metadata_url": settings.auth.provider_url,
    }
    # A JSON string is a TOML basic string (same quotes and escapes).
    return "[auth]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())


def write_secrets_file(settings: Settings, port: int) -> str:
    """secrets.toml in a new private folder (0700, file 0600); the caller removes the folder."""
    folder = tempfile.mkdtemp(prefix="govkpi-dashboard-")
    path = os.path.join(folder, "secrets.toml")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(auth_secrets_toml(settings, port))
    return path


def streamlit_command(host: str, port: int, secrets_file: str | None = None) -> list[str]:
    # Without sign-in, no secrets file at all: not even one the working directory provides.
    secrets = secrets_file or NO_SECRETS
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
        "--secrets.files",
        secrets,
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
    settings: Settings,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    wait: bool = True,
    allow_unauthenticated: bool = False,
) -> subprocess.Popen[bytes] | int:
    """Starts the dashboard; with wait, blocks until it stops and returns its exit code,
    else returns the running process (the caller stops it; the secrets file, if any, is
    removed when this process exits)."""
    check_exposure(settings, host, allow_unauthenticated)
    store_path = require(settings.store, "--store", "store", "GOVKPI_STORE")
    if not os.path.isfile(store_path):
        raise UserError(
            f"no metric store at {store_path}; run `govkpi compute` (or `govkpi demo`) first"
        )
    if not 0 < port < 65536:
        raise UserError(f"--port: {port} is not a port number (1-65535)")
    check_port_free(host, port)
    secrets = write_secrets_file(settings, port) if settings.sign_in else None
    folder = os.path.dirname(secrets) if secrets else None
    try:
        process = subprocess.Popen(
            streamlit_command(host, port, secrets), env=child_environment(settings)
        )
    except BaseException:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    shown = "localhost" if host in ("127.0.0.1", "localhost") else host
    mode = "sign-in required" if settings.sign_in else "no sign-in"
    log.info("dashboard on http://%s:%d/ (store %s, %s); Ctrl+C stops it", shown, port,
             store_path, mode)  # fmt: skip
    if not wait:
        if folder:
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        return process
    try:
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
    finally:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


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
