"""A local Spark session (local[2]) for the tests that score on Spark.

Without pyspark or Java they are skipped, saying which is missing; with
GOVKPI_REQUIRE_SPARK=1 (as CI sets it) they fail instead, so a broken install cannot pass
as a skip.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ROOT = Path(__file__).resolve().parents[2]


def missing_spark() -> str | None:
    """Why Spark cannot run here, or None."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "java is not installed (Spark needs Java 17: openjdk-17-jre-headless)"
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    missing = missing_spark()
    if missing is not None:
        if os.environ.get("GOVKPI_REQUIRE_SPARK") == "1":
            pytest.fail(f"GOVKPI_REQUIRE_SPARK=1 but {missing}", pytrace=False)
        pytest.skip(missing)
    from pyspark.sql import SparkSession

    with pytest.MonkeyPatch.context() as env:
        # Python workers run this interpreter and import this checkout's packages.
        env.setenv("PYSPARK_PYTHON", sys.executable)
        env.setenv(
            "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        )
        session = (
            SparkSession.builder.master("local[2]")
            .appName("govkpi-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        try:
            yield session
        finally:
            session.stop()
