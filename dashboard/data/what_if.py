"""The Catalogue's what-if, through `alerts.backtest`: the episodes one threshold rule raises
on one series over a period, with its limits as in force and as typed. Read-only; cached per
store version, rules version and limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from alerts.backtest import backtest, with_limits
from alerts.rules.rulebook import RuleBook
from dashboard.data.cache import per_store_version
from dashboard.data.store import dashboard_settings
from metrics.catalogue import load_catalogue
from metrics.metric_store import MetricStore


@dataclass(frozen=True)
class WhatIf:
    in_force: pd.DataFrame  # the episodes of the rule in force (history columns, last_firing)
    changed: pd.DataFrame  # the episodes with the limits typed


@per_store_version
def what_if(
    path: str,
    book: RuleBook,
    rule_id: str,
    metric_id: str,
    slice_key: str,
    start: date,
    end: date,
    warning: float | None,
    critical: float | None,
) -> WhatIf:
    settings = dashboard_settings()
    catalogue = load_catalogue()
    series = (metric_id, slice_key)
    changed_book = with_limits(book, rule_id, warning, critical)
    with MetricStore(path).read() as con:
        now = backtest(con, catalogue, book, settings, start, end, series)
        then = backtest(con, catalogue, changed_book, settings, start, end, series)

    def own(episodes: pd.DataFrame) -> pd.DataFrame:
        return episodes[episodes["rule_id"] == rule_id].reset_index(drop=True)

    return WhatIf(own(now.episodes), own(then.episodes))
