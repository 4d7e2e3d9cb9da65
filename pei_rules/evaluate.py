"""Evaluation: a plan, a rule set and a year in; figures with their derivations out.

The engine never prints. Every :class:`Figure` records the rule that produced it
(file:line and formula text), its inputs (plan file:line and key, or other figures),
the exact value, the rounding applied, and the band with the bound that placed it.
"""
from __future__ import annotations

import datetime as _dt
import decimal
from itertools import islice
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ._version import __version__
from . import inference
from . import vocabulary as V
from .errors import PlanError, did_you_mean
from .expressions import CONTEXT, EvalFailure, Expression, NoData
from .figure_aggregates import Aggregates
from .aggregation import aggregate, raw_weights
from .figures import ND, OK, R_EXACT, R_REASON, R_STATUS, R_VALUE, ROW, CountTable, Figure, FigureTable, Input, _Loc, figure_id
from .gcpause import paused
from .formula_inputs import MONTHLY_NOTES, FormulaInputs, _sum, from_months
from .i18n import Message, current_lang, msg, using_lang
from .periods import settings as _period_settings
from .plan import Activity, Indicator, Plan
from .ruleset import RuleSet, ZeroDecision
from .specialised import AO_INPUTS, NODATA, Prepared, prepared
from .tomlsource import SourceRef

__all__ = [  # the figures' classes live in pei_rules.figures; importers find them here too
    "ND", "OK", "CountTable", "Evaluation", "Figure", "Input", "MONTHLY_NOTES", "count_id", "evaluate", "figure_id", "from_months",
]


@dataclass
class Evaluation:
    plan: Plan
    rules: RuleSet
    year: int
    figures: FigureTable  # a mapping of id -> Figure (see FigureTable: untraced figures are stored compactly)
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


class _Evaluator(FormulaInputs, Aggregates):
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
            f.value = self.rounded(f.exact, q)
            if f.value is None:  # more digits than the context holds: no number, never a crash
                f.status, f.exact = ND, None
                f.reason = Message("ev_out_of_range_and", reason=f.reason) if f.reason else Message("ev_out_of_range")
        if scale is not None:
            f.scale = scale_name
            if f.value is not None:
                f.band = scale.classify(f.value if on_rounded else f.exact)
        self.figures[f.id] = f
        return f

    def rounded(self, exact: Decimal, q: Decimal) -> Decimal | None:
        """``exact`` rounded as the rule set says (-0.04 gives 0.0, as Excel's ROUND does, never
        "-0.0"); None when it has more digits than the context holds."""
        try:
            value = exact.quantize(q, rounding=self.mode)
        except InvalidOperation:
            return None
        return value.copy_abs() if value.is_zero() else value

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
        for ind in self.plan.model.indicador:
            self.indicator(ind, *self.indicator_case(ind))

    def indicator_case(self, ind: Indicator) -> tuple[str, str, Any]:
        """The indicator's (sentido, agregación) case under the rules, and the note of an
        inferred sentido; a word the rules do not know, or a case they do not allow, is a PlanError."""
        rules = self.rules
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
        return s, a, inferred_note

    def indicator(self, ind: Indicator, s: str, a: str, inferred_note: Any) -> None:
        """The indicator's figures: each advance kind, the principal one, the indicator formulas."""
        env, refs = self.indicator_env(ind)
        for kname, kind in self.rules.advance_kinds.items():
            self.advance_figure(ind, s, a, inferred_note, kname, kind, env, refs)
        self.principal_figure(ind)
        for name, fm in self.rules.formulas.items():
            if fm.scope == "indicador":
                self.indicator_formula(ind, name, fm, env, refs)

    def advance_figure(self, ind: Indicator, s: str, a: str, inferred_note: Any, kname: str, kind, env: dict, refs: Any) -> Figure:
        fk = f"avance_{kname}"
        f = Figure(id=figure_id(fk, ind.codigo), kind=fk, code=ind.codigo, scope="indicador", label=kind.label, rule=kind.refs[(s, a)], owner=ind.de)
        f.method = f"{s} / {a}" + (f" ({inferred_note})" if inferred_note else "")
        zero = (kind.on_zero.get((s, a)), kind.on_zero_by_zero.get((s, a)))
        return self.run_formula(f, kind.formulas[(s, a)], env, refs, zero if zero != (None, None) else None)

    def principal_figure(self, ind: Indicator) -> Figure:
        rules = self.rules
        p = self.figures[figure_id(f"avance_{rules.principal}", ind.codigo)]
        if type(p) is tuple:  # a row of the specialised evaluator
            p = Figure(*p[:13], (), *p[13:])
        fixed = self.__dict__.get("_principal")
        if fixed is None:  # what every indicator's principal figure says alike
            fixed = self._principal = (rules.label_of("avance_indicador"), rules.ref("avance", "principal"), Message("ev_principal", kind=p.kind))
        main = Figure(
            id=figure_id("avance_indicador", ind.codigo),
            kind="avance_indicador",
            code=ind.codigo,
            scope="indicador",
            label=fixed[0],
            exact=p.exact,
            status=p.status,
            reason=p.reason,
            rule=fixed[1],
            formula=fixed[2],
            inputs=[Input(p.kind, p.exact, figure=p.id)] if self.trace else [],
            owner=ind.de,
        )
        return self.finish(main)

    def indicator_formula(self, ind: Indicator, name: str, fm, env: dict, refs: Any) -> Figure:
        f = Figure(id=figure_id(name, ind.codigo), kind=name, code=ind.codigo, scope="indicador", label=fm.label, rule=fm.ref, owner=ind.de)
        return self.run_formula(f, fm.expr, env, refs)

    # --- POI formulas -----------------------------------------------------------------


    def poi_formulas(self) -> None:
        rules = self.rules
        aos = self.poi.ao if self.poi else []
        for name, fm in rules.formulas.items():
            if fm.scope == "ao":
                self.ao_formula(name, fm, aos)
            elif fm.scope == "plan" and not self.reads_figures(fm):
                self.figure_formula(name, fm)

    def ao_formula(self, name: str, fm, aos: list[Activity]) -> None:
        """An AO-scope formula, for each actividad operativa of the year's POI."""
        prefix, label, ref, expr, run, ao_env = name + ":", fm.label, fm.ref, fm.expr, self.run_formula, self.ao_values
        for ao in aos:
            env, refs = ao_env(ao)
            code = ao.codigo
            run(Figure(prefix + code, name, code, "ao", label, rule=ref, owner=ao.aei), expr, env, refs)


    def release(self) -> None:
        """Drop the per-evaluation caches. They hold closures over the evaluator (a reference
        cycle), which would keep the plan and every figure alive until the cyclic collector
        runs; without them an evaluation is freed as soon as it is no longer used."""
        for cache in ("_ao_values", "_groups", "_steps_set", "_agg_texts"):
            self.__dict__.pop(cache, None)


    # --- aggregates -------------------------------------------------------------------


    # --- counts -----------------------------------------------------------------------


class _SpecialisedEvaluator(_Evaluator):
    """The untraced evaluator (``batch``, ``evaluate --format json/csv``): the rule set's
    generated functions (:mod:`pei_rules.specialised`) compute the regular figures straight
    from the plan's numbers; a figure they mark irregular (an input without data, a zero
    denominator, a number out of range) is computed by the reference code, which says why.
    Same figures, bands, statuses and reasons as :class:`_Evaluator` (a property test
    compares them on generated plans and rule sets)."""

    def __init__(self, plan: Plan, rules: RuleSet, year: int, prep: Prepared):
        super().__init__(plan, rules, year, trace=False)
        self.prep = prep
        self.cases, self.ao_rows = prep.bind(current_lang())
        self.ao_inputs: dict[int, tuple] = {}  # id() of an AO -> its item: (ao, code, aei, *its formula inputs, how they were had)
        self.ao_items: list | None = []  # the items of the POI's AOs, in order (None: an AO the reference code refuses)
        self.last_aos: tuple = (None, None)  # ao_sum's last AOs and their items
        self.plain_entry = rules.cumulative_entry[1] != "acumulada"
        self.collected: dict[tuple, tuple] = {}  # aggregates' members read (see collect)
        self.missing_items: dict[str, Any] = {}  # id of a member figure without data -> how an aggregate names it

    def make(self, fid: str, kind: str, code: str | None, scope: str, label: str, exact: Decimal, rule, formula, method, owner, reason=None) -> bool:
        """A figure with a regular exact value, rounded and classified as ``finish`` does, stored
        as a row (``figures.ROW``); False when the value does not round (the reference code says why)."""
        q, decimals, scale_name, scale, on_rounded = self._cfg.get(kind) or self._finish_cfg(kind)
        value = self.rounded(exact, q)
        if value is None:
            return False
        band = scale.classify(value if on_rounded else exact) if scale is not None else None
        self.figures[fid] = (fid, kind, code, scope, label, exact, value, decimals, OK, reason, rule, formula, method, band, scale_name, owner)
        return True

    def no_data(self, fid: str, kind: str, code: str | None, scope: str, label: str, reason, rule, formula, method, owner) -> None:
        """A figure without data, as ``finish`` leaves it, stored as a row."""
        self.figures[fid] = (fid, kind, code, scope, label, None, None, None, ND, reason, rule, formula, method, None, self._finish_cfg(kind)[2], owner)

    def indicator(self, ind: Indicator, s: str, a: str, inferred_note: Any) -> None:
        fn = self.cases.get((s, a))
        if fn is None or inferred_note is not None or not self.plain_entry:
            return super().indicator(ind, s, a, inferred_note)
        y, table_o, table_e, horizon, rest = self.year, ind.valor_obtenido, ind.logro_esperado, self.plan.model.plan, []
        base = ind.linea_base.valor if ind.linea_base is not None else None
        fn, consts = fn
        x = (table_o.get(y), table_e.get(y), base, _years_sum(table_o, horizon.desde, y), _years_sum(table_e, horizon.desde, y), table_e.get(horizon.hasta))
        fn(self.figures, rest, ind.codigo, ind.de, *x)
        env, nk, said, code = None, len(self.prep.kinds), self.prep.nd_reasons[current_lang()].setdefault(None, {}), ind.codigo
        for j, r in rest:  # figures the reference code makes, in their places (advance kinds, principal, formulas)
            reason = None
            if j == nk:  # the principal advance: without data as its kind's row, else the reference's
                p = self.figures[consts[self.prep.pi][0] + code]
                reason = p[R_REASON] if type(p) is tuple and p[R_STATUS] == ND else None
            elif r is NODATA:  # without data: the reason said before of the same way of missing
                key = (s, a, j, y, horizon.desde, horizon.hasta, y in table_o, y in table_e, ind.linea_base is None, horizon.hasta in table_e, *[v is None for v in x])
                reason = said.get(key)
            if reason is not None:
                c = consts[j]
                self.figures[c[0] + code] = (c[0] + code, c[1], code, "indicador", c[2], None, None, None, ND, reason, c[3], c[4], c[5], None, c[8], ind.de)
                continue
            if j == nk:
                self.principal_figure(ind)
                continue
            if env is None:
                env, refs = self.indicator_env(ind)
            f = self.advance_figure(ind, s, a, None, *self.prep.kinds[j], env, refs) if j < nk else self.indicator_formula(ind, *self.prep.ind_formulas[j - nk - 1], env, refs)
            if r is NODATA and f.exact is None:
                if len(said) >= 4096:  # plans' years: a bounded table
                    said.clear()
                said[key] = f.reason

    def poi_formulas(self) -> None:
        rows, items, values = self.ao_inputs, self.ao_items, self.ao_values
        for ao in self.poi.ao if self.poi else []:
            months = (ao.programado_mensual is None, ao.ejecutado_mensual is None, ao.financiero_programado_mensual is None, ao.financiero_ejecutado_mensual is None)
            if months == _ANNUAL:
                it = (ao, ao.codigo, ao.aei, ao.programado, ao.ejecutado, ao.pim, ao.devengado, None)
            else:  # from its months, as the reference code sums them
                try:
                    env = values(ao)[0]
                except PlanError:  # a word the rule set does not know: the reference code says it in its turn
                    self.ao_items = None
                    break
                how = (months, ao.programado is None, ao.ejecutado is None, ao.pim is None, ao.devengado is None, ao.agregacion)
                it = (ao, ao.codigo, ao.aei, env["programado"], env["ejecutado"], env["pim"], env["devengado"], how)  # how: what the reason of a figure without data depends on
            rows[id(ao)] = it
            items.append(it)
        super().poi_formulas()

    def ao_sum(self, name: str, aos: list[Activity]) -> tuple[Decimal | None, str | None]:
        """``_Evaluator.ao_sum``, reading the AO inputs gathered by ``poi_formulas`` (the note
        of a sum found is read only by a traced derivation: none here)."""
        rows, slot = self.ao_inputs, _AO_SLOT[name] + 3
        try:
            if self.last_aos[0] is not aos:  # figure_formula asks each sum of one owner's AOs in turn
                self.last_aos = (aos, [rows[id(ao)] for ao in aos])
            vals = [x[slot] for x in self.last_aos[1]]
            return (sum(vals, Decimal(0)), None) if aos else super().ao_sum(name, aos)
        except KeyError:  # an AO left to the reference code
            return super().ao_sum(name, aos)
        except TypeError:  # an AO without the value
            missing = list(islice((ao.codigo for ao, v in zip(aos, vals) if v is None), 6))  # five are named
            return None, Message.once("ev_ao_sum_nd", name=name, n=len(aos), missing=", ".join(missing[:5]) + ("…" if len(missing) > 5 else ""))

    def ao_formula(self, name: str, fm, aos: list[Activity]) -> None:
        """An AO-scope formula's rows, made by the generated function; the figures it leaves
        (without a reason said before, irregular) made here or by the reference code, in their places."""
        if self.ao_items is None:
            return super().ao_formula(name, fm, aos)
        rest: list = []
        self.ao_rows[name](self.ao_items, self.figures, rest)
        for ao, fid, x in rest:
            if x is NODATA:
                it = self.ao_inputs[id(ao)]
                reason = self.ao_no_data(name, (*[v is None for v in it[3:7]], it[7]), fm, ao, it[3:7])
                self.no_data(fid, name, ao.codigo, "ao", fm.label, reason, fm.ref, fm.expr.text, None, ao.aei)
            else:
                env, refs = self.ao_values(ao)
                self.run_formula(Figure(fid, name, ao.codigo, "ao", fm.label, rule=fm.ref, owner=ao.aei), fm.expr, env, refs)

    def aggregate_figure(self, name: str, ag, code: str | None, obj: Any) -> None:
        """``Aggregates.aggregate`` made as a row: members read from their rows (or figures),
        members without data said as the reference says them; a propagated N/D, weights that
        cannot be had and a value that does not round are left to the reference code."""
        at = R_EXACT if (ag.intermediates or self.rules.intermediates) == "exactos" else R_VALUE
        key = (ag.scope, code, ag.members, ag.of, ag.value, at)
        nums, objs, missing, had_members = self.collected.get(key) or self.collect(key)
        if missing and ag.no_data == "propagar":
            return super().aggregate_figure(name, ag, code, obj)
        fid, owner = figure_id(name, code), getattr(obj, "oei", None) if obj is not None else None
        members_text, values_text, formula = self.agg_texts(ag)
        if not nums:
            why = Message.once("ev_no_member_data", members="; ".join(missing)) if had_members else Message("ev_no_members", members=ag.members, year=self.year)
            return self.no_data(fid, name, code, ag.scope, ag.label, why, ag.ref, formula, ag.method, owner)
        raws = None
        if ag.method in V.WEIGHTED_METHODS:
            scheme, grades = self.rules.weight_schemes[ag.weighting], [self.grade(o, ag.weigh_by)[0] for o in objs]
            try:
                raws = None if any(r is None for r in grades) else raw_weights(scheme, grades, self.params)
            except (EvalFailure, NoData):
                pass
            if raws is None or _sum(raws) == 0 or any(w < 0 for w in raws):  # the reference says why
                return super().aggregate_figure(name, ag, code, obj)
            formula = Message("ev_weighted_formula", value=ag.value, members=members_text, values=values_text, weighting=ag.weighting, scheme=scheme.text)
        exact = aggregate(ag.method, nums, raws, steps=False)[0]
        if not self.make(fid, name, code, ag.scope, ag.label, exact, ag.ref, formula, ag.method, owner, Message.once("ev_excluded", members=", ".join(missing)) if missing else None):
            super().aggregate_figure(name, ag, code, obj)

    def collect(self, key: tuple) -> tuple:
        """The values of an aggregate's members (``key``: scope, owner, members, of, value,
        exact or rounded), the members read, and the members without data as the reference
        says them; collected once per evaluation (two aggregates may share their members)."""
        scope, code, rel, of, value, at = key
        members, figures, prefix = self.members(scope, code, rel, of), self.figures, value + ":"
        figs = [figures.get(prefix + c) for c, _ in members]
        vals = [g[at] if type(g) is tuple else None if g is None else getattr(g, ROW[at]) for g in figs]
        nums = [v for v in vals if v is not None]
        if len(nums) == len(vals):  # every member has a value
            got = self.collected[key] = (nums, [o for _, o in members], [], bool(vals))
            return got
        missing = [self.missing_item(prefix + c, c, g) for (c, _), g, v in zip(members, figs, vals) if v is None and g is not None]
        got = self.collected[key] = (nums, [o for (_, o), v in zip(members, vals) if v is not None], missing, any(g is not None for g in figs))
        return got

    def missing_item(self, fid: str, code: str, g: Any) -> Any:
        """How an aggregate names a member without data (made once per evaluation)."""
        item = self.missing_items.get(fid)
        if item is None:
            reason = g[R_REASON] if type(g) is tuple else g.reason
            item = self.missing_items[fid] = Message.once("ev_member_reason", code=code, reason=reason) if reason else code
        return item

    def owner_formula(self, name: str, fm, code: str | None, obj: Any) -> None:
        """``Aggregates.owner_formula`` made as a row: the inputs read from the figures' rows, the
        AO sums and the POI; without data, said as ``run_formula`` says it; a failure, a value
        that does not round and a plan without a POI are left to the reference code."""
        params, figures, aos, vals, notes = self.params, self.figures, None, [], {}
        for n in fm.expr.sorted_names:
            if n in params:
                v = note = params[n]
            elif fm.scope == "plan" and n in ("pim", "devengado"):
                if self.poi is None:
                    return super().owner_formula(name, fm, code, obj)
                v = getattr(self.poi, n)
                note = Message("ev_nd_or_absent") if v is None else None
            elif n in V.AO_SUMS:
                aos = [a for _, a in self.members(fm.scope, code, "ao")] if aos is None else aos
                v, note = self.ao_sum(V.AO_SUMS[n], aos)
            else:
                g = figures.get(figure_id(n, code))
                v, note = (None, Message("ev_no_figure", id=figure_id(n, code))) if g is None else (g[R_EXACT], g[R_REASON]) if type(g) is tuple else (g.exact, g.reason)
            vals.append(v)
            notes[n] = note
        fid, owner = figure_id(name, code), getattr(obj, "oei", None) if obj is not None else None
        try:
            exact = fm.expr.call(tuple(vals))
        except NoData as nd:
            why = Message.once("ev_no_data", inputs=", ".join([Message.once("ev_input_with_note", name=n, note=notes[n]) if notes[n] else Message("ev_input_is_nd", name=n) for n in nd.names]))
            return self.no_data(fid, name, code, fm.scope, fm.label, why, fm.ref, fm.expr.text, None, owner)
        except EvalFailure:
            return super().owner_formula(name, fm, code, obj)
        if not self.make(fid, name, code, fm.scope, fm.label, exact, fm.ref, fm.expr.text, None, owner):
            super().owner_formula(name, fm, code, obj)

    def ao_no_data(self, name: str, key: tuple, fm, ao: Activity, values: tuple) -> Message:
        """The reason of an AO figure without data, as ``run_formula`` says it: each missing
        input named, with the note the reference gives the AO's own inputs (``ao_refs``); made
        once per rule set, language and formula for each way of missing (``key``)."""
        params, AO = self.params, _AO_SLOT
        missing = [n for n in fm.expr.sorted_names if (values[AO[n]] is None if n in AO else n not in params)]
        refs = self.ao_values(ao)[1]
        refs = refs() if callable(refs) else refs
        parts = [Message("ev_input_with_note", name=n, note=refs[n][1]) if n in AO and refs[n][1] else Message("ev_input_is_nd", name=n) for n in missing]
        said = self.prep.nd_reasons[current_lang()][name]
        if len(said) >= 4096:  # agregación words come from plans: a bounded table
            said.clear()
        reason = said[key] = Message("ev_no_data", inputs=", ".join(parts))
        return reason

    def release(self) -> None:
        super().release()
        self.ao_inputs, self.ao_items, self.last_aos, self.collected, self.missing_items = {}, None, (None, None), {}, {}


_AO_SLOT = {n: i for i, n in enumerate(AO_INPUTS)}
_ANNUAL = (True, True, True, True)  # no monthly values


def _years_sum(table: dict, start: int, end: int) -> Decimal | None:
    """The sum of a yearly table from ``start`` to ``end``; None when a year lacks a value
    (``obtenido_acumulado`` / ``esperado_acumulado`` of ``_Evaluator.indicator_env``)."""
    try:
        return sum([table.get(yy) for yy in range(start, end + 1)], Decimal(0)) if end >= start else None
    except TypeError:  # a year without a value (None)
        return None


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
    if trace or period != "anual":
        ev = _Evaluator(plan, rules, year, trace=trace)
    else:  # the batch path: the rule set's specialised functions, the reference code for the rest
        ev = _SpecialisedEvaluator(plan, rules, year, prepared(rules))
    if period != "anual":
        ev.period, ev.semester = period_settings, semester
    # the language resolved once (each reason made below would otherwise look it up in the
    # environment); no cyclic collection while the figures are made (pei_rules.gcpause)
    with using_lang(current_lang()), decimal.localcontext(CONTEXT), paused():
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
        figures=FigureTable(ev.figures),
        counts=counts,
        why_rules=why_rules,
        created=_dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        period=period,
        semester=semester if period != "anual" else None,
    )


def count_id(name: str, band: str) -> str:
    return f"conteo:{name}:{band}"
