"""Convert spreadsheets laid out like the Aplicativo CEPLAN seguimiento export into a plan TOML.

Two CSV files (layout documented in ``docs/import.md``):

- the *indicators* sheet: optional ``clave,valor`` preamble rows (entity, PEI period), then a
  header row and one row per indicator (código, denominación, sentido, tipo de agregación,
  línea base año/valor, ``Logro esperado <año>`` and ``Valor obtenido <año>`` columns, owner
  OEI/AEI with their names and relevance, unit);
- one *AO* sheet per POI year (``--ao``, repeatable): preamble ``Año``, ``PIM``, ``Devengado``;
  then one row per actividad operativa with annual ``Programado``/``Ejecutado`` or the twelve
  monthly columns ``Programado ene`` … ``Ejecutado dic``.

Numbers are kept as the decimal text written in the sheet (no binary floats); ``N/D`` stays
``"N/D"``. Every problem is reported with file, row and column, and nothing is written when
any problem is found. The result is validated by loading it as a plan before it is written.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .errors import InputFileError, PeiError, PlanError, did_you_mean
from .files import write_atomic
from .plan import load_plan
from .vocabulary import ND_WORDS

MONTHS = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "set", "oct", "nov", "dic"]
MONTH_SYNONYMS = {"sep": "set", "sept": "set", "setiembre": "set", "septiembre": "set"}
ND_TEXT = "N/D"
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
MAX_ROWS = 200_000

# normalised header -> field (indicators sheet)
IND_COLUMNS = {
    "codigo oei": "oei",
    "oei": "oei_nombre",
    "denominacion oei": "oei_nombre",
    "prioridad oei": "oei_prioridad",
    "relevancia oei": "oei_relevancia",
    "codigo aei": "aei",
    "aei": "aei_nombre",
    "denominacion aei": "aei_nombre",
    "relevancia aei": "aei_relevancia",
    "organo responsable aei": "aei_organo",
    "codigo indicador": "codigo",
    "codigo": "codigo",
    "alias": "alias",
    "indicador": "nombre",
    "denominacion indicador": "nombre",
    "denominacion": "nombre",
    "unidad de medida": "unidad_medida",
    "sentido esperado": "sentido",
    "sentido": "sentido",
    "tipo de agregacion": "agregacion",
    "relevancia": "relevancia",
    "relevancia indicador": "relevancia",
    "organo responsable": "organo_responsable",
    "unidad de organizacion": "organo_responsable",
    "linea base ano": "lb_anio",
    "linea base valor": "lb_valor",
    "nota": "nota",
}
IND_REQUIRED = ["oei", "codigo", "nombre", "unidad_medida", "sentido", "agregacion"]
_YEAR_COL = re.compile(r"^(logro esperado|valor obtenido) (\d{4})$")

AO_COLUMNS = {
    "codigo ao": "codigo",
    "codigo": "codigo",
    "codigo aei": "aei",
    "aei": "aei",
    "actividad operativa": "denominacion",
    "denominacion": "denominacion",
    "unidad de medida": "unidad_medida",
    "programado": "programado",
    "meta fisica programada": "programado",
    "ejecutado": "ejecutado",
    "meta fisica ejecutada": "ejecutado",
    "pim": "pim",
    "devengado": "devengado",
    "reconstruido": "reconstruido",
    "nota": "nota",
}
AO_REQUIRED = ["codigo", "aei"]
_MONTH_COL = re.compile(r"^(programado|ejecutado) ([a-z]+)$")

IND_PREAMBLE = {
    "codigo entidad": ("entidad", "codigo"),
    "codigo de entidad": ("entidad", "codigo"),
    "entidad": ("entidad", "nombre"),
    "nombre entidad": ("entidad", "nombre"),
    "pliego": ("entidad", "pliego"),
    "sector": ("entidad", "sector"),
    "nivel de gobierno": ("entidad", "nivel_gobierno"),
    "fuente": ("entidad", "fuente"),
    "periodo pei": ("plan", "periodo"),
    "periodo": ("plan", "periodo"),
    "aprobacion": ("plan", "aprobacion"),
    "directiva": ("plan", "directiva"),
}
AO_PREAMBLE = {"ano": "anio", "anio": "anio", "pim": "pim", "devengado": "devengado"}


def norm(text: str) -> str:
    """Header/key normalisation: no accents, lower case, single spaces, no punctuation."""
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9/]+", " ", s.lower()).strip()
    return s


def col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass
class Problem:
    file: str
    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, fila {self.row}" + (f", columna {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportError_(PlanError):
    kind = "import"


@dataclass
class Sheet:
    file: str
    preamble: dict[str, tuple[str, int]]  # normalised key -> (value, row)
    header: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]]  # (row number, cells)
    problems: list[Problem] = field(default_factory=list)


def read_sheet(path: str | Path, header_marker: str) -> Sheet:
    """Read a CSV: preamble ``clave,valor`` rows, then the header row (the first row with
    ``header_marker`` among its cells), then data rows. Delimiter ``,`` or ``;``."""
    name = str(path)
    try:
        p = Path(path)
        if p.exists() and not p.is_dir() and not p.is_file():
            # a device, FIFO or socket: /dev/zero never ends, a FIFO blocks
            raise InputFileError("not a regular file, expected a CSV file", file=name)
        with p.open("rb") as fh:
            raw = fh.read(64 * 1024 * 1024 + 1)  # never more than the limit into memory
    except FileNotFoundError:
        raise InputFileError("file not found", file=name) from None
    except IsADirectoryError:
        raise InputFileError("is a directory, expected a CSV file", file=name) from None
    except OSError as exc:
        raise InputFileError(f"cannot read file: {exc.strerror}", file=name) from None
    if len(raw) > 64 * 1024 * 1024:
        raise InputFileError("file is larger than 64 MiB", file=name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel's "CSV" in a Spanish-locale Windows
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delim = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    preamble: dict[str, tuple[str, int]] = {}
    header: list[str] | None = None
    header_row = 0
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            rowno = reader.line_num
            cells = [c.strip() for c in cells]
            if header is None:
                if header_marker in {norm(c) for c in cells}:
                    header = cells
                    header_row = rowno
                elif cells and any(cells):
                    key = norm(cells[0])
                    value = next((c for c in cells[1:] if c), "")
                    if key:
                        preamble[key] = (value, rowno)
                continue
            if not any(cells):
                continue
            rows.append((rowno, cells))
            if len(rows) > MAX_ROWS:
                raise InputFileError(f"more than {MAX_ROWS} rows", file=name, line=rowno)
    except csv.Error as exc:
        raise InputFileError(f"malformed CSV: {exc}", file=name, line=reader.line_num) from None
    if header is None:
        raise ImportError_(f"no header row found (a row with a '{header_marker}' column); see docs/import.md", file=name)
    return Sheet(name, preamble, header, header_row, rows)


def number(sheet: Sheet, row: int, col: str, text: str, *, nd: bool = True) -> str | None:
    """Validate a numeric cell; return its TOML text (decimal as written), ``N/D`` or None (empty)."""
    t = text.strip()
    if t == "":
        return None
    if t.casefold() in ND_WORDS:
        if nd:
            return ND_TEXT
        sheet.problems.append(Problem(sheet.file, row, col, f"expected a number, got {t!r}"))
        return None
    if not _NUMBER.match(t):
        hint = ""
        if "," in t:
            hint = " (write the decimal separator as a dot and no thousands separators: 1234.56)"
        elif "%" in t:
            hint = " (write the number without the % sign)"
        sheet.problems.append(Problem(sheet.file, row, col, f'expected a number or "N/D", got {t!r}{hint}'))
        return None
    sign = "-" if t.startswith("-") else ""
    body = t.lstrip("+-")
    ip, _, fp = body.partition(".")
    ip = ip.lstrip("0") or "0"
    try:
        if abs(Decimal(t)) >= Decimal("1e15"):
            sheet.problems.append(Problem(sheet.file, row, col, f"number {t} is out of range (|x| < 1e15)"))
            return None
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        return None
    return f"{sign}{ip}.{fp}" if fp else f"{sign}{ip}"


def integer(sheet: Sheet, row: int, col: str, text: str, lo: int, hi: int) -> int | None:
    t = text.strip()
    if t == "":
        return None
    if not re.fullmatch(r"\d+", t) or not lo <= int(t) <= hi:
        sheet.problems.append(Problem(sheet.file, row, col, f"expected a whole number from {lo} to {hi}, got {t!r}"))
        return None
    return int(t)


def _columns(sheet: Sheet, known: dict[str, str], extra: re.Pattern) -> dict[str, int]:
    """Map fields to column indexes; unknown headers are problems (with a hint)."""

    out: dict[str, int] = {}
    for i, h in enumerate(sheet.header):
        n = norm(h)
        if not n:
            continue
        fld = known.get(n)
        if fld is None:
            m = extra.match(n)
            if m:
                fld = f"{m.group(1)}|{m.group(2)}"
        if fld is None:
            hint = did_you_mean(n, list(known))
            sheet.problems.append(Problem(sheet.file, sheet.header_row, f"{col_letter(i)} ({h})", f"unknown column '{h}'" + (f"; {hint}" if hint else "")))
            continue
        if fld in out:
            sheet.problems.append(Problem(sheet.file, sheet.header_row, f"{col_letter(i)} ({h})", f"column '{h}' repeats column {col_letter(out[fld])}"))
            continue
        out[fld] = i
    return out


class _Row:
    def __init__(self, sheet: Sheet, cols: dict[str, int], rowno: int, cells: list[str]):
        self.sheet, self.cols, self.rowno, self.cells = sheet, cols, rowno, cells

    def where(self, fld: str) -> str:
        i = self.cols[fld]
        return f"{col_letter(i)} ({self.sheet.header[i]})"

    def get(self, fld: str) -> str:
        i = self.cols.get(fld)
        if i is None or i >= len(self.cells):
            return ""
        return self.cells[i]

    def need(self, fld: str, what: str) -> str:
        v = self.get(fld)
        if not v:
            col = self.where(fld) if fld in self.cols else None
            self.sheet.problems.append(Problem(self.sheet.file, self.rowno, col, f"{what} is empty"))
        return v

    def num(self, fld: str, nd: bool = True) -> str | None:
        return number(self.sheet, self.rowno, self.where(fld), self.get(fld), nd=nd) if fld in self.cols else None

    def int(self, fld: str, lo: int, hi: int) -> int | None:
        return integer(self.sheet, self.rowno, self.where(fld), self.get(fld), lo, hi) if fld in self.cols else None

    def problem(self, fld: str | None, message: str) -> None:
        self.sheet.problems.append(Problem(self.sheet.file, self.rowno, self.where(fld) if fld and fld in self.cols else None, message))


# --- TOML writing -----------------------------------------------------------------------


def tstr(s: str) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def tval(v: Any) -> str:
    """A TOML value: numbers are decimal text already; N/D as a string."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, _Num):
        return v.text if v.text != ND_TEXT else tstr(ND_TEXT)
    if isinstance(v, list):
        return "[" + ", ".join(tval(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {tval(x)}" for k, x in v.items()) + " }"
    return tstr(str(v))


@dataclass(frozen=True)
class _Num:
    text: str


def _table(lines: list[str], header: str, items: dict[str, Any]) -> None:
    lines.append(header)
    for k, v in items.items():
        if v is None or v == [] or v == {}:
            continue
        lines.append(f"{k} = {tval(v)}")
    lines.append("")


# --- conversion -----------------------------------------------------------------------


def _period(sheet: Sheet) -> tuple[int, int] | None:
    v = sheet.preamble.get("periodo pei") or sheet.preamble.get("periodo")
    if not v:
        sheet.problems.append(Problem(sheet.file, 1, None, "missing preamble row 'Periodo PEI' (e.g. 'Periodo PEI,2023-2025')"))
        return None
    m = re.fullmatch(r"\s*(\d{4})\s*[-–/]\s*(\d{4})\s*", v[0])
    if not m or int(m.group(2)) < int(m.group(1)):
        sheet.problems.append(Problem(sheet.file, v[1], "B", f"'Periodo PEI' must look like 2023-2025, got {v[0]!r}"))
        return None
    return int(m.group(1)), int(m.group(2))


def convert(indicators: str | Path, ao_files: list[str | Path] | None = None) -> str:
    """Return the plan TOML text; raise :class:`PlanError` listing every problem found."""
    sheet = read_sheet(indicators, "codigo indicador")
    problems = sheet.problems
    entidad: dict[str, Any] = {}
    plan_info: dict[str, Any] = {"tipo": "PEI"}
    for key, (value, rowno) in sheet.preamble.items():
        target = IND_PREAMBLE.get(key)
        if target is None:
            problems.append(Problem(sheet.file, rowno, "A", f"unknown preamble key '{key}' (known: {', '.join(sorted(set(IND_PREAMBLE)))})"))
            continue
        sec, fld = target
        if fld == "periodo":
            continue
        (entidad if sec == "entidad" else plan_info)[fld] = value
    for need, label in (("codigo", "Código entidad"), ("nombre", "Entidad")):
        if not entidad.get(need):
            problems.append(Problem(sheet.file, 1, None, f"missing preamble row '{label}'"))
    period = _period(sheet)
    if period:
        plan_info["desde"], plan_info["hasta"] = period
    plan_info = {k: plan_info[k] for k in ("tipo", "desde", "hasta", "aprobacion", "directiva") if k in plan_info}
    cols = _columns(sheet, IND_COLUMNS, _YEAR_COL)
    for f in IND_REQUIRED:
        if f not in cols:
            label = next(k for k, v in IND_COLUMNS.items() if v == f)
            problems.append(Problem(sheet.file, sheet.header_row, None, f"missing column '{label}'"))
    oeis: dict[str, dict[str, Any]] = {}
    aeis: dict[str, dict[str, Any]] = {}
    inds: list[dict[str, Any]] = []
    seen_codes: dict[str, int] = {}
    year_cols = sorted((f for f in cols if "|" in f), key=lambda f: (f.split("|")[0], int(f.split("|")[1])))
    if all(f in cols for f in IND_REQUIRED):
        for rowno, cells in sheet.rows:
            r = _Row(sheet, cols, rowno, cells)
            if len(cells) > len(sheet.header) and any(cells[len(sheet.header):]):
                r.problem(None, f"row has {len(cells)} cells but the header has {len(sheet.header)}")
            oei = r.need("oei", "Código OEI")
            aei = r.get("aei")
            if oei:
                o = oeis.setdefault(oei, {"codigo": oei, "denominacion": None, "prioridad": None, "relevancia": None, "_row": rowno})
                _merge(r, o, "denominacion", r.get("oei_nombre"), "oei_nombre")
                _merge(r, o, "prioridad", r.get("oei_prioridad"), "oei_prioridad")
                _merge(r, o, "relevancia", r.int("oei_relevancia", 1, 9), "oei_relevancia")
            if aei:
                a = aeis.setdefault(aei, {"codigo": aei, "oei": oei, "denominacion": None, "relevancia": None, "organo_responsable": None, "_row": rowno})
                if oei and a["oei"] != oei:
                    r.problem("oei", f"AEI '{aei}' was given OEI '{a['oei']}' on row {a['_row']}, here '{oei}'")
                _merge(r, a, "denominacion", r.get("aei_nombre"), "aei_nombre")
                _merge(r, a, "relevancia", r.int("aei_relevancia", 1, 9), "aei_relevancia")
                _merge(r, a, "organo_responsable", r.get("aei_organo"), "aei_organo")
            code = r.get("codigo")
            if not code:
                continue  # a row that only declares an OEI or AEI
            if code in seen_codes:
                r.problem("codigo", f"indicator '{code}' repeats row {seen_codes[code]}")
                continue
            seen_codes[code] = rowno
            ind: dict[str, Any] = {
                "codigo": code,
                "alias": [a.strip() for a in re.split(r"[;|]", r.get("alias")) if a.strip()],
                "de": aei or oei,
                "nombre": r.need("nombre", "Indicador (denominación)"),
                "unidad_medida": r.need("unidad_medida", "Unidad de medida"),
                "sentido": r.need("sentido", "Sentido esperado"),
                "agregacion": r.need("agregacion", "Tipo de agregación"),
                "relevancia": r.int("relevancia", 1, 9),
                "organo_responsable": r.get("organo_responsable") or None,
            }
            lb_year = r.int("lb_anio", 1900, 2200)
            lb_val = r.num("lb_valor")
            if lb_year is not None:
                ind["linea_base"] = {"anio": lb_year, "valor": _Num(lb_val or ND_TEXT)}
            elif lb_val is not None:
                r.problem("lb_anio", "línea base has a value but no year")
            for kind, fld in (("logro esperado", "logro_esperado"), ("valor obtenido", "valor_obtenido")):
                vals = {}
                for yc in year_cols:
                    k, y = yc.split("|")
                    if k == kind:
                        v = r.num(yc)
                        if v is not None:
                            vals[y] = _Num(v)
                ind[fld] = vals
            ind["nota"] = r.get("nota") or None
            inds.append(ind)
    for code, a in aeis.items():
        if code in oeis:
            problems.append(Problem(sheet.file, a["_row"], None, f"code '{code}' is used both as an OEI and as an AEI"))
    for o in oeis.values():
        if not o["denominacion"]:
            problems.append(Problem(sheet.file, o["_row"], None, f"OEI '{o['codigo']}' has no denominación on any row (column 'OEI')"))
    for a in aeis.values():
        if not a["denominacion"]:
            problems.append(Problem(sheet.file, a["_row"], None, f"AEI '{a['codigo']}' has no denominación on any row (column 'AEI')"))
    if not oeis and not problems:
        problems.append(Problem(sheet.file, sheet.header_row + 1, None, "no OEI rows"))

    pois: list[tuple[int, dict[str, Any], list[dict[str, Any]]]] = []
    ao_problems: list[Problem] = []
    for path in ao_files or []:
        poi = _convert_ao(path, set(aeis), ao_problems)
        if poi is not None:
            if any(p[0] == poi[0] for p in pois):
                ao_problems.append(Problem(str(path), 1, None, f"a second AO sheet for the year {poi[0]}"))
            pois.append(poi)
    problems = problems + ao_problems
    if problems:
        raise _report(problems)
    lines = [
        "# Plan importado con 'pei-rules import' desde hojas con el formato del Aplicativo CEPLAN.",
        f"# Indicadores: {Path(indicators).name}" + (f"; AO: {', '.join(Path(p).name for p in ao_files or [])}" if ao_files else ""),
        "",
    ]
    _table(lines, "[entidad]", {k: entidad.get(k) for k in ("codigo", "nombre", "pliego", "sector", "nivel_gobierno", "fuente")})
    _table(lines, "[plan]", plan_info)
    for o in oeis.values():
        _table(lines, "[[oei]]", {k: v for k, v in o.items() if not k.startswith("_")})
    for a in aeis.values():
        _table(lines, "[[aei]]", {k: v for k, v in a.items() if not k.startswith("_")})
    for ind in inds:
        _table(lines, "[[indicador]]", ind)
    for year, head, aos in sorted(pois, key=lambda p: p[0]):
        _table(lines, f"[poi.{year}]", head)
        for ao in aos:
            _table(lines, f"[[poi.{year}.ao]]", ao)
    text = "\n".join(lines)
    _validate(text, str(indicators))
    return text


def _merge(r: _Row, obj: dict, key: str, value: Any, fld: str) -> None:
    if value in (None, ""):
        return
    if obj[key] in (None, ""):
        obj[key] = value
    elif obj[key] != value:
        r.problem(fld, f"'{obj['codigo']}' has {key} {obj[key]!r} on row {obj['_row']} but {value!r} here")


def _convert_ao(path: str | Path, aeis: set[str], problems: list[Problem]):
    sheet = read_sheet(path, "codigo ao")
    head: dict[str, Any] = {}
    year = None
    for key, (value, rowno) in sheet.preamble.items():
        fld = AO_PREAMBLE.get(key)
        if fld is None:
            sheet.problems.append(Problem(sheet.file, rowno, "A", f"unknown preamble key '{key}' (known: Año, PIM, Devengado)"))
        elif fld == "anio":
            year = integer(sheet, rowno, "B", value, 1900, 2200)
        else:
            v = number(sheet, rowno, "B", value)
            if v is not None:
                head[fld] = _Num(v)
    if year is None and not sheet.problems:
        sheet.problems.append(Problem(sheet.file, 1, None, "missing preamble row 'Año' (the POI year, e.g. 'Año,2023')"))
    cols = _columns(sheet, AO_COLUMNS, _MONTH_COL)
    for fld in list(cols):
        if "|" in fld:
            kind, mon = fld.split("|")
            mon = MONTH_SYNONYMS.get(mon, mon)
            if mon not in MONTHS:
                i = cols.pop(fld)
                sheet.problems.append(Problem(sheet.file, sheet.header_row, f"{col_letter(i)} ({sheet.header[i]})", f"unknown month '{mon}' (use {', '.join(MONTHS)})"))
            elif f"{kind}|{mon}" != fld:
                cols[f"{kind}|{mon}"] = cols.pop(fld)
    for f in AO_REQUIRED:
        if f not in cols:
            sheet.problems.append(Problem(sheet.file, sheet.header_row, None, f"missing column '{next(k for k, v in AO_COLUMNS.items() if v == f)}'"))
    monthly = {}
    for kind in ("programado", "ejecutado"):
        present = [m for m in MONTHS if f"{kind}|{m}" in cols]
        if present and len(present) < 12:
            missing = [m for m in MONTHS if m not in present]
            sheet.problems.append(Problem(sheet.file, sheet.header_row, None, f"monthly '{kind}' columns must be all twelve; missing {', '.join(missing)}"))
        monthly[kind] = len(present) == 12
    aos: list[dict[str, Any]] = []
    if all(f in cols for f in AO_REQUIRED):
        seen: dict[str, int] = {}
        for rowno, cells in sheet.rows:
            r = _Row(sheet, cols, rowno, cells)
            code = r.need("codigo", "Código AO")
            aei = r.need("aei", "Código AEI")
            if code in seen:
                r.problem("codigo", f"AO '{code}' repeats row {seen[code]}")
                continue
            seen[code] = rowno
            if aei and aei not in aeis:
            
                hint = did_you_mean(aei, aeis)
                r.problem("aei", f"AEI '{aei}' is not in the indicators sheet" + (f"; {hint}" if hint else ""))
            ao: dict[str, Any] = {"codigo": code, "aei": aei, "denominacion": r.get("denominacion") or None, "unidad_medida": r.get("unidad_medida") or None}
            for kind in ("programado", "ejecutado"):
                annual = r.num(kind)
                months = [r.num(f"{kind}|{m}") for m in MONTHS] if monthly[kind] else None
                if months is not None and any(v is not None for v in months):
                    if annual is not None:
                        r.problem(kind, f"gives both '{kind}' and the monthly {kind} columns: give one")
                    if any(v is None for v in months):
                        empty = [m for m, v in zip(MONTHS, months) if v is None]
                        r.problem(None, f"monthly {kind} is missing {', '.join(empty)} (write N/D for a month without data)")
                    ao[f"{kind}_mensual"] = [_Num(v or ND_TEXT) for v in months]
                elif annual is not None:
                    ao[kind] = _Num(annual)
            for k in ("pim", "devengado"):
                v = r.num(k)
                if v is not None:
                    ao[k] = _Num(v)
            rec = norm(r.get("reconstruido"))
            if rec in ("si", "s", "x", "true", "1"):
                ao["reconstruido"] = True
            elif rec not in ("", "no", "n", "false", "0"):
                r.problem("reconstruido", f"expected 'sí' or 'no', got {r.get('reconstruido')!r}")
            ao["nota"] = r.get("nota") or None
            aos.append(ao)
    problems.extend(sheet.problems)
    if year is None:
        return None
    return year, head, aos


def _report(problems: list[Problem]) -> PlanError:
    first = problems[0]
    msg = (f"columna {first.column}: " if first.column else "") + first.message
    if len(problems) > 1:
        msg += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''}; nothing was written)"
    else:
        msg += " (nothing was written)"
    err = ImportError_(msg, file=first.file, line=first.row)
    err.related = [str(p) for p in problems[1:50]]
    err.problems = problems  # type: ignore[attr-defined]
    return err


def _validate(text: str, name: str) -> None:
    """The generated plan must load; a failure here is reported against the source sheet."""
    try:
        load_plan(name + ".toml", raw=text.encode("utf-8"), display=f"{name} (plan generado)")
    except PeiError as exc:
        raise ImportError_(f"the converted plan does not validate: {exc.message}", file=name, suggestion=exc.suggestion) from None


def import_plan(indicators: str | Path, ao_files: list[str | Path] | None, out: str | Path) -> str:
    text = convert(indicators, ao_files)
    write_atomic(out, text)
    return text
