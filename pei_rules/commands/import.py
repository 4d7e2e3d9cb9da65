"""``pei-rules import FILE... --out PLAN.toml``: Aplicativo CEPLAN spreadsheets (XLSX, CSV) to a plan."""
from __future__ import annotations

import sys

from ..i18n import msg, set_lang
from ..importer import Options, import_plan


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
    p.set_defaults(func=run)


def run(args) -> int:
    if args.lang:
        set_lang(args.lang)
    opts = Options(entidad_codigo=args.entidad_codigo, entidad=args.entidad, sentido=args.sentido, agregacion=args.agregacion, poi_year=args.poi_anio)
    result = import_plan([*args.files, *args.ao], args.out, opts)
    for w in result.warnings:
        sys.stderr.write(msg("imp_cli_warning", warning=str(w)) + "\n")
    for file, sheet, kind in result.sheets:
        sys.stderr.write(msg("imp_cli_sheet", file=file, sheet=sheet if sheet is not None else "-", kind=msg(f"imp_kind_{kind}")) + "\n")
    sys.stderr.write(msg("imp_cli_wrote", out=args.out, warnings=len(result.warnings)) + "\n")
    return 0
