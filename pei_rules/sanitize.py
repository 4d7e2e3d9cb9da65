"""Outputs other people open: neutralise what a spreadsheet, a terminal or a markdown viewer
would act on.

- :func:`spreadsheet_text` / :func:`csv_row`: a text cell starting with ``= + - @``, tab,
  CR or LF (or their full-width forms) is prefixed with ``'`` (OWASP's advice against
  CSV/formula injection), so ``=HYPERLINK(…)`` or ``+cmd|'/C calc'!A0`` stays text.
  Numbers stay numbers: ``-12.5`` is not touched. Every tabular writer (``evaluate
  --format csv``, batch ``resumen.csv``, the XLSX annexes) goes through it.
- :func:`terminal_text`: control characters (ESC sequences like ``\\u001b[2J``, carriage
  returns, C1 controls, bidirectional overrides) are removed from text meant for a
  terminal; line breaks and tabs stay.
- :func:`markdown_text`: ``< > &`` escaped, so ``<script>`` or ``<img onerror=…>`` written in
  a plan shows as text in a markdown viewer.

All linear, no regular expressions.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

#: what makes a spreadsheet read a cell as a formula (and the full-width look-alikes Excel folds)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

_NUMBER_CHARS = frozenset("0123456789+-.eE")

#: control characters removed from terminal text: C0 (but tab and line feed), DEL, C1, and
#: the invisible direction marks and overrides (a "bidi" code can make OEI.01 read as 10.IEO)
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = {c: None for c in range(0x20) if chr(c) not in "\n\t"}
_CONTROL.update({0x7F: None})
_CONTROL.update({c: None for c in range(0x80, 0xA0)})
_CONTROL.update({ord(c): None for c in BIDI})


def is_number_text(text: str) -> bool:
    """``-12.5``, ``+3``, ``1e3``: a plain finite number written as text (a number stays a number)."""
    if not text or len(text) > 64 or not set(text) <= _NUMBER_CHARS:
        return False
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def spreadsheet_text(text: str, keep_numbers: bool = True) -> str:
    """A text cell a spreadsheet shows as text, never evaluates.

    ``keep_numbers``: a CSV cell holding a plain number (``-12.5``) is left alone so it stays
    a number; an XLSX writer, which stores numbers as numbers and text as text, passes
    False so that even ``+5`` written as text is kept as text."""
    if text.startswith(FORMULA_START) and not (keep_numbers and is_number_text(text)):
        return "'" + text
    return text


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    return spreadsheet_text(str(value))


def csv_row(cells: Iterable[Any]) -> list[str]:
    """A CSV row with every text cell neutralised (numbers as they are)."""
    return [csv_cell(c) for c in cells]


def terminal_text(text: str) -> str:
    """``text`` without control characters (line breaks and tabs kept)."""
    if text.replace("\n", "").replace("\t", "").isprintable():  # none to remove (every one is not printable): 20x faster
        return text
    return text.translate(_CONTROL)


#: what an XML 1.0 document (a .docx) cannot hold: C0 controls but tab, line feed and carriage
#: return; the non-characters U+FFFE/U+FFFF; lone surrogates
_XML_INVALID = {c: None for c in range(0x20) if chr(c) not in "\n\t\r"}
_XML_INVALID.update({0xFFFE: None, 0xFFFF: None})
_XML_INVALID.update({c: None for c in range(0xD800, 0xE000)})


def document_text(text: str) -> str:
    """``text`` as a Word document can hold it: without the characters XML refuses (a rule
    file's sentence or a plan's narrative with a stray control character must not crash the
    writer) and without the invisible direction marks of :data:`BIDI`."""
    return text.translate(_XML_INVALID).translate({ord(c): None for c in BIDI})


def has_controls(text: str) -> bool:
    return any(ord(ch) in _CONTROL for ch in text)


def markdown_text(text: str) -> str:
    """Markdown with the HTML it could carry escaped (``<`` ``>`` ``&``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # html.escape(text, quote=False)


__all__ = ["BIDI", "FORMULA_START", "csv_cell", "csv_row", "has_controls", "is_number_text", "markdown_text", "spreadsheet_text", "terminal_text"]
