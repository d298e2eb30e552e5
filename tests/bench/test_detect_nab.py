"""bench.detect_nab: the NYC taxi series and NAB's five windows, and how flags are read."""

from __future__ import annotations

import pandas as pd

from bench.detect_nab import SERIES_ID, load_nab, nab_note, outside_days


def test_nab_loads_215_days_as_one_count_series_with_five_windows() -> None:
    nab = load_nab()
    assert len(nab.frame) == 215 and nab.frame["series_id"].unique().tolist() == [SERIES_ID]
    assert nab.frame["kind"].unique().tolist() == ["count"]
    assert nab.specs[SERIES_ID].better is None
    dates = pd.to_datetime(nab.frame["date"])
    assert dates.min() == pd.Timestamp("2014-07-01") and dates.max() == pd.Timestamp("2015-01-31")
    assert dates.diff().dropna().eq(pd.Timedelta(days=1)).all()
    assert nab.frame["value"].between(1e5, 2e6).all()
    assert [(w.start.date().isoformat(), w.end.date().isoformat()) for w in nab.windows] == [
        ("2014-10-30", "2014-11-03"),
        ("2014-11-25", "2014-11-29"),
        ("2014-12-23", "2014-12-27"),
        ("2014-12-29", "2015-01-03"),
        ("2015-01-24", "2015-01-29"),
    ]


def test_kept_windows_and_days_outside_them() -> None:
    windows = load_nab().windows
    flags = pd.DataFrame(
        {
            "series_id": SERIES_ID,
            "date": ["2014-10-29", "2014-11-05", "2014-11-06", "2014-11-27", "2014-12-02"],
        }
    )
    # 10-29 is before the marathon window; 11-05 is its last slack day, 11-06 is not;
    # Thanksgiving (to 11-29) keeps 12-01 but not 12-02.
    assert outside_days(flags, windows) == 3
    note = nab_note(flags, windows)
    assert note.startswith("kept 2/5 (10-30 6 d, 11-25 2 d, 12-23 missed")
    assert note.endswith("3 flagged days outside them")
