"""deploy/ cannot rot: every unit's ExecStart is parsed by govkpi's own argument parser (a
renamed command or option fails here), the units keep their hardening and point at the
example environment file's store, the timer names its service, the proxies reach the port the
dashboard unit listens on, the README names every file, and `systemd-analyze verify` accepts
the units where systemd is installed."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from govkpi.cli import build_parser
from metrics.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
GOVKPI = "/opt/govkpi/.venv/bin/govkpi"
# Service -> (the handler its ExecStart must reach, its module).
SERVICES = {
    "govkpi-daily.service": ("run_command", "govkpi.commands.alerts"),
    "govkpi-scheduler.service": ("schedule_command", "govkpi.commands.alerts"),
    "govkpi-dashboard.service": ("run", "govkpi.commands.dashboard"),
}


def unit(name: str) -> dict[str, list[tuple[str, str]]]:
    """A unit file's sections as (key, value) lists: keys may repeat (Environment=)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in (UNITS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, sep, value = line.partition("=")
        assert sep and current is not None, f"{name}: not a key=value line: {raw!r}"
        current.append((key.strip(), value.strip()))
    return sections


def values(name: str, section: str, key: str) -> list[str]:
    return [v for k, v in unit(name).get(section, []) if k == key]


def one(name: str, section: str, key: str) -> str:
    found = values(name, section, key)
    assert len(found) == 1, f"{name}: [{section}] {key}= given {len(found)} times"
    return found[0]


def environment_file() -> dict[str, str]:
    env = {}
    for line in (DEPLOY / "govkpi.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def test_the_files_are_the_ones_the_readme_names() -> None:
    files = sorted(p.relative_to(DEPLOY).as_posix() for p in DEPLOY.rglob("*") if p.is_file())
    assert files == [
        "govkpi.env.example",
        "proxy/Caddyfile",
        "proxy/nginx-govkpi.conf",
        "systemd/govkpi-daily.service",
        "systemd/govkpi-daily.timer",
        "systemd/govkpi-dashboard.service",
        "systemd/govkpi-scheduler.service",
    ]
    readme = (ROOT / "README.md").read_text()
    for name in files:
        assert f"deploy/{name}" in readme, f"README.md does not name deploy/{name}"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_exec_start_is_a_real_govkpi_command(service: str) -> None:
    argv = shlex.split(one(service, "Service", "ExecStart"))
    assert argv[0] == GOVKPI
    try:
        args = build_parser().parse_args(argv[1:])
    except SystemExit:  # argparse printed why (unknown command or option, bad choice)
        pytest.fail(f"{service}: `{shlex.join(argv[1:])}` is not a govkpi command line")
    handler, module = SERVICES[service]
    assert (args.handler.__name__, args.handler.__module__) == (handler, module)
    if service != "govkpi-dashboard.service":
        assert args.log_format == "json"  # one JSON object a line for the journal
    else:
        assert args.host == "127.0.0.1"  # never exposed without the proxy


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_services_run_as_their_own_user_hardened_and_restarted(service: str) -> None:
    settings = dict(unit(service)["Service"])
    assert settings["User"] == settings["Group"] == "govkpi"
    assert settings["Restart"] == "on-failure"
    assert settings["RestartPreventExitStatus"] == "2"  # bad configuration: no loop
    assert settings["NoNewPrivileges"] == "yes" and settings["ProtectSystem"] == "strict"
    assert settings["ProtectHome"] == "yes" and settings["CapabilityBoundingSet"] == ""
    assert one(service, "Service", "EnvironmentFile") == "/etc/govkpi/govkpi.env"
    store = Path(environment_file()["GOVKPI_STORE"])
    assert str(store.parent) in values(service, "Service", "ReadWritePaths")
    # Secrets arrive as files: no password or secret set inline.
    for assignment in values(service, "Service", "Environment"):
        key = assignment.partition("=")[0]
        if "PASSWORD" in key or "SECRET" in key:
            assert key.endswith("_FILE"), f"{service}: {key} set inline"


def test_the_job_units_hand_the_smtp_password_over_as_a_credential_file() -> None:
    for service in ("govkpi-daily.service", "govkpi-scheduler.service"):
        credential = one(service, "Service", "LoadCredential")
        name = credential.partition(":")[0]
        assert f"GOVKPI_SMTP_PASSWORD_FILE=%d/{name}" in values(service, "Service", "Environment")
    assert values("govkpi-dashboard.service", "Service", "LoadCredential") == []


def test_the_environment_example_holds_settings_only_and_they_load() -> None:
    env = environment_file()
    assert not [k for k in env if ("PASSWORD" in k or "SECRET" in k) and not k.endswith("_FILE")]
    env.pop("GOVKPI_CONFIG")  # the TOML file of a real install; not here
    settings = load_settings(env=env)
    assert settings.store == "/var/lib/govkpi/store.duckdb"
    assert settings.lifecycle.stale_after_days == 2 and settings.timezone == "Europe/Madrid"


def test_the_timer_starts_the_daily_job_and_catches_up_a_missed_morning() -> None:
    assert one("govkpi-daily.timer", "Timer", "Unit") == "govkpi-daily.service"
    assert one("govkpi-daily.timer", "Timer", "Persistent") == "true"
    assert one("govkpi-daily.service", "Service", "Type") == "oneshot"
    calendar = one("govkpi-daily.timer", "Timer", "OnCalendar")
    assert calendar.endswith(environment_file()["GOVKPI_TIMEZONE"])  # the reporting zone
    if shutil.which("systemd-analyze"):
        done = subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True)
        assert done.returncode == 0, done.stderr


def test_the_proxies_reach_the_dashboard_and_upgrade_its_websocket() -> None:
    argv = shlex.split(one("govkpi-dashboard.service", "Service", "ExecStart"))
    backend = f"127.0.0.1:{argv[argv.index('--port') + 1]}"
    nginx = (DEPLOY / "proxy" / "nginx-govkpi.conf").read_text()
    assert nginx.count(f"proxy_pass http://{backend};") == 2
    assert "location /_stcore/stream" in nginx
    assert nginx.count("proxy_set_header Upgrade $http_upgrade;") == 2
    assert nginx.count("proxy_set_header Connection $connection_upgrade;") == 2
    caddy = (DEPLOY / "proxy" / "Caddyfile").read_text()
    assert f"reverse_proxy {backend}" in caddy


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """`systemd-analyze verify` on copies whose ExecStart names an executable of this machine
    (it checks that the program exists; the install path does not here)."""
    for path in UNITS.iterdir():
        (tmp_path / path.name).write_text(path.read_text().replace(GOVKPI, sys.executable))
    done = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
