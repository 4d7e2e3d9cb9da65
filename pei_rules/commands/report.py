"""``pei-rules report``: a self-contained HTML (or PDF) report of one plan, or of a batch of
entities (also as an XLSX workbook)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError
from ..files import write_atomic
from ..html_report import evaluate_plans, is_batch_folder, load_batch_folder, render_batch_html, render_html
from ..i18n import msg
from ..outputs.pdf import html_to_pdf
from ..sanitize import terminal_text
from ._common import evaluate_args


def _format(args) -> str:
    return args.format or {".pdf": "pdf", ".xlsx": "xlsx"}.get(Path(args.out).suffix.lower(), "html")


def _write(args, html: str) -> None:
    if _format(args) == "pdf":
        out = Path(args.out)
        if out.parent and not out.parent.is_dir():
            raise UsageError(msg("files_out_folder_missing", folder=str(out.parent)))
        write_atomic(out, html_to_pdf(html))
    else:
        write_atomic(args.out, html)


def run(args) -> int:
    if args.plan and args.batch:
        raise UsageError(msg("cli_report_plan_or_batch"))
    if not args.plan and not args.batch:
        raise UsageError(msg("cli_report_nothing"))
    if _format(args) == "xlsx" and not args.batch:
        raise UsageError(msg("doc_err_xlsx_batch"))
    if args.plan:
        ev = evaluate_args(args.plan, args)
        _write(args, render_html(ev, args.lang))
        return 0
    folders = [Path(b) for b in args.batch]
    if len(folders) == 1 and is_batch_folder(folders[0]):
        data = load_batch_folder(folders[0])
    else:
        data = evaluate_plans(args.batch, args.year, args.rules, overrides=not args.no_overrides)
    if _format(args) == "xlsx":
        from ..outputs.xlsx import batch_workbook_bytes  # openpyxl only for a workbook: start-up

        write_atomic(args.out, batch_workbook_bytes(data, args.lang))
    else:
        _write(args, render_batch_html(data, args.lang))
    for w in data.warnings:  # an incomplete or altered batch folder: the page says it, and so does the exit
        sys.stderr.write(terminal_text(f"pei-rules: {msg('rep_manifest_missing', problems=w)}\n"))
    return 1 if data.warnings or any(e.status != "ok" for e in data.entities) else 0
