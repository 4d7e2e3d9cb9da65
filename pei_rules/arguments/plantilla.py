"""The arguments of ``pei-rules plantilla`` (run by :mod:`pei_rules.commands.plantilla`)."""
from __future__ import annotations

from ..i18n import msg
from ._common import add_rules_args, add_year_arg


def register(sub) -> None:
    p = sub.add_parser("plantilla", help=msg("tpl_cli_help"), description=msg("tpl_cli_help"))
    p.add_argument("plan", metavar="PLAN.toml", help=msg("tpl_cli_plan"))
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help=msg("tpl_cli_out"))
    p.add_argument("--con-valores", action="store_true", help=msg("tpl_cli_values"))
    p.add_argument("--poi-anio", type=int, action="append", default=[], metavar="YEAR", help=msg("tpl_cli_poi_anio"))
    p.add_argument("--lang", choices=("es", "en"), default=None, help=msg("imp_cli_lang"))
    add_rules_args(p)
    add_year_arg(p)
    p.set_defaults(run="plantilla")
