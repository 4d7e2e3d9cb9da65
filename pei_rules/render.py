"""An evaluation as data: the stable JSON structure and CSV (text and markdown for people
are in :mod:`pei_rules.report_text`, from the one report model).

The JSON structure is documented in docs/json-format.md (``format_version`` 1).
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from .evaluate import Evaluation, Figure
from .sanitize import csv_row

FORMAT_NAME = "pei-rules/evaluation"
FORMAT_VERSION = 1


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
        "reason": None if f.reason is None else str(f.reason),  # plain text in documents
        "band": f.band_name,
        "band_label": band_label(ev, f) or None,
        "scale": f.scale,
        "formula": None if f.formula is None else str(f.formula),
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
