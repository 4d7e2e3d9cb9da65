"""Plan files: an institution's PEI/POI data, validated with pydantic.

The schema speaks the vocabulary of CEPLAN's formats (Spanish keys). Values that may be
missing are written as numbers or the string ``"N/D"``; N/D is never zero. Every model
remembers its key path so any figure can cite the plan line of each input.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import PlanError, did_you_mean, schema_message
from .i18n import msg
from .expressions import CONTEXT as _EXPR_CONTEXT
from .tomlsource import SourceDoc, SourceRef, load_toml, load_toml_bytes
from .vocabulary import ND_WORDS

MAX_ABS = Decimal("1e15")
MAX_DIGITS = _EXPR_CONTEXT.prec


_INT_LIMIT = int(MAX_ABS)


def _value(v: Any) -> Decimal | None:
    tv = type(v)
    if tv is int and -_INT_LIMIT < v < _INT_LIMIT:
        return Decimal(v)  # fast path, the common case: fewer than 16 digits, no decimals, never -0
    if tv is Decimal and v.is_finite():  # fast path for the parser's decimals (Decimal is immutable: no copy)
        t = v.as_tuple()
        if -MAX_ABS < v < MAX_ABS and len(t.digits) <= MAX_DIGITS and t.exponent >= -MAX_DIGITS:
            return v if v else v.copy_abs()  # -0.0 is 0
    if isinstance(v, bool):
        raise ValueError(msg("plan_value_boolean"))
    if isinstance(v, str):
        if v.strip().casefold() in ND_WORDS:
            return None
        shown = v if len(v) <= 40 else v[:40] + "…"
        raise ValueError(msg("plan_value_string", shown=repr(shown)))
    if isinstance(v, (int, Decimal)):
        d = Decimal(v)
        if not d.is_finite():
            raise ValueError(msg("plan_value_not_finite"))
        t = d.as_tuple()
        if abs(d) < MAX_ABS and len(t.digits) <= MAX_DIGITS and t.exponent >= -MAX_DIGITS:
            return d.copy_abs() if d.is_zero() else d  # fast path: the checks below all pass
        shown = format(d, ".6E") if abs(d.adjusted()) > 30 else str(d)
        if abs(d) >= MAX_ABS:
            raise ValueError(msg("plan_value_out_of_range", shown=shown))
        # the engine computes with MAX_DIGITS significant digits: more would be silently rounded
        t = d.as_tuple()
        if len(t.digits) > MAX_DIGITS:
            raise ValueError(msg("plan_value_too_many_digits", shown=shown, n=MAX_DIGITS))
        if isinstance(t.exponent, int) and t.exponent < -MAX_DIGITS:
            raise ValueError(msg("plan_value_too_many_decimals", shown=shown, n=MAX_DIGITS))
        return d.copy_abs() if d.is_zero() else d  # -0.0 is 0: never print "-0.0"
    if isinstance(v, float):
        raise ValueError(msg("plan_value_float"))
    raise ValueError(msg("plan_value_type", kind=type(v).__name__))


def _amount(v: Any) -> Decimal:
    d = _value(v)
    if d is None:
        raise ValueError(msg("plan_value_required"))
    return d


Value = Annotated[Decimal | None, BeforeValidator(_value)]
Amount = Annotated[Decimal, BeforeValidator(_amount)]
Code = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^\S(.*\S)?$")]
Text = Annotated[str, Field(max_length=2000)]


def _year(v: Any) -> int:
    if isinstance(v, bool):
        raise ValueError(msg("plan_year_expected"))
    try:
        y = int(v)
    except (TypeError, ValueError):
        raise ValueError(msg("plan_year_got", shown=repr(v))) from None
    if not 1900 <= y <= 2200:
        raise ValueError(msg("plan_year_out_of_range", year=y))
    return y


Year = Annotated[int, BeforeValidator(_year)]


def _priority(v: Any) -> str:
    """A prioridad as the plan writes it: a rank (``1``, AEI "Prioridad:1") or a word ("Muy alta")."""
    if isinstance(v, bool):
        raise ValueError(msg("reports_priority_expected"))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal) and v == v.to_integral_value():
        return str(int(v))
    if isinstance(v, str):
        return v
    raise ValueError(msg("reports_priority_expected") + f" ({type(v).__name__})")


#: a prioridad: a rank or a word; its meaning (and the words allowed) comes from the rule set
Priority = Annotated[Text, BeforeValidator(_priority)]

#: a publication period: the whole year, or a semester of it
PERIODS = ("anual", "S1", "S2")

#: empty defaults made by Python functions: pydantic reads a builtin factory's signature (``list``)
#: by tokenizing its text, 3-4 ms of start-up for the model classes
_LIST, _DICT = (lambda: []), (lambda: {})


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)


class Entity(_M):
    codigo: Code
    nombre: Text
    pliego: Text | None = None
    sector: Text | None = None
    nivel_gobierno: Text | None = None
    fuente: Text | None = None


class PlanInfo(_M):
    tipo: Literal["PEI"] = "PEI"
    desde: Year
    hasta: Year
    aprobacion: Text | None = None
    directiva: Text | None = None
    fuente: Text | None = None

    @model_validator(mode="after")
    def _order(self):
        if self.hasta < self.desde:
            raise ValueError(msg("plan_horizon_reversed"))
        return self


class Objective(_M):
    codigo: Code
    denominacion: Text
    prioridad: Priority | None = None
    relevancia: int | None = Field(default=None, ge=1, le=9)
    nota: Text | None = None


class Action(_M):
    codigo: Code
    oei: Code
    denominacion: Text
    relevancia: int | None = Field(default=None, ge=1, le=9)
    prioridad: Priority | None = None
    organo_responsable: Text | None = None
    nota: Text | None = None


class Baseline(_M):
    anio: Year
    valor: Value


class Semester(_M):
    logro_esperado: dict[str, Value] = Field(default_factory=_DICT)
    valor_obtenido: dict[str, Value] = Field(default_factory=_DICT)


class Indicator(_M):
    codigo: Code
    alias: list[Code] = Field(default_factory=_LIST)
    de: Code
    nombre: Text
    unidad_medida: Text
    sentido: Text
    agregacion: Text
    linea_base: Baseline | None = None
    logro_esperado: dict[Year, Value] = Field(default_factory=_DICT)
    valor_obtenido: dict[Year, Value] = Field(default_factory=_DICT)
    semestral: Semester | None = None
    relevancia: int | None = Field(default=None, ge=1, le=9)
    organo_responsable: Text | None = None
    permite_nd: bool = True
    nota: Text | None = None


class Activity(_M):
    codigo: Code
    aei: Code
    denominacion: Text | None = None
    unidad_medida: Text | None = None
    programado: Value = None
    ejecutado: Value = None
    programado_mensual: list[Value] | None = Field(default=None, min_length=12, max_length=12)
    ejecutado_mensual: list[Value] | None = Field(default=None, min_length=12, max_length=12)
    # financial: annual (PIM / devengado) or 12 monthly values (programado / ejecutado)
    pim: Value = None
    devengado: Value = None
    financiero_programado_mensual: list[Value] | None = Field(default=None, min_length=12, max_length=12)
    financiero_ejecutado_mensual: list[Value] | None = Field(default=None, min_length=12, max_length=12)
    # tipo de agregación of the physical target ("Acumulado anual" ...) and prioridad ("Muy alta"):
    # words of the rule set's [vocabulario.agregacion_ao] / [vocabulario.prioridad_ao]
    agregacion: Text | None = None
    prioridad: Priority | None = None
    centro_costo: Text | None = None
    reconstruido: bool = False
    nota: Text | None = None


class OperatingPlan(_M):
    pim: Value = None
    devengado: Value = None
    ao: list[Activity] = Field(default_factory=_LIST)
    nota: Text | None = None


class Published(_M):
    figura: Code
    valor: Text  # as printed: "66.7", "4,930,000", "100", or "N/D" when the report printed no avance
    fuente: Text
    anio: Year | None = None  # the evaluated year the figure belongs to (None: the year audited)
    periodo: Literal["anual", "S1", "S2"] = "anual"
    nota: Text | None = None

    @property
    def no_data(self) -> bool:
        """The report printed no avance ("N/D", "S/D", "sin dato")."""
        return self.valor.strip().casefold() in ND_WORDS

    @field_validator("valor", mode="before")
    @classmethod
    def _as_text(cls, v):
        if isinstance(v, bool):
            raise ValueError(msg("plan_published_as_printed"))
        if isinstance(v, (int, Decimal)):
            return str(v)
        return v


#: the places of the Informe de evaluación that take people's narrative ([[narrativa]])
NARRATIVE_SECTIONS = ("resumen", "oei_resumen", "aei_resumen", "perspectivas", "medidas", "prioridades", "oei", "aei", "criticas", "conclusiones")
NARRATIVE_NEEDS_CODE = {"oei": "oei", "aei": "aei", "criticas": "aei"}
LongText = Annotated[str, Field(max_length=20000)]


class Narrative(_M):
    """Text only people can write (causes, measures, conclusions), for one place of the
    informe: a section, or an OEI / AEI of it (``codigo``); ``anio`` limits it to one year."""

    seccion: Literal[NARRATIVE_SECTIONS]  # type: ignore[valid-type]
    codigo: Code | None = None
    anio: Year | None = None
    texto: LongText


class PlanModel(_M):
    entidad: Entity
    plan: PlanInfo
    oei: list[Objective] = Field(min_length=1)
    aei: list[Action] = Field(default_factory=_LIST)
    indicador: list[Indicator] = Field(default_factory=_LIST)
    poi: dict[Year, OperatingPlan] = Field(default_factory=_DICT)
    publicado: list[Published] = Field(default_factory=_LIST)
    narrativa: list[Narrative] = Field(default_factory=_LIST)


@dataclass
class Problem:
    """A structural problem found while indexing a plan (duplicates, dangling codes)."""

    code: str
    message: str
    ref: SourceRef
    severity: str = "error"

    def as_error(self) -> PlanError:
        return PlanError(self.message, file=self.ref.file, line=self.ref.line, key=self.ref.key)


@dataclass
class Plan:
    """A validated plan, its source file and the index of its codes."""
    model: PlanModel
    doc: SourceDoc
    oei: dict[str, Objective] = field(default_factory=dict)
    aei: dict[str, Action] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # any code/alias -> (type, canonical)
    paths: dict[int, tuple] = field(default_factory=dict)  # id(model) -> key path
    problems: list[Problem] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.doc.path

    @property
    def sha256(self) -> str:
        return self.doc.sha256

    def ref(self, obj: Any, *key) -> SourceRef:
        base = self.paths.get(id(obj), ())
        return self.doc.ref(base + tuple(key))

    def receipt(self) -> dict:
        return {"path": self.doc.path, "sha256": self.doc.sha256, "entidad": self.model.entidad.codigo}


def _pydantic_error(doc: SourceDoc, exc: ValidationError) -> PlanError:
    errs = exc.errors(include_url=False)
    # a misspelt key shows up as "missing X" plus "unknown Xx": name the unknown key first
    err = next((e for e in errs if e.get("type") == "extra_forbidden"), errs[0])
    loc = tuple(err.get("loc", ()))
    typ = err.get("type", "")
    text = schema_message(err)
    suggestion = None
    if typ == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        suggestion = did_you_mean(str(loc[-1]), allowed) or (msg("err_pyd_allowed_keys", keys=", ".join(allowed)) if allowed else None)
    # pydantic adds the union/validator name for some types; drop it from the path
    clean = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in ("function-before", "function-after"))))
    line = doc.line_of(clean)
    more = len(exc.errors()) - 1
    if more > 0:
        text = msg("err_pyd_more", text=text, n=more)
    return PlanError(text, file=doc.path, line=line, key=clean, excerpt=doc.excerpt(line), suggestion=suggestion)


def _allowed_keys(parent: tuple) -> list[str]:
    model: Any = PlanModel
    for p in parent:
        if isinstance(p, int) or (isinstance(p, str) and p.isdigit()):
            continue
        fld = getattr(model, "model_fields", {}).get(p)
        if fld is None:
            return []
        ann = fld.annotation
        model = _inner_model(ann)
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def _inner_model(ann: Any):
    import typing

    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for a in typing.get_args(ann):
        m = _inner_model(a)
        if m is not None:
            return m
    return None


def load_plan(path: str | Path, *, strict: bool = True, raw: bytes | None = None, display: str | None = None) -> Plan:
    """Load and validate a plan file. ``strict`` raises on the first structural problem."""
    doc = load_toml_bytes(raw, display or str(path)) if raw is not None else load_toml(path, display)
    return plan_from_doc(doc, strict=strict)


def plan_from_doc(doc: SourceDoc, *, strict: bool = True) -> Plan:
    try:
        model = PlanModel.model_validate(doc.data)
    except ValidationError as exc:
        raise _pydantic_error(doc, exc) from None
    except RecursionError:
        raise PlanError(msg("plan_too_deep"), file=doc.path) from None
    plan = Plan(model=model, doc=doc)
    _index(plan)
    if strict:
        errors = [p for p in plan.problems if p.severity == "error"]
        if errors:
            err = errors[0].as_error()
            if len(errors) > 1:
                err.message += f" (and {len(errors) - 1} more; run 'pei-rules check' for all)"
            raise err
    return plan


#: did-you-mean hints per plan: each costs a fuzzy match against every code, and a plan
#: with thousands of dangling codes would otherwise take minutes (quadratic)
MAX_HINTS = 20


def _register(plan: Plan, kind: str, code: str, obj: Any, path: tuple, alias: bool = False) -> None:
    """Record a code of the plan; a code used twice is a problem at the second place."""
    if code in plan.codes:
        other_kind, other = plan.codes[code]
        plan.problems.append(
            Problem(
                "codigo_duplicado",
                msg("plan_duplicate_code", code=code, kind=other_kind, other=other),
                plan.doc.ref(path + (("alias",) if alias else ("codigo",))),
            )
        )
        return
    plan.codes[code] = (kind, obj.codigo)


def _index(plan: Plan) -> None:
    m = plan.model
    budget = [MAX_HINTS]

    def hint(word: str, options) -> str:
        if budget[0] <= 0:
            return ""
        budget[0] -= 1
        return did_you_mean(word, options)

    for i, o in enumerate(m.oei):
        plan.paths[id(o)] = ("oei", i)
        _register(plan, "oei", o.codigo, o, ("oei", i))
        plan.oei.setdefault(o.codigo, o)
    for i, a in enumerate(m.aei):
        plan.paths[id(a)] = ("aei", i)
        _register(plan, "aei", a.codigo, a, ("aei", i))
        plan.aei.setdefault(a.codigo, a)
    for i, ind in enumerate(m.indicador):
        plan.paths[id(ind)] = ("indicador", i)
        _register(plan, "indicador", ind.codigo, ind, ("indicador", i))
        for al in ind.alias:
            if al != ind.codigo:
                _register(plan, "indicador", al, ind, ("indicador", i), alias=True)
        plan.indicators.setdefault(ind.codigo, ind)
    for year, poi in m.poi.items():
        plan.paths[id(poi)] = ("poi", str(year))
        for j, ao in enumerate(poi.ao):
            plan.paths[id(ao)] = ("poi", str(year), "ao", j)
            _index_ao(plan, year, j, ao)
    _index_references(plan, hint)
    _index_narrative(plan, hint)


def _index_ao(plan: Plan, year: int, j: int, ao: Any) -> None:
    """An AO's code (unique in its year, not another element's), its AEI, and its values not
    given twice (a total and its months that disagree)."""
    P = plan.problems
    where = ("poi", str(year), "ao", j)
    taken = plan.codes.get(ao.codigo)
    if taken and taken[0] == f"ao{year}":
        P.append(Problem("codigo_duplicado", msg("plan_duplicate_ao", code=ao.codigo, year=year), plan.doc.ref(where + ("codigo",))))
    elif taken and not taken[0].startswith("ao"):
        P.append(Problem("codigo_duplicado", msg("plan_ao_code_taken", code=ao.codigo, kind=taken[0], other=taken[1]), plan.doc.ref(where + ("codigo",))))
    else:
        plan.codes.setdefault(ao.codigo, (f"ao{year}", ao.codigo))
    if ao.aei not in plan.aei:
        P.append(Problem("aei_inexistente", msg("plan_ao_dangling_aei", ao=ao.codigo, aei=ao.aei), plan.doc.ref(where + ("aei",))))
    for f1, f2 in (("programado", "programado_mensual"), ("ejecutado", "ejecutado_mensual")):
        if getattr(ao, f1) is not None and getattr(ao, f2) is not None:
            P.append(Problem("valor_doble", msg("plan_ao_both", ao=ao.codigo, total=f1, monthly=f2), plan.doc.ref(where + (f2,))))
    for f1, f2 in (("pim", "financiero_programado_mensual"), ("devengado", "financiero_ejecutado_mensual")):
        annual, monthly = getattr(ao, f1), getattr(ao, f2)
        # both may be given (exports carry the months and their total) when they agree
        if annual is not None and monthly is not None and (any(v is None for v in monthly) or sum(monthly, Decimal(0)) != annual):
            P.append(
                Problem(
                    "valor_doble",
                    msg("reports_financial_months_disagree", ao=ao.codigo, annual_key=f1, annual=annual, monthly_key=f2),
                    plan.doc.ref(where + (f2,)),
                )
            )


def _index_references(plan: Plan, hint) -> None:
    """AEI pointing at an OEI, indicators at an OEI or AEI, published figures inside the horizon."""
    m, P = plan.model, plan.problems
    for i, a in enumerate(m.aei):
        if a.oei not in plan.oei:
            h = hint(a.oei, plan.oei)
            P.append(Problem("oei_inexistente", msg("plan_aei_dangling_oei", aei=a.codigo, oei=a.oei) + (f" ({h})" if h else ""), plan.doc.ref(("aei", i, "oei"))))
    for i, ind in enumerate(m.indicador):
        if ind.de not in plan.oei and ind.de not in plan.aei:
            h = hint(ind.de, list(plan.oei) + list(plan.aei))
            P.append(
                Problem(
                    "propietario_inexistente",
                    msg("plan_indicator_dangling_owner", ind=ind.codigo, owner=ind.de) + (f" ({h})" if h else ""),
                    plan.doc.ref(("indicador", i, "de")),
                )
            )
    lo, hi = m.plan.desde - 1, m.plan.hasta + 1
    for i, p in enumerate(m.publicado):
        if p.anio is not None and not lo <= p.anio <= hi:
            P.append(
                Problem(
                    "publicado_fuera_del_horizonte",
                    msg("reports_published_outside_horizon", figure=p.figura, year=p.anio, desde=m.plan.desde, hasta=m.plan.hasta),
                    plan.doc.ref(("publicado", i, "anio")),
                )
            )


def _index_narrative(plan: Plan, hint) -> None:
    """``[[narrativa]]``: the sections about an OEI or AEI name one the plan defines."""
    for i, n in enumerate(plan.model.narrativa):
        plan.paths[id(n)] = ("narrativa", i)
        want = NARRATIVE_NEEDS_CODE.get(n.seccion)
        if want and n.codigo is None:
            plan.problems.append(Problem("narrativa_sin_codigo", msg("doc_plan_narrative_needs_code", section=n.seccion, level=want.upper()), plan.doc.ref(("narrativa", i, "seccion"))))
        elif not want and n.codigo is not None:
            plan.problems.append(Problem("narrativa_codigo_sobrante", msg("doc_plan_narrative_no_code", section=n.seccion), plan.doc.ref(("narrativa", i, "codigo"))))
        elif want:
            options = plan.oei if want == "oei" else plan.aei
            if n.codigo not in options:
                h = hint(n.codigo, list(options))
                plan.problems.append(
                    Problem("narrativa_codigo_inexistente", msg("doc_plan_narrative_unknown_code", level=want.upper(), code=n.codigo) + (f" ({h})" if h else ""), plan.doc.ref(("narrativa", i, "codigo")))
                )
