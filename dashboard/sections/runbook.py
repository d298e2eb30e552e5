"""An indicator's owner and runbook on the Catalogue and Indicator pages: the same decision the
alert cards show (`metrics.runbooks.contact`), so a link in an email and the page agree.

The owner comes from the catalogue or the settings (text a person typed): shown literally. The
packaged runbook is our own Markdown and is rendered; a team's wiki page is a link.
"""

from __future__ import annotations

import streamlit as st

from dashboard.builders.plain_text import markdown_literal
from dashboard.data.store import dashboard_settings
from metrics.catalogue import MetricDefinition
from metrics.runbooks import Contact, contact, packaged_runbook


def indicator_contact(definition: MetricDefinition) -> Contact:
    return contact(definition, dashboard_settings())


def runbook_details(definition: MetricDefinition) -> None:
    """The Catalogue page's part: the owner, then the packaged runbook, or the link to the
    team's own when the settings or the catalogue name one."""
    who = indicator_contact(definition)
    st.markdown(f"**Owner:** {markdown_literal(who.owner)}")
    if who.runbook_source != "packaged" and who.runbook_url:
        st.link_button("Runbook (your team's)", who.runbook_url, icon=":material/menu_book:")
        return
    text = packaged_runbook(definition)
    if text is None:
        st.caption("No runbook for this indicator.")
    else:
        with st.container(border=True):
            st.markdown(text)


def owner_line(definition: MetricDefinition) -> None:
    """The Indicator page's line: who owns it and a link to its runbook."""
    who = indicator_contact(definition)
    left, right = st.columns([3, 1])
    left.markdown(f"**Owner:** {markdown_literal(who.owner)}")
    with right:
        if who.runbook_source != "packaged" and who.runbook_url:
            st.link_button("Runbook", who.runbook_url, icon=":material/menu_book:")
        else:
            st.page_link(
                "app_pages/catalogue.py",
                label="Runbook",
                icon=":material/menu_book:",
                query_params={"metric": definition.id},
            )
