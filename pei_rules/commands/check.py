"""``pei-rules check PLAN``: consistency findings on a plan's data."""
from __future__ import annotations

import json

from .. import __version__
from ..check import ERROR, WARNING, check, exit_code
from ..plan import load_plan
from ._common import add_format_arg, add_rules_args, add_year_arg, default_year, emit, load_rules, overrides_for

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
    plan = load_plan(args.plan, strict=False)
    year = args.year if args.year else default_year(plan)
    rules, why = load_rules(args.rules, year, overrides_for(args.plan, args))
    findings = check(plan, rules, year)
    n_err = sum(1 for f in findings if f.severity == ERROR)
    n_warn = sum(1 for f in findings if f.severity == WARNING)
    if args.format == "json":
        doc = {
            "format": "pei-rules/check",
            "format_version": 1,
            "pei_rules_version": __version__,
            "plan": plan.receipt(),
            "rule_set": rules.receipt(),
            "year": year,
            "summary": {"errors": n_err, "warnings": n_warn},
            "findings": [f.to_dict() for f in findings],
        }
        emit(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", args.out)
    else:
        W = WORDS[args.lang]
        lines = [
            f"{W['title']}: {plan.path} ({W['year']} {year}; {W['rules']} {rules.id} {rules.content_hash[:16]})",
            f"{n_err} {W['errors']}, {n_warn} {W['warnings']}",
            "",
        ]
        lines += [str(f) for f in findings] or [W["none"]]
        emit("\n".join(lines) + "\n", args.out)
    return exit_code(findings)
