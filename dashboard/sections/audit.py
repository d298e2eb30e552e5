"""The audit log on the Alerts page (admins, and the one user of local mode): who changed
what, when, in which role; newest first."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard.context import PageContext
from dashboard.data import ledger
from dashboard.data.store import dashboard_settings
from metrics.presentation import format_time

SHOWN = 200


def _details(text: object) -> str:
    if not isinstance(text, str) or not text:
        return ""
    return "; ".join(f"{k}: {v}" for k, v in json.loads(text).items())


def audit_table(entries: pd.DataFrame) -> pd.DataFrame:
    zone = dashboard_settings().zone
    return pd.DataFrame(
        {
            "When": [
                format_time(at.to_pydatetime(), zone)
                for at in pd.to_datetime(entries["acted_at"], utc=True)
            ],
            "Who": entries["who"],
            "Role": entries["role"],
            "Action": [str(a).replace("_", " ") for a in entries["action"]],
            "Target": entries["target"],
            "Details": [_details(d) for d in entries["details"]],
        }
    )


def audit_section(ctx: PageContext) -> None:
    entries = ledger.audit_entries(ctx.store, SHOWN)
    count = 0 if entries is None else len(entries)
    st.subheader(f"Audit log ({count}{'+' if count == SHOWN else ''})")
    if entries is None or entries.empty:
        st.caption("No action recorded yet.")
        return
    st.caption(
        f"Every acknowledgement, resolution, feedback and silence, by whom (the signed-in "
        f"identity; `local`: without sign-in, the name typed), newest first (the latest "
        f"{SHOWN}). All of it: `govkpi alerts audit`."
    )
    st.dataframe(audit_table(entries), hide_index=True)
