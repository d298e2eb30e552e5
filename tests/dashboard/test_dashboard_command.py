"""`govkpi dashboard`: exit codes, the streamlit command line, and a real start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from govkpi.cli import main
from govkpi.commands.dashboard import app_path, child_environment, serve, streamlit_command
from metrics.errors import UserError
from metrics.settings import load_settings
from tests.dashboard_fixtures import build_store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, timeout: float = 60.0) -> bool:
    """Polls the server's health endpoint until it answers (or the deadline passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def test_missing_store_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["dashboard", "--store", str(tmp_path / "absent.duckdb")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "no metric store" in err and "govkpi compute" in err


def test_store_is_required(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GOVKPI_STORE", raising=False)
    assert main(["dashboard"]) == 2
    assert "--store is required" in capsys.readouterr().err


def test_bad_port_is_a_user_error(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store.duckdb", detections=False, alerts=False)
    with pytest.raises(UserError, match="not a port"):
        serve(load_settings(flags={"store": store.path}, env={}), port=70000)


def test_command_line_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    command = streamlit_command("127.0.0.1", 8123)
    assert command[1:5] == ["-m", "streamlit", "run", str(app_path())]
    assert app_path().is_file()
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options["--server.address"] == "127.0.0.1"
    assert options["--server.port"] == "8123"
    assert options["--server.headless"] == "true"
    assert options["--browser.gatherUsageStats"] == "false"
    env = child_environment(load_settings(flags={"store": "relative/store.duckdb"}, env={}))
    assert env["GOVKPI_STORE"] == os.path.abspath("relative/store.duckdb")
    assert env["PYTHONPATH"].split(os.pathsep) == [str(app_path().parent.parent), "/elsewhere"]


def test_serve_starts_streamlit_on_localhost(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store.duckdb", detections=False, alerts=False)
    port = free_port()
    process = serve(load_settings(flags={"store": store.path}, env={}), port=port, wait=False)
    assert not isinstance(process, int)
    try:
        assert wait_healthy(f"http://127.0.0.1:{port}/_stcore/health"), "dashboard did not start"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert b"<html" in response.read().lower()
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_app_gets_the_same_settings_and_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "govkpi.toml"
    config.write_text('timezone = "Europe/Madrid"\nrules_file = "file-rules.toml"\n')
    password_file = tmp_path / "password"
    password_file.write_text("s3cr3t\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOVKPI_CONFIG", "govkpi.toml")  # relative: the child gets it absolute
    monkeypatch.setenv("GOVKPI_SMTP_PASSWORD", "s3cr3t")
    monkeypatch.setenv("GOVKPI_RULES", "/etc/govkpi/rules.toml")
    monkeypatch.setenv("GOVKPI_DETECTION__FDR", "0.05")
    monkeypatch.setenv("GOVKPI_UNRELATED_TYPO", "x")
    monkeypatch.setenv("HOME_OF_TEST", "kept")
    parent = load_settings(flags={"store": "store.duckdb"})
    env = child_environment(parent)
    assert "GOVKPI_SMTP_PASSWORD" not in env and "s3cr3t" not in "".join(env.values())
    assert env["GOVKPI_CONFIG"] == str(config)
    assert env["HOME_OF_TEST"] == "kept" and "GOVKPI_UNRELATED_TYPO" not in env
    # the app's own loader, on the environment it is given, sees what the command saw
    child = load_settings(env=env)
    assert child.model_dump() == parent.model_dump() | {"store": str(tmp_path / "store.duckdb")}
    assert child.rules_file == "/etc/govkpi/rules.toml" and child.timezone == "Europe/Madrid"
    assert child.smtp_password is None
    # a password file is not handed over either
    monkeypatch.delenv("GOVKPI_SMTP_PASSWORD")
    monkeypatch.setenv("GOVKPI_SMTP_PASSWORD_FILE", str(password_file))
    env = child_environment(load_settings(flags={"store": "store.duckdb"}))
    assert "GOVKPI_SMTP_PASSWORD_FILE" not in env and str(password_file) not in env.values()
    assert load_settings(env=env).smtp_password is None


def test_dashboard_config_flag_reaches_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`govkpi dashboard --config FILE`: the child is started with that file's settings."""
    store = build_store(tmp_path / "store.duckdb", detections=False, alerts=False)
    config = tmp_path / "govkpi.toml"
    config.write_text(f'store = "{store.path}"\nrules_file = "/srv/rules.toml"\n')
    started: dict[str, object] = {}

    class FakeProcess:
        def wait(self) -> int:
            return 0

    def fake_popen(command: list[str], env: dict[str, str]) -> FakeProcess:
        started.update(command=command, env=env)
        return FakeProcess()

    monkeypatch.delenv("GOVKPI_CONFIG", raising=False)
    monkeypatch.delenv("GOVKPI_STORE", raising=False)
    monkeypatch.setattr("govkpi.commands.dashboard.subprocess.Popen", fake_popen)
    assert main(["dashboard", "--config", str(config), "--port", str(free_port())]) == 0
    child = load_settings(env=started["env"])  # type: ignore[arg-type]
    assert child.store == store.path and child.rules_file == "/srv/rules.toml"


def test_busy_port_exits_2_with_one_line_before_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = build_store(tmp_path / "store.duckdb", detections=False, alerts=False)

    def no_popen(*args: object, **kwargs: object) -> None:
        raise AssertionError("streamlit must not start on a busy port")

    monkeypatch.setattr("govkpi.commands.dashboard.subprocess.Popen", no_popen)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        code = main(["dashboard", "--store", store.path, "--port", str(port)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and f"port {port}" in err and "in use" in err
    assert "http://" not in out + err


def _port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_the_dashboard_and_its_streamlit_child(tmp_path: Path) -> None:
    """A service manager's SIGTERM must not leave Streamlit running on the port."""
    store = build_store(tmp_path / "store.duckdb", detections=False, alerts=False)
    port = free_port()
    command = [sys.executable, "-m", "govkpi", "-q", "dashboard", "--store", store.path]
    parent = subprocess.Popen([*command, "--port", str(port)], env={**os.environ})
    try:
        assert wait_healthy(f"http://127.0.0.1:{port}/_stcore/health"), "dashboard did not start"
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=30) == 0
        deadline = time.monotonic() + 15
        while _port_in_use(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _port_in_use(port), "the Streamlit child still listens after SIGTERM"
    finally:
        if parent.poll() is None:
            parent.kill()
