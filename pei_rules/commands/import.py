"""``pei-rules import FILE.csv [--ao FILE.csv ...] --out PLAN.toml``: spreadsheets to a plan."""
from __future__ import annotations

import sys

from ..i18n import msg
from ..importer import import_plan
from ._common import add_lang_arg, add_out_arg


def register(sub) -> None:
    p = sub.add_parser("import", help=msg("cli_import_help"), description=msg("cli_import_description"))
    p.add_argument("indicators", metavar="FILE.csv", help=msg("cli_import_indicators"))
    p.add_argument("--ao", action="append", default=[], metavar="FILE.csv", help=msg("cli_import_ao"))
    add_out_arg(p, required=True, help_id="cli_import_out")
    add_lang_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import_plan(args.indicators, args.ao, args.out)
    sys.stderr.write(msg("cli_wrote", path=args.out) + "\n")
    return 0
