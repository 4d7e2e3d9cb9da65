"""Audit: compare what a plan says was published with what the rules recompute.

Every ``[[publicado]]`` entry of a plan (figure address, value as printed, source in the
report) is compared with the recomputed figure at the printed precision:

- ``match``: equal at the printed precision;
- ``mismatch``: published, recomputed, difference, and the likely causes, found by
  *searching* (never by special cases): another rounding of the exact value, another
  figure of the same entity, an intermediate value of the formula (a cap not applied),
  another aggregation method, swapped inputs, a plan input echoed, a count of another
  population, a plan datum printed rounded, a different text;
- ``not_recomputable``: the figure has no number, and why.

``verify_result`` re-evaluates a stored ``evaluate --format json`` output from its
receipt and checks that the hashes and every figure still reproduce.
"""
from __future__ import annotations

import dataclasses
import difflib
import itertools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import vocabulary as V
from .errors import AddressError, InputFileError, PeiError
from .i18n import LANGS, current_lang, using_lang
from .render import to_json_obj
from .files import LIMIT_JSON, read_text_limited, sha256_limited
from .aggregation import aggregate, raw_weights, weighted
from .i18n import Message, has, msg
from .jsonformat import expand
from .evaluate import ND, OK, Evaluation, Figure, evaluate
from .explain import COUNT_PREFIX, DATUM_PREFIX, _Builder, datum_value, resolve
from .expressions import EvalFailure, NoData
from .plan import load_plan
from .ruleset import load_ruleset
from .ruleset import resolve as resolve_rules
from .ruleset.discovery import _read_id
from .tomlsource import SourceRef
from .vocabulary import OVERRIDE_NAME

MATCH, MISMATCH, NOT_RECOMPUTABLE = "match", "mismatch", "not_recomputable"
#: what a report prints when it has no avance
ND_PUBLISHED = V.ND_WORDS
NO_CAUSE_ID = "aud_cause_unknown"

def _mode(mode: str) -> str:
    """A rounding mode's name for people (the catalogue's words; the code when it has none)."""
    return Message(f"aud_mode_{mode}") if has(f"aud_mode_{mode}") else mode
def _population(pop: str) -> str:
    return Message(f"aud_population_{pop}") if has(f"aud_population_{pop}") else pop


@dataclass
class Entry:
    """A published figure of the plan, as the audit reads it and compares it."""
    index: int
    figure: str  # as written in the plan
    resolved: str | None
    published: str
    source: str  # where in the report
    ref: SourceRef  # where in the plan file
    status: str = MATCH
    recomputed: str | None = None
    difference: str | None = None
    causes: list[str] = field(default_factory=list)
    reason: str | None = None
    label: str | None = None
    year: int | None = None
    period: str = "anual"
    convention: str | None = None  # how the published text was read (decimals, printing convention)

    def to_dict(self) -> dict:
        return {k: self.ref.to_dict() if k == "plan_ref" else getattr(self, k) for k in _ENTRY_KEYS}


_ENTRY_KEYS = ("year", "period", "figure", "resolved", "label", "published", "source", "plan_ref", "status", "recomputed", "difference", "causes", "reason", "convention")


# --- printed numbers -------------------------------------------------------------------

_NUM = re.compile(r"^[+-]?\d+(\.\d+)?$")


def parse_printed(text: str) -> tuple[Decimal, int] | None:
    """A number as printed in a Peruvian report (thousands with ``'`` and ``,``, a ``%`` or ``S/`` around it)
    and its printed decimals; ``None`` if the text is not a number."""
    t = text.strip()
    for junk in ("S/", "%", "\u00a0", " "):
        t = t.replace(junk, "")
    t = t.replace("'", "").replace("’", "").replace(",", "")
    if not _NUM.match(t):
        return None
    try:
        d = Decimal(t)
    except InvalidOperation:  # pragma: no cover - the regex admits only numbers
        return None
    return d, max(0, -d.as_tuple().exponent)


def printed_number(text: Any) -> Decimal | None:
    """A printed number's value (:func:`parse_printed`, else any finite decimal); None otherwise."""
    if text is None or text == "":
        return None
    p = parse_printed(str(text))
    if p is not None:
        return p[0]
    try:
        d = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _q(x: Decimal, decimals: int, mode: str) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-decimals), rounding=V.ROUNDING_MODES[mode])


def _dec(d: int) -> str:
    return Message("aud_decimals_1") if d == 1 else Message("aud_decimals", n=d)


def _norm_text(s: str) -> str:
    return " ".join(str(s).split()).rstrip(".").casefold()


# --- the audit ---------------------------------------------------------------------------


def period_of(ev: Evaluation) -> str:
    """The [[publicado]] periodo an evaluation stands for: "anual", "S1" or "S2"."""
    return f"S{ev.semester}" if ev.semester is not None else "anual"


def published_for(ev: Evaluation, default_year: int | None = None) -> list[tuple[int, Any]]:
    """The (index, entry) of the plan's [[publicado]] that belong to ``ev``'s year and period: those
    with that ``anio``, and those without one when ``ev`` is of ``default_year`` (default: ev's year)."""
    year = ev.year
    default = year if default_year is None else default_year
    period = period_of(ev)
    return [
        (i, p)
        for i, p in enumerate(ev.plan.model.publicado)
        if p.periodo == period and (p.anio == year or (p.anio is None and year == default))
    ]


class _Auditor:
    def __init__(self, ev: Evaluation, other_years: Any = None):
        self.ev = ev
        self.rules = ev.rules
        self.mode = ev.rules.rounding_mode
        self.builder = _Builder(ev)
        self.printing = ev.rules.printing
        # year -> Evaluation of the same plan and rules (for "another year's value" causes)
        self.other_years = other_years

    def run(self, items: list[tuple[int, Any]] | None = None) -> list[Entry]:
        out = []
        plan = self.ev.plan
        if items is None:
            items = published_for(self.ev)
        for i, p in items:
            ref = plan.doc.ref(("publicado", i, "figura"))
            e = Entry(i, p.figura, None, p.valor, p.fuente, ref, year=self.ev.year, period=p.periodo)
            if not self.resolve(e, p):
                out.append(e)
                continue
            if e.resolved.startswith(COUNT_PREFIX + ":"):
                self.count(e)
            elif e.resolved.startswith(DATUM_PREFIX + ":"):
                self.datum(e)
            else:
                self.figure(e, self.ev.figures[e.resolved])
            out.append(e)
        return out

    def resolve(self, e: Entry, p: Any) -> bool:
        """Resolve the entry's address. A figure the rule set does not define (or switched off), or
        one the plan has no entity for in this year, is not recomputable; an unknown code of the
        plan is broken input (exit 2)."""
        try:
            e.resolved = resolve(self.ev, p.figura)
            return True
        except AddressError as exc:
            undefined = self.undefined_figure(p.figura)
            if undefined is not None:
                e.status, e.reason = NOT_RECOMPUTABLE, undefined
                return False
            a = "".join(p.figura.split())
            code = a.partition(":")[2] if ":" in a else a
            codes = self.ev.plan.codes
            if code in codes or code.casefold() in {c.casefold() for c in codes}:
                # a code of the plan without that figure in this year (an AO of another year's POI)
                e.status, e.reason = NOT_RECOMPUTABLE, msg("reports_audit_no_figure_this_year", detail=exc.message, year=self.ev.year)
                return False
            raise AddressError(
                Message("aud_unknown_published", detail=exc.message),
                file=e.ref.file,
                line=e.ref.line,
                key=e.ref.key,
                suggestion=exc.suggestion,
            ) from None

    def undefined_figure(self, address: str) -> str | None:
        """The 'no recalculable' reason when the address names a figure kind (or count) this
        rule set does not define; None when the kind is defined (the code may still be wrong)."""
        a = "".join(address.split())
        rules = self.rules
        kinds = set(rules.figure_kinds())
        if a.startswith(COUNT_PREFIX + ":"):
            name = a.split(":")[1] if a.count(":") >= 1 else ""
            return None if name in rules.counts else msg("reports_audit_rule_does_not_define", what=f"{COUNT_PREFIX}:{name}")
        if a.startswith(DATUM_PREFIX + ":"):
            return None
        kind = a.partition(":")[0] if ":" in a else a
        if ":" not in a and (kind in self.ev.plan.codes or kind.casefold() in {c.casefold() for c in self.ev.plan.codes}):
            return None  # a bare code of the plan
        if ":" not in a and not re.fullmatch(r"[a-z][a-z0-9_]*", kind):
            return None  # looks like a (mistyped) code, not a figure kind
        if kind in kinds:
            return None
        off = rules.switched_off.get(kind)
        text = msg("reports_audit_rule_does_not_define", what=kind)
        return text + (msg("reports_audit_switched_off", where=str(off)) if off is not None else "")

    # figures ----------------------------------------------------------------------------

    def printed_forms(self, f: Figure) -> list[tuple[Decimal, int, str]]:
        """How the rule set's era prints ``f``: (value, decimals, convention) candidates."""
        pr = self.printing
        kind = f.kind
        d_rule = f.decimals if f.decimals is not None else self.rules.decimals.get(kind, 0)
        d = pr.decimals.get(kind, d_rule)
        value = f.value if d == d_rule and f.value is not None else _q(f.exact, d, self.mode)
        where = msg("reports_audit_printed_decimals", n=d, where=str(pr.decimal_refs[kind])) if kind in pr.decimals else msg("reports_audit_rule_decimals", n=d)
        capped = pr.applies("tope_sin_decimales", kind)
        if capped is not None and self.is_capped(f, capped.parameter):
            return [(value, 0, msg("reports_audit_conv_capped", where=str(capped.ref)))]
        out = [(value, d, where)]
        whole = pr.applies("enteros_sin_decimales", kind)
        if whole is not None and d > 0 and value == value.to_integral_value():
            out.append((value, 0, msg("reports_audit_conv_whole", where=str(whole.ref))))
        return out

    def is_capped(self, f: Figure, param: str | None) -> bool:
        """Did capping produce this value? It equals the cap parameter, and the formula's
        uncapped value (an intermediate step) exceeds it, or a zero-denominator decision gave it."""
        cap = self.rules.parameters.get(param or "")
        if cap is None or f.exact is None or f.exact != cap:
            return False
        base = self.formula_figure(f)
        if base.reason and "decisión del caso" in base.reason:
            return True
        expr = self.builder._expression(base)
        if expr is None or param not in expr.names:
            return False
        # the same formula with the cap out of the way: capping acted if it gives more
        env: dict[str, Decimal | None] = dict(self.rules.parameters)
        for i in base.inputs:
            env[i.name] = i.value
        env[param] = cap * Decimal(10) ** 12
        try:
            uncapped = expr.evaluate(env)
        except (NoData, EvalFailure):
            return False
        return uncapped > cap

    def figure(self, e: Entry, f: Figure) -> None:
        e.label = f.label
        no_data = f.status != OK or f.exact is None
        if _nd_published(e, None if no_data else f.value):
            e.reason = f.reason if no_data else None
            return
        printed = parse_printed(e.published)
        if printed is None:
            e.status, e.reason = MISMATCH, msg("reports_audit_not_a_number", text=e.published)
            e.recomputed = None if f.value is None else str(f.value)
            return
        pub, d = printed
        if no_data:
            e.status, e.reason = NOT_RECOMPUTABLE, f.reason
            return
        forms = self.printed_forms(f)
        e.recomputed = str(forms[0][0])
        for value, dec, how in forms:
            if value == pub and dec == d:
                e.status, e.convention = MATCH, how
                return
        e.status = MISMATCH
        e.convention = forms[0][2]
        e.difference = str(pub - forms[0][0])
        printing = self.printing_causes(f, pub, d, forms)
        unrounded, years, others = self.sibling_causes(f, pub, d)
        causes = self.figure_causes(f, pub, d)
        if causes == [Message(NO_CAUSE_ID)]:
            causes = []
        # the most specific first: the printing, the value before rounding, this figure's own
        # candidates, the same figure in another year, then another entity's figure of the kind
        e.causes = printing + unrounded + causes + years + others or [Message(NO_CAUSE_ID)]

    def printing_causes(self, f: Figure, pub: Decimal, d: int, forms: list) -> list[str]:
        """The published number is the recomputed one printed with other decimals."""
        value, dec, _ = forms[0]
        out = []
        if value == pub and dec != d:
            out.append(msg("reports_audit_other_decimals", printed=d, rule=dec))
        elif d < dec and _q(f.exact, d, self.mode) == pub:
            out.append(msg("reports_audit_fewer_decimals", printed=d, rule=dec, exact=str(f.exact), value=str(pub)))
        return out

    def sibling_causes(self, f: Figure, pub: Decimal, d: int) -> tuple[list[str], list[str], list[str]]:
        """The published value is a sibling's: the value before rounding, the same figure in
        another year, or another entity's figure of the same kind (another AO's %)."""
        mode = self.mode
        unrounded: list[str] = []
        if f.exact is not None and d > (f.decimals or 0):
            for m in dict.fromkeys((self.mode, "down")):
                if _q(f.exact, d, m) == pub:
                    unrounded.append(msg("reports_audit_unrounded", exact=str(f.exact), value=str(pub), decimals=_dec(f.decimals or 0), how=_mode(m)))
                    break
        years: list[str] = []
        if self.other_years is not None:
            for y in self.years_to_compare():
                try:
                    other = self.other_years(y)
                except PeiError:
                    continue
                g = other.figures.get(f.id) if other is not None else None
                if g is not None and g.status == OK and g.exact is not None and (g.value == pub or _q(g.exact, d, mode) == pub):
                    years.append(msg("reports_audit_sibling_year", year=y, value=str(g.value)))
        hits = [
            g
            for g in self.ev.figures.values()
            if g.kind == f.kind and g.id != f.id and g.status == OK and g.value is not None and (g.value == pub or (d < (g.decimals or 0) and g.value == pub.quantize(g.value)))
        ]
        others = []
        if hits:
            listed = ", ".join(f"{g.id} = {g.value}" for g in hits[:3])
            others.append(msg("reports_audit_sibling_entity", others=listed) + (msg("reports_audit_and_more", n=len(hits) - 3) if len(hits) > 3 else ""))
        return unrounded, years, others

    def years_to_compare(self) -> list[int]:
        m = self.ev.plan.model.plan
        return [y for y in range(m.desde - 1, m.hasta + 2) if y != self.ev.year]

    def figure_causes(self, f: Figure, pub: Decimal, d: int) -> list[str]:
        causes: list[str] = []
        ev = self.ev
        # 1. the same exact value rounded another way
        for mode in V.ROUNDING_MODES:
            if mode != self.mode and _q(f.exact, d, mode) == pub:
                causes.append(Message("aud_cause_rounding", mode=_mode(mode), decimals=_dec(d), exact=f.exact, published=pub, rule_mode=_mode(self.mode), rule_value=_q(f.exact, d, self.mode)))
                break
        # 2. another figure of the same entity (or a figure it aggregates)
        same = [g for g in ev.figures.values() if g.id != f.id and g.code == f.code and g.status == OK and g.exact is not None]
        hits = [g for g in same if _q(g.exact, d, self.mode) == pub]
        if not hits:
            owned = [g for g in ev.figures.values() if g.owner == f.code and f.code and g.status == OK and g.exact is not None]
            hits = [g for g in owned if _q(g.exact, d, self.mode) == pub]
        for g in hits:
            causes.append(Message("aud_cause_other_figure", label=g.label, id=g.id, value=g.value, shown_as=f.label))
        # 3. an intermediate value of the formula (e.g. a cap not applied)
        base = self.formula_figure(f)
        for step in self.builder.steps_for(base)[:-1]:
            try:
                v = Decimal(step["value"])
            except (InvalidOperation, TypeError):
                continue
            if _q(v, d, self.mode) == pub:
                causes.append(Message("aud_cause_intermediate", step=step["expr"], value=v, formula=base.formula))
                break
        # 4. swapped inputs of the formula
        causes += self.swapped(base, pub, d)
        # 5. another aggregation method
        causes += self.other_methods(f, pub, d)
        # 6. a plan input printed instead of the figure
        for inp in f.inputs:
            if inp.figure is None and inp.value is not None and inp.note != "parámetro" and inp.value == pub:
                causes.append(Message("aud_cause_plan_input", name=inp.name, value=inp.value, ref=str(inp.ref)))
        # 7. fraction vs percentage
        for factor, what in ((Decimal(100), "×100"), (Decimal("0.01"), "÷100")):
            if _q(f.exact * factor, d, self.mode) == pub and f.exact != 0:
                causes.append(Message("aud_cause_fraction", what=what))
        if not causes:
            causes.append(Message(NO_CAUSE_ID))
        return causes

    def formula_figure(self, f: Figure) -> Figure:
        """The figure whose formula produced ``f`` (``avance_indicador`` -> the principal kind)."""
        seen = set()
        while self.builder._expression(f) is None and f.id not in seen:
            seen.add(f.id)
            figs = [i.figure for i in f.inputs if i.figure]
            if len(figs) != 1 or figs[0] not in self.ev.figures:
                break
            f = self.ev.figures[figs[0]]
        return f

    def swapped(self, f: Figure, pub: Decimal, d: int) -> list[str]:
        expr = self.builder._expression(f)
        if expr is None:
            return []
        env: dict[str, Decimal | None] = dict(self.rules.parameters)
        for i in f.inputs:
            env[i.name] = i.value
        names = sorted(n for n in expr.names if n not in self.rules.parameters)
        out = []
        for a, b in itertools.combinations(names, 2):
            if env.get(a) == env.get(b):
                continue
            e2 = dict(env)
            e2[a], e2[b] = env.get(b), env.get(a)
            try:
                v = expr.evaluate(e2)
            except (NoData, EvalFailure):
                continue
            if _q(v, d, self.mode) == pub:
                out.append(Message("aud_cause_swapped", a=a, b=b, value=v))
        return out

    def other_methods(self, f: Figure, pub: Decimal, d: int) -> list[str]:
        ag = self.rules.aggregates.get(f.kind)
        if ag is None:
            return []
        used = [i for i in f.inputs if i.figure and i.used and i.value is not None]
        if not used:
            return []
        vals = [i.value for i in used]
        cands: dict[str, Decimal] = {m: aggregate(m, vals, steps=False)[0] for m in V.METHODS if not weighted(m)}
        rels = []
        for i in used:
            rel = self.builder.relevance_source(i.figure)
            rels.append(None if rel is None else Decimal(rel["value"]))
        if all(r is not None for r in rels):
            for sname, scheme in self.rules.weight_schemes.items():
                if ag.method == "media_ponderada" and sname == ag.weighting:
                    continue
                try:
                    raws = raw_weights(scheme, rels, self.rules.parameters)
                except (NoData, EvalFailure):
                    continue
                if sum(raws, Decimal(0)) > 0:
                    cands[f"media_ponderada ({sname} = {scheme.text})"] = aggregate("media_ponderada", vals, raws, steps=False)[0]
        out = []
        for name, v in cands.items():
            if name == ag.method:
                continue
            if _q(v, d, self.mode) == pub:
                out.append(Message("aud_cause_other_method", method=name, value_name=ag.value, value=v, rule_method=ag.method))
        return out

    # counts ------------------------------------------------------------------------------

    def count(self, e: Entry) -> None:
        _, name, band = e.resolved.split(":")
        c = self.ev.counts[name]
        e.label = c.label + ("" if band == "total" else f" ({band})")
        value = c.total if band == "total" else c.counts[band]
        e.recomputed = str(value)
        if _nd_published(e, value):
            return
        printed = parse_printed(e.published)
        if printed is None or printed[1] != 0:
            e.status, e.reason = MISMATCH, Message("aud_not_a_count", text=e.published)
            return
        pub = int(printed[0])
        if pub == value:
            e.status = MATCH
            return
        e.status = MISMATCH
        e.difference = str(pub - value)
        causes = []
        own = self.rules.scope_of(c.figure)
        pops = self.populations()
        for pop, n in pops.items():
            if pop != own and n == pub:
                causes.append(Message("aud_cause_population", population=_population(pop), n=n, own=_population(own), value=value))
        if band != "total":
            for b, n in c.counts.items():
                if b != band and n == pub:
                    causes.append(Message("aud_cause_other_band", band=b, n=n))
            alt = self.recount(name, band)
            if alt is not None and alt == pub:
                other_mode = "exacto" if self.rules.compare == "redondeado" else "redondeado"
                causes.append(Message("aud_cause_other_value", other=Message(f"aud_compare_{other_mode}"), compare=Message(f"aud_compare_{self.rules.compare}"), n=alt))
        for other, oc in self.ev.counts.items():
            if other == name:
                continue
            for b, n in list(oc.counts.items()) + [("total", oc.total)]:
                if n == pub and (b == band or b == "total"):
                    causes.append(Message("aud_cause_other_table", label=oc.label, band=b, n=n))
        if not causes:
            causes.append(Message(NO_CAUSE_ID))
        e.causes = causes

    def recount(self, name: str, band: str) -> int | None:
        """The count of a band if figures were classified on the other value (exact vs rounded)."""
        c = self.ev.counts[name]
        scale = self.rules.scales[self.rules.band_for[c.figure]]
        n = 0
        for fid in (m for ms in c.members.values() for m in ms):
            f = self.ev.figures[fid]
            x = f.exact if self.rules.compare == "redondeado" else f.value
            if x is None:
                n += band == ND
            elif scale.classify(x).name == band:
                n += 1
        return n

    def populations(self) -> dict[str, int]:
        plan = self.ev.plan
        poi = plan.model.poi.get(self.ev.year)
        return {
            "oei": len(plan.oei),
            "aei": len(plan.aei),
            "indicador": len(plan.indicators),
            "ao": len(poi.ao) if poi else 0,
        }

    # plan data -----------------------------------------------------------------------------

    def datum(self, e: Entry) -> None:
        value, ref = datum_value(self.ev.plan, e.resolved)
        e.label = Message("aud_datum_label", ref=str(ref))
        e.recomputed = None if value is None else str(value)
        if _nd_published(e, value):
            return
        if value is None:
            e.status, e.reason = NOT_RECOMPUTABLE, msg("reports_audit_datum_nd")
            return
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            printed = parse_printed(e.published)
            if printed is None:
                e.status, e.reason = MISMATCH, Message("aud_not_a_number_plan_has", text=e.published, value=value)
                e.causes = [Message("aud_cause_text_for_number")]
                return
            pub, d = printed
            v = Decimal(value)
            if pub == v:
                e.status = MATCH
                return
            e.status = MISMATCH
            e.difference = str(pub - v)
            causes = []
            for mode in V.ROUNDING_MODES:
                if _q(v, d, mode) == pub:
                    causes.append(Message("aud_cause_datum_rounded", decimals=_dec(d), mode=_mode(mode), value=v, published=pub))
                    break
            for factor, what in ((Decimal(100), "×100"), (Decimal("0.01"), "÷100"), (Decimal(1000), "×1000"), (Decimal("0.001"), "÷1000")):
                if v * factor == pub:
                    causes.append(Message("aud_cause_datum_unit", what=what))
            e.causes = causes or [Message(NO_CAUSE_ID)]
            return
        if _norm_text(value) == _norm_text(e.published):
            e.status = MATCH
            return
        e.status = MISMATCH
        e.causes = [text_difference(str(value), e.published)]


def _nd_published(e: Entry, value: Any) -> bool:
    """A published N/D: a match when there is no value either, else a mismatch naming the value."""
    if e.published.strip().casefold() not in ND_PUBLISHED:
        return False
    if value is None:
        e.status, e.convention = MATCH, msg("reports_audit_nd_both")
    else:
        e.status, e.recomputed, e.causes = MISMATCH, str(value), [msg("reports_audit_nd_published", value=str(value))]
    return True


def text_difference(plan_text: str, published: str) -> str:
    """One line naming what the published text changes with respect to the plan's."""
    a, b = plan_text.split(), published.split()
    if len(a) <= 1 and len(b) <= 1:
        return Message("aud_text_says", published=published, plan=plan_text)
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=[x.casefold() for x in a], b=[x.casefold() for x in b], autojunk=False).get_opcodes():
        if op == "insert":
            parts.append(Message("aud_text_adds", words=" ".join(b[j1:j2])))
        elif op == "delete":
            parts.append(Message("aud_text_removes", words=" ".join(a[i1:i2])))
        elif op == "replace":
            parts.append(Message("aud_text_changes", old=" ".join(a[i1:i2]), new=" ".join(b[j1:j2])))
    return Message("aud_text_changed", changes=", ".join(parts)) if parts else Message("aud_text_case")


def audit(ev: Evaluation, other_years: Any = None, default_year: int | None = None) -> list[Entry]:
    """Audit the plan's published figures of ``ev``'s year and period (entries without ``anio``
    count as ``default_year``'s, by default ``ev``'s year). ``other_years(year)`` gives the
    evaluation of another year, for "another year's value" causes."""
    return _Auditor(ev, other_years).run(published_for(ev, default_year))


@dataclass
class YearAudit:
    """The audit of one year (or semester) of a plan."""
    year: int
    period: str
    ev: Evaluation
    entries: list[Entry]


def audit_periods(plan, evaluate_for: Any, default_year: int, only: tuple[int, str] | None = None) -> list[YearAudit]:
    """Audit every (year, period) that has published figures, year by year: entries with ``anio``
    go to their year, the others to ``default_year``. ``evaluate_for(year, period)`` evaluates the
    plan (period "anual", "S1", "S2"). ``only``: just that (year, period)."""
    groups: list[tuple[int, str]] = []
    for p in plan.model.publicado:
        key = (p.anio if p.anio is not None else default_year, p.periodo)
        if key not in groups:
            groups.append(key)
    if only is not None:
        groups = [only]
    elif not groups:
        groups = [(default_year, "anual")]
    groups.sort()
    cache: dict[tuple[int, str], Evaluation] = {}

    def ev_of(year: int, period: str = "anual") -> Evaluation:
        if (year, period) not in cache:
            cache[(year, period)] = evaluate_for(year, period)
        return cache[(year, period)]

    out = []
    for year, period in groups:
        ev = ev_of(year, period)
        entries = _Auditor(ev, lambda y, period=period: ev_of(y, period)).run(published_for(ev, default_year))
        out.append(YearAudit(year, period, ev, entries))
    return out


def audit_years_document(groups: list[YearAudit]) -> dict:
    """One document for a year-by-year audit: every entry (with its year and period), a
    summary, and each year's receipt."""
    entries = [e for g in groups for e in g.entries]
    first = groups[0].ev
    doc = audit_document(first, entries)
    if len(groups) == 1:
        return doc  # one year: the same document as audit_document (and the serve API)
    doc["years"] = [
        {"year": g.year, "period": g.period, "receipt": g.ev.receipt(), "summary": {s: sum(1 for e in g.entries if e.status == s) for s in (MATCH, MISMATCH, NOT_RECOMPUTABLE)}}
        for g in groups
    ]
    return doc


def audit_document(ev: Evaluation, entries: list[Entry]) -> dict:
    counts = {s: sum(1 for e in entries if e.status == s) for s in (MATCH, MISMATCH, NOT_RECOMPUTABLE)}
    return {
        "format": "pei-rules/audit",
        "format_version": 1,
        "receipt": ev.receipt(),
        "summary": counts,
        "entries": [e.to_dict() for e in entries],
    }


def exit_code(entries: list[Entry]) -> int:
    return 0 if all(e.status == MATCH for e in entries) else 1


# --- verifying a stored result ------------------------------------------------------------


@dataclass
class Check:
    """One item of a stored result verified again: stored and recomputed."""
    item: str
    status: str  # match / mismatch
    stored: str | None
    now: str | None
    note: str | None = None

    def to_dict(self) -> dict:
        """The check, with a stable ``code`` and ``key`` beside the ``item`` words (which follow
        ``--lang``): what a program reading the audit matches on."""
        d = dataclasses.asdict(self)
        if isinstance(self.item, Message):
            d["code"] = self.item.id.removeprefix("ares_item_")
            d["key"] = next((str(v) for v in self.item.args.values()), None)
        else:  # a figure id, or a count ``conteo:TABLE:BAND``
            d["code"] = "count" if self.item.startswith(COUNT_PREFIX + ":") else "figure"
            d["key"] = self.item
        return d


def load_result(path: str | Path) -> dict:
    text = read_text_limited(path, LIMIT_JSON, "JSON")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(msg("ares_err_invalid_json", detail=exc.msg), file=str(path), line=exc.lineno, column=exc.colno) from None
    if not isinstance(doc, dict) or doc.get("format") != "pei-rules/evaluation":
        raise InputFileError(msg("ares_err_not_evaluation"), file=str(path), key=("format",))
    doc = expand(doc, str(path))  # a batch's compact per-entity file (format_version 2) reads as version 1
    rc = doc.get("receipt")
    if not isinstance(rc, dict):
        raise InputFileError(msg("ares_err_no_receipt"), file=str(path), key=("receipt",))
    for key in (("plan", "path"), ("plan", "sha256"), ("rule_set", "id"), ("year",)):
        node: Any = rc
        for k in key:
            node = node.get(k) if isinstance(node, dict) else None
        if node is None:
            raise InputFileError(msg("ares_err_receipt_key"), file=str(path), key=("receipt",) + key)
    if not isinstance(doc.get("figures"), list):
        raise InputFileError(msg("ares_err_no_figures"), file=str(path), key=("figures",))
    return doc


def _find(path_text: str, base: Path) -> Path | None:
    p = Path(path_text)
    for cand in (p, base / p):
        if cand.is_file():
            return cand
    return None


def _receipt_folder(stored_files: list, base: Path, rid: str, override_name: str) -> Path | None:
    """The folder of a rule set given as a folder (not found by id): the folder of its own
    files in the receipt (listed parents first, so the last ones), if it still holds that id."""
    for f in reversed(stored_files):
        fp = Path(str(f.get("path", "")))
        if fp.name == override_name:
            continue
        for cand in (fp.parent, base / fp.parent):
            if cand.is_dir() and _read_id(cand) == rid:
                return cand
    return None


def _locate_plan(path: str | Path, rc: dict, base: Path, plan_path: str | Path | None) -> Path:
    if plan_path is not None:
        if not Path(plan_path).is_file():
            raise InputFileError(msg("reports_verify_plan_missing"), file=str(plan_path))
        return Path(plan_path)
    plan_file = _find(rc["plan"]["path"], base)
    if plan_file is None:
        raise InputFileError(
            msg("ares_err_plan_not_found", path=rc["plan"]["path"]),
            file=str(path),
            key=("receipt", "plan", "path"),
            suggestion=msg("reports_verify_hint_plan"),
        )
    return plan_file


def _locate_rules(path: str | Path, rc: dict, base: Path, rules_path: str | Path | None, stored_files: list) -> Path:
    if rules_path is not None:
        return resolve_rules(str(rules_path))
    try:
        return resolve_rules(rc["rule_set"]["id"])
    except PeiError as exc:
        folder = _receipt_folder(stored_files, base, rc["rule_set"]["id"], OVERRIDE_NAME)
        if folder is None:
            raise InputFileError(
                msg("ares_err_rules_not_found", detail=exc.message),
                file=str(path),
                key=("receipt", "rule_set", "id"),
                suggestion=msg("reports_verify_hint_rules"),
            ) from None
        return folder


def _rule_file_checks(rules: Any, stored_files: list, base: Path) -> list[Check]:
    """Each rule file of the receipt against the rule set loaded now (by path, or by name and
    content when the inputs moved), and the files the receipt does not list."""
    checks = []
    now_files = dict(rules.files)
    moved: set[str] = set()
    found: set[Path] = set()  # stored files found on disk (paths shown relative to another folder)
    for f in stored_files:
        cur = now_files.get(f.get("path"))
        note = None
        if cur is None:
            fp = _find(f.get("path", ""), base)
            if fp is not None:
                cur = sha256_limited(fp, what="TOML")
                found.add(fp.resolve())
        if cur is None or cur != f.get("sha256"):
            # moved inputs (--rules PATH): the same file, by name and content, in the folder used now
            same = [p for p, d in rules.files if Path(p).name == Path(str(f.get("path", ""))).name and d == f.get("sha256") and p not in moved]
            if same:
                cur, note = f.get("sha256"), msg("reports_verify_moved", path=same[0])
                moved.add(same[0])
        checks.append(Check(Message("ares_item_rule_file", path=f.get("path")), MATCH if cur == f.get("sha256") else MISMATCH, f.get("sha256"), cur, note if cur else Message("ares_note_file_not_found")))
    stored_paths = {f.get("path") for f in stored_files}
    for p, d in rules.files:
        if p not in stored_paths and p not in moved and Path(p).resolve() not in found:
            checks.append(Check(Message("ares_item_rule_file", path=p), MISMATCH, None, d, Message("ares_note_not_in_receipt")))
    return checks


def _receipt_period(path: str | Path, rc: dict) -> tuple[int, str, int | None]:
    year = rc["year"]
    if not isinstance(year, int):
        raise InputFileError(msg("ares_err_year"), file=str(path), key=("receipt", "year"))
    period = rc.get("period") or "anual"
    semester = rc.get("semester")
    if not isinstance(period, str) or (semester is not None and not isinstance(semester, int)):
        raise InputFileError(msg("ares_err_period"), file=str(path), key=("receipt", "period"))
    return year, period, semester


def _figure_checks(path: str | Path, doc: dict, ev: Evaluation) -> list[Check]:
    """Each stored figure's value, status and band against the recomputed one; new figures;
    each stored count."""
    checks = []
    seen = set()
    for fd in doc["figures"]:
        if not isinstance(fd, dict) or "id" not in fd:
            raise InputFileError(msg("ares_err_figure_id"), file=str(path), key=("figures",))
        fid = fd["id"]
        seen.add(fid)
        f = ev.figures.get(fid)
        if f is None:
            checks.append(Check(fid, MISMATCH, fd.get("value"), None, Message("ares_note_figure_gone")))
            continue
        now = None if f.value is None else str(f.value)
        same = now == fd.get("value") and f.status == fd.get("status") and f.band_name == fd.get("band")
        checks.append(Check(fid, MATCH if same else MISMATCH, fd.get("value"), now, None if same else _figure_note(fd, f)))
    for fid in ev.figures:
        if fid not in seen:
            checks.append(Check(fid, MISMATCH, None, None if ev.figures[fid].value is None else str(ev.figures[fid].value), Message("ares_note_new_figure")))
    for cd in doc.get("counts") or []:
        if not isinstance(cd, dict):
            continue  # reported by the whole-document comparison
        c = ev.counts.get(cd.get("name"))
        counts = cd.get("counts") if isinstance(cd.get("counts"), dict) else {}
        for band, n in counts.items():
            now_n = None if c is None else c.counts.get(band)
            checks.append(Check(f"{COUNT_PREFIX}:{cd.get('name')}:{band}", MATCH if now_n == n else MISMATCH, str(n), None if now_n is None else str(now_n)))
    return checks


def verify_result(path: str | Path, plan_path: str | Path | None = None, rules_path: str | Path | None = None) -> tuple[Evaluation, list[Check]]:
    """Re-evaluate a stored evaluation from its receipt; compare hashes and every figure.

    ``plan_path`` / ``rules_path`` point at the inputs when they moved (or the result was made in
    another working folder); without them the receipt's paths are tried as given and next to the
    result, and a rule set made from a folder is found through its files' folder."""
    doc = load_result(path)
    rc = doc["receipt"]
    base = Path(path).resolve().parent
    plan_file = _locate_plan(path, rc, base, plan_path)
    plan = load_plan(plan_file, display=rc["plan"]["path"])
    checks = [Check(Message("ares_item_plan_sha256"), MATCH if plan.sha256 == rc["plan"]["sha256"] else MISMATCH, rc["plan"]["sha256"], plan.sha256, str(plan_file))]
    stored_files = rc["rule_set"].get("files") or []
    if not isinstance(stored_files, list):
        stored_files = []
    folder = _locate_rules(path, rc, base, rules_path, stored_files)
    overrides = [Path(f["path"]) for f in stored_files if Path(f.get("path", "")).name == OVERRIDE_NAME and Path(f["path"]).is_file()]
    rules = load_ruleset(folder, overrides=overrides)
    if rules.id != rc["rule_set"]["id"]:
        checks.append(Check(Message("ares_item_rule_set_id"), MISMATCH, rc["rule_set"]["id"], rules.id, str(folder)))
    checks += _rule_file_checks(rules, stored_files, base)
    year, period, semester = _receipt_period(path, rc)
    ev = evaluate(plan, rules, year, why_rules=Message("api_rules_from_receipt", path=str(path)), period=period, semester=semester)
    checks += _figure_checks(path, doc, ev)
    diffs = document_differences(doc, to_json_obj(ev))
    if diffs:
        # texts (reasons, labels) follow the language the result was made in: try the other
        # (the rule set is read again in it: its labels are read in the language in force)
        for lang in LANGS:
            if lang == current_lang():
                continue
            with using_lang(lang):
                again = load_ruleset(folder, overrides=overrides)
                other = document_differences(doc, to_json_obj(evaluate(plan, again, year, why_rules="", period=period, semester=semester)))
            if len(other) < len(diffs):
                diffs = other
    return ev, checks + _difference_checks(diffs)


#: Fields of a stored result that cannot be recomputed: when it was made, the words of
#: the rule-set choice, and where files were (paths depend on the folder a command ran
#: in). The files themselves are covered by their sha256 (receipt.plan.sha256,
#: receipt.rule_set.files, receipt.rule_set.content_hash), compared above and below.
UNCHECKED_FIELDS = {
    ("receipt", "created"),
    ("receipt", "rule_set_choice"),
    ("receipt", "plan", "path"),
    ("receipt", "rule_set", "folder"),
    ("receipt", "rule_set", "files"),  # each file compared by its own check above
}
#: Per-figure fields already compared by the figure's own check (value, status, band).
_FIGURE_CHECKED = {"value", "status", "band"}


def _field_path(path: tuple) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        elif isinstance(p, tuple):  # (key, value) of a list element found by identity
            out += f"[{p[0]}={p[1]}]"
        else:
            out += ("." if out else "") + str(p)
    return out


class _Mark:
    """A stand-in for a value that is not there (shown as a message, never as JSON)."""

    def __init__(self, id: str):
        self.id = id


_ABSENT, _TWICE = _Mark("ares_absent"), _Mark("ares_twice")


def _figure_note(stored: dict, f: Figure) -> str | None:
    """What besides the value changed in a figure: its status, its band."""
    def shown(v: Any) -> str:
        return msg("ares_none") if v is None else str(v)

    parts = []
    if stored.get("status") != f.status:
        parts.append(Message("ares_note_status", old=shown(stored.get("status")), new=shown(f.status)))
    if stored.get("band") != f.band_name:
        parts.append(Message("ares_note_band", old=shown(stored.get("band")), new=shown(f.band_name)))
    return ", ".join(parts) or None


def _short_json(v: Any) -> str:
    if isinstance(v, _Mark):
        return msg(v.id)
    text = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:119] + "…"


def _strip_folders(text: str) -> str:
    """``text`` with the folder part of every ``….toml`` path removed (linear, no regex)."""
    out, i = [], 0
    stops = set(" \t\n,;()[]'\"")
    while True:
        j = text.find(".toml", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        k = j
        while k > i and text[k - 1] not in stops:
            k -= 1
        seg = text[k:j]
        cut = seg.rfind("/")
        out.append(text[i:k] + (seg[cut + 1:] if cut >= 0 else seg) + ".toml")
        i = j + 5


def compare_documents(stored: Any, now: Any) -> list[Check]:
    """Every field of a stored result compared with the recomputed document (canonical form:
    keys in any order, figures and counts matched by id/name): one mismatch per differing
    field, named by its path (``figures[id=avance_aei:AEI.01.01].exact``); one match when
    the whole document agrees. Fields in :data:`UNCHECKED_FIELDS` are skipped."""
    return _difference_checks(document_differences(stored, now))


def _difference_checks(diffs: list[tuple[tuple, Any, Any]]) -> list[Check]:
    if not diffs:
        return [Check(Message("ares_item_document"), MATCH, None, None, Message("ares_note_document_same"))]
    return [Check(Message("ares_item_field", path=_field_path(p)), MISMATCH, _short_json(a), _short_json(b), Message("ares_note_document_differs")) for p, a, b in diffs]


def document_differences(stored: Any, now: Any) -> list[tuple[tuple, Any, Any]]:
    """(path, stored, now) of every field where the documents differ (see :func:`compare_documents`)."""
    diffs: list[tuple[tuple, Any, Any]] = []

    def walk(a: Any, b: Any, path: tuple) -> None:
        if tuple(p for p in path if not isinstance(p, (int, tuple))) in UNCHECKED_FIELDS and not any(isinstance(p, (int, tuple)) for p in path):
            return
        if isinstance(a, dict) and isinstance(b, dict):
            in_figure = len(path) == 2 and path[0] == "figures"
            for k in list(a) + [k for k in b if k not in a]:
                if in_figure and k in _FIGURE_CHECKED:
                    continue
                if k not in b:
                    diffs.append((path + (k,), a[k], _ABSENT))
                elif k not in a:
                    diffs.append((path + (k,), _ABSENT, b[k]))
                else:
                    walk(a[k], b[k], path + (k,))
            return
        if isinstance(a, list) and isinstance(b, list):
            key = {("figures",): "id", ("counts",): "name"}.get(path)
            if key and all(isinstance(x, dict) for x in a + b):
                bi = {x.get(key): x for x in b}
                seen = set()
                for i, x in enumerate(a):
                    ident = x.get(key)
                    if ident in seen:
                        diffs.append((path + ((key, ident),), _TWICE, None))
                        continue
                    seen.add(ident)
                    if ident not in bi:
                        if path != ("figures",):  # a figure that no longer exists has its own check
                            diffs.append((path + ((key, ident),), x, _ABSENT))
                        continue
                    walk(x, bi[ident], path + ((key, ident),))
                for ident, y in bi.items():
                    if ident not in seen and path != ("figures",):
                        diffs.append((path + ((key, ident),), _ABSENT, y))
                return
            if len(a) != len(b):
                diffs.append((path, a, b))
                return
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, path + (i,))
            return
        if isinstance(a, str) and isinstance(b, str) and a != b and ".toml" in a:
            if _strip_folders(a) == _strip_folders(b):  # where a rule file was, seen from another folder
                return
        if type(a) is not type(b) or a != b:
            diffs.append((path, a, b))

    walk(stored, now, ())
    return diffs


def verify_document(ev: Evaluation, checks: list[Check], path: str) -> dict:
    return {
        "format": "pei-rules/audit-result",
        "format_version": 1,
        "result": str(path),
        "receipt": ev.receipt(),
        "summary": {s: sum(1 for c in checks if c.status == s) for s in (MATCH, MISMATCH)},
        "checks": [c.to_dict() for c in checks],
    }
