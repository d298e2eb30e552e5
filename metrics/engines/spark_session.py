"""Starts the Spark session govkpi computes on: local mode, a cluster master or Spark Connect.

Everything that can stop Spark before any work starts (pyspark not installed, no Java 17, a
master or a Spark Connect server that does not answer, a JVM that exits) becomes one
UserError line (exit code 2), never a JVM stack trace: the JVM's own output goes to a log file
whose path the error names. Sessions are UTC: reporting-zone days are computed explicitly.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from metrics.errors import UserError
from metrics.settings import SparkSettings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

MIN_JAVA = 17
CONNECT_PORT = 15002
MASTER_PORT = 7077
REACH_TIMEOUT_S = 5.0
# Set on every session: what the engine's results depend on, or what would clutter stderr.
FIXED_CONF = {"spark.sql.session.timeZone": "UTC"}
DEFAULT_CONF = {
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
LOCAL_MASTER = re.compile(r"^local(\[.*\])?$")


@dataclass
class StartedSession:
    spark: SparkSession
    # Stop it at the end: False when the caller's session was reused (tests, notebooks).
    own: bool
    # Where the JVM writes its output (local and cluster masters), removed after a clean stop.
    jvm_log: str | None = None

    def stop(self) -> None:
        if self.own:
            self.spark.stop()
        if self.jvm_log and os.path.exists(self.jvm_log):
            os.unlink(self.jvm_log)


def start_session(settings: SparkSettings, memory_limit: str | None = None) -> StartedSession:
    """A session on `settings.remote` (Spark Connect) or `settings.master`; reuses the
    active session of this process when there is one."""
    _require_module("pyspark", "engine spark needs pyspark: pip install 'govkpi[spark]'")
    # pyspark's own notes about pandas 3, not ours to act on: kept off the command's stderr.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    warnings.filterwarnings("ignore", message="The copy keyword is deprecated", module="pyspark")
    # py4j's bridge reports each socket it closes at INFO ("Closing down clientserver
    # connection"): noise at the end of every Spark command's output.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    from pyspark.sql import SparkSession

    # Python workers (detection's applyInPandas) run this interpreter and its packages, not
    # the first `python3` on the PATH; set before the first session, which fixes it.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    active = SparkSession.getActiveSession()
    if active is not None:
        _configure(active, {})
        return StartedSession(active, own=False)
    if settings.remote:
        return StartedSession(_connect(settings), own=True)
    return _start_classic(settings, memory_limit)


def _require_module(name: str, message: str) -> None:
    try:
        importlib.import_module(name)
    except ImportError:
        raise UserError(message) from None


def _configure(spark: SparkSession, conf: dict[str, str]) -> None:
    for key, value in {**conf, **FIXED_CONF}.items():
        spark.conf.set(key, value)


def _connect(settings: SparkSettings) -> SparkSession:
    assert settings.remote is not None
    where = connect_address(settings.remote)
    _require_reachable(where, "the Spark Connect server")
    _require_module(
        "grpc", "engine spark: Spark Connect needs its client: pip install 'pyspark[connect]'"
    )
    from pyspark.sql import SparkSession

    try:
        spark = SparkSession.builder.remote(settings.remote).getOrCreate()
        _configure(spark, {**DEFAULT_CONF, **settings.conf})
        log.info("Spark Connect %s, Spark %s", where, spark.version)
    except Exception as exc:  # grpc and Spark errors alike: one line, no trace
        raise UserError(
            f"engine spark: Spark Connect server {where} refused the session: {_first_line(exc)}"
        ) from None
    return spark


def connect_address(url: str) -> str:
    """`host:port` of a Spark Connect URL, without its parameters (they may hold a token)."""
    parts = urlsplit(url.split(";", 1)[0].replace("sc://", "http://", 1))
    return f"{parts.hostname or 'localhost'}:{parts.port or CONNECT_PORT}"


def _require_reachable(address: str, what: str) -> None:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=REACH_TIMEOUT_S):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserError(f"engine spark: cannot reach {what} at {address}: {reason}") from None


def _start_classic(settings: SparkSettings, memory_limit: str | None) -> StartedSession:
    java = require_java()
    master = settings.master
    if master.startswith("spark://"):
        # A standalone master that does not answer would leave Spark retrying for a minute.
        hosts = master.removeprefix("spark://").split(",")
        _require_any_reachable([h if ":" in h else f"{h}:{MASTER_PORT}" for h in hosts])
    conf = {**DEFAULT_CONF, **local_defaults(master, memory_limit), **settings.conf}
    return _launch(master, {**conf, **FIXED_CONF}, java)


# Local mode only, measured on the 5M-listing sample on 2 cores (docs/scale.md): the
# throughput collector, not G1, whose concurrent threads cost CPU a single driver JVM does
# not get back (254 CPU s instead of 300 for the whole compute); and medians gathered in a
# hash map of every slice's values instead of Spark's fallback to sorting every row past
# 128 slices per task (time_to_decision 39 CPU s -> 22). Its values are held in memory
# (the 20M-listing sample's complaints fit in a 4 GB heap); past this many slices per task
# Spark still falls back to sorting.
LOCAL_CONF = {
    "spark.driver.extraJavaOptions": "-XX:+UseParallelGC",
    "spark.sql.objectHashAggregate.sortBased.fallbackThreshold": "1048576",
}


def local_defaults(master: str, memory_limit: str | None) -> dict[str, str]:
    """What local mode needs unlike a cluster (the settings' [spark.conf] go over it). The
    driver does all the work: its heap is the engine's memory. Shuffles get 4 partitions per
    core instead of Spark's 200, sized for a cluster: measured on the 1M-listing sample on
    2 cores, 96 s with 8 partitions against 219 s with 200. See LOCAL_CONF for the rest."""
    found = LOCAL_MASTER.match(master)
    if not found:
        return {}
    threads = (found.group(1) or "[1]").strip("[]").split(",")[0]
    if threads == "*":
        cores = os.cpu_count() or 1
    else:
        cores = int(threads) if threads.isdigit() else 1
    defaults = {**LOCAL_CONF, "spark.sql.shuffle.partitions": str(4 * cores)}
    if memory_limit:
        defaults["spark.driver.memory"] = jvm_size(memory_limit)
    return defaults


def _require_any_reachable(addresses: list[str]) -> None:
    problems = []
    for address in addresses:
        try:
            _require_reachable(address, "the Spark master")
            return
        except UserError as exc:
            problems.append(str(exc))
    raise UserError(problems[0])


def require_java() -> str:
    """The java that Spark's launcher will run ($JAVA_HOME/bin/java, else the one on PATH),
    checked to be Java 17 or later."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    install = "install Java 17 (apt-get install openjdk-17-jre-headless)"
    if not java or not os.access(java, os.X_OK):
        where = f"JAVA_HOME={home} has no bin/java" if home else "no java on PATH"
        raise UserError(f"engine spark needs Java {MIN_JAVA} or later: {where}; {install}")
    try:
        probe = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UserError(f"engine spark: cannot run {java}: {exc}") from None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', probe.stderr + probe.stdout)
    major = int(found.group(1)) if found else 0
    if major == 1 and found and found.group(2):  # "1.8.0_392" is Java 8
        major = int(found.group(2))
    if major < MIN_JAVA:
        shown = f"Java {major}" if major else "an unknown Java"
        raise UserError(
            f"engine spark needs Java {MIN_JAVA} or later, {java} is {shown}; {install}"
        )
    return java


def jvm_size(limit: str) -> str:
    """A memory size as the JVM takes it: `4GB` -> `4096m`."""
    found = re.match(r"^(\d+(?:\.\d+)?)\s*([KMGT]?)(I?B)$", limit.strip().upper())
    if not found:
        raise UserError(f"memory_limit {limit!r} is not a memory size (e.g. 4GB)")
    power = " KMGT".index(found.group(2) or " ")
    megabytes = float(found.group(1)) * 1024 ** (power - 2)
    return f"{max(int(megabytes), 1)}m"


def _launch(master: str, conf: dict[str, str], java: str) -> StartedSession:
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    spark_conf = SparkConf().setMaster(master).setAppName("govkpi")
    for key, value in conf.items():
        spark_conf.set(key, value)
    fd, jvm_log = tempfile.mkstemp(prefix="govkpi-spark-", suffix=".log")
    try:
        with os.fdopen(fd, "w") as output:
            gateway = _gateway(spark_conf, output)
            context = SparkContext(conf=spark_conf, gateway=gateway)
        spark = SparkSession(context)
        log.info("Spark %s on %s (%s); its log: %s", spark.version, master, java, jvm_log)
    except Exception as exc:  # the JVM exited or refused the configuration
        raise UserError(
            f"engine spark: Spark did not start on {master}: {_jvm_reason(jvm_log, exc)} "
            f"(its log: {jvm_log})"
        ) from None
    return StartedSession(spark, own=True, jvm_log=jvm_log)


def _gateway(spark_conf: Any, output: Any) -> Any:
    """The JVM behind pyspark, its output sent to `output` (one per process)."""
    from pyspark import SparkContext
    from pyspark.java_gateway import launch_gateway

    if SparkContext._gateway is not None:
        return SparkContext._gateway
    return launch_gateway(  # type: ignore[no-untyped-call]
        spark_conf, popen_kwargs={"stdout": output, "stderr": output}
    )


# JVM lines that say only that it failed, not why.
GENERIC_JVM = re.compile(
    r"Could not create the Java Virtual Machine|A fatal exception has occurred"
)


def _jvm_reason(jvm_log: str, exc: BaseException) -> str:
    """The line of the JVM's output that says why it failed, else the Python error's."""
    try:
        with open(jvm_log, errors="replace") as fh:
            lines = [line.strip() for line in fh if line.strip()]
    except OSError:
        lines = []
    # Not stack frames, not log4j's WARN/INFO lines, not the JVM's own warnings.
    said = [
        line
        for line in lines
        if not line.startswith(("at ", "WARNING", "Using ", "Setting default", "To adjust"))
        and not re.search(r"\b(WARN|INFO)\b", line)
    ]
    errors = [line for line in said if re.search(r"(Error|Exception)\b", line)]
    specific = [line for line in errors if not GENERIC_JVM.search(line)]
    chosen = specific or [line for line in said if not GENERIC_JVM.search(line)] or errors
    return _short(chosen[0]) if chosen else _first_line(exc)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return _short(lines[0] if lines else type(exc).__name__)


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:197] + "..."
