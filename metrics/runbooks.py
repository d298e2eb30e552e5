"""Who answers for an indicator and where its runbook is: one decision that the alert cards,
the Catalogue page and the Indicator page all show.

The runbook address, most specific first: the settings' `[indicators.<id>] runbook_url`, the
catalogue's `runbook_url` when it is a web address, the settings' `runbook_base_url` (a team's
wiki, one page per indicator), else the packaged runbook the catalogue names
(`runbook_url = "runbooks/<id>.md"`, a file beside the SQL) on the dashboard's Catalogue page.
The owner: the settings' `[indicators.<id>] owner`, the catalogue's `owner`, else the team of
its owner area.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from metrics.catalogue import MetricDefinition, default_sql_dir
from metrics.presentation import area_label, is_web_link, view_query
from metrics.settings import Settings

METRIC_PLACEHOLDER = "{metric_id}"


@dataclass(frozen=True)
class Contact:
    owner: str
    # The runbook's address; None when there is none to link (no wiki, no dashboard URL).
    runbook_url: str | None
    # Where the address came from: settings, catalogue, wiki (runbook_base_url) or packaged.
    runbook_source: str


def runbooks_dir() -> Path:
    """The packaged runbooks: one Markdown file per indicator, named by its id."""
    return default_sql_dir() / "runbooks"


def packaged_runbook(definition: MetricDefinition) -> str | None:
    """The Markdown of the packaged runbook the catalogue names (`runbooks/<name>.md`), else
    of `runbooks/<id>.md`; None when there is none."""
    named = definition.runbook_url
    relative = named if named and not is_web_link(named) else f"runbooks/{definition.id}.md"
    path = default_sql_dir() / relative
    return path.read_text() if path.is_file() else None


def catalogue_link(dashboard_url: str | None, metric_id: str) -> str | None:
    """The dashboard's Catalogue page opened on the indicator (where its runbook is shown)."""
    if not dashboard_url:
        return None
    return f"{dashboard_url.rstrip('/')}/catalogue?{view_query({'metric': metric_id})}"


def wiki_link(base_url: str, metric_id: str) -> str:
    """`https://wiki/x/{metric_id}` with the id put in, else `<base>/<metric_id>`."""
    if METRIC_PLACEHOLDER in base_url:
        return base_url.replace(METRIC_PLACEHOLDER, metric_id)
    return f"{base_url.rstrip('/')}/{metric_id}"


def contact(definition: MetricDefinition, settings: Settings) -> Contact:
    override = settings.indicators.get(definition.id)
    owner = (
        (override.owner if override is not None else None)
        or definition.owner
        or f"{area_label(definition.owner_area)} team"
    )
    if override is not None and override.runbook_url:
        return Contact(owner, override.runbook_url, "settings")
    if definition.runbook_url and is_web_link(definition.runbook_url):
        return Contact(owner, definition.runbook_url, "catalogue")
    if settings.runbook_base_url:
        return Contact(owner, wiki_link(settings.runbook_base_url, definition.id), "wiki")
    return Contact(owner, catalogue_link(settings.dashboard_url, definition.id), "packaged")
