"""Stocks (live listings, a backlog): judged by their daily change, whatever the day's fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alerts.detection.known_events import load_known_events
from alerts.detection.scoring import score_series

START = pd.Timestamp("2025-10-19")


def _steady_stock(seed: int, days: int = 400) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Live listings of one category: ~230 a day net, weekday-shaped, 3.5x on festival days.

    A ramp this smooth is followed closely by a trending level too, so on some days the
    level's residuals look no wider than the daily changes -- the case that used to flip the
    baseline to the level model right after a festival's step, and alert for weeks.
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, periods=days, freq="D")
    directions = load_known_events().directions(dates)
    weekday = np.take([1.15, 1.15, 1.1, 1.05, 1.0, 0.6, 0.55], dates.day_of_week)
    inflow = rng.poisson(300 * weekday * np.where(directions > 0, 3.5, 1.0))
    stock = 60_000 + np.cumsum(inflow - rng.poisson(70, days))
    return dates, stock.astype(float)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_smooth_stock_after_a_festival_step_is_not_an_alert(seed: int) -> None:
    # With the stock decision taken day by day, these series alerted on 2, 2 and 11 days.
    dates, stock = _steady_stock(seed)
    out = score_series(pd.DataFrame({"date": dates.date, "value": stock}), "count", None)
    assert out["score"].notna().sum() > 300
    assert not out["is_alert"].any()


def test_a_mass_removal_from_a_smooth_stock_alerts_that_day() -> None:
    dates, stock = _steady_stock(seed=3)
    cut = 330
    stock[cut:] -= 0.04 * stock[cut]  # 4 % of the live listings removed in one sweep
    out = score_series(pd.DataFrame({"date": dates.date, "value": stock}), "count", None)
    alerts = pd.to_datetime(out.loc[out["is_alert"], "date"])
    assert dates[cut] in set(alerts)
    assert alerts.min() >= dates[cut]


def _overdue_backlog(seed: int, days: int = 300) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """A small overdue backlog from the data start: it fills up from zero (warm-up), then
    stock_t = Binomial(stock_{t-1}, 0.7) + Poisson(lambda), lambda rising 60 % over two
    months -- a slow change of the inflow, not an incident."""
    rng = np.random.default_rng(seed)
    lam = 2.0 * (1 + 0.6 * np.clip((np.arange(days) - 150) / 60, 0.0, 1.0))
    stock = np.zeros(days)
    held = 0
    for t in range(days):
        held = rng.binomial(held, 0.7) + rng.poisson(lam[t])
        stock[t] = held
    return pd.date_range(START, periods=days, freq="D"), stock


@pytest.mark.parametrize("seed", range(10))
def test_a_backlog_filling_up_then_rising_slowly_is_not_an_alert(seed: int) -> None:
    # Before the accumulators waited for the residuals' autocorrelation to be learned, seeds
    # 3, 7 and 9 alerted on 2, 19 and 2 days (days 51-92): a dip and recovery of the stock,
    # which the accumulators summed as white noise while its autocorrelation was unknown.
    dates, stock = _overdue_backlog(seed)
    out = score_series(pd.DataFrame({"date": dates.date, "value": stock}), "count", None)
    assert out["score"].notna().sum() > 200
    assert not out["is_alert"].any()


def _stuck_item_backlog(
    seed: int, burst: float = 0.0, flow: float = 4.0, stuck_rate: float = 0.5
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """An overdue backlog of ~20 items as in the sample (an M/G/infinity queue): each day ~4
    complaints pass their SLA and are decided within a day or two, and ~0.5 get stuck for a
    log-normal 20 days (sd 0.8 on the log scale). Its level is about Poisson, but the stuck
    items make it wander for weeks. `burst` extra complaints a day on days 300-309 stay
    overdue about a week each: reviewers falling behind."""
    rng = np.random.default_rng(seed)
    days = 400
    open_items = np.zeros(days + 400)
    for t in range(days):
        for d in rng.geometric(0.6, rng.poisson(flow)):
            open_items[t : t + d] += 1
        stuck = rng.lognormal(np.log(20.0), 0.8, rng.poisson(stuck_rate))
        for d in np.ceil(stuck).astype(int):
            open_items[t : t + d] += 1
        if 300 <= t < 310:
            for d in rng.geometric(1 / 7, rng.poisson(burst)):
                open_items[t : t + d] += 1
    return pd.date_range(START, periods=days, freq="D"), open_items[:days]


@pytest.mark.parametrize("seed", range(7))
def test_a_backlog_of_stuck_items_wandering_for_weeks_is_not_an_alert(seed: int) -> None:
    # With the accumulators' noise read as AR(1) at the lag-1 autocorrelation of the last
    # 56 days, seeds 0 and 5 alerted on 4 and 3 days: the stuck items' slow wander.
    dates, backlog = _stuck_item_backlog(seed)
    out = score_series(pd.DataFrame({"date": dates.date, "value": backlog}), "count", "lower")
    assert out["score"].notna().sum() > 300
    assert not out["is_alert"].any()


@pytest.mark.parametrize("seed", range(7))
def test_a_smaller_stuck_item_backlog_switching_models_is_not_an_alert(seed: int) -> None:
    # ~13 items (3 a day pass their SLA, 0.3 get stuck): the day-to-day changes are so
    # discrete that the series switches between the stock and the level model day by day.
    # With the persistence learned from those mixed residuals (changes on some days,
    # deviations from the level on others), seeds 1 and 4 alerted on 15 and 16 days.
    dates, backlog = _stuck_item_backlog(seed, flow=3.0, stuck_rate=0.3)
    out = score_series(pd.DataFrame({"date": dates.date, "value": backlog}), "count", "lower")
    assert out["score"].notna().sum() > 300
    assert not out["is_alert"].any()


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_reviewers_falling_behind_on_a_stuck_item_backlog_alert_within_days(seed: int) -> None:
    dates, backlog = _stuck_item_backlog(seed, burst=8.0)
    out = score_series(pd.DataFrame({"date": dates.date, "value": backlog}), "count", "lower")
    alerts = pd.to_datetime(out.loc[out["is_alert"], "date"])
    assert len(alerts) > 0
    assert dates[300] <= alerts.min() <= dates[305]
