"""Sign-in in a real browser against a real OpenID Connect provider on loopback.

`oidc-provider-mock` (a real OIDC provider: discovery, authorization code flow, signed ID
tokens) serves two predefined users on a free port; `govkpi dashboard` runs with sign-in
configured from the environment (its secrets go to Streamlit through the private secrets.toml),
and headless Chromium signs in through the provider's own page. Checked: an anonymous deep link
shows only the sign-in prompt; an operator acknowledges an alert and the audit log names them;
a viewer finds no acknowledge control. Set GOVKPI_SCREENSHOTS=DIR to keep screenshots.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from govkpi.commands.dashboard import serve
from metrics.metric_store import MetricStore
from metrics.settings import load_settings
from tests.dashboard.test_browser_smoke import ARGS, CHROMIUM
from tests.dashboard.test_dashboard_command import free_port, wait_healthy
from tests.dashboard_fixtures import REPORT_DAY, build_store, write_rows_exports

pytestmark = pytest.mark.browser

OPERATOR = "ops@example.com"
VIEWER = "reader@other.org"
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
WAIT = 60_000


@dataclass
class Served:
    url: str
    store: MetricStore


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if CHROMIUM is None:
        if os.environ.get("GOVKPI_REQUIRE_BROWSER"):
            pytest.fail("GOVKPI_REQUIRE_BROWSER is set but Chromium is not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    provider = pytest.importorskip("oidc_provider_mock")
    pytest.importorskip("playwright.sync_api")
    root = tmp_path_factory.mktemp("signin_browser")
    store = build_store(root / "store.duckdb", data_dir=write_rows_exports(root / "data"))
    users = [provider.User(sub=email, claims={"email": email}) for email in (OPERATOR, VIEWER)]
    with provider.run_server_in_thread(port=0, user_claims=users) as oidc:
        env = {
            "GOVKPI_AUTH_PROVIDER_URL": (
                f"http://localhost:{oidc.server_port}/.well-known/openid-configuration"
            ),
            "GOVKPI_AUTH_CLIENT_ID": "govkpi-test",
            "GOVKPI_AUTH_CLIENT_SECRET": "test-client-secret",
            "GOVKPI_AUTH_COOKIE_SECRET": "test-cookie-secret-0123456789",
            "GOVKPI_AUTH__ROLES__OPERATOR": "@example.com",
        }
        port = free_port()
        process = serve(load_settings(flags={"store": store.path}, env=env), port=port,
                        wait=False)  # fmt: skip
        assert not isinstance(process, int)
        try:
            assert wait_healthy(f"http://127.0.0.1:{port}/_stcore/health"), "did not start"
            # localhost, as the redirect URI says: the sign-in cookie is set for that host.
            yield Served(f"http://localhost:{port}", store)
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _shot(page: Any, name: str) -> None:
    shots = os.environ.get("GOVKPI_SCREENSHOTS")
    if shots:
        page.wait_for_selector(DONE, timeout=WAIT)
        page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=True)


def _signed_in_page(browser: Any, served: Served, email: str) -> Any:
    """A fresh browser context (no cookie) signed in through the provider's page."""
    page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
    page.goto(served.url + "/")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=email).click()  # the provider's predefined user
    page.get_by_role("button", name="Sign out").wait_for(timeout=WAIT)  # back, signed in
    page.goto(served.url + "/alerts")
    page.get_by_role("heading", name="Firing now").wait_for(timeout=WAIT)
    page.wait_for_selector(DONE, timeout=WAIT)
    return page


@pytest.mark.parametrize(
    "path",
    ["alerts", f"drilldown?metric=proactive_rate&slice=all&day={REPORT_DAY}", ""],
)
def test_an_anonymous_deep_link_shows_only_the_sign_in_prompt(
    browser: Any, served: Served, path: str
) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{served.url}/{path}")
    page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT)
    page.wait_for_selector(DONE, timeout=WAIT)
    text = page.inner_text("body")
    assert "Sign in to see the marketplace governance dashboard." in text
    for hidden in ("Alerts", "Drill-down", "Governance overview", "Firing now", "Catalogue"):
        assert hidden not in text, f"{path or '/'}: {hidden!r} shown before sign-in"
    assert page.url.startswith(f"{served.url}/{path.split('?')[0]}")  # the address is kept
    if path == "alerts":
        _shot(page, "sign_in_prompt")
    page.context.close()


def test_an_operator_acknowledges_and_the_audit_log_names_them(
    browser: Any, served: Served
) -> None:
    page = _signed_in_page(browser, served, OPERATOR)
    shown = page.inner_text("body").replace("\u2060", "")  # markdown_literal's word joiner
    assert f"Signed in as {OPERATOR} (operator)" in shown
    page.get_by_text("Acknowledge an alert").click()
    page.get_by_label("Reason / what is being done (required)").fill("Checking the ES model")
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    # "Acknowledged" also heads a column: wait for the page's own confirmation of this one.
    page.get_by_text(re.compile(r"^Acknowledged .+\)\.$")).first.wait_for(timeout=WAIT)
    _shot(page, "operator_alerts")
    page.context.close()
    with served.store.read() as con:
        rows = con.execute(
            "SELECT who, role, action FROM audit_log WHERE action = 'acknowledge'"
        ).fetchall()
        authors = con.execute("SELECT author FROM acknowledgements").fetchall()
    assert rows == [(OPERATOR, "operator", "acknowledge")]
    assert authors == [(OPERATOR,)]


def test_a_viewer_finds_no_acknowledge_control(browser: Any, served: Served) -> None:
    page = _signed_in_page(browser, served, VIEWER)
    text = page.inner_text("body")
    assert f"Signed in as {VIEWER} (viewer)" in text.replace("\u2060", "")
    assert "needs the operator role; you are signed in as a viewer" in text
    assert page.get_by_text("Acknowledge an alert").count() == 0
    assert page.get_by_role("button", name="Acknowledge", exact=True).count() == 0
    assert page.get_by_text("Add a silence").count() == 0
    _shot(page, "viewer_alerts")
    page.context.close()
