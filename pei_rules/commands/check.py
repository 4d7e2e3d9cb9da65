"""``pei-rules check PLAN``: consistency findings on a plan's data."""
from __future__ import annotations

import json

from .. import api
from ._common import add_format_arg, add_rules_args, add_year_arg, emit

WORDS = {
    "es": {"title": "Verificación de consistencia", "errors": "errores", "warnings": "avisos", "none": "Sin hallazgos.", "rules": "Conjunto de reglas", "year": "año"},
    "en": {"title": "Consistency check", "errors": "errors", "warnings": "warnings", "none": "No findings.", "rules": "Rule set", "year": "year"},
}


def register(sub) -> None:
    p = sub.add_parser(
        "check",
        help="consistency findings on a plan's data",
        description=(
            "Check a plan's data: duplicate or dangling codes, AEI without parent OEI, indicators without a target "
            "for the year, declared sentido against the trend of the targets, values outside the admissible range of "
            "their unit, N/D where a value is needed, missing relevance. Exit 0 no errors, 1 errors found, 2 broken input."
        ),
    )
    p.add_argument("plan", metavar="PLAN", help="plan TOML file")
    add_year_arg(p)
    add_rules_args(p)
    add_format_arg(p, choices=("text", "json"))
    p.set_defaults(func=run)


def run(args) -> int:
    res = api.check(args.plan, args.year, args.rules, overrides=not args.no_overrides)
    if args.format == "json":
        emit(json.dumps(res.document(), ensure_ascii=False, indent=2) + "\n", args.out)
    else:
        W = WORDS[args.lang]
        rules = res.rules
        lines = [
            f"{W['title']}: {res.plan.path} ({W['year']} {res.year}; {W['rules']} {rules.id} {rules.content_hash[:16]})",
            f"{res.errors} {W['errors']}, {res.warnings} {W['warnings']}",
            "",
        ]
        lines += [str(f) for f in res.findings] or [W["none"]]
        emit("\n".join(lines) + "\n", args.out)
    return res.exit_code
