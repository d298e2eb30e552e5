"""The digest's HTML reads on a phone: opened in real headless Chromium at 400 px (and 800 px)
it never scrolls sideways, its charts shrink to the width and a long unbroken word (a ticket
address in an acknowledgement note) wraps instead of widening the email.

The digest is the daily job's own message (dry run), its inline charts turned into data: URLs
so the browser draws them as a mail client would. Uses playwright driving the system Chromium;
skipped only when Chromium is not installed (a failure when GOVKPI_REQUIRE_BROWSER is set).
Set GOVKPI_SCREENSHOTS=DIR to keep a screenshot at each width.
"""

from __future__ import annotations

import base64
import os
import shutil
from email import message_from_binary_file, policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest

from alerts.state.alert_store import acknowledge
from metrics.metric_store import MetricStore
from tests.alerts.test_digest_snapshot import contributors
from tests.alerts_support import add_export_stats, add_series, day, make_config, run

pytestmark = pytest.mark.browser

CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and os.path.exists(p)),
    None,
)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
N = 33
LONG_NOTE = "tracked in https://tickets.example.com/browse/GOV-1234?" + "filter=open" * 14


def digest_html(tmp_path: Path) -> str:
    """A digest with two detailed cards (chart and contributors), an acknowledgement whose
    note is one long word, and every card figure, as the job renders it."""
    store = MetricStore(tmp_path / "store.duckdb")
    complaints = [10.0] * 30 + [25.0, 25.0, 35.0]
    add_series(store, "complaint_rate", "market=ES", complaints, [v > 20 for v in complaints],
               expected=10.0, denominators=[20_000.0] * N)  # fmt: skip
    shares = [0.98] * 31 + [0.93, 0.94]
    add_series(store, "proactive_rate", "all", shares, [v < 0.95 for v in shares],
               expected=0.98, band=0.01, denominators=[800.0] * N)  # fmt: skip
    with store.write() as con:  # a rate's numerator is its events: value x listings / 10k
        con.execute(
            "UPDATE series SET numerator = value * denominator / 10000 "
            "WHERE metric_id = 'complaint_rate'"
        )
    add_export_stats(store, N)
    config = make_config(store.path, outbox_dir=str(tmp_path / "eml"))
    # The snapshot's contributors: with the long row of the slices under the minimum volume.
    run(config, day(30), dry_run=True, contributors=contributors)
    run(config, day(31), dry_run=True, contributors=contributors)
    acknowledge(store, "complaint_rate", "market=ES", "complaint_rate.test", "Ana", LONG_NOTE)
    report = run(config, day(32), dry_run=True, contributors=contributors)
    assert len(report.eml_paths) == 1
    with open(report.eml_paths[0], "rb") as fh:
        msg = cast(EmailMessage, message_from_binary_file(fh, policy=policy.default))
    html = cast(EmailMessage, msg.get_body(("html",))).get_content()
    images = 0
    for part in msg.walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_type() == "image/png":
            data = base64.b64encode(cast(bytes, part.get_payload(decode=True))).decode()
            html = html.replace(f"cid:{cid.strip('<>')}", f"data:image/png;base64,{data}")
            images += 1
    assert images == 2 and "cid:" not in html
    return html


def measure(html_file: Path, width: int, shots: str | None) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(html_file.as_uri())
            page.wait_for_load_state("load")
            found = page.evaluate(
                """() => ({
                    scroll: document.documentElement.scrollWidth,
                    charts: [...document.images].map(i => [i.naturalWidth, i.getBoundingClientRect().right]),
                    widest: Math.max(...[...document.querySelectorAll('body *')].map(
                        e => e.getBoundingClientRect().right)),
                    headers: [...document.querySelectorAll('td')].filter(
                        e => ['Slice', 'Value', 'Explains'].includes(e.textContent.trim())).map(
                        e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).fontSize)]),
                })"""  # noqa: E501
            )
            if shots:
                page.screenshot(path=str(Path(shots) / f"digest_{width}.png"), full_page=True)
        finally:
            browser.close()
    return cast(dict, found)


@pytest.mark.parametrize("width", [400, 800])
def test_the_digest_never_scrolls_sideways(tmp_path: Path, width: int) -> None:
    if CHROMIUM is None:
        if os.environ.get("GOVKPI_REQUIRE_BROWSER"):
            pytest.fail("GOVKPI_REQUIRE_BROWSER is set but Chromium is not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    page = tmp_path / "digest.html"
    html = digest_html(tmp_path)
    assert LONG_NOTE in html and "Runbook" in html and "Normal level" in html
    page.write_text(html)
    found = measure(page, width, os.environ.get("GOVKPI_SCREENSHOTS"))
    assert found["scroll"] <= width, found
    assert found["widest"] <= width, found
    # ...without squeezing a word apart: each column heading of the contributors stays on
    # one line (padding 4 px above and below a line of text).
    assert len(found["headers"]) == 6, found
    assert all(height < 8 + 1.6 * size for height, size in found["headers"]), found
    # both charts were drawn (a PNG was decoded) and fit the screen
    assert len(found["charts"]) == 2, found
    for natural, right in found["charts"]:
        assert natural > 0 and right <= width, found
