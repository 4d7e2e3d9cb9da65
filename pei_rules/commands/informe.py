"""``pei-rules informe PLAN --out FILE.docx``: the Informe de evaluación in CEPLAN's structure."""
from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..files import write_atomic
from ..i18n import msg, set_lang
from ..outputs.docx import render_docx
from ..outputs.informe import build_informe
from ..outputs.pdf import docx_to_pdf
from ._common import evaluate_args


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
