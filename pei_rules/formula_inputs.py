"""The inputs of the rule formulas, read from a plan: an indicator's values for the year
(annual, running totals written as such, semesters) and an actividad operativa's (annual,
from its months by the rule set's [agregacion_ao] method, semesters), each with where it
comes from. A mixin of the evaluator (:class:`pei_rules.evaluate._Evaluator`), which gives
``plan``, ``rules``, ``year``, ``period``, ``semester`` and ``category``."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Iterable

from . import vocabulary as V
from .errors import PlanError
from .figures import _Loc
from .i18n import Message, msg
from .periods import semester_key, semester_months
from .plan import Activity, Indicator

def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))  # left to right in the current context, as a loop of += adds


def from_months(values: list[Decimal | None], method: str) -> Decimal | None:
    """An annual (or period) value from monthly values, by one of the rule set's methods
    (``[agregacion_ao]``): "suma" and "media" need every month; "ultimo" takes the last month
    with a value; "maximo" the largest of the months with a value. ``None``: no value."""
    if method in ("suma", "media"):
        try:
            total = _sum(values)
        except TypeError:  # a month without data (None)
            return None
        if not values:
            return None
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


class FormulaInputs:
    """Where the evaluator gets each formula's inputs (see the module's documentation)."""

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
        if self.period is None and not self.trace:  # where each comes from: only when a figure says why it has no value
            return env, lambda: self.ao_refs(ao, env, method)
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

    def ao_values(self, ao: Activity) -> tuple[dict, Any]:
        """The AO's formula inputs, computed once per evaluation."""
        cache = self.__dict__.setdefault("_ao_values", {})
        got = cache.get(id(ao))
        if got is None:
            got = cache[id(ao)] = self.ao_env(ao)
        return got
