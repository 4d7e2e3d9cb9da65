"""``pei-rules diff PLAN|DIR --rules A --rules B``: what changes between two rule sets.

For one plan: every figure whose printed value, status or band changes (old, new,
difference, band change) and the rule differences that cause it. For a folder of plans:
per plan, how many figures change and how many change band, and how many entities
(institutions) see any band change. Exit 0 when nothing changes, 1 when something does.
"""
from __future__ import annotations

import json
from pathlib import Path

from tabulate import tabulate

from ..diffing import diff_evaluations, entity_band_changes, rule_differences
from ..errors import PlanError, UsageError
from ..evaluate import evaluate
from ..plan import load_plan
from ..ruleset import load_ruleset, resolve
from ._common import OVERRIDE_NAME, add_rules_args, add_year_arg, default_year, emit, overrides_for

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


def _eval_pair(plan_path: Path, args, spec_a: str, spec_b: str):
    plan = load_plan(plan_path)
    year = args.year or default_year(plan)
    ov = overrides_for(plan_path, args)
    ra = load_ruleset(resolve(spec_a), overrides=ov)
    rb = load_ruleset(resolve(spec_b), overrides=ov)
    kw = {}
    if args.period != "anual" or args.semester:
        kw = {"period": args.period, "semester": args.semester}
    ea = evaluate(plan, ra, year, why_rules=f"--rules {spec_a}", **kw)
    eb = evaluate(plan, rb, year, why_rules=f"--rules {spec_b}", **kw)
    return plan, year, ea, eb


def _period_word(args) -> str:
    return f"{args.period} S{args.semester}" if args.period == "semestral" else args.period


def run(args) -> int:
    specs = args.rules or []
    if len(specs) != 2:
        raise UsageError("diff needs exactly two rule sets: --rules A --rules B", suggestion="e.g. --rules ceplan-2023 --rules ceplan-2023-fijo-321")
    a, b = specs
    w = WORDS[args.lang]
    target = Path(args.plan)
    if target.is_dir():
        return _run_folder(target, args, a, b, w)
    if not target.exists():
        raise UsageError(f"no such plan file or folder: {target}")
    plan, year, ea, eb = _eval_pair(target, args, a, b)
    rule_changes, figs = diff_evaluations(ea, eb)
    if args.format == "json":
        obj = {
            "format": "pei-rules/diff",
            "format_version": 1,
            "plan": str(target),
            "year": year,
            "period": args.period,
            "semester": args.semester,
            "rules": [ea.rules.receipt(), eb.rules.receipt()],
            "rule_differences": [c.to_dict() for c in rule_changes],
            "figures": [f.to_dict() for f in figs],
        }
        emit(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", args.out)
        return 1 if figs else 0
    lines = [
        w["title"].format(a=ea.rules.id, b=eb.rules.id),
        w["plan"].format(plan=target, entity=plan.model.entidad.nombre, period=_period_word(args), year=year),
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
    return 1 if figs else 0


def _plan_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.toml") if p.is_file() and p.name != OVERRIDE_NAME)


def _run_folder(folder: Path, args, a: str, b: str, w: dict) -> int:
    files = _plan_files(folder)
    if not files:
        raise UsageError(f"no plan files (*.toml) in {folder}")
    rows = []
    results = []
    broken = []
    touched = 0
    rule_changes = rule_differences(load_ruleset(resolve(a)), load_ruleset(resolve(b)))
    for f in files:
        try:
            plan, year, ea, eb = _eval_pair(f, args, a, b)
        except PlanError as exc:
            broken.append({"plan": str(f), "error": str(exc)})
            continue
        _, figs = diff_evaluations(ea, eb)
        bands = entity_band_changes(figs)
        touched += bool(bands)
        results.append(
            {
                "plan": str(f),
                "entity": plan.model.entidad.nombre,
                "year": year,
                "figures_changed": len(figs),
                "band_changes": len(bands),
                "band_changed_figures": [x.id for x in bands],
            }
        )
        rows.append([str(f), plan.model.entidad.nombre, year, len(figs), len(bands)])
    n = len(results)
    if args.format == "json":
        obj = {
            "format": "pei-rules/diff-folder",
            "format_version": 1,
            "folder": str(folder),
            "rules": [a, b],
            "rule_differences": [c.to_dict() for c in rule_changes],
            "plans": results,
            "broken": broken,
            "entities": n,
            "entities_changing_band": touched,
        }
        emit(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", args.out)
    else:
        lines = [w["title"].format(a=a, b=b), "", w["rules"].format(n=len(rule_changes))]
        lines += [f"  {c.key}: {_v(c.old, w)} -> {_v(c.new, w)}" for c in rule_changes]
        lines.append("")
        lines.append(tabulate(rows, headers=["Plan", w["entity"], w["year"], w["changed"], w["band_changes"]], disable_numparse=True))
        for bk in broken:
            lines.append(f"! {bk['error']}")
        lines += ["", w["summary"].format(n=touched, m=n)]
        emit("\n".join(lines) + "\n", args.out)
    if broken:
        return 1
    return 1 if any(r["figures_changed"] for r in results) else 0
