"""Listings that incidents add on top of the normal flow: a counterfeit wave and an offender ring.

They are small (well under 1% of the listings) and built with numpy as base rows in the same
shape as the main listings, so the same lifecycle SQL decides their fate; their overrides
(violation probability, reason, proactive catch rate, complaint delay, duplicate notices)
are what makes them an incident.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from metrics.contract import SELLER_TIERS
from metrics.metric_store import slice_key
from sample_data.calendar import US_PER_DAY
from sample_data.catalog import REASON
from sample_data.incidents import (
    ARRIVALS,
    CATEGORY_CODE,
    COUNTERFEIT_WAVE,
    DECISION_P95_DAYS,
    MARKET_CODE,
    OFFENDER_RING,
    Effect,
    Incident,
    IncidentPlan,
    Label,
    day_rows,
    expected_new,
    p95_days,
    ring_size,
)
from sample_data.listings_sql import REPORT_SIGMA, REVIEW_HOURS, REVIEW_SIGMA

NEW_TIER = 0
NEW_TIER_NAME = SELLER_TIERS[NEW_TIER]
# Wave listings per day, relative to the slice's normal new listings.
WAVE_INTENSITY = 0.5
# Overrides of the listings of each incident: violation probability, reason (-1: the
# category's usual mix), proactive catch rate, median hours until someone reports a missed
# violation, duplicate notices factor.
WAVE_OVERRIDES = (0.8, REASON["counterfeit"], 0.3, 20.0, 2.0)
RING_OVERRIDES = (0.85, -1, 0.98, 96.0, 1.0)
RING_CATEGORIES = ("apparel", "shoes", "cosmetics", "jewelry", "electronics")

COLUMNS = {
    "idx": np.int64,
    "seller_key": np.int64,
    "tier": np.int8,
    "m": np.int8,
    "c": np.int8,
    "created_us": np.int64,
    "ov_pv": np.float64,
    "ov_reason": np.int8,
    "ov_ppro": np.float64,
    "ov_react_h": np.float64,
    "ov_dup": np.float64,
}


def wave_effects(inc: Incident) -> tuple[Effect, ...]:
    """The wave's new sellers list counterfeits the model mostly misses (WAVE_OVERRIDES):
    new listings rise, then counterfeit notices (upheld) within about a day, then the
    complaint-driven takedowns, after sales; repeat removals make repeat offenders."""
    *_, react_hours, _ = WAVE_OVERRIDES
    reports = p95_days(react_hours, REPORT_SIGMA)
    removals = reports + DECISION_P95_DAYS
    dims = {"market": inc.market, "category_l1": inc.category, "seller_tier": NEW_TIER_NAME}
    listed = (slice_key(dims),)
    notices = (slice_key(dims | {"issue_type": "counterfeit"}),)
    return (
        Effect(
            "counterfeit_complaint_rate",
            "up",
            (inc.slice,),
            reports,
            Label(
                "spike",
                0,
                0,
                "new sellers list a batch of counterfeit toys; the model misses most of them "
                "and rights holders and consumers complain within a day or two",
            ),
        ),
        *(Effect(m, "up", notices, reports) for m in (*ARRIVALS, "substantiation_rate")),
        Effect("new_listings", "up", listed),
        Effect("live_listings", "up", listed, removals),
        Effect("takedown_rate", "up", listed, removals),
        Effect("repeat_offender_rate", "up", listed, removals),
        *(
            Effect(m, "down", listed, removals)
            for m in ("proactive_rate", "prepublish_block_share", "removed_before_sale_share")
        ),
    )


def ring_effects(inc: Incident) -> tuple[Effect, ...]:
    """The ring's new sellers re-list banned items in RING_CATEGORIES every day; the
    proactive systems take almost all of them down within days (RING_OVERRIDES), so every
    ring seller is a repeat offender from its second day."""
    removals = p95_days(REVIEW_HOURS, REVIEW_SIGMA)
    listed = tuple(
        slice_key({"market": inc.market, "category_l1": c, "seller_tier": NEW_TIER_NAME})
        for c in RING_CATEGORIES
    )
    return (
        Effect(
            "repeat_offender_rate",
            "up",
            (inc.slice,),
            removals,
            Label(
                "spike",
                1,
                2,
                "a ring of new sellers re-lists banned items every day and is removed every day",
            ),
        ),
        Effect("new_listings", "up", listed),
        *(
            Effect(m, "up", listed, removals)
            for m in ("takedown_rate", "proactive_rate", "removed_before_sale_share")
        ),
    )


def extra_listings(
    plan: IncidentPlan, daily: pd.DataFrame, seed: int, first_idx: int, first_seller: int
) -> pd.DataFrame:
    """Base rows of the incident listings; indexes and seller keys continue the main ones."""
    rng = np.random.default_rng([seed, 4242])
    parts = []
    seller = first_seller
    if inc := plan.get(COUNTERFEIT_WAVE.kind):
        # The fakes go live the day before complaints start and keep coming for the wave.
        rows = day_rows(daily, inc, plan)
        per_day = WAVE_INTENSITY * expected_new(daily, inc.market or "", inc.category)
        counts = np.maximum(1, np.round(per_day * rows["listings"] / rows["listings"].mean()))
        n = int(counts.sum())
        sellers = max(3, math.ceil(n / 20))
        parts.append(
            _rows(
                rng,
                day_us=np.repeat(rows["day_us"].to_numpy() - US_PER_DAY, counts.astype(int)),
                seller=seller + rng.integers(0, sellers, n),
                market=MARKET_CODE[inc.market or ""],
                category=np.full(n, CATEGORY_CODE[inc.category or ""]),
                overrides=WAVE_OVERRIDES,
            )
        )
        seller += sellers
    if inc := plan.get(OFFENDER_RING.kind):
        rows = day_rows(daily, inc, plan)
        size = ring_size(daily, inc.market or "")
        # Every ring seller re-lists two or three banned items every day.
        per_seller_day = rng.integers(2, 4, (len(rows), size))
        counts = per_seller_day.reshape(-1)
        day_us = np.repeat(np.repeat(rows["day_us"].to_numpy(), size), counts)
        ring_sellers = np.repeat(np.tile(np.arange(size), len(rows)), counts)
        n = len(day_us)
        ring_cats = np.array([CATEGORY_CODE[c] for c in RING_CATEGORIES])
        parts.append(
            _rows(
                rng,
                day_us=day_us,
                seller=seller + ring_sellers,
                market=MARKET_CODE[inc.market or ""],
                category=ring_cats[(ring_sellers + rng.integers(0, 2, n)) % len(ring_cats)],
                overrides=RING_OVERRIDES,
            )
        )
    if not parts:
        return pd.DataFrame({name: pd.Series(dtype=t) for name, t in COLUMNS.items()})
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "idx", np.arange(first_idx, first_idx + len(frame), dtype=np.int64))
    return frame.astype(COLUMNS)


def _rows(
    rng: np.random.Generator,
    day_us: np.ndarray,
    seller: np.ndarray,
    market: int,
    category: np.ndarray,
    overrides: tuple[float, int, float, float, float],
) -> pd.DataFrame:
    n = len(day_us)
    pv, reason, ppro, react_h, dup = overrides
    return pd.DataFrame(
        {
            "seller_key": seller,
            "tier": NEW_TIER,
            "m": market,
            "c": category,
            "created_us": day_us + rng.integers(0, US_PER_DAY, n),
            "ov_pv": pv,
            # -1: the category's usual mix of reasons.
            "ov_reason": reason,
            "ov_ppro": ppro,
            "ov_react_h": react_h,
            "ov_dup": dup,
        }
    )
