"""``pei-rules import FILE... --out PLAN.toml``: Aplicativo CEPLAN spreadsheets (XLSX, CSV) to a plan."""
from __future__ import annotations

import sys

from ..i18n import msg, set_lang
from ..inputs.importing import Options, import_plan


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
