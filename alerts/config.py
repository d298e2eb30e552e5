"""Alert-job configuration: a TOML file plus GOVKPI_* environment variables that override it.

Precedence: command-line options > environment > file > defaults. Every problem is reported at
once in one ConfigError (exit code 2). The SMTP password is only ever read from
GOVKPI_SMTP_PASSWORD: a password in the file is rejected, and the value is kept in a SecretStr
that never appears in a repr, a log line or a dump of the configuration.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from metrics.errors import ConfigError

CONFIG_ENV = "GOVKPI_CONFIG"
PASSWORD_ENV = "GOVKPI_SMTP_PASSWORD"

# Environment variable -> (section or None, key) in the configuration.
ENV_KEYS: dict[str, tuple[str | None, str]] = {
    "GOVKPI_DATA": (None, "data"),
    "GOVKPI_STORE": (None, "store"),
    "GOVKPI_TIMEZONE": (None, "timezone"),
    "GOVKPI_DASHBOARD_URL": (None, "dashboard_url"),
    "GOVKPI_OUTBOX_DIR": (None, "outbox_dir"),
    "GOVKPI_RULES": (None, "rules_file"),
    "GOVKPI_SMTP_HOST": ("smtp", "host"),
    "GOVKPI_SMTP_PORT": ("smtp", "port"),
    "GOVKPI_SMTP_USER": ("smtp", "user"),
    "GOVKPI_SMTP_STARTTLS": ("smtp", "starttls"),
    "GOVKPI_SMTP_CA_FILE": ("smtp", "ca_file"),
    "GOVKPI_MAIL_FROM": ("mail", "from"),
    "GOVKPI_MAIL_TO": ("mail", "to"),
}


def _check_address(value: str) -> str:
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or any(c in value for c in " \r\n<>,;"):
        raise ValueError(f"{value!r} is not an email address")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SmtpSettings(_Section):
    host: str | None = None
    port: int = Field(587, ge=1, le=65535)
    user: str | None = None
    starttls: bool = True
    # Extra CA bundle for a relay with a private certificate.
    ca_file: str | None = None
    timeout_seconds: float = Field(30.0, gt=0)


class MailSettings(_Section):
    from_: str | None = Field(None, alias="from")
    to: list[str] = Field(default_factory=list)
    subject_prefix: str = "[govkpi]"

    @field_validator("from_")
    @classmethod
    def _from(cls, value: str | None) -> str | None:
        return None if value is None else _check_address(value)

    @field_validator("to", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in (p.strip() for p in value.split(",")) if part]
        return value

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return [_check_address(v) for v in value]


class OwnerRoute(_Section):
    """Recipients for one indicator area (catalogue owner_area, or "*"), optionally per market."""

    area: str
    markets: list[str] = Field(default_factory=list)
    to: list[str] = Field(min_length=1)

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return [_check_address(v) for v in value]


class RoutingSettings(_Section):
    owners: list[OwnerRoute] = Field(default_factory=list)
    # When true the default recipients (mail.to) get every alert, not only unrouted ones.
    copy_default: bool = False


class LifecycleSettings(_Section):
    pending_days: int = Field(1, ge=0, le=60)
    keep_firing_days: int = Field(1, ge=0, le=60)
    reminder_days: int = Field(3, ge=0, le=365)
    anomaly_critical_score: float = Field(6.0, gt=0)
    warmup_days: int = Field(28, ge=1, le=366)
    max_catchup_days: int = Field(90, ge=1, le=3660)
    # A market/table/day with fewer rows than this share of its usual count is incomplete...
    incomplete_ratio: float = Field(0.5, gt=0, lt=1)
    # ...when so few rows would happen by chance (Poisson) less often than this.
    incomplete_alpha: float = Field(1e-4, gt=0, lt=0.5)


class DigestSettings(_Section):
    chart_days: int = Field(60, ge=7, le=400)
    # Charts per digest; further cards are listed without one (keeps big days readable).
    max_charts: int = Field(12, ge=0, le=100)
    contributors: int = Field(5, ge=0, le=20)


class ScheduleSettings(_Section):
    cron: str = "0 7 * * *"
    timezone: str | None = None

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a cron expression (e.g. '0 7 * * *')")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else _check_zone(value)


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Madrid)") from None
    return value


class AlertsConfig(_Section):
    data: str | None = None
    store: str | None = None
    timezone: str = "UTC"
    dashboard_url: str | None = None
    outbox_dir: str | None = None
    rules_file: str | None = None
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    lifecycle: LifecycleSettings = Field(default_factory=LifecycleSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    # Environment only; excluded from dumps, masked in reprs.
    smtp_password: SecretStr | None = Field(None, exclude=True, repr=False)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return _check_zone(value)

    @field_validator("dashboard_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} must start with http:// or https://")
        return value.rstrip("/")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def schedule_zone(self) -> ZoneInfo:
        return ZoneInfo(self.schedule.timezone or self.timezone)

    def routed_areas(self) -> set[str]:
        return {route.area for route in self.routing.owners}

    def missing_for_delivery(self) -> list[str]:
        """What a real (not dry-run) delivery still needs."""
        missing = []
        if not self.smtp.host:
            missing.append("smtp.host (GOVKPI_SMTP_HOST)")
        if not self.mail.from_:
            missing.append("mail.from (GOVKPI_MAIL_FROM)")
        if self.smtp.user and self.smtp_password is None:
            missing.append(f"{PASSWORD_ENV} (smtp.user is set)")
        return missing


def load_config(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    known_areas: set[str] | None = None,
) -> AlertsConfig:
    """File (path, else $GOVKPI_CONFIG, else none) < environment < overrides (CLI options)."""
    env = os.environ if env is None else env
    path = path or env.get(CONFIG_ENV) or None
    problems: list[str] = []
    raw: dict[str, Any] = {}
    origin = str(path) if path else "configuration"
    if path:
        try:
            with open(path, "rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    smtp_raw = raw.get("smtp")
    if isinstance(smtp_raw, dict) and "password" in smtp_raw:
        smtp_raw.pop("password")
        problems.append(
            f"{origin}: smtp.password is not allowed in a file; set {PASSWORD_ENV} instead"
        )
    for key in ("password", "smtp_password"):
        if key in raw:
            raw.pop(key)
            problems.append(f"{origin}: {key} is not allowed in a file; set {PASSWORD_ENV}")

    sources: dict[tuple[str, ...], str] = {}
    for var, (section, key) in ENV_KEYS.items():
        value = env.get(var)
        if value is None or value == "":
            continue
        target = raw.setdefault(section, {}) if section else raw
        if not isinstance(target, dict):
            continue  # the file's wrong type is reported by validation
        target[key] = value
        sources[(section, key) if section else (key,)] = var
    for key, value in (overrides or {}).items():
        if value is not None:
            raw[key] = value
            sources[(key,)] = f"--{key.replace('_', '-')}"
    password = env.get(PASSWORD_ENV)
    if password:
        raw["smtp_password"] = password

    config: AlertsConfig | None = None
    try:
        config = AlertsConfig.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(str(p) for p in err["loc"])
            where = sources.get(loc) or ".".join(loc) or "file"
            msg = err["msg"].removeprefix("Value error, ")
            prefix = (
                "environment"
                if where in ENV_KEYS
                else "command line"
                if where[:2] == "--"
                else origin
            )
            problems.append(f"{prefix}: {where}: {msg}")
    if config is not None and known_areas is not None:
        for route in config.routing.owners:
            if route.area != "*" and route.area not in known_areas:
                problems.append(
                    f"{origin}: routing.owners: unknown area {route.area!r}; "
                    f"known: {', '.join(sorted(known_areas))}"
                )
    if problems:
        more = f" (and {len(problems) - 1} more: " + "; ".join(problems[1:]) + ")"
        raise ConfigError(problems[0] + (more if len(problems) > 1 else ""))
    assert config is not None
    return config
