"""The version of govkpi that is running, for `govkpi --version` and the store's meta.

A store records which release computed its series and scored them, so a figure that moves
between two releases can be traced to the release and not mistaken for a change in the data.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DISTRIBUTION = "govkpi"
# A source checkout that was never installed: the version the checkout's pyproject declares.
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
UNKNOWN = "0+unknown"


def govkpi_version() -> str:
    """The installed distribution's version, else the source checkout's, else `0+unknown`."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return _declared_version(_PYPROJECT)


def _declared_version(pyproject: Path) -> str:
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return UNKNOWN
    declared = project.get("version") if isinstance(project, dict) else None
    return declared if isinstance(declared, str) and declared else UNKNOWN
