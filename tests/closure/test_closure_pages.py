"""Closing alerts from the Alerts page (AppTest): acknowledge with a note and an action link,
resolve with a reason, feedback; an action link is a link only when it is an http(s) address;
the team-response figures follow the feedback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from metrics.metric_store import MetricStore
from metrics.store_files import copy_store_files
from tests.ledger_support import (
    fresh_caches,  # noqa: F401 (a fixture)
    ledger_dashboard_store,
    markdown_tables,
    open_page,
    plain,
    texts,
)

pytestmark = pytest.mark.usefixtures("fresh_caches")
TICKET = "https://tickets.example.com/GOV-7?a=1&b=<2>"


@pytest.fixture(scope="module")
def ledger_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return ledger_dashboard_store(tmp_path_factory.mktemp("ledger") / "store.duckdb").path


@pytest.fixture
def store(ledger_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MetricStore:
    path = tmp_path / "store.duckdb"
    copy_store_files(ledger_store, path)
    monkeypatch.setenv("GOVKPI_STORE", str(path))
    return MetricStore(path)


def _firing_rows(at) -> list[str]:  # type: ignore[no-untyped-def]
    return markdown_tables(at, "Indicator")[0].splitlines()[2:]


def _acknowledge(at, url: str) -> None:  # type: ignore[no-untyped-def]
    at.text_input(key="ack_author").input("ana")
    at.text_area(key="ack_note").input("ES model rollback in progress")
    at.text_input(key="ack_url").input(url)
    at.button(key="FormSubmitter:acknowledge-Acknowledge").click().run()


def test_acknowledge_with_an_action_link(store) -> None:
    at = open_page("alerts")
    _acknowledge(at, "javascript:alert(1)")
    # Errors quote what was typed as plain text (escaped Markdown).
    assert any("is not an http(s) address" in plain(e) for e in texts(at, "error"))
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM acknowledgements").fetchall() == [(0,)]
    _acknowledge(at, TICKET)
    assert not at.exception and any("Acknowledged" in s for s in texts(at, "success"))
    with store.read() as con:
        rows = con.execute(
            "SELECT author, note, action_url, acknowledged_at FROM acknowledgements"
        ).fetchall()
    assert [r[:3] for r in rows] == [("ana", "ES model rollback in progress", TICKET)]
    assert abs(datetime.now(UTC) - rows[0][3]).total_seconds() < 300
    # The link opens the ticket in a new tab, its address escaped; in both tables.
    address = "https://tickets.example.com/GOV-7?a=1&amp;b=&lt;2&gt;"
    href = (
        f'<a href="{address}" title="{address}" target="_blank" rel="noopener noreferrer">'
        "GOV\\-7 ↗</a>"
    )
    assert href in markdown_tables(at, "Indicator")[0]  # firing now
    assert href in markdown_tables(at, "Alert")[0]  # the history


def test_an_action_link_that_is_not_http_is_plain_text(store) -> None:
    """A link written before validation (or into the store by hand) is never made a link."""
    with store.write_ledger() as con:
        (episode,) = con.execute(
            "SELECT firing_since FROM alert_state WHERE state = 'firing' LIMIT 1"
        ).fetchall()[0]
        metric, slice_key, rule = con.execute(
            "SELECT metric_id, slice, rule_id FROM alert_state WHERE firing_since = ? LIMIT 1",
            [episode],
        ).fetchall()[0]
        con.execute(
            "INSERT INTO acknowledgements (metric_id, slice, rule_id, episode, author, note, "
            "acknowledged_at, action_url) VALUES (?, ?, ?, ?, 'bo', 'n', now(), ?)",
            [metric, slice_key, rule, episode, "javascript:alert(document.cookie)"],
        )
    at = open_page("alerts")
    for table in (markdown_tables(at, "Indicator")[0], markdown_tables(at, "Alert")[0]):
        assert '<a href="javascript' not in table
        assert "javascript\\:alert\\(document\\.cookie\\)" in table


def test_resolve_by_hand_from_the_page(store) -> None:
    at = open_page("alerts")
    before = len(_firing_rows(at))
    at.button(key="FormSubmitter:resolve-Resolve").click().run()
    assert "Please give your name and a note." in texts(at, "error")
    at.radio(key="res_reason").set_value("expected")
    at.text_area(key="res_note").input("planned policy change in ES")
    at.text_input(key="res_author").input("bo")
    at.button(key="FormSubmitter:resolve-Resolve").click().run()
    assert not at.exception and any("Resolved" in s for s in texts(at, "success"))
    assert f"Firing now ({before - 1})" in texts(at, "subheader")
    with store.read() as con:
        rows = con.execute("SELECT reason, note, author FROM alert_resolutions").fetchall()
    assert rows == [("expected", "planned policy change in ES", "bo")]
    history = plain(markdown_tables(at, "Alert")[0])
    assert "| expected (e.g. a planned policy change), by bo: planned policy change in ES |" in (
        history
    )


def test_feedback_moves_the_false_alarm_share(store) -> None:
    at = open_page("alerts")
    at.radio(key="fb_verdict").set_value("not_useful")
    at.text_input(key="fb_author").input("cy")
    at.button(key="FormSubmitter:feedback-Save feedback").click().run()
    assert not at.exception and any("Feedback saved" in s for s in texts(at, "success"))
    with store.read() as con:
        rows = con.execute("SELECT verdict, author FROM alert_feedback").fetchall()
    assert rows == [("not_useful", "cy")]
    table = next(d.value for d in at.dataframe if "False alarms" in d.value.columns)
    shares = set(table["False alarms"])
    assert "100% (1 of 1 judged)" in shares
