"""Text tables laid out exactly as ``tabulate(rows, headers, tablefmt="simple",
disable_numparse=True)`` lays them out, without importing tabulate for the common case.

``pei-rules evaluate`` prints its tables with this layout; importing tabulate (and the
wide-character tables it measures every cell with) was a fifth of the command's start-up.
Cells made only of characters one column wide (printable Latin, no control or combining
character, no escape sequence) are laid out here; any other table goes to tabulate itself,
so the output is tabulate's in every case (``tests/test_texttable.py`` compares them).
"""
from __future__ import annotations

import re

#: characters tabulate measures one column wide (wcwidth): printable ASCII and Latin-1 (but
#: the soft hyphen), Latin Extended-A/B, IPA and spacing modifier letters (before the
#: combining marks at U+0300), general punctuation (dashes, quotes, ellipsis; not the
#: zero-width and bidi controls around them), currency signs, arrows and mathematical
#: operators; and the line break of a multi-line cell
ONE_COLUMN_RANGES = "\x20-\x7e\xa0-\xac\xae-\u02ff\u2010-\u2027\u2030-\u205e\u20a0-\u20c0\u2190-\u22ff"
_ONE_COLUMN = re.compile(f"[^\n{ONE_COLUMN_RANGES}]")


def simple_table(rows: list[list[str]], headers: list[str]) -> str:
    """``rows`` under ``headers`` in tabulate's "simple" format (left-aligned text)."""
    n = len(headers)
    if not rows or any(len(r) != n or any(type(c) is not str for c in r) for r in rows) or any(type(h) is not str for h in headers):
        return _tabulate(rows, headers)
    every = "".join(headers) + "".join([c for r in rows for c in r])  # one search, not one per cell
    if _ONE_COLUMN.search(every):
        return _tabulate(rows, headers)
    multiline = "\n" in every
    cols = [[r[i].strip() for r in rows] for i in range(n)]
    if not multiline:
        widths = [max(len(h) + 2, max(len(c) for c in col)) for h, col in zip(headers, cols)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
        lines.append("  ".join("-" * w for w in widths).rstrip())
        for i in range(len(rows)):
            lines.append("  ".join(col[i].ljust(w) for col, w in zip(cols, widths)).rstrip())
        return "\n".join(lines)
    cols = [[c.split("\n") if c else [] for c in col] for col in cols]  # each cell's lines, split once
    widths = [max(max(len(x) for x in h.split("\n")) + 2, max(len(x) for c in col for x in c or [""])) for h, col in zip(headers, cols)]
    lines: list[str] = []
    _rows(lines, [[x.ljust(w) for x in h.split("\n")] for h, w in zip(headers, widths)], widths)
    lines.append("  ".join("-" * w for w in widths).rstrip())
    for i in range(len(rows)):
        _rows(lines, [[x.ljust(w) for x in col[i]] for col, w in zip(cols, widths)], widths)
    return "\n".join(lines)


def _rows(lines: list[str], parts: list[list[str]], widths: list[int]) -> None:
    """One table row of multi-line cells (each its padded lines): as many lines as its tallest cell."""
    height = max(map(len, parts))
    parts = [p + [" " * w] * (height - len(p)) for p, w in zip(parts, widths)]
    lines += ["  ".join(line).rstrip() for line in zip(*parts)]


def _tabulate(rows, headers) -> str:
    from tabulate import tabulate  # the general case only: wide or invisible characters, ragged rows

    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
