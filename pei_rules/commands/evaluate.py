"""``pei-rules evaluate PLAN``: the evaluation as the report's tables (or an XLSX workbook)."""
from __future__ import annotations

from ..errors import UsageError
from ..files import write_atomic
from ..i18n import msg, set_lang
from ..render import RENDERERS
from ._common import add_format_arg, add_period_args, add_rules_args, add_year_arg, emit, evaluate_path

FORMATS = tuple(RENDERERS) + ("xlsx",)


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="evaluate a plan for a year", description="Evaluate a plan file for a year under a rule set and print the report's tables (--format xlsx: a workbook in the annex layouts, with --out).")
    p.add_argument("plan", metavar="PLAN", help="plan TOML file")
    add_year_arg(p)
    add_period_args(p)
    add_rules_args(p)
    add_format_arg(p, choices=FORMATS)
    p.set_defaults(func=run)


def run(args) -> int:
    set_lang(args.lang)
    if args.format == "xlsx" and not args.out:
        raise UsageError(msg("doc_err_needs_out", fmt="xlsx"))
    ev = evaluate_path(args.plan, args)
    if args.format == "xlsx":
        from ..outputs.xlsx import workbook_bytes  # openpyxl (and numpy) only for a workbook: start-up

        write_atomic(args.out, workbook_bytes(ev, args.lang))
        return 0
    emit(RENDERERS[args.format](ev, args.lang), args.out)
    return 0
