"""``pei-rules informe PLAN --out FILE.docx``: the Informe de evaluación in CEPLAN's structure."""
from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..files import write_atomic
from ..i18n import msg, set_lang
from ..outputs.docx import render_docx
from ..outputs.informe import build_informe
from ..outputs.pdf import docx_to_pdf
from ._common import add_lang_arg, add_plan_arg, add_rules_args, add_year_arg, evaluate_args


def register(sub) -> None:
    p = sub.add_parser("informe", help=msg("cli_informe_help"), description=msg("cli_informe_description"))
    add_plan_arg(p)
    add_year_arg(p)
    add_rules_args(p)
    p.add_argument("--format", choices=("docx", "pdf"), help=msg("cli_informe_format"))
    add_lang_arg(p)
    p.add_argument("--out", required=True, metavar="FILE.docx", help=msg("cli_informe_out"))
    p.set_defaults(func=run)


def run(args) -> int:
    set_lang(args.lang)
    fmt = args.format or ("pdf" if Path(args.out).suffix.lower() == ".pdf" else "docx")
    out = Path(args.out)
    if out.parent and not out.parent.is_dir():
        raise UsageError(msg("files_out_folder_missing", folder=str(out.parent)))
    ev = evaluate_args(args.plan, args)
    data = render_docx(build_informe(ev, args.lang))
    if fmt == "pdf":
        data = docx_to_pdf(data)
    write_atomic(out, data)
    return 0
