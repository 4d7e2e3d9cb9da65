"""The compact evaluation JSON (``format_version`` 2) that ``batch`` writes per entity.

Version 1 (``evaluate --format json``, :func:`pei_rules.render.to_json_obj`) repeats in
every figure what the rule set says about it: its kind, scope, label, decimals, scale,
formula, rule line and band label. A national batch writes that hundreds of thousands of
times. Version 2 states each distinct combination once, in ``rule_lines``, and each figure
keeps only what is its own (id, code, owner, value, exact, status, reason) and the index
``t`` of its combination. :func:`expand` turns a version 2 document back into exactly the
version 1 document (``tests/test_speed_paths.py`` checks it on every figure), so readers
(``audit RESULT.json``, ``report --batch``) accept either. Documented in
docs/json-format.md.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from .errors import InputFileError
from .evaluate import Evaluation
from .figures import ND, rows
from .i18n import msg
from .render import FORMAT_NAME, _rule_dict, to_json_obj

COMPACT_VERSION = 2

#: what each figure keeps (version 2), in this order
OWN = ("id", "code", "owner", "value", "exact", "status", "reason")
#: what figures of the same rule line share, stated once in ``rule_lines``
SHARED = ("kind", "scope", "label", "decimals", "band", "band_label", "scale", "formula", "rule")
#: the key order of a version 1 figure (``render.figure_dict``)
V1_ORDER = ("id", "kind", "code", "scope", "owner", "label", "value", "exact", "decimals", "status", "reason", "band", "band_label", "scale", "formula", "rule")


def to_compact_json_obj(ev: Evaluation) -> dict[str, Any]:
    """The evaluation as a version 2 document (the same content as version 1)."""
    lines: list[dict[str, Any]] = []
    index: dict[tuple, int] = {}
    figures = []
    no_data_label = ev.rules.no_data_label
    # the figures' rows (figures.ROW): no Figure is made for writing them
    for fid, kind, code, scope, label, exact, value, decimals, status, reason, rule, formula, _, band, scale, owner in rows(ev.figures):
        # band_name and band_label of render, for a row
        key = (kind, scope, label, decimals, band.name if band is not None else (ND if scale else None), (band.label if band is not None else (no_data_label if scale else None)) or None, scale, formula, rule)
        t = index.get(key)
        if t is None:
            t = index[key] = len(lines)
            lines.append(dict(zip(SHARED, key[:-1] + (_rule_dict(rule) if rule else None,))))
        figures.append(
            {
                "id": fid,
                "code": code,
                "owner": owner,
                "value": None if value is None else str(value),
                "exact": None if exact is None else str(exact),
                "status": status,
                "reason": None if reason is None else str(reason),
                "t": t,
            }
        )
    doc = to_json_obj_without_figures(ev)
    doc["format_version"] = COMPACT_VERSION
    doc["rule_lines"] = lines
    doc["figures"] = figures
    return doc


def to_json_obj_without_figures(ev: Evaluation) -> dict[str, Any]:
    """Version 1's envelope (receipt, entity, plan, year, counts, summary), figures empty."""
    doc = to_json_obj(dataclasses.replace(ev, figures={}))
    doc["summary"] = {r[0]: (None if r[6] is None else str(r[6])) for r in rows(ev.figures) if r[3] == "plan"}  # figures.ROW: id, value, scope
    return doc


def expand(doc: dict[str, Any], file: str | None = None) -> dict[str, Any]:
    """A version 1 document from a version 1 or 2 one (version 1 is returned as it is).

    A malformed version 2 document raises :class:`InputFileError` naming the key."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME or doc.get("format_version") != COMPACT_VERSION:
        return doc
    lines = doc.get("rule_lines")
    figures = doc.get("figures")
    if not isinstance(lines, list) or not all(isinstance(x, dict) for x in lines):
        raise InputFileError(msg("speed_json_rule_lines"), file=file, key=("rule_lines",))
    if not isinstance(figures, list):
        raise InputFileError(msg("speed_json_no_figures"), file=file, key=("figures",))
    out_figures = []
    for i, fd in enumerate(figures):
        t = fd.get("t") if isinstance(fd, dict) else None
        if not isinstance(t, int) or isinstance(t, bool) or not 0 <= t < len(lines):
            raise InputFileError(msg("speed_json_bad_index", n=i + 1, count=len(lines)), file=file, key=("figures", i, "t"))
        shared = lines[t]
        merged = {**{k: shared.get(k) for k in SHARED}, **{k: fd.get(k) for k in OWN}}
        out_figures.append({k: merged[k] for k in V1_ORDER})
    out = {k: v for k, v in doc.items() if k != "rule_lines"}
    out["format_version"] = 1
    out["figures"] = out_figures
    return out


__all__ = ["COMPACT_VERSION", "to_compact_json_obj", "expand"]
