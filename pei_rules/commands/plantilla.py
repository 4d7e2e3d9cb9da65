"""``pei-rules plantilla PLAN --out FILE.xlsx``: an empty workbook in the Anexo B-7 and POI
seguimiento layouts for a plan's codes and years; fill it in and ``import`` it."""
from __future__ import annotations

import sys

from ..files import write_atomic
from ..i18n import msg, set_lang
from ..inputs.template import workbook_bytes
from ..plan import load_plan
from ._common import evaluate_args


def run(args) -> int:
    if args.lang:
        set_lang(args.lang)
    plan = load_plan(args.plan)
    if args.year or args.rules:
        evaluate_args(args.plan, args)  # the plan must also evaluate with that rule set and year
    write_atomic(args.out, workbook_bytes(plan, values=args.con_valores, poi_years=args.poi_anio))
    sys.stderr.write(msg("tpl_cli_wrote", out=args.out) + "\n")
    return 0
