"""The DSA report on a generated sample: totals agree with an independent count over the
Parquet files (pandas, its own time-zone conversion), the planted incidents show, and the
sample fills the contract's v1.1 columns consistently.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from govkpi import cli
from metrics.transparency.category_mapping import load_mapping
from metrics.transparency.dsa_report import DsaReport, build_report
from sample_data.generator import SampleSummary, generate_sample

ZONE = "Europe/Madrid"
DIMENSIONS = ("market", "source", "issue_type", "reason", "automated_detection", "automation",
              "ground", "dsa_category")  # fmt: skip


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    return generate_sample(tmp_path_factory.mktemp("dsa") / "data", listings=100_000, days=120)


@pytest.fixture(scope="module")
def report(sample: SampleSummary) -> DsaReport:
    return build_report(str(sample.out), sample.first_day, sample.last_day, ZONE, load_mapping())


def local_day(stamps: pd.Series) -> pd.Series:
    """The Madrid calendar day of UTC timestamps, by pandas (not by the report's SQL)."""
    return stamps.dt.tz_localize("UTC").dt.tz_convert(ZONE).dt.date


def frame(sample: SampleSummary, table: str) -> pd.DataFrame:
    df = pd.read_parquet(sample.out / f"{table}.parquet")
    for column in [c for c in df.columns if c.endswith("_at")]:
        df[column.removesuffix("_at") + "_day"] = local_day(df[column])
    return df


def figure(report: DsaReport, indicator: str, breakdown: str = "all") -> float | int | None:
    return next(
        r.value for r in report.rows if (r.indicator, r.breakdown) == (indicator, breakdown)
    )


def in_period(days: pd.Series, sample: SampleSummary) -> pd.Series:
    return days.notna() & (days >= sample.first_day) & (days <= sample.last_day)


def hours(df: pd.DataFrame, earlier: str) -> pd.Series:
    return (df["decided_at"] - df[earlier]).dt.total_seconds() / 3600


def test_complaint_figures_match_an_independent_count(
    sample: SampleSummary, report: DsaReport
) -> None:
    c = frame(sample, "complaints")
    received = c[in_period(c["received_day"], sample)]
    decided = c[in_period(c["decided_day"], sample)]
    authority = received["channel"] == "authority"
    assert figure(report, "orders_received") == authority.sum() > 0
    notices = received[~authority]
    assert figure(report, "notices_received") == len(notices)
    for channel, count in notices["channel"].value_counts().items():
        assert figure(report, "notices_received", f"source={channel}") == count
    upheld_notices = decided[(decided["channel"] != "authority") & (decided["outcome"] == "upheld")]
    assert figure(report, "actions_taken") == len(upheld_notices)
    for ground, count in upheld_notices["decision_ground"].value_counts().items():
        assert figure(report, "actions_taken", f"ground={ground}") == count
    notice_decisions = decided[decided["channel"] != "authority"]
    assert figure(report, "median_hours_to_action") == pytest.approx(
        hours(notice_decisions, "received_at").median()
    )
    orders = decided[(decided["channel"] == "authority") & (decided["outcome"] == "upheld")]
    assert figure(report, "median_hours_to_effect") == pytest.approx(
        hours(orders, "received_at").median()
    )


def test_removal_and_appeal_figures_match_an_independent_count(
    sample: SampleSummary, report: DsaReport
) -> None:
    li = frame(sample, "listings")
    removed = li[in_period(li["removed_day"], sample)]
    proactive = removed[removed["detection_channel"].isin(["proactive_model", "proactive_review"])]
    assert figure(report, "actions") == len(proactive) > 0
    model = (proactive["detection_channel"] == "proactive_model").sum()
    assert figure(report, "actions", "automated_detection=yes") == model
    for level, count in proactive["automation"].value_counts().items():
        assert figure(report, "actions", f"automation={level}") == count
    a = frame(sample, "appeals")
    filed = a[in_period(a["filed_day"], sample)]
    decided = a[in_period(a["decided_day"], sample)]
    assert figure(report, "complaints_received") == len(filed) > 0
    assert figure(report, "decisions_reversed") == (decided["outcome"] == "overturned").sum()
    assert figure(report, "median_hours_to_decision") == pytest.approx(
        hours(decided, "filed_at").median()
    )


def test_every_breakdown_adds_up_and_nothing_is_missing(report: DsaReport) -> None:
    assert report.absent == []  # the sample has every export and the v1.1 columns
    assert all(r.cases is not None for r in report.rows)
    sums: dict[tuple[str, str], float] = {}
    totals = {}
    for row in report.rows:
        if row.unit == "hours":
            continue
        if row.breakdown == "all":
            totals[row.indicator] = row.value
        else:
            key = (row.indicator, row.breakdown.split("=")[0])
            sums[key] = sums.get(key, 0) + (row.value or 0)
    assert {k[1] for k in sums} <= set(DIMENSIONS)
    for (indicator, dimension), total in sums.items():
        assert total == totals[indicator], (indicator, dimension)
    # With the packaged mapping every reason has a category.
    assert not [r for r in report.rows if r.breakdown == "dsa_category=unmapped"]


def test_the_v11_columns_are_filled_where_they_apply(sample: SampleSummary) -> None:
    con = duckdb.connect()
    listings = str(sample.out / "listings.parquet")
    complaints = str(sample.out / "complaints.parquet")
    mismatched = con.execute(
        "SELECT count_if((removed_at IS NULL) <> (automation IS NULL)), "
        "count_if((removed_at IS NULL) <> (decision_ground IS NULL)) FROM read_parquet(?)",
        [listings],
    ).fetchall()[0]
    assert mismatched == (0, 0)
    mismatched = con.execute(
        "SELECT count_if((decided_at IS NULL) <> (automation IS NULL)), "
        "count_if((outcome IS DISTINCT FROM 'upheld') <> (decision_ground IS NULL)), "
        "count_if(channel = 'authority' AND decision_ground = 'terms_of_service') "
        "FROM read_parquet(?)",
        [complaints],
    ).fetchall()[0]
    assert mismatched == (0, 0, 0)


def window(incident: dict[str, str], after_days: int = 0) -> tuple[dt.date, dt.date]:
    start = dt.date.fromisoformat(incident["incident_start"])
    end = dt.date.fromisoformat(incident["incident_end"]) + dt.timedelta(days=after_days)
    return start, end


def before(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The window of the same length just before."""
    length = (end - start).days + 1
    return start - dt.timedelta(days=length), start - dt.timedelta(days=1)


def incident(sample: SampleSummary, kind: str) -> dict[str, str]:
    incidents = json.loads((sample.out / "incidents.json").read_text())
    return next(i for i in incidents if i["kind"] == kind)


def test_the_model_outage_shows_as_no_automated_detection(sample: SampleSummary) -> None:
    mapping = load_mapping()
    start, end = window(incident(sample, "proactive_model_outage"))
    during = build_report(str(sample.out), start, end, "UTC", mapping)
    normal = build_report(str(sample.out), *before(start, end), "UTC", mapping)
    baseline = figure(normal, "actions", "automated_detection=yes")
    assert isinstance(baseline, int) and baseline >= 10
    assert figure(during, "actions", "automated_detection=yes") <= 0.2 * baseline


def test_the_over_aggressive_rule_shows_as_reversed_decisions(sample: SampleSummary) -> None:
    mapping = load_mapping()
    # Its appeals are decided in the days after the rule stops: 8 days of aftermath.
    start, end = window(incident(sample, "over_aggressive_rule"), after_days=8)
    during = build_report(str(sample.out), start, end, "UTC", mapping)
    normal = build_report(str(sample.out), *before(start, end), "UTC", mapping)
    for indicator, breakdown in (
        ("decisions_reversed", "all"),
        ("actions", "reason=prohibited_item"),
    ):
        was, now = figure(normal, indicator, breakdown), figure(during, indicator, breakdown)
        assert isinstance(was, int) and isinstance(now, int)
        assert now >= 2 * max(was, 1), (indicator, breakdown, was, now)


def test_the_command_writes_what_the_report_computes(
    sample: SampleSummary, report: DsaReport, tmp_path: Path
) -> None:
    out = tmp_path / "dsa.csv"
    period = ["--from", str(sample.first_day), "--to", str(sample.last_day)]
    args = ["-q", "report", "dsa", "--data", str(sample.out), "--timezone", ZONE, *period]
    args += ["--output", str(out)]
    assert cli.main(args) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(written) == len(report.rows)
    for (_, line), row in zip(written.iterrows(), report.rows, strict=True):
        assert (line["indicator"], line["breakdown"]) == (row.indicator, row.breakdown)
        assert line["cases"] == str(row.cases)
        if row.unit == "hours" and row.value is not None:
            assert float(line["value"]) == pytest.approx(row.value, abs=0.005)
        elif row.value is not None:
            assert line["value"] == str(row.value)
