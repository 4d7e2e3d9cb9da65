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

from ._version import __version__
from . import inference
from . import vocabulary as V
from .errors import PlanError, did_you_mean
from .aggregation import aggregate, raw_weights
from .expressions import CONTEXT, EvalFailure, Expression, NoData
from .i18n import Message, msg
from .periods import semester_key, semester_months
from .periods import settings as _period_settings
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
    weight: Decimal | None = None  # normalised weight in a weighted aggregate (raw / Σ raw)
    note: str | None = None
    used: bool = True
    relevance: Decimal | None = None  # the member's relevance, in a weighted aggregate
    raw_weight: Decimal | None = None  # the weighting scheme's value for that relevance


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
    why_rules: Any = None  # why the rule set was chosen: an i18n Message (or text)
    created: str = ""
    period: str = "anual"
    semester: int | None = None

    def __repr__(self) -> str:  # short: the figures are many (``to_records`` lists them)
        return (
            f"<Evaluation {self.plan.model.entidad.nombre!r} {self.period_key} rules={self.rules.id!r} "
            f"figures={len(self.figures)} sin_dato={sum(1 for f in self.figures.values() if f.status != OK)}>"
        )

    def get(self, fid: str) -> Figure:
        return self.figures[fid]

    def by_kind(self, kind: str) -> list[Figure]:
        return [f for f in self.figures.values() if f.kind == kind]

    def receipt(self) -> dict:
        return {
            "pei_rules_version": __version__,
            "rule_set": self.rules.receipt(),
            "rule_set_choice": None if self.why_rules is None else str(self.why_rules),
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


MONTHLY_NOTES = {  # catalogue ids, by method
    "suma": "ev_months_suma",
    "media": "ev_months_media",
    "ultimo": "ev_months_ultimo",
    "maximo": "ev_months_maximo",
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
                f.reason = Message("ev_out_of_range_and", reason=f.reason) if f.reason else Message("ev_out_of_range")
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
                    f.inputs.append(Input(name, params[name], ref=self.param_refs[name], note=Message("ev_parameter")))
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
                parts.append(Message("ev_input_with_note", name=name, note=note) if note else Message("ev_input_is_nd", name=name))
            f.reason = Message("ev_no_data", inputs=", ".join(parts))
        except EvalFailure as ef:
            decision = None
            if zero is not None:
                decision = zero[0] if ef.reason == "division_by_zero" else zero[1] if ef.reason == "invalid_operation" else None
            if decision is not None:
                return self.zero_decision(f, expr, env, decision, ef.reason)
            if ef.reason == "division_by_zero" and self.rules.on_division_by_zero == "error":
                r = f.rule
                raise PlanError(
                    msg("rf_division_by_zero", figure=f.id, expr=expr.text),
                    file=r.file if r else None,
                    line=r.line if r else None,
                    rule=f.kind,
                ) from None
            f.status = ND
            known = {"division_by_zero": "ev_division_by_zero", "invalid_operation": "ev_invalid_operation", "overflow": "ev_overflow"}
            f.reason = Message(known[ef.reason], expr=expr.text) if ef.reason in known else Message("ev_failure", reason=ef.reason, expr=expr.text)
        return self.finish(f)

    def zero_decision(self, f: Figure, expr: Expression, env: dict, d: ZeroDecision, why: str) -> Figure:
        """The rule set's decision for a zero denominator in this (sentido, agregación) case."""
        what = Message("ev_zero_division") if why == "division_by_zero" else "0/0"
        if d.expr is None:
            f.status = ND
            f.reason = Message("ev_zero_case_nd", what=what, expr=expr.text, ref=str(d.ref))
            return self.finish(f)
        f.formula = Message("ev_zero_formula", expr=expr.text, what=what, decision=d.text)
        f.rule = d.ref
        params = self.params
        names = d.expr.sorted_names
        values = tuple([env[n] if n in env else params.get(n) for n in names])
        if self.trace:
            for name in names:
                if name in params and not any(i.name == name for i in f.inputs):
                    f.inputs.append(Input(name, params[name], ref=self.param_refs[name], note=Message("ev_parameter")))
        try:
            with decimal.localcontext(CONTEXT):
                f.exact = d.expr.call(values)
            f.reason = Message("ev_zero_decided", what=what, expr=expr.text, decision=d.text)
        except NoData as nd:
            f.status, f.exact = ND, None
            f.reason = Message("ev_zero_decision_nd", what=what, decision=d.text, names=", ".join(nd.names))
        except EvalFailure as ef:
            f.status, f.exact = ND, None
            f.reason = Message("ev_zero_decision_failed", what=what, decision=d.text, detail=ef.reason)
        return self.finish(f)

    def owner(self, ind: Indicator) -> Any:
        return self.plan.aei.get(ind.de) or self.plan.oei.get(ind.de)

    def grade(self, obj: Any, weigh_by: str) -> tuple[Decimal | None, Message | None]:
        """A member's grade r in a weighted aggregate: its relevancia, or the grade the rule set's
        [ponderacion.grados_prioridad] gives its prioridad (a rank written as a number is its own
        grade); an indicator takes its owner's."""
        holder = self.owner(obj) if isinstance(obj, Indicator) and getattr(obj, weigh_by, None) is None else obj
        value = getattr(holder, weigh_by, None)
        code = getattr(obj, "codigo", "?")
        if value is None:
            return None, Message("ev_no_relevance" if weigh_by == "relevancia" else "ev_no_priority", code=code)
        if weigh_by == "relevancia" or str(value).isdigit():
            return Decimal(int(value)), None
        vocab = "prioridad_ao" if isinstance(holder, Activity) else "prioridad"
        cat = self.rules.synonyms.get(vocab, {}).get(str(value).casefold())
        if cat is None or cat not in self.rules.priority_grades:
            return None, Message("ev_priority_no_grade", code=code, word=value)
        return Decimal(self.rules.priority_grades[cat]), None

    def category(self, field_name: str, word: str, obj: Any, key: str) -> str:
        cat = self.rules.synonyms.get(field_name, {}).get(word.casefold())
        if cat is None:
            r = self.plan.ref(obj, key)
            known = sorted({w for w in self.rules.synonyms.get(field_name, {})})
            raise PlanError(
                msg("rf_unknown_word", word=word, field=field_name, rules=self.rules.id),
                file=r.file,
                line=r.line,
                key=r.key,
                suggestion=did_you_mean(word.casefold(), known) or msg("rf_known", known=", ".join(known)),
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
                return v, (_Loc(ind, (name, str(year))), None if v is not None else Message("ev_nd_in_plan"))
            return None, (_Loc(ind, (name,)), Message("ev_plan_lacks_for_year", name=name, year=year))

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
            refs["base"] = (_Loc(ind, ("linea_base", "valor")), None if env["base"] is not None else Message("ev_nd_in_plan"))
        else:
            env["base"], refs["base"] = None, (_Loc(ind, ()), Message("ev_no_baseline"))
        start = plan.model.plan.desde
        for name, table, fld in (("obtenido_acumulado", ind.valor_obtenido, "valor_obtenido"), ("esperado_acumulado", ind.logro_esperado, "logro_esperado")):
            vals = [table.get(yy) for yy in range(start, y + 1)]
            env[name] = None if (not vals or any(v is None for v in vals)) else _sum(vals)
            refs[name] = (_Loc(ind, (fld,)), Message("ev_sum_years" if env[name] is not None else "ev_sum_years_missing", start=start, end=y))
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
        y, k, mode = self.year, self.semester, self.period.indicators
        sem = ind.semestral
        tables = {"valor_obtenido": sem.valor_obtenido if sem else {}, "logro_esperado": sem.logro_esperado if sem else {}}
        for fld, table in tables.items():
            for key in table:
                if not re.fullmatch(r"\d{4}-S[12]", key):
                    r = self.plan.ref(ind, "semestral", fld, key)
                    raise PlanError(msg("rf_semester_key", key=key), file=r.file, line=r.line, key=r.key, suggestion=msg("rf_for_example", example=f'"{y}-S1"'))
        start = self.plan.model.plan.desde
        for name, fld, annual in (("obtenido", "valor_obtenido", ind.valor_obtenido), ("esperado", "logro_esperado", ind.logro_esperado)):
            table = tables[fld]
            keys = [semester_key(y, j) for j in (range(1, k + 1) if mode == "acumulado_en_el_anio" else [k])]
            vals = [table.get(key) for key in keys]
            missing = [key for key in keys if table.get(key) is None]
            env[name] = None if missing else _sum(vals)
            where = self.plan.ref(ind, "semestral", fld, keys[-1]) if keys[-1] in table else self.plan.ref(ind, "semestral") if sem else self.plan.ref(ind)
            how = " + ".join(keys)
            refs[name] = (where, Message("ev_semester_missing", how=how, name=fld, keys=", ".join(missing)) if missing else Message("ev_semester", how=how))
            # cumulative inputs: whole previous years, then this year's semesters up to k
            prev = [annual.get(yy) for yy in range(start, y)]
            this = [table.get(semester_key(y, j)) for j in range(1, k + 1)]
            acc = f"{name}_acumulado"
            ok = all(v is not None for v in prev + this)
            env[acc] = _sum(prev + this) if ok else None
            refs[acc] = (where, Message("ev_sum_semesters" if ok else "ev_sum_semesters_missing", start=start, prev=y - 1, year=y, k=k))

    def applied_sentido(self, ind: Indicator, declared: str, agregacion: str) -> tuple[str, str | None]:
        """The sentido the evaluation uses: the inferred one when [inferencia_sentido] aplicar = "evaluar"."""
        if "inferencia_sentido" not in self.rules.extra:
            return declared, None
        cfg = self._sentido_cfg
        if cfg is ...:
            cfg = self._sentido_cfg = inference.settings(self.rules)
        if cfg is None or cfg.apply != "evaluar":
            return declared, None
        inferred, why = inference.infer_sentido(ind, self.rules, self.plan)
        if inferred is None:
            return declared, Message("ev_sentido_declared", why=why)
        if agregacion not in self.rules.cases.get(inferred, []):
            return declared, Message("ev_sentido_declared_incompatible", inferred=inferred, agregacion=agregacion, why=why)
        return inferred, Message("ev_sentido_inferred", why=why)

    def indicators(self) -> None:
        rules = self.rules
        for ind in self.plan.model.indicador:
            s = self.category("sentido", ind.sentido, ind, "sentido")
            a = self.category("agregacion", ind.agregacion, ind, "agregacion")
            s, inferred_note = self.applied_sentido(ind, s, a)
            if a not in rules.cases.get(s, []):
                r = self.plan.ref(ind, "agregacion")
                raise PlanError(
                    msg("rf_case_not_allowed", agregacion=ind.agregacion, sentido=ind.sentido, rules=rules.id),
                    file=r.file,
                    line=r.line,
                    key=r.key,
                    suggestion=msg("rf_for_sentido", category=s, allowed=", ".join(rules.cases.get(s, []))),
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
                formula=Message("ev_principal", kind=p.kind),
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
                msg("rf_ao_months_unknown", rules=self.rules.id, agregacion=ao.agregacion),
                file=r.file,
                line=r.line,
                key=r.key,
                suggestion=msg("rf_ao_months_hint", category=cat),
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
                note = Message(MONTHLY_NOTES[how])
                if how == method and ao.agregacion and name in ("programado", "ejecutado"):
                    note = Message("ev_months_of", how=note, agregacion=ao.agregacion)
                refs[name] = (_Loc(ao, (mkey,)), note if env.get(name) is not None else Message("ev_months_nd", how=note))
            else:
                refs[name] = (_Loc(ao, (name,)), None if getattr(ao, name) is not None else Message("ev_nd_or_absent"))
        return refs

    def semester_ao_env(self, ao: Activity, env: dict, refs: dict, method: str = "suma") -> None:
        """Semestral evaluation: the semester's months (or January to its end) of the monthly values."""
        k, mode = self.semester, self.period.ao
        months = semester_months(k, mode)
        whole_year = len(months) == 12
        for name, mkey in self.AO_MONTHLY:
            how = method if name in ("programado", "ejecutado") else "suma"
            monthly = getattr(ao, mkey)
            if monthly is not None:
                part = [monthly[i] for i in months]
                env[name] = from_months(part, how)
                note = Message("ev_months_range", how=Message(MONTHLY_NOTES[how]), first=months.start + 1, last=months.stop)
                refs[name] = (self.plan.ref(ao, mkey), note if env[name] is not None else Message("ev_months_nd", how=note))
            elif not whole_year:
                env[name] = None
                refs[name] = (self.plan.ref(ao, name), Message("ev_no_monthly", name=name, k=k))

    def semester_plan_env(self, env: dict, refs: dict) -> None:
        if len(semester_months(self.semester, self.period.ao)) == 12:
            return  # January to December: the year's own figures
        for key in list(env):
            env[key] = None
            refs[key] = (self.plan.doc.ref(("poi",)), Message("ev_no_semester_value", name=key))

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
            return None, Message("ev_no_ao", year=self.year)
        vals, missing = [], []
        for ao in aos:
            v = self.ao_values(ao)[0].get(name)
            (missing.append(ao.codigo) if v is None else vals.append(v))
        if missing:
            return None, Message("ev_ao_sum_nd", name=name, n=len(aos), missing=", ".join(missing[:5]) + ("…" if len(missing) > 5 else ""))
        return _sum(vals), Message("ev_ao_sum", name=name, n=len(aos))

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
                        refs[n] = (_Loc(None, ("poi", str(self.year), n)), None if env[n] is not None else Message("ev_nd_or_absent"))
                    else:
                        env[n], refs[n] = None, (_Loc(None, ("poi",)), Message("ev_no_poi", year=self.year))
                    continue
                if n in V.AO_SUMS:
                    aos = [a for _, a in (self.members(fm.scope, code, "ao"))]
                    env[n], note = self.ao_sum(V.AO_SUMS[n], aos)
                    refs[n] = (_Loc(None, ("poi", str(self.year))), note)
                    continue
                g = self.figures.get(figure_id(n, code))
                env[n] = None if g is None else g.exact
                fig_inputs[n] = figure_id(n, code)
                refs[n] = (None, g.reason if g is not None and g.exact is None else (None if g is not None else Message("ev_no_figure", id=figure_id(n, code))))
            if fm.scope == "plan" and self.period is not None:
                plan_env = {k: env[k] for k in ("pim", "devengado") if k in env}
                self.semester_plan_env(plan_env, refs)
                env.update(plan_env)
            f = Figure(id=figure_id(name, code), kind=name, code=code, scope=fm.scope, label=fm.label, rule=fm.ref, owner=getattr(obj, "oei", None) if obj is not None else None)
            self.run_formula(f, fm.expr, env, refs)
            if self.trace and fig_inputs:
                for inp in f.inputs:
                    if inp.name in fig_inputs and getattr(inp.note, "id", None) != "ev_parameter":
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
                missing.append(Message("ev_member_reason", code=code, reason=mf.reason) if mf.reason else code)
            else:
                values.append((v, obj, inp))
        members_text = Message("ev_members_of", members=ag.members, of=ag.of.upper()) if ag.of else ag.members
        values_text = Message("ev_exact_values" if use_exact else "ev_rounded_values")
        f.formula = Message("ev_agg_formula", method=ag.method, value=ag.value, members=members_text, values=values_text)
        if missing and ag.no_data == "propagar":
            f.status, f.reason = ND, Message("ev_propagate", members=", ".join(missing))
            self.finish(f)
            return
        if not values:
            f.status = ND
            f.reason = Message("ev_no_member_data", members="; ".join(missing)) if had_members else Message("ev_no_members", members=ag.members, year=self.year)
            self.finish(f)
            return
        nums = [v for v, _, _ in values]
        method = ag.method
        raws = None
        if method in V.WEIGHTED_METHODS:
            scheme = rules.weight_schemes[ag.weighting]
            rels = []
            for v, obj, inp in values:
                r, why = self.grade(obj, ag.weigh_by)
                if r is None:
                    f.status, f.reason = ND, why
                    self.finish(f)
                    return
                rels.append(r)
            try:
                raws = raw_weights(scheme, rels, self.params)
            except (EvalFailure, NoData) as exc:
                f.status, f.reason = ND, Message("ev_weight_failed", detail=str(exc))
                self.finish(f)
                return
            total = _sum(raws)
            if total == 0 or any(w < 0 for w in raws):
                f.status, f.reason = ND, Message("ev_weights_nonpositive")
                self.finish(f)
                return
            if trace:
                for (v, obj, inp), raw, r in zip(values, raws, rels):
                    inp.weight = raw / total
                    inp.relevance, inp.raw_weight = r, raw
                    word = getattr(obj if getattr(obj, ag.weigh_by, None) is not None else self.owner(obj), ag.weigh_by, None)
                    inp.note = Message("ev_relevance_weight" if ag.weigh_by == "relevancia" else "ev_priority_weight", r=r, raw=raw, total=total, word=word)
            f.formula = Message("ev_weighted_formula", value=ag.value, members=members_text, values=values_text, weighting=ag.weighting, scheme=scheme.text)
            if trace:
                f.inputs.append(Input("ponderacion", None, ref=rules.ref("ponderacion", "esquemas", ag.weighting), note=f"{ag.weighting} = {scheme.text}", used=False))
        f.exact, _ = aggregate(method, nums, raws, steps=False)
        if missing:
            f.reason = Message("ev_excluded", members=", ".join(missing))
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
    period_settings = _period_settings(rules, period, semester)  # refuses periods the rule set does not declare
    if not (plan.model.plan.desde - 1 <= year <= plan.model.plan.hasta + 1):
        raise PlanError(
            msg("rf_year_outside", year=year, desde=plan.model.plan.desde, hasta=plan.model.plan.hasta),
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
