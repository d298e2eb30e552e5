"""Durations: the median's sampling variance comes from the series' past spread, not today's p90."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alerts.detection.scales import pooled_log_sigma, sample_quantile_gap
from alerts.detection.scoring import score_series


def _day(rng: np.random.Generator, n: int, sigma: float) -> tuple[float, float]:
    hours = np.exp(np.log(24.0) + sigma * rng.standard_normal(n))
    p50, p90 = np.quantile(hours, [0.5, 0.9])  # type 7, as DuckDB's quantile_cont
    return float(p50), float(p90)


def test_quantile_gap_matches_small_samples() -> None:
    rng = np.random.default_rng(3)
    for n in (2, 5, 12):
        draws = np.quantile(rng.standard_normal((20_000, n)), [0.9, 0.5], axis=1)
        simulated = float(np.mean(draws[0] - draws[1]))
        assert (
            abs(sample_quantile_gap(np.array([n]))[0] - simulated) < 0.05 * simulated
        )  # Blom's scores: within 5 %
    assert np.isnan(sample_quantile_gap(np.array([1.0]))[0])  # one case has no spread


def test_pooled_sigma_is_unbiased_on_small_slices_and_ignores_today() -> None:
    rng = np.random.default_rng(5)
    days = [_day(rng, 4, 0.6) for _ in range(200)]
    value = np.array([d[0] for d in days])
    p90 = np.array([d[1] for d in days])
    sigma = pooled_log_sigma(value, p90, np.full(200, 4.0))
    assert abs(np.median(sigma[60:]) - 0.6) < 0.08
    # Today's own p90 does not move today's estimate.
    bumped = p90.copy()
    bumped[150] *= 5
    assert pooled_log_sigma(value, bumped, np.full(200, 4.0))[150] == sigma[150]


def test_small_slice_medians_do_not_alert_but_a_backlog_does() -> None:
    rng = np.random.default_rng(11)
    n_days = 400
    cases = rng.integers(3, 12, n_days)
    rows = [_day(rng, int(n), 0.6) for n in cases]
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2025-01-01", periods=n_days, freq="D"),
            "value": [r[0] for r in rows],
            "p90": [r[1] for r in rows],
            "denominator": cases.astype(float),
        }
    )
    clean = score_series(frame, "duration", better="lower")
    # With the day's own p90 as its spread this series had two false alerts.
    assert int(clean["is_alert"].sum()) == 0
    backlog = frame.copy()
    backlog.loc[300:313, ["value", "p90"]] *= 3.0  # decisions take three times as long
    out = score_series(backlog, "duration", better="lower")
    caught = out.loc[300:313, "is_alert"]
    assert caught.sum() >= 5
    assert caught.loc[:303].any()
