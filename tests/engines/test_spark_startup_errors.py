"""Bad input on the Spark path gets the DuckDB treatment (issue 13): no Java, no pyspark, a
master or Spark Connect server that does not answer is one line on stderr and exit code 2,
never a JVM stack trace, and the store is not touched.

Each case runs the real command in a child process with its own environment (PATH and
JAVA_HOME pointing nowhere, loopback port 1 where nothing listens).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engines.conftest import REQUIRE_ENV
from tests.export_fixtures import write_exports

pytestmark = pytest.mark.spark
ROOT = Path(__file__).resolve().parents[2]
# The command as a child runs it: `python -c` so that a case can hide pyspark first.
RUN = "import sys; {before}from govkpi.cli import main; sys.exit(main(sys.argv[1:]))"


def govkpi(tmp_path: Path, env: dict[str, str], *args: str, before: str = "") -> tuple[int, str]:
    """(exit code, stderr) of `govkpi compute --engine spark` on valid exports."""
    data = write_exports(tmp_path / "data")
    command = [sys.executable, "-c", RUN.format(before=before), "compute", "--engine", "spark",
               "--data", str(data), "--store", str(tmp_path / "store.duckdb"), *args]  # fmt: skip
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GOVKPI_", "JAVA_HOME"))}
    base.setdefault("PYTHONPATH", str(ROOT))
    done = subprocess.run(
        command, env={**base, **env}, capture_output=True, text=True, timeout=300, check=False
    )
    return done.returncode, done.stderr


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "\tat " not in stderr and "java.lang" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PATH": "/nonexistent"}, "no java on PATH"),
        ({"JAVA_HOME": "/nonexistent/jdk"}, "JAVA_HOME=/nonexistent/jdk has no bin/java"),
    ],
    ids=["no-java-on-path", "java-home-nowhere"],
)
def test_missing_java(
    pyspark_installed: None, tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    code, stderr = govkpi(tmp_path, env)
    line = one_line(stderr)
    assert code == 2
    assert line.startswith("govkpi: error: engine spark needs Java 17 or later: "), line
    assert expected in line and "openjdk-17-jre-headless" in line
    assert not (tmp_path / "store.duckdb").exists()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"GOVKPI_SPARK_REMOTE": "sc://127.0.0.1:1/;token=secret-token"},
            "cannot reach the Spark Connect server at 127.0.0.1:1",
        ),
        ({"GOVKPI_SPARK_MASTER": "spark://127.0.0.1:1"}, "cannot reach the Spark master at"),
    ],
    ids=["spark-connect", "standalone-master"],
)
def test_unreachable_server(
    pyspark_installed: None, tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    code, stderr = govkpi(tmp_path, env)
    line = one_line(stderr)
    assert code == 2
    assert expected in line, line
    assert "secret-token" not in stderr  # the URL's parameters may hold a credential


def test_pyspark_not_installed(tmp_path: Path) -> None:
    """Always runs (pyspark hidden or absent alike): the extra to install is named."""
    hide = "sys.modules['pyspark'] = None; "
    code, stderr = govkpi(tmp_path, {REQUIRE_ENV: ""}, before=hide)
    line = one_line(stderr)
    assert code == 2
    assert line == "govkpi: error: engine spark needs pyspark: pip install 'govkpi[spark]'"
