"""``pei-rules report``: a self-contained HTML report of one plan, or of a batch of entities."""
from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..html_report import evaluate_plans, is_batch_folder, load_batch_folder, render_batch_html, render_html
from ..files import write_atomic
from ..i18n import msg
from ._common import add_lang_arg, add_out_arg, add_rules_args, add_year_arg, evaluate_args


def register(sub) -> None:
    p = sub.add_parser("report", help=msg("cli_report_help"), description=msg("cli_report_description"))
    p.add_argument("plan", nargs="?", metavar=msg("cli_mv_plan"), help=msg("cli_opt_plan"))
    p.add_argument("--batch", nargs="+", metavar=msg("cli_mv_batch"), help=msg("cli_report_batch"))
    add_year_arg(p)
    add_rules_args(p)
    add_out_arg(p, required=True, metavar_id="cli_mv_file", help_id="cli_report_out")
    add_lang_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.plan and args.batch:
        raise UsageError(msg("cli_report_plan_or_batch"))
    if not args.plan and not args.batch:
        raise UsageError(msg("cli_report_nothing"))
    if args.plan:
        ev = evaluate_args(args.plan, args)
        write_atomic(args.out, render_html(ev, args.lang))
        return 0
    folders = [Path(b) for b in args.batch]
    if len(folders) == 1 and is_batch_folder(folders[0]):
        data = load_batch_folder(folders[0])
    else:
        data = evaluate_plans(args.batch, args.year, args.rules, overrides=not args.no_overrides)
    write_atomic(args.out, render_batch_html(data, args.lang))
    return 1 if any(e.status != "ok" for e in data.entities) else 0
