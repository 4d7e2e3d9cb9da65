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
    def __init__(self, plan: Plan, rules: RuleSet, year: int, counting: bool = False):
        self.counting = counting  # only how many findings: their messages are not made
        self.plan = plan
        self.rules = rules
        self.year = year
        self.findings: list[Finding] = []
        self.units = unit_ranges(rules)
        self.inference = inference_settings(rules)

    def add(self, code: str, severity: str, message: str, ref: SourceRef) -> None:
        self.findings.append(Finding(code, severity, message, ref))

    def say(self, code: str, severity: str, ref: SourceRef, message_id: str, /, **args) -> None:
        """A finding whose message is made only when findings are kept (not when counted)."""
        if self.counting:
            self.findings.append(None)
        else:
            self.findings.append(Finding(code, severity, Message(message_id, **args), ref))

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
        items: list[tuple[Any, tuple]] = [(m.entidad.codigo, ("entidad", "codigo"))]
        items += [(o.codigo, ("oei", i, "codigo")) for i, o in enumerate(m.oei)]
        for i, a in enumerate(m.aei):
            items += [(a.codigo, ("aei", i, "codigo")), (a.oei, ("aei", i, "oei"))]
        for i, ind in enumerate(m.indicador):
            items += [(ind.codigo, ("indicador", i, "codigo")), (ind.de, ("indicador", i, "de"))]
        for year, poi in m.poi.items():  # thousands of AOs: the key is made only for a bad code
            for j, ao in enumerate(poi.ao):
                for fld in ("codigo", "aei"):
                    code = getattr(ao, fld, None)
                    if isinstance(code, str) and not _plain(code):
                        items.append((code, ("poi", str(year), "ao", j, fld)))
        for code, key in items:
            bad = code_problem(code) if isinstance(code, str) else None
            if bad:
                self.add("codigo_no_ascii", ERROR, bad, self.plan.doc.ref(key))

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
                self.say("vocabulario_desconocido", ERROR, plan.ref(ind, fld), "chk_unknown_word", code=code, word=word, field=fld, rules=self.rules.id, hint=Message("chk_hint", hint=hint) if hint else "")
        if s is not None and a is not None and a not in self.rules.cases.get(s, []):
            self.say("agregacion_no_aplica", ERROR, plan.ref(ind, "agregacion"), "chk_case_not_allowed", code=code, agregacion=ind.agregacion, sentido=ind.sentido, rules=self.rules.id, category=s, allowed=", ".join(self.rules.cases.get(s, [])))
        # target and value for the year
        if y not in ind.logro_esperado:
            self.say("sin_meta", ERROR, plan.ref(ind, "logro_esperado"), "chk_no_target", code=code, year=y)
        if y not in ind.valor_obtenido:
            self.say("sin_valor", WARNING, plan.ref(ind, "valor_obtenido"), "chk_no_value", code=code, year=y)
        # N/D where the formula needs a value
        if s is not None and a is not None and (s, a) in self.rules.advance_kinds[self.rules.principal].formulas:
            expr = self.rules.advance_kinds[self.rules.principal].formulas[(s, a)]
            for name in sorted(expr.names):
                for key in _input_keys(name, y, plan):
                    present, value = self._get(ind, key)
                    if present and value is None:
                        sev = WARNING if ind.permite_nd else ERROR
                        args = {"code": code, "key": format_key(tuple(str(k) for k in key)), "formula": expr.text, "name": name}
                        where = plan.ref(ind, *[str(k) for k in key])
                        if ind.permite_nd:
                            self.say("nd_requerido", sev, where, "chk_nd_needed", **args)
                        else:
                            self.say("nd_requerido", sev, where, "chk_nd_not_allowed", text=Message("chk_nd_needed", **args))
        # declared sentido against the trend of its own targets
        # (targets that never change show no trend, so they contradict no sentido)
        varying = len({v for yy, v in ind.logro_esperado.items() if v is not None and plan.model.plan.desde <= yy <= plan.model.plan.hasta}) > 1
        if self.inference is not None and s is not None and varying:
            inferred, why = infer_sentido(ind, self.rules, plan, why=not self.counting)
            if inferred is not None and inferred != s:
                self.say("sentido_contradice_metas", WARNING, plan.ref(ind, "sentido"), "chk_sentido_contradicts", code=code, sentido=ind.sentido, inferred=inferred, why=why)
        # values within the admissible range of the unit
        if self.units is not None:
            unit = " ".join(ind.unidad_medida.split()).casefold()
            rng = self.units.get(unit)
            if rng is None:
                hint = did_you_mean(unit, self.units)
                self.say("unidad_desconocida", WARNING, plan.ref(ind, "unidad_medida"), "chk_unknown_unit", code=code, unit=ind.unidad_medida, rules=self.rules.id, hint=Message("chk_hint", hint=hint) if hint else "")
            else:
                vals: list[tuple[tuple, Any]] = []
                if ind.linea_base is not None:
                    vals.append((("linea_base", "valor"), ind.linea_base.valor))
                for fld in ("logro_esperado", "valor_obtenido"):
                    for yy, v in sorted(getattr(ind, fld).items()):
                        vals.append(((fld, str(yy)), v))
                for key, v in vals:
                    if v is not None and not rng.contains(v):
                        self.say("fuera_de_rango", ERROR, plan.ref(ind, *key), "chk_out_of_range", code=code, key=format_key(key), value=v, range=rng.text, unit=ind.unidad_medida, ref=str(rng.ref))

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
                            self.say("nd_requerido", WARNING, self.plan.ref(ao, f"{name}_mensual"), "chk_ao_month_nd", code=ao.codigo, month=m + 1, name=name)
                            break
                elif getattr(ao, name) is None:
                    self.say("nd_requerido", WARNING, self.plan.ref(ao, name) if name in ao.model_fields_set else self.plan.ref(ao), "chk_ao_nd", code=ao.codigo, name=name)
            if self.units is not None and ao.unidad_medida:
                rng = self.units.get(" ".join(ao.unidad_medida.split()).casefold())
                if rng is not None:
                    for name in ("programado", "ejecutado"):
                        v = getattr(ao, name)
                        if v is not None and not rng.contains(v):
                            self.say("fuera_de_rango", ERROR, self.plan.ref(ao, name), "chk_ao_out_of_range", code=ao.codigo, name=name, value=v, range=rng.text, unit=ao.unidad_medida)

    # relevance --------------------------------------------------------------------------

    def relevance(self) -> None:
        weighted = {ag.members for ag in self.rules.aggregates.values() if ag.weighting}
        plan = self.plan
        for a in plan.model.aei:
            if a.relevancia is None:
                sev = ERROR if "aei" in weighted else WARNING
                why = Message("chk_weights_aei" if sev == ERROR else "chk_needed_to_weight")
                self.say("sin_relevancia", sev, plan.ref(a), "chk_aei_no_relevance", code=a.codigo, why=why)
        if "indicadores" in weighted:
            for ind in plan.model.indicador:
                owner = plan.aei.get(ind.de) or plan.oei.get(ind.de)
                if ind.relevancia is None and getattr(owner, "relevancia", None) is None:
                    self.say("sin_relevancia", ERROR, plan.ref(ind), "chk_indicator_no_relevance", code=ind.codigo, owner=ind.de)


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
                self.say("sin_indicador", WARNING, plan.ref(o, "codigo"), "reports_check_no_indicator", kind="OEI", code=o.codigo)
        for a in m.aei if not dangling else ():
            if a.codigo not in owners:
                self.say("sin_indicador", WARNING, plan.ref(a, "codigo"), "reports_check_no_indicator", kind="AEI", code=a.codigo)
        # relevancia and prioridad within the rule set's vocabulary
        grades = rules.relevance_labels
        for obj in list(m.oei) + list(m.aei) + list(m.indicador):
            r = getattr(obj, "relevancia", None)
            if r is not None and grades and r not in grades:
                self.say("fuera_de_vocabulario", ERROR, plan.ref(obj, "relevancia"), "reports_check_relevance", code=obj.codigo, value=r, known=", ".join(f"{k} {v}" for k, v in sorted(grades.items())))
        words = rules.synonyms.get("prioridad")
        for obj in list(m.oei) + list(m.aei):
            pr = getattr(obj, "prioridad", None)
            if pr is not None and words and not pr.isdigit() and pr.casefold() not in words:
                self.say("fuera_de_vocabulario", WARNING, plan.ref(obj, "prioridad"), "reports_check_priority", code=obj.codigo, value=pr, known=_known(words))
        ao_words = rules.synonyms.get("prioridad_ao")
        ao_kinds = rules.synonyms.get("agregacion_ao")
        for year, poi in sorted(m.poi.items()):
            for ao in poi.ao:
                if ao.prioridad is not None and ao_words and ao.prioridad.casefold() not in ao_words:
                    self.say("fuera_de_vocabulario", WARNING, plan.ref(ao, "prioridad"), "reports_check_priority", code=ao.codigo, value=ao.prioridad, known=_known(ao_words))
                if ao.agregacion is not None and ao.agregacion.casefold() not in (ao_kinds or {}):
                    self.say("fuera_de_vocabulario", ERROR, plan.ref(ao, "agregacion"), "reports_check_ao_aggregation", code=ao.codigo, value=ao.agregacion, rules=rules.id, known=_known(ao_kinds or {}))
        # values for years outside the horizon (the year before it is the annex's base column)
        lo, hi = m.plan.desde - 1, m.plan.hasta
        for ind in m.indicador:
            for fld in ("logro_esperado", "valor_obtenido"):
                for y in sorted(getattr(ind, fld)):
                    if not lo <= y <= hi:
                        self.say("anio_fuera_del_horizonte", WARNING, plan.ref(ind, fld, str(y)), "reports_check_outside_horizon", code=ind.codigo, field=fld, year=y, desde=m.plan.desde, hasta=m.plan.hasta)
            # flat targets for an indicator expected to rise
            if self.category("sentido", ind.sentido) == "ascendente":
                targets = [v for y, v in sorted(ind.logro_esperado.items()) if m.plan.desde <= y <= m.plan.hasta and v is not None]
                if len(targets) >= 2 and len(set(targets)) == 1:
                    self.say("metas_planas", WARNING, plan.ref(ind, "logro_esperado"), "reports_check_flat", code=ind.codigo, sentido=ind.sentido, series=" -> ".join(str(t) for t in targets))
        for year in sorted(m.poi):
            if not lo <= year <= hi + 1:
                self.say("anio_fuera_del_horizonte", WARNING, plan.doc.ref(("poi", str(year))), "reports_check_poi_outside", year=year, desde=m.plan.desde, hasta=m.plan.hasta)
        # a published figure of a year the plan has no data for
        with_data = {y for ind in m.indicador for y, v in ind.valor_obtenido.items() if v is not None} | set(m.poi)
        for i, p in enumerate(m.publicado):
            if p.anio is not None and p.anio not in with_data and m.plan.desde - 1 <= p.anio <= m.plan.hasta + 1:
                self.say("publicado_sin_datos", WARNING, plan.doc.ref(("publicado", i, "anio")), "reports_check_published_no_data", figure=p.figura, year=p.anio)


def _known(words: dict) -> str:
    return ", ".join(sorted({w for w in words}))


def check(plan: Plan, rules: RuleSet, year: int) -> list[Finding]:
    """All findings, errors first, then in file order."""
    findings = _Checker(plan, rules, year).run()
    return sorted(findings, key=lambda f: (f.severity != ERROR, f.ref.line or 0))


def count(plan: Plan, rules: RuleSet, year: int) -> int:
    """How many findings :func:`check` gives, without ordering them: no finding's line is
    looked up, so the plan's text is never scanned (``batch``'s hallazgos_check column)."""
    return len(_Checker(plan, rules, year, counting=True).run())


def exit_code(findings: list[Finding]) -> int:
    return 1 if any(f.severity == ERROR for f in findings) else 0


def code_problem(code: str) -> str | None:
    """Why a code is not plain ASCII (a look-alike letter, a control or bidi character), or None."""
    if _plain(code):
        return None
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


def _plain(code: str) -> bool:
    """Every character printable ASCII other than the space (U+0021-U+007E): nothing to say."""
    return code.isascii() and code.isprintable() and " " not in code


#: letters of other scripts that look like the Latin capitals and digits codes use
_LOOKALIKE = {
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "і": "i", "ο": "o",
}
