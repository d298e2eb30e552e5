"""`govkpi dashboard` and sign-in: secrets only from the environment (or *_FILE), a private
secrets.toml for Streamlit removed on exit, nothing secret in the child's environment, and no
exposure beyond 127.0.0.1 without sign-in unless --allow-unauthenticated says so."""

from __future__ import annotations

import logging
import os
import signal
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from govkpi.cli import main
from govkpi.commands.dashboard import (
    NO_SECRETS,
    check_exposure,
    child_environment,
    streamlit_command,
    write_secrets_file,
)
from metrics.errors import ConfigError, UserError
from metrics.settings import load_settings
from tests.dashboard.test_dashboard_command import free_port, wait_healthy
from tests.dashboard_fixtures import build_store

PROVIDER = "http://localhost:9/.well-known/openid-configuration"
AUTH_ENV = {
    "GOVKPI_AUTH_PROVIDER_URL": PROVIDER,
    "GOVKPI_AUTH_CLIENT_ID": "govkpi",
    "GOVKPI_AUTH_CLIENT_SECRET": "client-s3cret",
    "GOVKPI_AUTH_COOKIE_SECRET": "cookie-s3cret",
}


@pytest.mark.parametrize(
    "line",
    [
        'client_secret = "x"',
        'cookie_secret = "x"',
        'client_secret_file = "/run/secrets/x"',
    ],
)
def test_a_secret_in_the_config_file_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    config = tmp_path / "govkpi.toml"
    config.write_text(f'[auth]\nprovider_url = "{PROVIDER}"\n{line}\n')
    assert main(["config", "show", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    key = line.split(" = ")[0].removesuffix("_file")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"auth.{line.split(' = ')[0]} is not allowed in a file" in err
    assert f"GOVKPI_AUTH_{key.upper()}_FILE" in err


def test_secrets_from_files_and_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "client"
    secret.write_text("from-a-file\n")
    env = {**AUTH_ENV, "GOVKPI_AUTH_CLIENT_SECRET_FILE": str(secret)}
    del env["GOVKPI_AUTH_CLIENT_SECRET"]
    settings = load_settings(env=env)
    assert settings.auth_client_secret is not None
    assert settings.auth_client_secret.get_secret_value() == "from-a-file"
    assert settings.origin("auth_client_secret") == "env (GOVKPI_AUTH_CLIENT_SECRET_FILE)"
    assert "from-a-file" not in repr(settings) and "cookie-s3cret" not in repr(settings)
    with pytest.raises(ConfigError, match="set GOVKPI_AUTH_CLIENT_SECRET or .*_FILE, not both"):
        load_settings(env={**env, "GOVKPI_AUTH_CLIENT_SECRET": "x"})


def test_roles_are_checked_at_load() -> None:
    with pytest.raises(ConfigError, match="is not a domain"):
        load_settings(env={"GOVKPI_AUTH__ROLES__OPERATOR": "@localhost"})
    with pytest.raises(ConfigError, match="groups_claim is not"):
        load_settings(env={"GOVKPI_AUTH__ROLES__GROUPS": '{"ops": "operator"}'})
    with pytest.raises(ConfigError, match="GOVKPI_AUTH__ROLES__GROUPS"):
        load_settings(
            env={
                "GOVKPI_AUTH__ROLES__GROUPS_CLAIM": "g",
                "GOVKPI_AUTH__ROLES__GROUPS": '{"o": "root"}',
            }
        )


def test_partial_sign_in_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    store = build_store(tmp_path / "store.duckdb", detections=False, alerts=False)
    monkeypatch.setenv("GOVKPI_AUTH_PROVIDER_URL", PROVIDER)
    monkeypatch.setenv("GOVKPI_AUTH_CLIENT_ID", "govkpi")
    assert main(["dashboard", "--store", store.path]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sign-in is configured only in part" in err
    assert "GOVKPI_AUTH_CLIENT_SECRET" in err and "GOVKPI_AUTH_COOKIE_SECRET" in err


def test_no_sign_in_means_this_machine_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    store = build_store(tmp_path / "store.duckdb", detections=False, alerts=False)
    assert main(["dashboard", "--store", store.path, "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--allow-unauthenticated" in err and "0.0.0.0" in err
    assert main(["demo", "--host", "0.0.0.0", "--workdir", str(tmp_path / "demo")]) == 2
    assert not (tmp_path / "demo").exists()  # refused before any work
    assert "--allow-unauthenticated" in capsys.readouterr().err
    settings = load_settings(flags={"store": store.path}, env={})
    for host in ("127.0.0.1", "localhost", "::1"):
        check_exposure(settings, host, allow_unauthenticated=False)
    with caplog.at_level(logging.WARNING):
        check_exposure(settings, "0.0.0.0", allow_unauthenticated=True)
    assert "WITHOUT sign-in" in caplog.text
    with pytest.raises(UserError):
        check_exposure(settings, "192.168.1.5", allow_unauthenticated=False)
    # with sign-in, any address, once the provider knows where to send browsers back
    with pytest.raises(ConfigError, match="GOVKPI_DASHBOARD_URL"):
        check_exposure(load_settings(env=AUTH_ENV), "0.0.0.0", allow_unauthenticated=False)
    public = {**AUTH_ENV, "GOVKPI_DASHBOARD_URL": "https://govkpi.example.com"}
    check_exposure(load_settings(env=public), "0.0.0.0", allow_unauthenticated=False)
    assert "--allow-unauthenticated" in _help(["dashboard", "--help"])


def _help(argv: list[str]) -> str:
    result = subprocess.run([sys.executable, "-m", "govkpi", *argv], capture_output=True,
                            text=True, check=True)  # fmt: skip
    return result.stdout


def test_secrets_file_is_private_and_the_child_env_has_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in AUTH_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GOVKPI_SMTP_PASSWORD", "smtp-s3cret")
    monkeypatch.setenv("GOVKPI_DASHBOARD_URL", "https://govkpi.example.com")
    settings = load_settings(flags={"store": str(tmp_path / "s.duckdb")})
    path = write_secrets_file(settings, 8501)
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
        auth = tomllib.loads(Path(path).read_text())["auth"]
        assert auth == {
            "redirect_uri": "https://govkpi.example.com/oauth2callback",
            "cookie_secret": "cookie-s3cret",
            "client_id": "govkpi",
            "client_secret": "client-s3cret",
            "server_metadata_url": PROVIDER,
        }
    finally:
        os.unlink(path)
        os.rmdir(os.path.dirname(path))
    env = child_environment(settings)
    shown = "".join(env.values())
    assert "s3cret" not in shown
    assert env["GOVKPI_AUTH__PROVIDER_URL"] == PROVIDER  # the app knows sign-in is on
    child = load_settings(env=env)
    assert child.sign_in and child.auth_client_secret is None and child.smtp_password is None
    options = dict(zip(*[iter(streamlit_command("127.0.0.1", 1, path)[5:])] * 2, strict=True))
    assert options["--secrets.files"] == path
    # without sign-in Streamlit gets no secrets file at all (not one from the working folder)
    options = dict(zip(*[iter(streamlit_command("127.0.0.1", 1)[5:])] * 2, strict=True))
    assert options["--secrets.files"] == NO_SECRETS
    assert not os.path.exists(NO_SECRETS)


def test_the_secrets_folder_is_removed_when_the_dashboard_stops(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store.duckdb", detections=False, alerts=False)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVKPI_")}
    env.update(AUTH_ENV, TMPDIR=str(scratch))
    command = [sys.executable, "-m", "govkpi", "-q", "dashboard", "--store", store.path]
    parent = subprocess.Popen([*command, "--port", str(port)], env=env)
    try:
        assert wait_healthy(f"http://127.0.0.1:{port}/_stcore/health"), "dashboard did not start"
        folders = list(scratch.glob("govkpi-dashboard-*"))
        assert len(folders) == 1 and (folders[0] / "secrets.toml").is_file()
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=30) == 0
        assert not list(scratch.glob("govkpi-dashboard-*"))
    finally:
        if parent.poll() is None:
            parent.kill()


def test_alerts_audit_prints_who_did_what(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = build_store(tmp_path / "store.duckdb")
    base = ["--store", store.path]
    assert main(["alerts", "audit", *base]) == 0
    assert "the audit log is empty" in capsys.readouterr().out
    assert main(["alerts", "silence", *base, "--metric", "takedown_rate", "--until",
                 "2099-01-01", "--reason", "migration", "--author", "ana"]) == 0  # fmt: skip
    assert main(["alerts", "ack", *base, "proactive_rate", "market=ES", "proactive_rate.headline",
                 "--author", "luis", "--note", "on it"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["alerts", "audit", *base]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[-1] == "(2 entries, newest first; times in UTC)"
    assert "luis (local)  acknowledge  proactive_rate / market=ES" in lines[0]
    assert "[note: on it]" in lines[0]
    assert "ana (local)  silence  takedown_rate / *" in lines[1] and "reason: migration" in lines[1]
    assert main(["alerts", "audit", *base, "--limit", "0"]) == 2
