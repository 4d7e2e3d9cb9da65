"""Data the document writers share: which figures go in which columns, the years of the
annex, and the published-vs-recomputed rows (from :mod:`pei_rules.audit`) with people's
names in place of internal figure ids."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .. import audit as _audit
from ..evaluate import Evaluation
from ..i18n import t
from ..tomlsource import SourceRef
from .common import humanize


def indicator_years(ev: Evaluation) -> list[int]:
    """The years of the 'logro esperado' columns: every year the plan gives a target for,
    within the plan's span and the year before it (the annex shows the year before too)."""
    m = ev.plan.model
    years: set[int] = set()
    for ind in m.indicador:
        years |= set(ind.logro_esperado)
    lo, hi = m.plan.desde - 1, m.plan.hasta
    return sorted(yy for yy in years if lo <= yy <= hi) or [ev.year]


@dataclass
class AuditRow:
    """A row of the published-figures table: published and recomputed."""
    name: str  # people's name of the figure
    figure: str  # the address as the plan writes it (annex / trace only)
    published: str
    published_number: Decimal | None
    recomputed: str | None
    recomputed_number: Decimal | None
    difference_number: Decimal | None
    status: str  # match / mismatch / not_recomputable
    status_text: str
    band: str | None
    causes: str
    source: str
    plan_line: str


def audit_rows(ev: Evaluation, lang: str, only_problems: bool = False) -> list[AuditRow]:
    """Every ``[[publicado]]`` figure beside the recomputed one (``pei-rules audit``'s
    comparison and causes); ``only_problems``: mismatches and figures that cannot be recomputed."""
    if not ev.plan.model.publicado:
        return []
    out = []
    for e in _audit.audit(ev):
        if only_problems and e.status == _audit.MATCH:
            continue
        fid = e.resolved or e.figure
        name = humanize(fid, ev, lang)
        if e.label and e.label not in name and not fid.startswith(("dato:", "conteo:")):
            name = f"{e.label} ({name})"
        causes = "; ".join(humanize(c, ev, lang) for c in e.causes)
        if e.reason and e.status != _audit.MATCH:
            causes = "; ".join(x for x in (causes, humanize(e.reason, ev, lang)) if x)
        out.append(
            AuditRow(
                name=name,
                figure=e.figure,
                published=e.published,
                published_number=_audit.printed_number(e.published),
                recomputed=e.recomputed,
                recomputed_number=_audit.printed_number(e.recomputed),
                difference_number=_audit.printed_number(e.difference),
                status=e.status,
                status_text=t(lang, f"aud_status_{e.status}"),
                band=None,
                causes=causes,
                source=e.source,
                plan_line=f"{e.ref.file}:{e.ref.line}" if e.ref and e.ref.line else (e.ref.file if e.ref else ""),
            )
        )
    return out


def rule_origin(ref: SourceRef | None) -> str:
    """``file:line`` of a rule or plan value."""
    if ref is None:
        return ""
    return f"{ref.file}:{ref.line}" if ref.line else ref.file


def receipt_rows(ev: Evaluation, lang: str) -> list[tuple[str, str]]:
    """The receipt as (label, value) rows: versions, hashes, the rule set and why it was chosen."""
    r = ev.receipt()
    rs = r["rule_set"]
    rows = [
        (t(lang, "doc_r_version"), str(r["pei_rules_version"])),
        (t(lang, "doc_r_ruleset"), f"{rs['id']} — {rs['title']}"),
        (t(lang, "doc_r_directive"), rs["directive"]),
        (t(lang, "doc_r_choice"), r.get("rule_set_choice") or t(lang, "doc_r_choice_none")),
        (t(lang, "doc_r_ruleset_hash"), rs["content_hash"]),
    ]
    for fdesc in rs["files"]:
        rows.append((t(lang, "doc_r_rule_file", path=fdesc["path"]), fdesc["sha256"]))
    rows += [
        (t(lang, "doc_r_plan"), r["plan"]["path"]),
        (t(lang, "doc_r_plan_hash"), r["plan"]["sha256"]),
        (t(lang, "doc_r_year"), str(r["year"])),
        (t(lang, "doc_r_period"), str(r["period"]) + (f" S{r['semester']}" if r.get("semester") else "")),
        (t(lang, "doc_r_created"), r["created"]),
    ]
    return rows
