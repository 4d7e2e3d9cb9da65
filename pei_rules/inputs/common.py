"""Pieces shared by the layouts: title rows (entity, period, year), codes and prioridad in
OEI/AEI texts, printed figures and their source."""
from __future__ import annotations

import re
from decimal import Decimal

from ..i18n import msg
from . import numbers as N
from .cells import Values, one_line
from ..origins import cell_origin
from .draft import Num
from .headers import norm
from .problems import col_letter
from .readers import Grid

_CODE_IN_TEXT = re.compile(r"^\s*((?:OEI|AEI|AO|AOI)[A-Za-z0-9._\-]*?)(?:\s*[:\-–]\s+|\s+|$)(.*)$", re.IGNORECASE | re.DOTALL)


def split_priority(text: str) -> tuple[str, str | None]:
    """``"Mejorar … (Prioridad:1)"`` → (``"Mejorar …"``, ``"1"``).

    Parsed by hand in linear time (the regular expression it replaces, with three adjacent
    optional-space groups, took minutes on a cell padded with spaces)."""
    s = text.rstrip()
    if not s.endswith(")"):
        return text.strip(), None
    end = len(s) - 1
    floor = s.rfind(")", 0, end) + 1  # the value holds no ")"
    p = s.find("(", floor, end)
    while p >= 0:
        inner = s[p + 1 : end].lstrip()
        if inner[:9].lower() == "prioridad":
            rest = inner[9:].lstrip()
            if rest[:1] in (":", "="):
                rest = rest[1:]
            return text[:p].strip(), rest.strip() or None
        p = s.find("(", p + 1, end)
    return text.strip(), None


def split_code(text: str) -> tuple[str | None, str]:
    """``"AEI.01.01 - Brindar …"`` → (``"AEI.01.01"``, ``"Brindar …"``); (None, text) otherwise."""
    m = _CODE_IN_TEXT.match(text)
    if not m or not re.search(r"\d", m.group(1)):
        return None, text.strip()
    return m.group(1).rstrip(".:-"), m.group(2).strip()


def priority_value(p: str | None):
    """A prioridad as the plan keeps it: a rank as a whole number, a word as text."""
    if p is None:
        return None
    return int(p) if re.fullmatch(r"\d{1,3}", p) else p


def cell_ref(grid: Grid, r: int, c: int) -> str:
    return f"{col_letter(c)}{r + 1}"


def source(grid: Grid, r: int, c: int, what: str) -> str:
    """Where a published figure was read: document, file, sheet and cell (Spanish by default)."""
    name = grid.file.replace("\\", "/").rsplit("/", 1)[-1]
    if grid.sheet is not None:
        return msg("imp_source_cell_sheet", what=what, file=name, sheet=grid.sheet, cell=cell_ref(grid, r, c))
    return msg("imp_source_cell", what=what, file=name, cell=cell_ref(grid, r, c))


def printed(values: Values, r: int, c: int) -> str | None:
    """A published figure as printed: plain decimal text with the decimals the sheet shows,
    ``"N/D"`` for no data, None for an empty cell (problems are collected)."""
    v = values.number(r, c)
    if v is None:
        return None
    if isinstance(v, N.NoData):
        return N.ND_TEXT
    shown = values.grid.cell(r, c).shown_decimals
    if shown is not None and not isinstance(values.grid.cell(r, c).value, str):
        return format(v.value.quantize(Decimal(1).scaleb(-shown)), "f")
    return v.text


def origin(grid: Grid, r: int, c: int) -> str:
    """A cell as the plan's origin comments name it: ``'sheet'!F12`` (a CSV file's name for the
    sheet)."""
    sheet = grid.sheet if grid.sheet is not None else grid.file.replace("\\", "/").rsplit("/", 1)[-1]
    return cell_origin(sheet, cell_ref(grid, r, c))


def num(values: Values, r: int, c: int | None) -> Num | None:
    v = values.number(r, c)
    if v is None:
        return None
    where = origin(values.grid, r, c) if c is not None else None
    if isinstance(v, N.NoData):
        return Num(N.ND_TEXT, where)
    return Num(v.text, where)


def indicator_series(values: Values, r: int, header, ind: dict, problems) -> None:
    """An indicator row's línea de base (a value needs its year) and its logros esperados and
    valores obtenidos per year, as the header's columns give them."""
    H = header
    lb_year, lb_val = values.year(r, H.col("lb_anio")), num(values, r, H.col("lb_valor"))
    if lb_year is not None:
        ind["linea_base"] = {"anio": lb_year, "valor": lb_val or Num("N/D")}
    elif lb_val is not None:
        problems.error(values.grid.where(r, H.col("lb_valor")), "imp_baseline_without_year")
    for key, field in (("logro", "logro_esperado"), ("obtenido", "valor_obtenido")):
        cols = H.keyed(key)
        ind[field] = {str(y): v for y in sorted(cols) if (v := num(values, r, cols[y])) is not None}


# --- title rows --------------------------------------------------------------------------

_ENTITY_KEYS = {
    "codigo entidad": "codigo", "codigo de entidad": "codigo", "codigo de la entidad": "codigo", "codigo pliego": "codigo",
    "entidad": "nombre", "nombre entidad": "nombre", "nombre de la entidad": "nombre", "institucion": "nombre",
    "pliego": "pliego", "sector": "sector", "nivel de gobierno": "nivel_gobierno", "fuente": "fuente",
}
_PERIOD = re.compile(r"((?:19|20|21)\d\d)\s*[-–/]\s*((?:19|20|21)\d\d)")
_YEAR_WORDS = re.compile(r"\b(ano|anio|ejercicio|poi|periodo|year)\b\D{0,20}((?:19|20|21)\d\d)\b")


def title_pairs(grid: Grid, last_row: int) -> list[tuple[int, int, str, str]]:
    """``clave: valor`` found in the title rows (one cell ``Entidad: ZED ILO`` or two cells
    ``Entidad`` | ``ZED ILO``): (row, col of the value, normalised key, value)."""
    out = []
    for r in range(0, max(0, last_row)):
        row = grid.rows[r] if r < len(grid.rows) else []
        texts = [c.text for c in row]
        c = 0
        while c < len(texts):
            t = texts[c]
            if not t:
                c += 1
                continue
            if ":" in t:
                k, _, v = t.partition(":")
                if v.strip():
                    out.append((r, c, norm(k), one_line(v)))
                    c += 1
                    continue
                t = k
            nxt = next((j for j in range(c + 1, len(texts)) if texts[j] and row[j].merged_from != (r, c)), None)
            if nxt is not None and norm(t) in set(_ENTITY_KEYS) | {"periodo", "periodo pei", "ano", "anio", "ejercicio", "ano fiscal", "pim", "devengado"}:
                out.append((r, nxt, norm(t), one_line(texts[nxt])))
                c = nxt + 1
                continue
            c += 1
    return out


def title_entity(grid: Grid, last_row: int) -> dict[str, str]:
    ent: dict[str, str] = {}
    for _, _, key, value in title_pairs(grid, last_row):
        fld = _ENTITY_KEYS.get(key)
        if fld and fld not in ent:
            ent[fld] = value
    if "codigo" not in ent and "pliego" in ent:
        m = re.match(r"^\s*(\d+)\s*[.\-–:]?\s*(.*)$", ent["pliego"])
        if m:
            ent["codigo"] = m.group(1)
            if "nombre" not in ent and m.group(2):
                ent["nombre"] = m.group(2)
    return ent


def title_period(grid: Grid, last_row: int) -> tuple[int, int, int] | None:
    """(desde, hasta, row) of a ``2021-2025`` written in the title rows."""
    for r in range(0, max(0, last_row)):
        for c in grid.rows[r] if r < len(grid.rows) else []:
            m = _PERIOD.search(c.text)
            if m and int(m.group(1)) <= int(m.group(2)):
                return int(m.group(1)), int(m.group(2)), r
    return None


def title_year(grid: Grid, last_row: int) -> int | None:
    for r, _, key, value in title_pairs(grid, last_row):
        if key in ("ano", "anio", "ejercicio", "ano fiscal", "periodo") and re.fullmatch(r"(?:19|20|21)\d\d", value):
            return int(value)
    for r in range(0, max(0, last_row)):
        for c in grid.rows[r] if r < len(grid.rows) else []:
            m = _YEAR_WORDS.search(norm(c.text))
            if m and not _PERIOD.search(c.text):
                return int(m.group(2))
    return None

