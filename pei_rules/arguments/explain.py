"""The arguments of ``pei-rules explain`` (run by :mod:`pei_rules.commands.explain`)."""
from __future__ import annotations

from ..i18n import msg
from ._common import add_format_arg, add_period_args, add_plan_arg, add_rules_args, add_year_arg


def register(sub) -> None:
    p = sub.add_parser("explain", help=msg("cli_explain_help"), description=msg("cli_explain_description"))
    add_plan_arg(p)
    p.add_argument("figure", metavar=msg("cli_mv_figure"), help=msg("cli_explain_figure"))
    add_year_arg(p)
    add_period_args(p)
    add_rules_args(p)
    add_format_arg(p, choices=("text", "json"))
    p.set_defaults(run="explain")
