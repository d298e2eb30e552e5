"""The dashboard's entry point: the sign-in gate, then the pages wired into `st.navigation`.

Run with `govkpi dashboard --store PATH` (or `streamlit run dashboard/app.py` with GOVKPI_STORE
set). With sign-in configured, an anonymous visitor gets the sign-in prompt and no page runs.
Each page lives in `dashboard/app_pages/`; its URL path names the page in the address,
and metric, slice, start, end (and day) travel as query parameters. The folder is not called
`pages/`: Streamlit treats a `pages/` folder beside the entry point as a legacy multipage app
and would bypass `st.navigation`.
"""

from typing import Any

import streamlit as st

from dashboard.navigation import follow_page_parameter
from dashboard.sections.sign_in import access_sidebar, current_access, sign_in_prompt

st.set_page_config(page_title="govkpi", page_icon=":material/shield:", layout="wide")


def page(script: str, title: str, icon: str, url_path: str, **kwargs: Any) -> st.Page:
    return st.Page(f"app_pages/{script}", title=title, icon=icon, url_path=url_path, **kwargs)


pages = {
    # The default page is served at the root; its hidden twin answers /overview.
    "": page("overview.py", "Overview", ":material/dashboard:", "home", default=True),
    "overview": page(
        "overview.py", "Overview", ":material/dashboard:", "overview", visibility="hidden"
    ),
    "indicator": page("indicator.py", "Indicator trend", ":material/show_chart:", "indicator"),
    "drilldown": page("drilldown.py", "Drill-down", ":material/zoom_in:", "drilldown"),
    "alerts": page("alerts.py", "Alerts", ":material/notifications_active:", "alerts"),
    "risk": page("risk.py", "Risk matrix", ":material/grid_on:", "risk"),
    "compliance": page("compliance.py", "Compliance", ":material/gavel:", "compliance"),
    "data": page("data.py", "Data freshness", ":material/database:", "data"),
    "catalogue": page("catalogue.py", "Catalogue", ":material/menu_book:", "catalogue"),
}
access = current_access()
if access is None:
    # Anonymous with sign-in on: every page and deep link shows only the prompt. The pages
    # are still registered (hidden, never run) so that the address is kept as it was.
    st.navigation(list(pages.values()), position="hidden")
    sign_in_prompt()
    st.stop()
access_sidebar(access)
current = st.navigation(list(pages.values()))
follow_page_parameter(current, pages)
current.run()
