"""Small pure pieces of the detector: working scales, the weekday pattern, directions, input
scale inference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alerts.detection.baselines import seasonal_profile
from alerts.detection.false_alarm_control import is_bad_direction
from alerts.detection.scales import from_working_scale, to_working_scale
from alerts.detection.series_input import read_series_file


@pytest.mark.parametrize(
    ("kind", "value", "num", "den", "scale"),
    [
        ("share", [0.0, 0.25, 1.0], [0, 5, 20], [20, 20, 20], 1.0),
        ("rate", [0.0, 12.5, 400.0], [0, 5, 8], [4000, 4000, 200], 10000.0),
        ("count", [0.0, 7.0, 12000.0], [np.nan] * 3, [np.nan] * 3, 1.0),
        ("duration", [0.5, 30.0, 400.0], [np.nan] * 3, [3, 50, 900], 1.0),
    ],
)
def test_working_scale_round_trips_to_the_value(kind, value, num, den, scale) -> None:
    work = to_working_scale(
        kind, np.array(value), np.array(num, float), np.array(den, float), scale
    )
    back = from_working_scale(kind, work.y, np.array(den, float), scale)
    np.testing.assert_allclose(back, value, rtol=1e-9, atol=1e-9)
    assert (work.v >= 0).all()


def test_sampling_variance_shrinks_with_volume() -> None:
    small = to_working_scale("rate", np.array([100.0]), np.array([20.0]), np.array([2000.0]), 1e4)
    big = to_working_scale("rate", np.array([100.0]), np.array([60.0]), np.array([6000.0]), 1e4)
    assert big.v[0] == pytest.approx(small.v[0] / 3)
    assert big.y[0] == pytest.approx(small.y[0], rel=0.01)  # same rate, same working value


WEEKDAY_PATTERN = np.array([0.8, 0.3, 0.0, -0.2, -0.4, -1.0, 0.5])


def _weekly_series(
    n_series: int, days: int, sd: float, seed: int
) -> tuple[pd.DataFrame, np.ndarray]:
    pattern = WEEKDAY_PATTERN - WEEKDAY_PATTERN.mean()
    truth = np.tile(pattern, days // 7 + 1)[:days]
    noise = np.random.default_rng(seed).normal(0.0, sd, (days, n_series))
    index = pd.date_range("2026-01-05", periods=days)
    return pd.DataFrame(truth[:, None] + noise, index=index), truth


def test_weekday_pattern_is_learned_as_efficiently_as_a_mean_of_its_weeks() -> None:
    # Its error is part of every day's band: a median of the 8 weeks leaves about 0.22 sd^2
    # (so a 4.5 sd spike reads as 4); a mean of them about 0.12.
    sd = 0.5
    y, truth = _weekly_series(300, 210, sd, seed=5)
    error = seasonal_profile(y, 8).to_numpy()[100:] - truth[100:, None]
    assert float(np.mean(error**2)) / sd**2 < 0.16


def test_an_incident_on_one_weekday_does_not_move_that_weekday_next_week() -> None:
    sd = 0.5
    y, _ = _weekly_series(300, 210, sd, seed=6)
    hit = y.copy()
    hit.iloc[140] += 6 * sd  # a Monday, 6 sd up in every series
    before, after = seasonal_profile(y, 8), seasonal_profile(hit, 8)
    # The average shift over the series (not each series' noise from one week fewer).
    moved = np.abs((after.iloc[141:170] - before.iloc[141:170]).to_numpy().mean(axis=1)) / sd
    assert moved.max() < 0.05  # with the Monday's median: 0.13 sd


def test_bad_direction_follows_better() -> None:
    sign = np.array([1, -1, 1, -1, 1, -1, 0])
    better = np.array(["lower", "lower", "higher", "higher", None, None, None], dtype=object)
    assert is_bad_direction(sign, better).tolist() == [True, False, False, True, True, True, False]


def test_input_scale_and_better_come_from_the_file(tmp_path: Path) -> None:
    dates = pd.date_range("2025-01-01", periods=3).date
    frame = pd.DataFrame(
        {
            "series_id": ["a"] * 3 + ["b"] * 3,
            "kind": ["rate"] * 3 + ["share"] * 3,
            "date": list(dates) * 2,
            "value": [25.0, 50.0, 12.5, 0.5, 0.25, 0.1],
            "numerator": [1, 2, 1, 5, 5, 1],
            "denominator": [400, 400, 800, 10, 20, 10],
            "better": [None] * 3 + ["higher"] * 3,
        }
    )
    path = tmp_path / "s.parquet"
    frame.to_parquet(path, index=False)
    _, specs = read_series_file(path)
    assert specs["a"].scale == pytest.approx(10000.0) and specs["a"].better is None
    assert specs["b"].scale == pytest.approx(1.0) and specs["b"].better == "higher"
