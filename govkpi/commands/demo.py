"""`govkpi demo`: the whole product on the built-in sample data, with no configuration.

sample (once) -> compute -> detect -> the daily alert job with the digest written to .eml
files -> the dashboard on localhost. The work folder's data, store and outbox replace those
of the settings; everything else (time zone, detection, lifecycle...) is read as every command
reads it, so `--config` works here too.
"""

from __future__ import annotations

import argparse
import logging
import os
import time

from govkpi.commands.common import add_config_arg, command_settings
from govkpi.commands.dashboard import add_exposure_arg

log = logging.getLogger(__name__)

DEFAULT_WORKDIR = "govkpi-demo"
DEMO_SENDER = "govkpi@example.com"
DEMO_RECIPIENT = "governance-team@example.com"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo",
        help="sample -> compute -> detect -> alerts (to .eml files) -> dashboard",
        description=(
            "Generates the sample exports (once), computes every indicator, scores them, runs "
            "the daily alert job with the digest written to .eml files instead of mailed, "
            "prints where everything is, and serves the dashboard. Needs no configuration."
        ),
    )
    add_config_arg(parser)
    parser.add_argument(
        "--workdir",
        default=DEFAULT_WORKDIR,
        metavar="DIR",
        help=f"where the sample, the store and the .eml files go (default: ./{DEFAULT_WORKDIR})",
    )
    parser.add_argument(
        "--port", type=int, default=8501, metavar="P", help="dashboard port (default: 8501)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="H",
        help="dashboard address (default: 127.0.0.1, this machine only); another address "
        "needs sign-in configured (docs/auth.md) or --allow-unauthenticated",
    )
    add_exposure_arg(parser)
    parser.add_argument(
        "--listings",
        type=int,
        default=None,
        metavar="N",
        help="sample size when generating (default: the sample's default, 1,000,000)",
    )
    parser.add_argument(
        "--days",
        type=int,
        default=None,
        metavar="D",
        help="days of sample history when generating (default: 400)",
    )
    parser.add_argument(
        "--date",
        metavar="DATE",
        help="run the alert job as of this day (YYYY-MM-DD; default: the last exported day), "
        "e.g. 2026-09-06 to see the digest of the planted proactive-model outage",
    )
    parser.add_argument(
        "--no-serve",
        action="store_true",
        help="stop after writing the digest instead of serving the dashboard",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from alerts.daily_job import run_daily
    from alerts.detect_step import detect_with_settings
    from govkpi.commands.common import parse_day
    from govkpi.commands.dashboard import check_exposure, check_port_free, serve
    from metrics.engine import compute_with_settings
    from metrics.metric_store import MetricStore
    from metrics.presentation import plural
    from sample_data.generator import generate_sample

    if not args.no_serve:
        check_port_free(args.host, args.port)  # before minutes of work, not after
    started = time.perf_counter()
    workdir = os.path.abspath(args.workdir)
    data = os.path.join(workdir, "data")
    store = MetricStore(os.path.join(workdir, "store.duckdb"))
    outbox = os.path.join(workdir, "outbox")
    say = (lambda *_: None) if args.quiet else print
    settings = command_settings(
        args,
        {
            "data": data,
            "store": store.path,
            "outbox_dir": outbox,
            "dashboard_url": f"http://localhost:{args.port}",
            # Nothing is sent in a dry run; the sample team gets the digest as files.
            "mail.from": DEMO_SENDER,
            "mail.to": [DEMO_RECIPIENT],
        },
    )
    if not args.no_serve:
        check_exposure(settings, args.host, args.allow_unauthenticated)  # before the work too

    if os.path.isfile(os.path.join(data, "listings.parquet")):
        say(f"1/4 sample exports: reusing {data}")
    else:
        say(f"1/4 sample exports: generating into {data} ...")
        size = {k: v for k, v in (("listings", args.listings), ("days", args.days)) if v}
        summary = generate_sample(data, **size)
        say(
            f"    {summary.rows.get('listings', 0):,} listings, "
            f"{summary.rows.get('complaints', 0):,} complaints, "
            f"{len(summary.incidents)} planted incidents ({data}/incidents.json)"
        )
    say("2/4 computing every indicator, slice and day ...")
    computed = compute_with_settings(data, store, settings)
    say(f"    {computed.rows:,} series rows for {computed.since} .. {computed.last_day}")
    say("3/4 scoring every series (anomaly detection) ...")
    detections = detect_with_settings(
        store, settings.detection, engine=settings.engine, spark=settings.spark
    )
    flagged = int(detections["is_alert"].sum()) if len(detections) else 0
    say(f"    {len(detections):,} points scored, {flagged:,} flagged in the bad direction")
    say("4/4 the daily alert job, digest written to .eml files (dry run) ...")
    run_date = parse_day(args.date, "--date") or computed.last_day
    report = run_daily(settings, run_date=run_date, dry_run=True, compute=False, detect=False)
    say(
        f"    {plural(report.firing, 'alert')} firing on {run_date}; "
        f"{plural(len(report.eml_paths), 'digest email')} in {report.outbox_dir}"
    )
    for path in report.eml_paths:
        say(f"      {path}")
    say(f"ready in {time.perf_counter() - started:.0f}s: store {store.path}")
    if args.no_serve:
        return 0
    say(f"dashboard: http://localhost:{args.port}/  (Ctrl+C stops it)")
    result = serve(
        settings, args.host, args.port, wait=True, allow_unauthenticated=args.allow_unauthenticated
    )
    return int(result) if isinstance(result, int) else 0
