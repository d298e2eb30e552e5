"""The optional `page` query parameter: `?page=indicator&metric=...` opens that page.

Links normally name the page in the path (`/indicator?metric=...`); the parameter serves
places that can only vary the query string (a reverse proxy root, a bookmark tool).
"""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage


def follow_page_parameter(current: StreamlitPage, pages: dict[str, StreamlitPage]) -> None:
    params = st.query_params.to_dict()
    wanted = params.get("page")
    if wanted is None:
        return
    target = pages.get(str(wanted))
    if target is None:
        st.warning(
            f"There is no page “{str(wanted)[:40]}”; showing {current.title}.",
            icon=":material/warning:",
        )
        del st.query_params["page"]
        return
    if target.title == current.title:
        del st.query_params["page"]
        return
    st.switch_page(target, query_params={k: v for k, v in params.items() if k != "page"})
