"""Which spreadsheet cell a plan value came from.

``pei-rules import`` (and the web page's spreadsheet upload) writes, beside every number it
read, a comment naming its cell: ``logro_esperado = { 2023 = 30, 2024 = 35 }  # origen: 2023 =
'B-7'!F12, 2024 = 'B-7'!G12``. ``explain`` and the web page read that comment back so an
auditor sees the cell of the workbook the office handed in, not only the line of the converted
plan. A hand-written plan has no such comments and nothing changes for it.
"""
from __future__ import annotations

import re

#: the comment's marker: plan-file vocabulary (Spanish, like the plan's keys)
ORIGIN_MARK = "origen:"

# one entry: an optional key ("2023 = ", "valor = ") and a cell ('sheet'!F12) or "—" (no cell);
# the alternatives inside the quotes start with different characters: no backtracking
_ENTRY = re.compile(r"(?:([\w.-]+) = )?('(?:[^']|'')*'![A-Z]{1,3}[0-9]{1,7}|—)")


def cell_origin(sheet: str, cell: str) -> str:
    """``'sheet'!F12``, quotes doubled inside the name as spreadsheets write it."""
    return "'" + sheet.replace("'", "''") + "'!" + cell


def cell_for(line: str, key: tuple) -> str | None:
    """The cell the value at ``key`` (its plan key path) came from, read from the origin comment
    on its line; None when the line has none."""
    i = line.find("# " + ORIGIN_MARK)  # the first: the value before it is a number or "N/D"
    if i < 0:
        return None
    entries = _ENTRY.findall(line[i + 2 + len(ORIGIN_MARK):])
    if not entries:
        return None
    last = key[-1] if key else None
    if all(k for k, _ in entries):  # a table: years, or linea_base's anio/valor
        cell = next((c for k, c in entries if k == str(last)), None)
    elif isinstance(last, int) and len(entries) > 1:  # a list: the cells in order
        cell = entries[last][1] if 0 <= last < len(entries) else None
    elif len(entries) == 1:
        cell = entries[0][1]
    else:
        cell = None
    return None if cell in (None, "—") else cell
