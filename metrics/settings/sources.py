"""Where settings come from, in one order: flags > GOVKPI_* environment > TOML file > defaults.

- `EnvironmentSource`: GOVKPI_<KEY> and GOVKPI_<SECTION>__<KEY> (pydantic-settings' own
  reader, given the environment to read so that a test or the dashboard's child can pass one).
- `FlatEnvironmentSource`: the flat names govkpi has always read (GOVKPI_SMTP_HOST,
  GOVKPI_MAIL_TO, GOVKPI_RULES...) and GOVKPI_SMTP_PASSWORD_FILE. Below the `__` form, which
  wins when both name the same key.
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
    PASSWORD_ENV,
    PASSWORD_FILE_ENV,
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
}
# Keys that hold a secret: never in the file, never shown.
SECRET_KEYS = ("smtp_password",)


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
    """The flat GOVKPI_* names of FLAT_ENV, and the password from GOVKPI_SMTP_PASSWORD_FILE."""

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
        password_file = self._env.get(PASSWORD_FILE_ENV)
        if password_file:
            if self._env.get(PASSWORD_ENV):
                self.problems.append(
                    f"environment: set {PASSWORD_ENV} or {PASSWORD_FILE_ENV}, not both"
                )
            else:
                try:
                    # Secret files usually end with a newline that is not part of the password.
                    data["smtp_password"] = Path(password_file).read_text().rstrip("\r\n")
                    self.variables[("smtp_password",)] = PASSWORD_FILE_ENV
                except OSError as exc:
                    self.problems.append(
                        f"environment: {PASSWORD_FILE_ENV}: cannot read {password_file}: "
                        f"{exc.strerror}"
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
        smtp = data.get("smtp")
        secrets = ("password", "password_file")
        found = [f"smtp.{k}" for k in secrets if isinstance(smtp, dict) and k in smtp]
        found += [k for k in ("password", *SECRET_KEYS) if k in data]
        for key in found:
            section, _, name = key.rpartition(".")
            (data[section] if section else data).pop(name)
            self.problems.append(
                f"{self.path}: {key} is not allowed in a file; "
                f"set {PASSWORD_ENV} or {PASSWORD_FILE_ENV} instead"
            )
        return data


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
