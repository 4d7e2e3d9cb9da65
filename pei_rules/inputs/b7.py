"""Anexo B-7 "Seguimiento del PEI", as the Aplicativo CEPLAN prints it.

Title rows (entity, period), a header of one to three rows, then OEI rows and AEI rows
(``OEI.01`` … ``(Prioridad:1)``), each followed by its indicators: código, indicador,
parámetro de medición, línea de base (año, valor), valor actual (año, valor), and one column
per PEI year for logro esperado, valor obtenido and avance %. Optional columns: sentido
esperado, tipo de agregación, relevancia, órgano responsable. Every year's values land in
the plan; every printed avance % becomes a published figure for its year.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..i18n import msg
from .cells import Values
from .common import indicator_series, num, printed, priority_value, source, split_code, split_priority, title_entity, title_period
from .draft import Draft
from .headers import FieldSpec, Header, find_header, report_columns
from .problems import Collector
from .readers import Grid

Y = r"(?P<key>(?:19|20|21)\d\d)"

SPECS = [
    FieldSpec("codigo", r"(codigo|cod|codigo oei aei indicador)", ("codigo",)),
    FieldSpec("nombre", r"(indicador|indicadores|descripcion|denominacion|nombre|nombre del indicador|oei aei indicador|objetivo accion indicador)", ("indicador", "descripcion", "denominacion")),
    FieldSpec("unidad", r"(parametro de medicion|parametro|unidad de medida|unidad)", ("parametro de medicion", "unidad de medida")),
    FieldSpec("sentido", r"sentido( esperado)?( del indicador)?", ("sentido esperado",)),
    FieldSpec("agregacion", r"tipo de (agregacion|calculo)", ("tipo de agregacion", "tipo de calculo")),
    FieldSpec("relevancia", r"relevancia", ("relevancia",)),
    FieldSpec("organo", r"(organo|unidad organica|unidad de organizacion) responsable", ("organo responsable", "unidad organica responsable")),
    FieldSpec("lb_anio", r"linea (de )?base ano", ("linea de base ano",)),
    FieldSpec("lb_valor", r"linea (de )?base valor", ("linea de base valor",)),
    FieldSpec("va_anio", r"valor actual ano", ("valor actual ano",)),
    FieldSpec("va_valor", r"valor actual valor", ("valor actual valor",)),
    FieldSpec("logro", rf"(logros? esperados?|metas?) {Y}", ("logro esperado", "logros esperados")),
    FieldSpec("obtenido", rf"(valor(es)? obtenidos?|logros? obtenidos?|valor alcanzado|resultado) {Y}", ("valor obtenido", "valores obtenidos")),
    FieldSpec("avance", rf"(avance( porcentaje)?|porcentaje( de)? avance|avance del indicador( porcentaje)?) {Y}", ("avance porcentaje", "avance")),
]
REQUIRED = ["codigo", "nombre"]
#: the sentido words written when it is inferred (the Aplicativo's words, matched by the rule
#: set's [vocabulario.sentido])
SENTIDO_WORDS = {True: "Ascendente", False: "Descendente"}
ANY_OF = ["logro", "obtenido"]

_OEI = re.compile(r"^OEI\b|^OEI[.\-_ ]?\d", re.IGNORECASE)
_AEI = re.compile(r"^AEI\b|^AEI[.\-_ ]?\d", re.IGNORECASE)


def detect(grid: Grid) -> Header | None:
    h = find_header(grid, SPECS, REQUIRED, ANY_OF)
    if h is None:
        return None
    # the tidy sheet has "Código OEI"/"Código indicador"; the POI has months: not a B-7
    labels = {c.label for c in h.columns}
    if labels & {"codigo indicador", "codigo oei", "codigo aei"}:
        return None
    return h


@dataclass
class Options:
    sentido: str | None = None
    agregacion: str | None = None


class _Reader:
    """One B-7 sheet read row by row: OEI, AEI and indicator rows, wrapped texts continuing
    the row above."""

    def __init__(self, header: Header, draft: Draft, problems: Collector, opts: Options):
        H = self.H = header
        self.g, self.draft, self.problems, self.opts = header.grid, draft, problems, opts
        self.c_code, self.c_name, self.c_unit = H.col("codigo"), H.col("nombre"), H.col("unidad")
        self.c_sent, self.c_agr, self.c_rel, self.c_org = H.col("sentido"), H.col("agregacion"), H.col("relevancia"), H.col("organo")
        self.logro, self.obtenido, self.avance = H.keyed("logro"), H.keyed("obtenido"), H.keyed("avance")
        self.years = sorted({int(y) for y in (*self.logro, *self.obtenido, *self.avance)})
        self.rows = list(range(H.bottom + 1, len(self.g.rows)))
        self.numeric = [c for c in (H.col("lb_valor"), H.col("va_valor"), *self.logro.values(), *self.obtenido.values(), *self.avance.values()) if c is not None]
        self.V = Values(self.g, problems, self.rows, self.numeric)
        self.oei: str | None = None
        self.aei: str | None = None
        self.last: dict | None = None  # the row object a wrapped text continues
        self.last_field = ""

    def title(self) -> None:
        """Entity and period from the title rows (the period from the year columns otherwise)."""
        g, H, draft = self.g, self.H, self.draft
        for k, v in title_entity(g, H.top).items():
            draft.entidad.setdefault(k, v)
        period = title_period(g, H.top)
        if period:
            draft.plan.setdefault("desde", period[0])
            draft.plan.setdefault("hasta", period[1])
        elif self.years:
            draft.plan.setdefault("desde", self.years[0])
            draft.plan.setdefault("hasta", self.years[-1])
            self.problems.warn(g.where(H.top), "imp_warn_period_from_columns", desde=self.years[0], hasta=self.years[-1])

    def codes(self, r: int) -> tuple[str, str]:
        """The row's code and name, also when the code is written in the name's cell or
        before the name in its own ("OEI.01 Promover …")."""
        V, g, c_code = self.V, self.g, self.c_code
        code_text, name_text = V.text(r, c_code), V.text(r, self.c_name)
        if g.cell(r, c_code).merged_from and g.cell(r, c_code).merged_from[0] != r:
            code_text = ""  # a code merged over the rows of its block: the first row counts
        if code_text and re.search(r"\s", code_text):
            # "OEI.01 Promover …" in one cell (often merged over the name column too)
            code, rest = split_code(code_text)
            if code and (_OEI.match(code) or _AEI.match(code)):
                code_text = code
                if not name_text or name_text == V.text(r, c_code):
                    name_text = rest
        if not code_text:
            code, rest = split_code(name_text)
            if code and (_OEI.match(code) or _AEI.match(code)):
                code_text, name_text = code, rest
        return code_text, name_text

    def uncoded(self, r: int, name_text: str) -> None:
        """A row without code: a wrapped name continues the row above; anything else is an error."""
        g = self.g
        numbers_here = any(g.text(r, c) for c in self.numeric)
        if name_text and self.last is not None and not numbers_here and not g.cell(r, self.c_name).merged_from:
            text, prio = split_priority((self.last[self.last_field] + " " + name_text).strip())
            self.last[self.last_field] = text
            if prio is not None and self.last_field == "denominacion":
                self.last["prioridad"] = priority_value(prio)
        elif name_text or numbers_here:
            self.problems.error(g.where(r, self.c_code), "imp_b7_row_without_code")

    def objective(self, r: int, code: str, name: str, prio, kind: str) -> None:
        """An OEI or AEI row (an AEI belongs to the OEI above it)."""
        table = self.draft.oei if kind == "oei" else self.draft.aei
        obj = table.get(code) or ({"codigo": code, "denominacion": name, "_row": r} if kind == "oei" else {"codigo": code, "oei": self.oei, "denominacion": name, "_row": r})
        if prio is not None:
            obj["prioridad"] = priority_value(prio)
        _owner_extras(self.V, r, self.c_rel, self.c_org, obj, organo=(kind == "aei"))
        table[code] = obj
        if kind == "oei":
            self.oei, self.aei = code, None
        else:
            self.aei = code
        self.last, self.last_field = obj, "denominacion"
        _owner_avances(self.V, self.g, r, f"avance_{kind}", code, self.avance, self.draft)

    def indicator(self, r: int, code: str, owner: str, name: str) -> None:
        V, g, H, problems, opts = self.V, self.g, self.H, self.problems, self.opts
        ind: dict = {"codigo": code, "de": owner, "nombre": name, "_row": r}
        if not name:
            problems.error(g.where(r, self.c_name), "imp_b7_empty", column=msg("imp_label_nombre"))
        unit = V.text(r, self.c_unit)
        if self.c_unit is not None and not unit:
            problems.error(g.where(r, self.c_unit), "imp_b7_empty", column=msg("imp_label_unidad"))
        ind["unidad_medida"] = unit
        ind["sentido"] = V.text(r, self.c_sent) or opts.sentido or None
        ind["agregacion"] = V.text(r, self.c_agr) or opts.agregacion or None
        if self.c_agr is not None and not ind["agregacion"]:
            problems.error(g.where(r, self.c_agr), "imp_b7_empty", column=msg("imp_label_agregacion"))
        indicator_series(V, r, H, ind, problems)
        _owner_extras(V, r, self.c_rel, self.c_org, ind, organo=True)
        _current_value(V, g, r, H, ind, problems)
        if not ind["sentido"]:
            _infer_sentido(g, r, self.c_code, ind, problems)
        self.draft.indicador[code] = ind
        self.last, self.last_field = ind, "nombre"
        _owner_avances(V, g, r, "avance_indicador", code, self.avance, self.draft)

    def row(self, r: int) -> None:
        if self.g.row_empty(r):
            return
        code_text, name_text = self.codes(r)
        if not code_text:
            self.uncoded(r, name_text)
            return
        name, prio = split_priority(name_text)
        where = self.g.where(r, self.c_code)
        if _OEI.match(code_text):
            self.objective(r, code_text, name, prio, "oei")
        elif _AEI.match(code_text):
            if self.oei is None:
                self.problems.error(where, "imp_b7_aei_before_oei")
            else:
                self.objective(r, code_text, name, prio, "aei")
        elif (self.aei or self.oei) is None:
            self.problems.error(where, "imp_b7_indicator_without_owner")
        elif code_text in self.draft.indicador:
            self.problems.error(where, "imp_code_repeated", row=self.draft.indicador[code_text]["_row"] + 1)
        else:
            self.indicator(r, code_text, self.aei or self.oei, name)


def read(header: Header, draft: Draft, problems: Collector, opts: Options) -> None:
    g, H = header.grid, header
    report_columns(header, problems)
    rd = _Reader(header, draft, problems, opts)
    if rd.c_unit is None:
        problems.error(g.where(H.top), "imp_b7_missing_column", column=msg("imp_label_unidad"))
    if rd.c_agr is None and not opts.agregacion:
        problems.error(g.where(H.top), "imp_b7_no_agregacion")
    rd.title()
    for r in rd.rows:
        rd.row(r)
    if not draft.oei:
        problems.error(g.where(H.bottom + 1), "imp_b7_no_oei")


def _owner_extras(V: Values, r: int, c_rel: int | None, c_org: int | None, obj: dict, organo: bool) -> None:
    """Relevancia (and, for an AEI, órgano responsable) written on an OEI/AEI row."""
    rel = V.whole(r, c_rel, 1, 9)
    if rel is not None:
        obj["relevancia"] = rel
    org = V.text(r, c_org)
    if organo and org:
        obj["organo_responsable"] = org


def _owner_avances(V: Values, g: Grid, r: int, kind: str, code: str, avance: dict[str, int], draft: Draft) -> None:
    for y in sorted(avance):
        p = printed(V, r, avance[y])
        if p is not None:
            draft.publicado.append({"figura": f"{kind}:{code}", "anio": int(y), "valor": p, "fuente": source(g, r, avance[y], msg("imp_source_b7"))})


def _current_value(V: Values, g: Grid, r: int, H: Header, ind: dict, problems: Collector) -> None:
    """Valor actual (año, valor): the latest value known when the plan was written. It must
    agree with the series' valor obtenido of that year; outside the series it is kept in the nota."""
    year, value = V.year(r, H.col("va_anio")), num(V, r, H.col("va_valor"))
    if year is None or value is None:
        return
    series = ind["valor_obtenido"].get(str(year))
    if series is None:
        ind["nota"] = msg("imp_note_current_value", year=year, value=value.text)
        return
    if series.nd != value.nd or (not value.nd and Decimal(series.text) != Decimal(value.text)):
        problems.error(g.where(r, H.col("va_valor")), "imp_b7_current_disagrees", year=year, series=series.text)


def _infer_sentido(g: Grid, r: int, c_code: int | None, ind: dict, problems: Collector) -> None:
    """No sentido column: the logros esperados' first and last values say ascending or
    descending (as Aplicativo V.01 inferred it); a warning says it was guessed."""
    vals = [Decimal(v.text) for _, v in sorted(ind["logro_esperado"].items(), key=lambda kv: int(kv[0])) if not v.nd]
    if len(vals) >= 2 and vals[-1] != vals[0]:
        guess = SENTIDO_WORDS[vals[-1] > vals[0]]
        ind["sentido"] = guess
        problems.warn(g.where(r, c_code), "imp_warn_sentido_inferred", sentido=guess)
    else:
        problems.error(g.where(r, c_code), "imp_b7_no_sentido")
