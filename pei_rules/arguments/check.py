"""The arguments of ``pei-rules check`` (run by :mod:`pei_rules.commands.check`)."""
from __future__ import annotations

from ..i18n import msg
from ._common import add_format_arg, add_plan_arg, add_rules_args, add_year_arg


def register(sub) -> None:
    p = sub.add_parser("check", help=msg("cli_check_help"), description=msg("cli_check_description"))
    add_plan_arg(p)
    add_year_arg(p)
    add_rules_args(p)
    add_format_arg(p, choices=("text", "json"))
    p.set_defaults(run="check")
