"""`govkpi detect --store PATH | --input FILE --output FILE`: causal anomaly detection.

With --store, every series of the metric store is scored with the catalogue's kind and
direction and the store's detections table is replaced. With --input, a long-format file of
your own series is scored (both directions count as bad unless a `better` column says
otherwise) and the scores are written to --output. Exit code 2 on a bad input file, with
the file, the column and an example row on one line.
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import TYPE_CHECKING

from metrics.errors import UserError
from metrics.metric_store import MetricStore

if TYPE_CHECKING:
    from alerts.detection.detectors import DetectorParams

# Same as false_alarm_control.DEFAULT_THRESHOLD (a test checks); the detector, which
# pulls in scipy and statsmodels, is imported only when the command runs.
DEFAULT_THRESHOLD = 4.0

log = logging.getLogger(__name__)
STORE_ENV = "GOVKPI_STORE"
KNOWN_EVENTS_ENV = "GOVKPI_KNOWN_EVENTS"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "detect",
        help="score every series for anomalies (store or bring-your-own file)",
        description=(
            "Causal, rate-aware anomaly detection: each day is judged only on data up to that "
            "day, shares and rates with their numerator and denominator. Scores every series "
            "of the metric store (--store, replacing its detections table) or of a long-format "
            "file (--input/--output)."
        ),
    )
    parser.add_argument(
        "--store",
        metavar="PATH",
        help=f"metric store (DuckDB file) whose series to score (default: ${STORE_ENV}); "
        "its detections table is replaced",
    )
    parser.add_argument(
        "--input",
        metavar="FILE",
        help="long-format Parquet (or .csv) file with columns series_id, kind "
        "(share|rate|count|duration), date, value, numerator, denominator (the last two may "
        "be null); optional better (higher|lower) and scale columns",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="Parquet file to write for --input: series_id, date, value, expected, lower, "
        "upper, score, is_anomaly, direction (plus kind and is_alert)",
    )
    parser.add_argument(
        "--threshold",
        metavar="Z",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"score (in standard deviations) from which a day is anomalous "
        f"(default {DEFAULT_THRESHOLD}: about 0.02 false alarms per series-year on Gaussian "
        "noise)",
    )
    parser.add_argument(
        "--fdr",
        metavar="Q",
        type=float,
        default=None,
        help="additionally keep only anomalies that are Benjamini-Hochberg discoveries at "
        "level Q among all series tested that day (default: off)",
    )
    parser.add_argument(
        "--known-events",
        metavar="FILE",
        default=None,
        help="TOML calendar of known event days (festivals, holidays) that replaces the "
        "packaged one; default: $GOVKPI_KNOWN_EVENTS or the packaged calendar "
        "(alerts/known_events.toml)",
    )
    parser.set_defaults(handler=run)


def _params(args: argparse.Namespace) -> DetectorParams:
    from alerts.detection.detectors import DetectorParams

    if not args.threshold > 0:
        raise UserError("--threshold must be a positive number of standard deviations")
    if args.fdr is not None and not 0 < args.fdr < 1:
        raise UserError("--fdr must be between 0 and 1, e.g. 0.05")
    from alerts.detection.known_events import load_known_events

    calendar = getattr(args, "known_events", None) or os.environ.get(KNOWN_EVENTS_ENV)
    if calendar:
        return DetectorParams(threshold=args.threshold, known_events=load_known_events(calendar))
    return DetectorParams(threshold=args.threshold)


def run(args: argparse.Namespace) -> int:
    from alerts.detection.store_scoring import detect_store

    params = _params(args)
    if args.input or args.output:
        if args.store:
            raise UserError("give either --store or --input/--output, not both")
        if not (args.input and args.output):
            raise UserError("--input and --output go together")
        return run_file(args.input, args.output, params, args.fdr)
    store = args.store or os.environ.get(STORE_ENV)
    if not store:
        raise UserError(f"no metric store: pass --store PATH (or set {STORE_ENV}) or --input")
    detect_store(MetricStore(store), params=params, fdr=args.fdr)
    return 0


def run_file(input_path: str, output_path: str, params: DetectorParams, fdr: float | None) -> int:
    from alerts.detection.scoring import score_frame
    from alerts.detection.series_input import read_series_file, write_detections

    frame, specs = read_series_file(input_path)
    log.info("scoring %d series (%d rows) from %s", len(specs), len(frame), input_path)
    out = score_frame(frame, specs, params, fdr)
    out.insert(1, "kind", frame["kind"].to_numpy())
    write_detections(out, output_path)
    log.info("wrote %s: %d rows, %d anomalies", output_path, len(out), int(out["is_anomaly"].sum()))
    return 0
