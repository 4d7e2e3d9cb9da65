"""``pei-rules report``: a self-contained HTML report of one plan, or of a batch of entities."""
from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..html_report import evaluate_plans, is_batch_folder, load_batch_folder, render_batch_html, render_html
from ..i18n import msg, set_lang
from ..outputs.pdf import html_to_pdf
from ..outputs.xlsx import batch_workbook_bytes
from ._common import add_rules_args, add_year_arg, evaluate_path, write_atomic


def register(sub) -> None:
    p = sub.add_parser(
        "report",
        help="write a self-contained HTML report (semáforo, charts) of a plan or of a batch",
        description=(
            "Write one self-contained HTML file (inline CSS and SVG charts, no network needed to open it). "
            "'report PLAN --year Y --out FILE.html': the evaluation of one plan. "
            "'report --batch OUTDIR --out FILE.html': one row per entity from a 'pei-rules batch' output folder; "
            "--batch also accepts plan files or folders of plans, which are then evaluated here (with --year). "
            "Exit 0: written; 1: batch report written but some plans failed; 2: bad input or usage."
        ),
    )
    p.add_argument("plan", nargs="?", metavar="PLAN", help="plan TOML file")
    p.add_argument("--batch", nargs="+", metavar="OUTDIR_OR_PLANS", help="a 'pei-rules batch' output folder, or plan files/folders")
    add_year_arg(p)
    add_rules_args(p)
    p.add_argument("--out", required=True, metavar="FILE.html", help="output file (written atomically): .html, or .pdf (printed by headless Chromium)")
    p.add_argument("--format", choices=("html", "pdf", "xlsx"), help="html (default); pdf: A4 pages with a running header and page numbers, printed by headless Chromium with the network disabled; xlsx (with --batch): the consolidated workbook, one row per entity (default: from the --out file name)")
    p.add_argument("--lang", choices=("es", "en"), default="es", help="report language (default es)")
    p.set_defaults(func=run)


def _format(args) -> str:
    return args.format or {".pdf": "pdf", ".xlsx": "xlsx"}.get(Path(args.out).suffix.lower(), "html")


def _write(args, html: str) -> None:
    fmt = _format(args)
    if fmt == "pdf":
        out = Path(args.out)
        if out.parent and not out.parent.is_dir():
            raise UsageError(msg("files_out_folder_missing", folder=str(out.parent)))
        write_atomic(out, html_to_pdf(html))
    else:
        write_atomic(args.out, html)


def run(args) -> int:
    set_lang(args.lang)
    if args.plan and args.batch:
        raise UsageError("give either PLAN or --batch, not both")
    if not args.plan and not args.batch:
        raise UsageError("give a PLAN file, or --batch OUTDIR (a 'pei-rules batch' output folder or plan files/folders)")
    if _format(args) == "xlsx" and not args.batch:
        raise UsageError(msg("doc_err_xlsx_batch"))
    if args.plan:
        ev = evaluate_path(args.plan, args)
        _write(args, render_html(ev, args.lang))
        return 0
    folders = [Path(b) for b in args.batch]
    if len(folders) == 1 and is_batch_folder(folders[0]):
        data = load_batch_folder(folders[0])
    else:
        data = evaluate_plans(args.batch, args)
    if _format(args) == "xlsx":
        write_atomic(args.out, batch_workbook_bytes(data, args.lang))
    else:
        _write(args, render_batch_html(data, args.lang))
    return 1 if any(e.status != "ok" for e in data.entities) else 0
