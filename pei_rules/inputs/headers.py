"""Finding a layout's header in a sheet by its printed words.

Headers are compared after normalising accents, case, punctuation and line breaks inside a
cell (``"Línea de\\nbase"`` = ``linea de base``); ``%`` reads as the word ``porcentaje``. A
header may span up to three rows: a merged (or, in a CSV, a left-filled) group cell such as
``Logro esperado`` over the year cells ``2021 … 2025`` labels each column under it
``logro esperado 2021`` and so on. A header word that matches no pattern but is close to one
is taken with a warning (a header matched loosely).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .problems import Collector, col_letter
from .readers import Grid

MAX_HEADER_SEARCH = 40
MAX_BAND = 3
LOOSE_RATIO = 0.86

MONTHS = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "set", "oct", "nov", "dic"]
MONTH_WORDS = {
    "ene": "ene", "enero": "ene", "feb": "feb", "febrero": "feb", "mar": "mar", "marzo": "mar",
    "abr": "abr", "abril": "abr", "may": "may", "mayo": "may", "jun": "jun", "junio": "jun",
    "jul": "jul", "julio": "jul", "ago": "ago", "agosto": "ago", "set": "set", "sep": "set",
    "sept": "set", "setiembre": "set", "septiembre": "set", "oct": "oct", "octubre": "oct",
    "nov": "nov", "noviembre": "nov", "dic": "dic", "diciembre": "dic",
}
MONTH_RE = "|".join(sorted(MONTH_WORDS, key=len, reverse=True))


def norm(text: str) -> str:
    """No accents, lower case, ``%`` as ``porcentaje``, single spaces, no other punctuation."""
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    s = s.lower().replace("%", " porcentaje ")
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


@dataclass(frozen=True)
class FieldSpec:
    """A column of a layout: the field name and the regex its normalised label must match
    (named group ``key`` for a year or a month); ``examples`` for loose matching."""

    name: str
    pattern: str
    examples: tuple[str, ...] = ()

    def match(self, label: str) -> re.Match | None:
        return re.fullmatch(self.pattern, label)


@dataclass
class Column:
    index: int
    label: str  # normalised
    printed: str  # as printed (header rows joined with " / ")
    field: str | None = None
    key: str | None = None  # year or month of a grouped column
    loose: bool = False


@dataclass
class Header:
    grid: Grid
    top: int  # 0-based first header row
    bottom: int  # 0-based last header row
    columns: list[Column] = field(default_factory=list)

    def col(self, name: str, key: str | None = None) -> int | None:
        for c in self.columns:
            if c.field == name and (key is None or c.key == key):
                return c.index
        return None

    def keyed(self, name: str) -> dict[str, int]:
        return {c.key: c.index for c in self.columns if c.field == name and c.key is not None}

    def fields(self) -> set[str]:
        return {c.field for c in self.columns if c.field}

    def column(self, index: int) -> Column | None:
        return next((c for c in self.columns if c.index == index), None)


def _band_labels(grid: Grid, top: int, height: int) -> list[tuple[str, str]]:
    width = max(len(grid.rows[r]) for r in range(top, top + height)) if height else 0
    texts = [[grid.text(r, c) for c in range(width)] for r in range(top, top + height)]
    # a CSV has no merges: a group cell stands left of the blank cells it spans
    for i in range(height - 1):
        row, below = texts[i], texts[-1]
        for c in range(1, width):
            if not row[c] and row[c - 1] and below[c] and below[c - 1] and not _cell_merged(grid, top + i, c):
                row[c] = row[c - 1]
    out = []
    for c in range(width):
        parts: list[str] = []
        printed: list[str] = []
        for i in range(height):
            t = texts[i][c]
            n = norm(t)
            if n and (not parts or parts[-1] != n):
                parts.append(n)
                printed.append(" ".join(t.split()))
        out.append((" ".join(parts), " / ".join(printed)))
    return out


def _cell_merged(grid: Grid, r: int, c: int) -> bool:
    return grid.cell(r, c).merged_from is not None


def match_label(label: str, specs: list[FieldSpec], loose: bool = True) -> tuple[FieldSpec, str | None, bool] | None:
    """The field a label names, its key (year/month) and whether it was matched loosely."""
    if not label:
        return None
    for s in specs:
        m = s.match(label)
        if m:
            return s, _key(m), False
    if not loose:
        return None
    # loose: compare the label (without a trailing year or month) with the examples
    tail = re.search(rf"\s((?:19|20|21)\d\d|{MONTH_RE}|total)$", label)
    stem = label[: tail.start()] if tail else label
    best, best_ratio = None, 0.0
    for s in specs:
        for ex in s.examples:
            sm = SequenceMatcher(None, stem, ex)
            if sm.real_quick_ratio() < LOOSE_RATIO or sm.quick_ratio() < LOOSE_RATIO:
                continue
            r = sm.ratio()
            if r > best_ratio:
                best, best_ratio = (s, ex), r
    if best and best_ratio >= LOOSE_RATIO:
        s, ex = best
        candidate = ex + (label[tail.start():] if tail else "")
        m = s.match(candidate)
        if m:
            return s, _key(m), True
    return None


def _key(m: re.Match) -> str | None:
    k = m.groupdict().get("key")
    if k is None:
        return None
    return MONTH_WORDS.get(k, k)


def find_header(grid: Grid, specs: list[FieldSpec], required: list[str], any_of: list[str] = ()) -> Header | None:
    """The best header band (1-3 rows within the first rows of the sheet) where the required
    fields (and at least one field of ``any_of``) are found; None if the sheet has none."""
    best: tuple[tuple[int, int], Header] | None = None
    cache: dict[str, tuple | None] = {}
    limit = min(len(grid.rows), MAX_HEADER_SEARCH)
    for top in range(limit):
        if grid.row_empty(top):
            continue
        for height in range(1, MAX_BAND + 1):
            if top + height > len(grid.rows):
                break
            labels = _band_labels(grid, top, height)
            cols = []
            for i, (label, printed) in enumerate(labels):
                col = Column(i, label, printed)
                if label not in cache:
                    cache[label] = match_label(label, specs, loose=False)
                hit = cache[label]
                if hit:
                    col.field, col.key, col.loose = hit[0].name, hit[1], hit[2]
                cols.append(col)
            found = {c.field for c in cols if c.field}
            if not all(r in found for r in required):
                continue
            if any_of and not any(f in found for f in any_of):
                continue
            score = (len([c for c in cols if c.field]), -height)
            if best is None or score > best[0]:
                best = (score, Header(grid, top, top + height - 1, cols))
    if best is None:
        return None
    header = best[1]
    for c in header.columns:  # headings not found exactly: matched loosely, with a warning
        if c.field is None and c.label:
            hit = match_label(c.label, specs)
            if hit:
                c.field, c.key, c.loose = hit[0].name, hit[1], hit[2]
    return header


def report_columns(header: Header, problems: Collector, *, unknown: str = "warn") -> None:
    """Warnings for loosely matched headers; unknown non-empty headers as warnings (ignored)
    or errors (``unknown="error"``); a field found twice is an error."""
    seen: dict[tuple[str, str | None], Column] = {}
    g = header.grid
    for c in header.columns:
        where = g.where(header.top, c.index, with_text=False)
        where.text = c.printed
        if c.field:
            k = (c.field, c.key)
            if k in seen:
                problems.error(where, "imp_header_twice", other=col_letter(seen[k].index))
                c.field = None
                continue
            seen[k] = c
            if c.loose:
                problems.warn(where, "imp_warn_header_loose", header=c.printed)
        elif c.label:
            if unknown == "error":
                problems.error(where, "imp_header_unknown")
            else:
                problems.warn(where, "imp_warn_header_ignored")

