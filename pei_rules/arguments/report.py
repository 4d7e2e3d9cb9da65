"""The arguments of ``pei-rules report`` (run by :mod:`pei_rules.commands.report`)."""
from __future__ import annotations

from ..i18n import msg
from ._common import add_lang_arg, add_out_arg, add_rules_args, add_year_arg


def register(sub) -> None:
    p = sub.add_parser("report", help=msg("cli_report_help"), description=msg("cli_report_description"))
    p.add_argument("plan", nargs="?", metavar=msg("cli_mv_plan"), help=msg("cli_opt_plan"))
    p.add_argument("--batch", nargs="+", metavar=msg("cli_mv_batch"), help=msg("cli_report_batch"))
    add_year_arg(p)
    add_rules_args(p)
    add_out_arg(p, required=True, metavar_id="cli_mv_file", help_id="cli_report_out")
    p.add_argument("--format", choices=("html", "pdf", "xlsx"), help=msg("cli_report_format"))
    add_lang_arg(p)
    p.set_defaults(run="report")
