"""A small table whose links open on the first click, in the same tab.

`st.dataframe`'s LinkColumn selects the cell on the first click and opens the link in a new
tab on the second. Streamlit's Markdown keeps an `<a>`'s own `target`, so a GFM table with
`<a target="_self">` cells navigates in place on one click (checked in Chromium by
tests/dashboard/test_browser_smoke.py). Every other cell goes through `markdown_literal`, so
the raw HTML this needs (`unsafe_allow_html`) carries no text from the data as markup.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from html import escape

import pandas as pd

from dashboard.builders.plain_text import markdown_literal
from metrics.presentation import MISSING, is_missing, is_web_link


def link_html(href: str, text: str) -> str:
    """One same-tab link; `href` is a relative dashboard path built by metrics.presentation."""
    return f'<a href="{escape(href, quote=True)}" target="_self">{escape(text)}</a>'


LINK_TEXT_LIMIT = 20


def external_link_html(href: str) -> str:
    """A link typed by a person (an acknowledgement's ticket), opened in a new tab. Its text is
    the address's last part (`GOV-7` of `https://tickets.example.com/GOV-7`), so a narrow table
    holds it; the whole address shows on hover. Only for `is_web_link` values."""
    path = href.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0].rstrip("/")
    text = path.rsplit("/", 1)[-1] or path
    if len(text) > LINK_TEXT_LIMIT:
        text = text[: LINK_TEXT_LIMIT - 1] + "…"
    return (
        f'<a href="{escape(href, quote=True)}" title="{escape(href, quote=True)}" '
        f'target="_blank" rel="noopener noreferrer">{markdown_literal(text)} ↗</a>'
    )


def _cell(value: object) -> str:
    if isinstance(value, str):
        return markdown_literal(value) if value else ""
    if is_missing(value):
        return MISSING
    return markdown_literal(value)


def link_table_markdown(
    frame: pd.DataFrame, links: Mapping[str, str], external: Collection[str] = ()
) -> str:
    """GFM table source for `frame`; `links` maps a column of hrefs to its link text;
    `external` names columns of addresses typed by people: a cell is a link only when it is
    an http(s) address (`is_web_link`), else plain text."""
    columns = list(frame.columns)
    lines = [
        "| " + " | ".join(markdown_literal(c) for c in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    for row in frame.itertuples(index=False):
        cells = [
            link_html(str(value), links[column])
            if column in links and value
            else external_link_html(str(value))
            if column in external and is_web_link(value)
            else _cell(value)
            for column, value in zip(columns, row, strict=True)
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
