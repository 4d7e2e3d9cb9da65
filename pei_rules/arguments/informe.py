"""The arguments of ``pei-rules informe`` (run by :mod:`pei_rules.commands.informe`)."""
from __future__ import annotations

from ..i18n import msg
from ._common import add_lang_arg, add_plan_arg, add_rules_args, add_year_arg


def register(sub) -> None:
    p = sub.add_parser("informe", help=msg("cli_informe_help"), description=msg("cli_informe_description"))
    add_plan_arg(p)
    add_year_arg(p)
    add_rules_args(p)
    p.add_argument("--format", choices=("docx", "pdf"), help=msg("cli_informe_format"))
    add_lang_arg(p)
    p.add_argument("--out", required=True, metavar="FILE.docx", help=msg("cli_informe_out"))
    p.set_defaults(run="informe")
