"""`alert_status`'s per-day decisions applied to a whole series: which days a chart marks and
why, and where the expected range is drawn. The dashboard's trend and the digest's chart both
call `series_flags` on `facts_frame` of the same data, so they mark the same days.
"""

from __future__ import annotations

import pandas as pd

from alerts.state.alert_status import day_flag, detector_verdict, threshold_status

FACT_COLUMNS = [
    "date", "value", "numerator", "denominator", "expected", "lower", "upper", "score",
    "is_anomaly", "is_alert", "direction", "test", "warning", "critical", "side", "min_volume",
    "level", "low_volume", "rule_id",
]  # fmt: skip


def facts_frame(
    series: pd.DataFrame, detections: pd.DataFrame, rated: pd.DataFrame
) -> pd.DataFrame:
    """One row per day of one series: its value, the detector's row and the rule's verdict.

    `series` (date, value, numerator, denominator), `detections` (date, expected, lower, upper,
    score, is_anomaly, is_alert, direction, test) and `rated` (`RuleBook.evaluate` of the
    series) may be empty; missing columns read as missing values."""
    out = _days(series, ["value", "numerator", "denominator"])
    det = _days(detections, ["expected", "lower", "upper", "score", "is_anomaly", "is_alert",
                             "direction", "test"])  # fmt: skip
    rules = _days(rated, ["warning", "critical", "side", "min_volume", "level", "low_volume",
                          "rule_id"])  # fmt: skip
    out = out.merge(det, on="date", how="outer").merge(rules, on="date", how="left")
    return out.sort_values("date").reset_index(drop=True)[FACT_COLUMNS]


def _days(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    part = pd.DataFrame({"date": pd.to_datetime(frame["date"]).dt.date if "date" in frame else []})
    for column in columns:
        part[column] = frame[column].to_numpy() if column in frame else None
    return part.drop_duplicates(subset=["date"])


def series_flags(facts: pd.DataFrame, kind: str, case_noun: str) -> pd.DataFrame:
    """`facts` plus, per day: threshold (level), detector (verdict), band_drawn, flag
    (beyond_threshold | outside_range | shift | volume | None), note (the day's sentence) and
    unjudged_breach (beyond a threshold on too few cases). The email chart and the trend page
    both mark exactly the days with a flag."""
    out = facts.copy()
    levels, verdicts, drawn, flags, notes, unjudged = [], [], [], [], [], []
    for rec in facts.to_dict("records"):
        threshold = threshold_status(rec, kind, case_noun, with_count=True)
        detector = detector_verdict(rec, kind, case_noun)
        flag = day_flag(threshold, detector)
        levels.append(threshold.level)
        verdicts.append(detector.verdict)
        drawn.append(detector.band_drawn)
        flags.append(flag)
        # Beyond a drawn threshold line yet not judged (too few cases): not a flag, but the
        # charts say why such a point carries no marker.
        unjudged.append(flag is None and threshold.level == "not_judged" and threshold.capped)
        parts = [threshold.reason] if threshold.level != "no_target" else []
        notes.append("; ".join([*parts, detector.reason]))
    out["threshold"], out["detector"], out["band_drawn"] = levels, verdicts, drawn
    out["flag"] = pd.Series(flags, index=out.index, dtype=object)  # None, never NaN
    out["note"] = notes
    out["unjudged_breach"] = unjudged
    return out


def drawn_band(flags: pd.DataFrame) -> pd.DataFrame:
    """The band as it is drawn: lower/upper/expected blanked on days whose band is not drawn."""
    out = flags.copy()
    hidden = ~out["band_drawn"].astype(bool)
    for column in ("lower", "upper", "expected"):
        out[column] = pd.to_numeric(out[column], errors="coerce").where(~hidden)
    return out


def drawn_runs(drawn: pd.Series) -> list[tuple[int, int]]:
    """(start, stop) positions of each run of consecutive days whose band is drawn. A run of
    one day (stop - start == 1) cannot be drawn as a filled area: the charts mark it with a
    short vertical range instead, so that a day whose sentence gives a range shows it."""
    runs, start = [], None
    for i, on in enumerate([bool(v) for v in drawn.tolist()] + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((start, i))
            start = None
    return runs
