"""alerts.notify.charts: the email chart's legend lists only what it draws, and a lone day with
a drawn band shows its range (the dashboard trend draws the same)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection

from alerts.notify.charts import _draw, render_chart

NAN = np.nan


def _history(lower: list[float], upper: list[float]) -> pd.DataFrame:
    n = len(lower)
    return pd.DataFrame(
        {
            "date": pd.date_range("2026-03-01", periods=n),
            "value": [5.0] * n,
            "expected": [4.0 if not np.isnan(lo) else NAN for lo in lower],
            "lower": lower,
            "upper": upper,
            "warning": NAN,
            "critical": NAN,
            "flag": None,
            "unjudged_breach": False,
        }
    )


def _labels(history: pd.DataFrame, spans: list[list[float]] | None = None) -> list[str]:
    fig, ax = plt.subplots()
    try:
        _draw(ax, history, pd.Timestamp(history["date"].max()))
        for artist in ax.collections:  # vertical range bars: (lower, upper) of each segment
            if isinstance(artist, LineCollection) and spans is not None:
                spans += [sorted(float(y) for y in seg[:, 1]) for seg in artist.get_segments()]
        return ax.get_legend_handles_labels()[1]
    finally:
        plt.close(fig)


def test_no_band_drawn_means_no_band_in_the_legend() -> None:
    labels = _labels(_history([NAN] * 5, [NAN] * 5))
    assert "expected range" not in labels and "expected" not in labels
    assert render_chart(_history([NAN] * 5, [NAN] * 5), "rate", pd.Timestamp("2026-03-05").date())


def test_a_lone_drawn_day_is_in_the_legend_once_and_drawn() -> None:
    spans: list[list[float]] = []
    labels = _labels(_history([NAN, 3.0, NAN, NAN], [NAN, 6.0, NAN, NAN]), spans)
    assert [3.0, 6.0] in spans  # the lone day's range is drawn as a bar
    assert labels.count("expected range") == 1 and labels.count("expected") == 1
    both = _labels(_history([3.0, 3.0, NAN, 3.0], [6.0, 6.0, NAN, 6.0]))
    assert both.count("expected range") == 1 and both.count("expected") == 1
