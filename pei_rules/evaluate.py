"""Evaluation: a plan, a rule set and a year in; figures with their derivations out.

The engine never prints. Every :class:`Figure` records the rule that produced it
(file:line and formula text), its inputs (plan file:line and key, or other figures),
the exact value, the rounding applied, and the band with the bound that placed it.
"""
from __future__ import annotations

import datetime as _dt
import decimal
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from . import __version__
from . import vocabulary as V
from .errors import PlanError, did_you_mean
from .expressions import CONTEXT, EvalFailure, Expression, NoData
from .plan import Action, Activity, Indicator, Objective, Plan
from .ruleset import Band, RuleSet, ZeroDecision
from .tomlsource import SourceRef

OK = "ok"
ND = "sin_dato"


@dataclass(slots=True)
class Input:
    """One input of a figure: a plan value, a rule parameter, or another figure."""

    name: str
    value: Decimal | None
    ref: SourceRef | None = None  # plan or rule location
    figure: str | None = None  # id of the figure it comes from
    weight: Decimal | None = None
    note: str | None = None
    used: bool = True


@dataclass(slots=True)
class Figure:
    id: str
    kind: str
    code: str | None
    scope: str
    label: str
    exact: Decimal | None = None
    value: Decimal | None = None  # rounded
    decimals: int | None = None
    status: str = OK
    reason: str | None = None
    rule: SourceRef | None = None
    formula: str | None = None
    method: str | None = None
    inputs: list[Input] = field(default_factory=list)
    band: Band | None = None
    scale: str | None = None
    owner: str | None = None  # owning OEI/AEI code for indicators and AOs

    @property
    def band_name(self) -> str | None:
        if self.band is not None:
            return self.band.name
        return ND if self.scale else None


@dataclass
class CountTable:
    name: str
    label: str
    figure: str
    counts: dict[str, int]  # band name (and sin_dato) -> count
    total: int
    members: dict[str, list[str]]  # band -> figure ids
    ref: SourceRef


@dataclass
class Evaluation:
    plan: Plan
    rules: RuleSet
    year: int
    figures: dict[str, Figure]
    counts: dict[str, CountTable]
    why_rules: str | None = None
    created: str = ""
    period: str = "anual"
    semester: int | None = None

    def get(self, fid: str) -> Figure:
        return self.figures[fid]

    def by_kind(self, kind: str) -> list[Figure]:
        return [f for f in self.figures.values() if f.kind == kind]

    def receipt(self) -> dict:
        return {
            "pei_rules_version": __version__,
            "rule_set": self.rules.receipt(),
            "rule_set_choice": self.why_rules,
            "plan": self.plan.receipt(),
            "year": self.year,
            "period": self.period,
            **({"semester": self.semester} if self.semester is not None else {}),
            "created": self.created,
        }

    @property
    def period_key(self) -> str:
        """The evaluated period as plans key it: "2023" or "2025-S1"."""
        return f"{self.year}-S{self.semester}" if self.semester is not None else str(self.year)

    def not_recomputable(self) -> list[Figure]:
        return [f for f in self.figures.values() if f.status != OK]


class _Loc:
    """A plan location recorded cheaply (object and keys); resolved to a SourceRef only when a
    derivation is traced, so an untraced evaluation (batch) never pays for line look-ups."""

    __slots__ = ("obj", "keys")

    def __init__(self, obj: Any, keys: tuple):
        self.obj = obj
        self.keys = keys

    def resolve(self, plan: Plan) -> SourceRef:
        if self.obj is None:
            return plan.doc.ref(self.keys)
        return plan.ref(self.obj, *self.keys)


def figure_id(kind: str, code: str | None) -> str:
    return f"{kind}:{code}" if code else kind


def _sum(values: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for v in values:
        total += v
    return total


def from_months(values: list[Decimal | None], method: str) -> Decimal | None:
    """An annual (or period) value from monthly values, by one of the rule set's methods
    (``[agregacion_ao]``): "suma" and "media" need every month; "ultimo" takes the last month
    with a value; "maximo" the largest of the months with a value. ``None``: no value."""
    if method in ("suma", "media"):
        if not values or any(v is None for v in values):
            return None
        total = _sum(values)
        return total if method == "suma" else total / len(values)
    known = [v for v in values if v is not None]
    if not known:
        return None
    if method == "ultimo":
        return known[-1]
    if method == "maximo":
        return max(known)
    raise AssertionError(method)  # methods are validated when the rule set loads


MONTHLY_NOTES = {
    "suma": "suma de los meses",
    "media": "media de los meses",
    "ultimo": "último mes con dato",
    "maximo": "máximo de los meses",
}


class _Evaluator:
    def __init__(self, plan: Plan, rules: RuleSet, year: int, trace: bool = True):
        self.plan = plan
        self.trace = trace  # record each figure's inputs (explain, audit, reports); batch runs without
        self.in_context = False  # set by evaluate(): the Decimal context is already CONTEXT
        self.rules = rules
        self.year = year
        self.figures: dict[str, Figure] = {}
        self.mode = V.ROUNDING_MODES[rules.rounding_mode]
        self.quanta = {k: Decimal(1).scaleb(-d) for k, d in rules.decimals.items()}
        self.params = rules.parameters
        self.param_refs = {p: rules.ref("parametros", p) for p in rules.parameters}
        self.poi = plan.model.poi.get(year)
        self.period = None  # PeriodSettings of a non-annual evaluation (see pei_rules.periods)
        self._cfg: dict[str, tuple] = {}  # per figure kind: rounding quantum, decimals, scale
        self._sentido_cfg: Any = ...  # [inferencia_sentido] settings, read once

    # --- helpers ------------------------------------------------------------------

    def _finish_cfg(self, kind: str) -> tuple:
        cfg = self._cfg.get(kind)
        if cfg is None:
            rules = self.rules
            scale_name = rules.band_for.get(kind)
            cfg = self._cfg[kind] = (
                self.quanta[kind],
                rules.decimals[kind],
                scale_name,
                rules.scales[scale_name] if scale_name else None,
                rules.compare == "redondeado",
            )
        return cfg

    def finish(self, f: Figure) -> Figure:
        q, decimals, scale_name, scale, on_rounded = self._finish_cfg(f.kind)
        if f.exact is not None:
            f.decimals = decimals
            try:
                f.value = f.exact.quantize(q, rounding=self.mode)
                if f.value.is_zero():
                    f.value = f.value.copy_abs()  # -0.04 prints 0.0, as Excel's ROUND does, never "-0.0"
            except InvalidOperation:  # more digits than the context holds: no number, never a crash
                f.status, f.exact, f.value = ND, None, None
                f.reason = "número fuera de rango" + (f"; {f.reason}" if f.reason else "")
        if scale is not None:
            f.scale = scale_name
            if f.value is not None:
                f.band = scale.classify(f.value if on_rounded else f.exact)
        self.figures[f.id] = f
        return f

    def _ref(self, r: Any) -> SourceRef | None:
        return r.resolve(self.plan) if isinstance(r, _Loc) else r

    def run_formula(self, f: Figure, expr: Expression, env: dict[str, Decimal | None], refs: Any, zero: tuple | None = None) -> Figure:
        """Evaluate ``expr`` for figure ``f``. ``refs`` maps input names to where they come from
        (a location, or (location, note)); it may be a function returning that map, called only
        when the derivation is traced or an input is N/D."""
        f.formula = expr.text
        params = self.params
        names = expr.sorted_names
        values = tuple([env[n] if n in env else params.get(n) for n in names])
        if callable(refs) and (self.trace or any(v is None for v in values)):
            refs = refs()
        if self.trace:
            for name in names:
                if name in params:
                    f.inputs.append(Input(name, params[name], ref=self.param_refs[name], note="parámetro"))
                else:
                    r = refs.get(name)
                    note = None
                    if isinstance(r, tuple):
                        r, note = r
                    f.inputs.append(Input(name, env.get(name), ref=self._ref(r), note=note))
        try:
            if self.in_context:  # inside evaluate(): plan values are finite Decimals (plan schema)
                f.exact = expr.call(values)
            else:
                for v in values:
                    if v is not None and not (type(v) is Decimal and v.is_finite()):
                        raise EvalFailure("invalid_operation", "an input is not a finite number")
                with decimal.localcontext(CONTEXT):
                    f.exact = expr.call(values)
        except NoData as nd:
            f.status = ND
            parts = []
            for name in nd.names:
                r = refs.get(name) if isinstance(refs, dict) else None
                note = r[1] if isinstance(r, tuple) else None
                parts.append(f"'{name}'" + (f" ({note})" if note else " es N/D"))
            f.reason = "sin dato: " + ", ".join(parts)
        except EvalFailure as ef:
            decision = None
            if zero is not None:
                decision = zero[0] if ef.reason == "division_by_zero" else zero[1] if ef.reason == "invalid_operation" else None
            if decision is not None:
                return self.zero_decision(f, expr, env, decision, ef.reason)
            if ef.reason == "division_by_zero" and self.rules.on_division_by_zero == "error":
                r = f.rule
                raise PlanError(
                    f"{f.id}: division by zero in '{expr.text}'",
                    file=r.file if r else None,
                    line=r.line if r else None,
                    rule=f.kind,
                ) from None
            f.status = ND
            f.reason = {"division_by_zero": "división por cero", "invalid_operation": "operación indefinida (0/0)", "overflow": "número fuera de rango"}.get(ef.reason, ef.reason)
            f.reason += f" en '{expr.text}'"
        return self.finish(f)

    def zero_decision(self, f: Figure, expr: Expression, env: dict, d: ZeroDecision, why: str) -> Figure:
        """The rule set's decision for a zero denominator in this (sentido, agregación) case."""
        what = "división por cero" if why == "division_by_zero" else "0/0"
        if d.expr is None:
            f.status = ND
            f.reason = f"{what} en '{expr.text}' (decisión del caso: sin dato, {d.ref})"
            return self.finish(f)
        f.formula = f"{expr.text}; con {what}: {d.text}"
        f.rule = d.ref
        params = self.params
        names = d.expr.sorted_names
        values = tuple([env[n] if n in env else params.get(n) for n in names])
        if self.trace:
            for name in names:
                if name in params and not any(i.name == name for i in f.inputs):
                    f.inputs.append(Input(name, params[name], ref=self.param_refs[name], note="parámetro"))
        try:
            with decimal.localcontext(CONTEXT):
                f.exact = d.expr.call(values)
            f.reason = f"{what} en '{expr.text}': decisión del caso '{d.text}'"
        except NoData as nd:
            f.status, f.exact = ND, None
            f.reason = f"{what}; la decisión '{d.text}' no tiene dato: " + ", ".join(nd.names)
        except EvalFailure as ef:
            f.status, f.exact = ND, None
            f.reason = f"{what}; la decisión '{d.text}' no da número ({ef.reason})"
        return self.finish(f)

    def category(self, field_name: str, word: str, obj: Any, key: str) -> str:
        cat = self.rules.synonyms.get(field_name, {}).get(word.casefold())
        if cat is None:
            r = self.plan.ref(obj, key)
            known = sorted({w for w in self.rules.synonyms.get(field_name, {})})
            raise PlanError(
                f"'{word}' is not a {field_name} known to rule set '{self.rules.id}'",
                file=r.file,
                line=r.line,
                key=r.key,
                suggestion=did_you_mean(word.casefold(), known) or f"known: {', '.join(known)}",
            )
        return cat

    # --- indicators ----------------------------------------------------------------

    def indicator_env(self, ind: Indicator) -> tuple[dict, dict]:
        y = self.year
        plan = self.plan
        env: dict[str, Decimal | None] = {}
        refs: dict[str, Any] = {}

        def val(table: dict, name: str, year: int) -> tuple[Decimal | None, Any]:
            if year in table:
                v = table[year]
                return v, (_Loc(ind, (name, str(year))), None if v is not None else "N/D en el plan")
            return None, (_Loc(ind, (name,)), f"el plan no da {name} para {year}")

        cats, form = self.rules.cumulative_entry
        if form == "acumulada" and cats and self.rules.synonyms["agregacion"].get(ind.agregacion.casefold()) in cats:
            self.cumulative_indicator_env(ind, env, refs)
            if self.period is not None:
                self.semester_indicator_env(ind, env, refs)
            return env, refs
        env["obtenido"], refs["obtenido"] = val(ind.valor_obtenido, "valor_obtenido", y)
        env["esperado"], refs["esperado"] = val(ind.logro_esperado, "logro_esperado", y)
        if ind.linea_base is not None:
            env["base"] = ind.linea_base.valor
            refs["base"] = (_Loc(ind, ("linea_base", "valor")), None if env["base"] is not None else "N/D en el plan")
        else:
            env["base"], refs["base"] = None, (_Loc(ind, ()), "el plan no da línea base")
        start = plan.model.plan.desde
        for name, table, fld in (("obtenido_acumulado", ind.valor_obtenido, "valor_obtenido"), ("esperado_acumulado", ind.logro_esperado, "logro_esperado")):
            vals = [table.get(yy) for yy in range(start, y + 1)]
            env[name] = None if (not vals or any(v is None for v in vals)) else _sum(vals)
            refs[name] = (_Loc(ind, (fld,)), f"suma {start}-{y}" + ("" if env[name] is not None else f": falta algún año {start}-{y}"))
        final = plan.model.plan.hasta
        env["esperado_final"], refs["esperado_final"] = val(ind.logro_esperado, "logro_esperado", final)
        if self.period is not None:
            self.semester_indicator_env(ind, env, refs)
        return env, refs

    def cumulative_indicator_env(self, ind: Indicator, env: dict, refs: dict) -> None:
        """[avance.entrada_acumulados] forma = "acumulada": the plan writes running totals from
        the plan's first year; the year's own value is this year's total minus last year's."""
        y, plan = self.year, self.plan
        start = plan.model.plan.desde
        for name, table, fld in (("obtenido", ind.valor_obtenido, "valor_obtenido"), ("esperado", ind.logro_esperado, "logro_esperado")):
            total = table.get(y)
            prev = table.get(y - 1) if y > start else Decimal(0)
            env[f"{name}_acumulado"] = total
            env[name] = None if total is None or prev is None else total - prev
            where = _Loc(ind, (fld, str(y))) if y in table else _Loc(ind, (fld,))
            refs[f"{name}_acumulado"] = (where, "total acumulado escrito en el plan" if total is not None else f"el plan no da {fld} para {y}")
            refs[name] = (where, f"total {y} menos total {y - 1}" + ("" if env[name] is not None else f": falta el total de {y if total is None else y - 1}"))
        if ind.linea_base is not None:
            env["base"] = ind.linea_base.valor
            refs["base"] = (_Loc(ind, ("linea_base", "valor")), None if env["base"] is not None else "N/D en el plan")
        else:
            env["base"], refs["base"] = None, (_Loc(ind, ()), "el plan no da línea base")
        final = plan.model.plan.hasta
        v = ind.logro_esperado.get(final)
        env["esperado_final"], refs["esperado_final"] = v, (_Loc(ind, ("logro_esperado",)), None if v is not None else f"el plan no da logro_esperado para {final}")

    def semester_indicator_env(self, ind: Indicator, env: dict, refs: dict) -> None:
        """Semestral evaluation: obtenido/esperado from the plan's [indicador.semestral]."""
        from .periods import semester_key

        y, k, mode = self.year, self.semester, self.period.indicators
        sem = ind.semestral
        tables = {"valor_obtenido": sem.valor_obtenido if sem else {}, "logro_esperado": sem.logro_esperado if sem else {}}
        for fld, table in tables.items():
            for key in table:
                if not re.fullmatch(r"\d{4}-S[12]", key):
                    r = self.plan.ref(ind, "semestral", fld, key)
                    raise PlanError(f"semester key '{key}' is not written as YEAR-S1 or YEAR-S2", file=r.file, line=r.line, key=r.key, suggestion=f'e.g. "{y}-S1"')
        start = self.plan.model.plan.desde
        for name, fld, annual in (("obtenido", "valor_obtenido", ind.valor_obtenido), ("esperado", "logro_esperado", ind.logro_esperado)):
            table = tables[fld]
            keys = [semester_key(y, j) for j in (range(1, k + 1) if mode == "acumulado_en_el_anio" else [k])]
            vals = [table.get(key) for key in keys]
            missing = [key for key in keys if table.get(key) is None]
            env[name] = None if missing else _sum(vals)
            where = self.plan.ref(ind, "semestral", fld, keys[-1]) if keys[-1] in table else self.plan.ref(ind, "semestral") if sem else self.plan.ref(ind)
            how = " + ".join(keys)
            refs[name] = (where, f"semestral {how}" + (f": el plan no da {fld} para {', '.join(missing)}" if missing else ""))
            # cumulative inputs: whole previous years, then this year's semesters up to k
            prev = [annual.get(yy) for yy in range(start, y)]
            this = [table.get(semester_key(y, j)) for j in range(1, k + 1)]
            acc = f"{name}_acumulado"
            ok = all(v is not None for v in prev + this)
            env[acc] = _sum(prev + this) if ok else None
            refs[acc] = (where, f"suma {start}-{y - 1} y semestres {y}-S1..S{k}" + ("" if ok else ": falta algún año o semestre"))

    def applied_sentido(self, ind: Indicator, declared: str, agregacion: str) -> tuple[str, str | None]:
        """The sentido the evaluation uses: the inferred one when [inferencia_sentido] aplicar = "evaluar"."""
        if "inferencia_sentido" not in self.rules.extra:
            return declared, None
        try:
            from . import inference
        except ImportError:  # pragma: no cover - the inference module ships with the engine
            return declared, None
        cfg = self._sentido_cfg
        if cfg is ...:
            cfg = self._sentido_cfg = inference.settings(self.rules)
        if cfg is None or cfg.apply != "evaluar":
            return declared, None
        inferred, why = inference.infer_sentido(ind, self.rules, self.plan)
        if inferred is None:
            return declared, f"sentido declarado: {why}"
        if agregacion not in self.rules.cases.get(inferred, []):
            return declared, f"sentido declarado: el inferido '{inferred}' no admite la agregación '{agregacion}' ({why})"
        return inferred, f"sentido inferido: {why}"

    def indicators(self) -> None:
        rules = self.rules
        for ind in self.plan.model.indicador:
            s = self.category("sentido", ind.sentido, ind, "sentido")
            a = self.category("agregacion", ind.agregacion, ind, "agregacion")
            s, inferred_note = self.applied_sentido(ind, s, a)
            if a not in rules.cases.get(s, []):
                r = self.plan.ref(ind, "agregacion")
                raise PlanError(
                    f"tipo de agregación '{ind.agregacion}' does not apply to sentido '{ind.sentido}' in rule set '{rules.id}'",
                    file=r.file,
                    line=r.line,
                    key=r.key,
                    suggestion=f"for sentido {s}: {', '.join(rules.cases.get(s, []))}",
                )
            env, refs = self.indicator_env(ind)
            owner = ind.de
            for kname, kind in rules.advance_kinds.items():
                fk = f"avance_{kname}"
                f = Figure(
                    id=figure_id(fk, ind.codigo),
                    kind=fk,
                    code=ind.codigo,
                    scope="indicador",
                    label=kind.label,
                    rule=kind.refs[(s, a)],
                    owner=owner,
                )
                f.method = f"{s} / {a}" + (f" ({inferred_note})" if inferred_note else "")
                zero = (kind.on_zero.get((s, a)), kind.on_zero_by_zero.get((s, a)))
                self.run_formula(f, kind.formulas[(s, a)], env, refs, zero if zero != (None, None) else None)
            p = self.figures[figure_id(f"avance_{rules.principal}", ind.codigo)]
            main = Figure(
                id=figure_id("avance_indicador", ind.codigo),
                kind="avance_indicador",
                code=ind.codigo,
                scope="indicador",
                label=rules.label_of("avance_indicador"),
                exact=p.exact,
                status=p.status,
                reason=p.reason,
                rule=rules.ref("avance", "principal"),
                formula=f"avance principal = {p.kind}",
                inputs=[Input(p.kind, p.exact, figure=p.id)] if self.trace else [],
                owner=owner,
            )
            self.finish(main)
            for name, fm in rules.formulas.items():
                if fm.scope == "indicador":
                    f = Figure(id=figure_id(name, ind.codigo), kind=name, code=ind.codigo, scope="indicador", label=fm.label, rule=fm.ref, owner=owner)
                    self.run_formula(f, fm.expr, env, refs)

    # --- POI formulas -----------------------------------------------------------------

    def ao_monthly_method(self, ao: Activity) -> str:
        """How this AO's annual physical value comes from its months: the rule set's
        [agregacion_ao] entry for the AO's tipo de agregación (without the section: the sum)."""
        table = self.rules.ao_monthly
        if ao.agregacion is None:
            return table.get(V.NO_AO_AGGREGATION, "suma")
        cat = self.category("agregacion_ao", ao.agregacion, ao, "agregacion")
        method = table.get(cat)
        if method is None:
            r = self.plan.ref(ao, "agregacion")
            raise PlanError(
                f"rule set '{self.rules.id}' does not say how an AO of tipo de agregación '{ao.agregacion}' adds up its months",
                file=r.file,
                line=r.line,
                key=r.key,
                suggestion=f'add [agregacion_ao] {cat} = "suma" (or ultimo, maximo, media) to the rule set',
            )
        return method

    def ao_env(self, ao: Activity) -> tuple[dict, Any]:
        """Inputs of an AO's formulas, and a function giving where each comes from."""
        pm, em = ao.programado_mensual, ao.ejecutado_mensual
        fpm, fem = ao.financiero_programado_mensual, ao.financiero_ejecutado_mensual
        if pm is None and em is None and fpm is None and fem is None and self.period is None:  # the common case: annual values
            env = {"programado": ao.programado, "ejecutado": ao.ejecutado, "pim": ao.pim, "devengado": ao.devengado}
            return env, lambda: self.ao_refs(ao, env)
        env: dict[str, Decimal | None] = {}
        method = self.ao_monthly_method(ao) if (pm is not None or em is not None) else "suma"
        for name, monthly in (("programado", pm), ("ejecutado", em)):
            env[name] = from_months(monthly, method) if monthly is not None else getattr(ao, name)
        for name, monthly in (("pim", fpm), ("devengado", fem)):
            # amounts: an annual value given wins (the loader checked the months agree with it)
            annual = getattr(ao, name)
            env[name] = annual if annual is not None or monthly is None else from_months(monthly, "suma")
        refs = self.ao_refs(ao, env, method)
        if self.period is not None:
            self.semester_ao_env(ao, env, refs, method)
        return env, refs

    AO_MONTHLY = (("programado", "programado_mensual"), ("ejecutado", "ejecutado_mensual"), ("pim", "financiero_programado_mensual"), ("devengado", "financiero_ejecutado_mensual"))

    def ao_refs(self, ao: Activity, env: dict, method: str = "suma") -> dict[str, Any]:
        refs: dict[str, Any] = {}
        for name, mkey in self.AO_MONTHLY:
            how = method if name in ("programado", "ejecutado") else "suma"
            if getattr(ao, name) is None and getattr(ao, mkey) is not None:
                note = MONTHLY_NOTES[how] + (f" ({ao.agregacion})" if how == method and ao.agregacion and name in ("programado", "ejecutado") else "")
                refs[name] = (_Loc(ao, (mkey,)), note + ("" if env.get(name) is not None else "; algún mes es N/D"))
            else:
                refs[name] = (_Loc(ao, (name,)), None if getattr(ao, name) is not None else "N/D o ausente en el plan")
        return refs

    def semester_ao_env(self, ao: Activity, env: dict, refs: dict, method: str = "suma") -> None:
        """Semestral evaluation: the semester's months (or January to its end) of the monthly values."""
        from .periods import semester_months

        k, mode = self.semester, self.period.ao
        months = semester_months(k, mode)
        whole_year = len(months) == 12
        for name, mkey in self.AO_MONTHLY:
            how = method if name in ("programado", "ejecutado") else "suma"
            monthly = getattr(ao, mkey)
            if monthly is not None:
                part = [monthly[i] for i in months]
                env[name] = from_months(part, how)
                refs[name] = (self.plan.ref(ao, mkey), f"{MONTHLY_NOTES[how]} {months.start + 1}-{months.stop}" + ("" if env[name] is not None else "; algún mes es N/D"))
            elif not whole_year:
                env[name] = None
                refs[name] = (self.plan.ref(ao, name), f"el plan no da {name} por mes: no hay cifra del semestre {k}")

    def semester_plan_env(self, env: dict, refs: dict) -> None:
        from .periods import semester_months

        if len(semester_months(self.semester, self.period.ao)) == 12:
            return  # January to December: the year's own figures
        for key in list(env):
            env[key] = None
            refs[key] = (self.plan.doc.ref(("poi",)), f"el plan no da {key} por semestre")

    def poi_formulas(self) -> None:
        rules = self.rules
        aos = self.poi.ao if self.poi else []
        for name, fm in rules.formulas.items():
            if fm.scope == "ao":
                prefix, label, ref, expr, run, ao_env = name + ":", fm.label, fm.ref, fm.expr, self.run_formula, self.ao_values
                for ao in aos:
                    env, refs = ao_env(ao)
                    code = ao.codigo
                    run(Figure(prefix + code, name, code, "ao", label, rule=ref, owner=ao.aei), expr, env, refs)
            elif fm.scope == "plan" and not self.reads_figures(fm):
                self.figure_formula(name, fm)

    def reads_figures(self, fm) -> bool:
        steps = self.__dict__.get("_steps_set")
        if steps is None:
            steps = self._steps_set = set(self.rules.steps)
        return any(n in steps for n in fm.expr.names)

    def release(self) -> None:
        """Drop the per-evaluation caches. They hold closures over the evaluator (a reference
        cycle), which would keep the plan and every figure alive until the cyclic collector
        runs; without them an evaluation is freed as soon as it is no longer used."""
        for cache in ("_ao_values", "_groups", "_steps_set"):
            self.__dict__.pop(cache, None)

    def ao_values(self, ao: Activity) -> tuple[dict, Any]:
        """The AO's formula inputs, computed once per evaluation."""
        cache = self.__dict__.setdefault("_ao_values", {})
        got = cache.get(id(ao))
        if got is None:
            got = cache[id(ao)] = self.ao_env(ao)
        return got

    def ao_sum(self, name: str, aos: list[Activity]) -> tuple[Decimal | None, str]:
        """The sum of an AO input over ``aos``: N/D when an AO lacks it, or there is none."""
        if not aos:
            return None, f"no hay AO en el POI {self.year}"
        vals, missing = [], []
        for ao in aos:
            v = self.ao_values(ao)[0].get(name)
            (missing.append(ao.codigo) if v is None else vals.append(v))
        if missing:
            return None, f"suma de {name} de {len(aos)} AO: sin dato en " + ", ".join(missing[:5]) + ("…" if len(missing) > 5 else "")
        return _sum(vals), f"suma de {name} de {len(aos)} AO"

    def figure_formula(self, name: str, fm) -> None:
        """A formula of scope aei / oei / plan over the figures of the same owner, the sums of
        its AOs' inputs, and (at plan scope) the POI's pim and devengado."""
        m = self.plan.model
        owners: list[tuple[str | None, Any]]
        if fm.scope == "aei":
            owners = [(a.codigo, a) for a in m.aei]
        elif fm.scope == "oei":
            owners = [(o.codigo, o) for o in m.oei]
        else:
            owners = [(None, None)]
        params = self.params
        for code, obj in owners:
            env: dict[str, Decimal | None] = {}
            refs: dict[str, Any] = {}
            fig_inputs: dict[str, str] = {}
            for n in fm.expr.sorted_names:
                if n in params:
                    continue
                if fm.scope == "plan" and n in ("pim", "devengado"):
                    if self.poi is not None:
                        env[n] = getattr(self.poi, n)
                        refs[n] = (_Loc(None, ("poi", str(self.year), n)), None if env[n] is not None else "N/D o ausente en el plan")
                    else:
                        env[n], refs[n] = None, (_Loc(None, ("poi",)), f"el plan no tiene POI {self.year}")
                    continue
                if n in V.AO_SUMS:
                    aos = [a for _, a in (self.members(fm.scope, code, "ao"))]
                    env[n], note = self.ao_sum(V.AO_SUMS[n], aos)
                    refs[n] = (_Loc(None, ("poi", str(self.year))), note)
                    continue
                g = self.figures.get(figure_id(n, code))
                env[n] = None if g is None else g.exact
                fig_inputs[n] = figure_id(n, code)
                refs[n] = (None, g.reason if g is not None and g.exact is None else (None if g is not None else f"no hay cifra {figure_id(n, code)}"))
            if fm.scope == "plan" and self.period is not None:
                plan_env = {k: env[k] for k in ("pim", "devengado") if k in env}
                self.semester_plan_env(plan_env, refs)
                env.update(plan_env)
            f = Figure(id=figure_id(name, code), kind=name, code=code, scope=fm.scope, label=fm.label, rule=fm.ref, owner=getattr(obj, "oei", None) if obj is not None else None)
            self.run_formula(f, fm.expr, env, refs)
            if self.trace and fig_inputs:
                for inp in f.inputs:
                    if inp.name in fig_inputs and inp.note != "parámetro":
                        inp.figure = fig_inputs[inp.name]

    # --- aggregates -------------------------------------------------------------------

    def members(self, scope: str, code: str | None, rel: str, of: str | None = None) -> list[tuple[str, Any]]:
        if of is not None:  # indicators owned by an AEI, or by an OEI, only
            level = self.plan.aei if of == "aei" else self.plan.oei
            return [(c, i) for c, i in self.members(scope, code, rel) if i.de in level]
        if scope == "oei" and rel == "ao":  # the AOs of the OEI's AEIs
            return [x for a in self._grouped("aei").get(code, ()) for x in self._grouped("ao").get(a[0], ())]
        if scope != "plan" and rel in ("indicadores", "aei", "ao"):
            return list(self._grouped(rel).get(code, ()))
        m = self.plan.model
        if rel == "indicadores":
            inds = m.indicador if scope == "plan" else [i for i in m.indicador if i.de == code]
            return [(i.codigo, i) for i in inds]
        if rel == "aei":
            acts = m.aei if scope == "plan" else [a for a in m.aei if a.oei == code]
            return [(a.codigo, a) for a in acts]
        if rel == "oei":
            return [(o.codigo, o) for o in m.oei]
        if rel == "ao":
            aos = self.poi.ao if self.poi else []
            if scope != "plan":
                aos = [a for a in aos if a.aei == code]
            return [(a.codigo, a) for a in aos]
        raise AssertionError(rel)

    def _grouped(self, rel: str) -> dict[str | None, list[tuple[str, Any]]]:
        """Members of each owner, in plan order, grouped once (not one scan per owner)."""
        cache = self.__dict__.setdefault("_groups", {})
        groups = cache.get(rel)
        if groups is None:
            m = self.plan.model
            if rel == "indicadores":
                items, owner = m.indicador, "de"
            elif rel == "aei":
                items, owner = m.aei, "oei"
            else:
                items, owner = (self.poi.ao if self.poi else []), "aei"
            groups = {}
            for x in items:
                groups.setdefault(getattr(x, owner), []).append((x.codigo, x))
            cache[rel] = groups
        return groups

    def aggregates(self) -> None:
        rules = self.rules
        m = self.plan.model
        for name in rules.steps or rules.order:
            if name in rules.formulas:
                fm = rules.formulas[name]
                if fm.scope != "plan" or self.reads_figures(fm):
                    self.figure_formula(name, fm)
                continue
            ag = rules.aggregates[name]
            if ag.scope == "plan":
                owners: list[tuple[str | None, Any]] = [(None, None)]
            elif ag.scope == "aei":
                owners = [(a.codigo, a) for a in m.aei]
            else:
                owners = [(o.codigo, o) for o in m.oei]
            for code, obj in owners:
                f = Figure(
                    id=figure_id(name, code),
                    kind=name,
                    code=code,
                    scope=ag.scope,
                    label=ag.label,
                    rule=ag.ref,
                    method=ag.method,
                    owner=getattr(obj, "oei", None) if obj is not None else None,
                )
                self.aggregate(f, ag, self.members(ag.scope, code, ag.members, ag.of))

    def aggregate(self, f: Figure, ag, members: list[tuple[str, Any]]) -> None:
        rules = self.rules
        intermediates = ag.intermediates or rules.intermediates
        use_exact = intermediates == "exactos"
        trace = self.trace
        values: list[tuple[Decimal, Any, Input | None]] = []
        missing: list[str] = []
        had_members = False
        figures = self.figures
        prefix = ag.value + ":"
        for code, obj in members:
            mf = figures.get(prefix + code)
            if mf is None:
                continue
            had_members = True
            v = mf.exact if use_exact else mf.value
            inp = None
            if trace:
                inp = Input(ag.value, v, figure=mf.id)
                f.inputs.append(inp)
            if v is None:
                if inp is not None:
                    inp.used = ag.no_data == "propagar"
                    inp.note = mf.reason
                missing.append(f"{code} ({mf.reason})" if mf.reason else code)
            else:
                values.append((v, obj, inp))
        members_text = ag.members + (f" de {ag.of.upper()}" if ag.of else "")
        values_text = "valores exactos" if use_exact else "valores redondeados"
        f.formula = f"{ag.method}({ag.value} de {members_text}; {values_text})"
        if missing and ag.no_data == "propagar":
            f.status, f.reason = ND, f"sin dato en {', '.join(missing)} (sin_dato = propagar)"
            self.finish(f)
            return
        if not values:
            f.status = ND
            f.reason = f"ningún miembro con dato: {'; '.join(missing)}" if had_members else f"no tiene {ag.members} para {self.year}"
            self.finish(f)
            return
        nums = [v for v, _, _ in values]
        method = ag.method
        if method == "media":
            f.exact = _sum(nums) / len(nums)
        elif method == "suma":
            f.exact = _sum(nums)
        elif method == "minimo":
            f.exact = min(nums)
        elif method == "maximo":
            f.exact = max(nums)
        elif method == "mediana":
            s = sorted(nums)
            n = len(s)
            f.exact = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
        elif method == "media_ponderada":
            scheme = rules.weight_schemes[ag.weighting]
            rels = []
            for v, obj, inp in values:
                r = getattr(obj, "relevancia", None)
                if r is None and isinstance(obj, Indicator):
                    owner = self.plan.aei.get(obj.de) or self.plan.oei.get(obj.de)
                    r = getattr(owner, "relevancia", None)
                if r is None:
                    f.status = ND
                    f.reason = f"'{getattr(obj, 'codigo', '?')}' no tiene relevancia: no se puede ponderar"
                    self.finish(f)
                    return
                rels.append(Decimal(r))
            env = {"r_max": max(rels), "r_min": min(rels), "n": Decimal(len(rels))}
            env.update(self.params)
            raws = []
            try:
                for r in rels:
                    env["r"] = r
                    raws.append(scheme.evaluate(env))
            except (EvalFailure, NoData) as exc:
                f.status, f.reason = ND, f"peso no calculable: {exc}"
                self.finish(f)
                return
            total = _sum(raws)
            if total == 0 or any(w < 0 for w in raws):
                f.status, f.reason = ND, "los pesos suman cero o son negativos"
                self.finish(f)
                return
            if trace:
                for (v, obj, inp), raw, r in zip(values, raws, rels):
                    inp.weight = raw / total
                    inp.note = f"relevancia {r}, peso {raw}/{total}"
            f.exact = _sum(v * raw for (v, _, _), raw in zip(values, raws)) / total
            f.formula = f"media_ponderada({ag.value} de {members_text}; {values_text}; pesos: {ag.weighting} = {scheme.text})"
            if trace:
                f.inputs.append(Input("ponderacion", None, ref=rules.ref("ponderacion", "esquemas", ag.weighting), note=f"{ag.weighting} = {scheme.text}", used=False))
        else:  # pragma: no cover - methods are validated at load
            raise AssertionError(method)
        if missing:
            f.reason = f"excluidos por sin dato: {', '.join(missing)}"
        self.finish(f)

    # --- counts -----------------------------------------------------------------------

    def count_tables(self) -> dict[str, CountTable]:
        rules = self.rules
        out: dict[str, CountTable] = {}
        for name, c in rules.counts.items():
            scale = rules.scales[rules.band_for[c.figure]]
            counts = {b.name: 0 for b in scale.bands}
            counts[ND] = 0
            members: dict[str, list[str]] = {k: [] for k in counts}
            for f in self.figures.values():
                if f.kind != c.figure:
                    continue
                if c.of == "aei" and f.owner not in self.plan.aei:
                    continue
                if c.of == "oei" and f.owner not in self.plan.oei:
                    continue
                b = f.band.name if f.band else ND
                counts[b] += 1
                members[b].append(f.id)
            out[name] = CountTable(name, c.label, c.figure, counts, sum(counts.values()), members, c.ref)
        return out


def evaluate(
    plan: Plan,
    rules: RuleSet,
    year: int,
    *,
    why_rules: str | None = None,
    period: str = "anual",
    semester: int | None = None,
    trace: bool = True,
) -> Evaluation:
    """Evaluate ``plan`` for ``year`` (and ``semester`` of a semestral ``period``) under ``rules``.

    ``trace=False`` computes the same figures without recording each figure's inputs (for
    batch runs, whose outputs do not carry derivations); explain, audit and reports trace.
    """
    from .periods import settings as _period_settings

    period_settings = _period_settings(rules, period, semester)  # refuses periods the rule set does not declare
    if not (plan.model.plan.desde - 1 <= year <= plan.model.plan.hasta + 1):
        raise PlanError(
            f"year {year} is outside the plan horizon {plan.model.plan.desde}-{plan.model.plan.hasta}",
            file=plan.path,
            line=plan.doc.line_of(("plan", "desde")),
            key=("plan",),
        )
    ev = _Evaluator(plan, rules, year, trace=trace)
    if period != "anual":
        ev.period, ev.semester = period_settings, semester
    with decimal.localcontext(CONTEXT):
        ev.in_context = True
        ev.indicators()
        ev.poi_formulas()
        ev.aggregates()
        counts = ev.count_tables()
    ev.release()
    return Evaluation(
        plan=plan,
        rules=rules,
        year=year,
        figures=ev.figures,
        counts=counts,
        why_rules=why_rules,
        created=_dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        period=period,
        semester=semester if period != "anual" else None,
    )


def count_id(name: str, band: str) -> str:
    return f"conteo:{name}:{band}"
