"""One Spark session (local[2], no UI, few shuffle partitions) shared by the Spark tests.

Without pyspark or Java the tests that need Spark are skipped with the reason; with
GOVKPI_REQUIRE_SPARK=1 (CI, `.ci/run`) they fail instead, so CI cannot pass without them.
Every compute in a test reuses this session: the engine starts its own only when none is
active, and never stops one it did not start.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from metrics.errors import UserError
from metrics.settings import SparkSettings

REQUIRE_ENV = "GOVKPI_REQUIRE_SPARK"
TEST_SPARK = SparkSettings(
    master="local[2]",
    conf={
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.default.parallelism": "2",
        # Adaptive execution re-plans after every shuffle: on the tests' tiny exports that
        # triples the jobs for nothing (measured: 42 jobs for the catalogue instead of 12).
        "spark.sql.adaptive.enabled": "false",
    },
)


def _unavailable(need_java: bool = True) -> str | None:
    try:
        import pyspark  # noqa: F401
        import sqlglot  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[spark]')"
    if need_java:
        from metrics.engines.spark_session import require_java

        try:
            require_java()
        except UserError as exc:
            return str(exc)
    return None


def require_spark(need_java: bool = True) -> None:
    """Skips the test when Spark cannot run here, or fails it when CI requires Spark."""
    missing = _unavailable(need_java)
    if missing is None:
        return
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{REQUIRE_ENV} is set but Spark cannot run: {missing}")
    pytest.skip(f"Spark tests need pyspark, sqlglot and Java 17: {missing}")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The active SparkSession for the whole test session."""
    require_spark()
    from metrics.engines.spark_session import start_session

    session = start_session(TEST_SPARK, "2GB")
    yield session.spark
    session.stop()


@pytest.fixture
def pyspark_installed() -> None:
    """pyspark importable (for tests that stop Spark before it needs Java)."""
    require_spark(need_java=False)
