"""Untrusted text shown as itself on a Streamlit page, never as Markdown.

`st.warning`, `st.caption`, `st.info`, `st.success` and titles render Markdown (links, images,
`:red[...]` directives, emoji shortcodes, LaTeX, raw HTML entities). A URL parameter, a slice
value from an export or a folder name put into them must read literally: a link's
`?slice=market=[Sign in](http://evil.example/)` must not become a live link on our page.
"""

from __future__ import annotations

import re
import string

# CommonMark lets any ASCII punctuation be escaped with a backslash; escaping all of it stops
# links, images, emphasis, tables, LaTeX (`$`) and Streamlit's `:red[...]` directives.
# The characters HTML gives meaning to become entities, which Markdown shows as the character.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_ESCAPED = {c: "\\" + c for c in string.punctuation if c not in _ENTITIES}
# Escapes do not stop GFM's literal autolinks: Streamlit finds `http://x`, `www.x` and `a@b.c`
# in the rendered text, after escapes are gone (seen in Chromium). An invisible word joiner
# (U+2060) inside each pattern breaks it without changing what the reader sees.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(://|@|\bwww(?=\.))", re.IGNORECASE)


def markdown_literal(text: object) -> str:
    """`text` as Markdown source that renders as `text` reads: no link, image, emphasis,
    directive or HTML; line breaks become spaces, autolink patterns get a word joiner."""
    out = []
    for char in _AUTOLINK.sub(lambda m: m.group(1) + WORD_JOINER, str(text)):
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _ESCAPED:
            out.append(_ESCAPED[char])
        elif char in "\r\n\t":
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)
