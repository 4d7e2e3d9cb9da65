"""Figures over other figures: formulas of an AEI, an OEI or the plan (over the figures of the
same owner and the sums of its actividades operativas), aggregates of members (indicators,
AEI, OEI, AO) by the rule set's methods and weights, and the count tables. A mixin of the
evaluator (:class:`pei_rules.evaluate._Evaluator`), which gives ``plan``, ``rules``,
``year``, ``figures``, ``params``, ``trace``, ``run_formula``, ``finish`` and ``ao_values``."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import vocabulary as V
from .aggregation import aggregate, raw_weights
from .expressions import EvalFailure, NoData
from .figures import ND, CountTable, Figure, Input, _Loc, figure_id, row_of
from .formula_inputs import _sum
from .i18n import Message
from .plan import Activity, Indicator

class Aggregates:
    """Figures over figures (see the module's documentation)."""

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

    def reads_figures(self, fm) -> bool:
        steps = self.__dict__.get("_steps_set")
        if steps is None:
            steps = self._steps_set = set(self.rules.steps)
        return any(n in steps for n in fm.expr.names)

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
        for code, obj in self.owners(fm.scope):
            self.owner_formula(name, fm, code, obj)

    def owners(self, scope: str) -> list[tuple[str | None, Any]]:
        """The owners of figures of ``scope`` (aei, oei, plan): (code, object) pairs."""
        m = self.plan.model
        if scope == "aei":
            return [(a.codigo, a) for a in m.aei]
        if scope == "oei":
            return [(o.codigo, o) for o in m.oei]
        return [(None, None)]

    def owner_formula(self, name: str, fm, code: str | None, obj: Any) -> None:
        """``figure_formula`` for one owner."""
        params = self.params
        env: dict[str, Decimal | None] = {}
        refs: dict[str, Any] = {}
        fig_inputs: dict[str, str] = {}
        aos = None  # the owner's AOs, found once
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
                aos = [a for _, a in (self.members(fm.scope, code, "ao"))] if aos is None else aos
                env[n], note = self.ao_sum(V.AO_SUMS[n], aos)
                refs[n] = (_Loc(None, ("poi", str(self.year))), note)
                continue
            g = self.figures.get(figure_id(n, code))
            if g is None:
                env[n], reason = None, Message("ev_no_figure", id=figure_id(n, code))
            else:  # a Figure, or a row of the specialised evaluator (figures.ROW)
                env[n], reason = (g[5], g[9]) if type(g) is tuple else (g.exact, g.reason)
                reason = reason if env[n] is None else None
            fig_inputs[n] = figure_id(n, code)
            refs[n] = (None, reason)
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
        for name in rules.steps or rules.order:
            if name in rules.formulas:
                fm = rules.formulas[name]
                if fm.scope != "plan" or self.reads_figures(fm):
                    self.figure_formula(name, fm)
                continue
            ag = rules.aggregates[name]
            for code, obj in self.owners(ag.scope):
                self.aggregate_figure(name, ag, code, obj)

    def aggregate_figure(self, name: str, ag, code: str | None, obj: Any) -> None:
        """The aggregate ``name`` of one owner."""
        owner = getattr(obj, "oei", None) if obj is not None else None
        f = Figure(id=figure_id(name, code), kind=name, code=code, scope=ag.scope, label=ag.label, rule=ag.ref, method=ag.method, owner=owner)
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
            if type(mf) is tuple:  # a row of the specialised evaluator (figures.ROW)
                v, reason = mf[5] if use_exact else mf[6], mf[9]
            else:
                v, reason = mf.exact if use_exact else mf.value, mf.reason
            inp = None
            if trace:
                inp = Input(ag.value, v, figure=prefix + code)
                f.inputs.append(inp)
            if v is None:
                if inp is not None:
                    inp.used = ag.no_data == "propagar"
                    inp.note = reason
                missing.append(Message("ev_member_reason", code=code, reason=reason) if reason else code)
            else:
                values.append((v, obj, inp))
        members_text, values_text, f.formula = self.agg_texts(ag)
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
            raws = self.member_weights(f, ag, values, members_text, values_text)
            if raws is None:
                return  # no weights: the figure is N/D, and says why
        f.exact, _ = aggregate(method, nums, raws, steps=False)
        if missing:
            f.reason = Message("ev_excluded", members=", ".join(missing))
        self.finish(f)

    def agg_texts(self, ag) -> tuple:
        """The aggregate's members text, values text and formula, said once per evaluation."""
        texts = self.__dict__.setdefault("_agg_texts", {}).get(id(ag))
        if texts is None:
            members_text = Message("ev_members_of", members=ag.members, of=ag.of.upper()) if ag.of else ag.members
            values_text = Message("ev_exact_values" if (ag.intermediates or self.rules.intermediates) == "exactos" else "ev_rounded_values")
            texts = self._agg_texts[id(ag)] = (members_text, values_text, Message("ev_agg_formula", method=ag.method, value=ag.value, members=members_text, values=values_text))
        return texts

    def member_weights(self, f: Figure, ag, values: list, members_text, values_text) -> list[Decimal] | None:
        """The raw weights of a weighted aggregate's members (by relevancia or prioridad, as the
        rules say); None when they cannot be had (``f`` is then finished as N/D with why)."""
        rules, trace = self.rules, self.trace
        scheme = rules.weight_schemes[ag.weighting]
        rels = []
        for v, obj, inp in values:
            r, why = self.grade(obj, ag.weigh_by)
            if r is None:
                f.status, f.reason = ND, why
                self.finish(f)
                return None
            rels.append(r)
        try:
            raws = raw_weights(scheme, rels, self.params)
        except (EvalFailure, NoData) as exc:
            f.status, f.reason = ND, Message("ev_weight_failed", detail=str(exc))
            self.finish(f)
            return None
        total = _sum(raws)
        if total == 0 or any(w < 0 for w in raws):
            f.status, f.reason = ND, Message("ev_weights_nonpositive")
            self.finish(f)
            return None
        if trace:
            for (v, obj, inp), raw, r in zip(values, raws, rels):
                inp.weight = raw / total
                inp.relevance, inp.raw_weight = r, raw
                word = getattr(obj if getattr(obj, ag.weigh_by, None) is not None else self.owner(obj), ag.weigh_by, None)
                inp.note = Message("ev_relevance_weight" if ag.weigh_by == "relevancia" else "ev_priority_weight", r=r, raw=raw, total=total, word=word)
        f.formula = Message("ev_weighted_formula", value=ag.value, members=members_text, values=values_text, weighting=ag.weighting, scheme=scheme.text)
        if trace:
            f.inputs.append(Input("ponderacion", None, ref=rules.ref("ponderacion", "esquemas", ag.weighting), note=f"{ag.weighting} = {scheme.text}", used=False))
        return raws

    def count_tables(self) -> dict[str, CountTable]:
        rules = self.rules
        out: dict[str, CountTable] = {}
        of_kind: dict[str, list] = {c.figure: [] for c in rules.counts.values()}  # the counted figures, in one pass
        for f in self.figures.values():  # Figures, or rows of the specialised evaluator (figures.ROW)
            kind = f[1] if type(f) is tuple else f.kind
            if kind in of_kind:
                of_kind[kind].append(f if type(f) is tuple else row_of(f))
        for name, c in rules.counts.items():
            scale = rules.scales[rules.band_for[c.figure]]
            counts = {b.name: 0 for b in scale.bands}
            counts[ND] = 0
            members: dict[str, list[str]] = {k: [] for k in counts}
            for fid, _, _, _, _, _, _, _, _, _, _, _, _, band, _, owner in of_kind[c.figure]:
                if c.of == "aei" and owner not in self.plan.aei:
                    continue
                if c.of == "oei" and owner not in self.plan.oei:
                    continue
                b = band.name if band else ND
                counts[b] += 1
                members[b].append(fid)
            out[name] = CountTable(name, c.label, c.figure, counts, sum(counts.values()), members, c.ref)
        return out
