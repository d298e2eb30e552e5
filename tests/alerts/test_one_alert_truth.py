"""One alert through every surface: the digest (text, HTML, chart flags), the Overview tile, the
Alerts page row, the Indicator trend's flags and `govkpi alerts status` must say the same thing.

The alert: appeal_overturn_rate on the whole platform under the packaged rule (warning above
20%, critical above 30%, judged on days with at least 20 appeals). Day 30 is 25% of 40 appeals
(a warning breach: pending), day 31 is 6 of 18 appeals = 33.3%. At 18 appeals the guard pads
the day to 20 (6 of 20 = 30.0%): not beyond critical, so the rule judges it a warning and the
alert fires as new. Every surface must name it "new · warning" and show 33.3% with the reason
the guard judged it lower, never "Warning" silently beside "critical above 30.0%".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_binary_file, policy
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from alerts.daily_job import run_daily
from alerts.notify.chart_data import chart_history
from alerts.rules.rulebook import load_rules
from govkpi.cli import main
from metrics.catalogue import load_catalogue
from metrics.metric_store import MetricStore
from tests.alerts_support import add_export_stats, add_series, day, make_config
from tests.dashboard_fixtures import markdown_table

METRIC, SLICE = "appeal_overturn_rate", "all"
AS_OF = day(31)
WORDS = "New · warning"
VALUE = "33.3%"
BREACH = f"Last breach Wed 01 Apr 2026: {VALUE} of 18 appeals: too few to call critical"
APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@pytest.fixture
def alert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[MetricStore, Path]]:
    """The store after the job ran as of day 31, and the digest it wrote."""
    store = MetricStore(tmp_path / "store.duckdb")
    values = [0.10] * 30 + [0.25, 6 / 18]
    denominators = [40.0] * 31 + [18.0]
    # The detector's band here is ±2 around each value: it covers 0-100%, so it is never
    # drawn and never flags; the threshold rule alone speaks.
    add_series(store, METRIC, SLICE, values, denominators=denominators)
    add_export_stats(store, 32)
    monkeypatch.setenv("GOVKPI_STORE", str(store.path))
    monkeypatch.delenv("GOVKPI_RULES", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    config = make_config(store.path, outbox_dir=str(tmp_path / "eml"))
    report = run_daily(config, run_date=AS_OF, dry_run=True, compute=False, detect=False,
                       rulebook=load_rules(None))  # fmt: skip
    assert report.firing == 1 and len(report.eml_paths) == 1
    yield store, Path(report.eml_paths[0])
    st.cache_data.clear()
    st.cache_resource.clear()


def _page(page: str, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
    at.query_params.clear()
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _firing_row(at: AppTest) -> pd.Series:
    """The first row of the Alerts page's "Firing now" table, as the reader sees it."""
    source = next(t.value for t in at.markdown if t.value.startswith("| Indicator |"))
    return markdown_table(source).iloc[0]


def _link_params(link: str) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(link).query))


def test_one_alert_reads_the_same_on_every_surface(alert, capsys) -> None:  # type: ignore[no-untyped-def]
    alert_store, eml = alert
    with open(eml, "rb") as fh:
        msg = message_from_binary_file(fh, policy=policy.default)
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()

    # Email: the state as the Alerts page names it; the breached day and value beside the
    # reason the guard judged it lower; today's value labelled as today's.
    assert f"[{WORDS.upper()}] Threshold appeal_overturn_rate.headline" in text
    assert f"{BREACH}." in text and f"Today (Wed 01 Apr 2026): {VALUE}" in text
    assert WORDS in html and BREACH in html
    assert "1 new" in msg["Subject"]

    # Email chart: the flagged days are the days the rule judged beyond a threshold.
    with alert_store.read() as con:
        kinds = {m.id: (m.kind, m.case_noun) for m in load_catalogue()}
        history = chart_history(con, [(METRIC, SLICE)], AS_OF, 60, load_rules(None), kinds)
    chart = history[(METRIC, SLICE)]
    chart_days = set(chart.loc[chart["flag"].notna(), "date"])
    assert chart_days == {day(30), day(31)}
    assert chart[["lower", "upper"]].isna().all().all()  # a 0-100% band is not drawn

    # Overview tile: the same value and the same reason under the badge.
    at = _page("overview")
    assert any(m.value == VALUE for m in at.metric)
    tile = [c.value for c in at.caption if "too few to call critical" in c.value]
    assert tile and "33.3% of 18 appeals: too few to call critical" in tile[0]
    markdown = [m.value for m in at.markdown]
    tile_badge = markdown[markdown.index("**Appeal overturn rate**") + 1]
    assert tile_badge == ":orange-badge[Warning]"  # the badge of the judged level

    # Alerts page: the row says what the email card says.
    at = _page("alerts")
    row = _firing_row(at)
    assert row["State"] == WORDS
    assert row["Last breach"] == BREACH
    assert row["Today"] == f"{VALUE} on Wed 01 Apr 2026"

    # Indicator trend opened by the email's link: the flagged days the email chart marks.
    link = re.search(r"Dashboard: (\S+)", text).group(1)  # type: ignore[union-attr]
    at = _page("indicator", _link_params(link))
    table = markdown_table(next(t.value for t in at.markdown if t.value.startswith("| Day |")))
    assert f"Flagged days ({len(chart_days)})" in [s.value for s in at.subheader]
    assert set(table["Day"]) == {"Tue 31 Mar 2026", "Wed 01 Apr 2026"}
    assert set(table["Flagged as"]) == {"Beyond threshold"}
    last = table[table["Day"] == "Wed 01 Apr 2026"].iloc[0]
    assert last["What it says"].startswith("33.3% of 18 appeals: too few to call critical")

    # The command line.
    capsys.readouterr()
    assert main(["alerts", "status", "--store", str(alert_store.path)]) == 0
    out = capsys.readouterr().out
    assert f"{WORDS}: Appeal overturn rate · whole platform" in out
    assert f"{BREACH}. Today: {VALUE} on Wed 01 Apr 2026." in out


def test_the_surfaces_change_together_when_the_alert_escalates(alert, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A day later, 9 of 20 appeals (45%, judged critical): escalated everywhere."""
    alert_store, _ = alert
    add_series(alert_store, METRIC, SLICE, [0.45], denominators=[20.0], start=day(32))
    add_export_stats(alert_store, 33)
    config = make_config(alert_store.path, outbox_dir=str(tmp_path / "eml2"))
    report = run_daily(config, run_date=day(32), dry_run=True, compute=False, detect=False,
                       rulebook=load_rules(None))  # fmt: skip
    with open(report.eml_paths[0], "rb") as fh:
        text = message_from_binary_file(fh, policy=policy.default).get_body(("plain",))
    breach = "Last breach Thu 02 Apr 2026: 45.0% is above the critical threshold 30.0%"
    assert "[ESCALATED · CRITICAL]" in text.get_content() and breach in text.get_content()
    capsys.readouterr()
    assert main(["alerts", "status", "--store", str(alert_store.path)]) == 0
    out = capsys.readouterr().out
    assert "Escalated · critical: Appeal overturn rate" in out and breach in out
    st.cache_data.clear()
    row = _firing_row(_page("alerts"))
    assert (row["State"], row["Last breach"]) == ("Escalated · critical", breach)
