"""``pei-rules audit PLAN`` / ``pei-rules audit RESULT.json``."""
from __future__ import annotations

import json

from tabulate import tabulate

from .. import api
from ..audit import MATCH, MISMATCH, NOT_RECOMPUTABLE
from ._common import add_format_arg, add_period_args, add_rules_args, add_year_arg, emit

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
    add_format_arg(p, choices=("text", "json"))
    p.set_defaults(func=run)


def _receipt_line(rc: dict, word: str) -> str:
    return (
        f"{word}: pei-rules {rc['pei_rules_version']}, {rc['rule_set']['id']} {rc['rule_set']['content_hash']}, "
        f"plan {rc['plan']['path']} {rc['plan']['sha256']}, {rc['year']}, {rc['created']}"
    )


def run(args) -> int:
    W = WORDS[args.lang]
    res = api.audit(args.path, args.year, args.rules, period=args.period, semester=args.semester, overrides=not args.no_overrides)
    if isinstance(res, api.VerifyResult):
        checks = res.checks
        doc = res.document()
        if args.format == "json":
            emit(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", args.out)
        else:
            bad = [c for c in checks if c.status != MATCH]
            parts = [f"{W['verify']}: {args.path}", f"{W['summary']}: {doc['summary'][MATCH]} {W['match'].lower()}, {doc['summary'][MISMATCH]} {W['mismatch'].lower()}"]
            if bad:
                parts.append(tabulate([[c.item, c.stored or "", c.now or "", c.note or ""] for c in bad], headers=[W["item"], W["stored"], W["now"], W["note"]], disable_numparse=True))
            parts.append(_receipt_line(doc["receipt"], W["receipt"]))
            emit("\n\n".join(parts) + "\n", args.out)
        return res.exit_code
    ev, entries = res.evaluation, res.entries
    doc = res.document()
    if args.format == "json":
        emit(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", args.out)
        return res.exit_code
    s = doc["summary"]
    parts = [
        f"{W['title']} — {ev.plan.model.entidad.nombre}, {ev.year}",
        f"{W['summary']}: {s[MATCH]} {W['match'].lower()}, {s[MISMATCH]} {W['mismatch'].lower()}, {s[NOT_RECOMPUTABLE]} {W['not_recomputable'].lower()}",
    ]
    mism = [e for e in entries if e.status == MISMATCH]
    if mism:
        rows = []
        for e in mism:
            rows.append([e.resolved, e.published, e.recomputed or "", e.difference or "", _causes(e, W), e.source, f"{e.ref.file}:{e.ref.line}"])
        parts.append(f"{W['mismatch']} ({len(mism)})\n" + tabulate(rows, headers=[W["figure"], W["published"], W["recomputed"], W["difference"], W["cause"], W["source"], W["plan_line"]], tablefmt="grid", disable_numparse=True, maxcolwidths=[28, 12, 12, 10, 48, 40, 14]))
    nr = [e for e in entries if e.status == NOT_RECOMPUTABLE]
    if nr:
        rows = [[e.resolved, e.published, e.reason or "", e.source, f"{e.ref.file}:{e.ref.line}"] for e in nr]
        parts.append(f"{W['not_recomputable']} ({len(nr)})\n" + tabulate(rows, headers=[W["figure"], W["published"], W["reason"], W["source"], W["plan_line"]], tablefmt="grid", disable_numparse=True, maxcolwidths=[28, 10, 50, 40, 14]))
    ok = [e for e in entries if e.status == MATCH]
    if ok:
        rows = [[e.resolved, e.published, e.recomputed or "", e.source] for e in ok]
        parts.append(f"{W['match']} ({len(ok)})\n" + tabulate(rows, headers=[W["figure"], W["published"], W["recomputed"], W["source"]], tablefmt="simple", disable_numparse=True, maxcolwidths=[36, 10, 10, 80]))
    parts.append(_receipt_line(doc["receipt"], W["receipt"]))
    emit("\n\n".join(parts) + "\n", args.out)
    return res.exit_code
