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
from ._common import emit

def _v(x) -> str:
    return msg("dif_absent") if x is None else str(x)


def _band(label, name, status) -> str:
    if status is None:
        return msg("dif_absent")
    return label or name or ""


def _period_word(period: str, semester: int | None) -> str:
    return f"{period} S{semester}" if period == "semestral" else period


def run(args) -> int:
    specs = args.rules or []
    if len(specs) != 2:
        raise UsageError(msg("api_diff_two_rule_sets"), suggestion=msg("api_diff_two_rule_sets_hint"))
    a, b = specs
    res = api.diff(args.plan, a, b, args.year, period=args.period, semester=args.semester, overrides=not args.no_overrides)
    if args.format == "json":
        emit(json.dumps(res.document(), ensure_ascii=False, indent=2) + "\n", args.out)
        return res.exit_code
    if isinstance(res, api.DiffFolderResult):
        emit(_folder_text(res), args.out)
        return res.exit_code
    ea, eb, rule_changes, figs = res.a, res.b, res.rule_changes, res.figures
    lines = [
        msg("dif_title", a=ea.rules.id, b=eb.rules.id),
        msg("dif_plan", plan=res.path, entity=res.plan.model.entidad.nombre, period=_period_word(res.period, res.semester), year=res.year),
        "",
        msg("dif_rules", n=len(rule_changes)),
    ]
    if rule_changes:
        rows = [[c.key, _v(c.old), str(c.old_ref or ""), _v(c.new), str(c.new_ref or "")] for c in rule_changes]
        lines.append(tabulate(rows, headers=[msg("dif_key"), ea.rules.id, "", eb.rules.id, ""], disable_numparse=True))
    lines += ["", msg("dif_figures", n=len(figs))]
    if figs:
        rows = []
        for f in figs:
            d = f.difference
            band = ""
            if f.band_changed:
                band = f"{_band(f.old_band_label, f.old_band, f.old_status)} -> {_band(f.new_band_label, f.new_band, f.new_status)}"
            elif f.new_band_label:
                band = f.new_band_label
            cause = ", ".join(c.key for c in f.causes) or msg("dif_no_rule")
            rows.append([f.id, _v(f.old), _v(f.new), "" if d is None or d == 0 else f"{d:+}", band, cause])
        lines.append(tabulate(rows, headers=[msg("dif_figure"), ea.rules.id, eb.rules.id, msg("dif_diff"), msg("dif_band"), msg("dif_cause")], disable_numparse=True))
    else:
        lines.append(msg("dif_none"))
    emit("\n".join(lines) + "\n", args.out)
    return res.exit_code


def _folder_text(res) -> str:
    a, b = res.rules
    lines = [msg("dif_title", a=a, b=b), "", msg("dif_rules", n=len(res.rule_changes))]
    lines += [f"  {c.key}: {_v(c.old)} -> {_v(c.new)}" for c in res.rule_changes]
    lines.append("")
    rows = [[r["plan"], r["entity"], r["year"], r["figures_changed"], r["band_changes"]] for r in res.plans]
    lines.append(tabulate(rows, headers=["Plan", msg("dif_entity"), msg("dif_year"), msg("dif_changed"), msg("dif_band_changes")], disable_numparse=True))
    for bk in res.broken:
        lines.append(f"! {bk['error']}")
    lines += ["", msg("dif_summary", n=res.entities_changing_band, m=len(res.plans))]
    return "\n".join(lines) + "\n"
