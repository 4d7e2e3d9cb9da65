"""``pei-rules informe PLAN --out FILE.docx``: the Informe de evaluación in CEPLAN's structure."""
from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..files import write_atomic
from ..i18n import msg, set_lang
from ..outputs.docx import render_docx
from ..outputs.informe import build_informe
from ..outputs.pdf import docx_to_pdf
from ._common import add_rules_args, add_year_arg, evaluate_path


def register(sub) -> None:
    p = sub.add_parser(
        "informe",
        help="write the Informe de evaluación (DOCX, or PDF through LibreOffice)",
        description=(
            "Write the Informe de evaluación de resultados del PEI in CEPLAN's structure: resumen ejecutivo, "
            "1 prioridades, 2 análisis de los OEI, 3 implementación de las AEI (3.1 avance, 3.2 AEI críticas), "
            "4 conclusiones y recomendaciones, anexos (B-7, semaforización, AO, inconsistencias del informe publicado, "
            "recibo). Tables and data-driven sentences come from the evaluation and the rule set's [informe]; the "
            "narrative from the plan's [[narrativa]] (a visible placeholder where none is given). "
            "--out FILE.docx, or FILE.pdf (converted with LibreOffice headless, which must be installed). "
            "Exit 0: written; 2: bad input or usage."
        ),
    )
    p.add_argument("plan", metavar="PLAN", help="plan TOML file")
    add_year_arg(p)
    add_rules_args(p)
    p.add_argument("--format", choices=("docx", "pdf"), help="output format (default: from the --out file name, else docx)")
    p.add_argument("--lang", choices=("es", "en"), default="es", help="document language (default es)")
    p.add_argument("--out", required=True, metavar="FILE.docx", help="output file (written atomically)")
    p.set_defaults(func=run)


def run(args) -> int:
    set_lang(args.lang)
    fmt = args.format or ("pdf" if Path(args.out).suffix.lower() == ".pdf" else "docx")
    out = Path(args.out)
    if out.parent and not out.parent.is_dir():
        raise UsageError(msg("files_out_folder_missing", folder=str(out.parent)))
    ev = evaluate_path(args.plan, args)
    data = render_docx(build_informe(ev, args.lang))
    if fmt == "pdf":
        data = docx_to_pdf(data)
    write_atomic(out, data)
    return 0
