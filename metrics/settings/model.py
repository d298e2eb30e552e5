"""The settings model: every setting govkpi has, its type, default and checks.

Sections are plain pydantic models with unknown keys rejected; `Settings` is the
pydantic-settings root that the loader (`metrics.settings.loader`) fills from flags, GOVKPI_*
environment variables and the TOML file. Field names are the TOML keys (`mail.from` is the one
alias: `from` is a Python keyword).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from metrics.presentation import is_web_link

ENV_PREFIX = "GOVKPI_"
ENV_DELIMITER = "__"
CONFIG_ENV = "GOVKPI_CONFIG"
DEFAULT_RETENTION_DAYS = 400
PASSWORD_ENV = "GOVKPI_SMTP_PASSWORD"
PASSWORD_FILE_ENV = "GOVKPI_SMTP_PASSWORD_FILE"
CLIENT_SECRET_ENV = "GOVKPI_AUTH_CLIENT_SECRET"
COOKIE_SECRET_ENV = "GOVKPI_AUTH_COOKIE_SECRET"
# Secret setting -> (its variable, the variable naming a file that holds it). Secrets come from
# these alone: never from the TOML file, never handed to a child process in its environment.
SECRET_VARIABLES: dict[str, tuple[str, str]] = {
    "smtp_password": (PASSWORD_ENV, PASSWORD_FILE_ENV),
    "auth_client_secret": (CLIENT_SECRET_ENV, CLIENT_SECRET_ENV + "_FILE"),
    "auth_cookie_secret": (COOKIE_SECRET_ENV, COOKIE_SECRET_ENV + "_FILE"),
}
# The dashboard's roles, least to most: viewers read; operators also acknowledge, resolve,
# silence, give feedback and see the rows behind a slice; admins also read the audit log.
ROLES = ("viewer", "operator", "admin")
Role = Literal["viewer", "operator", "admin"]
# What DuckDB may hold in memory before it spills to disk: headroom under a 6 GB machine budget.
DEFAULT_MEMORY_LIMIT = "4GB"
# The export tables a Spark catalogue table can stand in for (metrics.contract.TABLES; a test
# keeps them equal: the settings sit below the contract's users but need no import of it).
EXPORT_TABLES = ("listings", "complaints", "appeals", "traffic")
# The detector's default decision limit (alerts.detection.false_alarm_control.DEFAULT_THRESHOLD;
# a test keeps them equal: metrics may not import alerts).
DEFAULT_THRESHOLD = 4.0
# The routing area of the exports' freshness (the digest's no-data notice), beside the
# catalogue's indicator areas.
EXPORTS_AREA = "exports"


def _check_address(value: str) -> str:
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or any(c in value for c in " \r\n<>,;"):
        raise ValueError(f"{value!r} is not an email address")
    return value


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Madrid)") from None
    return value


def _address_list(value: object) -> object:
    """A list from the file, or from one environment variable: a JSON array or commas."""
    if isinstance(value, str):
        if value.lstrip().startswith("["):
            return json.loads(value)
        return [part for part in (p.strip() for p in value.split(",")) if part]
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SmtpSettings(_Section):
    host: str | None = None
    port: int = Field(587, ge=1, le=65535)
    user: str | None = None
    starttls: bool = True
    # TLS from the first byte (SMTPS, usually port 465) instead of STARTTLS.
    implicit_tls: bool = False
    # Extra CA bundle for a relay with a private certificate.
    ca_file: str | None = None
    timeout_seconds: float = Field(30.0, gt=0)
    # Within a run, a transient failure (connection refused, a 4xx reply) is tried this many
    # times in all, waiting retry_wait_seconds, then twice that, ... between tries.
    retries: int = Field(3, ge=1, le=10)
    retry_wait_seconds: float = Field(2.0, ge=0, le=300)
    # Across runs: a message that failed this many attempts is given up (status failed).
    max_attempts: int = Field(5, ge=1, le=100)

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> SmtpSettings:
        if self.user and not (self.starttls or self.implicit_tls):
            raise ValueError(
                "smtp.user is set but the connection has no TLS: set smtp.starttls = true "
                "(port 587) or smtp.implicit_tls = true (port 465); govkpi does not send a "
                "password in clear text"
            )
        return self


class MailSettings(_Section):
    from_: str | None = Field(None, alias="from")
    # NoDecode: GOVKPI_MAIL__TO may be "a@x, b@x" as well as a JSON array.
    to: Annotated[list[str], NoDecode] = Field(default_factory=list)
    subject_prefix: str = "[govkpi]"

    @field_validator("from_")
    @classmethod
    def _from(cls, value: str | None) -> str | None:
        return None if value is None else _check_address(value)

    @field_validator("to", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _address_list(value)

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
    # An export whose newest day is more than this many days before today (reporting zone)
    # is stale: the digest says so, once a day, and `alerts status` and the Data page flag it.
    stale_after_days: int = Field(2, ge=1, le=365)


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


class DetectionSettings(_Section):
    """The anomaly detector as `govkpi detect` and the daily job both run it."""

    # Score (standard deviations) from which a day is anomalous.
    threshold: float = Field(DEFAULT_THRESHOLD, gt=0)
    # Keep only Benjamini-Hochberg discoveries at this level across the day's series; None: off.
    fdr: float | None = Field(None, gt=0, lt=1)
    # A TOML calendar of known event days that replaces the packaged one.
    known_events: str | None = None


def _check_web_link(value: str) -> str:
    """An http(s) address with a host (`presentation.is_web_link`, as the catalogue checks)."""
    if not is_web_link(value):
        raise ValueError(f"{value!r} must be an http:// or https:// address")
    return value


class IndicatorSettings(_Section):
    """One indicator's contact, over its catalogue entry (`[indicators.<metric_id>]`)."""

    # Its runbook page on the team's wiki (over runbook_base_url and the packaged one).
    runbook_url: str | None = None
    # Who answers for it: a team, person or channel, shown in alert cards.
    owner: str | None = Field(None, min_length=1)

    @field_validator("runbook_url")
    @classmethod
    def _runbook(cls, value: str | None) -> str | None:
        return None if value is None else _check_web_link(value)


def _check_web_url(value: str | None, key: str) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise ValueError(f"{key} {value!r} must start with http:// or https://")
    return value


class RoleSettings(_Section):
    """`[auth.roles]`: who gets which role. Entries of `admin` / `operator` are an email
    address (`lead@example.com`) or a domain (`@example.com`); `groups` maps a value of the
    ID token's `groups_claim` to a role. The highest match wins; anyone signed in whom nothing
    matches is a viewer."""

    admin: list[str] = Field(default_factory=list)
    operator: list[str] = Field(default_factory=list)
    groups_claim: str | None = None
    groups: dict[str, Role] = Field(default_factory=dict)

    @field_validator("admin", "operator", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _address_list(value)

    @field_validator("admin", "operator")
    @classmethod
    def _entries(cls, value: list[str]) -> list[str]:
        checked = []
        for entry in value:
            entry = entry.strip().lower()
            domain = entry[1:] if entry.startswith("@") else None
            if domain is not None:
                if "." not in domain or any(c in domain for c in " @<>,;"):
                    raise ValueError(f"{entry!r} is not a domain (e.g. @example.com)")
            else:
                _check_address(entry)
            checked.append(entry)
        return checked

    @model_validator(mode="after")
    def _claim_for_groups(self) -> RoleSettings:
        if self.groups and not self.groups_claim:
            raise ValueError(
                "auth.roles.groups is set but auth.roles.groups_claim is not "
                '(the ID token claim that lists the groups, e.g. "groups")'
            )
        return self


class AuthSettings(_Section):
    """Sign-in to the dashboard by OpenID Connect (Streamlit's st.login). Sign-in is on when
    `provider_url` is set; the client secret and cookie secret come from the environment only
    (GOVKPI_AUTH_CLIENT_SECRET, GOVKPI_AUTH_COOKIE_SECRET or their _FILE variables)."""

    # The provider's discovery document (.../.well-known/openid-configuration).
    provider_url: str | None = None
    client_id: str | None = None
    # The dashboard's public address + /oauth2callback; default: dashboard_url's, else
    # http://localhost:PORT/oauth2callback.
    redirect_uri: str | None = None
    roles: RoleSettings = Field(default_factory=RoleSettings)

    @field_validator("provider_url")
    @classmethod
    def _provider(cls, value: str | None) -> str | None:
        return _check_web_url(value, "auth.provider_url")

    @field_validator("redirect_uri")
    @classmethod
    def _redirect(cls, value: str | None) -> str | None:
        value = _check_web_url(value, "auth.redirect_uri")
        if value is not None and not value.rstrip("/").endswith("/oauth2callback"):
            raise ValueError(
                f"auth.redirect_uri {value!r} must end with /oauth2callback "
                "(Streamlit's callback path)"
            )
        return value


_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
# A catalogue table: `table`, `db.table` or `catalog.db.table`, plain identifiers only.
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


def _flat_conf(value: object, prefix: str = "") -> object:
    """`[spark.conf]` as flat `key -> text`: TOML reads an unquoted `spark.sql.x = 8` as nested
    tables and as a number; Spark wants the dotted key and a string."""
    if not isinstance(value, dict):
        return value
    flat: dict[str, object] = {}
    for key, inner in value.items():
        name = f"{prefix}{key}"
        if isinstance(inner, dict):
            nested = _flat_conf(inner, name + ".")
            assert isinstance(nested, dict)
            flat.update(nested)
        elif isinstance(inner, bool):
            flat[name] = "true" if inner else "false"
        elif isinstance(inner, int | float):
            flat[name] = str(inner)
        else:
            flat[name] = inner
    return flat


class SparkSettings(_Section):
    """Where `engine = "spark"` runs: a master (local mode by default) or a Spark Connect
    server, extra Spark configuration, and catalogue tables that stand in for export files."""

    master: str = Field("local[*]", min_length=1)
    # Spark Connect (`sc://host:15002`); when set, `master` is not used.
    remote: str | None = None
    conf: dict[str, str] = Field(default_factory=dict)
    # Export table -> catalogue table (`listings = "db.listings"`), read instead of files.
    tables: dict[str, str] = Field(default_factory=dict)

    @field_validator("remote")
    @classmethod
    def _remote(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("sc://"):
            raise ValueError(f"{value!r} is not a Spark Connect URL (sc://host:15002)")
        return value

    @field_validator("conf", mode="before")
    @classmethod
    def _conf(cls, value: object) -> object:
        return _flat_conf(value)

    @field_validator("tables")
    @classmethod
    def _tables(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(EXPORT_TABLES))
        if unknown:
            raise ValueError(f"unknown export {unknown[0]!r}; known: {', '.join(EXPORT_TABLES)}")
        for table, name in value.items():
            if not _TABLE_NAME.match(name):
                raise ValueError(f"{table}: {name!r} is not a table name (db.table)")
        return value


class Settings(BaseSettings):
    """Every setting of every command and of the dashboard (see docs/alerts.md#settings)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        env_ignore_empty=True,
        extra="forbid",
        populate_by_name=True,
    )

    data: str | None = None
    store: str | None = None
    timezone: str = "UTC"
    dashboard_url: str | None = None
    # Every indicator's runbook on the team's wiki: `{metric_id}` in it is replaced by the
    # indicator's id, else `/<metric_id>` is appended (`metrics.runbooks`).
    runbook_base_url: str | None = None
    # Per indicator: its runbook and owner, over runbook_base_url and the catalogue.
    indicators: dict[str, IndicatorSettings] = Field(default_factory=dict)
    outbox_dir: str | None = None
    rules_file: str | None = None
    # A TOML mapping of reasons to DSA statement categories that replaces the packaged one.
    dsa_mapping: str | None = None
    # The engine that computes the series (and scores them): one DuckDB process, or Spark.
    engine: Literal["duckdb", "spark"] = "duckdb"
    # DuckDB's memory limit (e.g. 4GB, 512MB); past it DuckDB spills to disk.
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    # Days of alert evaluations and sent mail the alert ledger keeps (episodes,
    # acknowledgements, closure and unsent mail are kept for good); 400 keeps a year-over-year
    # view of the evaluation log.
    retention_days: int = Field(DEFAULT_RETENTION_DAYS, ge=1, le=36_500)
    spark: SparkSettings = Field(default_factory=SparkSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    lifecycle: LifecycleSettings = Field(default_factory=LifecycleSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    detection: DetectionSettings = Field(default_factory=DetectionSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    # Secrets (SECRET_VARIABLES): environment or the file a *_FILE variable names, only;
    # excluded from dumps, masked in reprs.
    smtp_password: SecretStr | None = Field(None, exclude=True, repr=False)
    auth_client_secret: SecretStr | None = Field(None, exclude=True, repr=False)
    auth_cookie_secret: SecretStr | None = Field(None, exclude=True, repr=False)

    # Where each value came from ("file", "env (GOVKPI_X)", "flag"), by dotted key; set by
    # load_settings. Missing keys are defaults.
    _origins: dict[str, str] = PrivateAttr(default_factory=dict)
    _config_file: str | None = PrivateAttr(None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values given: `Settings(**values)` and `Settings.model_validate(values)`
        never read the environment or a file behind the caller's back (pydantic runs
        __init__ on validation). The sources are read by `load_settings` alone, which reports
        every problem at once and records where each value came from."""
        return (init_settings,)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return _check_zone(value)

    @field_validator("memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not _MEMORY.match(value.strip()):
            raise ValueError(f"{value!r} is not a memory size (e.g. 4GB, 512MB)")
        return value.strip()

    @field_validator("dashboard_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("runbook_base_url")
    @classmethod
    def _runbook_base(cls, value: str | None) -> str | None:
        return None if value is None else _check_web_link(value)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def schedule_zone(self) -> ZoneInfo:
        return ZoneInfo(self.schedule.timezone or self.timezone)

    @property
    def config_file(self) -> str | None:
        """The TOML file these settings were read from, if any."""
        return self._config_file

    def origin(self, key: str) -> str:
        """Where the value of a dotted key (`smtp.host`) came from: `file`,
        `env (GOVKPI_SMTP_HOST)`, `flag` or `default`."""
        return self._origins.get(key, "default")

    def routed_areas(self) -> set[str]:
        return {route.area for route in self.routing.owners}

    @property
    def sign_in(self) -> bool:
        """Whether the dashboard requires sign-in (an OpenID Connect provider is set)."""
        return self.auth.provider_url is not None

    def missing_for_sign_in(self) -> list[str]:
        """What sign-in still needs: nothing when it is off and nothing of it is set."""
        given = {
            "auth.provider_url (GOVKPI_AUTH_PROVIDER_URL)": self.auth.provider_url,
            "auth.client_id (GOVKPI_AUTH_CLIENT_ID)": self.auth.client_id,
            f"{CLIENT_SECRET_ENV} or {CLIENT_SECRET_ENV}_FILE": self.auth_client_secret,
            f"{COOKIE_SECRET_ENV} or {COOKIE_SECRET_ENV}_FILE": self.auth_cookie_secret,
        }
        if all(value is None for value in given.values()):
            return []
        return [name for name, value in given.items() if value is None]

    def missing_for_delivery(self) -> list[str]:
        """What a real (not dry-run) delivery still needs."""
        missing = []
        if not self.smtp.host:
            missing.append("smtp.host (GOVKPI_SMTP_HOST)")
        if not self.mail.from_:
            missing.append("mail.from (GOVKPI_MAIL_FROM)")
        if self.smtp.user and self.smtp_password is None:
            missing.append(f"{PASSWORD_ENV} or {PASSWORD_FILE_ENV} (smtp.user is set)")
        return missing


def field_keys(model: type[BaseModel] = Settings, prefix: str = "") -> list[str]:
    """Every dotted key of the model as the file spells it (lists of tables included),
    e.g. `smtp.host`, `routing.owners.area`; the secret is not a file key."""
    keys: list[str] = []
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        key = prefix + (info.alias or name)
        inner = _model_of(info.annotation)
        if inner is None:
            keys.append(key)
        else:
            keys.extend(field_keys(inner, key + "."))
    return keys


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The section model a field holds, directly or as list items."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None
