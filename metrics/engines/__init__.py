"""Compute engines behind one interface (`backend.ComputeBackend`): DuckDB in this process,
or Apache Spark (local mode, a cluster master or Spark Connect) for data past one machine.

The metric SQL in sql/ is the one definition for both: DuckDB runs it as it is, Spark runs it
transpiled by sqlglot. What differs between engines (time zones, working-day SLA deadlines,
quantiles, GROUPING SETS, reading the exports) lives in the backends.
"""

from __future__ import annotations

from metrics.engines.backend import ComputeBackend, ExportFile
from metrics.errors import ConfigError
from metrics.settings import SparkSettings

ENGINES = ("duckdb", "spark")


def open_backend(
    engine: str = "duckdb",
    *,
    memory_limit: str | None = None,
    spark: SparkSettings | None = None,
) -> ComputeBackend:
    """A ready backend; the caller closes it. Spark is imported only when chosen."""
    if engine == "duckdb":
        from metrics.engines.duckdb_backend import DuckDBBackend

        return DuckDBBackend(memory_limit)
    if engine == "spark":
        from metrics.engines.spark_backend import SparkBackend

        return SparkBackend(spark or SparkSettings(), memory_limit)
    raise ConfigError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")


__all__ = ["ENGINES", "ComputeBackend", "ExportFile", "open_backend"]
