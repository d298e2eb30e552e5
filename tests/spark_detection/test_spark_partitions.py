"""Each block of series is its own Spark task, so no core idles while another scores two."""

from __future__ import annotations

import pyarrow as pa
import pytest

from alerts.detection.engines.spark_scoring import BLOCK, spread_keys


@pytest.mark.parametrize("n", [1, 4, 7, 30])
def test_each_block_key_lands_in_its_own_partition(spark, n) -> None:
    from pyspark.sql import functions as F

    keys = spread_keys(spark, n)
    assert len(set(keys)) == n
    # As the scoring sends them: an int32 column, repartitioned by it into n partitions.
    frame = spark.createDataFrame(pa.table({BLOCK: pa.array(keys, pa.int32())}))
    placed = frame.repartition(n, BLOCK).select(F.spark_partition_id().alias("part"), BLOCK)
    assert sorted((row["part"], row[BLOCK]) for row in placed.collect()) == list(enumerate(keys))
