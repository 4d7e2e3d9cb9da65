"""``pei-rules audit PLAN`` / ``pei-rules audit RESULT.json``."""
from __future__ import annotations

import json
import textwrap

from tabulate import tabulate

from .. import api
from ..audit import MATCH, MISMATCH, NOT_RECOMPUTABLE
from ..i18n import msg, t
from ._common import emit

_WORD_KEYS = ("title", "match", "mismatch", "not_recomputable", "figure", "published", "recomputed", "difference", "cause",
              "source", "plan_line", "reason", "summary", "receipt", "verify", "item", "stored", "now", "note", "or")


def _words(lang: str) -> dict[str, str]:
    """The audit's words in ``lang`` (catalogue ids ``aud_<key>``)."""
    return {k: t(lang, f"aud_{k}") for k in _WORD_KEYS}


def _causes(e, W) -> str:
    """The most likely cause first; the other candidates the search found after it."""
    if not e.causes:
        return e.reason or ""
    return "\n".join([e.causes[0]] + [f"{W['or']}: {c}" for c in e.causes[1:]])


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
    W = _words(args.lang)
    res = api.audit(
        args.path, args.year, args.rules, period=args.period, semester=args.semester, overrides=not args.no_overrides, plan_path=args.plan
    )
    doc = res.document()
    if args.format == "json":
        emit(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", args.out)
        return res.exit_code
    if isinstance(res, api.VerifyResult):
        bad = [c for c in res.checks if c.status != MATCH]
        parts = [f"{W['verify']}: {args.path}", f"{W['summary']}: {doc['summary'][MATCH]} {W['match'].lower()}, {doc['summary'][MISMATCH]} {W['mismatch'].lower()}"]
        if bad:
            parts.append(table([[c.item, c.stored or "", c.now or "", c.note or ""] for c in bad], [W["item"], W["stored"], W["now"], W["note"]], [40, 20, 20, 60], "simple"))
        parts.append(_receipt_line(doc["receipt"], W["receipt"]))
        emit("\n\n".join(parts) + "\n", args.out)
        return res.exit_code
    groups = res.groups
    parts = []
    for g in groups:
        parts += _year_text(g, W, len(groups) > 1)
    if len(groups) > 1:
        s = doc["summary"]
        parts.append(msg("reports_audit_all_years", years=", ".join(f"{g.year}" + ("" if g.period == "anual" else f"-{g.period}") for g in groups)) + f": {s[MATCH]} {W['match'].lower()}, {s[MISMATCH]} {W['mismatch'].lower()}, {s[NOT_RECOMPUTABLE]} {W['not_recomputable'].lower()}")
    emit("\n\n".join(parts) + "\n", args.out)
    return res.exit_code


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
