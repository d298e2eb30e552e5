"""`govkpi compute`: indicator series from the exports into the metric store."""

from __future__ import annotations

import argparse

from govkpi.commands.common import (
    add_config_arg,
    add_data_arg,
    add_engine_arg,
    add_store_arg,
    command_settings,
    parse_day,
    require,
)

# Kept in step with metrics.engine.RECOMPUTE_DAYS (a test checks); the engine is imported
# only when the command runs so `govkpi --help` and other commands start fast.
RECOMPUTE_DAYS = 14


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "compute",
        help="compute every indicator, slice and day into the metric store",
        description=(
            "Validates the exports, then computes every indicator of the catalogue for every "
            "slice and day and writes the series into the store. The store is swapped in "
            "only when everything succeeded. On an existing store only the last "
            f"{RECOMPUTE_DAYS} days are recomputed (late decisions change recent days). "
            "The engine is DuckDB in this process (memory_limit, $GOVKPI_MEMORY_LIMIT, default "
            "4GB, past which it spills to disk) or Apache Spark (pip install 'govkpi[spark]', "
            "Java 17): [spark] master ($GOVKPI_SPARK_MASTER, default local[*]) or remote "
            "(Spark Connect sc://host:15002, $GOVKPI_SPARK_REMOTE), [spark.conf] passed to "
            "the session, [spark.tables] catalogue tables read instead of export files; "
            "--data may then also be an s3a:// or hdfs:// prefix. See govkpi.example.toml."
        ),
    )
    add_config_arg(parser)
    add_data_arg(parser)
    add_store_arg(parser)
    parser.add_argument(
        "--since",
        metavar="DATE",
        help="recompute only from this day on (YYYY-MM-DD); earlier stored days are kept",
    )
    parser.add_argument(
        "--full", action="store_true", help="recompute every day, ignoring the stored series"
    )
    add_engine_arg(parser)
    parser.add_argument(
        "--timezone",
        metavar="TZ",
        help="reporting time zone that defines a day (IANA name); default: `timezone` of the "
        "settings ($GOVKPI_TIMEZONE), else UTC",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from metrics.engine import compute_with_settings
    from metrics.metric_store import MetricStore

    settings = command_settings(
        args,
        {
            "data": args.data,
            "store": args.store,
            "timezone": args.timezone,
            "engine": args.engine,
        },
    )
    tables = settings.spark.tables if settings.engine == "spark" else {}
    if settings.data or not {"listings", "complaints"} <= set(tables):
        data = require(settings.data, "--data", "data", "GOVKPI_DATA")
    else:
        data = ""  # every required export is a catalogue table ([spark.tables])
    store = MetricStore(require(settings.store, "--store", "store", "GOVKPI_STORE"))
    # The settings' zone, as the daily job uses it: a different zone would recompute every day.
    summary = compute_with_settings(
        data, store, settings, parse_day(args.since, "--since"), full=args.full
    )
    if not args.quiet:
        print(
            f"computed {len(summary.metrics)} indicators, {summary.rows} series rows for "
            f"{summary.since} .. {summary.last_day} into {store.path} ({summary.seconds:.1f}s)"
        )
        for metric_id, why in summary.skipped.items():
            print(f"skipped {metric_id}: {why}")
    return 0
