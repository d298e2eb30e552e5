"""Sign-in and roles on the pages (AppTest, with `st.user` seeded as a provider would fill it):
an anonymous visitor sees only the prompt on every page; a viewer reads but cannot act; an
operator acts under the signed-in identity, audited in the same write; an admin reads the audit
log; without sign-in the local user acts under a typed name and is told the mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit import config
from streamlit.testing.v1 import AppTest

from dashboard.builders.access import role_for
from metrics.metric_store import MetricStore
from metrics.settings import RoleSettings
from metrics.store_files import copy_store_files
from tests.dashboard_fixtures import REPORT_DAY, build_store, write_rows_exports

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "govkpi",
        "client_secret": "test-client-secret",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
    }
}
DRILL = {"metric": "proactive_rate", "slice": "all", "day": REPORT_DAY.isoformat()}
ACK = "FormSubmitter:acknowledge-Acknowledge"


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("signin")
    return build_store(root / "store.duckdb", data_dir=write_rows_exports(root / "data")).path


@pytest.fixture
def store(shared_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MetricStore:
    path = tmp_path / "store.duckdb"
    copy_store_files(shared_store, path)  # the store and its alert ledger
    monkeypatch.setenv("GOVKPI_STORE", str(path))
    return MetricStore(path)


@pytest.fixture
def sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign-in configured as `govkpi dashboard` hands it to the app (no secret in the env)."""
    monkeypatch.setenv("GOVKPI_AUTH_PROVIDER_URL", SECRETS["auth"]["server_metadata_url"])
    monkeypatch.setenv("GOVKPI_AUTH_CLIENT_ID", "govkpi")
    monkeypatch.setenv("GOVKPI_AUTH__ROLES__ADMIN", "lead@example.com")
    monkeypatch.setenv("GOVKPI_AUTH__ROLES__OPERATOR", "@example.com")


def open_page(page: str, user: dict[str, Any] | None, params: dict[str, str] | None = None,
              secrets: bool = True) -> AppTest:  # fmt: skip
    at = AppTest.from_file(str(APP), default_timeout=60)
    if secrets:
        at.secrets = SECRETS
    if user is not None:
        at.user = user
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def signed_in(email: str) -> dict[str, Any]:
    return {"is_logged_in": True, "email": email, "sub": "sub-" + email}


def text_of(at: AppTest, *kinds: str) -> str:
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def everything(at: AppTest) -> str:
    kinds = ("title", "subheader", "markdown", "caption", "info", "warning", "error", "success")
    return text_of(at, *kinds) + text_of(at.sidebar, "caption", "warning")


def plain(markdown: str) -> str:
    """Markdown as read: without the escapes and invisible joiners of markdown_literal."""
    return markdown.replace("\\", "").replace("\u2060", "")


def button_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


@pytest.mark.parametrize(
    ("page", "params"), [("overview", None), ("alerts", None), ("drilldown", DRILL)]
)
def test_anonymous_sees_only_the_sign_in_prompt(
    store: MetricStore, sign_in: None, page: str, params: dict[str, str] | None
) -> None:
    at = open_page(page, {"is_logged_in": False}, params)
    assert [t.value for t in at.title] == ["govkpi"]
    assert button_labels(at) == ["Sign in"]
    assert "Sign in to see" in text_of(at, "info")
    assert not at.dataframe and not at.get("plotly_chart") and not at.subheader
    assert not at.sidebar.caption  # nothing about anyone, no page content at all


def test_sign_in_without_its_secrets_fails_closed(store: MetricStore, sign_in: None) -> None:
    at = open_page("alerts", signed_in("lead@example.com"), secrets=False)
    assert "started without its sign-in secrets" in text_of(at, "error")
    assert not at.title and not at.dataframe


def test_viewer_reads_alerts_but_cannot_act(store: MetricStore, sign_in: None) -> None:
    at = open_page("alerts", signed_in("someone@elsewhere.org"))
    assert [t.value for t in at.title] == ["Alerts"]
    assert "Firing now (2)" in everything(at)
    assert ACK not in [b.key for b in at.button]
    assert not [b for b in at.button if "silence" in b.label.lower()]
    assert "needs the operator role; you are signed in as a viewer" in text_of(at, "caption")
    assert "Audit log" not in everything(at)
    assert "Signed in as **someone@elsewhere.org** (viewer)" in plain(
        text_of(at.sidebar, "caption")
    )


def test_viewer_does_not_get_the_rows_behind_a_slice(store: MetricStore, sign_in: None) -> None:
    viewer = open_page("drilldown", signed_in("someone@elsewhere.org"), DRILL)
    operator = open_page("drilldown", signed_in("ops@example.com"), DRILL)
    assert "Seeing the rows behind a slice (and their CSV) needs the operator role" in text_of(
        viewer, "caption"
    )
    assert len(operator.dataframe) == len(viewer.dataframe) + 1  # the rows table
    labels = [b.label for b in viewer.get("download_button")]
    assert "Download these rows (CSV)" not in labels
    assert "Download these rows (CSV)" in [b.label for b in operator.get("download_button")]


def test_operator_acknowledges_as_the_signed_in_identity(store: MetricStore, sign_in: None) -> None:
    at = open_page("alerts", signed_in("ops@example.com"))
    assert "ack_author" not in [t.key for t in at.text_input]  # no name to type
    assert "Recorded as ops@example.com (operator)." in plain(text_of(at, "caption"))
    at.text_area(key="ack_note").input("ES rollback under way")
    at.button(key=ACK).click().run()
    assert not at.exception
    assert any("Acknowledged" in s.value for s in at.success)
    with store.read() as con:
        acks = con.execute("SELECT author, note FROM acknowledgements").fetchall()
        audit = con.execute("SELECT who, role, action, target FROM audit_log").fetchall()
    assert acks == [("ops@example.com", "ES rollback under way")]
    assert len(audit) == 1
    who, role, action, target = audit[0]
    assert (who, role, action) == ("ops@example.com", "operator", "acknowledge")
    assert target.startswith("proactive_rate / ")
    assert "Audit log" not in everything(at)  # operators act; admins read the log


def test_admin_reads_the_audit_log(store: MetricStore, sign_in: None) -> None:
    at = open_page("alerts", signed_in("lead@example.com"))
    at.text_area(key="ack_note").input("looking into it")
    at.button(key=ACK).click().run()
    assert "Audit log (1)" in everything(at)
    log = at.dataframe[-1].value
    assert list(log.columns) == ["When", "Who", "Role", "Action", "Target", "Details"]
    assert list(log[["Who", "Role", "Action"]].iloc[0]) == [
        "lead@example.com",
        "admin",
        "acknowledge",
    ]
    assert "note: looking into it" in log["Details"].iloc[0]


@pytest.fixture
def listening_on() -> Iterator[Callable[[str], None]]:
    """Sets Streamlit's server.address as `govkpi dashboard --host` would (restored after)."""
    before = config.get_option("server.address")
    yield lambda address: config.set_option("server.address", address)
    config.set_option("server.address", before)


def test_local_mode_says_so_and_records_the_typed_name(
    store: MetricStore, listening_on: Callable[[str], None]
) -> None:
    listening_on("127.0.0.1")
    at = open_page("alerts", None)
    assert "Unauthenticated, local only" in text_of(at.sidebar, "caption")
    assert not at.sidebar.warning
    at.text_input(key="ack_author").input("ana")
    at.text_area(key="ack_note").input("on it")
    at.button(key=ACK).click().run()
    with store.read() as con:
        audit = con.execute("SELECT who, role, action FROM audit_log").fetchall()
    assert audit == [("ana", "local", "acknowledge")]
    assert "Audit log (1)" in everything(at)


def test_no_sign_in_on_the_network_is_said_on_every_page(
    store: MetricStore, listening_on: Callable[[str], None]
) -> None:
    listening_on("0.0.0.0")  # --allow-unauthenticated
    at = open_page("overview", None)
    assert "Unauthenticated and reachable from the network" in text_of(at.sidebar, "warning")


def test_roles_from_emails_domains_and_groups() -> None:
    roles = RoleSettings.model_validate(
        {
            "admin": ["Lead@Example.com"],
            "operator": ["@example.com"],
            "groups_claim": "groups",
            "groups": {"trust-ops": "operator", "govkpi-admins": "admin"},
        }
    )
    assert role_for({"email": "lead@example.com"}, roles) == "admin"
    assert role_for({"email": "ANA@example.com"}, roles) == "operator"
    assert role_for({"email": "ana@example.com.evil.org"}, roles) == "viewer"
    assert role_for({"email": "ana@sub.example.com"}, roles) == "viewer"  # a domain is exact
    assert role_for({"email": "x@other.org", "groups": ["trust-ops"]}, roles) == "operator"
    assert role_for({"email": "x@other.org", "groups": "govkpi-admins"}, roles) == "admin"
    assert role_for({"email": "x@other.org", "groups": ["readers"]}, roles) == "viewer"
    assert role_for({"sub": "no-email"}, roles) == "viewer"
    # An address the provider says it has not verified earns nothing from the address.
    assert role_for({"email": "lead@example.com", "email_verified": False}, roles) == "viewer"
