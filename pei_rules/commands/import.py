"""``pei-rules import FILE.csv [--ao FILE.csv ...] --out PLAN.toml``: spreadsheets to a plan."""
from __future__ import annotations

import sys

from ..importer import import_plan


def register(sub) -> None:
    p = sub.add_parser(
        "import",
        help="convert Aplicativo CEPLAN-style CSV sheets (indicators, AO) into a plan TOML",
        description=(
            "Convert an indicators sheet (one row per indicator) and optional AO sheets (one per POI year, one row per "
            "actividad operativa) laid out like the Aplicativo CEPLAN seguimiento export into a plan TOML that "
            "'evaluate' accepts. Layout: docs/import.md. Every problem is reported with file, row and column; "
            "nothing is written if there is any."
        ),
    )
    p.add_argument("indicators", metavar="FILE.csv", help="indicators sheet (CSV, ',' or ';' separated)")
    p.add_argument("--ao", action="append", default=[], metavar="FILE.csv", help="AO sheet for one POI year (repeat for several years)")
    p.add_argument("--out", required=True, metavar="PLAN.toml", help="plan file to write (atomically)")
    p.set_defaults(func=run)


def run(args) -> int:
    import_plan(args.indicators, args.ao, args.out)
    sys.stderr.write(f"pei-rules: wrote {args.out}\n")
    return 0
