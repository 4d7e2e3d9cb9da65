"""The arguments of ``pei-rules evaluate`` (run by :mod:`pei_rules.commands.evaluate`)."""
from __future__ import annotations

from ..i18n import msg
from ._common import TEXT_FORMATS, add_format_arg, add_period_args, add_plan_arg, add_rules_args, add_year_arg

#: ``--format``: the text renderings and a workbook
FORMATS = TEXT_FORMATS + ("xlsx",)


def register(sub) -> None:
    p = sub.add_parser("evaluate", help=msg("cli_evaluate_help"), description=msg("cli_evaluate_description"))
    add_plan_arg(p)
    add_year_arg(p)
    add_period_args(p)
    add_rules_args(p)
    add_format_arg(p, choices=FORMATS)
    p.set_defaults(run="evaluate")
