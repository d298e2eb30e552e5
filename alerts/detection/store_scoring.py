"""Scores every series of the metric store and replaces its `detections` table.

Each metric's kind, direction and scale come from the indicator catalogue; a series whose
metric the catalogue does not know is skipped with a warning (it cannot be judged without
its kind). The table is replaced through `MetricStore.write()`, so readers see either the
previous detections or the new ones, never a mix.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pandas as pd
import pyarrow as pa

from alerts.detection.detectors import DetectorParams
from alerts.detection.scoring import SeriesSpec, score_frame
from alerts.detection.version import detector_version
from metrics.metric_store import MetricStore, set_meta
from metrics.package_version import govkpi_version

log = logging.getLogger(__name__)

# Scores the store's series rows: (series, metric specs, params, fdr) -> detections.
Scorer = Callable[
    [pd.DataFrame, dict[str, SeriesSpec], DetectorParams | None, float | None], pd.DataFrame
]

DETECTION_COLUMNS = (
    "metric_id, slice, date, value, expected, lower, upper, score, is_anomaly, direction, is_alert,"
    " test"
)


def read_store_series(store: MetricStore) -> pd.DataFrame:
    with store.read() as con:
        con.execute("SET enable_progress_bar = false")  # progress goes through logging
        return con.execute(
            "SELECT metric_id, slice, date, value, numerator, denominator, p90 FROM series"
            " ORDER BY metric_id, slice, date"
        ).df()


def catalogue_specs() -> dict[str, SeriesSpec]:
    """Kind, direction and scale of each catalogue metric, by metric id."""
    from metrics.catalogue import load_catalogue

    return {
        m.id: SeriesSpec(m.kind, m.better, float(m.scale))
        for m in load_catalogue().metrics.values()
    }


def known_series(series: pd.DataFrame, metric_specs: dict[str, SeriesSpec]) -> pd.DataFrame:
    """The rows of metrics the catalogue knows; each other metric is named in a warning."""
    known = series["metric_id"].isin(metric_specs)
    for metric in sorted(series.loc[~known, "metric_id"].unique()):
        log.warning("metric %s is not in the catalogue; its series are not scored", metric)
    return series[known].reset_index(drop=True)


def scoring_input(
    series: pd.DataFrame, metric_specs: dict[str, SeriesSpec]
) -> tuple[pd.DataFrame, dict[str, SeriesSpec]]:
    """`score_frame`'s frame (series_id "metric/slice") and specs for known store rows."""
    series_id = series["metric_id"] + "/" + series["slice"]
    frame = series.drop(columns=["metric_id", "slice"]).assign(series_id=series_id)
    # One entry per series, not per row: 4,600 series have 1.8 million rows.
    pairs = pd.DataFrame({"sid": series_id, "metric": series["metric_id"]}).drop_duplicates()
    specs = {
        sid: metric_specs[metric] for sid, metric in zip(pairs["sid"], pairs["metric"], strict=True)
    }
    return frame, specs


def with_store_keys(out: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """`score_frame`'s result for known store rows, keyed by metric and slice; volume alerts
    of a shared denominator once (`alert_volume_once`)."""
    out.insert(0, "slice", series["slice"].to_numpy())
    out.insert(0, "metric_id", series["metric_id"].to_numpy())
    return alert_volume_once(out, series["denominator"], series["metric_id"].map(alert_order()))


def score_store_series(
    series: pd.DataFrame,
    metric_specs: dict[str, SeriesSpec],
    params: DetectorParams | None = None,
    fdr: float | None = None,
) -> pd.DataFrame:
    """Detections (metric_id, slice, ...) for the store's series rows."""
    series = known_series(series, metric_specs)
    frame, specs = scoring_input(series, metric_specs)
    return with_store_keys(score_frame(frame, specs, params, fdr), series)


def alert_order() -> dict[str, int]:
    """Catalogue metrics in the order a shared volume collapse is alerted: headline first."""
    from metrics.catalogue import load_catalogue

    metrics = list(load_catalogue().metrics.values())
    ranked = sorted(range(len(metrics)), key=lambda i: (not metrics[i].headline, i))
    return {metrics[i].id: rank for rank, i in enumerate(ranked)}


def alert_volume_once(out: pd.DataFrame, denominator: pd.Series, rank: pd.Series) -> pd.DataFrame:
    """A denominator shared by several indicators alerts once per slice and day.

    Removals are the denominator of the proactive share, the pre-publication block share,
    the share removed before sale and appeals per removal: when they collapse, each of those
    series flags the day (test "volume"), but one alert says it -- on the first of them in
    `alert_order` (headline indicators first). The others keep the flag, not the alert.
    `denominator` and `rank` are aligned with `out`'s rows; a metric without a rank (not in
    the catalogue) comes last.
    """
    volume = (out["test"] == "volume") & out["is_alert"].astype(bool)
    if not volume.any():
        return out.drop(columns="series_id")
    shared = pd.DataFrame(
        {"slice": out["slice"], "date": out["date"], "den": denominator, "rank": rank.fillna(1e9)}
    )[volume]
    first = shared.sort_values("rank").drop_duplicates(["slice", "date", "den"]).index
    out.loc[shared.index.difference(first), "is_alert"] = False
    return out.drop(columns="series_id")


def detect_store(
    store: MetricStore,
    metric_specs: dict[str, SeriesSpec] | None = None,
    params: DetectorParams | None = None,
    fdr: float | None = None,
    score: Scorer | None = None,
) -> pd.DataFrame:
    """Scores the store's series and replaces its detections table; returns the detections.

    `score` is `score_store_series` (this process) unless an engine gives its own with the
    same result (`alerts.detection.engines.spark_scoring`)."""
    started = time.perf_counter()
    series = read_store_series(store)
    if series.empty:
        log.warning("the store %s has no series; run `govkpi compute` first", store.path)
    metric_specs = metric_specs if metric_specs is not None else catalogue_specs()
    n_series = series[["metric_id", "slice"]].drop_duplicates().shape[0]
    log.info("scoring %d series (%d rows) from %s", n_series, len(series), store.path)
    out = (score or score_store_series)(series, metric_specs, params, fdr)
    table = pa.Table.from_pandas(out, preserve_index=False)
    with store.write() as con:
        con.register("new_detections", table)
        con.execute("DELETE FROM detections")
        con.execute(
            f"INSERT INTO detections ({DETECTION_COLUMNS}) "
            f"SELECT {DETECTION_COLUMNS} FROM new_detections"
        )
        con.unregister("new_detections")
        set_meta(con, "detector_version", detector_version(params, fdr))
        set_meta(con, "govkpi_version", govkpi_version())
    log.info(
        "wrote %d detections (%d alerts) in %.1f s",
        len(out),
        int(out["is_alert"].sum()) if len(out) else 0,
        time.perf_counter() - started,
    )
    return out
