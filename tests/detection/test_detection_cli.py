"""`govkpi detect` in-process: the --input/--output contract on real Parquet, clear exit-2
errors on bad input files, and the --store mode on a real metric store."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govkpi import cli
from metrics.metric_store import MetricStore
from tests.detection.test_detection_phenomena import START, build, days

OUTPUT = [
    "series_id",
    "date",
    "value",
    "expected",
    "lower",
    "upper",
    "score",
    "is_anomaly",
    "direction",
]


def long_frame() -> pd.DataFrame:
    """Two series in the --input format; the rate spikes on day 150."""
    rate = build(
        "rate", level=20e-4, volume=60_000, days=180, seed=21, effect=days(180, [150], 0.8)
    )
    share = build("share", level=0.9, volume=4_000, days=180, seed=22)
    return pd.concat(
        [
            rate.assign(series_id="complaints/ES", kind="rate"),
            share.assign(series_id="proactive/all", kind="share"),
        ],
        ignore_index=True,
    )[["series_id", "kind", "date", "value", "numerator", "denominator"]]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(argv)
    return code, capsys.readouterr().err


def test_input_parquet_gives_the_output_contract(tmp_path: Path, capsys) -> None:
    src, dst = tmp_path / "series.parquet", tmp_path / "flags.parquet"
    frame = long_frame()
    frame.to_parquet(src, index=False)
    code, err = run(["detect", "--input", str(src), "--output", str(dst)], capsys)
    assert code == 0, err
    table = pq.read_table(dst)
    assert [c for c in table.column_names if c in OUTPUT] == OUTPUT
    assert table.schema.field("date").type == pa.date32()
    assert table.schema.field("is_anomaly").type == pa.bool_()
    out = table.to_pandas()
    assert len(out) == len(frame)
    spike = out[
        (out["series_id"] == "complaints/ES")
        & (out["date"] == (START + pd.Timedelta(days=150)).date())
    ]
    assert spike["is_anomaly"].item() and spike["direction"].item() == "up"
    assert set(out["direction"].dropna()) <= {"up", "down"}
    assert [p.name for p in tmp_path.iterdir()] and not [
        p for p in tmp_path.iterdir() if p.name.startswith(".")
    ]


def test_input_csv_and_missing_numerator_denominator(tmp_path: Path, capsys) -> None:
    frame = long_frame()
    src = tmp_path / "series.csv"
    frame.assign(numerator=np.nan, denominator=None).to_csv(src, index=False)
    dst = tmp_path / "flags.parquet"
    code, err = run(["detect", "--input", str(src), "--output", str(dst)], capsys)
    assert code == 0, err
    assert len(pd.read_parquet(dst)) == len(frame)
    no_columns = tmp_path / "values_only.parquet"
    frame.drop(columns=["numerator", "denominator"]).to_parquet(no_columns, index=False)
    code, err = run(["detect", "--input", str(no_columns), "--output", str(dst)], capsys)
    assert code == 0, err


def _drop_value(f: pd.DataFrame) -> pd.DataFrame:
    return f.drop(columns="value")


def _unknown_kind(f: pd.DataFrame) -> pd.DataFrame:
    return f.assign(kind=np.where(f.index == 3, "ratio", f["kind"]))


def _text_value(f: pd.DataFrame) -> pd.DataFrame:
    return f.assign(value=f["value"].map(lambda v: f"{v:.4f}").where(f.index != 5, "n/a"))


def _bad_date(f: pd.DataFrame) -> pd.DataFrame:
    return f.assign(date=f["date"].astype(str).where(f.index != 7, "yesterday"))


def _duplicate(f: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([f, f.iloc[[10]]], ignore_index=True)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_drop_value, ["missing column value"]),
        (_unknown_kind, ["column kind", "'ratio'", "row 4"]),
        (_text_value, ["column value", "'n/a'", "row 6"]),
        (_bad_date, ["column date", "yesterday"]),
        (_duplicate, ["two rows for one series and date"]),
    ],
)
def test_bad_input_is_exit_2_with_file_column_and_row(
    tmp_path: Path, capsys, mutate, expected: list[str]
) -> None:
    src = tmp_path / "series.parquet"
    mutate(long_frame()).to_parquet(src, index=False)
    code, err = run(
        ["detect", "--input", str(src), "--output", str(tmp_path / "o.parquet")], capsys
    )
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("govkpi: error:")]
    assert len(lines) == 1 and "Traceback" not in err
    assert str(src) in lines[0]
    for text in expected:
        assert text in lines[0]
    assert not (tmp_path / "o.parquet").exists()


def test_unreadable_or_absent_input_is_exit_2(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    code, err = run(
        ["detect", "--input", str(broken), "--output", str(tmp_path / "o.parquet")], capsys
    )
    assert code == 2 and "not a readable Parquet file" in err and str(broken) in err
    code, err = run(
        ["detect", "--input", str(tmp_path / "nope.parquet"), "--output", "o.parquet"], capsys
    )
    assert code == 2 and "no such file" in err


def test_conflicting_or_bad_options_are_exit_2(tmp_path: Path, capsys) -> None:
    src = tmp_path / "s.parquet"
    long_frame().to_parquet(src, index=False)
    assert run(["detect", "--input", str(src)], capsys)[0] == 2
    assert (
        run(
            ["detect", "--store", "x.duckdb", "--input", str(src), "--output", "o.parquet"], capsys
        )[0]
        == 2
    )
    assert (
        run(["detect", "--input", str(src), "--output", "o.parquet", "--fdr", "1.5"], capsys)[0]
        == 2
    )


def test_fdr_screen_keeps_a_subset(tmp_path: Path, capsys) -> None:
    src = tmp_path / "s.parquet"
    long_frame().to_parquet(src, index=False)
    plain, screened = tmp_path / "a.parquet", tmp_path / "b.parquet"
    assert run(["detect", "--input", str(src), "--output", str(plain)], capsys)[0] == 0
    assert (
        run(["detect", "--input", str(src), "--output", str(screened), "--fdr", "0.01"], capsys)[0]
        == 0
    )
    a, b = pd.read_parquet(plain), pd.read_parquet(screened)
    assert b["is_anomaly"].sum() >= 1
    assert not (b["is_anomaly"] & ~a["is_anomaly"]).any()


def _store_with_series(path: Path) -> int:
    rate = build(
        "rate", level=20e-4, volume=60_000, days=160, seed=31, effect=days(160, [140], 0.8)
    )
    share = build(
        "share", level=0.95, volume=3_000, days=160, seed=32, effect=days(160, [120], -3.0)
    )
    rows = pd.concat(
        [
            rate.assign(metric_id="complaint_rate", slice="market=ES", market="ES"),
            share.assign(metric_id="proactive_rate", slice="all", market=None),
            share.assign(metric_id="no_such_metric", slice="all", market=None),
        ],
        ignore_index=True,
    ).drop(columns="p90")
    with MetricStore(path).write() as con:
        con.register("rows", rows)
        con.execute(
            "INSERT INTO series (metric_id, slice, date, value, numerator, denominator, market)"
            " SELECT metric_id, slice, CAST(date AS DATE), value, numerator, denominator, market"
            " FROM rows"
        )
    return len(rate) + len(share)


def test_store_mode_replaces_the_detections_table(tmp_path: Path, capsys, caplog) -> None:
    store = tmp_path / "store.duckdb"
    expected_rows = _store_with_series(store)
    caplog.set_level(logging.INFO)
    for _ in range(2):  # re-running replaces, never appends
        code, err = run(["detect", "--store", str(store)], capsys)
        assert code == 0, err
    assert "no_such_metric is not in the catalogue" in caplog.text
    assert "scored" in caplog.text  # progress on stderr through logging
    with MetricStore(store).read() as con:
        det = con.execute("SELECT * FROM detections ORDER BY metric_id, slice, date").df()
    assert len(det) == expected_rows
    alerts = det[det["is_alert"]]
    spike_day = (START + pd.Timedelta(days=140)).date()
    outage_day = (START + pd.Timedelta(days=120)).date()
    assert ((alerts["metric_id"] == "complaint_rate") & (alerts["date"].dt.date == spike_day)).any()
    proactive = alerts[alerts["metric_id"] == "proactive_rate"]
    assert (proactive["date"].dt.date == outage_day).any()
    assert (proactive["direction"] == "down").all()  # higher is better: only drops alert


def test_store_mode_without_a_store_is_exit_2(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("GOVKPI_STORE", raising=False)
    assert run(["detect"], capsys)[0] == 2
    code, err = run(["detect", "--store", str(tmp_path / "absent.duckdb")], capsys)
    assert code == 2 and "does not exist" in err


def test_help_explains_every_option(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["detect", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option in ("--store", "--input", "--output", "--threshold", "--fdr"):
        assert option in text
    assert "series_id, kind" in text and "is_anomaly" in text


def test_known_events_file_replaces_the_packaged_calendar(tmp_path, capsys) -> None:
    from govkpi import cli

    bad = tmp_path / "events.toml"
    bad.write_text("[[nonsense]]\nx = 1\n")
    code = cli.main(
        ["detect", "--input", str(tmp_path / "in.parquet"), "--output", str(tmp_path / "o"),
         "--known-events", str(bad)]
    )  # fmt: skip
    assert code == 2
    assert "events.toml" in capsys.readouterr().err
