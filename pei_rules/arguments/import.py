"""The arguments of ``pei-rules import`` (run by :mod:`pei_rules.commands.import`)."""
from __future__ import annotations

from ..i18n import msg


def register(sub) -> None:
    p = sub.add_parser("import", help=msg("imp_cli_help"), description=msg("imp_cli_description"))
    p.add_argument("files", nargs="+", metavar="FILE", help=msg("imp_cli_files"))
    p.add_argument("--ao", action="append", default=[], metavar="FILE", help=msg("imp_cli_ao"))
    p.add_argument("--out", required=True, metavar="PLAN.toml", help=msg("imp_cli_out"))
    p.add_argument("--entidad-codigo", metavar="CODE", help=msg("imp_cli_entidad_codigo"))
    p.add_argument("--entidad", metavar="NAME", help=msg("imp_cli_entidad"))
    p.add_argument("--sentido", metavar="WORD", help=msg("imp_cli_sentido"))
    p.add_argument("--agregacion", metavar="WORD", help=msg("imp_cli_agregacion"))
    p.add_argument("--poi-anio", type=int, metavar="YEAR", help=msg("imp_cli_poi_anio"))
    p.add_argument("--lang", choices=("es", "en"), default=None, help=msg("imp_cli_lang"))
    p.set_defaults(run="import")
