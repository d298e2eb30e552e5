"""One real-browser smoke test: the served dashboard in headless Chromium, every page.

Starts `govkpi dashboard` (through `serve`) on a free port over a fixture store, opens each
page by its URL path and checks that it rendered its title and no error. Uses playwright
driving the system Chromium (never a downloaded browser); without playwright it falls back to
Chromium's own `--dump-dom`. Skipped only when Chromium is not installed.
Set GOVKPI_SCREENSHOTS=DIR to keep a screenshot of every page.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from govkpi.commands.dashboard import serve
from metrics.settings import load_settings
from tests.dashboard.test_dashboard_command import free_port, wait_healthy
from tests.dashboard_fixtures import REPORT_DAY, build_store, write_rows_exports

pytestmark = pytest.mark.browser

CHROMIUM = next(
    (
        p
        for p in (
            "/usr/bin/chromium",
            shutil.which("chromium") or "",
            shutil.which("chromium-browser") or "",
        )
        if p and os.path.exists(p)
    ),
    None,
)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ERROR_WORDS = ("Traceback", "Error", "Exception")
LINK = f"metric=proactive_rate&slice=market%3DES&start=2026-02-01&end={REPORT_DAY}"
PAGES = {
    "": "Governance overview",
    "overview": "Governance overview",
    f"indicator?{LINK}": "Indicator trend",
    f"drilldown?{LINK}&day={REPORT_DAY}": "Drill-down",
    "alerts": "Alerts",
    f"risk?day={REPORT_DAY}": "Risk matrix",
    f"compliance?day={REPORT_DAY}": "Compliance",
    "data": "Data freshness and quality",
    "catalogue": "Indicator catalogue",
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if CHROMIUM is None:
        # .ci/run sets GOVKPI_REQUIRE_BROWSER: in CI a missing browser is a failure.
        if os.environ.get("GOVKPI_REQUIRE_BROWSER"):
            pytest.fail("GOVKPI_REQUIRE_BROWSER is set but Chromium is not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    root = tmp_path_factory.mktemp("browser")
    store = build_store(root / "store.duckdb", data_dir=write_rows_exports(root / "data"))
    port = free_port()
    process = serve(load_settings(flags={"store": store.path}, env={}), port=port, wait=False)
    assert not isinstance(process, int)
    try:
        assert wait_healthy(f"http://127.0.0.1:{port}/_stcore/health"), "dashboard did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def _texts_with_playwright(base_url: str, extra: dict[str, str]) -> dict[str, str]:
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("GOVKPI_SCREENSHOTS")
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            for path, title in {**PAGES, **extra}.items():
                page.goto(f"{base_url}/{path}")
                page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
                # The script run has finished when the app root says so.
                page.wait_for_selector(
                    '[data-testid="stApp"][data-test-script-state="notRunning"]',
                    timeout=60_000,
                )
                found[path] = page.inner_text("body")
                found[path + "#url"] = page.url
                if shots:
                    name = path.split("?")[0] or "root"
                    page.screenshot(path=str(Path(shots) / f"{name}.png"))
        finally:
            browser.close()
    return found


class _VisibleText(HTMLParser):
    """The text a reader sees: no script, style or head (asset names contain "Error")."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "noscript"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "noscript") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _texts_with_dump_dom(base_url: str) -> dict[str, str]:
    """Chromium's own --dump-dom; a page still running is fetched again with more time."""
    found = {}
    for path, title in PAGES.items():
        for budget in (15_000, 30_000, 60_000):
            result = subprocess.run(
                [CHROMIUM or "chromium", "--headless", *ARGS, f"--virtual-time-budget={budget}",
                 "--dump-dom", f"{base_url}/{path}"],
                capture_output=True, text=True, timeout=180, check=True,
            )  # fmt: skip
            parser = _VisibleText()
            parser.feed(result.stdout)
            found[path] = " ".join(parser.parts)
            if title in found[path]:
                break
    return found


def _email_link(base_url: str) -> str:
    """The link an alert digest puts in its email, built by the alerts package itself."""
    from metrics.presentation import deep_link

    start = REPORT_DAY - dt.timedelta(days=27)
    return deep_link(base_url, "proactive_rate", "market=ES", start, REPORT_DAY)


def test_every_page_renders_in_chromium(base_url: str) -> None:
    link = _email_link(base_url).removeprefix(base_url + "/")
    try:
        import playwright  # noqa: F401
    except ImportError:
        texts = _texts_with_dump_dom(base_url)
    else:
        texts = _texts_with_playwright(base_url, {link: "Indicator trend"})
        # The email's link reopens exactly its view, and the address bar keeps it.
        shown = parse_qs(urlsplit(texts[link + "#url"]).query)
        assert shown == parse_qs(urlsplit(link).query)
        # The flag table is there, with the planted drop beyond the critical threshold.
        flagged = re.search(r"Flagged days \((\d+)\)", texts[link])
        assert flagged and int(flagged.group(1)) >= 2
        assert "below the critical threshold 95.0%" in texts[link]
    for path, title in PAGES.items():
        text = texts[path]
        assert title in text, f"{path or '/'}: title {title!r} missing"
        for word in ERROR_WORDS:
            assert word not in text, f"{path or '/'}: {word!r} on the page"
    assert "Page not found" not in texts["overview"]
    assert "market ES" in texts[f"indicator?{LINK}"]  # the deep link's slice is shown
    # The fixture's one open complaint (consumer, received 01:05 on the day): 72 h from then.
    assert "Over 48 h left (complaints)" in texts[f"compliance?day={REPORT_DAY}"]


EVIL = "slice=market%3D%5BSign%20in%5D(http%3A%2F%2Fevil.example%2F)"


@pytest.mark.parametrize("page", ["indicator", "drilldown"])
def test_a_link_parameter_renders_as_text_not_as_a_link(base_url: str, page: str) -> None:
    """The issue's attack, rendered by the browser: the warning shows the text, no link."""
    url = f"{base_url}/{page}?metric=proactive_rate&{EVIL}&day={REPORT_DAY}"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        result = subprocess.run(
            [CHROMIUM or "chromium", "--headless", *ARGS, "--virtual-time-budget=30000",
             "--dump-dom", url],
            capture_output=True, text=True, timeout=180, check=True,
        )  # fmt: skip
        assert 'href="http://evil.example' not in result.stdout
        return
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            tab = browser.new_page()
            tab.goto(url)
            alert = tab.locator('[data-testid="stAlertContentWarning"]').filter(has_text="Sign in")
            alert.first.wait_for(timeout=60_000)
            shown = alert.first.inner_text().replace("\u2060", "")  # the invisible word joiner
            assert "market [Sign in](http://evil.example/)" in shown
            assert tab.locator('a[href*="evil.example"]').count() == 0
        finally:
            browser.close()


@pytest.mark.parametrize(
    ("start", "text", "lands_on", "title"),
    [
        ("overview", "Open trend", "/indicator?metric=", "Indicator trend"),
        ("alerts", "Open trend", "/indicator?metric=", "Indicator trend"),
        (f"indicator?{LINK}", "What drove it", "/drilldown?metric=", "Drill-down"),
    ],
)
def test_table_links_open_on_the_first_click_in_the_same_tab(
    base_url: str, start: str, text: str, lands_on: str, title: str
) -> None:
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 2400})
            tab.goto(f"{base_url}/{start}")
            link = tab.get_by_role("link", name=text).first
            link.wait_for(timeout=60_000)
            link.click()  # one click
            tab.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
            assert lands_on in tab.url
            assert len(tab.context.pages) == 1  # no new tab
        finally:
            browser.close()
