"""``pei-rules audit PLAN`` / ``pei-rules audit RESULT.json``."""
from __future__ import annotations

import json
import textwrap

from tabulate import tabulate

from ..audit import MATCH, MISMATCH, NOT_RECOMPUTABLE, audit_periods, audit_years_document, exit_code, verify_document, verify_result
from ..evaluate import evaluate
from ..i18n import msg
from ..plan import load_plan
from ._common import add_format_arg, add_period_args, add_rules_args, add_year_arg, default_year, emit, load_rules, overrides_for

WORDS = {
    "es": {
        "title": "Auditoría de las cifras publicadas",
        "match": "Coinciden",
        "mismatch": "No coinciden",
        "not_recomputable": "No se pueden recalcular",
        "figure": "Cifra",
        "published": "Publicado",
        "recomputed": "Recalculado",
        "difference": "Diferencia",
        "cause": "Causa probable",
        "source": "Fuente en el informe",
        "plan_line": "Línea del plan",
        "reason": "Motivo",
        "summary": "Resumen",
        "receipt": "Recibo",
        "verify": "Verificación del resultado guardado",
        "item": "Elemento",
        "stored": "Guardado",
        "now": "Ahora",
        "note": "Nota",
        "or": "o bien",
    },
    "en": {
        "title": "Audit of the published figures",
        "match": "Match",
        "mismatch": "Mismatch",
        "not_recomputable": "Cannot be recomputed",
        "figure": "Figure",
        "published": "Published",
        "recomputed": "Recomputed",
        "difference": "Difference",
        "cause": "Likely cause",
        "source": "Source in the report",
        "plan_line": "Plan line",
        "reason": "Reason",
        "summary": "Summary",
        "receipt": "Receipt",
        "verify": "Verification of the stored result",
        "item": "Item",
        "stored": "Stored",
        "now": "Now",
        "note": "Note",
        "or": "or",
    },
}


def _causes(e, W) -> str:
    """The most likely cause first; the other candidates the search found after it."""
    if not e.causes:
        return e.reason or ""
    return "\n".join([e.causes[0]] + [f"{W['or']}: {c}" for c in e.causes[1:]])


def register(sub) -> None:
    p = sub.add_parser(
        "audit",
        help="compare published figures with recomputed ones, or verify a stored result",
        description=(
            "audit PLAN: compare every [[publicado]] entry of the plan with the recomputed figure (match, mismatch "
            "with likely cause, not recomputable). audit RESULT.json: re-evaluate an 'evaluate --format json' "
            "output from its receipt and verify that the hashes and every figure reproduce. "
            "Exit 0 all match, 1 any mismatch or unrecomputable figure, 2 broken input."
        ),
    )
    p.add_argument("path", metavar="PLAN|RESULT.json", help="plan TOML file, or a stored evaluation (JSON)")
    add_year_arg(p)
    add_period_args(p)
    add_rules_args(p)
    p.add_argument("--plan", metavar="PATH", help="audit RESULT.json: the plan, when it is no longer where the receipt says")
    add_format_arg(p, choices=("text", "json"))
    p.set_defaults(func=run)


def table(rows: list[list[str]], headers: list[str], widths: list[int], tablefmt: str = "grid") -> str:
    """A text table whose cells are wrapped here, as text: tabulate only lays them out and never
    parses a number back out of a cell ("4,930,000" stays as printed)."""

    def wrap(cell: str, width: int) -> str:
        return "\n".join(textwrap.fill(line, width, break_long_words=True, break_on_hyphens=False) or "" for line in str(cell).split("\n"))

    body = [[wrap(c, w) for c, w in zip(row, widths)] for row in rows]
    return tabulate(body, headers=headers, tablefmt=tablefmt, disable_numparse=True)


def _receipt_line(rc: dict, word: str) -> str:
    return (
        f"{word}: pei-rules {rc['pei_rules_version']}, {rc['rule_set']['id']} {rc['rule_set']['content_hash']}, "
        f"plan {rc['plan']['path']} {rc['plan']['sha256']}, {rc['year']}, {rc['created']}"
    )


def run(args) -> int:
    W = WORDS[args.lang]
    if args.path.lower().endswith(".json"):
        ev, checks = verify_result(args.path, plan_path=getattr(args, "plan", None), rules_path=getattr(args, "rules", None))
        doc = verify_document(ev, checks, args.path)
        if args.format == "json":
            emit(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", args.out)
        else:
            bad = [c for c in checks if c.status != MATCH]
            parts = [f"{W['verify']}: {args.path}", f"{W['summary']}: {doc['summary'][MATCH]} {W['match'].lower()}, {doc['summary'][MISMATCH]} {W['mismatch'].lower()}"]
            if bad:
                parts.append(table([[c.item, c.stored or "", c.now or "", c.note or ""] for c in bad], [W["item"], W["stored"], W["now"], W["note"]], [40, 20, 20, 60], "simple"))
            parts.append(_receipt_line(doc["receipt"], W["receipt"]))
            emit("\n\n".join(parts) + "\n", args.out)
        return 0 if all(c.status == MATCH for c in checks) else 1
    plan = load_plan(args.path)
    overrides = overrides_for(args.path, args)
    rules_cache: dict = {}

    def evaluate_for(year: int, period: str):
        if year not in rules_cache:
            rules_cache[year] = load_rules(args.rules, year, overrides)
        rules, why = rules_cache[year]
        if period == "anual":
            return evaluate(plan, rules, year, why_rules=why)
        return evaluate(plan, rules, year, why_rules=why, period="semestral", semester=int(period[1:]))

    only = None
    if args.year:
        only = (args.year, f"S{args.semester}" if getattr(args, "period", "anual") == "semestral" and args.semester else "anual")
    groups = audit_periods(plan, evaluate_for, args.year or default_year(plan), only=only)
    doc = audit_years_document(groups)
    entries = [e for g in groups for e in g.entries]
    if args.format == "json":
        emit(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", args.out)
        return exit_code(entries)
    parts = []
    for g in groups:
        parts += _year_text(g, W, len(groups) > 1)
    if len(groups) > 1:
        s = doc["summary"]
        parts.append(msg("reports_audit_all_years", years=", ".join(f"{g.year}" + ("" if g.period == "anual" else f"-{g.period}") for g in groups)) + f": {s[MATCH]} {W['match'].lower()}, {s[MISMATCH]} {W['mismatch'].lower()}, {s[NOT_RECOMPUTABLE]} {W['not_recomputable'].lower()}")
    emit("\n\n".join(parts) + "\n", args.out)
    return exit_code(entries)


def _year_text(g, W: dict, several: bool) -> list[str]:
    ev, entries = g.ev, g.entries
    counts = {st: sum(1 for e in entries if e.status == st) for st in (MATCH, MISMATCH, NOT_RECOMPUTABLE)}
    when = f"{g.year}" + ("" if g.period == "anual" else f" {g.period}")
    parts = [
        f"{W['title']} — {ev.plan.model.entidad.nombre}, {when}",
        f"{W['summary']}: {counts[MATCH]} {W['match'].lower()}, {counts[MISMATCH]} {W['mismatch'].lower()}, {counts[NOT_RECOMPUTABLE]} {W['not_recomputable'].lower()}",
    ]
    mism = [e for e in entries if e.status == MISMATCH]
    if mism:
        rows = [[e.resolved or e.figure, e.published, e.recomputed or "", e.difference or "", _causes(e, W), e.convention or "", e.source, f"{e.ref.file}:{e.ref.line}"] for e in mism]
        headers = [W["figure"], W["published"], W["recomputed"], W["difference"], W["cause"], msg("reports_audit_convention_header"), W["source"], W["plan_line"]]
        parts.append(f"{W['mismatch']} ({len(mism)})\n" + table(rows, headers, [28, 12, 12, 10, 48, 24, 36, 14]))
    nr = [e for e in entries if e.status == NOT_RECOMPUTABLE]
    if nr:
        rows = [[e.resolved or e.figure, e.published, e.reason or "", e.source, f"{e.ref.file}:{e.ref.line}"] for e in nr]
        parts.append(f"{W['not_recomputable']} ({len(nr)})\n" + table(rows, [W["figure"], W["published"], W["reason"], W["source"], W["plan_line"]], [28, 10, 50, 40, 14]))
    ok = [e for e in entries if e.status == MATCH]
    if ok:
        rows = [[e.resolved or e.figure, e.published, e.recomputed or "", e.convention or "", e.source] for e in ok]
        parts.append(f"{W['match']} ({len(ok)})\n" + table(rows, [W["figure"], W["published"], W["recomputed"], msg("reports_audit_convention_header"), W["source"]], [36, 12, 12, 40, 60], "simple"))
    parts.append(_receipt_line(ev.receipt(), W["receipt"]))
    return parts
