"""Exports on object storage: a real S3-compatible server (moto) on loopback, read through
fsspec/s3fs registered in DuckDB; the results equal those of the same exports on disk."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from govkpi import cli
from metrics import exports
from tests.export_fixtures import DEFAULT, write_exports

moto_server = pytest.importorskip("moto.server")
fsspec = pytest.importorskip("fsspec")
pytest.importorskip("s3fs")

BUCKET = "govkpi-exports"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(exports, "_FILESYSTEMS", {})
    # moto keeps its state per process: start every test from an empty store.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    fs = fsspec.filesystem("s3", client_kwargs={"endpoint_url": endpoint}, skip_instance_cache=True)
    fs.mkdir(BUCKET)
    try:
        yield fs
    finally:
        server.stop()


def _upload(fs: object, local: Path, prefix: str) -> str:
    for path in local.rglob("*.parquet"):
        fs.put(str(path), f"{BUCKET}/{prefix}/{path.relative_to(local).as_posix()}")
    return f"s3://{BUCKET}/{prefix}"


def _series(store: Path) -> list[tuple]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(
            "SELECT metric_id, slice, date, value, numerator, denominator FROM series ORDER BY ALL"
        ).fetchall()


def test_compute_from_s3_equals_compute_from_disk(s3: object, tmp_path: Path) -> None:
    local = tmp_path / "data"
    # A hive-partitioned folder for complaints, single files for the rest.
    write_exports(local, appeals=DEFAULT, traffic=DEFAULT, layout={"complaints": "hive:channel"})
    remote = _upload(s3, local, "daily")
    assert cli.main(["validate", "--data", remote]) == 0
    on_disk, on_s3 = tmp_path / "disk.duckdb", tmp_path / "s3.duckdb"
    assert cli.main(["-q", "compute", "--data", str(local), "--store", str(on_disk)]) == 0
    assert cli.main(["-q", "compute", "--data", remote, "--store", str(on_s3)]) == 0
    assert _series(on_s3) == _series(on_disk)
    assert len(_series(on_s3)) > 0


def test_bad_export_on_s3_is_one_line_and_exit_2(
    s3: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = tmp_path / "data"
    write_exports(local, drop={"complaints": ["channel"]})
    remote = _upload(s3, local, "broken")
    assert cli.main(["validate", "--data", remote]) == 2
    err = capsys.readouterr().err
    assert "complaints.channel" in err and "Traceback" not in err
