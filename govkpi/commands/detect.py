"""`govkpi detect --store PATH | --input FILE --output FILE`: causal anomaly detection.

With --store, every series of the metric store is scored with the catalogue's kind and
direction and the store's detections table is replaced. With --input, a long-format file of
your own series is scored (both directions count as bad unless a `better` column says
otherwise) and the scores are written to --output. Exit code 2 on a bad input file, with
the file, the column and an example row on one line.

The decision limit, the FDR level and the known-events calendar come from the `[detection]`
settings, which these flags override; the daily job reads the same section.
"""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from govkpi.commands.common import add_config_arg, add_engine_arg, command_settings
from metrics.errors import UserError
from metrics.metric_store import MetricStore
from metrics.settings import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from alerts.detection.detectors import DetectorParams

log = logging.getLogger(__name__)


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
    add_config_arg(parser)
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="metric store (DuckDB file) whose series to score (default: `store` of the "
        "settings, $GOVKPI_STORE); its detections table is replaced",
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
        "upper, score, is_anomaly, direction (plus kind, is_alert and test: which test "
        "decided an anomalous day: point, burst, shift, ramp or volume)",
    )
    parser.add_argument(
        "--threshold",
        metavar="Z",
        type=float,
        default=None,
        help=f"score (in standard deviations) from which a day is anomalous (default: "
        f"detection.threshold of the settings, else {DEFAULT_THRESHOLD}: about 0.02 false "
        "alarms per series-year on Gaussian noise)",
    )
    parser.add_argument(
        "--fdr",
        metavar="Q",
        type=float,
        default=None,
        help="additionally keep only anomalies that are Benjamini-Hochberg discoveries at "
        "level Q among all series tested that day (default: detection.fdr of the settings, "
        "else off)",
    )
    parser.add_argument(
        "--known-events",
        metavar="FILE",
        default=None,
        help="TOML calendar of known event days (festivals, holidays) that replaces the "
        "packaged one; default: detection.known_events of the settings "
        "($GOVKPI_KNOWN_EVENTS), else the packaged calendar (alerts/detection/known_events.toml)",
    )
    add_engine_arg(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # The detector pulls in scipy and statsmodels: imported only when the command runs.
    from alerts.detect_step import detect_with_settings, detector_params

    settings = command_settings(
        args,
        {
            "detection.threshold": args.threshold,
            "detection.fdr": args.fdr,
            "detection.known_events": args.known_events,
            "engine": args.engine,
        },
    )
    if args.input or args.output:
        if args.store:
            raise UserError("give either --store or --input/--output, not both")
        if not (args.input and args.output):
            raise UserError("--input and --output go together")
        if settings.engine == "spark":
            # A file of series is scored in this process; Spark scores a store's series.
            log.info("--input is scored in this process (--engine spark scores a --store)")
        params = detector_params(settings.detection)
        return run_file(args.input, args.output, params, settings.detection.fdr)
    store = args.store or settings.store
    if not store:
        raise UserError(
            "no metric store: pass --store PATH (or set GOVKPI_STORE, or `store` in the config "
            "file) or --input"
        )
    detect_with_settings(
        MetricStore(store), settings.detection, engine=settings.engine, spark=settings.spark
    )
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
