"""`govkpi --version`, and the version that compute and detect write into the store's meta."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from govkpi import cli
from metrics import package_version
from metrics.engine import compute_store
from metrics.metric_store import MetricStore, get_meta, set_meta
from tests.detection.test_detection_phenomena import build
from tests.export_fixtures import write_exports


def test_version_flag_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"govkpi {version('govkpi')}\n"


def test_uninstalled_checkout_reports_its_pyproject_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def not_installed(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(package_version, "version", not_installed)
    root = Path(__file__).resolve().parents[2]
    declared = package_version._declared_version(root / "pyproject.toml")
    assert declared not in ("", package_version.UNKNOWN)
    assert package_version.govkpi_version() == declared


@pytest.mark.parametrize(
    "text", [None, "not toml [", "[project]\nname = 'govkpi'\n", "project = 3\n"]
)
def test_without_any_version_source_the_version_is_unknown(
    tmp_path: Path, text: str | None
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    if text is not None:
        pyproject.write_text(text)
    assert package_version._declared_version(pyproject) == "0+unknown"


def test_compute_writes_the_version_into_the_store(tmp_path: Path) -> None:
    store = MetricStore(tmp_path / "store.duckdb")
    compute_store(str(write_exports(tmp_path / "data")), store, full=True)
    with store.read() as con:
        assert get_meta(con, "govkpi_version") == package_version.govkpi_version()


def test_detect_writes_the_version_with_the_detector_version(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    rows = build("rate", level=20e-4, volume=60_000, days=60, seed=5).assign(
        metric_id="complaint_rate", slice="all"
    )
    with MetricStore(path).write() as con:
        con.register("rows", rows)
        con.execute(
            "INSERT INTO series (metric_id, slice, date, value, numerator, denominator)"
            " SELECT metric_id, slice, CAST(date AS DATE), value, numerator, denominator FROM rows"
        )
        # A store computed by another release: detect must overwrite, not keep, its version.
        set_meta(con, "govkpi_version", "0.0.1")
    assert cli.main(["-q", "detect", "--store", str(path)]) == 0
    with MetricStore(path).read() as con:
        assert get_meta(con, "govkpi_version") == package_version.govkpi_version()
        assert (get_meta(con, "detector_version") or "").startswith("detector-")
        assert len(con.execute("SELECT * FROM detections").df()) == len(rows)
