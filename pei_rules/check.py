"""Consistency findings on a plan's data, each with severity, file, line and key.

- a sentido or tipo de agregación the rule set does not know, or a tipo de agregación
  its ``[avance.casos]`` does not allow for the sentido;
- structural problems collected by the plan loader (duplicate or dangling codes, an AEI
  whose OEI does not exist, an AO whose AEI does not exist, a value given twice);
- an indicator without a target (logro esperado) for the evaluated year, or without an
  obtained value;
- N/D where the rule set's formula for the indicator (or the AO) needs a value;
- a declared sentido that contradicts the one its own targets imply
  (``[inferencia_sentido]``, see :mod:`pei_rules.inference`);
- values outside the admissible interval of their unit of measure (``[unidades]``);
- missing relevance where the rule set weights by relevance.

The admissible ranges and the inference rule are rule data; nothing here knows them.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import did_you_mean, format_key
from .i18n import Message, msg
from .inference import infer_sentido
from .inference import settings as inference_settings
from .plan import Plan
from .ruleset import RuleSet
from .ruleset.reader import _parse_interval
from .sanitize import BIDI
from .tomlsource import SourceRef

ERROR, WARNING = "error", "warning"
UNITS = "unidades"


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    ref: SourceRef

    def __str__(self) -> str:
        loc = self.ref.file + (f":{self.ref.line}" if self.ref.line else "")
        key = msg("chk_key", key=format_key(self.ref.key)) if self.ref.key else ""
        return msg("chk_line", loc=loc, key=key, severity=msg(f"chk_severity_{self.severity}"), code=self.code, message=self.message)

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message, **self.ref.to_dict()}


@dataclass(frozen=True)
class Interval:
    lower: Decimal | None
    lower_closed: bool
    upper: Decimal | None
    upper_closed: bool
    text: str
    ref: SourceRef | None

    def contains(self, x: Decimal) -> bool:
        if self.lower is not None and (x < self.lower or (x == self.lower and not self.lower_closed)):
            return False
        if self.upper is not None and (x > self.upper or (x == self.upper and not self.upper_closed)):
            return False
        return True


def unit_ranges(rules: RuleSet) -> dict[str, Interval] | None:
    """The validated ``[unidades]`` section (casefolded unit -> interval), or None."""
    sec = rules.extra.get(UNITS)
    if sec is None:
        return None
    if not isinstance(sec, dict):
        raise rules.error((UNITS,), msg("rf_units_table"))
    out: dict[str, Interval] = {}
    for unit, text in sec.items():
        if not isinstance(text, str):
            raise rules.error((UNITS, unit), msg("rf_unit_interval_string", unit=unit))
        parsed = _parse_interval(text)
        if isinstance(parsed, str):
            raise rules.error((UNITS, unit), msg("rf_bad_interval", text=text, detail=parsed))
        folded = " ".join(unit.split()).casefold()
        if folded in out:
            raise rules.error((UNITS, unit), msg("rf_unit_twice", unit=unit))
        out[folded] = Interval(*parsed, text=text, ref=rules.ref(UNITS, unit))
    return out


#: plan keys behind each indicator input of the engine vocabulary (see vocabulary.SCOPE_INPUTS)
def _input_keys(name: str, year: int, plan: Plan) -> list[tuple]:
    desde, hasta = plan.model.plan.desde, plan.model.plan.hasta
    return {
        "obtenido": [("valor_obtenido", year)],
        "esperado": [("logro_esperado", year)],
        "base": [("linea_base", "valor")],
        "obtenido_acumulado": [("valor_obtenido", y) for y in range(desde, year + 1)],
        "esperado_acumulado": [("logro_esperado", y) for y in range(desde, year + 1)],
        "esperado_final": [("logro_esperado", hasta)],
    }.get(name, [])


class _Checker:
    def __init__(self, plan: Plan, rules: RuleSet, year: int):
        self.plan = plan
        self.rules = rules
        self.year = year
        self.findings: list[Finding] = []
        self.units = unit_ranges(rules)
        self.inference = inference_settings(rules)

    def add(self, code: str, severity: str, message: str, ref: SourceRef) -> None:
        self.findings.append(Finding(code, severity, message, ref))

    def run(self) -> list[Finding]:
        for p in self.plan.problems:
            self.add(p.code, p.severity, p.message, p.ref)
        for ind in self.plan.model.indicador:
            self.indicator(ind)
        self.activities()
        self.relevance()
        self.structure()
        self.codes()
        return self.findings

    def codes(self) -> None:
        """Codes are ASCII: a Cyrillic 'І' in OEІ.01 or an invisible bidi override would make
        two codes that look the same differ (or one code read as another)."""
        m = self.plan.model
        doc = self.plan.doc
        items: list[tuple[Any, tuple]] = [(m.entidad.codigo, ("entidad", "codigo"))]
        for i, o in enumerate(m.oei):
            items.append((o.codigo, ("oei", i, "codigo")))
        for i, a in enumerate(m.aei):
            items += [(a.codigo, ("aei", i, "codigo")), (a.oei, ("aei", i, "oei"))]
        for i, ind in enumerate(m.indicador):
            items += [(ind.codigo, ("indicador", i, "codigo")), (ind.de, ("indicador", i, "de"))]
        for year, poi in m.poi.items():
            for j, ao in enumerate(poi.ao):
                items += [(ao.codigo, ("poi", str(year), "ao", j, "codigo")), (getattr(ao, "aei", None), ("poi", str(year), "ao", j, "aei"))]
        for code, key in items:
            if not isinstance(code, str):
                continue
            bad = code_problem(code)
            if bad:
                self.add("codigo_no_ascii", ERROR, bad, doc.ref(key))


    # indicators -------------------------------------------------------------------------

    def category(self, field: str, word: str) -> str | None:
        return self.rules.synonyms.get(field, {}).get(word.casefold())

    def indicator(self, ind) -> None:
        plan, y = self.plan, self.year
        code = ind.codigo
        s = self.category("sentido", ind.sentido)
        a = self.category("agregacion", ind.agregacion)
        for fld, word, cat in (("sentido", ind.sentido, s), ("agregacion", ind.agregacion, a)):
            if cat is None:
                known = sorted(self.rules.synonyms.get(fld, {}))
                hint = did_you_mean(word.casefold(), known)
                self.add("vocabulario_desconocido", ERROR, Message("chk_unknown_word", code=code, word=word, field=fld, rules=self.rules.id, hint=Message("chk_hint", hint=hint) if hint else ""), plan.ref(ind, fld))
        if s is not None and a is not None and a not in self.rules.cases.get(s, []):
            self.add(
                "agregacion_no_aplica",
                ERROR,
                Message("chk_case_not_allowed", code=code, agregacion=ind.agregacion, sentido=ind.sentido, rules=self.rules.id, category=s, allowed=", ".join(self.rules.cases.get(s, []))),
                plan.ref(ind, "agregacion"),
            )
        # target and value for the year
        if y not in ind.logro_esperado:
            self.add("sin_meta", ERROR, Message("chk_no_target", code=code, year=y), plan.ref(ind, "logro_esperado"))
        if y not in ind.valor_obtenido:
            self.add("sin_valor", WARNING, Message("chk_no_value", code=code, year=y), plan.ref(ind, "valor_obtenido"))
        # N/D where the formula needs a value
        if s is not None and a is not None and (s, a) in self.rules.advance_kinds[self.rules.principal].formulas:
            expr = self.rules.advance_kinds[self.rules.principal].formulas[(s, a)]
            for name in sorted(expr.names):
                for key in _input_keys(name, y, plan):
                    present, value = self._get(ind, key)
                    if present and value is None:
                        sev = WARNING if ind.permite_nd else ERROR
                        text = Message("chk_nd_needed", code=code, key=format_key(tuple(str(k) for k in key)), formula=expr.text, name=name)
                        self.add("nd_requerido", sev, text if ind.permite_nd else Message("chk_nd_not_allowed", text=text), plan.ref(ind, *[str(k) for k in key]))
        # declared sentido against the trend of its own targets
        # (targets that never change show no trend, so they contradict no sentido)
        varying = len({v for yy, v in ind.logro_esperado.items() if v is not None and plan.model.plan.desde <= yy <= plan.model.plan.hasta}) > 1
        if self.inference is not None and s is not None and varying:
            inferred, why = infer_sentido(ind, self.rules, plan)
            if inferred is not None and inferred != s:
                self.add(
                    "sentido_contradice_metas",
                    WARNING,
                    Message("chk_sentido_contradicts", code=code, sentido=ind.sentido, inferred=inferred, why=why),
                    plan.ref(ind, "sentido"),
                )
        # values within the admissible range of the unit
        if self.units is not None:
            unit = " ".join(ind.unidad_medida.split()).casefold()
            rng = self.units.get(unit)
            if rng is None:
                hint = did_you_mean(unit, self.units)
                self.add("unidad_desconocida", WARNING, Message("chk_unknown_unit", code=code, unit=ind.unidad_medida, rules=self.rules.id, hint=Message("chk_hint", hint=hint) if hint else ""), plan.ref(ind, "unidad_medida"))
            else:
                vals: list[tuple[tuple, Any]] = []
                if ind.linea_base is not None:
                    vals.append((("linea_base", "valor"), ind.linea_base.valor))
                for fld in ("logro_esperado", "valor_obtenido"):
                    for yy, v in sorted(getattr(ind, fld).items()):
                        vals.append(((fld, str(yy)), v))
                for key, v in vals:
                    if v is not None and not rng.contains(v):
                        self.add(
                            "fuera_de_rango",
                            ERROR,
                            Message("chk_out_of_range", code=code, key=format_key(key), value=v, range=rng.text, unit=ind.unidad_medida, ref=str(rng.ref)),
                            plan.ref(ind, *key),
                        )

    @staticmethod
    def _get(ind, key: tuple) -> tuple[bool, Any]:
        if key[0] == "linea_base":
            return (ind.linea_base is not None, None if ind.linea_base is None else ind.linea_base.valor)
        table = getattr(ind, key[0])
        return (key[1] in table, table.get(key[1]))

    # activities -------------------------------------------------------------------------

    def activities(self) -> None:
        poi = self.plan.model.poi.get(self.year)
        if poi is None:
            return
        names: set[str] = set()
        for f in self.rules.formulas.values():
            if f.scope == "ao":
                names |= set(f.expr.names)
        for ao in poi.ao:
            for name in sorted(names & {"programado", "ejecutado"}):
                monthly = getattr(ao, f"{name}_mensual")
                if monthly is not None:
                    for m, v in enumerate(monthly):
                        if v is None:
                            self.add("nd_requerido", WARNING, Message("chk_ao_month_nd", code=ao.codigo, month=m + 1, name=name), self.plan.ref(ao, f"{name}_mensual"))
                            break
                elif getattr(ao, name) is None:
                    self.add("nd_requerido", WARNING, Message("chk_ao_nd", code=ao.codigo, name=name), self.plan.ref(ao, name) if name in ao.model_fields_set else self.plan.ref(ao))
            if self.units is not None and ao.unidad_medida:
                rng = self.units.get(" ".join(ao.unidad_medida.split()).casefold())
                if rng is not None:
                    for name in ("programado", "ejecutado"):
                        v = getattr(ao, name)
                        if v is not None and not rng.contains(v):
                            self.add("fuera_de_rango", ERROR, Message("chk_ao_out_of_range", code=ao.codigo, name=name, value=v, range=rng.text, unit=ao.unidad_medida), self.plan.ref(ao, name))

    # relevance --------------------------------------------------------------------------

    def relevance(self) -> None:
        weighted = {ag.members for ag in self.rules.aggregates.values() if ag.weighting}
        plan = self.plan
        for a in plan.model.aei:
            if a.relevancia is None:
                sev = ERROR if "aei" in weighted else WARNING
                why = Message("chk_weights_aei" if sev == ERROR else "chk_needed_to_weight")
                self.add("sin_relevancia", sev, Message("chk_aei_no_relevance", code=a.codigo, why=why), plan.ref(a))
        if "indicadores" in weighted:
            for ind in plan.model.indicador:
                owner = plan.aei.get(ind.de) or plan.oei.get(ind.de)
                if ind.relevancia is None and getattr(owner, "relevancia", None) is None:
                    self.add("sin_relevancia", ERROR, Message("chk_indicator_no_relevance", code=ind.codigo, owner=ind.de), plan.ref(ind))


    # structure, vocabulary, horizon and published years (issue 12) -------------------------

    def structure(self) -> None:
        plan, rules = self.plan, self.rules
        m = plan.model
        owners = {ind.de for ind in m.indicador}
        # an indicator whose owner does not exist is reported already; "no indicator" for the
        # owner it was meant for would be its echo
        dangling = any(d not in plan.oei and d not in plan.aei for d in owners)
        for o in m.oei if not dangling else ():
            if o.codigo not in owners:
                self.add("sin_indicador", WARNING, msg("reports_check_no_indicator", kind="OEI", code=o.codigo), plan.ref(o, "codigo"))
        for a in m.aei if not dangling else ():
            if a.codigo not in owners:
                self.add("sin_indicador", WARNING, msg("reports_check_no_indicator", kind="AEI", code=a.codigo), plan.ref(a, "codigo"))
        # relevancia and prioridad within the rule set's vocabulary
        grades = rules.relevance_labels
        for obj in list(m.oei) + list(m.aei) + list(m.indicador):
            r = getattr(obj, "relevancia", None)
            if r is not None and grades and r not in grades:
                self.add("fuera_de_vocabulario", ERROR, msg("reports_check_relevance", code=obj.codigo, value=r, known=", ".join(f"{k} {v}" for k, v in sorted(grades.items()))), plan.ref(obj, "relevancia"))
        words = rules.synonyms.get("prioridad")
        for obj in list(m.oei) + list(m.aei):
            pr = getattr(obj, "prioridad", None)
            if pr is not None and words and not pr.isdigit() and pr.casefold() not in words:
                self.add("fuera_de_vocabulario", WARNING, msg("reports_check_priority", code=obj.codigo, value=pr, known=_known(words)), plan.ref(obj, "prioridad"))
        ao_words = rules.synonyms.get("prioridad_ao")
        ao_kinds = rules.synonyms.get("agregacion_ao")
        for year, poi in sorted(m.poi.items()):
            for ao in poi.ao:
                if ao.prioridad is not None and ao_words and ao.prioridad.casefold() not in ao_words:
                    self.add("fuera_de_vocabulario", WARNING, msg("reports_check_priority", code=ao.codigo, value=ao.prioridad, known=_known(ao_words)), plan.ref(ao, "prioridad"))
                if ao.agregacion is not None and ao.agregacion.casefold() not in (ao_kinds or {}):
                    self.add("fuera_de_vocabulario", ERROR, msg("reports_check_ao_aggregation", code=ao.codigo, value=ao.agregacion, rules=rules.id, known=_known(ao_kinds or {})), plan.ref(ao, "agregacion"))
        # values for years outside the horizon (the year before it is the annex's base column)
        lo, hi = m.plan.desde - 1, m.plan.hasta
        for ind in m.indicador:
            for fld in ("logro_esperado", "valor_obtenido"):
                for y in sorted(getattr(ind, fld)):
                    if not lo <= y <= hi:
                        self.add("anio_fuera_del_horizonte", WARNING, msg("reports_check_outside_horizon", code=ind.codigo, field=fld, year=y, desde=m.plan.desde, hasta=m.plan.hasta), plan.ref(ind, fld, str(y)))
            # flat targets for an indicator expected to rise
            if self.category("sentido", ind.sentido) == "ascendente":
                targets = [v for y, v in sorted(ind.logro_esperado.items()) if m.plan.desde <= y <= m.plan.hasta and v is not None]
                if len(targets) >= 2 and len(set(targets)) == 1:
                    self.add("metas_planas", WARNING, msg("reports_check_flat", code=ind.codigo, sentido=ind.sentido, series=" -> ".join(str(t) for t in targets)), plan.ref(ind, "logro_esperado"))
        for year in sorted(m.poi):
            if not lo <= year <= hi + 1:
                self.add("anio_fuera_del_horizonte", WARNING, msg("reports_check_poi_outside", year=year, desde=m.plan.desde, hasta=m.plan.hasta), plan.doc.ref(("poi", str(year))))
        # a published figure of a year the plan has no data for
        with_data = {y for ind in m.indicador for y, v in ind.valor_obtenido.items() if v is not None} | set(m.poi)
        for i, p in enumerate(m.publicado):
            if p.anio is not None and p.anio not in with_data and m.plan.desde - 1 <= p.anio <= m.plan.hasta + 1:
                self.add("publicado_sin_datos", WARNING, msg("reports_check_published_no_data", figure=p.figura, year=p.anio), plan.doc.ref(("publicado", i, "anio")))


def _known(words: dict) -> str:
    return ", ".join(sorted({w for w in words}))


def check(plan: Plan, rules: RuleSet, year: int) -> list[Finding]:
    """All findings, errors first, then in file order."""
    findings = _Checker(plan, rules, year).run()
    return sorted(findings, key=lambda f: (f.severity != ERROR, f.ref.line or 0))


def count(plan: Plan, rules: RuleSet, year: int) -> int:
    """How many findings :func:`check` gives, without ordering them: no finding's line is
    looked up, so the plan's text is never scanned (``batch``'s hallazgos_check column)."""
    return len(_Checker(plan, rules, year).run())


def exit_code(findings: list[Finding]) -> int:
    return 1 if any(f.severity == ERROR for f in findings) else 0


def code_problem(code: str) -> str | None:
    """Why a code is not plain ASCII (a look-alike letter, a control or bidi character), or None."""
    import unicodedata

    for ch in code:
        o = ord(ch)
        if 0x20 < o < 0x7F:
            continue
        name = unicodedata.name(ch, "?")
        shown = code.encode("ascii", "backslashreplace").decode("ascii")
        if o < 0x20 or 0x7F <= o < 0xA0 or ch in BIDI or unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp"):
            return msg("trust_code_control", code=shown, cp=f"U+{o:04X}", name=name)
        base = unicodedata.normalize("NFKD", ch)
        like = _LOOKALIKE.get(ch) or (base[0] if base and base[0].isascii() else "")
        return msg("trust_code_lookalike", code=shown, ch=ch, cp=f"U+{o:04X}", name=name, like=like or "?")
    return None


#: letters of other scripts that look like the Latin capitals and digits codes use
_LOOKALIKE = {
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "і": "i", "ο": "o",
}
