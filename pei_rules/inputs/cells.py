"""Reading typed values out of a grid: numbers (with the per-column decision for ambiguous
cells), years, whole numbers and text; every problem names the cell."""
from __future__ import annotations

import re
from decimal import Decimal

from . import numbers as N
from .problems import Collector
from .readers import Grid

MAX_ABS = Decimal("1e15")
_LINE_BREAKS = re.compile(r"[\r\n]+")


class Values:
    """Typed access to one grid's data cells.

    ``numeric_columns`` are the columns holding numbers; their cells are parsed once, the decimal
    separator of each column is decided from its unambiguous cells (then from the whole sheet,
    with a warning), and a column whose ambiguous cells stay undecided is an error.
    """

    def __init__(self, grid: Grid, problems: Collector, rows: list[int], numeric_columns: list[int]):
        self.grid = grid
        self.p = problems
        self.conv: dict[int, str | None] = {}
        parsed: dict[int, list[N.Parsed]] = {}
        sheet_seps: set[str] = set()
        for c in numeric_columns:
            cells = [N.parse_value(grid.cell(r, c).value, grid.cell(r, c).percent_format) for r in rows]
            parsed[c] = cells
            sep, conflict = N.column_convention(cells)
            if conflict:
                seps = [(r, v.decimal_sep) for r, v in zip(rows, cells) if isinstance(v, N.Number) and v.decimal_sep]
                majority = max(("." , ","), key=lambda s: sum(1 for _, x in seps if x == s))
                r = next(r for r, x in seps if x != majority)
                problems.error(grid.where(r, c), "imp_num_column_mixed")
                self.conv[c] = None
                continue
            self.conv[c] = sep
            if sep:
                sheet_seps.add(sep)
        self.sheet_sep = sheet_seps.pop() if len(sheet_seps) == 1 else None
        self._decided_by_sheet: set[int] = set()
        self._ambiguous_reported: set[int] = set()

    def number(self, r: int, c: int | None) -> N.Number | N.NoData | None:
        """A number, ``NoData`` or None (empty); problems are collected."""
        if c is None:
            return None
        cell = self.grid.cell(r, c)
        v = N.parse_value(cell.value, cell.percent_format)
        if isinstance(v, N.Empty):
            return None
        if isinstance(v, N.NoData):
            return v
        if isinstance(v, N.Ambiguous):
            sep = self.conv.get(c)
            if sep is None and self.sheet_sep:
                sep = self.sheet_sep
                if c not in self._decided_by_sheet:
                    self._decided_by_sheet.add(c)
                    self.p.warn(self.grid.where(r, c), "imp_warn_ambiguous_by_sheet", sep=sep, value=v.resolve(sep).text)
            if sep is None:
                if c not in self._ambiguous_reported:
                    self._ambiguous_reported.add(c)
                    self.p.error(self.grid.where(r, c), "imp_num_ambiguous", dec=v.as_decimal.text, th=v.as_thousands.text)
                return None
            v = v.resolve(sep)
        if isinstance(v, N.DateValue):
            self.p.error(self.grid.where(r, c), "imp_num_is_date")
            return None
        if isinstance(v, N.NotANumber):
            self.p.error(self.grid.where(r, c), v.reason)
            return None
        assert isinstance(v, N.Number)
        if abs(v.value) >= MAX_ABS:
            self.p.error(self.grid.where(r, c), "imp_num_out_of_range")
            return None
        return v

    def year(self, r: int, c: int | None, lo: int = 1900, hi: int = 2200) -> int | None:
        """A year: a whole number, or the year of a date (an Excel date or a date as text)."""
        if c is None:
            return None
        cell = self.grid.cell(r, c)
        v = N.parse_value(cell.value)
        if isinstance(v, N.Empty):
            return None
        if isinstance(v, N.DateValue):
            self.p.warn(self.grid.where(r, c), "imp_warn_year_from_date", year=v.date.year)
            return v.date.year
        if isinstance(v, N.Ambiguous):
            v = v.as_thousands
        if isinstance(v, N.Number) and re.fullmatch(r"\d{4}", v.text) and lo <= int(v.text) <= hi:
            return int(v.text)
        self.p.error(self.grid.where(r, c), "imp_year_expected", lo=lo, hi=hi)
        return None

    def whole(self, r: int, c: int | None, lo: int, hi: int) -> int | None:
        if c is None:
            return None
        text = self.grid.text(r, c)
        if text == "":
            return None
        m = re.fullmatch(r"(\d+)(\.0+)?", text) or re.search(r"^\s*(\d+)\s*[-–.]", text)
        if m and lo <= int(m.group(1)) <= hi:
            return int(m.group(1))
        self.p.error(self.grid.where(r, c), "imp_whole_expected", lo=lo, hi=hi)
        return None

    def text(self, r: int, c: int | None) -> str:
        """The cell's text; a line break inside the cell (a wrapped name) is one space, other
        spaces are kept as written."""
        if c is None:
            return ""
        return one_line(self.grid.text(r, c))


def one_line(text: str) -> str:
    """A cell's text with each line break (and the spaces around it) as one space."""
    if "\n" not in text and "\r" not in text:
        return text.strip()
    # linear: split at the breaks, trim spaces and tabs next to each (a "[ \t]*[\r\n]+[ \t]*"
    # substitution is quadratic on a long run of spaces)
    parts = _LINE_BREAKS.split(text)
    last = len(parts) - 1
    return " ".join(
        p.lstrip(" \t") if i == last else (p.rstrip(" \t") if i == 0 else p.strip(" \t")) for i, p in enumerate(parts)
    ).strip()

