"""Every command reads the one settings model: `config show`, compute's time zone, the
[detection] section shared by `govkpi detect` and the daily job."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.daily_job import run_daily
from alerts.detection.detectors import DetectorParams
from alerts.detection.version import detector_version
from govkpi.cli import main
from metrics.metric_store import MetricStore, get_meta
from metrics.settings import load_settings
from tests.alerts_support import FakeRules, fake_contributors
from tests.dashboard_fixtures import REPORT_DAY, build_store
from tests.export_fixtures import DEFAULT, write_exports


def meta(store: MetricStore, key: str) -> str | None:
    with store.read() as con:
        return get_meta(con, key)


def test_config_show_names_origins_and_masks_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "govkpi.toml"
    config.write_text('store = "/srv/store.duckdb"\n[detection]\nthreshold = 5.5\n')
    monkeypatch.delenv("GOVKPI_CONFIG", raising=False)
    monkeypatch.setenv("GOVKPI_DATA", "/srv/exports")
    monkeypatch.setenv("GOVKPI_SMTP_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("GOVKPI_DETECTION__FDR", "0.05")
    assert main(["config", "show", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out
    rows = {line.split()[0]: line for line in out.splitlines() if not line.startswith("#")}
    assert rows["store"].split()[1:] == ['"/srv/store.duckdb"', "#", "file"]
    assert rows["data"].endswith("# env (GOVKPI_DATA)")
    assert rows["detection.threshold"].split()[1] == "5.5"
    assert rows["detection.fdr"].endswith("# env (GOVKPI_DETECTION__FDR)")
    assert rows["timezone"].endswith("# default") and '"UTC"' in rows["timezone"]
    assert rows["smtp_password"].split()[1:] == ["********", "#", "env", "(GOVKPI_SMTP_PASSWORD)"]
    assert f"# config file: {config}" in out


def test_config_show_reports_every_problem_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "govkpi.toml"
    config.write_text('timezone = "Mars/Olympus"\n[detection]\nfdr = 3\ncolour = "blue"\n')
    assert main(["config", "show", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "timezone" in err and "detection.fdr" in err and "detection.colour" in err


def test_compute_honours_the_files_time_zone_and_a_flag_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("GOVKPI_CONFIG", "GOVKPI_DATA", "GOVKPI_STORE", "GOVKPI_TIMEZONE"):
        monkeypatch.delenv(var, raising=False)
    data, store = tmp_path / "data", MetricStore(str(tmp_path / "store.duckdb"))
    write_exports(data, appeals=DEFAULT, traffic=DEFAULT)
    config = tmp_path / "govkpi.toml"
    config.write_text(f'data = "{data}"\nstore = "{store.path}"\ntimezone = "Europe/Madrid"\n')
    assert main(["-q", "compute", "--config", str(config)]) == 0
    assert meta(store, "reporting_tz") == "Europe/Madrid"
    monkeypatch.setenv("GOVKPI_TIMEZONE", "Asia/Seoul")  # environment over the file
    assert main(["-q", "compute", "--config", str(config), "--full"]) == 0
    assert meta(store, "reporting_tz") == "Asia/Seoul"
    flags = ["--timezone", "America/Sao_Paulo", "--full"]  # a flag over both
    assert main(["-q", "compute", "--config", str(config), *flags]) == 0
    assert meta(store, "reporting_tz") == "America/Sao_Paulo"


def test_detect_and_the_daily_job_score_with_the_same_detection_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOVKPI_CONFIG", raising=False)
    store = build_store(tmp_path / "store.duckdb", detections=False, alerts=False)
    config = tmp_path / "govkpi.toml"
    config.write_text(f'store = "{store.path}"\n[detection]\nthreshold = 6.5\nfdr = 0.2\n')
    configured = detector_version(DetectorParams(threshold=6.5), 0.2)
    assert configured != detector_version()

    assert main(["-q", "detect", "--config", str(config)]) == 0
    assert meta(store, "detector_version") == configured
    with store.read() as con:
        by_detect = con.execute("SELECT * FROM detections ORDER BY ALL").df()

    # the job's detection step keeps them: same section, same detections
    settings = load_settings(config, env={})
    run_daily(settings, run_date=REPORT_DAY, dry_run=True, compute=False, detect=True,
              rulebook=FakeRules(), contributors=fake_contributors)  # fmt: skip
    assert meta(store, "detector_version") == configured
    with store.read() as con:
        assert con.execute("SELECT * FROM detections ORDER BY ALL").df().equals(by_detect)

    # a flag overrides the section for this run only
    assert main(["-q", "detect", "--config", str(config), "--threshold", "3"]) == 0
    assert meta(store, "detector_version") == detector_version(DetectorParams(threshold=3.0), 0.2)


def test_engine_flags_are_checked_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["compute", "--engine", "presto"])
    assert exit_.value.code == 2
    assert "invalid choice: 'presto'" in capsys.readouterr().err
