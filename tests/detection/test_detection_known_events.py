"""Known events: the calendar, and the detector on festival days and on trending stocks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from alerts.detection.detectors import DetectorParams
from alerts.detection.known_events import NO_EVENTS, load_known_events, parse_known_events
from alerts.detection.scoring import score_series
from metrics.errors import ConfigError

START = pd.Timestamp("2025-07-01")


def test_packaged_calendar_has_the_festivals_with_their_movable_days() -> None:
    days = load_known_events().days(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    names = {d: name for d, (name, _) in days.items()}
    assert names[dt.date(2026, 11, 27)] == "Black Friday"  # fourth Thursday is 26 November
    assert names[dt.date(2026, 11, 30)] == "Cyber Monday"
    for day in ("2026-06-18", "2026-11-11", "2026-12-12", "2026-11-10"):
        assert dt.date.fromisoformat(day) in days
    assert days[dt.date(2026, 12, 25)][1] == -1  # a holiday dip
    assert dt.date(2026, 3, 3) not in days


def test_a_calendar_file_replaces_the_packaged_one_and_is_validated(tmp_path) -> None:
    path = tmp_path / "events.toml"
    path.write_text('[[extra]]\nname = "spring sale"\ndate = 2026-03-03\ndays_after = 1\n')
    days = load_known_events(path).days(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert list(days) == [dt.date(2026, 3, 3), dt.date(2026, 3, 4)]
    with pytest.raises(ConfigError) as err:
        parse_known_events(
            '[[recurring]]\nname = "x"\n\n[[recurring]]\nname = "y"\ndate = "13-40"\nwhen = 1\n',
            "bad.toml",
        )
    message = str(err.value)
    assert "recurring.0" in message and "recurring.1" in message and "when" in message


def _festival_rate(seed: int, days: int = 200) -> pd.DataFrame:
    """Complaints per 10k live listings: complaints x3 on festival days, live stock flat."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, periods=days, freq="D")
    directions = load_known_events().directions(dates)
    factor = np.where(directions > 0, 3.0, np.where(directions < 0, 0.6, 1.0))
    den = np.full(days, 400_000.0)
    num = rng.poisson(den * 8e-4 * factor * np.exp(rng.normal(0, 0.04, days))).astype(float)
    return pd.DataFrame(
        {"date": dates.date, "value": num / den * 1e4, "numerator": num, "denominator": den}
    )


def test_festival_days_of_a_rate_per_live_listing_are_not_alerts() -> None:
    df = _festival_rate(seed=1)
    out = score_series(df, "rate", "lower", 10000.0)
    assert not out["is_alert"].any()
    # Without the calendar the same days alert: the test can fail.
    naive = score_series(df, "rate", "lower", 10000.0, DetectorParams(known_events=NO_EVENTS))
    assert naive["is_alert"].sum() >= 5


def test_an_incident_on_a_festival_day_beyond_the_learned_effect_alerts() -> None:
    df = _festival_rate(seed=2)
    day = pd.Timestamp("2025-12-12")  # after 11.11, Black Friday and Cyber Monday
    spike = pd.to_datetime(df["date"]) == day
    df.loc[spike, "numerator"] *= 4
    df["value"] = df["numerator"] / df["denominator"] * 1e4
    out = score_series(df, "rate", "lower", 10000.0)
    assert list(pd.to_datetime(out.loc[out["is_alert"], "date"])) == [day]


def test_a_trending_stock_with_festival_steps_is_not_an_alert() -> None:
    """Live listings: the stock grows by a weekday-shaped flow, 3x on festival days."""
    rng = np.random.default_rng(3)
    dates = pd.date_range(START, periods=240, freq="D")
    directions = load_known_events().directions(dates)
    weekday = np.take([1.08, 1.06, 1.04, 1.02, 0.98, 0.85, 0.80], dates.day_of_week)
    flow = rng.poisson(1300 * weekday * np.where(directions > 0, 3.0, 1.0))
    stock = 400_000 + np.cumsum(flow - rng.poisson(300, len(dates)))
    df = pd.DataFrame({"date": dates.date, "value": stock.astype(float)})
    out = score_series(df, "count", None)
    assert out["score"].notna().sum() > 150
    assert not out["is_alert"].any()
    # The flow stopping (no new listings for good) is a change of trend: it alerts, within
    # three weeks (each day moves the stock by less than 2 Poisson sd of its level).
    stopped = df.copy()
    cut = 200
    stopped.loc[cut:, "value"] = stock[cut - 1] - np.cumsum(rng.poisson(300, 240 - cut))
    out = score_series(stopped, "count", None)
    first = pd.to_datetime(out.loc[out["is_alert"], "date"]).min()
    assert dates[cut] <= first <= dates[cut + 21]
