"""Reporte de seguimiento del POI, as the Aplicativo CEPLAN prints it.

Per actividad operativa (AO) a block of rows: código (``AOI00012300001``), nombre (which may
wrap over several rows), OEI and AEI it belongs to, centro de costo, unidad de medida, tipo
de agregación, nivel de prioridad; a PROG row and an EJEC row with the twelve monthly
physical values and the annual total, the same for the financial values (S/), and the
printed % de avance anual (a published figure of the AO's physical execution).

The monthly values land in the plan (``programado_mensual``, ``ejecutado_mensual``,
``financiero_programado_mensual``, ``financiero_ejecutado_mensual``); the rule set computes
the annual values from them. The printed physical total is not imported when the months are
(the rules decide how months add up for each tipo de agregación); the financial total is kept
as ``pim``/``devengado`` when it equals the sum of the months.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import did_you_mean
from ..i18n import msg
from .cells import Values, one_line
from .common import num, printed, priority_value, source, split_code, title_pairs, title_year
from .draft import Draft, Num
from .headers import MONTH_RE, MONTH_WORDS, MONTHS, FieldSpec, Header, find_header, norm, report_columns
from .problems import Collector
from .readers import Grid

M = rf"(?P<key>{MONTH_RE}|total|total anual|anual)"
FIS = r"(meta fisica|metas fisicas|fisica|fisicas|fisico|fisicos|programacion fisica|avance fisico|meta fisica unidades)"
FIN = r"(meta financiera|metas financieras|financiera|financieras|financiero|financieros|presupuesto|meta financiera s|financiera s|financiero s|metas financieras s)"

SPECS = [
    FieldSpec("codigo", r"(codigo|cod|codigo ao|codigo de ao|codigo de la ao|cod ao|codigo actividad operativa)", ("codigo",)),
    FieldSpec("nombre", r"(actividad operativa|actividad|actividades operativas|nombre|denominacion|nombre de la actividad operativa|ao)", ("actividad operativa",)),
    FieldSpec("oei", r"(oei|codigo oei|objetivo estrategico institucional|objetivo estrategico)", ("oei",)),
    FieldSpec("aei", r"(aei|codigo aei|accion estrategica institucional|accion estrategica)", ("aei",)),
    FieldSpec("centro", r"(centros? de costos?|cc|centro costo)", ("centro de costo",)),
    FieldSpec("unidad", r"unidad de medida", ("unidad de medida",)),
    FieldSpec("agregacion", r"tipo de (agregacion|calculo)", ("tipo de agregacion",)),
    FieldSpec("prioridad", r"(nivel de )?prioridad", ("nivel de prioridad", "prioridad")),
    FieldSpec("tipo", r"(tipo|prog ejec|programado ejecutado|concepto|detalle|prog eje|tipo de valor)", ("tipo",)),
    FieldSpec("fis", rf"{FIS} {M}|(?P<key2>{MONTH_RE})", ("meta fisica",)),
    FieldSpec("fin", rf"{FIN} {M}", ("meta financiera",)),
    FieldSpec("avance", r"(porcentaje (de )?)?avance( fisico)?( anual)?( porcentaje)?( de la meta fisica)?", ("porcentaje de avance anual", "avance anual")),
]
REQUIRED = ["codigo", "fis"]

PROG_WORDS = {"prog", "programado", "programada", "programacion", "p", "prog fis", "meta programada"}
EJEC_WORDS = {"ejec", "ejecutado", "ejecutada", "ejecucion", "e", "ejec fis", "meta ejecutada"}


def detect(grid: Grid) -> Header | None:
    h = find_header(grid, SPECS, REQUIRED)
    if h is None:
        return None
    for c in h.columns:  # a bare month heading is a physical month
        if c.field == "fis" and c.key is None:
            m = re.fullmatch(rf"(?P<key2>{MONTH_RE})", c.label)
            if m:
                c.key = MONTH_WORDS[m.group("key2")]
    if len([c for c in h.columns if c.field == "fis" and c.key in MONTHS]) < 12:
        return None
    return h


@dataclass
class Options:
    year: int | None = None


@dataclass
class _Block:
    code: str
    row: int
    names: list[str] = field(default_factory=list)
    attrs: dict[str, tuple[str, int]] = field(default_factory=dict)
    prog: int | None = None
    ejec: int | None = None


def read(header: Header, draft: Draft, problems: Collector, opts: Options) -> None:
    g, H = header.grid, header
    report_columns(header, problems)
    year = title_year(g, H.top) or opts.year
    if year is None:
        problems.error(g.where(H.top), "imp_poi_no_year")
        return
    if year in draft.poi:
        problems.error(g.where(H.top), "imp_poi_year_twice", year=year)
        return
    fis, fin = _keys(H.keyed("fis")), _keys(H.keyed("fin"))
    c_code, c_name, c_tipo, c_av = H.col("codigo"), H.col("nombre"), H.col("tipo"), H.col("avance")
    rows = list(range(H.bottom + 1, len(g.rows)))
    numeric = list(fis.values()) + list(fin.values()) + ([c_av] if c_av is not None else [])
    V = Values(g, problems, rows, numeric)
    blocks: list[_Block] = []
    cur: _Block | None = None
    for r in rows:
        if g.row_empty(r):
            continue
        code = V.text(r, c_code)
        if code and (cur is None or code != cur.code or g.cell(r, c_code).merged_from is None and cur.prog is not None and cur.ejec is not None):
            if _is_total_row(code):
                cur = None
                continue
            cur = _Block(code, r)
            blocks.append(cur)
        if cur is None:
            if any(g.text(r, c) for c in numeric):
                problems.error(g.where(r, c_code), "imp_poi_row_without_code")
            continue
        cell = g.cell(r, c_name) if c_name is not None else None
        if cell is not None and cell.text and cell.merged_from is None:
            cur.names.append(one_line(cell.text))
        for fld in ("oei", "aei", "centro", "unidad", "agregacion", "prioridad"):
            c = H.col(fld)
            t = V.text(r, c)
            if t and fld not in cur.attrs:
                cur.attrs[fld] = (t, c)
        kind = _kind(g, r, c_tipo, H)
        if kind == "prog":
            if cur.prog is not None:
                problems.error(g.where(r, c_tipo), "imp_poi_two_rows", kind="PROG", row=cur.prog + 1)
            cur.prog = r
        elif kind == "ejec":
            if cur.ejec is not None:
                problems.error(g.where(r, c_tipo), "imp_poi_two_rows", kind="EJEC", row=cur.ejec + 1)
            cur.ejec = r
        elif any(g.text(r, c) for c in numeric):
            problems.error(g.where(r, c_tipo if c_tipo is not None else c_code), "imp_poi_no_kind")
    aos = []
    seen: dict[str, int] = {}
    for b in blocks:
        if b.code in seen:
            problems.error(g.where(b.row, c_code), "imp_code_repeated", row=seen[b.code] + 1)
            continue
        seen[b.code] = b.row
        ao = _ao(b, g, V, H, fis, fin, draft, problems, year)
        if ao is not None:
            aos.append(ao)
    if not blocks:
        problems.error(g.where(H.bottom + 1), "imp_poi_no_ao")
    draft.poi[year] = {"head": _totals(g, H, problems), "ao": aos, "_grid": g}


def _totals(g: Grid, H: Header, problems: Collector) -> dict:
    """``PIM: …`` and ``Devengado: …`` written above the headings: the POI's totals."""
    head = {}
    pairs = [(r, c, key) for r, c, key, _ in title_pairs(g, H.top) if key in ("pim", "devengado")]
    V = Values(g, problems, [r for r, _, _ in pairs], sorted({c for _, c, _ in pairs}))
    for r, c, key in pairs:
        v = num(V, r, c)
        if v is not None:
            head[key] = v
    return head


def _keys(d: dict[str, int]) -> dict[str, int]:
    out = {}
    for k, c in d.items():
        out["total" if k in ("total", "total anual", "anual") else k] = c
    return out


def _is_total_row(code: str) -> bool:
    return norm(code) in ("total", "total general", "totales")


def _kind(g: Grid, r: int, c_tipo: int | None, H: Header) -> str | None:
    cells = [c_tipo] if c_tipo is not None else [c.index for c in H.columns if c.field is None]
    for c in cells:
        n = norm(g.text(r, c))
        if n in PROG_WORDS:
            return "prog"
        if n in EJEC_WORDS:
            return "ejec"
    return None


def _ao(b: _Block, g: Grid, V: Values, H: Header, fis: dict, fin: dict, draft: Draft, problems: Collector, year: int) -> dict | None:
    ao: dict = {"codigo": b.code}
    aei_text = b.attrs.get("aei")
    if aei_text is None:
        problems.error(g.where(b.row, H.col("aei")), "imp_poi_no_aei")
        return None
    code, _ = split_code(aei_text[0])
    code = code or aei_text[0].split()[0]
    if draft.aei and code not in draft.aei:
        hint = did_you_mean(code, draft.aei)
        problems.error(g.where(b.row, aei_text[1]), "imp_poi_unknown_aei", aei=code, hint=hint)
    ao["aei"] = code
    oei_text = b.attrs.get("oei")
    if oei_text and code in draft.aei:
        oei_code, _ = split_code(oei_text[0])
        oei_code = oei_code or oei_text[0].split()[0]
        if oei_code != draft.aei[code]["oei"]:
            problems.error(g.where(b.row, oei_text[1]), "imp_poi_oei_mismatch", aei=code, oei=draft.aei[code]["oei"])
    ao["denominacion"] = " ".join(b.names) or None
    for fld, key in (("unidad", "unidad_medida"), ("centro", "centro_costo"), ("agregacion", "agregacion")):
        if fld in b.attrs:
            ao[key] = b.attrs[fld][0]
    if "prioridad" in b.attrs:
        ao["prioridad"] = priority_value(b.attrs["prioridad"][0])
    for kind, r in (("prog", b.prog), ("ejec", b.ejec)):
        if r is None:
            problems.error(g.where(b.row, H.col("tipo") if H.col("tipo") is not None else H.col("codigo")), "imp_poi_missing_row", kind=kind.upper())
            continue
        phys_key = "programado" if kind == "prog" else "ejecutado"
        _months(g, V, r, fis, ao, phys_key, phys_key, problems, financial=False)
        if fin:
            _months(g, V, r, fin, ao, "financiero_" + phys_key, "pim" if kind == "prog" else "devengado", problems, financial=True)
    c_av = H.col("avance")
    if c_av is not None:
        found = [(r, p) for r in (b.prog, b.ejec, b.row) if r is not None and (p := printed(V, r, c_av)) is not None]
        values = {p for _, p in found}
        if len(values) > 1:
            problems.error(g.where(found[1][0], c_av), "imp_poi_two_avances", other=found[0][1])
        elif found:
            r, p = found[0]
            draft.publicado.append({"figura": f"ejecucion_fisica_ao:{b.code}", "anio": year, "valor": p, "fuente": source(g, r, c_av, msg("imp_source_poi"))})
    return ao


def _months(g: Grid, V: Values, r: int, cols: dict[str, int], ao: dict, key: str, annual_key: str, problems: Collector, *, financial: bool) -> None:
    months = [num(V, r, cols.get(m)) for m in MONTHS]
    total = num(V, r, cols.get("total"))
    given = [m for m in months if m is not None]
    if not given:
        if total is not None:
            ao[annual_key] = total
        return
    if len(given) < 12:
        empty = [m for m, v in zip(MONTHS, months) if v is None]
        problems.warn(g.where(r, cols.get(MONTHS[months.index(None)])), "imp_warn_empty_months", months=", ".join(empty))
    months = [m if m is not None else Num("N/D") for m in months]
    ao[key + "_mensual"] = months
    if financial and total is not None and not total.nd:
        if all(not m.nd for m in months) and sum((Decimal(m.text) for m in months), Decimal(0)) == Decimal(total.text):
            ao[annual_key] = total
        else:
            problems.warn(g.where(r, cols.get("total")), "imp_warn_total_not_sum")
