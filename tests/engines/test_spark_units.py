"""The pure parts of the Spark engine, without a JVM: transpiling sql/, batching the
catalogue into jobs, memory sizes and Spark Connect addresses."""

from __future__ import annotations

import os

import pytest

from metrics.catalogue import load_catalogue
from metrics.engines.spark_session import LOCAL_CONF, connect_address, jvm_size, local_defaults
from metrics.errors import UserError

pytestmark = pytest.mark.spark


def test_every_definition_and_shared_relation_transpiles(pyspark_installed: None) -> None:
    from metrics.engines.spark_sql import batch_sql, to_spark_sql

    catalogue = load_catalogue()
    for metric in catalogue:
        text = to_spark_sql(metric.sql)
        # DuckDB spellings that Spark would not parse are gone.
        assert "VARCHAR" not in text and '"' not in text, (metric.id, text)
        assert ":metric_0" in batch_sql([metric])
    for sql in catalogue.shared_sql.values():
        assert "ROWS BETWEEN UNBOUNDED PRECEDING" in to_spark_sql(sql)
    with pytest.raises(UserError, match="one statement"):
        to_spark_sql("SELECT 1; SELECT 2")


def test_the_catalogue_is_a_handful_of_jobs(pyspark_installed: None) -> None:
    """One job per aggregation and set of dimensions, every indicator in exactly one."""
    from metrics.engines.spark_sql import batches

    metrics = sorted(load_catalogue(), key=lambda m: m.id)
    groups = batches(metrics)
    assert len(groups) <= 6 < len(metrics)
    assert sorted(m.id for group in groups for m in group) == [m.id for m in metrics]
    for group in groups:
        assert len({(m.dimensions, m.aggregation == "median") for m in group}) == 1


@pytest.mark.parametrize(
    ("limit", "expected"),
    [("4GB", "4096m"), ("512MB", "512m"), ("1.5GiB", "1536m"), ("2 tb", "2097152m")],
)
def test_memory_limit_as_the_jvm_takes_it(limit: str, expected: str) -> None:
    assert jvm_size(limit) == expected


def test_a_connect_url_is_shown_without_its_parameters() -> None:
    assert connect_address("sc://spark.example.com/;token=abc") == "spark.example.com:15002"
    assert connect_address("sc://10.0.0.5:443/;use_ssl=true;token=x") == "10.0.0.5:443"


def test_local_mode_gets_few_shuffle_partitions_and_the_memory_limit_as_heap() -> None:
    assert local_defaults("local[2]", "4GB") == {
        **LOCAL_CONF,
        "spark.sql.shuffle.partitions": "8",
        "spark.driver.memory": jvm_size("4GB"),
    }
    assert LOCAL_CONF["spark.driver.extraJavaOptions"] == "-XX:+UseParallelGC"
    cores = os.cpu_count() or 1
    partitions = {
        "local[*]": str(4 * cores),
        "local": "4",
        "local[3,2]": "12",
    }
    for master, count in partitions.items():
        assert local_defaults(master, None) == {
            **LOCAL_CONF,
            "spark.sql.shuffle.partitions": count,
        }
    # A cluster sizes its own shuffles, heaps and collectors.
    assert local_defaults("spark://host:7077", "4GB") == {}
    assert local_defaults("yarn", "4GB") == {}
