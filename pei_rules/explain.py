"""Explain a figure: its derivation tree, from the printed value down to plan lines.

``explain(ev, address)`` resolves an address (canonical id, bare code, alias, count,
``dato:`` echo) and returns a tree of plain dicts (JSON-ready, Decimals as strings):

- ``figure`` nodes: the rule applied (rule set id, file:line, formula text), each
  intermediate value (``Expression.evaluate_traced``), the rounding (mode, decimals,
  exact -> rounded, rule line), the band (interval, rule line) and the inputs;
- ``count`` nodes: the count rule, the band with its bounds, the member figures;
- leaves: ``plan_input`` (value, plan file:line and key path) and ``rule_parameter``
  (value, rule file:line).

Nothing here knows a CEPLAN number: every number comes from the evaluation and the rules.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .aggregation import aggregate, weight_env, weighted
from .errors import AddressError, did_you_mean, format_key
from .i18n import t
from .references import reference_for
from .evaluate import ND, OK, Evaluation, Figure, figure_id
from .expressions import EvalFailure, NoData
from .plan import Indicator
from .origins import cell_for
from .tomlsource import SourceRef

COUNT_PREFIX = "conteo"
DATUM_PREFIX = "dato"

def w(lang: str | None, key: str, **kw) -> str:
    return t(lang, f"exp_{key}", **kw)


def _s(v: Any) -> str | None:
    if v is None:
        return None
    return str(v)


def _ref(r: SourceRef | None) -> dict | None:
    return r.to_dict() if r is not None else None


# --- address resolution ------------------------------------------------------------


def _entity_kind(ev: Evaluation, entity_type: str) -> list[str]:
    """Figure kinds that describe an entity of a plan type, the principal one first.

    Indicators: the principal advance. AEI/OEI: the aggregates of that scope, those that
    aggregate indicators first (the "advance"). AO: the formulas of scope ``ao``. All of
    it is read from the rule set."""
    rules = ev.rules
    if entity_type == "indicador":
        return ["avance_indicador"] + [f"avance_{k}" for k in rules.advance_kinds] + [n for n, f in rules.formulas.items() if f.scope == "indicador"]
    if entity_type in ("aei", "oei"):
        ags = [n for n in rules.order if rules.aggregates[n].scope == entity_type]
        return sorted(ags, key=lambda n: (rules.aggregates[n].members != "indicadores", ags.index(n)))
    if entity_type.startswith("ao"):
        return [n for n, f in rules.formulas.items() if f.scope == "ao"]
    return []


def all_addresses(ev: Evaluation) -> list[str]:
    out = list(ev.figures)
    for name, c in ev.counts.items():
        out += [f"{COUNT_PREFIX}:{name}:{b}" for b in c.counts] + [f"{COUNT_PREFIX}:{name}:total"]
    out += list(ev.plan.codes)
    return out


def resolve(ev: Evaluation, address: str) -> str:
    """The canonical id of an address; :class:`AddressError` with suggestions if unknown."""
    raw = address
    a = "".join(address.split())  # "IND.01. AEI.02.03" as printed in reports
    if not a:
        raise AddressError(t(None, "exp_empty_address"))
    if a in ev.figures:
        return a
    if a.startswith(COUNT_PREFIX + ":"):
        parts = a.split(":")
        if len(parts) == 3 and parts[1] in ev.counts and (parts[2] == "total" or parts[2] in ev.counts[parts[1]].counts):
            return a
        raise _unknown(ev, raw)
    if a.startswith(DATUM_PREFIX + ":"):
        datum_path(ev.plan, a)  # raises if unknown
        return a
    if ":" in a:
        kind, _, code = a.partition(":")
        if code in ev.plan.codes:
            cid = figure_id(kind, ev.plan.codes[code][1])
            if cid in ev.figures:
                return cid
        raise _unknown(ev, raw)
    codes = ev.plan.codes
    hit = codes.get(a)
    if hit is None:
        folded = {c.casefold(): c for c in codes}
        if a.casefold() in folded:
            hit = codes[folded[a.casefold()]]
        else:
            kinds = {f.kind for f in ev.figures.values() if f.code is None}
            lower = {k.casefold(): k for k in kinds}
            if a.casefold() in lower:
                return lower[a.casefold()]
    if hit is not None:
        etype, canonical = hit
        for kind in _entity_kind(ev, etype):
            cid = figure_id(kind, canonical)
            if cid in ev.figures:
                return cid
        raise AddressError(t(None, "exp_code_without_figure", address=raw, type=etype, code=canonical, rules=ev.rules.id, year=ev.year))
    raise _unknown(ev, raw)


def _unknown(ev: Evaluation, address: str) -> AddressError:
    hint = did_you_mean(address.strip(), all_addresses(ev))
    return AddressError(
        t(None, "exp_unknown_figure", address=address),
        suggestion=hint or t(None, "exp_unknown_figure_hint"),
    )


def alternatives(ev: Evaluation, address: str, resolved: str) -> list[str]:
    """Other figures of the same entity (shown when a bare code was given)."""
    f = ev.figures.get(resolved)
    if f is None or f.code is None:
        return []
    return [x.id for x in ev.figures.values() if x.code == f.code and x.id != resolved]


# --- plan data (dato:) -----------------------------------------------------------------


def datum_path(plan, address: str) -> tuple:
    """Key path of a ``dato:`` address inside the plan document.

    ``dato:poi.2023.pim`` — a dotted key path; ``dato:indicador[IND.01.AEI.02.01].organo_responsable``
    — an array of tables entry picked by its code (or alias) or index in brackets."""
    text = address[len(DATUM_PREFIX) + 1 :] if address.startswith(DATUM_PREFIX + ":") else address
    path: list = []
    node: Any = plan.doc.data
    i = 0
    n = len(text)
    while i < n:
        if text[i] == ".":
            i += 1
            continue
        if text[i] == "[":
            end = text.find("]", i)
            if end < 0 or not isinstance(node, list):
                raise _bad_datum(plan, address, path, t(None, "exp_selector_needs_array"))
            sel = text[i + 1 : end].strip()
            idx = None
            if sel.isdigit() and int(sel) < len(node):
                idx = int(sel)
            else:
                for j, item in enumerate(node):
                    if isinstance(item, dict) and (item.get("codigo") == sel or sel in (item.get("alias") or [])):
                        idx = j
                        break
            if idx is None:
                codes = [it.get("codigo") for it in node if isinstance(it, dict) and it.get("codigo")]
                raise _bad_datum(plan, address, path, t(None, "exp_no_entry", selector=sel, path=format_key(path)), did_you_mean(sel, codes))
            path.append(idx)
            node = node[idx]
            i = end + 1
            continue
        j = i
        while j < n and text[j] not in ".[":
            j += 1
        key = text[i:j]
        if not isinstance(node, dict) or key not in node:
            opts = list(node) if isinstance(node, dict) else []
            said = t(None, "exp_no_key_under", key=key, path=format_key(path)) if path else t(None, "exp_no_key", key=key)
            raise _bad_datum(plan, address, path, said, did_you_mean(key, opts))
        path.append(key)
        node = node[key]
        i = j
    if not path or isinstance(node, (dict, list)):
        raise _bad_datum(plan, address, path, t(None, "exp_datum_single_value"))
    return tuple(path)


def _bad_datum(plan, address, path, message, hint=None) -> AddressError:
    return AddressError(
        t(None, "exp_bad_datum", address=address, message=message),
        suggestion=hint or t(None, "exp_datum_hint"),
    )


def datum_value(plan, address: str) -> tuple[Any, SourceRef]:
    path = datum_path(plan, address)
    node: Any = plan.doc.data
    for k in path:
        node = node[k]
    return node, plan.doc.ref(path)


# --- the tree ------------------------------------------------------------------------


class _Builder:
    def __init__(self, ev: Evaluation):
        self.ev = ev
        self.rules = ev.rules
        self.params = ev.rules.parameters

    def rule_dict(self, ref: SourceRef | None) -> dict | None:
        if ref is None:
            return None
        d = ref.to_dict()
        d["rule_set"] = self.rules.id
        return d

    def reference(self, ref: SourceRef | tuple | None) -> dict | None:
        """The legal reference of the rule at ``ref`` (a SourceRef or a key path), if the rule set gives one."""
        path = ref.key if isinstance(ref, SourceRef) else ref
        hit = reference_for(self.rules, path) if path else None
        return hit.to_dict() if hit is not None else None

    def band(self, f: Figure) -> dict | None:
        if f.band is None:
            if f.scale:
                return {"name": ND, "label": self.rules.no_data_label, "scale": f.scale, "interval": None, "source": self.rule_dict(self.rules.ref("semaforo", "sin_dato"))}
            return None
        compared = f.value if self.rules.compare == "redondeado" else f.exact
        return {
            "name": f.band.name,
            "label": f.band.label,
            "scale": f.scale,
            "interval": f.band.text,
            "compare": self.rules.compare,
            "compared_value": _s(compared),
            "source": self.rule_dict(f.band.ref),
            "reference": self.reference(f.band.ref),
        }

    def rounding(self, f: Figure) -> dict | None:
        if f.exact is None or f.decimals is None:
            return None
        return {
            "mode": self.rules.rounding_mode,
            "decimals": f.decimals,
            "exact": _s(f.exact),
            "rounded": _s(f.value),
            "source": self.rule_dict(self.rules.ref("redondeo", "decimales", f.kind)),
            "mode_source": self.rule_dict(self.rules.ref("redondeo", "modo")),
        }

    def leaf(self, inp) -> dict:
        if getattr(inp.note, "id", None) == "ev_parameter" or (inp.name in self.params and inp.figure is None and inp.ref is not None and inp.ref.file != self.ev.plan.path):
            return {"type": "rule_parameter", "name": inp.name, "value": _s(inp.value), "source": self.rule_dict(inp.ref), "reference": self.reference(("parametros", inp.name))}
        return {"type": "plan_input", "name": inp.name, "value": _s(inp.value), "source": self.plan_source(inp.ref), "note": inp.note}

    def plan_source(self, r: SourceRef | None) -> dict | None:
        """A plan line as a source, with the spreadsheet cell it was imported from when the plan
        says (its ``# origen:`` comment, :mod:`pei_rules.origins`)."""
        d = _ref(r)
        doc = self.ev.plan.doc
        if d is not None and r.line and r.file == doc.path and r.line <= len(doc.text_lines):
            cell = cell_for(doc.text_lines[r.line - 1], r.key)
            if cell:
                d["cell"] = cell
        return d

    def steps_for(self, f: Figure) -> list[dict]:
        """Intermediate values of a formula figure, recomputed with the traced evaluator."""
        expr = self._expression(f)
        if expr is None:
            return []
        env: dict[str, Decimal | None] = dict(self.params)
        for i in f.inputs:
            env[i.name] = i.value
        try:
            result, steps = expr.evaluate_traced(env)
        except (NoData, EvalFailure):
            return []
        return [{"expr": label, "value": _s(v)} for label, v in steps]

    def _expression(self, f: Figure):
        rules = self.rules
        if f.kind.startswith("avance_") and f.kind[7:] in rules.advance_kinds and f.method:
            s, _, a = f.method.partition(" / ")
            return rules.advance_kinds[f.kind[7:]].formulas.get((s, a))
        if f.kind in rules.formulas:
            return rules.formulas[f.kind].expr
        return None

    def aggregate_steps(self, f: Figure) -> list[dict]:
        used = [i for i in f.inputs if i.figure and i.used and i.value is not None]
        ag = self.rules.aggregates.get(f.kind)
        if not used or ag is None:
            return []
        raws = None
        if weighted(ag.method):
            raws = [i.raw_weight for i in used]
            if any(r is None for r in raws):
                return []
        _, steps = aggregate(ag.method, [i.value for i in used], raws)
        return [s.to_dict() for s in steps]

    def activity(self, code: str):
        poi = self.ev.plan.model.poi.get(self.ev.year)
        return next((a for a in poi.ao if a.codigo == code), None) if poi is not None else None

    def relevance_source(self, member_fid: str, weigh_by: str = "relevancia") -> dict | None:
        """Where a weighted member's grade comes from: its relevancia (or prioridad, when the
        aggregate weighs by prioridad), or its owner's for an indicator."""
        mf = self.ev.figures.get(member_fid)
        if mf is None or mf.code is None:
            return None
        plan = self.ev.plan
        obj = plan.aei.get(mf.code) or plan.oei.get(mf.code) or plan.indicators.get(mf.code) or self.activity(mf.code)
        if obj is None:
            return None
        note = None
        if getattr(obj, weigh_by, None) is None and isinstance(obj, Indicator):
            obj = plan.aei.get(obj.de) or plan.oei.get(obj.de)
            note = t(None, "exp_relevance_of" if weigh_by == "relevancia" else "exp_priority_of", code=getattr(obj, "codigo", "?"))
        value = getattr(obj, weigh_by, None)
        if value is None:
            return None
        return {"type": "plan_input", "name": weigh_by, "value": str(value), "source": self.plan_source(plan.ref(obj, weigh_by)), "note": note}

    def weight_steps(self, f: Figure, member_fid: str, inp) -> list[dict]:
        ag = self.rules.aggregates.get(f.kind)
        if ag is None or ag.weighting is None or inp.relevance is None:
            return []
        scheme = self.rules.weight_schemes[ag.weighting]
        rels = [other.relevance for other in f.inputs if other.relevance is not None]
        env = weight_env(rels, self.params)
        env["r"] = inp.relevance
        try:
            raw, steps = scheme.evaluate_traced(env)
        except (NoData, EvalFailure):
            return []
        out = [{"expr": f"{ag.weighting}: {scheme.text}", "value": _s(raw), "with": {k: _s(env[k]) for k in sorted(scheme.names)}}]
        out += [{"expr": lbl, "value": _s(v)} for lbl, v in steps]
        return out

    def figure(self, fid: str, seen: frozenset = frozenset()) -> dict:
        f = self.ev.figures[fid]
        node: dict[str, Any] = {
            "type": "figure",
            "id": f.id,
            "kind": f.kind,
            "code": f.code,
            "label": f.label,
            "value": _s(f.value),
            "exact": _s(f.exact),
            "status": f.status,
            "reason": f.reason,
            "rule": self.rule_dict(f.rule),
            "reference": self.reference(f.rule),
            "formula": f.formula,
            "method": f.method,
            "steps": self.steps_for(f) or self.aggregate_steps(f),
            "rounding": self.rounding(f),
            "band": self.band(f),
            "inputs": [],
        }
        seen = seen | {fid}
        for inp in f.inputs:
            if inp.figure:
                if inp.figure in seen:  # pragma: no cover - figures never form cycles
                    continue
                child = self.figure(inp.figure, seen)
                child["used"] = inp.used
                if inp.weight is not None:
                    child["weight"] = _s(inp.weight)
                    child["weight_note"] = inp.note
                    child["weight_steps"] = self.weight_steps(f, inp.figure, inp)
                    ag = self.rules.aggregates.get(f.kind)
                    rel = self.relevance_source(inp.figure, ag.weigh_by if ag else "relevancia")
                    if rel is not None:
                        child["relevance"] = rel
                elif inp.note and not inp.used:
                    child["note"] = inp.note
                node["inputs"].append(child)
            elif inp.name == "ponderacion":
                node["inputs"].append({"type": "rule_parameter", "name": "ponderacion", "value": inp.note, "source": self.rule_dict(inp.ref)})
            else:
                node["inputs"].append(self.leaf(inp))
        return node

    def count(self, cid: str) -> dict:
        _, name, band = cid.split(":")
        c = self.ev.counts[name]
        scale = self.rules.scales[self.rules.band_for[c.figure]]
        if band == "total":
            members = [m for ms in c.members.values() for m in ms]
            value = c.total
            band_node = None
        else:
            members = c.members[band]
            value = c.counts[band]
            b = next((x for x in scale.bands if x.name == band), None)
            band_node = (
                {"name": b.name, "label": b.label, "scale": scale.name, "interval": b.text, "source": self.rule_dict(b.ref)}
                if b is not None
                else {"name": ND, "label": self.rules.no_data_label, "scale": scale.name, "interval": None, "source": self.rule_dict(self.rules.ref("semaforo", "sin_dato"))}
            )
        return {
            "type": "count",
            "id": cid,
            "label": c.label,
            "figure": c.figure,
            "of": self.rules.counts[name].of,
            "value": str(value),
            "rule": self.rule_dict(c.ref),
            "band": band_node,
            "members": [m for m in members],
            "inputs": [self.figure(m) for m in members],
        }

    def datum(self, address: str) -> dict:
        value, ref = datum_value(self.ev.plan, address)
        return {"type": "plan_input", "id": address, "name": format_key(ref.key), "value": _s(value), "source": self.plan_source(ref), "note": None}


def explain(ev: Evaluation, address: str) -> dict:
    """The derivation tree of the figure at ``address`` (see module docstring)."""
    fid = resolve(ev, address)
    b = _Builder(ev)
    if fid.startswith(COUNT_PREFIX + ":"):
        return b.count(fid)
    if fid.startswith(DATUM_PREFIX + ":"):
        return b.datum(fid)
    return b.figure(fid)


def explain_document(ev: Evaluation, address: str) -> dict:
    """What ``explain --format json`` prints: the receipt, the address, the tree."""
    tree = explain(ev, address)
    resolved = tree.get("id", address)
    return {
        "format": "pei-rules/explain",
        "format_version": 1,
        "receipt": ev.receipt(),
        "address": address,
        "resolved": resolved,
        "alternatives": alternatives(ev, address, resolved) if resolved != address else [],
        "tree": tree,
    }


def leaves(node: dict) -> list[dict]:
    """Every leaf of a tree (plan inputs and rule parameters)."""
    if node.get("type") in ("plan_input", "rule_parameter"):
        out = [node]
    else:
        out = []
    for child in node.get("inputs", []):
        out += leaves(child)
    if "relevance" in node:
        out.append(node["relevance"])
    return out


# --- text rendering ---------------------------------------------------------------------


def _loc(src: dict | None, lang: str | None = None) -> str:
    if not src:
        return "?"
    loc = src["file"] + (f":{src['line']}" if src.get("line") else "")
    if src.get("key"):
        loc += f" [{src['key']}]"
    if src.get("cell"):
        loc += f"; {t(lang, 'exp_cell', cell=src['cell'])}"
    return loc


def render_text(doc: dict, lang: str = "es") -> str:
    lines: list[str] = []
    tree = doc["tree"]
    head = f"{w(lang, 'explains')} '{doc['address']}'"
    if doc["resolved"] != doc["address"]:
        head += f" -> {doc['resolved']}"
    lines.append(head)
    if doc.get("alternatives"):
        lines.append("  (" + ", ".join(doc["alternatives"]) + ")")
    lines.append("")
    _render(tree, lines, 0, lang)
    rc = doc["receipt"]
    lines.append("")
    lines.append(
        f"{w(lang, 'receipt')}: pei-rules {rc['pei_rules_version']}, {rc['rule_set']['id']} {rc['rule_set']['content_hash']}, "
        f"plan {rc['plan']['path']} {rc['plan']['sha256']}, {rc['year']}, {rc['created']}"
    )
    return "\n".join(lines) + "\n"


def _val(v: str | None, lang: str) -> str:
    return w(lang, "no_data") if v is None else v


def _render(node: dict, lines: list[str], depth: int, lang: str, prefix: str = "") -> None:
    ind = "    " * depth
    sub = ind + "    "
    kind = node["type"]
    if kind in ("plan_input", "rule_parameter"):
        where = w(lang, "parameter") if kind == "rule_parameter" else w(lang, "plan")
        text = f"{ind}{prefix}{node['name']} = {_val(node['value'], lang)}  ({where} {_loc(node.get('source'), lang)})"
        if node.get("note"):
            text += f"  — {node['note']}"
        lines.append(text)
        if node.get("reference"):
            lines.append(f"{ind}    {t(lang, 'ref_label')}: {node['reference']['text']}")
        return
    if kind == "count":
        lines.append(f"{ind}{prefix}{node['id']} = {node['value']}  [{node['label']}]")
        lines.append(f"{sub}{w(lang, 'rule')}: {node['rule']['rule_set']} {_loc(node['rule'])}")
        if node["band"] is not None:
            b = node["band"]
            lines.append(f"{sub}{w(lang, 'band')}: {b['label']} {b['interval'] or ''}  ({_loc(b['source'])})".rstrip())
            lines.append(f"{sub}{w(lang, 'count_of', figure=node['figure'], band=b['name'])}")
        else:
            lines.append(f"{sub}{w(lang, 'count_total', figure=node['figure'])}")
        if node.get("of"):
            lines.append(f"{sub}{w(lang, 'of')}: {node['of']}")
        lines.append(f"{sub}{w(lang, 'members')} ({len(node['inputs'])}):")
        for child in node["inputs"]:
            _render(child, lines, depth + 2, lang, "- ")
        return
    head = f"{ind}{prefix}{node['id']} = {_val(node['value'], lang)}  [{node['label']}]"
    if node.get("band"):
        head += f"  {node['band']['label']}"
    if node.get("weight") is not None:
        head += f"  ({node.get('weight_note') or (w(lang, 'weight') + ' ' + node['weight'])})"
    if node.get("used") is False:
        head += f"  ({w(lang, 'not_used')})"
    lines.append(head)
    if node["status"] != OK:
        lines.append(f"{sub}{w(lang, 'status_nd')}: {node['reason']}")
    elif node.get("reason"):
        lines.append(f"{sub}{node['reason']}")
    if node.get("rule"):
        lines.append(f"{sub}{w(lang, 'rule')}: {node['rule']['rule_set']} {_loc(node['rule'])}")
    if node.get("reference"):
        lines.append(f"{sub}{t(lang, 'ref_label')}: {node['reference']['text']}")
    if node.get("formula"):
        text = f"{sub}{w(lang, 'formula')}: {node['formula']}"
        if node.get("method"):
            text += f"  ({w(lang, 'method')} {node['method']})"
        lines.append(text)
    if node.get("steps"):
        lines.append(f"{sub}{w(lang, 'steps')}: " + "; ".join(f"{s['expr']} = {s['value']}" for s in node["steps"]))
    r = node.get("rounding")
    if r:
        lines.append(f"{sub}{w(lang, 'rounding')}: {r['mode']} {w(lang, 'to_decimals', d=r['decimals'])}: {r['exact']} -> {r['rounded']}  ({_loc(r['source'])})")
    b = node.get("band")
    if b and b.get("interval"):
        lines.append(f"{sub}{w(lang, 'band')}: {b['compared_value']} {w(lang, 'in')} {b['interval']} -> {b['label']}  ({_loc(b['source'])})")
        if b.get("reference"):
            lines.append(f"{sub}    {t(lang, 'ref_label')}: {b['reference']['text']}")
    elif b:
        lines.append(f"{sub}{w(lang, 'band')}: {b['label']}")
    if node.get("relevance"):
        rel = node["relevance"]
        lines.append(f"{sub}{w(lang, 'relevance' if rel.get('name') != 'prioridad' else 'priority')} = {rel['value']}  ({w(lang, 'plan')} {_loc(rel['source'], lang)})")
    if node.get("weight_steps"):
        lines.append(f"{sub}{w(lang, 'weight')}: " + "; ".join(f"{s['expr']} = {s['value']}" for s in node["weight_steps"]))
    if node["inputs"]:
        lines.append(f"{sub}{w(lang, 'inputs')}:")
        for child in node["inputs"]:
            _render(child, lines, depth + 2, lang, "- ")
