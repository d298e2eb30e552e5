"""`govkpi dashboard`: exit codes, the streamlit command line, and a real start."""

from __future__ import annotations

import os
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from govkpi.cli import main
from govkpi.commands.dashboard import app_path, child_environment, serve, streamlit_command
from metrics.errors import UserError
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
        serve(store.path, port=70000)


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
    env = child_environment("relative/store.duckdb")
    assert env["GOVKPI_STORE"] == os.path.abspath("relative/store.duckdb")
    assert env["PYTHONPATH"].split(os.pathsep) == [str(app_path().parent.parent), "/elsewhere"]


def test_serve_starts_streamlit_on_localhost(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store.duckdb", detections=False, alerts=False)
    port = free_port()
    process = serve(store.path, port=port, wait=False)
    assert not isinstance(process, int)
    try:
        assert wait_healthy(f"http://127.0.0.1:{port}/_stcore/health"), "dashboard did not start"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert b"<html" in response.read().lower()
    finally:
        process.terminate()
        process.wait(timeout=20)
