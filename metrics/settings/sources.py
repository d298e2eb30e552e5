"""Where settings come from, in one order: flags > GOVKPI_* environment > TOML file > defaults.

- `EnvironmentSource`: GOVKPI_<KEY> and GOVKPI_<SECTION>__<KEY> (pydantic-settings' own
  reader, given the environment to read so that a test or the dashboard's child can pass one).
- `FlatEnvironmentSource`: the flat names govkpi has always read (GOVKPI_SMTP_HOST,
  GOVKPI_MAIL_TO, GOVKPI_RULES, GOVKPI_AUTH_PROVIDER_URL...) and the secrets' *_FILE variables
  (GOVKPI_SMTP_PASSWORD_FILE, GOVKPI_AUTH_CLIENT_SECRET_FILE, GOVKPI_AUTH_COOKIE_SECRET_FILE).
  Below the `__` form, which wins when both name the same key.
- `TomlFileSource`: the file of `--config` or GOVKPI_CONFIG; a secret in it is refused.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    TomlConfigSettingsSource,
)
from pydantic_settings.sources.utils import parse_env_vars

from metrics.errors import ConfigError
from metrics.settings.model import (
    CONFIG_ENV,
    ENV_DELIMITER,
    ENV_PREFIX,
    SECRET_VARIABLES,
)

Key = tuple[str, ...]

# Flat variables that are not simply GOVKPI_<KEY>: variable -> key. Kept working for
# existing crontabs and service files; the `__` form reaches every key.
FLAT_ENV: dict[str, Key] = {
    "GOVKPI_RULES": ("rules_file",),
    "GOVKPI_KNOWN_EVENTS": ("detection", "known_events"),
    "GOVKPI_SMTP_HOST": ("smtp", "host"),
    "GOVKPI_SMTP_PORT": ("smtp", "port"),
    "GOVKPI_SMTP_USER": ("smtp", "user"),
    "GOVKPI_SMTP_STARTTLS": ("smtp", "starttls"),
    "GOVKPI_SMTP_CA_FILE": ("smtp", "ca_file"),
    "GOVKPI_MAIL_FROM": ("mail", "from"),
    "GOVKPI_MAIL_TO": ("mail", "to"),
    "GOVKPI_SPARK_MASTER": ("spark", "master"),
    "GOVKPI_SPARK_REMOTE": ("spark", "remote"),
    "GOVKPI_STALE_AFTER_DAYS": ("lifecycle", "stale_after_days"),
    "GOVKPI_AUTH_PROVIDER_URL": ("auth", "provider_url"),
    "GOVKPI_AUTH_CLIENT_ID": ("auth", "client_id"),
    "GOVKPI_AUTH_REDIRECT_URI": ("auth", "redirect_uri"),
}
# Keys that hold a secret: never in the file, never shown.
SECRET_KEYS = tuple(SECRET_VARIABLES)
# How a secret might be spelled in the TOML file (all refused): section -> names.
SECRETS_IN_FILE = {
    "smtp": ("password", "password_file"),
    "auth": ("client_secret", "cookie_secret", "client_secret_file", "cookie_secret_file"),
}


class EnvironmentSource(EnvSettingsSource):
    """GOVKPI_<KEY> and GOVKPI_<SECTION>__<KEY> from `env`."""

    origin = "env"

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._env = env  # read by _load_env_vars, which the parent's __init__ calls
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._env, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        """A list or table that is not JSON stays text, so that validation reports it with
        every other problem, naming its variable (pydantic-settings would stop at it)."""
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError:
            return value

    def variable_for(self, key: Key) -> str:
        """The variable that supplied `key`: the most specific one set (a section may also
        come whole, as JSON, from GOVKPI_<SECTION>)."""
        names = {name.upper() for name, value in self._env.items() if value}
        for depth in range(len(key), 0, -1):
            name = (ENV_PREFIX + ENV_DELIMITER.join(key[:depth])).upper()
            if name in names:
                return name
        return (ENV_PREFIX + ENV_DELIMITER.join(key)).upper()


class FlatEnvironmentSource(PydanticBaseSettingsSource):
    """The flat GOVKPI_* names of FLAT_ENV, and each secret from the file its *_FILE variable
    names (SECRET_VARIABLES)."""

    origin = "env"

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self._env = env
        self.variables: dict[Key, str] = {}
        self.problems: list[str] = []

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ reads by variable, not by field

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for var, key in FLAT_ENV.items():
            value = self._env.get(var)
            if value:
                *sections, last = key
                target = data
                for section in sections:
                    target = target.setdefault(section, {})
                target[last] = value
                self.variables[key] = var
        for secret, (variable, file_variable) in SECRET_VARIABLES.items():
            path = self._env.get(file_variable)
            if not path:
                continue
            if self._env.get(variable):
                self.problems.append(f"environment: set {variable} or {file_variable}, not both")
                continue
            try:
                # Secret files usually end with a newline that is not part of the secret.
                data[secret] = Path(path).read_text().rstrip("\r\n")
                self.variables[(secret,)] = file_variable
            except OSError as exc:
                self.problems.append(
                    f"environment: {file_variable}: cannot read {path}: {exc.strerror}"
                )
        return data


class TomlFileSource(TomlConfigSettingsSource):
    """The TOML file, if any. A missing or broken file is a ConfigError at once; a secret in
    it is dropped and recorded in `problems`."""

    origin = "file"

    def __init__(self, settings_cls: type[BaseSettings], path: str | None) -> None:
        self.path = path
        self.problems: list[str] = []
        if path and not os.path.isfile(path):
            raise ConfigError(f"config file {path} does not exist")
        super().__init__(settings_cls, toml_file=path)

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        try:
            with file_path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {self.path} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"config file {self.path}: {exc.strerror}") from None
        found = [
            (f"{section}.{name}", section)
            for section, names in SECRETS_IN_FILE.items()
            for name in names
            if isinstance(data.get(section), dict) and name in data[section]
        ]
        found += [(key, key) for key in ("password", *SECRET_KEYS) if key in data]
        for key, which in found:
            section, _, name = key.rpartition(".")
            (data[section] if section else data).pop(name)
            variable, file_variable = _secret_variables(which, name)
            self.problems.append(
                f"{self.path}: {key} is not allowed in a file; "
                f"set {variable} or {file_variable} instead"
            )
        return data


def _secret_variables(which: str, name: str) -> tuple[str, str]:
    """The variables that hold the secret a file tried to set (`auth`, `client_secret`)."""
    if which == "auth":
        return SECRET_VARIABLES["auth_" + name.removesuffix("_file")]
    return SECRET_VARIABLES.get(which, SECRET_VARIABLES["smtp_password"])


def config_path(explicit: str | None, env: Mapping[str, str]) -> str | None:
    """The file of --config, else of GOVKPI_CONFIG, else none."""
    return explicit or env.get(CONFIG_ENV) or None


def ordered_sources(
    settings_cls: type[BaseSettings],
    flags: PydanticBaseSettingsSource,
    env: Mapping[str, str],
    path: str | None,
) -> list[tuple[str, PydanticBaseSettingsSource]]:
    """(origin, source), highest precedence first: the one place the order is decided."""
    return [
        ("flag", flags),
        ("env", EnvironmentSource(settings_cls, env)),
        ("env", FlatEnvironmentSource(settings_cls, env)),
        ("file", TomlFileSource(settings_cls, config_path(path, env))),
    ]
