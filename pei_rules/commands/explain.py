"""``pei-rules explain PLAN FIGURE``: the derivation tree of one figure."""
from __future__ import annotations

import json

from ..explain import explain_document, render_text
from ..i18n import msg
from ._common import add_format_arg, add_plan_arg, add_period_args, add_rules_args, add_year_arg, emit, evaluate_args


def register(sub) -> None:
    p = sub.add_parser("explain", help=msg("cli_explain_help"), description=msg("cli_explain_description"))
    add_plan_arg(p)
    p.add_argument("figure", metavar=msg("cli_mv_figure"), help=msg("cli_explain_figure"))
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
