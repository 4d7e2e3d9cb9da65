"""``pei-rules batch DIR_OR_FILES... --year Y --out OUTDIR``: evaluate many plans at once."""
from __future__ import annotations

import sys

from ..batch import MANIFEST, Progress, expected_columns, run_batch, sort_rows, summary_table
from ..errors import UsageError, did_you_mean
from ..sanitize import terminal_text
from ._common import add_rules_args, load_rules


def register(sub) -> None:
    p = sub.add_parser(
        "batch",
        help="evaluate every plan in folders or files; consolidated CSV/JSON, per-entity results, manifest",
        description=(
            "Evaluate every plan (*.toml, recursively; reglas-propias.toml override files are skipped) for one year. "
            "A broken plan is reported with file, line and message and does not stop the others. "
            "Writes OUTDIR/resumen.csv, OUTDIR/resumen.json, OUTDIR/entidades/*.json and, last, OUTDIR/manifiesto.json "
            "with the sha256 of every output. Exit 0: all plans evaluated; 1: some plans failed; 2: usage or rule-set error."
        ),
    )
    p.add_argument("inputs", nargs="+", metavar="DIR_OR_FILE", help="plan files or folders to search for *.toml")
    p.add_argument("--year", type=int, required=True, metavar="YEAR", help="evaluation year")
    add_rules_args(p)
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes (default 1); results are identical to --jobs 1")
    p.add_argument("--out", required=True, metavar="OUTDIR", help="output folder (created if missing; previous batch outputs in it are replaced)")
    p.add_argument("--sort", metavar="COLUMN", help="sort the terminal table by any consolidated column (e.g. ejecucion_ponderada)")
    p.add_argument("--desc", action="store_true", help="sort descending")
    p.add_argument("--progress", action="store_true", help="show a progress bar on stderr even when it is not a terminal")
    p.add_argument("--quiet", action="store_true", help="do not print the summary table (failures are still reported on stderr)")
    p.add_argument("--no-check", action="store_true", help="do not run 'check' on each plan (the hallazgos_check column stays empty)")
    p.add_argument("--lang", choices=("es", "en"), default="es", help="report language (default es)")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    if args.sort:
        rules, _ = load_rules(args.rules, args.year)
        cols = expected_columns(rules)
        if args.sort not in cols:
            raise UsageError(f"--sort: unknown column '{args.sort}'", suggestion=did_you_mean(args.sort, cols) or f"columns: {', '.join(cols)}")
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
    word = {"es": "planes evaluados", "en": "plans evaluated"}[args.lang]
    bad = {"es": "con error", "en": "failed"}[args.lang]
    sys.stderr.write(f"{ok} {word}, {len(failed)} {bad}; {args.out}/{MANIFEST}\n")
    return 1 if failed else 0
