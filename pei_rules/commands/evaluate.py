"""``pei-rules evaluate PLAN``: the evaluation as the report's tables."""
from __future__ import annotations

from ..render import RENDERERS
from ..i18n import msg
from ._common import add_format_arg, add_plan_arg, add_period_args, add_rules_args, add_year_arg, emit, evaluate_args


def register(sub) -> None:
    p = sub.add_parser("evaluate", help=msg("cli_evaluate_help"), description=msg("cli_evaluate_description"))
    add_plan_arg(p)
    add_year_arg(p)
    add_period_args(p)
    add_rules_args(p)
    add_format_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    ev = evaluate_args(args.plan, args)
    emit(RENDERERS[args.format](ev, args.lang), args.out)
    return 0
