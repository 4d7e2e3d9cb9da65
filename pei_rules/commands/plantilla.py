"""``pei-rules plantilla PLAN --out FILE.xlsx``: an empty workbook in the Anexo B-7 and POI
seguimiento layouts for a plan's codes and years; fill it in and ``import`` it."""
from __future__ import annotations

import sys

from ..files import write_atomic
from ..i18n import msg, set_lang
from ..inputs.template import workbook_bytes
from ..plan import load_plan
from ._common import add_rules_args, add_year_arg, evaluate_path


def register(sub) -> None:
    p = sub.add_parser("plantilla", help=msg("tpl_cli_help"), description=msg("tpl_cli_help"))
    p.add_argument("plan", metavar="PLAN.toml", help=msg("tpl_cli_plan"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help=msg("tpl_cli_out"))
    p.add_argument("--con-valores", action="store_true", help=msg("tpl_cli_values"))
    p.add_argument("--poi-anio", type=int, action="append", default=[], metavar="YEAR", help=msg("tpl_cli_poi_anio"))
    p.add_argument("--lang", choices=("es", "en"), default=None, help=msg("imp_cli_lang"))
    add_rules_args(p)
    add_year_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.lang:
        set_lang(args.lang)
    plan = load_plan(args.plan)
    if args.year or args.rules:
        evaluate_path(args.plan, args)  # the plan must also evaluate with that rule set and year
    write_atomic(args.out, workbook_bytes(plan, values=args.con_valores, poi_years=args.poi_anio))
    sys.stderr.write(msg("tpl_cli_wrote", out=args.out) + "\n")
    return 0
