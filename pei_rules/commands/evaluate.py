"""``pei-rules evaluate PLAN``: the evaluation as the report's tables (or an XLSX workbook)."""
from __future__ import annotations

from ..errors import UsageError
from ..files import write_atomic
from ..i18n import msg, set_lang
from ..render import render_csv, render_json
from ._common import emit, evaluate_args

#: the machine formats, written without the report's tables (and their table layout library)
#: and from an untraced evaluation (they print no figure's inputs: the same figures, faster)
MACHINE = {"json": lambda ev, lang: render_json(ev), "csv": lambda ev, lang: render_csv(ev)}


def run(args) -> int:
    set_lang(args.lang)
    if args.format == "xlsx" and not args.out:
        raise UsageError(msg("doc_err_needs_out", fmt="xlsx"))
    ev = evaluate_args(args.plan, args, trace=args.format not in MACHINE)
    if args.format == "xlsx":
        from ..outputs.xlsx import workbook_bytes  # openpyxl (and numpy) only for a workbook: start-up

        write_atomic(args.out, workbook_bytes(ev, args.lang))
        return 0
    if args.format in MACHINE:
        emit(MACHINE[args.format](ev, args.lang), args.out)
        return 0
    from ..report_text import RENDERERS  # the report's tables (tabulate) only for text and markdown: start-up

    emit(RENDERERS[args.format](ev, args.lang), args.out)
    return 0
