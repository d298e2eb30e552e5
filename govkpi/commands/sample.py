"""`govkpi sample --out DIR`: writes realistic, seeded exports with planted incidents.

The four Parquet exports follow the export contract (v1.1); incidents.json is the ground truth
of every planted incident: its labelled effects, each with its shape, and every metric and
slice it moves (format: sample_data/ground_truth.py). Progress goes to the log (stderr); the
summary to stdout unless -q.
"""

from __future__ import annotations

import argparse

from govkpi.commands.common import parse_day
from metrics.errors import UserError
from sample_data.calendar import DEFAULT_END
from sample_data.generator import (
    DEFAULT_DAYS,
    DEFAULT_LISTINGS,
    DEFAULT_SEED,
    SampleSummary,
    generate_sample,
)


def _count(value: str | int, flag: str) -> int:
    """A whole number, which may be written with underscores (20_000_000)."""
    try:
        return int(str(value).replace("_", ""))
    except ValueError:
        raise UserError(f"{flag}: {value!r} is not a whole number") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sample",
        help="write realistic sample exports with planted incidents",
        description=(
            "Write listings, complaints, appeals and traffic exports (Parquet, contract v1.1) "
            "for an invented international marketplace, plus incidents.json: the ground truth "
            "of the incidents planted in them. The same options always give the same files."
        ),
    )
    parser.add_argument("--out", metavar="DIR", required=True, help="folder to write into")
    parser.add_argument(
        "--listings",
        default=DEFAULT_LISTINGS,
        metavar="N",
        help=f"listings to create, including the stock listed before the window "
        f"(default: {DEFAULT_LISTINGS:,}; 20,000,000 takes about two minutes)",
    )
    parser.add_argument(
        "--days",
        default=DEFAULT_DAYS,
        metavar="D",
        help=f"days in the export window, ending on --end (default: {DEFAULT_DAYS}); "
        "incidents that do not fit a short window are left out",
    )
    parser.add_argument(
        "--seed",
        default=DEFAULT_SEED,
        metavar="S",
        help=f"random seed; the same seed and options give identical files "
        f"(default: {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--end",
        metavar="DATE",
        default=None,
        help=f"last exported day, YYYY-MM-DD (default: {DEFAULT_END.isoformat()})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    end = parse_day(args.end, "--end") or DEFAULT_END
    if not args.out.strip():
        raise UserError("--out must name a folder")
    summary = generate_sample(
        args.out,
        listings=_count(args.listings, "--listings"),
        days=_count(args.days, "--days"),
        seed=_count(args.seed, "--seed"),
        end=end,
    )
    if not getattr(args, "quiet", False):
        print(describe(summary))
    return 0


def describe(summary: SampleSummary) -> str:
    lines = [
        f"sample exports in {summary.out} ({summary.first_day} to {summary.last_day}, "
        f"{summary.seconds:.1f} s):"
    ]
    width = max(len(name) for name in summary.rows)
    for name, count in summary.rows.items():
        lines.append(f"  {name:<{width}}  {count:>12,} rows")
    kinds = sorted({i["kind"] for i in summary.incidents})
    moved = {(i["id"], m["metric"]) for i in summary.incidents for m in i["effects"]}
    lines.append(
        f"  incidents.json  {len(kinds)} incidents, {len(summary.incidents)} labelled effects,"
        f" {len(moved)} metrics moved" + (f": {', '.join(kinds)}" if kinds else "")
    )
    return "\n".join(lines)
