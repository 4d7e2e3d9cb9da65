"""The arguments of ``pei-rules diff`` (run by :mod:`pei_rules.commands.diff`)."""
from __future__ import annotations

from ..i18n import msg
from ._common import add_format_arg, add_period_args, add_plan_arg, add_rules_args, add_year_arg


def register(sub) -> None:
    p = sub.add_parser("diff", help=msg("cli_diff_help"), description=msg("cli_diff_description"))
    add_plan_arg(p, "cli_diff_plan", "cli_mv_plan_or_dir")
    add_year_arg(p)
    add_rules_args(p, multiple=True)
    add_period_args(p)
    add_format_arg(p, choices=("text", "json"))
    p.set_defaults(run="diff")
