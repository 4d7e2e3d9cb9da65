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
from .common import num, printed, priority_value, source, split_code, split_priority, title_entity, title_period
from .draft import Draft, Num
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


def read(header: Header, draft: Draft, problems: Collector, opts: Options) -> None:
    g = header.grid
    report_columns(header, problems)
    H = header
    c_code, c_name, c_unit = H.col("codigo"), H.col("nombre"), H.col("unidad")
    c_sent, c_agr, c_rel, c_org = H.col("sentido"), H.col("agregacion"), H.col("relevancia"), H.col("organo")
    logro, obtenido, avance = H.keyed("logro"), H.keyed("obtenido"), H.keyed("avance")
    years = sorted({int(y) for y in (*logro, *obtenido, *avance)})
    rows = list(range(H.bottom + 1, len(g.rows)))
    numeric = [c for c in (H.col("lb_valor"), H.col("va_valor"), *logro.values(), *obtenido.values(), *avance.values()) if c is not None]
    V = Values(g, problems, rows, numeric)
    if c_unit is None:
        problems.error(g.where(H.top), "imp_b7_missing_column", column=msg("imp_label_unidad"))
    if c_agr is None and not opts.agregacion:
        problems.error(g.where(H.top), "imp_b7_no_agregacion")

    # entity and period from the title rows
    ent = title_entity(g, H.top)
    for k, v in ent.items():
        draft.entidad.setdefault(k, v)
    period = title_period(g, H.top)
    if period:
        draft.plan.setdefault("desde", period[0])
        draft.plan.setdefault("hasta", period[1])
    elif years:
        draft.plan.setdefault("desde", years[0])
        draft.plan.setdefault("hasta", years[-1])
        problems.warn(g.where(H.top), "imp_warn_period_from_columns", desde=years[0], hasta=years[-1])

    oei = aei = None
    last: dict | None = None  # the row object a wrapped text continues
    last_field = None
    for r in rows:
        if g.row_empty(r):
            continue
        code_text = V.text(r, c_code)
        name_text = V.text(r, c_name)
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
        if not code_text:
            # a wrapped name continues the row above
            numbers_here = any(g.text(r, c) for c in numeric)
            if name_text and last is not None and not numbers_here and not g.cell(r, c_name).merged_from:
                text, prio = split_priority((last[last_field] + " " + name_text).strip())
                last[last_field] = text
                if prio is not None and last_field == "denominacion":
                    last["prioridad"] = priority_value(prio)
                continue
            if name_text or numbers_here:
                problems.error(g.where(r, c_code), "imp_b7_row_without_code")
            continue
        name, prio = split_priority(name_text)
        if _OEI.match(code_text):
            o = draft.oei.get(code_text) or {"codigo": code_text, "denominacion": name, "_row": r}
            if prio is not None:
                o["prioridad"] = priority_value(prio)
            _owner_extras(V, r, c_rel, c_org, o, organo=False)
            draft.oei[code_text] = o
            oei, aei, last, last_field = code_text, None, o, "denominacion"
            _owner_avances(V, g, r, "avance_oei", code_text, avance, draft)
            continue
        if _AEI.match(code_text):
            if oei is None:
                problems.error(g.where(r, c_code), "imp_b7_aei_before_oei")
                continue
            a = draft.aei.get(code_text) or {"codigo": code_text, "oei": oei, "denominacion": name, "_row": r}
            if prio is not None:
                a["prioridad"] = priority_value(prio)
            _owner_extras(V, r, c_rel, c_org, a, organo=True)
            draft.aei[code_text] = a
            aei, last, last_field = code_text, a, "denominacion"
            _owner_avances(V, g, r, "avance_aei", code_text, avance, draft)
            continue
        owner = aei or oei
        if owner is None:
            problems.error(g.where(r, c_code), "imp_b7_indicator_without_owner")
            continue
        if code_text in draft.indicador:
            problems.error(g.where(r, c_code), "imp_code_repeated", row=draft.indicador[code_text]["_row"] + 1)
            continue
        ind: dict = {"codigo": code_text, "de": owner, "nombre": name, "_row": r}
        if not name:
            problems.error(g.where(r, c_name), "imp_b7_empty", column=msg("imp_label_nombre"))
        unit = V.text(r, c_unit)
        if c_unit is not None and not unit:
            problems.error(g.where(r, c_unit), "imp_b7_empty", column=msg("imp_label_unidad"))
        ind["unidad_medida"] = unit
        ind["sentido"] = V.text(r, c_sent) or opts.sentido or None
        ind["agregacion"] = V.text(r, c_agr) or opts.agregacion or None
        if c_agr is not None and not ind["agregacion"]:
            problems.error(g.where(r, c_agr), "imp_b7_empty", column=msg("imp_label_agregacion"))
        lb_year, lb_val = V.year(r, H.col("lb_anio")), num(V, r, H.col("lb_valor"))
        if lb_year is not None:
            ind["linea_base"] = {"anio": lb_year, "valor": lb_val or Num("N/D")}
        elif lb_val is not None:
            problems.error(g.where(r, H.col("lb_valor")), "imp_baseline_without_year")
        ind["logro_esperado"] = {str(y): v for y in sorted(logro) if (v := num(V, r, logro[y])) is not None}
        ind["valor_obtenido"] = {str(y): v for y in sorted(obtenido) if (v := num(V, r, obtenido[y])) is not None}
        rel = V.whole(r, c_rel, 1, 9)
        if rel is not None:
            ind["relevancia"] = rel
        org = V.text(r, c_org)
        if org:
            ind["organo_responsable"] = org
        _current_value(V, g, r, H, ind, problems)
        if not ind["sentido"]:
            _infer_sentido(g, r, c_code, ind, problems)
        draft.indicador[code_text] = ind
        last, last_field = ind, "nombre"
        for y in sorted(avance):
            p = printed(V, r, avance[y])
            if p is not None:
                draft.publicado.append(
                    {"figura": f"avance_indicador:{code_text}", "anio": int(y), "valor": p, "fuente": source(g, r, avance[y], msg("imp_source_b7"))}
                )
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
