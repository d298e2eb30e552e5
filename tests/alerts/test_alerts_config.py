"""Configuration: TOML file + GOVKPI_* environment, validated with every problem at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alerts.config import ENV_KEYS, load_config
from alerts.notify.routing import recipients
from metrics.catalogue import load_catalogue
from metrics.errors import ConfigError

EXAMPLE = """
store = "/srv/govkpi/store.duckdb"
data = "/srv/exports"
timezone = "Europe/Madrid"
dashboard_url = "https://govkpi.example.com/"

[smtp]
host = "smtp.example.com"
port = 587
user = "govkpi"
starttls = true

[mail]
from = "govkpi@example.com"
to = ["governance-lead@example.com"]

[[routing.owners]]
area = "notice_and_action"
to = ["na-team@example.com"]

[[routing.owners]]
area = "notice_and_action"
markets = ["ES", "PT"]
to = ["na-iberia@example.com"]

[lifecycle]
pending_days = 2
keep_firing_days = 1
reminder_days = 5

[schedule]
cron = "30 6 * * 1-5"
timezone = "Europe/Madrid"
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "govkpi.toml"
    path.write_text(text)
    return str(path)


def test_docs_example_loads(tmp_path: Path) -> None:
    areas = {m.owner_area for m in load_catalogue()}
    config = load_config(write(tmp_path, EXAMPLE), env={}, known_areas=areas)
    assert config.dashboard_url == "https://govkpi.example.com"  # trailing slash dropped
    assert config.lifecycle.pending_days == 2
    assert config.schedule_zone.key == "Europe/Madrid"
    assert config.smtp_password is None
    assert recipients(config, "notice_and_action", "ES") == [
        "na-team@example.com", "na-iberia@example.com",
    ]  # fmt: skip
    assert recipients(config, "notice_and_action", "FR") == ["na-team@example.com"]
    # no route for the area: the default recipients
    assert recipients(config, "appeals", "ES") == ["governance-lead@example.com"]


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    env = {
        "GOVKPI_STORE": "/tmp/other.duckdb",
        "GOVKPI_SMTP_PORT": "2525",
        "GOVKPI_SMTP_STARTTLS": "false",
        "GOVKPI_MAIL_TO": "a@example.com, b@example.com",
        "GOVKPI_TIMEZONE": "America/Sao_Paulo",
        "GOVKPI_SMTP_PASSWORD": "hunter2-secret",
    }
    config = load_config(write(tmp_path, EXAMPLE), env=env)
    assert config.store == "/tmp/other.duckdb"
    assert config.smtp.port == 2525 and config.smtp.starttls is False
    assert config.mail.to == ["a@example.com", "b@example.com"]
    assert config.timezone == "America/Sao_Paulo"
    assert config.smtp_password is not None
    assert config.smtp_password.get_secret_value() == "hunter2-secret"
    # the secret is never shown
    assert "hunter2" not in repr(config) and "hunter2" not in config.model_dump_json()


def test_config_file_from_govkpi_config(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE)
    assert load_config(None, env={"GOVKPI_CONFIG": path}).smtp.host == "smtp.example.com"


def test_command_line_overrides_environment(tmp_path: Path) -> None:
    config = load_config(None, env={"GOVKPI_STORE": "/a.duckdb"}, overrides={"store": "/b.duckdb"})
    assert config.store == "/b.duckdb"


def test_password_in_file_is_rejected(tmp_path: Path) -> None:
    text = EXAMPLE.replace('user = "govkpi"', 'user = "govkpi"\npassword = "in-the-file"')
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env={})
    assert "GOVKPI_SMTP_PASSWORD" in str(err.value)
    assert "in-the-file" not in str(err.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = """
timezone = "Mars/Olympus"
colour = "blue"
[smtp]
port = 99999
[mail]
to = ["not-an-address"]
[lifecycle]
pending_days = -1
[schedule]
cron = "every morning"
[[routing.owners]]
area = "no_such_area"
to = ["x@example.com"]
"""
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env={"GOVKPI_SMTP_STARTTLS": "perhaps"},
                    known_areas={"detection"})  # fmt: skip
    message = str(err.value)
    for expected in (
        "timezone", "colour", "smtp.port", "mail.to", "pending_days", "cron",
        "GOVKPI_SMTP_STARTTLS",
    ):  # fmt: skip
        assert expected in message, expected
    assert message.startswith(str(tmp_path))


def test_unknown_routing_area_is_named(tmp_path: Path) -> None:
    text = '[[routing.owners]]\narea = "detektion"\nto = ["x@example.com"]\n'
    with pytest.raises(ConfigError, match="unknown area 'detektion'"):
        load_config(write(tmp_path, text), env={}, known_areas={"detection"})


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(str(tmp_path / "nope.toml"), env={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "store = "), env={})


def test_delivery_requirements_are_listed() -> None:
    config = load_config(None, env={"GOVKPI_SMTP_USER": "govkpi"})
    missing = " ".join(config.missing_for_delivery())
    assert "GOVKPI_SMTP_HOST" in missing and "GOVKPI_MAIL_FROM" in missing
    assert "GOVKPI_SMTP_PASSWORD" in missing


def test_copy_default_sends_everything_to_the_default_recipients(tmp_path: Path) -> None:
    routing = "[routing]\ncopy_default = true\n\n[[routing.owners]]"
    text = EXAMPLE.replace("[[routing.owners]]", routing, 1)
    config = load_config(write(tmp_path, text), env={})
    assert "governance-lead@example.com" in recipients(config, "notice_and_action", "ES")


def test_the_example_in_docs_alerts_md_is_valid(tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"
    block = docs.read_text().split("```toml\n", 1)[1].split("```", 1)[0]
    areas = {m.owner_area for m in load_catalogue()}
    config = load_config(write(tmp_path, block), env={}, known_areas=areas)
    assert config.schedule.cron == "0 7 * * *" and config.digest.max_charts == 12
    documented = set(re.findall(r"GOVKPI_[A-Z_]+", docs.read_text()))
    assert set(ENV_KEYS) | {"GOVKPI_SMTP_PASSWORD", "GOVKPI_CONFIG"} <= documented
