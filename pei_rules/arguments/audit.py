"""The arguments of ``pei-rules audit`` (run by :mod:`pei_rules.commands.audit`)."""
from __future__ import annotations

from ..i18n import msg
from ._common import add_format_arg, add_period_args, add_plan_arg, add_rules_args, add_year_arg


def register(sub) -> None:
    p = sub.add_parser("audit", help=msg("cli_audit_help"), description=msg("cli_audit_description"))
    add_plan_arg(p, "cli_audit_path", "cli_mv_plan_or_result", dest="path")
    add_year_arg(p)
    add_period_args(p)
    add_rules_args(p)
    p.add_argument("--plan", metavar=msg("cli_mv_plan"), help=msg("cli_audit_plan"))
    add_format_arg(p, choices=("text", "json"))
    p.set_defaults(run="audit")
