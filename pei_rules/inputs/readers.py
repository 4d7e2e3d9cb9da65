"""Spreadsheet readers: XLSX (openpyxl) and CSV into one grid of cells per sheet.

A :class:`Grid` is what every layout reads: rows of :class:`Cell` (the value as the reader
library gives it, the text the user sees), with merged ranges spread to every cell they
cover (a merged header cell labels every column under it; a merged AO code labels every row
of its block). Rows are numbered as the spreadsheet shows them (1-based), columns by letter.

CSV: the encoding is detected (UTF-8 with or without BOM, UTF-16 with BOM, else
Windows-1252, as Excel saves "CSV" on a Spanish-locale Windows) and so is the delimiter
(``,`` ``;`` or tab: the one that splits the first lines into the most consistent columns).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputFileError, UsageError
from ..files import read_limited
from ..outputs.pdf import find_soffice, soffice_convert
from .numbers import exact_float
from .problems import Collector, Where

MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLS = 2_000
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
OLD_SUFFIXES = {".xls", ".ods"}  # read through LibreOffice
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an Excel 97-2003 .xls


@dataclass
class Cell:
    value: Any = None  # str | int | float | datetime | bool | None, as read
    percent_format: bool = False  # XLSX: the number is shown with a % format
    merged_from: tuple[int, int] | None = None  # (row, col) of the merge's top-left cell, if not this one
    shown_decimals: int | None = None  # XLSX: decimals the number format shows (0.0 -> 1)

    @property
    def text(self) -> str:
        v = self.value
        if v is None:
            return ""
        if isinstance(v, str):
            return v.strip()
        if isinstance(v, float):
            return exact_float(v)
        if hasattr(v, "isoformat"):
            return v.isoformat()[:10] if hasattr(v, "date") else v.isoformat()
        return str(v)


EMPTY = Cell()


@dataclass
class Grid:
    file: str
    sheet: str | None  # None for a CSV
    rows: list[list[Cell]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def cell(self, r: int, c: int) -> Cell:
        """0-based row and column; an empty cell outside the data."""
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return EMPTY

    def text(self, r: int, c: int) -> str:
        return self.cell(r, c).text

    def where(self, r: int | None = None, c: int | None = None, *, with_text: bool = True) -> Where:
        return Where(self.file, self.sheet, None if r is None else r + 1, c, self.text(r, c) if with_text and r is not None and c is not None else None)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def row_empty(self, r: int) -> bool:
        return not any(c.text for c in self.rows[r]) if 0 <= r < len(self.rows) else True


def read_file(path: str | Path, problems: Collector) -> list[Grid]:
    """Every sheet of a workbook, or the one grid of a CSV; problems are collected (and the
    caller stops): file not found, unreadable, too large, not a spreadsheet."""
    name = str(path)
    p = Path(path)
    where = Where(name)
    try:
        raw = read_limited(p, MAX_BYTES, "XLSX/CSV", display=name)  # the one bounded reader
    except InputFileError as exc:
        code = getattr(exc, "code", "unreadable")
        if code == "too_large":
            problems.error(where, "imp_file_too_large", mib=MAX_BYTES // (1024 * 1024))
        elif code == "unreadable":
            problems.error(where, "imp_file_unreadable", reason=exc.message)
        else:
            problems.error(where, {"not_found": "imp_file_not_found", "is_dir": "imp_file_is_dir"}.get(code, "imp_file_not_regular"))
        return []
    suffix = p.suffix.lower()
    ods = raw[:4] == b"PK\x03\x04" and b"opendocument.spreadsheet" in raw[:100]
    if ods or suffix in OLD_SUFFIXES or raw[:8] == OLE_MAGIC:
        raw = _as_xlsx(name, raw, ".ods" if ods else ".xls", problems)
        if raw is None:
            return []
    if raw[:4] == b"PK\x03\x04" or suffix in XLSX_SUFFIXES:
        return _read_xlsx(name, raw, problems)
    return [_read_csv(name, raw, problems)]


def _as_xlsx(name: str, raw: bytes, suffix: str, problems: Collector) -> bytes | None:
    """An .xls (Excel 97-2003) or .ods (LibreOffice/OpenOffice) workbook as XLSX, converted by
    LibreOffice headless (the program the PDF informe uses): same sheets, same cells, so every
    message and every imported number's cell still names the sheet and cell of the original."""
    if find_soffice() is None:
        problems.error(Where(name), "imp_old_format_no_soffice")
        return None
    try:
        return soffice_convert(raw, suffix, "xlsx:Calc MS Excel 2007 XML")
    except UsageError as exc:
        problems.error(Where(name), "imp_old_format_failed", why=exc.message)
        return None


# --- XLSX ------------------------------------------------------------------------------


def _read_xlsx(name: str, raw: bytes, problems: Collector) -> list[Grid]:
    import openpyxl  # the XLSX reader; imported here so CSV-only imports and start-up stay light
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), data_only=False, read_only=False)
        formulas = {ws.title: {(c.row, c.column) for row in ws.iter_rows() for c in row if c.data_type == "f"} for ws in wb.worksheets}
        if any(formulas.values()):
            # the values a spreadsheet program computed and stored with the formulas
            wb.close()
            wb = openpyxl.load_workbook(io.BytesIO(raw), data_only=True, read_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, EOFError) as exc:
        problems.error(Where(name), "imp_xlsx_unreadable", reason=type(exc).__name__)
        return []
    except Exception as exc:  # noqa: BLE001 - a damaged workbook breaks the reader library in many ways: bad input, not a bug
        problems.error(Where(name), "imp_xlsx_unreadable", reason=type(exc).__name__)
        return []
    grids = []
    for ws in wb.worksheets:
        uncomputed = sorted((r, c) for r, c in formulas.get(ws.title, ()) if ws.cell(r, c).value is None)
        if uncomputed:
            r, c = uncomputed[0]
            problems.error(Where(name, ws.title, r, c - 1), "imp_formula_without_value", n=len(uncomputed))
            continue
        if ws.max_row > MAX_ROWS or ws.max_column > MAX_COLS:
            problems.error(Where(name, ws.title), "imp_sheet_too_large", rows=MAX_ROWS, cols=MAX_COLS)
            continue
        rows: list[list[Cell]] = []
        for row in ws.iter_rows():
            out = []
            for c in row:
                v = c.value
                fmt = c.number_format or ""
                numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
                out.append(Cell(v, percent_format=numeric and "%" in fmt, shown_decimals=_decimals_of(fmt) if numeric else None))
            rows.append(out)
        while rows and not any(c.value not in (None, "") for c in rows[-1]):
            rows.pop()
        for rng in ws.merged_cells.ranges:
            r0, c0, r1, c1 = rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1
            if r0 >= len(rows):
                continue
            top = rows[r0][c0] if c0 < len(rows[r0]) else Cell()
            for r in range(r0, min(r1, len(rows) - 1) + 1):
                while len(rows[r]) <= c1:
                    rows[r].append(Cell())
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        rows[r][c] = Cell(top.value, top.percent_format, merged_from=(r0, c0), shown_decimals=top.shown_decimals)
        grids.append(Grid(name, ws.title, rows))
    wb.close()
    return grids


def _decimals_of(fmt: str) -> int | None:
    """Decimals an Excel number format shows (``0.0`` → 1, ``#,##0.00 %`` → 2); None for General."""
    section = fmt.split(";")[0]
    if not section or section.lower() == "general":
        return None
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", section)
    m = re.search(r"[0#?]\.([0#?]+)", section)
    if m:
        return m.group(1).count("0")
    return 0 if re.search(r"[0#?]", section) else None


# --- CSV -------------------------------------------------------------------------------


def decode(raw: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    bom = raw.startswith(b"\xef\xbb\xbf")
    body = raw[3:] if bom else raw
    try:
        return body.decode("utf-8"), "UTF-8 (BOM)" if bom else "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return body.decode("latin-1"), "ISO-8859-1"


def sniff_delimiter(text: str) -> str:
    """``,``, ``;`` or tab: the candidate that splits the first non-empty lines into the most
    lines of the same (more than one) width."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:60]
    best, best_score = ",", (-1, -1)
    for delim in (";", "\t", ","):
        try:
            widths = [len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim)]
        except csv.Error:
            continue
        wide = [w for w in widths if w > 1]
        if not wide:
            continue
        mode, count = Counter(wide).most_common(1)[0]
        score = (count, mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(name: str, raw: bytes, problems: Collector) -> Grid:
    text, encoding = decode(raw)
    delim = sniff_delimiter(text)
    grid = Grid(name, None)
    grid.notes.append(f"{encoding}, '{'TAB' if delim == chr(9) else delim}'")
    if raw.startswith(b"\xef\xbb\xbf") and encoding != "UTF-8 (BOM)":
        problems.warn(Where(name), "imp_warn_bom_not_utf8", encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        for cells in reader:
            grid.rows.append([Cell(c) for c in cells])
            if len(grid.rows) > MAX_ROWS:
                problems.error(Where(name, None, len(grid.rows)), "imp_sheet_too_large", rows=MAX_ROWS, cols=MAX_COLS)
                return Grid(name, None)
    except csv.Error as exc:
        problems.error(Where(name, None, len(grid.rows) + 1), "imp_csv_malformed", reason=str(exc))
        return Grid(name, None)
    return grid
