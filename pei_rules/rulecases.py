"""Rule test cases as data: TOML files of cases, run through the engine's own code.

A case file lives in ``rules/<id>/casos/*.toml`` (the loader reads only the ``*.toml``
files directly inside a rule set folder, so the subfolder is never taken for rules)::

    conjunto = ["ceplan-2023"]   # the rule sets the cases hold for (default: the folder's)
    tolerancia = 0.0001          # default tolerance on "esperado" (exact value)

    [[caso]]
    nombre = "ascendente: 20 de 40 da 50"
    objetivo = "avance"          # avance | formula | ponderacion | agregado | semaforo | redondeo
    sentido = "ascendente"       # category or a plan word ("Ascendente")
    agregacion = "no_acumulado"
    entradas = { obtenido = 20, esperado = 40 }
    esperado = 50                # exact value, or "N/D"
    redondeado = "50.0"          # printed value (a string also checks the decimals)
    banda = "rojo"               # band name, or "sin_dato"
    motivo = "división por cero" # a piece of the N/D reason

Targets and what they read:

* ``avance``: ``tipo`` (default the principal advance), ``sentido``, ``agregacion``,
  ``entradas`` (missing inputs are N/D). Rounding and band are those of the figure
  ``avance_indicador`` when ``tipo`` is the principal one.
* ``formula``: ``formula`` (a ``[formulas.*]`` name), ``entradas``.
* ``ponderacion``: ``relevancias`` (list), optional ``esquema`` (default the rule set's),
  ``valores`` (default all 100); expects ``pesos`` (normalised weights, one per member,
  "N/D" for a member excluded for lack of data) and/or ``esperado``.
* ``agregado``: ``agregado`` (an ``[agregados.*]`` name), ``valores`` (numbers or "N/D"),
  ``relevancias`` when the method is weighted.
* ``semaforo`` / ``redondeo``: ``cifra`` (a figure kind) and ``valor`` (exact); the figure
  is rounded and classified as the engine does. Or ``escala`` and ``valor`` to classify
  a value directly with a scale.
* ``inferencia``: ``logros_esperados`` (year = value), optional ``desde``/``hasta`` (the
  plan horizon; default the years given); expects ``sentido_inferido`` (a sentido
  category, or "ninguno" when nothing can be inferred) and/or ``motivo``.

Every case runs the evaluator's own methods (formula evaluation with N/D and division by
zero, rounding, band classification, aggregation and weighting), never a re-implementation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from . import inference
from .errors import PeiError, RuleError, did_you_mean
from .i18n import Message
from .evaluate import ND, Figure, _Evaluator, figure_id
from .ruleset import Aggregate, RuleSet, available, load_ruleset, resolve, search_dirs
from .tomlsource import SourceDoc, load_toml
from .vocabulary import ND_WORDS

CASES_DIR = "casos"
TARGETS = ("avance", "formula", "ponderacion", "agregado", "semaforo", "redondeo", "inferencia")
EXPECT_KEYS = ("esperado", "redondeado", "banda", "motivo", "pesos", "sentido_inferido")
#: a case exercising a zero-denominator decision cites its source (fuente) or says it is a
#: judgement (criterio: why this reading was chosen where no source decides)
COMMON_KEYS = ("nombre", "objetivo", "tolerancia", "nota", "conjunto", "fuente", "criterio") + EXPECT_KEYS
TARGET_KEYS = {
    "avance": ("tipo", "sentido", "agregacion", "entradas"),
    "formula": ("formula", "entradas"),
    "ponderacion": ("esquema", "relevancias", "valores"),
    "agregado": ("agregado", "valores", "relevancias"),
    "semaforo": ("cifra", "escala", "valor"),
    "redondeo": ("cifra", "escala", "valor"),
    "inferencia": ("logros_esperados", "desde", "hasta"),
}
FILE_KEYS = ("conjunto", "tolerancia", "caso", "nota")


@dataclass
class Case:
    """One [[caso]] of a case file: inputs, what it expects, and for which rule sets."""
    file: str
    index: int
    name: str
    target: str
    rulesets: list[str]
    tolerance: Decimal
    data: dict
    doc: SourceDoc = field(repr=False)

    @property
    def line(self) -> int | None:  # found when asked: a passing case never needs it (start-up)
        return self.doc.line_of(("caso", self.index))

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def ref_line(self, key: str) -> int | None:
        return self.doc.line_of(("caso", self.index, key)) or self.line


@dataclass
class Outcome:
    """A case run against one rule set: passed or not, and why."""
    case: Case
    ruleset: str
    ok: bool
    messages: list[str]
    covers: set[tuple] = field(default_factory=set)

    def describe(self) -> str:
        head = f"{self.case.where}: [{self.ruleset}] {self.case.name}"
        return head if self.ok else head + "\n    " + "\n    ".join(self.messages)


def _fail(doc: SourceDoc, path: tuple, message: str, suggestion: str | None = None) -> RuleError:
    line = doc.line_of(path)
    return RuleError(message, file=doc.path, line=line, key=path, excerpt=doc.excerpt(line), suggestion=suggestion)


def _num(v: Any) -> Decimal | None | str:
    """A case number: Decimal, None for N/D, or 'bad'."""
    if isinstance(v, bool):
        return "bad"
    if isinstance(v, (int, Decimal)):
        return Decimal(v)
    if isinstance(v, str):
        if v.strip().casefold() in ND_WORDS:
            return None
        try:
            d = Decimal(v.strip())
        except InvalidOperation:
            return "bad"
        return d if d.is_finite() else "bad"
    return "bad"


def load_cases(path: str | Path, owner: str | None = None) -> list[Case]:
    """Read a case file; raise RuleError (file, line, key) when it is malformed."""
    doc = load_toml(path)
    data = doc.data
    for k in data:
        if k not in FILE_KEYS:
            raise _fail(doc, (k,), f"unknown key '{k}' in a case file", did_you_mean(k, FILE_KEYS) or f"allowed: {', '.join(FILE_KEYS)}")
    sets = data.get("conjunto", [owner] if owner else None)
    if isinstance(sets, str):
        sets = [sets]
    if not sets or not isinstance(sets, list) or not all(isinstance(s, str) for s in sets):
        raise _fail(doc, ("conjunto",), "conjunto must name the rule set(s) the cases hold for", 'conjunto = ["ceplan-2023"]')
    tol = _num(data.get("tolerancia", 0))
    if tol is None or tol == "bad" or tol < 0:
        raise _fail(doc, ("tolerancia",), "tolerancia must be a number >= 0")
    items = data.get("caso")
    if not isinstance(items, list) or not items:
        raise _fail(doc, (), "a case file needs at least one [[caso]]", '[[caso]]\nnombre = "..."\nobjetivo = "avance"')
    out = []
    for i, c in enumerate(items):
        if not isinstance(c, dict):
            raise _fail(doc, ("caso", i), "each caso must be a table")
        target = c.get("objetivo")
        if target not in TARGETS:
            raise _fail(doc, ("caso", i, "objetivo"), f"objetivo must be one of: {', '.join(TARGETS)}", did_you_mean(str(target), TARGETS) or None)
        allowed = COMMON_KEYS + TARGET_KEYS[target]
        for k in c:
            if k not in allowed:
                raise _fail(doc, ("caso", i, k), f"unknown key '{k}' for objetivo '{target}'", did_you_mean(k, allowed) or f"allowed: {', '.join(allowed)}")
        if not any(k in c for k in EXPECT_KEYS):
            raise _fail(doc, ("caso", i), "a case must expect something", f"add one of: {', '.join(EXPECT_KEYS)}")
        ctol = _num(c.get("tolerancia", tol))
        if ctol is None or ctol == "bad" or ctol < 0:
            raise _fail(doc, ("caso", i, "tolerancia"), "tolerancia must be a number >= 0")
        csets = c.get("conjunto", sets)
        if isinstance(csets, str):
            csets = [csets]
        name = c.get("nombre", f"caso {i + 1}")
        if not isinstance(name, str):
            raise _fail(doc, ("caso", i, "nombre"), "nombre must be a string")
        out.append(Case(doc.path, i, name, target, list(csets), ctol, c, doc))
    return out


def case_files(folder: Path) -> list[Path]:
    d = Path(folder) / CASES_DIR
    return sorted(p for p in d.glob("*.toml") if p.is_file()) if d.is_dir() else []


def all_case_files(dirs: list[Path] | None = None) -> list[tuple[Path, str | None]]:
    """(case file, id of the rule set whose folder holds it) for every rule set folder."""
    out = []
    seen = set()
    for rid, folder in available(dirs).items():
        for f in case_files(folder):
            r = f.resolve()
            if r not in seen:
                seen.add(r)
                out.append((f, rid))
    return out


# --- running -----------------------------------------------------------------------------


def _stub_plan() -> Any:
    return SimpleNamespace(model=SimpleNamespace(poi={}), aei={}, oei={})


class _CaseEvaluator(_Evaluator):
    """The engine's evaluator; a figure kind with no rounding rule (a bare weighting) stays exact."""

    def finish(self, f: Figure) -> Figure:
        if f.kind not in self.rules.decimals:
            f.value = f.exact
            self.figures[f.id] = f
            return f
        return super().finish(f)


class _Runner:
    def __init__(self, rules: RuleSet):
        self.rules = rules

    def evaluator(self) -> _Evaluator:
        return _CaseEvaluator(_stub_plan(), self.rules, 0)

    def bad(self, case: Case, key: str, message: str, suggestion: str | None = None) -> RuleError:
        return _fail(case.doc, ("caso", case.index, key), message, suggestion)

    def inputs(self, case: Case) -> dict[str, Decimal | None]:
        raw = case.data.get("entradas", {})
        if not isinstance(raw, dict):
            raise self.bad(case, "entradas", "entradas must be a table of name = number or \"N/D\"")
        env: dict[str, Decimal | None] = {}
        for k, v in raw.items():
            n = _num(v)
            if n == "bad":
                raise _fail(case.doc, ("caso", case.index, "entradas", k), f"input '{k}' must be a number or \"N/D\"")
            env[k] = n
        return env

    def category(self, case: Case, fld: str) -> str:
        word = case.data.get(fld)
        if not isinstance(word, str):
            raise self.bad(case, fld, f"{fld} is required for objetivo 'avance'")
        cat = self.rules.synonyms[fld].get(word.casefold())
        if cat is None:
            raise self.bad(case, fld, f"'{word}' is not a {fld} of rule set '{self.rules.id}'", did_you_mean(word, self.rules.synonyms[fld]) or None)
        return cat

    def run(self, case: Case) -> tuple[Figure | None, list[Decimal] | None, set[tuple]]:
        return getattr(self, "t_" + case.target)(case)

    def t_avance(self, case: Case):
        rules = self.rules
        kname = case.data.get("tipo", rules.principal)
        if kname not in rules.advance_kinds:
            raise self.bad(case, "tipo", f"'{kname}' is not an advance kind of '{rules.id}'", did_you_mean(str(kname), rules.advance_kinds) or None)
        s, a = self.category(case, "sentido"), self.category(case, "agregacion")
        if (s, a) not in rules.advance_kinds[kname].formulas:
            raise self.bad(case, "agregacion", f"'{a}' is not a case of sentido '{s}' in '{rules.id}'")
        ev = self.evaluator()
        env = self.inputs(case)
        kind = rules.advance_kinds[kname]
        f = Figure(id=figure_id(f"avance_{kname}", "CASO"), kind=f"avance_{kname}", code="CASO", scope="indicador", label=kind.label, rule=kind.refs[(s, a)])
        zero = (kind.on_zero.get((s, a)), kind.on_zero_by_zero.get((s, a)))
        ev.run_formula(f, kind.formulas[(s, a)], env, {}, zero if zero != (None, None) else None)
        covers = {("avance", kname, s, a)}
        for table, d in (("si_division_por_cero", zero[0]), ("si_cero_entre_cero", zero[1])):
            if d is not None and (f.rule == d.ref or (f.reason or "").endswith(f"sin dato, {d.ref})")):
                covers.add(("cero", kname, table, s, a))
                if not (isinstance(case.data.get("fuente"), str) or isinstance(case.data.get("criterio"), str)):
                    raise self.bad(case, "fuente", "this case exercises a zero-denominator decision: cite its source (fuente = \"...\") or mark it as a judgement (criterio = \"...\")")
        if kname == rules.principal:
            main = Figure(id="avance_indicador:CASO", kind="avance_indicador", code="CASO", scope="indicador", label="", exact=f.exact, status=f.status, reason=f.reason)
            ev.finish(main)
            f = main
        return f, None, covers | self.band_cover(f)

    def t_formula(self, case: Case):
        name = case.data.get("formula")
        if name not in self.rules.formulas:
            raise self.bad(case, "formula", f"'{name}' is not a formula of '{self.rules.id}'", did_you_mean(str(name), self.rules.formulas) or None)
        fm = self.rules.formulas[name]
        f = Figure(id=figure_id(name, "CASO"), kind=name, code="CASO", scope=fm.scope, label=fm.label, rule=fm.ref)
        self.evaluator().run_formula(f, fm.expr, self.inputs(case), {})
        return f, None, {("formula", name)} | self.band_cover(f)

    def _list(self, case: Case, key: str, required: bool, ints: bool = False) -> list | None:
        v = case.data.get(key)
        if v is None:
            if required:
                raise self.bad(case, key, f"{key} is required for objetivo '{case.target}'")
            return None
        if not isinstance(v, list) or not v:
            raise self.bad(case, key, f"{key} must be a non-empty list")
        out = []
        for x in v:
            n = _num(x)
            if n == "bad" or (ints and (n is None or n != n.to_integral_value())):
                what = "whole number" if ints else 'number or "N/D"'
                raise self.bad(case, key, f"{key}: {x!r} is not a {what}")
            out.append(int(n) if ints else n)
        return out

    def _aggregate(self, case: Case, ag: Aggregate, values: list, rels: list | None):
        if rels is not None and len(rels) != len(values):
            raise self.bad(case, "relevancias", f"relevancias has {len(rels)} items, valores has {len(values)}")
        ev = self.evaluator()
        members = []
        for i, v in enumerate(values):
            code = f"M{i + 1}"
            mf = Figure(id=figure_id(ag.value, code), kind=ag.value, code=code, scope="", label="", exact=v, value=v, status=ND if v is None else "ok", reason="N/D en el caso" if v is None else None)
            ev.figures[mf.id] = mf
            members.append((code, SimpleNamespace(codigo=code, relevancia=rels[i] if rels else None)))
        f = Figure(id=figure_id(ag.name, "CASO"), kind=ag.name, code="CASO", scope=ag.scope, label=ag.label, rule=ag.ref, method=ag.method)
        ev.aggregate(f, ag, members)
        weights = [inp.weight for inp in f.inputs if inp.figure is not None] if ag.weighting else None
        return f, weights

    def t_agregado(self, case: Case):
        name = case.data.get("agregado")
        if name not in self.rules.aggregates:
            raise self.bad(case, "agregado", f"'{name}' is not an aggregate of '{self.rules.id}'", did_you_mean(str(name), self.rules.aggregates) or None)
        ag = self.rules.aggregates[name]
        values = self._list(case, "valores", True)
        rels = self._list(case, "relevancias", False, ints=True)
        f, w = self._aggregate(case, ag, values, rels)
        covers = {("agregado", name)} | self.band_cover(f)
        if ag.weighting:
            covers.add(("ponderacion", ag.weighting))
        return f, w, covers

    def t_ponderacion(self, case: Case):
        rules = self.rules
        scheme = case.data.get("esquema", rules.weight_scheme)
        if scheme not in rules.weight_schemes:
            raise self.bad(case, "esquema", f"'{scheme}' is not a weighting scheme of '{rules.id}'", did_you_mean(str(scheme), rules.weight_schemes) or None)
        rels = self._list(case, "relevancias", True, ints=True)
        values = self._list(case, "valores", False) or [Decimal(100)] * len(rels)
        ag = Aggregate("ponderacion", "ponderación", "plan", "aei", "valor", "media_ponderada", "excluir", scheme, rules.ref("ponderacion", "esquemas", scheme))
        f, w = self._aggregate(case, ag, values, rels)
        return f, w, {("ponderacion", scheme)}

    def t_semaforo(self, case: Case):
        rules = self.rules
        v = _num(case.data.get("valor", "bad"))
        if v == "bad":
            raise self.bad(case, "valor", "valor must be a number or \"N/D\"")
        if "escala" in case.data:
            sname = case.data["escala"]
            if sname not in rules.scales:
                raise self.bad(case, "escala", f"'{sname}' is not a scale of '{rules.id}'", did_you_mean(str(sname), rules.scales) or None)
            f = Figure(id="escala:CASO", kind="escala", code="CASO", scope="", label="", exact=v, value=v, status=ND if v is None else "ok", scale=sname)
            f.band = rules.scales[sname].classify(v) if v is not None else None
            return f, None, {("banda", sname, f.band.name)} if f.band else set()
        kind = case.data.get("cifra")
        kinds = set(rules.decimals)
        if kind not in kinds:
            raise self.bad(case, "cifra", f"'{kind}' is not a figure kind of '{rules.id}'", did_you_mean(str(kind), kinds) or None)
        f = Figure(id=figure_id(kind, "CASO"), kind=kind, code="CASO", scope="", label="", exact=v, status=ND if v is None else "ok")
        self.evaluator().finish(f)
        return f, None, self.band_cover(f)

    t_redondeo = t_semaforo

    def t_inferencia(self, case: Case):
        raw = case.data.get("logros_esperados")
        if not isinstance(raw, dict) or not raw:
            raise self.bad(case, "logros_esperados", 'logros_esperados must be a table of year = value, e.g. { 2020 = 100, 2021 = 90 }')
        series: dict[int, Decimal | None] = {}
        for k, v in raw.items():
            n = _num(v)
            if not str(k).isdigit() or n == "bad":
                raise _fail(case.doc, ("caso", case.index, "logros_esperados", k), "each entry is year = number or \"N/D\"")
            series[int(k)] = n
        desde = case.data.get("desde", min(series))
        hasta = case.data.get("hasta", max(series))
        if inference.settings(self.rules) is None:
            raise self.bad(case, "objetivo", f"rule set '{self.rules.id}' has no [inferencia_sentido]")
        ind = SimpleNamespace(logro_esperado=series, codigo="CASO")
        plan = SimpleNamespace(model=SimpleNamespace(plan=SimpleNamespace(desde=desde, hasta=hasta)))
        cat, why = inference.infer_sentido(ind, self.rules, plan)
        f = Figure(id="inferencia:CASO", kind="inferencia", code="CASO", scope="indicador", label="", status="ok" if cat else ND, reason=why)
        f.formula = cat or ""
        return f, None, {("inferencia",)}

    def band_cover(self, f: Figure) -> set[tuple]:
        return {("banda", f.scale, f.band.name)} if f.band is not None and f.scale else set()


def _check(case: Case, f: Figure | None, weights: list | None) -> list[str]:
    d = case.data
    msgs: list[tuple[str, str]] = []  # (key, problem): the key's line is looked up for a failure only
    tol = case.tolerance
    if "esperado" in d:
        want = _num(d["esperado"])
        if want == "bad":
            msgs.append(("esperado", "esperado must be a number or \"N/D\""))
        elif want is None:
            if f.status != ND:
                msgs.append(("esperado", f"expected N/D, got {f.exact}"))
        elif f.exact is None:
            msgs.append(("esperado", f"expected {want}, got N/D ({f.reason})"))
        elif abs(f.exact - want) > tol:
            msgs.append(("esperado", f"expected {want} (tolerance {tol}), got {f.exact}"))
    if "redondeado" in d:
        want = d["redondeado"]
        got = f.value
        if isinstance(want, str) and want.strip().casefold() not in ND_WORDS:
            if got is None or str(got) != want.strip():
                msgs.append(("redondeado", f"expected the printed value {want}, got {'N/D' if got is None else got}"))
        else:
            w = _num(want)
            if w == "bad":
                msgs.append(("redondeado", "redondeado must be a number, a string or \"N/D\""))
            elif w != got and not (w is not None and got is not None and w == got):
                msgs.append(("redondeado", f"expected the printed value {'N/D' if w is None else w}, got {'N/D' if got is None else got}"))
    if "banda" in d:
        got = f.band.name if f.band is not None else ND
        if str(d["banda"]) != got:
            msgs.append(("banda", f"expected band '{d['banda']}', got '{got}'" + (f" for {f.value}" if f.value is not None else "")))
    if "motivo" in d:
        reason = f.reason.render("es") if isinstance(f.reason, Message) else f.reason  # cases are written in Spanish
        if not reason or str(d["motivo"]).casefold() not in reason.casefold():
            msgs.append(("motivo", f"expected the reason to mention '{d['motivo']}', got '{f.reason or ''}'"))
    if "sentido_inferido" in d:
        want = str(d["sentido_inferido"])
        got = f.formula if f.status != ND else "ninguno"
        if want != got:
            msgs.append(("sentido_inferido", f"expected the inferred sentido '{want}', got '{got}' ({f.reason})"))
    if "pesos" in d:
        want = d["pesos"]
        if weights is None:
            msgs.append(("pesos", "'pesos' applies to weighted aggregates and objetivo 'ponderacion' only"))
        elif not isinstance(want, list) or len(want) != len(weights):
            msgs.append(("pesos", f"expected {len(weights)} weights, the case lists {len(want) if isinstance(want, list) else want!r}"))
        else:
            for i, (w, g) in enumerate(zip(want, weights)):
                n = _num(w)
                if n is None and g is None:
                    continue  # an excluded (N/D) member has no weight
                if n == "bad":
                    msgs.append(("pesos", f"weight {i + 1} must be a number or \"N/D\""))
                elif n is None:
                    msgs.append(("pesos", f"weight {i + 1}: expected none (excluded), got {g}"))
                elif g is None or abs(g - n) > tol:
                    msgs.append(("pesos", f"weight {i + 1}: expected {n} (tolerance {tol}), got {g}"))
    return [f"line {case.ref_line(k)}: {m}" for k, m in msgs]


def run_case(case: Case, rules: RuleSet) -> Outcome:
    """Run one case under one rule set. Malformed cases raise RuleError."""
    runner = _Runner(rules)
    try:
        f, weights, covers = runner.run(case)
    except RuleError:
        raise
    except PeiError as exc:  # e.g. division_por_cero = "error" stops evaluation: that is an outcome
        f, weights, covers = Figure(id="error", kind="error", code=None, scope="", label="", status=ND, reason=exc.message), None, set()
    msgs = _check(case, f, weights)
    return Outcome(case, rules.id, not msgs, msgs, covers)


def coverage_items(rules: RuleSet) -> set[tuple]:
    """What a rule set's cases must exercise: each advance formula, formula, aggregate, scheme, band."""
    items: set[tuple] = set()
    for kname, kind in rules.advance_kinds.items():
        for s, a in kind.formulas:
            items.add(("avance", kname, s, a))
        for table, decisions in (("si_division_por_cero", kind.on_zero), ("si_cero_entre_cero", kind.on_zero_by_zero)):
            items |= {("cero", kname, table, s, a) for s, a in decisions}
    items |= {("formula", n) for n in rules.formulas}
    items |= {("agregado", n) for n in rules.aggregates}
    items |= {("ponderacion", n) for n in rules.weight_schemes}
    inf = rules.extra.get("inferencia_sentido")
    if isinstance(inf, dict) and inf.get("aplicar") == "evaluar":
        items.add(("inferencia",))
    for sname, sc in rules.scales.items():
        if sname in rules.band_for.values():
            items |= {("banda", sname, b.name) for b in sc.bands}
    return items


def describe_item(item: tuple) -> str:
    if item[0] == "avance":
        return f"avance.tipos.{item[1]}.{item[2]}.{item[3]}"
    if item[0] == "cero":
        return f"avance.tipos.{item[1]}.{item[2]}.{item[3]}.{item[4]}"
    if item[0] == "formula":
        return f"formulas.{item[1]}"
    if item[0] == "agregado":
        return f"agregados.{item[1]}"
    if item[0] == "inferencia":
        return "inferencia_sentido"
    if item[0] == "ponderacion":
        return f"ponderacion.esquemas.{item[1]}"
    return f"semaforo.escalas.{item[1]}.bandas.{item[2]}"


@dataclass
class Report:
    """The outcomes of a run of cases and the rule items no case exercises."""
    outcomes: list[Outcome]
    uncovered: dict[str, list[str]]  # rule set id -> rule items no case exercises

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def run_for(ids: list[str | Path] | None = None, extra_files: list[Path] | None = None) -> Report:
    """Run every case that holds for the given rule sets (ids or folders; all known ones if none).

    The case files of a rule set given by its folder are run too, even when that folder is
    not in the search path."""
    files = all_case_files()
    known = available()
    targets = list(ids) if ids else list(known)
    folder_ids = {}
    seen = {f.resolve() for f, _ in files}
    for spec in targets:
        folder = resolve(str(spec))
        rs = load_ruleset(folder)
        folder_ids[rs.id] = rs
        for f in case_files(folder):
            if f.resolve() not in seen:
                seen.add(f.resolve())
                files.append((f, rs.id))
    outcomes: list[Outcome] = []
    covered: dict[str, set] = {rid: set() for rid in folder_ids}
    all_files = [(f, owner) for f, owner in files] + [(Path(p), None) for p in extra_files or []]
    for f, owner in all_files:
        for case in load_cases(f, owner):
            for rid in case.rulesets:
                if rid not in folder_ids:
                    if rid not in known and not ids:
                        raise _fail(case.doc, ("caso", case.index, "conjunto") if "conjunto" in case.data else ("conjunto",), f"unknown rule set '{rid}'", did_you_mean(rid, known) or None)
                    continue
                o = run_case(case, folder_ids[rid])
                outcomes.append(o)
                covered[rid] |= o.covers
    uncovered = {rid: sorted(describe_item(i) for i in coverage_items(rs) - covered[rid]) for rid, rs in folder_ids.items()}
    return Report(outcomes, uncovered)


__all__ = ["Case", "Outcome", "Report", "all_case_files", "case_files", "coverage_items", "load_cases", "run_case", "run_for", "search_dirs"]
