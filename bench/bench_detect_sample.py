"""The sample suite alone, for govkpi's detector, with its acceptance check against the oracle.

    .venv/bin/python -m bench.bench_detect_sample --store PATH --incidents FILE

Scores the planted incidents of a `govkpi sample` (incidents.json, read by
bench/detect_sample_suite.py) strictly and explained-aware, prints each incident's delay,
the oracle bound on it (bench/detect_delay_bound.py), and the acceptance check: every
incident caught within its oracle bound + 2 days, the median delay within the oracle's
median + 0.5 day. Exit code 0 when the check passes, 1 when it fails.
"""

from __future__ import annotations

import argparse
import logging
import sys

from bench.bench_detect import report_sample


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="metric store computed from the sample")
    parser.add_argument("--incidents", required=True, help="the incidents.json of the sample")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return 0 if report_sample(args.store, args.incidents, baselines=False) else 1


if __name__ == "__main__":
    sys.exit(main())
