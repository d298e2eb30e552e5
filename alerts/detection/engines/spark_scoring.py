"""Scores the metric store's series on Apache Spark: the same detector, blocks in parallel.

The driver holds the store's series (one row per series and day: small next to the exports)
and cuts them into the blocks `score_frame` scores as one matrix (`series_blocks`: one kind,
at most `BLOCK` series). Spark receives the rows tagged with their block and groups them by
it (`groupBy(block).applyInPandas`); an executor runs the detector on each block
(`score_rows`) and sends back numbers only: each row's position and `Scores` fields. The
driver makes the detection rows and orders them with `score_frame`'s own code
(`detection_rows`, `assemble`), then runs the steps across series -- the FDR screen, a
shared denominator alerting once, the warning for a metric the catalogue does not know --
once, as `score_store_series` does. The same blocks through the same code give the same
bits (other groupings can differ in a score's last bits).

Executors need a Python with the detector's dependencies (PYSPARK_PYTHON) that imports this
`alerts` package (installed, or on their PYTHONPATH).
"""

from __future__ import annotations

import logging
import time
from dataclasses import fields
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from alerts.detection.detectors import DetectorParams, Scores
from alerts.detection.scoring import (
    ROW_SCORES,
    SeriesSpec,
    assemble,
    check_specs,
    detection_rows,
    score_frame,
    score_rows,
    series_blocks,
)
from alerts.detection.store_scoring import known_series, scoring_input, with_store_keys

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

BLOCK, PLACE, ROW, DAY = "_block", "_place", "_row", "_day"
# What an executor sends back: the row's position and the detector's numbers for it (the
# `Scores` fields, by their annotated array type).
SPARK_TYPES = {"FloatArray": "double", "BoolArray": "boolean", "IntArray": "long"}
RETURNED_SCHEMA = ", ".join(
    [f"{ROW} long"] + [f"{f.name} {SPARK_TYPES[str(f.type)]}" for f in fields(Scores)]
)


def score_store_series_spark(
    spark: SparkSession,
    series: pd.DataFrame,
    metric_specs: dict[str, SeriesSpec],
    params: DetectorParams | None = None,
    fdr: float | None = None,
) -> pd.DataFrame:
    """`score_store_series` on Spark: the same detections, each block scored by an executor."""
    series = known_series(series, metric_specs)
    frame, specs = scoring_input(series, metric_specs)
    if frame.empty:  # nothing to score: the local path gives the same empty detections
        return with_store_keys(score_frame(frame, specs, params, fdr), series)
    check_specs(frame, specs)  # a bad spec is one ValueError here, not an executor's trace
    blocks = series_blocks(frame["series_id"], specs)
    numbers = {sid: b for b, ids in enumerate(blocks) for sid in ids}
    block_of = frame["series_id"].map(numbers).to_numpy(np.int32)
    started = time.perf_counter()
    scores = _score_on_spark(spark, series, frame, block_of, blocks, specs, params)
    log.info(
        "scored %d series (%d rows) in %d blocks on Spark in %.1f s",
        len(specs),
        len(frame),
        len(blocks),
        time.perf_counter() - started,
    )
    # Each block's rows in frame order, as `score_frame` selects them.
    order = np.argsort(block_of, kind="stable")
    bounds = np.cumsum(np.bincount(block_of, minlength=len(blocks)))
    parts = [
        detection_rows(
            frame.iloc[at], ids, {name: values[at] for name, values in scores.items()}, specs
        )
        for ids, at in zip(blocks, np.split(order, bounds[:-1]), strict=True)
    ]
    return with_store_keys(assemble(frame, parts, fdr), series)


def _score_on_spark(
    spark: SparkSession,
    series: pd.DataFrame,
    frame: pd.DataFrame,
    block_of: np.ndarray,
    blocks: list[list[str]],
    specs: dict[str, SeriesSpec],
    params: DetectorParams | None,
) -> dict[str, np.ndarray]:
    """`score_rows` of every block, run by the executors: each row's numbers, in row order."""
    params = params or DetectorParams()  # made here: executors use the driver's calendar
    place = frame["series_id"].map({sid: i for ids in blocks for i, sid in enumerate(ids)})
    # A series travels as its place in the block (names and specs go once, in the closure),
    # a day as its number since 1970: half the bytes, and no time zone can move a day.
    days = pd.to_datetime(series["date"]).to_numpy().astype("datetime64[D]").astype(np.int32)
    keys = spread_keys(spark, len(blocks))
    tags: dict[str, np.ndarray] = {
        BLOCK: np.array(keys, dtype=np.int32)[block_of],
        PLACE: place.to_numpy(np.int32),
        ROW: np.arange(len(series), dtype=np.int64),
        DAY: days,
    }
    rows = series.drop(columns=["metric_id", "slice", "date"]).assign(**tags)

    by_key = dict(zip(keys, blocks, strict=True))

    def score(block: pd.DataFrame) -> pd.DataFrame:
        return score_block_rows(block, by_key, specs, params)

    table = pa.Table.from_pandas(rows, preserve_index=False)
    # One partition per block (the keys see to it), whatever the session's shuffle partitions
    # (a repartition to a given number is not coalesced).
    grouped = spark.createDataFrame(table).repartition(len(blocks), BLOCK).groupBy(BLOCK)
    scored = grouped.applyInPandas(score, RETURNED_SCHEMA).toArrow().sort_by(ROW)
    if not np.array_equal(scored[ROW].to_numpy(), np.arange(len(series))):
        raise RuntimeError(f"Spark returned {scored.num_rows} scored rows for {len(series)}")
    return {name: scored[name].to_numpy() for name in ROW_SCORES}


def score_block_rows(
    rows: pd.DataFrame,
    by_key: dict[int, list[str]],
    specs: dict[str, SeriesSpec],
    params: DetectorParams,
) -> pd.DataFrame:
    """On an executor: one block's rows (block key, place of the series in the block,
    position, day number, inputs) -> each row's position and `score_rows` numbers."""
    ids = by_key[int(rows[BLOCK].iloc[0])]
    # The shuffle does not keep the driver's order; the detector reads rows in it (of two
    # rows for one series and day, the later one counts), so restore it.
    rows = rows.sort_values(ROW)
    days = rows[DAY].to_numpy(np.int64).astype("datetime64[D]").astype("datetime64[us]")
    frame = rows.drop(columns=[BLOCK, PLACE, ROW, DAY]).assign(
        date=days, series_id=np.array(ids, dtype=object)[rows[PLACE].to_numpy()]
    )
    return pd.DataFrame({ROW: rows[ROW].to_numpy(), **score_rows(frame, ids, specs, params)})


def spread_keys(spark: SparkSession, n: int) -> list[int]:
    """A distinct int for each of `n` blocks that Spark's hash partitioning into `n`
    partitions sends to partition b: one block per task. (Block numbers themselves collide:
    7 blocks filled 4 of 7 partitions and 4 blocks 2 of 4, one task scoring three of them
    while a core idled.)
    Spark is asked, with the expression its hash partitioner uses; a block it finds no key
    for keeps a distinct one outside the probe, and only shares a task."""
    from pyspark.sql import functions as F

    probe = spark.range(64 * n).select(F.col("id").cast("int").alias("key"))
    part = F.pmod(F.hash("key"), F.lit(n)).alias("part")
    found = {
        int(row["part"]): int(row["key"])
        for row in probe.groupBy(part).agg(F.min("key").alias("key")).collect()
    }
    return [found.get(b, 64 * n + b) for b in range(n)]
