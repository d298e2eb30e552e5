"""Small, valid exports built in code and written as real Parquet files (pyarrow).

    write_exports(tmp_path)                                   # default valid listings + complaints
    write_exports(tmp_path, listings=[{}, {"market": "es"}])  # 2 listings, the 2nd overridden
    write_exports(tmp_path, appeals=DEFAULT, traffic=DEFAULT) # all four tables

Each row you pass is a dict of overrides merged onto a valid default row for its position
(`listing(i)`, `complaint(i)`, ...), so a test names only what it breaks. A table argument of
None leaves that export out. Timestamps may be given as "YYYY-MM-DD HH:MM[:SS]" strings.
Column types follow the contract unless `types` overrides them; optional (v1.1) contract
columns are written only when a row sets them; `drop` removes columns;
`layout` writes a table as a single file ("file", the default), a folder of two files
("folder") or a hive-partitioned folder ("hive:<column>").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from metrics.contract import TABLES_BY_NAME

DEFAULT: Any = object()  # sentinel: the table's default valid rows

ARROW_TYPES = {
    "string": pa.string(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "int64": pa.int64(),
}
BASE = dt.datetime(2026, 3, 2, 9, 0, 0)

Row = Mapping[str, Any]


def listing(i: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid listing: live, not removed, not regulated."""
    created = BASE + dt.timedelta(hours=i)
    row = {
        "listing_id": f"L{i}",
        "seller_id": f"S{(i - 1) % 2 + 1}",
        "seller_tier": "standard",
        "market": "ES",
        "category_l1": "toys",
        "category_l2": "puzzles",
        "is_regulated_category": False,
        "has_required_certs": None,
        "created_at": created,
        "published_at": created + dt.timedelta(minutes=30),
        "removed_at": None,
        "removal_reason": None,
        "detection_channel": None,
        "first_sale_at": None,
    }
    return {**row, **overrides}


def complaint(i: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid decided complaint about listing L<i>."""
    received = BASE + dt.timedelta(days=1, hours=i)
    row = {
        "complaint_id": f"C{i}",
        "listing_id": f"L{i}",
        "received_at": received,
        "channel": "consumer",
        "issue_type": "counterfeit",
        "decided_at": received + dt.timedelta(hours=5),
        "outcome": "upheld",
        "complainant_informed_at": received + dt.timedelta(hours=6),
    }
    return {**row, **overrides}


def appeal(i: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid decided appeal about listing L<i>."""
    filed = BASE + dt.timedelta(days=2, hours=i)
    row = {
        "appeal_id": f"A{i}",
        "listing_id": f"L{i}",
        "filed_at": filed,
        "decided_at": filed + dt.timedelta(hours=12),
        "outcome": "upheld",
    }
    return {**row, **overrides}


def traffic_row(i: int = 1, **overrides: Any) -> dict[str, Any]:
    """Traffic of one day (2026-03-0<i>) in ES toys."""
    row = {
        "date": BASE.date() + dt.timedelta(days=i - 1),
        "market": "ES",
        "category_l1": "toys",
        "views": 1000 * i,
        "orders": 10 * i,
    }
    return {**row, **overrides}


ROW_BUILDERS = {
    "listings": listing,
    "complaints": complaint,
    "appeals": appeal,
    "traffic": traffic_row,
}
DEFAULT_ROW_COUNTS = {"listings": 3, "complaints": 3, "appeals": 2, "traffic": 2}


def rows_for(table: str, rows: Sequence[Row] | Any = DEFAULT) -> list[dict[str, Any]]:
    """Full rows: each override dict merged onto the default row of its position."""
    if rows is DEFAULT:
        rows = [{}] * DEFAULT_ROW_COUNTS[table]
    build = ROW_BUILDERS[table]
    return [build(i, **row) for i, row in enumerate(rows, start=1)]


def arrow_table(
    table: str,
    rows: Sequence[Row] | Any = DEFAULT,
    *,
    types: Mapping[str, pa.DataType] | None = None,
    drop: Sequence[str] = (),
) -> pa.Table:
    """The rows as an Arrow table typed by the contract; extra keys become extra columns."""
    full = rows_for(table, rows)
    contract = TABLES_BY_NAME[table]
    # The contract's optional (v1.1) columns are written only when a row sets them, so the
    # default exports are plain v1 exports.
    given = [k for r in full for k in r]
    columns = [c.name for c in contract.columns if not c.optional or c.name in given]
    names = list(dict.fromkeys(columns + given))
    arrays, fields = [], []
    for name in names:
        if name in drop:
            continue
        values = [r.get(name) for r in full]
        known = next((c for c in contract.columns if c.name == name), None)
        wanted = (types or {}).get(name) or (ARROW_TYPES[known.type] if known else None)
        arrays.append(pa.array([_coerce(v, wanted) for v in values], type=wanted))
        fields.append(name)
    return pa.Table.from_arrays(arrays, names=fields)


def _coerce(value: Any, wanted: pa.DataType | None) -> Any:
    if value is None or wanted is None:
        return value
    if pa.types.is_timestamp(wanted) and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if pa.types.is_timestamp(wanted) and type(value) is dt.date:
        return dt.datetime.combine(value, dt.time())
    if pa.types.is_date(wanted) and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if pa.types.is_integer(wanted) and isinstance(value, bool):
        return int(value)
    if pa.types.is_string(wanted) and not isinstance(value, str):
        return str(value)
    return value


def write_table(
    data_dir: Path,
    table: str,
    rows: Sequence[Row] | Any = DEFAULT,
    *,
    types: Mapping[str, pa.DataType] | None = None,
    drop: Sequence[str] = (),
    layout: str = "file",
) -> Path:
    """Writes one export; returns the file or folder written."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    arrow = arrow_table(table, rows, types=types, drop=drop)
    if layout == "file":
        path = data_dir / f"{table}.parquet"
        pq.write_table(arrow, path)
        return path
    folder = data_dir / table
    folder.mkdir(exist_ok=True)
    if layout == "folder":
        half = (arrow.num_rows + 1) // 2
        pq.write_table(arrow.slice(0, half), folder / "part-0.parquet")
        pq.write_table(arrow.slice(half), folder / "part-1.parquet")
        return folder
    if layout.startswith("hive:"):
        column = layout.removeprefix("hive:")
        for value in sorted(set(arrow.column(column).to_pylist()), key=str):
            part = folder / f"{column}={value}"
            part.mkdir(exist_ok=True)
            mask = pa.array([v == value for v in arrow.column(column).to_pylist()])
            pq.write_table(arrow.filter(mask).drop_columns([column]), part / "part-0.parquet")
        return folder
    raise ValueError(f"unknown layout {layout!r}")


def write_exports(
    data_dir: Path,
    listings: Sequence[Row] | Any = DEFAULT,
    complaints: Sequence[Row] | Any = DEFAULT,
    appeals: Sequence[Row] | Any = None,
    traffic: Sequence[Row] | Any = None,
    *,
    types: Mapping[str, Mapping[str, pa.DataType]] | None = None,
    drop: Mapping[str, Sequence[str]] | None = None,
    layout: Mapping[str, str] | None = None,
) -> Path:
    """Writes the given exports into `data_dir` (created if needed) and returns it.

    `types`, `drop` and `layout` are keyed by table name.
    """
    given = {"listings": listings, "complaints": complaints, "appeals": appeals, "traffic": traffic}
    for table, rows in given.items():
        if rows is None:
            continue
        write_table(
            data_dir,
            table,
            rows,
            types=(types or {}).get(table),
            drop=(drop or {}).get(table, ()),
            layout=(layout or {}).get(table, "file"),
        )
    return Path(data_dir)
