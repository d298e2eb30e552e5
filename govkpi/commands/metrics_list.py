"""`govkpi metrics`: the indicator catalogue."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "metrics",
        help="list the indicator catalogue",
        description="Lists every indicator: id, kind, unit, better direction, owner area.",
    )
    parser.add_argument(
        "--sql", metavar="ID", help="print the SQL and definition of one indicator instead"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from metrics.catalogue import load_catalogue

    catalogue = load_catalogue()
    if args.sql:
        metric = catalogue.get(args.sql)
        print(f"-- {metric.id}: {metric.label} ({metric.kind}, {metric.unit})")
        print(f"-- {metric.description}")
        print(metric.sql)
        return 0
    width = max(len(m.id) for m in catalogue)
    print(f"{'id':{width}} {'kind':9} {'better':7} {'headline':8} {'area':18} unit")
    for m in sorted(catalogue, key=lambda m: (not m.headline, m.id)):
        headline = "yes" if m.headline else ""
        print(
            f"{m.id:{width}} {m.kind:9} {m.better or '-':7} {headline:8} {m.owner_area:18} {m.unit}"
        )
    return 0
