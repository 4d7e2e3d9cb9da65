"""``pei-rules evaluate PLAN``: the evaluation as the report's tables."""
from __future__ import annotations

from ..render import RENDERERS
from ._common import add_format_arg, add_period_args, add_rules_args, add_year_arg, emit, evaluate_args


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="evaluate a plan for a year", description="Evaluate a plan file for a year under a rule set and print the report's tables.")
    p.add_argument("plan", metavar="PLAN", help="plan TOML file")
    add_year_arg(p)
    add_period_args(p)
    add_rules_args(p)
    add_format_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    ev = evaluate_args(args.plan, args)
    emit(RENDERERS[args.format](ev, args.lang), args.out)
    return 0
