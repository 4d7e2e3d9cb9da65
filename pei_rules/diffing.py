"""Compare two rule sets and the evaluations of one plan under each.

* :func:`rule_differences` lists every effective leaf that differs between two rule
  sets (after ``extends`` merges and overrides), with the file:line on each side.
* :func:`dependencies` says which rule leaves a figure kind depends on (its formula,
  the parameters it reads, its rounding, its band scale, the figures it aggregates...).
* :func:`diff_evaluations` lists every figure whose printed value, status or band
  changes, and attributes each change to the rule differences it depends on.

Nothing here knows a CEPLAN number: dependencies are read from the rule sets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import format_key
from .evaluate import ND, Evaluation
from .ruleset import META, RuleSet
from .tomlsource import SourceRef

@dataclass
class RuleChange:
    path: tuple
    old: Any
    new: Any
    old_ref: SourceRef | None
    new_ref: SourceRef | None

    @property
    def key(self) -> str:

        return format_key(self.path)

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "old": _plain(self.old),
            "new": _plain(self.new),
            "old_rule": self.old_ref.to_dict() if self.old_ref else None,
            "new_rule": self.new_ref.to_dict() if self.new_ref else None,
        }


@dataclass
class FigureChange:
    id: str
    label: str
    old: Decimal | None
    new: Decimal | None
    old_status: str | None  # None: the figure does not exist on that side
    new_status: str | None
    old_band: str | None
    new_band: str | None
    old_band_label: str | None
    new_band_label: str | None
    code: str | None
    causes: list[RuleChange] = field(default_factory=list)

    @property
    def difference(self) -> Decimal | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def band_changed(self) -> bool:
        return self.old_band != self.new_band

    def to_dict(self) -> dict:
        d = self.difference
        return {
            "id": self.id,
            "label": self.label,
            "code": self.code,
            "old": None if self.old is None else str(self.old),
            "new": None if self.new is None else str(self.new),
            "difference": None if d is None else str(d),
            "old_status": self.old_status,
            "new_status": self.new_status,
            "old_band": self.old_band,
            "new_band": self.new_band,
            "band_changed": self.band_changed,
            "causes": [c.key for c in self.causes],
        }


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _same(x: Any, y: Any) -> bool:
    """Equal rule values: numbers by value (100 == 100.0), everything else by value and type."""
    num = (int, Decimal)
    if isinstance(x, num) and isinstance(y, num) and not isinstance(x, bool) and not isinstance(y, bool):
        return Decimal(x) == Decimal(y)
    return type(x) is type(y) and x == y


def rule_differences(a: RuleSet, b: RuleSet) -> list[RuleChange]:
    """Every effective rule leaf that differs (metadata of the [conjunto] table excluded)."""
    out: list[RuleChange] = []
    keys = list(a.leaves) + [k for k in b.leaves if k not in a.leaves]
    for k in keys:
        if k and k[0] == META:
            continue
        va = a.leaves.get(k)
        vb = b.leaves.get(k)
        if va is not None and vb is not None and _same(va[0], vb[0]):
            continue
        out.append(RuleChange(k, va[0] if va else None, vb[0] if vb else None, va[1] if va else None, vb[1] if vb else None))
    return out


def _params_of(rules: RuleSet, exprs) -> list[tuple]:
    names: set[str] = set()
    for e in exprs:
        names |= set(e.names)
    return [("parametros", p) for p in sorted(names)]


def dependencies(rules: RuleSet, kind: str, _seen: frozenset = frozenset()) -> set[tuple]:
    """Key-path prefixes of the rule leaves a figure kind depends on, under one rule set."""
    if kind in _seen:
        return set()
    seen = _seen | {kind}
    deps: set[tuple] = {("redondeo", "modo"), ("redondeo", "decimales", kind), ("semaforo", "aplicar", kind), ("semaforo", "compara")}
    scale = rules.band_for.get(kind)
    if scale:
        deps.add(("semaforo", "escalas", scale))
    deps.add(("periodos",))
    if kind == "avance_indicador":
        deps.add(("avance", "principal"))
        deps |= dependencies(rules, f"avance_{rules.principal}", seen)
    elif kind.startswith("avance_") and kind[7:] in rules.advance_kinds:
        k = kind[7:]
        deps |= {("avance", "tipos", k), ("avance", "casos"), ("avance", "division_por_cero"), ("vocabulario", "sentido"), ("vocabulario", "agregacion")}
        if isinstance(rules.extra.get("inferencia_sentido"), dict) and rules.extra["inferencia_sentido"].get("aplicar") == "evaluar":
            deps.add(("inferencia_sentido",))  # the inferred sentido picks the formula
        deps |= set(_params_of(rules, rules.advance_kinds[k].formulas.values()))
    elif kind in rules.formulas:
        deps |= {("formulas", kind), ("avance", "division_por_cero")}
        deps |= set(_params_of(rules, [rules.formulas[kind].expr]))
    elif kind in rules.aggregates:
        ag = rules.aggregates[kind]
        deps |= {("agregados", kind), ("redondeo", "intermedios")}
        if ag.weighting:
            deps |= {("ponderacion", "esquema"), ("ponderacion", "esquemas", ag.weighting)}
            deps |= set(_params_of(rules, [rules.weight_schemes[ag.weighting]]))
        deps |= dependencies(rules, ag.value, seen)
    return deps


def _count_deps(rules: RuleSet, name: str) -> set[tuple]:
    c = rules.counts.get(name)
    if c is None:
        return {("conteos", name)}
    return {("conteos", name)} | dependencies(rules, c.figure)


def _kind_of(fid: str) -> str:
    return fid.split(":", 1)[0]


def _matches(path: tuple, prefixes: set[tuple]) -> bool:
    return any(path[: len(p)] == p for p in prefixes)


def _flat(ev: Evaluation) -> dict[str, tuple[Decimal | None, str, str | None, str | None, str, str | None]]:
    """id -> (value, status, band, band label, label, code), counts included."""
    out = {}
    for f in ev.figures.values():
        label = f.band.label if f.band else (ev.rules.no_data_label if f.scale else None)
        out[f.id] = (f.value, f.status, f.band_name, label, f.label, f.code)
    for c in ev.counts.values():
        for band, n in c.counts.items():
            out[f"conteo:{c.name}:{band}"] = (Decimal(n), "ok", None, None, f"{c.label}: {band}", None)
        out[f"conteo:{c.name}:total"] = (Decimal(c.total), "ok", None, None, f"{c.label}: total", None)
    return out


def _narrow(causes: list[RuleChange], va, vb, kind: str) -> list[RuleChange]:
    """Keep the causes that can explain what actually moved: the value, the band, or both."""
    if kind == "conteo" or va is None or vb is None:
        return causes
    value_moved = va[0] != vb[0] or va[1] != vb[1]
    band_moved = va[2] != vb[2]

    def band_rule(c: RuleChange) -> bool:
        return c.path[:1] == ("semaforo",)

    out = causes
    if value_moved and not band_moved:
        out = [c for c in causes if not band_rule(c)] or causes
    elif band_moved and not value_moved:
        out = [c for c in causes if band_rule(c) or c.path[:1] == ("redondeo",)] or causes
    if band_moved:
        # of the band intervals, those of the old and the new band explain the move
        moved = {va[2], vb[2]}
        narrowed = [c for c in out if not (len(c.path) > 4 and c.path[:2] == ("semaforo", "escalas") and c.path[3] == "bandas" and c.path[4] not in moved)]
        out = narrowed or out
    return out


def diff_evaluations(a: Evaluation, b: Evaluation) -> tuple[list[RuleChange], list[FigureChange]]:
    changes = rule_differences(a.rules, b.rules)
    fa, fb = _flat(a), _flat(b)
    out: list[FigureChange] = []
    for fid in list(fa) + [k for k in fb if k not in fa]:
        va, vb = fa.get(fid), fb.get(fid)
        if va is not None and vb is not None and va[0] == vb[0] and va[1] == vb[1] and va[2] == vb[2]:
            continue
        kind = _kind_of(fid)
        if kind == "conteo":
            name = fid.split(":")[1]
            deps = _count_deps(a.rules, name) | _count_deps(b.rules, name)
        else:
            deps = set()
            for rs in (a.rules, b.rules):
                try:
                    deps |= dependencies(rs, kind)
                except KeyError:
                    pass
            deps |= {("formulas", kind), ("agregados", kind), ("avance", "tipos", kind.removeprefix("avance_"))}
        if a.period == "anual" and b.period == "anual":
            deps.discard(("periodos",))  # how a semester is computed cannot move an annual figure
        causes = _narrow([c for c in changes if _matches(c.path, deps)], va, vb, kind)
        ref = va or vb
        out.append(
            FigureChange(
                id=fid,
                label=ref[4],
                old=va[0] if va else None,
                new=vb[0] if vb else None,
                old_status=va[1] if va else None,
                new_status=vb[1] if vb else None,
                old_band=va[2] if va else None,
                new_band=vb[2] if vb else None,
                old_band_label=va[3] if va else None,
                new_band_label=vb[3] if vb else None,
                code=ref[5],
                causes=causes,
            )
        )
    return changes, out


def entity_band_changes(figs: list[FigureChange]) -> list[FigureChange]:
    """Changes of band of figures that belong to an entity of the plan (OEI, AEI, indicator, AO) or the plan."""
    return [f for f in figs if f.band_changed and not f.id.startswith("conteo:")]


__all__ = ["ND", "FigureChange", "RuleChange", "dependencies", "diff_evaluations", "entity_band_changes", "rule_differences"]
