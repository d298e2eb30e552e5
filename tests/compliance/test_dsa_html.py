"""The HTML DSA report: what it names and shows, that it stands alone, that text is escaped."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

from metrics.contract import REMOVAL_REASONS
from metrics.transparency.category_mapping import load_mapping
from metrics.transparency.dsa_categories import CATEGORY_LABELS
from metrics.transparency.dsa_indicators import INDICATORS, SECTIONS
from metrics.transparency.dsa_report import build_report
from metrics.transparency.report_html import breakable, report_html
from tests.compliance.dsa_fixture import FIRST, LAST, ZONE, write_dsa_exports

GENERATED = dt.datetime(2026, 3, 6, 7, 30)


class Page(HTMLParser):
    """The page's text (whitespace collapsed), its tags, and tags left open or closed twice."""

    VOID = {"meta", "br", "wbr", "link", "img", "hr", "input"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.unbalanced: list[str] = []
        self.feed(html)
        self.close()

    # Tags inside a line of text; every other tag separates words.
    INLINE = {"wbr", "strong", "code", "em", "a", "span"}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)
        if tag not in self.INLINE:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.unbalanced.append(tag)
        if tag not in self.INLINE:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.parts)).strip()


def render(data: Path, mapping_path: str | None = None, folder: str | None = None) -> str:
    report = build_report(str(data), FIRST, LAST, ZONE, load_mapping(mapping_path))
    return report_html(report, GENERATED, folder or str(data))


def test_the_page_names_the_period_the_zone_and_every_section(tmp_path: Path) -> None:
    html = render(write_dsa_exports(tmp_path / "data"))
    page = Page(html)
    assert page.unbalanced == [] and page.open == []
    text = page.text
    assert "02 Mar – 04 Mar 2026 · 3 days" in text
    assert "2026-03-02 to 2026-03-04, both days included" in text
    assert "reporting time zone Europe/Madrid" in text
    assert "Generated 2026-03-06 07:30 UTC" in text
    assert "export contract v1.1" in text
    for section in SECTIONS:
        assert section.title in text
    for indicator in INDICATORS:
        assert indicator.title in text and indicator.definition in text
    # Values read as everywhere in govkpi, with their units and cases (golden values).
    assert "Orders received 4 orders" in text  # summary: value and unit
    assert "Median time to give effect to orders 24.0 h 3 upheld orders decided" in text
    assert "Median (hours) Cases (notices decided) All 6.0 h 5" in text
    assert "Count (orders) All 4" in text
    assert "no cases" in text  # a median over no case is not "not available"
    assert "unknown (listing not in the listings export) 1" in text  # C6, kept
    assert "not available" not in text.replace("“not available” means", "")


def test_the_mapping_is_printed_with_every_reason(tmp_path: Path) -> None:
    text = Page(render(write_dsa_exports(tmp_path / "data"))).text
    mapping_part = text[text.index("DSA statement categories Each removal reason") :]
    assert "Mapping: the packaged mapping." in mapping_part
    mapping = load_mapping()
    for reason in REMOVAL_REASONS:
        code = mapping.categories[reason]
        assert f"{reason} {CATEGORY_LABELS[code]} {code}" in mapping_part
        assert mapping.notes[reason] in mapping_part


def test_absent_data_reads_not_available_and_is_listed(tmp_path: Path) -> None:
    data = write_dsa_exports(tmp_path / "data", v11=False, appeals=False)
    text = Page(render(data)).text
    assert (
        "Not in the exports: the appeals export, listings.automation, "
        "listings.decision_ground, complaints.automation, complaints.decision_ground. "
        "The rows that need them read “not available”." in text
    )
    assert "Complaints received not available" in text
    assert "fully not available partially not available not automated not available" in text


def test_an_unmapped_reason_is_shown_as_such(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[reasons]\nother = "STATEMENT_CATEGORY_VIOLENCE"\n')
    page = Page(render(write_dsa_exports(tmp_path / "data"), str(path)))
    text = page.text
    # The six reasons the file leaves out are marked as such in the mapping table.
    marked = [attrs for tag, attrs in page.tags if tag == "tr" and attrs.get("class") == "unmapped"]
    assert len(marked) == 6
    assert f"Mapping: {path}." in text
    assert (
        "counterfeit Not mapped to a DSA category not in the mapping: counted as "
        "“Not mapped to a DSA category”" in text
    )
    assert "Not mapped to a DSA category 5" in text  # notices received: C7 C8 C9 C12 C13


def test_text_from_files_and_paths_is_escaped(tmp_path: Path) -> None:
    # A mapping note and a data folder name are the free text that reaches the page.
    path = tmp_path / "mine.toml"
    path.write_text(
        '[reasons]\nother = "STATEMENT_CATEGORY_VIOLENCE"\n'
        "[notes]\nother = \"<script>alert('note')</script> & more\"\n"
    )
    folder = tmp_path / 'exports<img src=x onerror="alert(1)">'
    data = write_dsa_exports(folder)
    html = render(data, str(path), str(folder))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#39;note&#39;)&lt;/script&gt; &amp; more" in html
    assert "exports&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    page = Page(html)
    assert {tag for tag, _ in page.tags} <= {
        "html", "head", "meta", "title", "style", "body", "main", "header", "p", "h1", "h2",
        "h3", "dl", "dt", "dd", "code", "strong", "a", "section", "div", "table", "thead",
        "tbody", "tr", "th", "td", "article", "span", "br", "wbr", "em", "footer",
    }  # fmt: skip
    assert "<script>alert('note')</script> & more" in page.text  # shown, as text


def test_the_page_stands_alone(tmp_path: Path) -> None:
    page = Page(render(write_dsa_exports(tmp_path / "data")))
    links = [attrs.get("href") or attrs.get("src") for _, attrs in page.tags]
    # Only links within the page: no script, stylesheet, font or image to fetch.
    assert all(link is None or link.startswith("#") for link in links), links
    anchors = {attrs["id"] for _, attrs in page.tags if attrs.get("id")}
    assert {link[1:] for link in links if link} <= anchors


def test_long_codes_may_wrap_after_underscores_only() -> None:
    assert str(breakable("STATEMENT_CATEGORY_VIOLENCE")) == (
        "STATEMENT_<wbr>CATEGORY_<wbr>VIOLENCE"
    )
    assert str(breakable("a<b_c")) == "a&lt;b_<wbr>c"
