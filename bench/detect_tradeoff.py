"""Detection delay against precision as the shift test's decision limit moves.

For each limit the shift GLR's decision limit (false_alarm_control.SHIFT_LIMIT) is set,
govkpi's detector alone is scored on the tuning and held-out synthetic suites and, given
--store and --incidents, on the sample store (bench/bench_detect.py explains the suites and
the scoring). One table compares the limits; then each sample incident's delay per limit.
A lower limit fires the shift test earlier on real shifts and more often on noise.

    .venv/bin/python -m bench.detect_tradeoff [--store PATH --incidents FILE]
        [--limits 4.5,4.25,4.0,3.75] [--n-series 160] [--seed 1 --holdout-seed 7]

The shift limit is put back afterwards. Exit code 0: the table is the result; 2: bad options.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alerts.detection import false_alarm_control
from bench.bench_detect import GOALS, SAMPLE_SKIPPED, labelled_suite, sample_suite
from bench.detect_sample_suite import SampleSuite, load_sample_suite
from bench.detect_scoring import EventScore, Window
from bench.labelled_suite import make_suite

DEFAULT_LIMITS = "4.5,4.25,4.0,3.75"


@dataclass(frozen=True)
class LimitResult:
    """govkpi's scores at one shift limit; the sample fields are None when it was skipped."""

    limit: float
    synthetic: tuple[EventScore, EventScore]  # tuning seed, held-out seed
    strict: EventScore | None = None
    explained: EventScore | None = None
    delays: tuple[int | None, ...] = ()  # per labelled sample window


@contextmanager
def shift_limit_set(limit: float) -> Iterator[None]:
    """Sets the shift GLR's limit for the block; detectors read it through shift_limit() at
    scoring time, so patching the module attribute is enough, and it is always put back."""
    original = false_alarm_control.SHIFT_LIMIT
    false_alarm_control.SHIFT_LIMIT = limit
    try:
        yield
    finally:
        false_alarm_control.SHIFT_LIMIT = original


def parse_limits(text: str) -> list[float]:
    """Comma-separated positive limits, in the order given."""
    try:
        limits = [float(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text}") from exc
    if not limits or any(not limit > 0 for limit in limits):
        raise argparse.ArgumentTypeError(f"need one or more positive limits: {text}")
    return limits


def score_limit(
    limit: float, seeds: tuple[int, int], n_series: int, suite: SampleSuite | None
) -> LimitResult:
    """govkpi only (no baselines: they do not depend on the limit)."""
    with shift_limit_set(limit):
        tuning, held_out = (
            labelled_suite(make_suite(s, n_series), False)[0]["govkpi"] for s in seeds
        )
        if suite is None:
            return LimitResult(limit, (tuning, held_out))
        run = sample_suite(suite, False)
    return LimitResult(
        limit,
        (tuning, held_out),
        run.results["govkpi"],
        run.explained["govkpi"],
        tuple(run.delays),
    )


def _label(limit: float, shipped: float) -> str:
    return f"{limit:.2f}" + (" *" if limit == shipped else "")


def format_table(results: list[LimitResult], seeds: tuple[int, int], shipped: float) -> list[str]:
    """One row per limit: synthetic F1 and false events per series-year for both seeds, then
    the sample's explained-aware precision, F1, false events and median delay, and strict F1."""
    sample = any(r.explained is not None for r in results)
    head1 = f"  {'':<8} {f'synthetic seed {seeds[0]}':>20} {f'synthetic seed {seeds[1]}':>20}"
    head2 = f"  {'limit':<8}" + f" {'F1':>6} {'false/ser-yr':>13}" * 2
    if sample:
        head1 += f"   {'sample, explained-aware':<30} {'strict':>6}"
        head2 += f"   {'prec':>6} {'F1':>6} {'false':>6} {'delay':>8} {'F1':>6}"
    lines = [head1, head2]
    for r in results:
        line = f"  {_label(r.limit, shipped):<8}" + "".join(
            f" {s.f1:>6.3f} {s.false_per_series_year:>13.3f}" for s in r.synthetic
        )
        if r.explained is not None and r.strict is not None:
            e = r.explained
            line += (
                f"   {e.precision:>6.3f} {e.f1:>6.3f} {e.events - e.true_events:>6}"
                f" {e.median_delay:>6.1f} d {r.strict.f1:>6.3f}"
            )
        lines.append(line)
    if shipped in {r.limit for r in results}:
        lines.append(f"  * shipped: alerts.detection.false_alarm_control.SHIFT_LIMIT = {shipped}")
    else:
        lines.append(f"  the shipped limit ({shipped}) is not among these")
    if sample:
        lines.append("  sample false: events neither true nor explained (a count, not a rate)")
        lines.append("  delay: median days from an incident's start to its first flag")
    return lines


def format_delays(results: list[LimitResult], windows: list[Window], shipped: float) -> list[str]:
    """Each sample incident's delay in days (- when missed), one column per limit."""
    names = [f"{w.series_id} from {w.start.date()}" for w in windows]
    width = max(len(n) for n in names + ["mean of the recalled"])
    lines = [
        "\nsample incidents: govkpi delay in days from the start (- missed), per shift limit",
        f"  {'incident':<{width}}" + "".join(f" {_label(r.limit, shipped):>7}" for r in results),
    ]
    for i, name in enumerate(names):
        cells = ("-" if r.delays[i] is None else str(r.delays[i]) for r in results)
        lines.append(f"  {name:<{width}}" + "".join(f" {c:>7}" for c in cells))
    # The median barely moves on a handful of incidents; the mean shows the smaller gains.
    means = []
    for r in results:
        hit = [d for d in r.delays if d is not None]
        means.append(f"{np.mean(hit):.2f}" if hit else "-")
    lines.append(f"  {'mean of the recalled':<{width}}" + "".join(f" {m:>7}" for m in means))
    return lines


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.detect_tradeoff",
        description=__doc__.splitlines()[0],
        epilog="Takes about 20 s per limit with the sample store. Progress goes to stderr.",
    )
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="metric store computed by `govkpi compute` from `govkpi sample` exports (opened "
        "read-only); without it only the synthetic suites are scored",
    )
    parser.add_argument(
        "--incidents", metavar="FILE", help="the incidents.json written with those exports"
    )
    parser.add_argument(
        "--limits",
        type=parse_limits,
        default=parse_limits(DEFAULT_LIMITS),
        metavar="L1,L2,...",
        help="shift GLR decision limits to compare, in sd, in the order given "
        f"(default {DEFAULT_LIMITS}; the shipped limit is "
        f"{false_alarm_control.SHIFT_LIMIT})",
    )
    parser.add_argument(
        "--n-series",
        type=int,
        default=160,
        metavar="N",
        help="series per synthetic suite (default 160)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="SEED",
        help="synthetic suite's tuning seed (default 1)",
    )
    parser.add_argument(
        "--holdout-seed",
        type=int,
        default=7,
        metavar="SEED",
        help="synthetic suite's held-out seed, not used for tuning (default 7)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if bool(args.store) != bool(args.incidents):
        parser.error("--store and --incidents go together")
    if args.store and not Path(args.store).is_file():
        parser.error(f"no metric store at {args.store}")
    if args.incidents and not Path(args.incidents).is_file():
        parser.error(f"no incidents file at {args.incidents}")
    if args.n_series < 1:
        parser.error("--n-series must be at least 1")
    logging.basicConfig(level=logging.WARNING)
    shipped = false_alarm_control.SHIFT_LIMIT
    seeds = (args.seed, args.holdout_seed)
    print(GOALS, flush=True)
    suite = None
    if args.store:
        print(f"loading the sample store {args.store}", file=sys.stderr, flush=True)
        suite = load_sample_suite(args.store, args.incidents)
    results = []
    for i, limit in enumerate(args.limits, 1):
        print(f"shift limit {limit} ({i}/{len(args.limits)})", file=sys.stderr, flush=True)
        results.append(score_limit(limit, seeds, args.n_series, suite))
    print(
        f"\nshift limit trade-off, govkpi only: synthetic suites of {args.n_series} series"
        + (f", sample store {args.store}" if suite else "")
    )
    print("\n".join(format_table(results, seeds, shipped)))
    if suite is None:
        print(SAMPLE_SKIPPED)
    else:
        print("\n".join(format_delays(results, suite.windows, shipped)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
