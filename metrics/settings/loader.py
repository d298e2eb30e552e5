"""`load_settings`: the one way every command and the dashboard get their settings.

The sources of `metrics.settings.sources` are read lowest first and merged key by key, so a
flag replaces one key of a section and leaves the file's others; where each value came from is
kept for `govkpi config show` and for error messages. Every problem (file, environment, flags,
routing areas) is reported at once in one ConfigError, which the command line turns into one
line and exit code 2.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_settings import InitSettingsSource
from pydantic_settings.exceptions import SettingsError

from metrics.errors import ConfigError
from metrics.settings.model import (
    CONFIG_ENV,
    ENV_DELIMITER,
    ENV_PREFIX,
    EXPORTS_AREA,
    Settings,
)
from metrics.settings.sources import (
    SECRET_KEYS,
    EnvironmentSource,
    FlatEnvironmentSource,
    Key,
    config_path,
    ordered_sources,
)

MASK = "********"
# Spark configuration keys that hold credentials (fs.s3a.secret.key, ...): shown masked.
SECRET_CONF = re.compile(r"secret|password|token|credential|access\.key", re.IGNORECASE)
# A Spark Connect URL's parameters may carry a token (`sc://host:15002/;token=...`).
URL_TOKEN = re.compile(r"(;token=)[^;]*", re.IGNORECASE)


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    known_areas: Collection[str] | None = None,
) -> Settings:
    """Settings from flags > environment > file (`config_file`, else $GOVKPI_CONFIG) > defaults.

    `flags` maps dotted keys to command-line values (`{"store": ..., "detection.fdr": ...}`);
    None means the flag was not given. `known_areas` are the routing areas allowed (default:
    the catalogue's owner areas).
    """
    env = os.environ if env is None else env
    path = config_path(str(config_file) if config_file else None, env)
    given = {key: value for key, value in (flags or {}).items() if value is not None}
    flag_source = InitSettingsSource(Settings, _nest(given))
    sources = ordered_sources(Settings, flag_source, env, path)

    merged: dict[str, Any] = {}
    origins: dict[Key, str] = {}
    problems: list[str] = []
    for kind, source in reversed(sources):
        try:
            data = source()
        except SettingsError as exc:
            problems.append(f"environment: {exc.__cause__ or exc}")
            continue
        problems.extend(getattr(source, "problems", ()))
        _merge(
            merged, copy.deepcopy(data), origins, lambda key, s=source, k=kind: _label(s, k, key)
        )

    settings: Settings | None = None
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        problems.extend(_describe(err, origins, path) for err in exc.errors())
    if settings is not None:
        problems.extend(_unknown_areas(settings, known_areas, origins, path))
        problems.extend(_unknown_indicators(settings, origins, path))
    if problems:
        more = f" (and {len(problems) - 1} more: " + "; ".join(problems[1:]) + ")"
        raise ConfigError(problems[0] + (more if len(problems) > 1 else ""))
    assert settings is not None
    settings._origins = {".".join(key): label for key, label in origins.items()}
    settings._config_file = os.path.abspath(path) if path else None
    return settings


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """{"detection.fdr": 0.05} -> {"detection": {"fdr": 0.05}}."""
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        *sections, last = dotted.split(".")
        target = nested
        for section in sections:
            target = target.setdefault(section, {})
        target[last] = value
    return nested


def _label(source: object, kind: str, key: Key) -> str:
    if isinstance(source, FlatEnvironmentSource):
        return f"env ({source.variables.get(key, '?')})"
    if isinstance(source, EnvironmentSource):
        return f"env ({source.variable_for(key)})"
    return kind


def _leaves(value: Any, key: Key) -> Iterator[Key]:
    """The keys a value sets: a table's keys one by one, anything else (lists too) whole."""
    if isinstance(value, dict) and value:
        for name, inner in value.items():
            yield from _leaves(inner, (*key, name))
    else:
        yield key


def _merge(base: dict[str, Any], data: dict[str, Any], origins: dict[Key, str], label: Any,
           prefix: Key = ()) -> None:  # fmt: skip
    """Deep-merges a higher-precedence source's `data` into `base`, relabelling what it sets."""
    for name, value in data.items():
        key = (*prefix, name)
        if isinstance(value, dict) and isinstance(base.get(name), dict):
            _merge(base[name], value, origins, label, key)
            continue
        base[name] = value
        for old in [k for k in origins if k[: len(key)] == key]:
            del origins[old]
        for leaf in _leaves(value, key):
            origins[leaf] = label(leaf)


def _describe(err: Any, origins: dict[Key, str], path: str | None) -> str:
    """One problem, said where the user can fix it: the file, the variable or the flag."""
    loc = tuple(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{_where(loc, origins, path)}: {msg}"


def _where(loc: Key, origins: dict[Key, str], path: str | None) -> str:
    """Where the value at `loc` was set: `environment: GOVKPI_X`, `command line: --x`, or
    `<file>: dotted.key` (`configuration: dotted.key` when there is no file)."""
    origin = next(
        (origins[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in origins), "default"
    )
    if origin.startswith("env ("):
        return f"environment: {origin[5:-1]}"
    if origin == "flag":
        return f"command line: --{loc[-1].replace('_', '-')}"
    return f"{path or 'configuration'}: {'.'.join(loc)}"


def _unknown_areas(
    settings: Settings,
    known_areas: Collection[str] | None,
    origins: dict[Key, str],
    path: str | None,
) -> list[str]:
    if not settings.routing.owners:
        return []
    if known_areas is None:
        from metrics.catalogue import load_catalogue

        known_areas = {m.owner_area for m in load_catalogue()} | {EXPORTS_AREA}
    where = _where(("routing", "owners"), origins, path)
    if not where.endswith("routing.owners"):  # a variable or flag: name the key as well
        where += ": routing.owners"
    return [
        f"{where}: unknown area {route.area!r}; known: {', '.join(sorted(known_areas))}"
        for route in settings.routing.owners
        if route.area != "*" and route.area not in known_areas
    ]


def _unknown_indicators(settings: Settings, origins: dict[Key, str], path: str | None) -> list[str]:
    """`[indicators.<id>]` tables must name indicators of the catalogue."""
    if not settings.indicators:
        return []
    from metrics.catalogue import load_catalogue

    known = set(load_catalogue().metrics)
    return [
        f"{_where(('indicators', name), origins, path)}: unknown indicator {name!r}; known: "
        f"{', '.join(sorted(known))}"
        for name in sorted(settings.indicators)
        if name not in known
    ]


def effective_rows(settings: Settings) -> list[tuple[str, str, str]]:
    """(dotted key, value as TOML would write it, origin) for every setting; the secret masked."""
    dumped = settings.model_dump(mode="json", by_alias=True)
    rows = []
    for key in _flat_keys(dumped):
        value = _get(dumped, key)
        origin = settings.origin(".".join(key))
        rows.append((".".join(key), _show(masked_value(key, value)), origin))
    for name in SECRET_KEYS:
        shown = MASK if getattr(settings, name) is not None else "(not set)"
        rows.append((name, shown, settings.origin(name)))
    return rows


def masked_value(key: Key, value: Any) -> Any:
    """A setting as it may be shown: credentials in Spark's configuration or URL masked."""
    if key[:2] == ("spark", "conf") and SECRET_CONF.search(".".join(key[2:])):
        return MASK
    if key == ("spark", "remote") and isinstance(value, str):
        return URL_TOKEN.sub(rf"\g<1>{MASK}", value)
    return value


def _flat_keys(data: dict[str, Any], prefix: Key = ()) -> Iterator[Key]:
    for name, value in data.items():
        if isinstance(value, dict) and value:
            yield from _flat_keys(value, (*prefix, name))
        else:
            yield (*prefix, name)


def _get(data: dict[str, Any], key: Key) -> Any:
    for name in key:
        data = data[name]
    return data


def _show(value: Any) -> str:
    return "(not set)" if value is None else json.dumps(value)


def settings_environment(settings: Settings) -> dict[str, str]:
    """GOVKPI_* variables that make `load_settings()` in another process (the dashboard's)
    return these settings: the config file, and every value a flag or variable set, in the
    `__` form. Never the secret: a child that does not send mail has no use for it."""
    env: dict[str, str] = {}
    if settings.config_file:
        env[CONFIG_ENV] = settings.config_file
    dumped = settings.model_dump(mode="json", by_alias=True)
    for dotted, origin in settings._origins.items():
        key = tuple(dotted.split("."))
        if origin in ("file", "default") or key[0] in SECRET_KEYS:
            continue
        value = _get(dumped, key)
        if value is None:
            continue
        name = (ENV_PREFIX + ENV_DELIMITER.join(key)).upper()
        env[name] = value if isinstance(value, str) else json.dumps(value)
    return env
