"""The house shows its parts: dependencies point one way and folders stay small.

Exports -> metrics -> detection -> rules -> alert state -> notify -> dashboard: a module may
import from its own layer and those below it, never from one above. Checked on the source
(every import statement, including those inside functions), so a shortcut cannot hide.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("metrics", "sample_data", "alerts", "dashboard", "govkpi")

# Package -> the top-level product packages it must not import.
FORBIDDEN = {
    "metrics": ("alerts", "dashboard", "govkpi", "sample_data"),
    "sample_data": ("alerts", "dashboard", "govkpi"),
    "alerts": ("dashboard", "govkpi"),
    "dashboard": ("govkpi",),
}
# Inside alerts: detection is statistics only.
ALERTS_BELOW = {
    "alerts.detection": ("alerts.rules", "alerts.state", "alerts.notify", "alerts.daily_job"),
    "alerts.rules": ("alerts.notify", "alerts.daily_job", "alerts.scheduler"),
    "alerts.state": ("alerts.notify", "alerts.daily_job", "alerts.scheduler"),
}
MAX_MODULES = 15


def _modules() -> list[Path]:
    return [p for pkg in PRODUCT for p in sorted((ROOT / pkg).rglob("*.py"))]


def _dotted(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _violations(module: str, imported: set[str], rules: dict[str, tuple[str, ...]]) -> list[str]:
    bad = []
    for owner, forbidden in rules.items():
        if module == owner or module.startswith(owner + "."):
            bad += [
                f"{module} imports {name}"
                for name in sorted(imported)
                for target in forbidden
                if name == target or name.startswith(target + ".")
            ]
    return bad


def test_dependencies_point_one_way() -> None:
    problems: list[str] = []
    for path in _modules():
        module, imported = _dotted(path), _imports(path)
        problems += _violations(module, imported, FORBIDDEN)
        problems += _violations(module, imported, ALERTS_BELOW)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("top", [*PRODUCT, "tests", "bench"])
def test_no_folder_holds_more_than_fifteen_modules(top: str) -> None:
    folders = {p.parent for p in (ROOT / top).rglob("*.py")}
    crowded = {
        str(f.relative_to(ROOT)): n
        for f in folders
        if (n := len(list(f.glob("*.py")))) > MAX_MODULES
    }
    assert not crowded, crowded


def test_no_product_module_is_named_like_a_test() -> None:
    named = [
        str(p.relative_to(ROOT))
        for p in _modules()
        if p.stem.startswith("test_") or p.stem.endswith("_test")
    ]
    assert not named
