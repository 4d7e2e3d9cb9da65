"""``pei-rules diff PLAN|DIR --rules A --rules B``: what changes between two rule sets.

For one plan: every figure whose printed value, status or band changes (old, new,
difference, band change) and the rule differences that cause it. For a folder of plans:
per plan, how many figures change and how many change band, and how many entities
(institutions) see any band change. Exit 0 when nothing changes, 1 when something does.
"""
from __future__ import annotations

import json

from tabulate import tabulate

from .. import api
from ..errors import UsageError
from ..i18n import msg
from ._common import add_rules_args, add_year_arg, emit

WORDS = {
    "es": {
        "title": "Comparación de conjuntos de reglas: {a} -> {b}",
        "plan": "Plan: {plan} — {entity}, {period} {year}",
        "rules": "Diferencias de reglas ({n})",
        "figures": "Cifras que cambian ({n})",
        "none": "Ninguna cifra cambia.",
        "key": "Clave",
        "figure": "Cifra",
        "diff": "Diferencia",
        "band": "Semáforo",
        "cause": "Causa",
        "summary": "{n} de {m} entidades cambian de semáforo en alguna cifra",
        "entity": "Entidad",
        "changed": "Cifras que cambian",
        "band_changes": "Cambios de semáforo",
        "year": "Año",
        "no_rule": "(sin diferencia de reglas: revise las reglas propias de la entidad)",
        "absent": "no existe",
    },
    "en": {
        "title": "Rule set comparison: {a} -> {b}",
        "plan": "Plan: {plan} — {entity}, {period} {year}",
        "rules": "Rule differences ({n})",
        "figures": "Figures that change ({n})",
        "none": "No figure changes.",
        "key": "Key",
        "figure": "Figure",
        "diff": "Difference",
        "band": "Traffic light",
        "cause": "Cause",
        "summary": "{n} of {m} entities change traffic light in some figure",
        "entity": "Entity",
        "changed": "Figures that change",
        "band_changes": "Traffic-light changes",
        "year": "Year",
        "no_rule": "(no rule difference: check the entity's own rules)",
        "absent": "absent",
    },
}


def register(sub) -> None:
    p = sub.add_parser(
        "diff",
        help="compare a plan's figures under two rule sets",
        description="Evaluate a plan (or every plan in a folder) under two rule sets and list every figure that changes, "
        "with the rule difference that causes it. Exit 0: nothing changes; 1: something changes; 2: bad input.",
    )
    p.add_argument("plan", metavar="PLAN", help="plan TOML file, or a folder of plans")
    add_year_arg(p)
    add_rules_args(p, multiple=True)
    p.add_argument("--period", choices=("anual", "semestral"), default="anual", help="evaluation period (default anual)")
    p.add_argument("--semester", type=int, choices=(1, 2), help="semester for --period semestral")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument("--lang", choices=("es", "en"), default="es", help="report language (default es)")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    p.set_defaults(func=run)


def _v(x, w) -> str:
    return w["absent"] if x is None else str(x)


def _band(label, name, status, w) -> str:
    if status is None:
        return w["absent"]
    return label or name or ""


def _period_word(period: str, semester: int | None) -> str:
    return f"{period} S{semester}" if period == "semestral" else period


def run(args) -> int:
    specs = args.rules or []
    if len(specs) != 2:
        raise UsageError(msg("api_diff_two_rule_sets"), suggestion=msg("api_diff_two_rule_sets_hint"))
    a, b = specs
    w = WORDS[args.lang]
    res = api.diff(args.plan, a, b, args.year, period=args.period, semester=args.semester, overrides=not args.no_overrides)
    if args.format == "json":
        emit(json.dumps(res.document(), ensure_ascii=False, indent=2) + "\n", args.out)
        return res.exit_code
    if isinstance(res, api.DiffFolderResult):
        emit(_folder_text(res, w), args.out)
        return res.exit_code
    ea, eb, rule_changes, figs = res.a, res.b, res.rule_changes, res.figures
    lines = [
        w["title"].format(a=ea.rules.id, b=eb.rules.id),
        w["plan"].format(plan=res.path, entity=res.plan.model.entidad.nombre, period=_period_word(res.period, res.semester), year=res.year),
        "",
        w["rules"].format(n=len(rule_changes)),
    ]
    if rule_changes:
        rows = [[c.key, _v(c.old, w), str(c.old_ref or ""), _v(c.new, w), str(c.new_ref or "")] for c in rule_changes]
        lines.append(tabulate(rows, headers=[w["key"], ea.rules.id, "", eb.rules.id, ""], disable_numparse=True))
    lines += ["", w["figures"].format(n=len(figs))]
    if figs:
        rows = []
        for f in figs:
            d = f.difference
            band = ""
            if f.band_changed:
                band = f"{_band(f.old_band_label, f.old_band, f.old_status, w)} -> {_band(f.new_band_label, f.new_band, f.new_status, w)}"
            elif f.new_band_label:
                band = f.new_band_label
            cause = ", ".join(c.key for c in f.causes) or w["no_rule"]
            rows.append([f.id, _v(f.old, w), _v(f.new, w), "" if d is None or d == 0 else f"{d:+}", band, cause])
        lines.append(tabulate(rows, headers=[w["figure"], ea.rules.id, eb.rules.id, w["diff"], w["band"], w["cause"]], disable_numparse=True))
    else:
        lines.append(w["none"])
    emit("\n".join(lines) + "\n", args.out)
    return res.exit_code


def _folder_text(res, w: dict) -> str:
    a, b = res.rules
    lines = [w["title"].format(a=a, b=b), "", w["rules"].format(n=len(res.rule_changes))]
    lines += [f"  {c.key}: {_v(c.old, w)} -> {_v(c.new, w)}" for c in res.rule_changes]
    lines.append("")
    rows = [[r["plan"], r["entity"], r["year"], r["figures_changed"], r["band_changes"]] for r in res.plans]
    lines.append(tabulate(rows, headers=["Plan", w["entity"], w["year"], w["changed"], w["band_changes"]], disable_numparse=True))
    for bk in res.broken:
        lines.append(f"! {bk['error']}")
    lines += ["", w["summary"].format(n=res.entities_changing_band, m=len(res.plans))]
    return "\n".join(lines) + "\n"
