"""The tidy layout: one row per indicator (indicators sheet) and one row per AO (AO sheet),
with optional ``clave,valor`` preamble rows (layout in docs/import.md)."""
from __future__ import annotations

import re

from ..errors import did_you_mean
from ..i18n import msg
from .cells import Values
from .common import indicator_series, num, printed, priority_value, source
from .draft import Draft, Num
from .headers import MONTH_RE, MONTHS, FieldSpec, Header, find_header, norm, report_columns
from .problems import Collector
from .readers import Grid

Y = r"(?P<key>(?:19|20|21)\d\d)"

IND_SPECS = [
    FieldSpec("oei", r"codigo oei", ("codigo oei",)),
    FieldSpec("oei_nombre", r"(denominacion )?oei", ("denominacion oei",)),
    FieldSpec("oei_prioridad", r"prioridad oei", ("prioridad oei",)),
    FieldSpec("oei_relevancia", r"relevancia oei", ("relevancia oei",)),
    FieldSpec("aei", r"codigo aei", ("codigo aei",)),
    FieldSpec("aei_nombre", r"(denominacion )?aei", ("denominacion aei",)),
    FieldSpec("aei_prioridad", r"prioridad aei", ("prioridad aei",)),
    FieldSpec("aei_relevancia", r"relevancia aei", ("relevancia aei",)),
    FieldSpec("aei_organo", r"organo responsable aei", ("organo responsable aei",)),
    FieldSpec("codigo", r"codigo( (del )?indicador)?", ("codigo indicador",)),
    FieldSpec("alias", r"alias", ("alias",)),
    FieldSpec("nombre", r"(denominacion )?(del )?indicador|denominacion", ("indicador", "denominacion indicador")),
    FieldSpec("unidad_medida", r"unidad de medida|parametro de medicion", ("unidad de medida",)),
    FieldSpec("sentido", r"sentido( esperado)?", ("sentido esperado",)),
    FieldSpec("agregacion", r"tipo de agregacion", ("tipo de agregacion",)),
    FieldSpec("relevancia", r"relevancia( indicador)?", ("relevancia",)),
    FieldSpec("organo_responsable", r"organo responsable|unidad de organizacion", ("organo responsable",)),
    FieldSpec("lb_anio", r"linea (de )?base ano", ("linea base ano",)),
    FieldSpec("lb_valor", r"linea (de )?base( valor)?", ("linea base valor",)),
    FieldSpec("logro", rf"logros? esperados? {Y}", ("logro esperado",)),
    FieldSpec("obtenido", rf"valor(es)? obtenidos? {Y}", ("valor obtenido",)),
    FieldSpec("avance", rf"(avance( porcentaje)?|porcentaje( de)? avance) {Y}", ("avance porcentaje",)),
    FieldSpec("nota", r"nota|notas|observaciones?", ("nota",)),
]
IND_REQUIRED = ["oei", "codigo", "nombre", "unidad_medida", "sentido", "agregacion"]
IND_LABELS = {"oei": "Código OEI", "codigo": "Código indicador", "nombre": "Indicador", "unidad_medida": "Unidad de medida", "sentido": "Sentido esperado", "agregacion": "Tipo de agregación"}

M = rf"(?P<key>{MONTH_RE})"
AO_SPECS = [
    FieldSpec("codigo", r"codigo( ao)?", ("codigo ao",)),
    FieldSpec("aei", r"(codigo )?aei", ("codigo aei",)),
    FieldSpec("denominacion", r"actividad operativa|denominacion", ("actividad operativa",)),
    FieldSpec("unidad_medida", r"unidad de medida", ("unidad de medida",)),
    FieldSpec("centro_costo", r"centro de costos?", ("centro de costo",)),
    FieldSpec("agregacion", r"tipo de agregacion", ("tipo de agregacion",)),
    FieldSpec("prioridad", r"(nivel de )?prioridad", ("prioridad",)),
    FieldSpec("programado", r"programado|meta fisica programada", ("programado",)),
    FieldSpec("ejecutado", r"ejecutado|meta fisica ejecutada", ("ejecutado",)),
    FieldSpec("prog_m", rf"programado {M}", ("programado",)),
    FieldSpec("ejec_m", rf"ejecutado {M}", ("ejecutado",)),
    FieldSpec("pim", r"pim", ("pim",)),
    FieldSpec("devengado", r"devengado", ("devengado",)),
    FieldSpec("avance", r"(porcentaje (de )?)?avance( anual)?( porcentaje)?", ("avance",)),
    FieldSpec("reconstruido", r"reconstruido", ("reconstruido",)),
    FieldSpec("nota", r"nota|notas", ("nota",)),
]
AO_REQUIRED = ["codigo", "aei"]

IND_PREAMBLE = {
    "codigo entidad": ("entidad", "codigo"), "codigo de entidad": ("entidad", "codigo"),
    "entidad": ("entidad", "nombre"), "nombre entidad": ("entidad", "nombre"),
    "pliego": ("entidad", "pliego"), "sector": ("entidad", "sector"),
    "nivel de gobierno": ("entidad", "nivel_gobierno"), "fuente": ("entidad", "fuente"),
    "periodo pei": ("plan", "periodo"), "periodo": ("plan", "periodo"),
    "aprobacion": ("plan", "aprobacion"), "directiva": ("plan", "directiva"),
}
AO_PREAMBLE = {"ano": "anio", "anio": "anio", "pim": "pim", "devengado": "devengado"}


def detect_indicators(grid: Grid) -> Header | None:
    return find_header(grid, IND_SPECS, ["codigo", "oei"])


def detect_ao(grid: Grid) -> Header | None:
    h = find_header(grid, AO_SPECS, AO_REQUIRED)
    if h is None or not ({"programado", "ejecutado", "prog_m", "ejec_m"} & h.fields()):
        return None
    return h


def _preamble(grid: Grid, header: Header) -> list[tuple[int, str, str, int]]:
    """(row, normalised key, value, value column) of the rows above the header."""
    out = []
    for r in range(header.top):
        row = grid.rows[r]
        texts = [c.text for c in row]
        if not any(texts):
            continue
        key = norm(texts[0])
        j = next((j for j in range(1, len(texts)) if texts[j]), None)
        out.append((r, key, texts[j] if j is not None else "", j if j is not None else 1))
    return out


def _indicators_preamble(g: Grid, H: Header, draft: Draft, problems: Collector) -> None:
    """The key/value rows above the header: entity and plan fields, the period as AAAA-AAAA."""
    for r, key, value, c in _preamble(g, H):
        target = IND_PREAMBLE.get(key)
        if target is None:
            problems.error(g.where(r, 0), "imp_tidy_unknown_preamble", known=", ".join(sorted(IND_PREAMBLE)))
            continue
        sec, fld = target
        if fld == "periodo":
            m = re.fullmatch(r"\s*(\d{4})\s*[-–/]\s*(\d{4})\s*", value)
            if not m or int(m.group(2)) < int(m.group(1)):
                problems.error(g.where(r, c), "imp_tidy_bad_period")
            else:
                draft.plan["desde"], draft.plan["hasta"] = int(m.group(1)), int(m.group(2))
        else:
            (draft.entidad if sec == "entidad" else draft.plan)[fld] = value


def _objectives_of_row(V: Values, g: Grid, r: int, H: Header, draft: Draft, problems: Collector) -> tuple[str, str]:
    """The row's OEI and AEI (declared, or their fields merged with an earlier row's)."""
    oei = V.text(r, H.col("oei"))
    if not oei:
        problems.error(g.where(r, H.col("oei")), "imp_tidy_empty", column=IND_LABELS["oei"])
    aei = V.text(r, H.col("aei"))
    if oei:
        o = draft.oei.setdefault(oei, {"codigo": oei, "denominacion": None, "prioridad": None, "relevancia": None, "_row": r})
        _merge(g, r, H, o, "denominacion", V.text(r, H.col("oei_nombre")), "oei_nombre", problems)
        _merge(g, r, H, o, "prioridad", priority_value(V.text(r, H.col("oei_prioridad")) or None), "oei_prioridad", problems)
        _merge(g, r, H, o, "relevancia", V.whole(r, H.col("oei_relevancia"), 1, 9), "oei_relevancia", problems)
    if aei:
        a = draft.aei.setdefault(aei, {"codigo": aei, "oei": oei, "denominacion": None, "prioridad": None, "relevancia": None, "organo_responsable": None, "_row": r})
        if oei and a["oei"] != oei:
            problems.error(g.where(r, H.col("oei")), "imp_tidy_aei_two_oei", aei=aei, other=a["oei"], row=a["_row"] + 1)
        _merge(g, r, H, a, "denominacion", V.text(r, H.col("aei_nombre")), "aei_nombre", problems)
        _merge(g, r, H, a, "prioridad", priority_value(V.text(r, H.col("aei_prioridad")) or None), "aei_prioridad", problems)
        _merge(g, r, H, a, "relevancia", V.whole(r, H.col("aei_relevancia"), 1, 9), "aei_relevancia", problems)
        _merge(g, r, H, a, "organo_responsable", V.text(r, H.col("aei_organo")), "aei_organo", problems)
    return oei, aei


def _indicator_of_row(V: Values, g: Grid, r: int, H: Header, code: str, owner: str, draft: Draft, problems: Collector) -> None:
    avance = H.keyed("avance")
    ind = {"codigo": code, "alias": [x.strip() for x in re.split(r"[;|]", V.text(r, H.col("alias"))) if x.strip()], "de": owner, "_row": r}
    for f in ("nombre", "unidad_medida", "sentido", "agregacion"):
        ind[f] = V.text(r, H.col(f))
        if not ind[f]:
            problems.error(g.where(r, H.col(f)), "imp_tidy_empty", column=IND_LABELS[f])
    rel = V.whole(r, H.col("relevancia"), 1, 9)
    if rel is not None:
        ind["relevancia"] = rel
    ind["organo_responsable"] = V.text(r, H.col("organo_responsable")) or None
    indicator_series(V, r, H, ind, problems)
    ind["nota"] = V.text(r, H.col("nota")) or None
    draft.indicador[code] = ind
    for y in sorted(avance):
        p = printed(V, r, avance[y])
        if p is not None:
            draft.publicado.append({"figura": f"avance_indicador:{code}", "anio": int(y), "valor": p, "fuente": source(g, r, avance[y], msg("imp_source_tidy"))})


def read_indicators(header: Header, draft: Draft, problems: Collector) -> None:
    g, H = header.grid, header
    report_columns(header, problems, unknown="error")
    _indicators_preamble(g, H, draft, problems)
    for f in IND_REQUIRED:
        if H.col(f) is None:
            problems.error(g.where(H.top), "imp_tidy_missing_column", column=IND_LABELS[f])
    if any(H.col(f) is None for f in IND_REQUIRED):
        return
    logro, obtenido, avance = H.keyed("logro"), H.keyed("obtenido"), H.keyed("avance")
    rows = [r for r in range(H.bottom + 1, len(g.rows)) if not g.row_empty(r)]
    V = Values(g, problems, rows, [c for c in (H.col("lb_valor"), *logro.values(), *obtenido.values(), *avance.values()) if c is not None])
    width = len(H.columns)
    for r in rows:
        if len(g.rows[r]) > width and any(c.text for c in g.rows[r][width:]):
            problems.error(g.where(r, width), "imp_tidy_extra_cells", n=len(g.rows[r]), width=width)
        oei, aei = _objectives_of_row(V, g, r, H, draft, problems)
        code = V.text(r, H.col("codigo"))
        if not code:
            continue  # a row that only declares an OEI or AEI
        if code in draft.indicador:
            problems.error(g.where(r, H.col("codigo")), "imp_code_repeated", row=draft.indicador[code]["_row"] + 1)
            continue
        _indicator_of_row(V, g, r, H, code, aei or oei, draft, problems)
    for code, a in draft.aei.items():
        if code in draft.oei:
            problems.error(g.where(a["_row"], H.col("aei")), "imp_tidy_code_both", code=code)
    for kind, objs in (("OEI", draft.oei), ("AEI", draft.aei)):
        for o in objs.values():
            if not o["denominacion"]:
                problems.error(g.where(o["_row"]), "imp_tidy_no_name", kind=kind, code=o["codigo"])
    if not draft.oei:
        problems.error(g.where(H.bottom + 1), "imp_tidy_no_oei")
    for o in draft.oei.values():
        if o.get("prioridad") is None:
            o.pop("prioridad", None)


def _merge(g: Grid, r: int, H: Header, obj: dict, key: str, value, fld: str, problems: Collector) -> None:
    if value in (None, ""):
        return
    if obj.get(key) in (None, ""):
        obj[key] = value
    elif obj[key] != value:
        problems.error(g.where(r, H.col(fld)), "imp_tidy_conflict", code=obj["codigo"], field=key, other=str(obj[key]), row=obj["_row"] + 1)


def read_ao(header: Header, draft: Draft, problems: Collector) -> None:
    g, H = header.grid, header
    report_columns(header, problems, unknown="error")
    year = None
    head: dict = {}
    pre = _preamble(g, H)
    numeric_pre = []
    for r, key, value, c in pre:
        fld = AO_PREAMBLE.get(key)
        if fld is None:
            problems.error(g.where(r, 0), "imp_tidy_unknown_preamble", known="Año, PIM, Devengado")
        elif fld == "anio":
            year = Values(g, problems, [], []).year(r, c)
        else:
            numeric_pre.append((r, c, fld))
    Vp = Values(g, problems, [r for r, _, _ in numeric_pre], list({c for _, c, _ in numeric_pre}))
    for r, c, fld in numeric_pre:
        v = num(Vp, r, c)
        if v is not None:
            head[fld] = v
    if year is None:
        problems.error(g.where(0), "imp_tidy_no_year")
        return
    if year in draft.poi:
        problems.error(g.where(0), "imp_poi_year_twice", year=year)
        return
    prog_m, ejec_m = H.keyed("prog_m"), H.keyed("ejec_m")
    for kind, cols in (("programado", prog_m), ("ejecutado", ejec_m)):
        if cols and len(cols) < 12:
            missing = [m for m in MONTHS if m not in cols]
            problems.error(g.where(H.top), "imp_tidy_months_incomplete", kind=kind, months=", ".join(missing))
    rows = [r for r in range(H.bottom + 1, len(g.rows)) if not g.row_empty(r)]
    numeric = [c for c in (H.col("programado"), H.col("ejecutado"), H.col("pim"), H.col("devengado"), H.col("avance"), *prog_m.values(), *ejec_m.values()) if c is not None]
    V = Values(g, problems, rows, numeric)
    aos = []
    seen: dict[str, int] = {}
    for r in rows:
        code = V.text(r, H.col("codigo"))
        aei = V.text(r, H.col("aei"))
        if not code:
            problems.error(g.where(r, H.col("codigo")), "imp_tidy_empty", column="Código AO")
            continue
        if not aei:
            problems.error(g.where(r, H.col("aei")), "imp_tidy_empty", column="Código AEI")
        if code in seen:
            problems.error(g.where(r, H.col("codigo")), "imp_code_repeated", row=seen[code] + 1)
            continue
        seen[code] = r
        if aei and draft.aei and aei not in draft.aei:
            problems.error(g.where(r, H.col("aei")), "imp_poi_unknown_aei", aei=aei, hint=did_you_mean(aei, draft.aei))
        ao: dict = {"codigo": code, "aei": aei}
        for f in ("denominacion", "unidad_medida", "centro_costo", "agregacion"):
            ao[f] = V.text(r, H.col(f)) or None
        if V.text(r, H.col("prioridad")):
            ao["prioridad"] = priority_value(V.text(r, H.col("prioridad")))
        for kind, cols in (("programado", prog_m), ("ejecutado", ejec_m)):
            annual = num(V, r, H.col(kind))
            months = [num(V, r, cols.get(m)) for m in MONTHS] if len(cols) == 12 else None
            if months is not None and any(v is not None for v in months):
                if annual is not None:
                    problems.error(g.where(r, H.col(kind)), "imp_tidy_annual_and_months", kind=kind)
                if any(v is None for v in months):
                    empty = [m for m, v in zip(MONTHS, months) if v is None]
                    problems.error(g.where(r, cols[empty[0]]), "imp_tidy_month_empty", kind=kind, months=", ".join(empty))
                ao[f"{kind}_mensual"] = [v or Num("N/D") for v in months]
            elif annual is not None:
                ao[kind] = annual
        for k in ("pim", "devengado"):
            v = num(V, r, H.col(k))
            if v is not None:
                ao[k] = v
        rec = norm(V.text(r, H.col("reconstruido")))
        if rec in ("si", "s", "x", "true", "1"):
            ao["reconstruido"] = True
        elif rec not in ("", "no", "n", "false", "0"):
            problems.error(g.where(r, H.col("reconstruido")), "imp_tidy_yes_no")
        ao["nota"] = V.text(r, H.col("nota")) or None
        aos.append(ao)
    draft.poi[year] = {"head": head, "ao": aos, "_grid": g}
