"""Render an evaluation: text (tabulate), markdown, CSV, and a stable JSON structure.

The JSON structure is documented in docs/json-format.md (``format_version`` 1).
"""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from tabulate import tabulate

from .evaluate import ND, Evaluation, Figure
from .files import shown_path
from .i18n import t
from .sanitize import csv_row, markdown_text

FORMAT_NAME = "pei-rules/evaluation"
FORMAT_VERSION = 1


def fmt(value: Decimal | None, lang: str = "es") -> str:
    return t(lang, "no_data") if value is None else str(value)


def money(value: Decimal | None, lang: str = "es") -> str:
    return t(lang, "no_data") if value is None else f"{value:,.2f}"


def band_label(ev: Evaluation, f: Figure) -> str:
    if f.band is not None:
        return f.band.label
    if f.scale:
        return ev.rules.no_data_label
    return ""


_RULE_DICTS: dict = {}


def _rule_dict(ref) -> dict[str, Any]:
    """``ref.to_dict()``, memoised: a rule set has few rule lines and a batch renders them often."""
    d = _RULE_DICTS.get(ref)
    if d is None:
        if len(_RULE_DICTS) > 4096:
            _RULE_DICTS.clear()
        d = _RULE_DICTS[ref] = ref.to_dict()
    return dict(d)


def figure_dict(ev: Evaluation, f: Figure) -> dict[str, Any]:
    return {
        "id": f.id,
        "kind": f.kind,
        "code": f.code,
        "scope": f.scope,
        "owner": f.owner,
        "label": f.label,
        "value": None if f.value is None else str(f.value),
        "exact": None if f.exact is None else str(f.exact),
        "decimals": f.decimals,
        "status": f.status,
        "reason": f.reason,
        "band": f.band_name,
        "band_label": band_label(ev, f) or None,
        "scale": f.scale,
        "formula": f.formula,
        "rule": _rule_dict(f.rule) if f.rule else None,
    }


def to_json_obj(ev: Evaluation) -> dict[str, Any]:
    m = ev.plan.model
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "receipt": ev.receipt(),
        "entity": {"codigo": m.entidad.codigo, "nombre": m.entidad.nombre},
        "plan": {"tipo": m.plan.tipo, "desde": m.plan.desde, "hasta": m.plan.hasta},
        "year": ev.year,
        "figures": [figure_dict(ev, f) for f in ev.figures.values()],
        "counts": [
            {
                "name": c.name,
                "label": c.label,
                "figure": c.figure,
                "counts": c.counts,
                "total": c.total,
                "members": c.members,
            }
            for c in ev.counts.values()
        ],
        "summary": {f.id: (None if f.value is None else str(f.value)) for f in ev.figures.values() if f.scope == "plan"},
    }


def render_json(ev: Evaluation) -> str:
    return json.dumps(to_json_obj(ev), ensure_ascii=False, indent=2) + "\n"


def render_csv(ev: Evaluation) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    # every row carries the receipt, so a row copied elsewhere still names its sources
    receipt = [ev.rules.id, ev.rules.content_hash, ev.plan.sha256, str(ev.year)]
    w.writerow(["id", "kind", "code", "owner", "label", "value", "band", "status", "reason", "rule", "rule_set", "rule_set_sha256", "plan_sha256", "year"])
    for f in ev.figures.values():
        w.writerow(csv_row([f.id, f.kind, f.code or "", f.owner or "", f.label, "" if f.value is None else str(f.value), f.band_name or "", f.status, f.reason or "", str(f.rule) if f.rule else ""] + receipt))
    for c in ev.counts.values():
        for band, n in c.counts.items():
            w.writerow(csv_row([f"conteo:{c.name}:{band}", "conteo", c.name, "", c.label, str(n), band, "ok", "", str(c.ref)] + receipt))
        w.writerow(csv_row([f"conteo:{c.name}:total", "conteo", c.name, "", c.label, str(c.total), "", "ok", "", str(c.ref)] + receipt))
    return buf.getvalue()


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def tables(ev: Evaluation, lang: str = "es") -> list[tuple[str, list[str], list[list[str]]]]:
    """The report's tables as (title, headers, rows), shared by text and markdown."""
    rules, plan, y = ev.rules, ev.plan, ev.year
    m = plan.model
    out: list[tuple[str, list[str], list[list[str]]]] = []
    principal = rules.label_of("avance_indicador")
    rows = []
    for ind in m.indicador:
        f = ev.figures.get(f"avance_indicador:{ind.codigo}")
        if f is None:
            continue
        rows.append([
            ind.codigo,
            ind.de,
            ind.sentido,
            ind.agregacion,
            fmt(_period_value(ev, ind, "esperado", ind.logro_esperado.get(y)), lang),
            fmt(_period_value(ev, ind, "obtenido", ind.valor_obtenido.get(y)), lang),
            fmt(f.value, lang),
            band_label(ev, f),
        ])
    out.append((t(lang, "indicators"), [t(lang, "code"), t(lang, "owner"), t(lang, "sentido"), t(lang, "agregacion"), t(lang, "expected", year=_period_label(ev)), t(lang, "obtained", year=_period_label(ev)), f"{principal} (%)", t(lang, "band")], rows))

    ent_kinds = [k for k in rules.order if rules.aggregates[k].scope in ("oei", "aei")]
    # formulas of AEI / OEI scope (e.g. the financial execution from the AOs), when the plan
    # gives what they need for some AEI or OEI
    ent_kinds += [n for n, fm in rules.formulas.items() if fm.scope in ("oei", "aei") and any(f.kind == n and f.value is not None for f in ev.figures.values())]
    headers = [t(lang, "code"), t(lang, "name")]
    for k in ent_kinds:
        headers += [f"{rules.label_of(k)} (%)", t(lang, "band")]
    rows = []
    for o in m.oei:
        for code, name in [(o.codigo, o.denominacion)] + [(a.codigo, a.denominacion) for a in m.aei if a.oei == o.codigo]:
            row = [code, _short(name)]
            for k in ent_kinds:
                f = ev.figures.get(f"{k}:{code}")
                row += ["", ""] if f is None else [fmt(f.value, lang), band_label(ev, f)]
            rows.append(row)
    out.append((t(lang, "objectives"), headers, rows))

    rows = []
    for f in ev.figures.values():
        if f.scope == "plan":
            rows.append([f.label, f.id, fmt(f.value, lang), band_label(ev, f)])
    out.append((t(lang, "plan_figures"), [t(lang, "figure"), "id", t(lang, "value"), t(lang, "band")], rows))

    rows = []
    bands_header: list[str] = []
    for c in ev.counts.values():
        scale = rules.scales[rules.band_for[c.figure]]
        bands_header = [f"{b.label} {b.text}" for b in scale.bands] + [rules.no_data_label]
        rows.append([c.label] + [str(c.counts[b.name]) for b in scale.bands] + [str(c.counts[ND]), str(c.total)])
    out.append((t(lang, "counts") + f" ({y})", [t(lang, "figure")] + bands_header + [t(lang, "total")], rows))

    poi = m.poi.get(y)
    if poi is not None:
        rows = [
            [t(lang, "ao_count"), str(len(poi.ao))],
            [t(lang, "pim"), money(poi.pim, lang)],
            [t(lang, "devengado"), money(poi.devengado, lang)],
        ]
        out.append((t(lang, "poi", year=y), [t(lang, "figure"), t(lang, "value")], rows))

    secondary = {f"avance_{k}" for k in rules.advance_kinds}
    nr = [f for f in ev.not_recomputable() if f.kind not in secondary]
    if nr:
        out.append((t(lang, "not_recomputable"), ["id", t(lang, "reason")], _not_recomputable_rows(ev, nr, lang)))
    return out


def _not_recomputable_rows(ev: Evaluation, nr: list[Figure], lang: str) -> list[list[str]]:
    """One row per figure; a kind none of whose figures has a value (a plan that gives no
    financial data per AO, say) is one row, with the first figure's reason as the example."""
    by_kind: dict[str, list[Figure]] = {}
    for f in nr:
        by_kind.setdefault(f.kind, []).append(f)
    total = {}
    for f in ev.figures.values():
        total[f.kind] = total.get(f.kind, 0) + 1
    rows, done = [], set()
    for f in nr:
        group = by_kind[f.kind]
        if len(group) > 1 and len(group) == total[f.kind]:
            if f.kind not in done:
                done.add(f.kind)
                rows.append([f"{f.kind}:* ({len(group)})", t(lang, "reports_all_without_data", example=f.id, reason=f.reason or "")])
            continue
        rows.append([f.id, f.reason or ""])
    return rows


def _period_label(ev: Evaluation) -> str:
    return getattr(ev, "period_key", str(ev.year))


def _period_value(ev: Evaluation, ind, name: str, annual):
    """The indicator's target/value as used for the evaluated period (semester values in a semestral one)."""
    if getattr(ev, "semester", None) is None:
        return annual
    f = ev.figures.get(f"avance_{ev.rules.principal}:{ind.codigo}")
    for inp in f.inputs if f else []:
        if inp.name == name:
            return inp.value
    return None


def header_lines(ev: Evaluation, lang: str = "es") -> list[str]:
    m = ev.plan.model
    r = ev.rules
    lines = [
        t(lang, "evaluation_title", year=ev.year, tipo=m.plan.tipo, desde=m.plan.desde, hasta=m.plan.hasta) + f" — {m.entidad.nombre}",
        f"{t(lang, 'rule_set')}: {r.id} ({shown_path(r.folder)}, sha256 {r.content_hash[:16]}) — {r.title}",
        f"{t(lang, 'plan_file')}: {ev.plan.path} (sha256 {ev.plan.sha256[:16]})",
    ]
    if getattr(ev, "semester", None) is not None:
        m = ev.plan.model
        title = "Evaluación semestral {key} del {tipo} {desde}-{hasta}" if lang == "es" else "Semestral evaluation {key} of the {tipo} {desde}-{hasta}"
        lines[0] = title.format(key=ev.period_key, tipo=m.plan.tipo, desde=m.plan.desde, hasta=m.plan.hasta) + f" — {m.entidad.nombre}"
    if ev.why_rules:
        lines.append(f"{t(lang, 'picked')}: {ev.why_rules}")
    return lines


def render_text(ev: Evaluation, lang: str = "es") -> str:
    parts = ["\n".join(header_lines(ev, lang))]
    for title, headers, rows in tables(ev, lang):
        parts.append(f"{title}\n" + tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))
    rc = ev.receipt()
    parts.append(f"{t(lang, 'receipt')}: pei-rules {rc['pei_rules_version']}, {rc['rule_set']['id']} {rc['rule_set']['content_hash']}, plan {rc['plan']['sha256']}, {rc['year']}, {rc['created']}")
    return "\n\n".join(parts) + "\n"


def render_markdown(ev: Evaluation, lang: str = "es") -> str:
    """The tables of the HTML report (:mod:`pei_rules.report_model`), for pasting into a document."""
    from .report_model import markdown_cell, report_tables

    lines = ["# " + header_lines(ev, lang)[0], ""] + [f"- {x}" for x in header_lines(ev, lang)[1:]]
    for tb in report_tables(ev, lang):
        rows = [[markdown_cell(c) for c in row] for row in tb.text_rows()]
        lines += ["", f"## {tb.title}", "", tabulate(rows, headers=[markdown_cell(h) for h in tb.headers], tablefmt="github", disable_numparse=True)]
        if tb.note:
            lines += ["", tb.note]
    return markdown_text("\n".join(lines) + "\n")


RENDERERS = {
    "text": lambda ev, lang: render_text(ev, lang),
    "markdown": lambda ev, lang: render_markdown(ev, lang),
    "json": lambda ev, lang: render_json(ev),
    "csv": lambda ev, lang: render_csv(ev),
}
