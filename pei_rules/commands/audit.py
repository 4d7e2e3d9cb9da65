"""``pei-rules audit PLAN`` / ``pei-rules audit RESULT.json``."""
from __future__ import annotations

import json

from tabulate import tabulate

from .. import api
from ..audit import MATCH, MISMATCH, NOT_RECOMPUTABLE
from ..i18n import msg, t
from ._common import add_format_arg, add_plan_arg, add_period_args, add_rules_args, add_year_arg, emit

def _causes(e, lang: str) -> str:
    """The most likely cause first; the other candidates the search found after it."""
    if not e.causes:
        return e.reason or ""
    return "\n".join([e.causes[0]] + [f"{t(lang, 'aud_or')}: {c}" for c in e.causes[1:]])


def register(sub) -> None:
    p = sub.add_parser("audit", help=msg("cli_audit_help"), description=msg("cli_audit_description"))
    add_plan_arg(p, "cli_audit_path", "cli_mv_plan_or_result", dest="path")
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
    res = api.audit(args.path, args.year, args.rules, period=args.period, semester=args.semester, overrides=not args.no_overrides)
    if isinstance(res, api.VerifyResult):
        checks = res.checks
        doc = res.document()
        if args.format == "json":
            emit(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", args.out)
        else:
            bad = [c for c in checks if c.status != MATCH]
            parts = [f"{t(args.lang, 'aud_verify')}: {args.path}", f"{t(args.lang, 'aud_summary')}: {doc['summary'][MATCH]} {t(args.lang, 'aud_match').lower()}, {doc['summary'][MISMATCH]} {t(args.lang, 'aud_mismatch').lower()}"]
            if bad:
                parts.append(tabulate([[c.item, c.stored or "", c.now or "", c.note or ""] for c in bad], headers=[t(args.lang, "aud_item"), t(args.lang, "aud_stored"), t(args.lang, "aud_now"), t(args.lang, "aud_note")], disable_numparse=True))
            parts.append(_receipt_line(doc["receipt"], t(args.lang, "aud_receipt")))
            emit("\n\n".join(parts) + "\n", args.out)
        return res.exit_code
    ev, entries = res.evaluation, res.entries
    doc = res.document()
    if args.format == "json":
        emit(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", args.out)
        return res.exit_code
    s = doc["summary"]
    parts = [
        f"{t(args.lang, 'aud_title')} — {ev.plan.model.entidad.nombre}, {ev.year}",
        f"{t(args.lang, 'aud_summary')}: {s[MATCH]} {t(args.lang, 'aud_match').lower()}, {s[MISMATCH]} {t(args.lang, 'aud_mismatch').lower()}, {s[NOT_RECOMPUTABLE]} {t(args.lang, 'aud_not_recomputable').lower()}",
    ]
    mism = [e for e in entries if e.status == MISMATCH]
    if mism:
        rows = []
        for e in mism:
            rows.append([e.resolved, e.published, e.recomputed or "", e.difference or "", _causes(e, args.lang), e.source, f"{e.ref.file}:{e.ref.line}"])
        parts.append(f"{t(args.lang, 'aud_mismatch')} ({len(mism)})\n" + tabulate(rows, headers=[t(args.lang, "aud_figure"), t(args.lang, "aud_published"), t(args.lang, "aud_recomputed"), t(args.lang, "aud_difference"), t(args.lang, "aud_cause"), t(args.lang, "aud_source"), t(args.lang, "aud_plan_line")], tablefmt="grid", disable_numparse=True, maxcolwidths=[28, 12, 12, 10, 48, 40, 14]))
    nr = [e for e in entries if e.status == NOT_RECOMPUTABLE]
    if nr:
        rows = [[e.resolved, e.published, e.reason or "", e.source, f"{e.ref.file}:{e.ref.line}"] for e in nr]
        parts.append(f"{t(args.lang, 'aud_not_recomputable')} ({len(nr)})\n" + tabulate(rows, headers=[t(args.lang, "aud_figure"), t(args.lang, "aud_published"), t(args.lang, "aud_reason"), t(args.lang, "aud_source"), t(args.lang, "aud_plan_line")], tablefmt="grid", disable_numparse=True, maxcolwidths=[28, 10, 50, 40, 14]))
    ok = [e for e in entries if e.status == MATCH]
    if ok:
        rows = [[e.resolved, e.published, e.recomputed or "", e.source] for e in ok]
        parts.append(f"{t(args.lang, 'aud_match')} ({len(ok)})\n" + tabulate(rows, headers=[t(args.lang, "aud_figure"), t(args.lang, "aud_published"), t(args.lang, "aud_recomputed"), t(args.lang, "aud_source")], tablefmt="simple", disable_numparse=True, maxcolwidths=[36, 10, 10, 80]))
    parts.append(_receipt_line(doc["receipt"], t(args.lang, "aud_receipt")))
    emit("\n\n".join(parts) + "\n", args.out)
    return res.exit_code
