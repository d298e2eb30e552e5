"""Settings: TOML file + GOVKPI_* environment + flags, one precedence, every problem at once."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from alerts.notify.routing import recipients
from metrics.catalogue import load_catalogue
from metrics.errors import ConfigError
from metrics.settings import (
    DEFAULT_THRESHOLD,
    FLAT_ENV,
    DetectionSettings,
    Settings,
    field_keys,
    load_settings,
)

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
    config = load_settings(write(tmp_path, EXAMPLE), env={}, known_areas=areas)
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
        "GOVKPI_SMTP__IMPLICIT_TLS": "true",  # a login needs TLS, one way or the other
        "GOVKPI_MAIL_TO": "a@example.com, b@example.com",
        "GOVKPI_TIMEZONE": "America/Sao_Paulo",
        "GOVKPI_SMTP_PASSWORD": "hunter2-secret",
    }
    config = load_settings(write(tmp_path, EXAMPLE), env=env)
    assert config.store == "/tmp/other.duckdb"
    assert config.smtp.port == 2525 and config.smtp.starttls is False
    assert config.smtp.implicit_tls is True
    assert config.mail.to == ["a@example.com", "b@example.com"]
    assert config.timezone == "America/Sao_Paulo"
    assert config.smtp_password is not None
    assert config.smtp_password.get_secret_value() == "hunter2-secret"
    # the secret is never shown
    assert "hunter2" not in repr(config) and "hunter2" not in config.model_dump_json()


def test_config_file_from_govkpi_config(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE)
    assert load_settings(None, env={"GOVKPI_CONFIG": path}).smtp.host == "smtp.example.com"


def test_command_line_overrides_environment(tmp_path: Path) -> None:
    config = load_settings(None, env={"GOVKPI_STORE": "/a.duckdb"}, flags={"store": "/b.duckdb"})
    assert config.store == "/b.duckdb"


def test_password_in_file_is_rejected(tmp_path: Path) -> None:
    text = EXAMPLE.replace('user = "govkpi"', 'user = "govkpi"\npassword = "in-the-file"')
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), env={})
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
        load_settings(write(tmp_path, text), env={"GOVKPI_SMTP_STARTTLS": "perhaps"},
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
    with pytest.raises(ConfigError, match="unknown area 'detektion'") as err:
        load_settings(write(tmp_path, text), env={}, known_areas={"detection"})
    assert str(err.value).startswith(f"{tmp_path}")
    assert str(err.value).count("routing.owners") == 1


def test_unknown_routing_area_names_where_it_was_set(tmp_path: Path) -> None:
    """The origin of the bad route is the variable or the flag that set it, never `None`."""
    routes = [{"area": "nope", "to": ["a@b.com"]}]
    env = {"GOVKPI_ROUTING__OWNERS": '[{"area":"nope","to":["a@b.com"]}]'}
    with pytest.raises(ConfigError) as err:
        load_settings(None, env=env, known_areas={"detection"})
    assert str(err.value).startswith(
        "environment: GOVKPI_ROUTING__OWNERS: routing.owners: unknown area 'nope'"
    )
    with pytest.raises(ConfigError) as err:
        load_settings(None, flags={"routing.owners": routes}, env={}, known_areas={"detection"})
    assert str(err.value).startswith("command line: --owners: routing.owners: unknown area")
    assert "None" not in str(err.value)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(str(tmp_path / "nope.toml"), env={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "store = "), env={})


def test_delivery_requirements_are_listed() -> None:
    config = load_settings(None, env={"GOVKPI_SMTP_USER": "govkpi"})
    missing = " ".join(config.missing_for_delivery())
    assert "GOVKPI_SMTP_HOST" in missing and "GOVKPI_MAIL_FROM" in missing
    assert "GOVKPI_SMTP_PASSWORD" in missing


def test_copy_default_sends_everything_to_the_default_recipients(tmp_path: Path) -> None:
    routing = "[routing]\ncopy_default = true\n\n[[routing.owners]]"
    text = EXAMPLE.replace("[[routing.owners]]", routing, 1)
    config = load_settings(write(tmp_path, text), env={})
    assert "governance-lead@example.com" in recipients(config, "notice_and_action", "ES")


def test_the_example_in_docs_alerts_md_is_valid(tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"
    block = docs.read_text().split("```toml\n", 1)[1].split("```", 1)[0]
    areas = {m.owner_area for m in load_catalogue()}
    config = load_settings(write(tmp_path, block), env={}, known_areas=areas)
    assert config.schedule.cron == "0 7 * * *" and config.digest.max_charts == 12
    documented = set(re.findall(r"GOVKPI_[A-Z_]+", docs.read_text()))
    assert set(FLAT_ENV) | {"GOVKPI_SMTP_PASSWORD", "GOVKPI_CONFIG"} <= documented


def test_one_precedence_flag_over_env_over_file_over_default(tmp_path: Path) -> None:
    path = write(tmp_path, 'store = "/file.duckdb"\ndata = "/file-data"\n[detection]\nfdr = 0.1\n')
    env = {"GOVKPI_DATA": "/env-data", "GOVKPI_DETECTION__FDR": "0.05"}
    settings = load_settings(path, flags={"detection.fdr": 0.01, "store": None}, env=env)
    assert settings.detection.fdr == 0.01 and settings.origin("detection.fdr") == "flag"
    assert settings.data == "/env-data" and settings.origin("data") == "env (GOVKPI_DATA)"
    # a flag that was not given (None) leaves the file's value
    assert settings.store == "/file.duckdb" and settings.origin("store") == "file"
    assert settings.timezone == "UTC" and settings.origin("timezone") == "default"
    assert settings.config_file == path


def test_a_flag_replaces_one_key_of_a_section_not_the_section(tmp_path: Path) -> None:
    path = write(tmp_path, "[detection]\nthreshold = 5.0\nfdr = 0.2\n")
    settings = load_settings(path, flags={"detection.threshold": 3.5}, env={})
    assert (settings.detection.threshold, settings.detection.fdr) == (3.5, 0.2)


def test_nested_variables_reach_every_section(tmp_path: Path) -> None:
    env = {
        "GOVKPI_SMTP__HOST": "relay.example.com",
        "GOVKPI_LIFECYCLE__PENDING_DAYS": "4",
        "GOVKPI_MAIL__FROM": "govkpi@example.com",
        "GOVKPI_MAIL__TO": '["a@example.com", "b@example.com"]',
        "GOVKPI_ROUTING__OWNERS": '[{"area": "appeals", "to": ["ap@example.com"]}]',
        "GOVKPI_DETECTION__KNOWN_EVENTS": "/etc/govkpi/events.toml",
        "GOVKPI_RULES_FILE": "/etc/govkpi/rules.toml",
    }
    settings = load_settings(None, env=env)
    assert settings.smtp.host == "relay.example.com"
    assert settings.lifecycle.pending_days == 4
    assert settings.mail.from_ == "govkpi@example.com"
    assert settings.mail.to == ["a@example.com", "b@example.com"]
    assert recipients(settings, "appeals", "ES") == ["ap@example.com"]
    assert settings.detection.known_events == "/etc/govkpi/events.toml"
    assert settings.rules_file == "/etc/govkpi/rules.toml"
    assert settings.origin("smtp.host") == "env (GOVKPI_SMTP__HOST)"
    assert settings.origin("routing.owners") == "env (GOVKPI_ROUTING__OWNERS)"


def test_flat_variables_keep_working_and_the_nested_form_wins() -> None:
    env = {
        "GOVKPI_SMTP_HOST": "old.example.com",
        "GOVKPI_SMTP_PORT": "2525",
        "GOVKPI_RULES": "/etc/govkpi/rules.toml",
        "GOVKPI_KNOWN_EVENTS": "/etc/govkpi/events.toml",
    }
    settings = load_settings(None, env=env)
    assert settings.smtp.host == "old.example.com" and settings.smtp.port == 2525
    assert settings.rules_file == "/etc/govkpi/rules.toml"
    assert settings.origin("rules_file") == "env (GOVKPI_RULES)"
    assert settings.detection.known_events == "/etc/govkpi/events.toml"
    both = load_settings(None, env={**env, "GOVKPI_SMTP__HOST": "new.example.com"})
    assert both.smtp.host == "new.example.com"


def test_password_from_a_file_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("hunter2-from-file\n")
    settings = load_settings(None, env={"GOVKPI_SMTP_PASSWORD_FILE": str(secret)})
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "hunter2-from-file"
    assert settings.origin("smtp_password") == "env (GOVKPI_SMTP_PASSWORD_FILE)"
    assert "hunter2" not in repr(settings) + settings.model_dump_json()
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(None, env={"GOVKPI_SMTP_PASSWORD_FILE": str(tmp_path / "absent")})
    with pytest.raises(ConfigError, match="not both"):
        load_settings(
            None, env={"GOVKPI_SMTP_PASSWORD_FILE": str(secret), "GOVKPI_SMTP_PASSWORD": "x"}
        )


@pytest.mark.parametrize(
    "text", ['smtp_password = "in-the-file"', 'password = "in-the-file"',
             '[smtp]\npassword_file = "/run/secrets/in-the-file"'],
)  # fmt: skip
def test_every_spelling_of_a_secret_in_the_file_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), env={})
    assert "GOVKPI_SMTP_PASSWORD" in str(err.value) and "in-the-file" not in str(err.value)


def test_problems_name_the_variable_or_the_flag() -> None:
    env = {
        "GOVKPI_SMTP__PORT": "many",
        "GOVKPI_ROUTING__OWNERS": "[not json",
        "GOVKPI_DETECTION__THRESHOLDD": "5",
    }
    with pytest.raises(ConfigError) as err:
        load_settings(None, env=env, flags={"detection.fdr": 2.0})
    message = str(err.value)
    assert "\n" not in message
    for expected in (
        "environment: GOVKPI_SMTP__PORT:", "environment: GOVKPI_ROUTING__OWNERS:",
        "environment: GOVKPI_DETECTION__THRESHOLDD: Extra inputs", "command line: --fdr:",
    ):  # fmt: skip
        assert expected in message, expected


def test_validating_values_reads_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings.model_validate (the tests' make_config) takes only what it is given."""
    monkeypatch.setenv("GOVKPI_CONFIG", write(tmp_path, 'store = "/file.duckdb"\n'))
    monkeypatch.setenv("GOVKPI_SMTP_HOST", "relay.example.com")
    monkeypatch.setenv("GOVKPI_SMTP_PASSWORD", "hunter2")
    monkeypatch.setenv("GOVKPI_DIGEST__MAX_CHARTS", "3")
    given = Settings.model_validate({"data": "/d"})
    assert given.model_dump() == Settings().model_dump() | {"data": "/d"}
    assert given.store is None and given.smtp.host is None and given.smtp_password is None
    loaded = load_settings()
    assert loaded.store == "/file.duckdb" and loaded.smtp.host == "relay.example.com"
    assert loaded.digest.max_charts == 3 and loaded.smtp_password is not None


def test_detection_default_is_the_detectors() -> None:
    from alerts.detection import false_alarm_control

    assert DEFAULT_THRESHOLD == false_alarm_control.DEFAULT_THRESHOLD
    assert DetectionSettings().threshold == DEFAULT_THRESHOLD


ROOT = Path(__file__).resolve().parents[2]
OPTIONAL = re.compile(r'^# (?=\[|[a-z_]+ = |"[a-z0-9_.]+" = )', re.MULTILINE)
# Free-form tables: their keys are the user's (Spark settings, export tables), not the model's.
MAPS = ("spark.conf", "spark.tables", "auth.roles.groups")


def test_example_file_validates_and_names_every_setting(tmp_path: Path) -> None:
    """govkpi.example.toml cannot go stale: it loads as it is and with every optional
    ("# key = value") line switched on, and it names every key of the model."""
    text = (ROOT / "govkpi.example.toml").read_text()
    as_is = load_settings(write(tmp_path, text), env={})
    assert as_is.model_dump() == Settings().model_dump()  # the active lines are the defaults
    everything = OPTIONAL.sub("", text)
    full = load_settings(write(tmp_path, everything), env={})
    assert full.detection.fdr == 0.05 and full.routing.owners[0].markets == ["ES", "PT"]
    assert full.spark.conf == {"spark.sql.shuffle.partitions": "64"}
    named = {
        next((m for m in MAPS if key.startswith(m + ".")), key)
        for key in _toml_keys(tomllib.loads(everything))
    }
    # [indicators.<metric_id>] tables: their keys are the model's `indicators.<key>`.
    named = {re.sub(r"^indicators\.[a-z0-9_]+\.", "indicators.", key) for key in named}
    assert full.indicators["proactive_rate"].owner == "Detection on-call (#det-oncall)"
    assert named == set(field_keys()), named ^ set(field_keys())
    # one comment per key, naming its variable
    for line in everything.splitlines():
        if re.match(r"^[a-z_]+ = ", line):
            assert " # " in line, line


def _toml_keys(data: dict, prefix: str = "") -> list[str]:
    keys = []
    for name, value in data.items():
        if isinstance(value, dict):
            keys += _toml_keys(value, f"{prefix}{name}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            keys += _toml_keys(value[0], f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


def test_docs_list_every_variable() -> None:
    """docs/alerts.md's table names each key's GOVKPI_ variable and every flat alias."""
    documented = set(re.findall(r"GOVKPI_[A-Z_]+", (ROOT / "docs" / "alerts.md").read_text()))
    lists = {"routing.owners", "indicators"}
    keys = {next((k for k in lists if key.startswith(k + ".")), key) for key in field_keys()}
    nested = {"GOVKPI_" + key.replace(".", "__").upper() for key in keys}
    extra = {"GOVKPI_CONFIG", "GOVKPI_SMTP_PASSWORD", "GOVKPI_SMTP_PASSWORD_FILE"}
    assert nested | set(FLAT_ENV) | extra <= documented, (nested | set(FLAT_ENV)) - documented


def test_engine_and_spark_settings_from_file_environment_and_flags(tmp_path: Path) -> None:
    """`[spark.conf]` may spell Spark keys unquoted (TOML nests them) and with numbers or
    booleans: Spark gets the dotted key and a string."""
    text = (
        'engine = "spark"\nmemory_limit = "512MB"\n[spark]\nmaster = "local[2]"\n'
        "[spark.conf]\nspark.sql.shuffle.partitions = 4\n"
        '"spark.sql.adaptive.enabled" = false\n'
        '[spark.tables]\nlistings = "lake.listings"\n'
    )
    settings = load_settings(write(tmp_path, text), env={})
    assert settings.engine == "spark" and settings.memory_limit == "512MB"
    assert settings.spark.master == "local[2]" and settings.spark.remote is None
    assert settings.spark.conf == {
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.adaptive.enabled": "false",
    }
    assert settings.spark.tables == {"listings": "lake.listings"}
    env = {
        "GOVKPI_ENGINE": "duckdb",
        "GOVKPI_SPARK_MASTER": "spark://10.0.0.5:7077",
        "GOVKPI_SPARK_REMOTE": "sc://connect.example.com:15002",
        "GOVKPI_SPARK__CONF": '{"spark.executor.memory": "8g"}',
    }
    overridden = load_settings(write(tmp_path, text), env=env, flags={"engine": "spark"})
    assert overridden.engine == "spark" and overridden.origin("engine") == "flag"
    assert overridden.spark.master == "spark://10.0.0.5:7077"
    assert overridden.origin("spark.master") == "env (GOVKPI_SPARK_MASTER)"
    assert overridden.spark.remote == "sc://connect.example.com:15002"
    # A table merges key by key, as every section does: the variable adds one setting.
    assert overridden.spark.conf == {**settings.spark.conf, "spark.executor.memory": "8g"}
    assert Settings().engine == "duckdb" and Settings().memory_limit == "4GB"


def test_bad_engine_settings_are_named_together(tmp_path: Path) -> None:
    text = (
        'engine = "presto"\nmemory_limit = "lots"\n[spark]\nremote = "http://x:15002"\n'
        '[spark.tables]\nsellers = "db.sellers"\ncomplaints = "db.c; DROP TABLE x"\n'
    )
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), env={})
    message = str(err.value)
    for expected in ("engine", "'lots' is not a memory size", "not a Spark Connect URL",
                     "unknown export 'sellers'"):  # fmt: skip
        assert expected in message, expected
    with pytest.raises(ConfigError, match="is not a table name"):
        load_settings(write(tmp_path, '[spark.tables]\ncomplaints = "db.c; DROP TABLE x"\n'))


def test_export_tables_of_the_settings_are_the_contracts() -> None:
    from metrics.contract import TABLES
    from metrics.settings.model import EXPORT_TABLES

    assert EXPORT_TABLES == tuple(t.name for t in TABLES)


def test_config_show_masks_spark_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from govkpi.cli import main

    config = write(
        tmp_path,
        '[spark]\nremote = "sc://connect.example.com:15002/;token=tok-123;user_id=ana"\n'
        '[spark.conf]\n"spark.hadoop.fs.s3a.secret.key" = "s3-secret-456"\n'
        '"spark.hadoop.fs.s3a.endpoint" = "http://minio:9000"\n',
    )
    monkeypatch.delenv("GOVKPI_CONFIG", raising=False)
    assert main(["config", "show", "--config", config]) == 0
    out = capsys.readouterr().out
    assert "tok-123" not in out and "s3-secret-456" not in out
    assert ";token=********;user_id=ana" in out
    assert "http://minio:9000" in out
