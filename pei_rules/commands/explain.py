"""``pei-rules explain PLAN FIGURE``: the derivation tree of one figure."""
from __future__ import annotations

import json

from ..explain import explain_document, render_text
from ._common import add_format_arg, add_period_args, add_rules_args, add_year_arg, emit, evaluate_args


def register(sub) -> None:
    p = sub.add_parser(
        "explain",
        help="explain how a figure is derived",
        description=(
            "Show the derivation of a figure: the rule applied (file:line, formula), each input with its value and "
            "plan line, intermediate values, rounding and band. FIGURE is a code of the plan (AEI.02.01, "
            "IND.01.AEI.03.02, OEI.02, an AO code), a canonical id (avance_aei:AEI.02.01), a plan figure "
            "(ejecucion_ponderada), a count (conteo:indicadores_aei:rojo) or a plan datum (dato:poi.2023.pim)."
        ),
    )
    p.add_argument("plan", metavar="PLAN", help="plan TOML file")
    p.add_argument("figure", metavar="FIGURE", help="figure address")
    add_year_arg(p)
    add_period_args(p)
    add_rules_args(p)
    add_format_arg(p, choices=("text", "json"))
    p.set_defaults(func=run)


def run(args) -> int:
    ev = evaluate_args(args.plan, args)
    doc = explain_document(ev, args.figure)
    if args.format == "json":
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_text(doc, args.lang)
    emit(text, args.out)
    return 0
