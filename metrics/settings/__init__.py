"""One settings model for every command and for the dashboard.

Sources, one precedence everywhere: command-line flags > GOVKPI_* environment variables >
TOML file (`--config FILE` or GOVKPI_CONFIG) > defaults. Every key has a variable:
GOVKPI_<KEY> at the top level, GOVKPI_<SECTION>__<KEY> in a section (`GOVKPI_DETECTION__FDR`);
the older flat names (GOVKPI_SMTP_HOST, GOVKPI_MAIL_TO, GOVKPI_RULES...) keep working. Secrets
(the SMTP password, the sign-in client secret and cookie secret) come only from their variable
or the file its *_FILE variable names (GOVKPI_SMTP_PASSWORD[_FILE],
GOVKPI_AUTH_CLIENT_SECRET[_FILE], GOVKPI_AUTH_COOKIE_SECRET[_FILE]): they are refused in the
TOML file and kept in SecretStr values that no repr, dump or log shows.

It lives beside `metrics.errors` at the bottom layer so that metrics, alerts, the dashboard
and the command line all read the same values.
"""

from metrics.settings.loader import MASK, effective_rows, load_settings, settings_environment
from metrics.settings.model import (
    CONFIG_ENV,
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_THRESHOLD,
    EXPORTS_AREA,
    PASSWORD_ENV,
    PASSWORD_FILE_ENV,
    ROLES,
    SECRET_VARIABLES,
    AuthSettings,
    DetectionSettings,
    DigestSettings,
    LifecycleSettings,
    MailSettings,
    OwnerRoute,
    Role,
    RoleSettings,
    RoutingSettings,
    ScheduleSettings,
    Settings,
    SmtpSettings,
    SparkSettings,
    field_keys,
)
from metrics.settings.sources import FLAT_ENV

__all__ = [
    "ROLES",
    "SECRET_VARIABLES",
    "AuthSettings",
    "Role",
    "RoleSettings",
    "CONFIG_ENV",
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_THRESHOLD",
    "EXPORTS_AREA",
    "FLAT_ENV",
    "MASK",
    "PASSWORD_ENV",
    "PASSWORD_FILE_ENV",
    "DetectionSettings",
    "DigestSettings",
    "LifecycleSettings",
    "MailSettings",
    "OwnerRoute",
    "RoutingSettings",
    "ScheduleSettings",
    "Settings",
    "SmtpSettings",
    "SparkSettings",
    "effective_rows",
    "field_keys",
    "load_settings",
    "settings_environment",
]
