"""`govkpi export`: stored series in the `detect --input` format (plus metric and slice)."""

from __future__ import annotations

import argparse
import os

from govkpi.commands.common import add_config_arg, add_store_arg, command_settings, require
from metrics.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "export",
        help="write stored series in the detect --input format",
        description=(
            "Writes the stored series as Parquet (or CSV when FILE ends in .csv) with the "
            "columns series_id, kind, date, value, numerator, denominator (the detect --input "
            "contract) plus metric_id, slice and p90."
        ),
    )
    add_config_arg(parser)
    add_store_arg(parser)
    parser.add_argument("--output", required=True, metavar="FILE", help="file to write")
    parser.add_argument("--metric", metavar="ID", help="only this indicator")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from metrics.catalogue import load_catalogue
    from metrics.metric_store import MetricStore

    settings = command_settings(args, {"store": args.store})
    store = MetricStore(require(settings.store, "--store", "store", "GOVKPI_STORE"))
    catalogue = load_catalogue()
    metric_ids = [catalogue.get(args.metric).id] if args.metric else list(catalogue.metrics)
    kinds = [(m.id, m.kind) for m in catalogue]
    output = os.path.abspath(args.output)
    if not os.path.isdir(os.path.dirname(output)):
        raise UserError(f"--output: folder {os.path.dirname(output)} does not exist")
    fmt = "csv" if output.endswith(".csv") else "parquet"
    tmp = output + ".tmp"
    with store.read() as con:
        con.execute("CREATE TEMP TABLE kinds (metric_id VARCHAR, kind VARCHAR)")
        con.executemany("INSERT INTO kinds VALUES (?, ?)", kinds)
        con.execute(
            """
            CREATE TEMP TABLE exported AS
            SELECT s.metric_id || '/' || s.slice AS series_id, k.kind, s.date, s.value,
                   s.numerator, s.denominator, s.metric_id, s.slice, s.p90
            FROM series AS s JOIN kinds AS k USING (metric_id)
            WHERE list_contains($ids, s.metric_id)
            ORDER BY s.metric_id, s.slice, s.date
            """,
            {"ids": metric_ids},
        )
        rel = con.table("exported")
        if fmt == "csv":
            rel.write_csv(tmp)
        else:
            rel.write_parquet(tmp)
        counted = con.execute("SELECT count(*) FROM exported").fetchone()
        assert counted is not None  # an aggregate query returns one row
        rows = counted[0]
    os.replace(tmp, output)
    if not args.quiet:
        print(f"wrote {rows} rows to {output}")
    return 0
