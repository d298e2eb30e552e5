"""Sign-in on the dashboard: the prompt an anonymous visitor sees on every page, the sidebar
that says who is signed in (or that the dashboard runs without sign-in), and the author field
of every action form.

Sign-in is on when the settings name an OpenID Connect provider (`auth.provider_url`);
`govkpi dashboard` then hands Streamlit a private secrets.toml whose `[auth]` section
`st.login` reads. Sign-in configured but no `[auth]` secrets (the app started some other way)
shows nothing but an error: the dashboard fails closed.
"""

from __future__ import annotations

import ipaddress

import streamlit as st

from dashboard.builders.access import LOCAL, Access, signed_in_access
from dashboard.builders.plain_text import markdown_literal
from dashboard.data.store import dashboard_settings


def _auth_secrets() -> bool:
    try:
        return bool(st.secrets.get("auth"))
    except FileNotFoundError:  # no secrets file at all
        return False


def current_access() -> Access | None:
    """This session's access; None for an anonymous visitor when sign-in is on."""
    settings = dashboard_settings()
    if not settings.sign_in:
        return LOCAL
    if not _auth_secrets():
        st.error(
            "Sign-in is configured (auth.provider_url) but this dashboard was started without "
            "its sign-in secrets: start it with `govkpi dashboard`."
        )
        st.stop()
    if not st.user.is_logged_in:
        return None
    access = signed_in_access(st.user.to_dict(), settings.auth.roles)
    if access is None:
        st.error("The identity provider named no user (no email, username or subject).")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    return access


def page_access() -> Access:
    """For a page: the app has already stopped anonymous visitors, so this is never None."""
    access = current_access()
    if access is None:
        sign_in_prompt()
        st.stop()
    return access


def sign_in_prompt() -> None:
    st.title("govkpi")
    st.info("Sign in to see the marketplace governance dashboard.", icon=":material/lock:")
    st.button("Sign in", type="primary", on_click=st.login, key="sign_in")
    st.caption("You will be sent to your organisation's sign-in page and back here.")


def _listening_locally() -> bool:
    address = str(st.get_option("server.address") or "")
    if address in ("", "localhost"):
        # Streamlit's default without an address is every interface.
        return address == "localhost"
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def access_sidebar(access: Access) -> None:
    """Who is signed in and as what, with sign-out; or that there is no sign-in."""
    with st.sidebar:
        if access.signed_in:
            st.caption(f"Signed in as **{markdown_literal(access.who)}** ({access.role})")
            st.button("Sign out", on_click=st.logout, key="sign_out")
        elif _listening_locally():
            st.caption(
                "Unauthenticated, local only: no sign-in is configured, so the dashboard "
                "listens on this machine only. Actions are recorded under the name you type."
            )
        else:
            st.warning(
                "Unauthenticated and reachable from the network: no sign-in is configured. "
                "Anyone who can reach this address can change alerts.",
                icon=":material/warning:",
            )


def author_input(access: Access, key: str) -> str:
    """The author of an action: the signed-in identity, else the name typed (local mode)."""
    if access.who is not None:
        st.caption(f"Recorded as {markdown_literal(access.who)} ({access.role}).")
        return access.who
    return st.text_input("Your name (required)", key=key)


def operator_only(access: Access, what: str) -> bool:
    """Whether this session may act; if not, says so in one line (naming the role needed)."""
    if access.can_act:
        return True
    st.caption(f"{what} needs the operator role; you are signed in as a {access.role}.")
    return False
