"""``pei-rules batch DIR_OR_FILES... --year Y --out OUTDIR``: evaluate many plans at once."""
from __future__ import annotations

import sys

from ..batch import MANIFEST, Progress, expected_columns, run_batch, sort_rows, summary_table
from .. import api
from ..errors import UsageError, did_you_mean
from ..i18n import msg
from ..sanitize import terminal_text


def run(args) -> int:
    if args.jobs < 1:
        raise UsageError(msg("cli_batch_jobs_min", n=args.jobs))
    if args.sort and (args.rules or args.year):  # else checked against the columns of the run
        rules, _ = api.choose_rules(args.rules, args.year or 0)
        _check_sort(args.sort, expected_columns(rules))
    show = args.progress or sys.stderr.isatty()
    result = run_batch(
        args.inputs,
        args.out,
        args.year,
        rules=args.rules,
        no_overrides=args.no_overrides,
        jobs=args.jobs,
        progress=Progress() if show else None,
        with_check=not args.no_check,
        keep_rows=not args.quiet,
    )
    rows = sort_rows(result.rows, args.sort, result.columns, descending=args.desc)
    if not args.quiet:
        sys.stdout.write(terminal_text(summary_table(rows, result.columns, args.lang) + "\n"))
    failed = result.failed
    for r in failed:
        sys.stderr.write(f"pei-rules: {r.get('_error_text') or r.get('error')}\n")
    ok = result.total - len(failed)
    sys.stderr.write(msg("cli_batch_done", ok=ok, failed=len(failed), manifest=f"{args.out}/{MANIFEST}") + "\n")
    return 1 if failed else 0


def _check_sort(column: str, columns: list[str]) -> None:
    if column not in columns:
        raise UsageError(msg("cli_batch_unknown_column", column=column), suggestion=did_you_mean(column, columns) or msg("cli_batch_columns", columns=", ".join(columns)))
