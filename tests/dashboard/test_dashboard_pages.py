"""Every dashboard page rendered with AppTest over a fixture store, including deep links."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics.catalogue import load_catalogue
from metrics.metric_store import MetricStore
from metrics.store_files import copy_store_files
from tests.dashboard_fixtures import (
    REPORT_DAY,
    build_empty_store,
    build_store,
    markdown_table,
    write_rows_exports,
)

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
TIMEOUT = 60


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """Streamlit caches are process-global: never let one test see another's results."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("dash")
    data = write_rows_exports(root / "data")
    return build_store(root / "store.duckdb", data_dir=data).path


@pytest.fixture
def store(shared_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MetricStore:
    """A private copy (tests may write to it) named by GOVKPI_STORE."""
    path = tmp_path / "store.duckdb"
    copy_store_files(shared_store, path)
    monkeypatch.setenv("GOVKPI_STORE", str(path))
    return MetricStore(path)


def open_page(page: str, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
    at.query_params.clear()
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def param(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value[-1] if isinstance(value, list) else value


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def all_text(at: AppTest) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "success"):
        parts += texts(at, kind)
    return "\n".join(parts)


def rendered_text(source: str) -> str:
    """The text a Markdown renderer makes of `source` if it is only escapes and entities."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", source))


# Overview


def test_overview_shows_headline_cards_status_and_firing(store: MetricStore) -> None:
    at = open_page("overview")
    assert texts(at, "title") == ["Governance overview"]
    labels = [m.label for m in at.metric]
    assert "share of removals" in labels and "complaints per 10k live listings" in labels
    values = {m.label: m.value for m in at.metric}
    assert values["hours (median; p90 beside it)"].endswith(" h")
    assert any(v.endswith("%") for v in values.values())
    text = all_text(at)
    assert "Data as of **30 Mar 2026 06:00 UTC**" in text
    assert "**UTC** (the reporting time zone)" in text
    assert "Sunday 29 March 2026" in text and "Mon 30 Mar" in text  # judged day, incomplete day
    assert ":red-badge[Critical]" in text  # proactive_rate is below its critical threshold
    assert "Started firing since yesterday (1)" in text
    assert "Still firing (1)" in text
    # The ledger's state words and dates, as the Alerts page and the email write them.
    assert "Still firing · warning" in rendered_text(text)
    assert "Wed 25 Mar 2026" in rendered_text(text)  # firing since, not 2026-03-25
    assert "Not computed: needs the appeals export." in rendered_text(text)
    # "Open trend" opens the alert's trend in this tab on the first click (a same-tab link)
    assert 'href="indicator?metric=proactive_rate&amp;slice=market%3DES&amp;start=' in text
    assert '" target="_self">Open trend</a>' in text


def test_overview_falls_back_to_detector_flags_without_alert_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = build_store(tmp_path / "store.duckdb", alerts=False)
    monkeypatch.setenv("GOVKPI_STORE", store.path)
    at = open_page("overview")
    text = all_text(at)
    assert "Still firing" in text
    assert "No alert run has evaluated this store yet" in text
    tables = [t for t in texts(at, "markdown") if t.startswith("| Indicator | Slice |")]
    assert any("| market ES |" in t for t in tables)


def test_a_new_compute_shows_without_restart(store: MetricStore) -> None:
    at = open_page("overview")
    before = [m.value for m in at.metric]
    with store.write() as con:
        con.execute(
            "UPDATE series SET value = 0.5 WHERE metric_id = 'proactive_rate' AND slice = 'all' "
            "AND date = ?",
            [REPORT_DAY],
        )
    at.run()
    after = [m.value for m in at.metric]
    assert "50.0%" not in before and "50.0%" in after


# Indicator and its deep links

LINK = {
    "metric": "proactive_rate",
    "slice": "market=ES",
    "start": "2026-02-01",
    "end": "2026-03-29",
}


def test_indicator_deep_link_reopens_exactly_that_view(store: MetricStore) -> None:
    at = open_page("indicator", LINK)
    assert texts(at, "title") == ["Indicator trend"]
    assert not at.warning
    assert at.selectbox(key="indicator_metric").value == "proactive_rate"
    assert at.selectbox(key="indicator_slice").value == "market=ES"
    start, end = at.date_input(key="indicator_period").value
    assert (start.isoformat(), end.isoformat()) == ("2026-02-01", "2026-03-29")
    assert {k: param(at, k) for k in LINK} == LINK
    assert at.get("plotly_chart")
    # The flag table lists what the chart marks: the planted drop beyond the critical
    # threshold, and the fixture's noisy days below the 97.0% warning that the rules judge.
    source = next(t for t in texts(at, "markdown") if t.startswith("| Day | Value |"))
    table = markdown_table(source)
    assert f"Flagged days ({len(table)})" in all_text(at)
    incident = table[table["Day"].isin(["Sat 28 Mar 2026", "Sun 29 Mar 2026"])]
    assert list(incident["Flagged as"]) == ["Beyond threshold"] * 2
    assert all("below the critical threshold 95.0%" in t for t in incident["What it says"])
    assert set(table["Flagged as"]) <= {"Beyond threshold", "Outside expected range"}


def test_indicator_tables_read_as_the_rest_of_the_product(store: MetricStore) -> None:
    at = open_page("indicator", LINK)
    # "What drove it" opens the drill-down of that day in this tab, on the first click
    flagged = next(t for t in texts(at, "markdown") if t.startswith("| Day | Value |"))
    links = re.findall(r'<a href="([^"]+)" target="_self">What drove it</a>', flagged)
    assert len(links) == len(markdown_table(flagged)) > 2  # one per day the chart marks
    assert all(html.unescape(h).startswith("drilldown?metric=proactive_rate&slice=market%3DES&")
               for h in links)  # fmt: skip
    # daily values: days without midnight times, values by kind, n/a instead of None
    daily = at.dataframe[0].value
    assert list(daily.columns) == ["Day", "Value", "Numerator", "Denominator"]
    assert all(type(d) is dt.date for d in daily["Day"])
    assert all(v.endswith("%") or v == "n/a" for v in daily["Value"])
    assert not daily.isna().any().any()


def test_page_parameter_opens_the_named_page(store: MetricStore) -> None:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update({"page": "indicator", **LINK})
    at.run()
    assert not at.exception
    assert texts(at, "title") == ["Indicator trend"]
    assert at.selectbox(key="indicator_slice").value == "market=ES"


@pytest.mark.parametrize(
    ("params", "warning", "field", "expected"),
    [
        ({**LINK, "metric": "no_such_metric"}, "does not exist", "metric", "complaint_rate"),
        ({**LINK, "slice": "market=ES,,bad"}, "is not valid", "slice", "all"),
        ({**LINK, "slice": "category_l1=toys,market=ES"}, "is not valid", "slice", "all"),
        ({**LINK, "slice": "market=ZZ"}, "no data for market ZZ", "slice", "all"),
        ({**LINK, "start": "2026-02-30"}, "is not a date", "start", "2026-01-30"),
        ({**LINK, "end": "yesterday"}, "is not a date", "end", "2026-03-29"),
        ({**LINK, "start": "2026-03-20", "end": "2026-03-01"}, "is after the end", "end", None),
    ],
)
def test_bad_link_parameters_warn_and_fall_back(
    store: MetricStore, params: dict[str, str], warning: str, field: str, expected: str | None
) -> None:
    at = open_page("indicator", params)
    warnings = texts(at, "warning")
    assert any(warning in w for w in warnings), warnings
    shown = param(at, field)
    if expected is not None:
        assert shown == expected
    assert at.get("plotly_chart")  # a sensible default view, not an error page


# What the attacker put in a link: `?slice=market%3D%5BSign%20in%5D(http%3A%2F%2Fevil...`
EVIL_SLICE = "market=[Sign in](http://evil.example/)"
# Markdown punctuation that is not backslash-escaped (entities such as `&lt;` are fine).
UNESCAPED = re.compile(r"(?<!\\)[\[\]()!`*_<>:]")


@pytest.mark.parametrize("page", ["indicator", "drilldown"])
def test_a_link_parameter_is_shown_as_plain_text_never_markdown(
    store: MetricStore, page: str
) -> None:
    at = open_page(page, {**LINK, "slice": EVIL_SLICE, "day": REPORT_DAY.isoformat()})
    warnings = [w for w in texts(at, "warning") if "Sign in" in w]
    assert len(warnings) == 1, texts(at, "warning")
    source = warnings[0]
    assert UNESCAPED.search(source) is None, source  # no link, image or directive syntax left
    text = rendered_text(source)
    assert "://evil" not in text  # nor a bare URL that GFM would turn into a link...
    # ... yet it reads as the link had it (the word joiner breaking the URL is invisible)
    assert "market [Sign in](http://evil.example/)" in text.replace("\u2060", "")
    assert param(at, "slice") == "all"  # and the page falls back to the whole platform
    for element in ("markdown", "caption", "info", "title", "subheader"):
        assert not any("evil.example" in t for t in texts(at, element)), element


def test_widgets_write_the_view_back_to_the_url(store: MetricStore) -> None:
    at = open_page("indicator", LINK)
    at.selectbox(key="indicator_metric").set_value("sla_compliance").run()
    assert not at.exception
    assert param(at, "metric") == "sla_compliance"
    at.toggle(key="indicator_compare").set_value(True).run()
    assert not at.exception
    assert "Previous period" in str(at.get("plotly_chart")[0].proto.spec)


# Drill-down


def test_drilldown_heatmap_contributions_and_paginated_rows(store: MetricStore) -> None:
    at = open_page("drilldown", {**LINK, "slice": "all", "day": REPORT_DAY.isoformat()})
    assert texts(at, "title") == ["Drill-down"]
    assert len(at.get("plotly_chart")) == 2  # heatmap + contributions
    text = all_text(at)
    assert "By market and category" in text and "What drove the change" in text
    contrib = at.dataframe[0].value
    assert contrib["Slice"].iloc[0] == "market ES"  # the planted incident leads
    # Every contributor shows its cases; the sentence says where the change sits.
    assert contrib["Cases"].str.contains(" removal").all()
    assert "Explains (by evidence)" in contrib.columns
    assert "**Concentrated\\: market ES explains 100\\% of the change\\: 770 removals" in text
    rows = at.dataframe[1].value
    assert len(rows) == 50 and "Rows 1–50 of 121." in text
    assert len(at.get("download_button")) == 3
    at.number_input(key="drill_rows_page").set_value(3).run()
    assert not at.exception
    assert len(at.dataframe[1].value) == 21


def test_drilldown_names_the_detectors_test_as_the_digest_does(store: MetricStore) -> None:
    # The planted incident's slice on its flagged day, and the whole platform that day: the
    # page says what the digest card's detector line says (`change_story`), or that the
    # detector did not flag the day.
    from alerts.notify.change_story import change_runs, story
    from dashboard.builders.plain_text import markdown_literal

    with store.read() as con:
        flagged = con.execute(
            "SELECT max(date) FROM detections WHERE metric_id = 'proactive_rate' "
            "AND slice = 'market=ES' AND is_anomaly"
        ).fetchone()[0]
        key = ("proactive_rate", "market=ES", flagged)
        told = story(change_runs(con, [key])[key])
    assert told
    at = open_page("drilldown", {**LINK, "day": flagged.isoformat()})
    day = f"{flagged:%a %d %b %Y}"
    assert f"Statistical detector on {day}: {markdown_literal(told)}." in texts(at, "markdown")
    with store.read() as con:
        quiet = con.execute(
            "SELECT max(date) FROM detections WHERE metric_id = 'proactive_rate' "
            "AND slice = 'market=ES' AND NOT is_anomaly AND date < ?",
            [flagged],
        ).fetchone()[0]
    at = open_page("drilldown", {**LINK, "day": quiet.isoformat()})
    assert f"The statistical detector did not flag {quiet:%a %d %b %Y}." in texts(at, "markdown")


def test_drilldown_rows_follow_the_slice(store: MetricStore) -> None:
    params = {**LINK, "slice": "market=FR", "day": REPORT_DAY.isoformat()}
    at = open_page("drilldown", params)
    rows = at.dataframe[-1].value
    assert list(rows["market"]) == ["FR"]


def test_drilldown_bad_day_warns(store: MetricStore) -> None:
    at = open_page("drilldown", {**LINK, "day": "2026-13-01"})
    assert any("is not a date" in w for w in texts(at, "warning"))
    assert at.date_input(key="drill_day").value.isoformat() == REPORT_DAY.isoformat()


def test_drilldown_without_reachable_exports_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = build_store(tmp_path / "store.duckdb")  # no data_dir recorded
    monkeypatch.setenv("GOVKPI_STORE", store.path)
    at = open_page("drilldown", {"metric": "proactive_rate"})
    assert any("cannot be shown" in i for i in texts(at, "info"))


# Alerts


def test_alerts_page_lists_firing_history_and_silences(store: MetricStore) -> None:
    at = open_page("alerts")
    assert texts(at, "title") == ["Alerts"]
    text = all_text(at)
    assert "Firing now (2)" in text and "Silences in force (1)" in text
    firing = next(t for t in texts(at, "markdown") if t.startswith("| Indicator | Slice |"))
    rows = firing.splitlines()[2:]
    assert len(rows) == 2
    assert {r.split(" | ")[0].strip("| ") for r in rows} == {
        "Proactive detection share",
        "Complaint rate",
    }
    assert all('target="_self">Open trend</a>' in r for r in rows)
    # The detector's alerts say which test fired; threshold alerts have no change story, and
    # a column empty in every row (nor any acknowledgement or action link) is left out.
    header = [c.strip() for c in firing.splitlines()[0].strip("|").split("|")]
    assert header[:4] == ["Indicator", "Slice", "Trend", "State"]
    assert "Last breach" in header
    assert not {"Change", "Acknowledged by", "Action link"} & set(header)


def test_acknowledge_needs_an_author_then_is_written(store: MetricStore) -> None:
    at = open_page("alerts")
    at.button(key="FormSubmitter:acknowledge-Acknowledge").click().run()
    assert "Please give your name and a reason." in texts(at, "error")
    at.text_input(key="ack_author").input("ana")
    at.text_area(key="ack_note").input("ES model rollback in progress")
    at.button(key="FormSubmitter:acknowledge-Acknowledge").click().run()
    assert not at.exception
    assert any("Acknowledged" in s for s in texts(at, "success"))
    with store.read() as con:
        rows = con.execute("SELECT metric_id, author, note FROM acknowledgements").fetchall()
    assert rows == [("proactive_rate", "ana", "ES model rollback in progress")]


def test_silence_form_refuses_to_silence_everything_by_default(store: MetricStore) -> None:
    at = open_page("alerts")
    assert at.text_input(key="sil_metric").value == ""  # no `*` preset
    assert at.text_input(key="sil_slice").value == ""
    assert at.date_input(key="sil_until").value is None  # no one-week preset either
    at.date_input(key="sil_until").set_value(date.today() + timedelta(days=3))
    at.text_input(key="sil_author").input("ana")
    at.text_area(key="sil_reason").input("too noisy")
    at.button(key="FormSubmitter:silence-Add silence").click().run()
    assert not at.exception
    assert any("Choose what to silence" in e for e in texts(at, "error"))
    assert "Silences in force (1)" in all_text(at)  # only the fixture's silence
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM silences").fetchone() == (1,)
    # A slice alone is a matcher: the indicator pattern then matches every indicator.
    at.text_input(key="sil_slice").input("market=ES*")
    at.button(key="FormSubmitter:silence-Add silence").click().run()
    assert not at.exception and not texts(at, "error")
    with store.read() as con:
        added = con.execute(
            "SELECT metric_pattern, slice_pattern FROM silences WHERE reason = 'too noisy'"
        ).fetchall()
    assert added == [("*", "market=ES*")]


def test_silence_added_and_ended_from_the_page(store: MetricStore) -> None:
    at = open_page("alerts")
    at.text_input(key="sil_metric").input("complaint_rate")
    at.text_input(key="sil_slice").input("all")
    at.date_input(key="sil_until").set_value(date.today() + timedelta(days=7))
    at.text_input(key="sil_author").input("ana")
    at.text_area(key="sil_reason").input("known spike after TV campaign")
    at.button(key="FormSubmitter:silence-Add silence").click().run()
    assert not at.exception
    assert "Silences in force (2)" in all_text(at)
    # The form's day ends where `govkpi alerts silence --until DAY` ends: that day's end in the
    # reporting zone, and the label names the zone.
    from alerts.state.silences import silence_end
    from govkpi.commands.alerts import parse_until
    from metrics.settings import load_settings

    settings = load_settings()
    assert settings.zone.key in at.date_input(key="sil_until").label
    with store.read() as con:
        (until,) = con.execute(
            "SELECT until FROM silences WHERE reason = 'known spike after TV campaign'"
        ).fetchone()
    last_day = date.today() + timedelta(days=7)
    assert (
        until == silence_end(last_day, settings.zone) == parse_until(last_day.isoformat(), settings)
    )
    at.text_input(key="exp_author").input("ana")
    at.button(key="FormSubmitter:expire-End silence").click().run()
    assert not at.exception
    assert "Silences in force (1)" in all_text(at)


# Data and catalogue


def test_data_page_shows_freshness_rows_and_validation(store: MetricStore) -> None:
    at = open_page("data")
    assert texts(at, "title") == ["Data freshness and quality"]
    assert any("2026-03-30" in w for w in texts(at, "warning"))  # the incomplete day
    # The store's write time reads like every other time: in the reporting zone, named.
    captions = texts(at, "caption")
    written = re.compile(r"store written \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d UTC\)")
    assert any(written.search(c) for c in captions), captions
    exports = at.dataframe[0].value
    assert set(exports["Export"]) == {"listings", "complaints"}
    assert at.get("plotly_chart")
    assert "refer to unknown listings" in str(at.dataframe[1].value.iloc[0].tolist())


def test_catalogue_shows_every_definition_sql_and_thresholds(store: MetricStore) -> None:
    at = open_page("catalogue", {"metric": "sla_compliance"})
    assert texts(at, "title") == ["Indicator catalogue"]
    summary = at.dataframe[0].value
    indicators = len(load_catalogue().metrics)  # 19 of DESIGN.md and 4 of issue 14
    assert len(summary) == indicators == 23
    assert len(at.code) == indicators and "SELECT" in at.code[0].value.upper()
    row = summary[summary["Id"] == "proactive_rate"].iloc[0]
    assert row["Owner area"] == "Detection" and "97.0%" in row["Platform threshold"]
    rules = at.dataframe[1].value  # sla_compliance's rule versions, opened by the link
    assert {"warning", "critical"} <= set(rules.columns)
    assert all(str(v).endswith("%") or v == "n/a" for v in [*rules["warning"], *rules["critical"]])
    # The slices a rule covers read as people read them, never raw patterns.
    assert "whole platform; every market" in set(rules["slices"])  # was `all, market=*`
    assert not any("=" in str(v) for v in rules["slices"])


# Nothing to show


def test_missing_store_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVKPI_STORE", str(tmp_path / "absent.duckdb"))
    for page in ("overview", "indicator", "drilldown", "alerts", "compliance", "data", "catalogue"):
        at = open_page(page, LINK)
        assert "There is no metric store" in " ".join(texts(at, "info"))
        assert any("govkpi demo" in c for c in texts(at, "code"))


def test_empty_store_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = build_empty_store(tmp_path / "store.duckdb")
    monkeypatch.setenv("GOVKPI_STORE", store.path)
    at = open_page("indicator", LINK)
    assert "has no indicator series yet" in " ".join(texts(at, "info"))
    assert any("govkpi compute" in c for c in texts(at, "code"))


def test_unset_store_variable_says_how_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVKPI_STORE", raising=False)
    at = open_page("overview")
    assert "No metric store is configured" in " ".join(texts(at, "info"))


def test_overview_never_judges_a_day_the_alert_job_calls_no_data(store: MetricStore) -> None:
    """An export file written after the day ended, but holding a quarter of the usual rows:
    the file's time says complete, the job's row counts say `no data`. The overview follows
    the job (one completeness), judges the day before and says why."""
    with store.write() as con:
        con.execute("UPDATE export_files SET modified_at = TIMESTAMP '2026-04-02 09:00:00'")
    text = all_text(open_page("overview"))
    assert "Sunday 29 March 2026" in text  # not the partial Monday 30 March
    assert "listings export incomplete for DE, ES, FR" in rendered_text(text)


def test_catalogue_and_indicator_show_the_owner_and_the_runbook(
    store: MetricStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The packaged runbook is on the Catalogue page (where the email's link opens), a team's
    own runbook replaces it with a link; the Indicator page names the owner beside a link."""
    at = open_page("catalogue", {"metric": "sla_compliance"})
    summary = at.dataframe[0].value
    assert summary[summary["Id"] == "sla_compliance"].iloc[0]["Owner"] == "Notice and action team"
    markdown = texts(at, "markdown")
    assert sum(t.startswith("# Runbook: ") for t in markdown) == len(load_catalogue().metrics)
    assert any(t.startswith("# Runbook: SLA compliance (`sla_compliance`)") for t in markdown)
    assert "**Owner:** Notice and action team" in markdown
    assert not at.get("link_button")

    at = open_page("indicator", LINK)
    assert "**Owner:** Detection team" in texts(at, "markdown")
    runbook = [p.proto for p in at.get("page_link") if p.proto.label == "Runbook"]
    assert [(p.page, p.query_string) for p in runbook] == [("catalogue", "metric=proactive_rate")]

    wiki = '{"proactive_rate": {"runbook_url": "https://wiki.example.com/p", "owner": "Ana *x*"}}'
    monkeypatch.setenv("GOVKPI_INDICATORS", wiki)
    st.cache_resource.clear()
    at = open_page("catalogue", {"metric": "proactive_rate"})
    links = [b.proto.url for b in at.get("link_button")]
    assert links == ["https://wiki.example.com/p"]
    assert r"**Owner:** Ana \*x\*" in texts(at, "markdown")  # shown literally
    assert sum(t.startswith("# Runbook: ") for t in texts(at, "markdown")) == 22
    at = open_page("indicator", LINK)
    assert [b.proto.url for b in at.get("link_button")] == ["https://wiki.example.com/p"]
