"""Numbers as Peruvian planning offices write them in spreadsheets.

Accepted: decimal comma or point (``66,7``, ``6.11``), thousands separators of either kind or
a space/apostrophe (``1,250,000.00``, ``1.250.000,00``, ``1 250 000``), a
``%`` suffix (the number is kept as written: ``66,7%`` is 66.7), an ``S/`` or ``S/.`` prefix,
a sign or accounting parentheses; ``ND``, ``N/D``, ``S/D``, ``sin dato`` and a dash mean *no
data* (never zero); an empty cell means the sheet does not give the value. Numbers stored as
text are read like any other text; numbers stored as numbers by the spreadsheet are exact
(the shortest decimal that is the stored binary value, which is what the spreadsheet shows).

A cell such as ``1,234`` or ``1.234`` may be a decimal (1.234) or a thousands-grouped integer
(1234). :func:`parse_text` reports it as :class:`Ambiguous` with both readings; the reader
then decides per column from the other cells (:func:`column_convention`), and a column that
stays ambiguous is an error.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

#: words that mean "no data" (compared after normalising case and spaces)
ND_WORDS = {"n/d", "nd", "n.d.", "n.d", "s/d", "sd", "sin dato", "sin datos", "-", "--", "—", "–", "no disponible"}
#: what the plan writes for no data
ND_TEXT = "N/D"

POINT, COMMA = ".", ","


@dataclass(frozen=True)
class Number:
    """A number read exactly; ``text`` is the plain decimal (``-1234.50``), as written."""

    text: str
    percent: bool = False  # written with a % sign
    currency: bool = False  # written with S/
    decimal_sep: str | None = None  # the separator this cell shows is decimal ('.' or ','), if it shows one

    @property
    def value(self) -> Decimal:
        return Decimal(self.text)


@dataclass(frozen=True)
class NoData:
    """``N/D`` and friends: the source says it has no value (never zero)."""

    text: str


@dataclass(frozen=True)
class Empty:
    """An empty cell: the sheet does not give this value."""


@dataclass(frozen=True)
class Ambiguous:
    """``1,234``: a decimal (``as_decimal``) or a thousands-grouped integer (``as_thousands``)."""

    text: str
    sep: str
    as_decimal: Number
    as_thousands: Number

    def resolve(self, decimal_sep: str) -> Number:
        return self.as_decimal if decimal_sep == self.sep else self.as_thousands


@dataclass(frozen=True)
class DateValue:
    """A date (a real Excel date, or a date written as text): a year column takes its year."""

    date: _dt.date
    text: str


@dataclass(frozen=True)
class NotANumber:
    text: str
    reason: str  # a message id of messages/import.toml


Parsed = Number | NoData | Empty | Ambiguous | DateValue | NotANumber

_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")
_DIGITS = re.compile(r"^\d+$")
_DATE_TEXT = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")


#: significant digits a spreadsheet keeps and shows for a number
SPREADSHEET_DIGITS = 15


def exact_float(f: float) -> str:
    """The decimal a spreadsheet shows for a stored double: the shortest text that reads back
    as the same double (``0.1`` not ``0.1000000000000000055511151231257827``), within the 15
    significant digits a spreadsheet keeps (a formula's ``0.30000000000000004`` is ``0.3``)."""
    d = Decimal(repr(f))
    if len(d.as_tuple().digits) > SPREADSHEET_DIGITS:
        d = Decimal(format(f, f".{SPREADSHEET_DIGITS}g")).normalize()
    return _plain(d)


def _plain(d: Decimal) -> str:
    """Decimal as plain positional text (no exponent), keeping the written decimals; -0 is 0."""
    if d.is_zero():
        d = d.copy_abs()
    exp = d.as_tuple().exponent
    if isinstance(exp, int) and exp > 0:
        d = d.quantize(Decimal(1))
    return format(d, "f")


def parse_value(raw: Any, percent_format: bool = False) -> Parsed:
    """A cell as a reader library gives it (str, int, float, Decimal, date/datetime, bool, None).

    ``percent_format``: the spreadsheet shows the number with a % number format (0.667 shown
    as 66.7 %); the value is then taken as shown (66.7)."""
    if raw is None:
        return Empty()
    if isinstance(raw, bool):
        return NotANumber(str(raw), "imp_num_boolean")
    if isinstance(raw, (_dt.datetime, _dt.date)):
        d = raw.date() if isinstance(raw, _dt.datetime) else raw
        return DateValue(d, d.isoformat())
    if isinstance(raw, _dt.time):
        return NotANumber(raw.isoformat(), "imp_num_time")
    if isinstance(raw, (int, float, Decimal)):
        if isinstance(raw, float):
            if raw != raw or raw in (float("inf"), float("-inf")):
                return NotANumber(str(raw), "imp_num_not_finite")
            text = exact_float(raw)
        else:
            d = Decimal(raw)
            if not d.is_finite():
                return NotANumber(str(raw), "imp_num_not_finite")
            text = _plain(d)
        if percent_format:
            text = _plain(Decimal(text).scaleb(2))
            return Number(text, percent=True)
        return Number(text)
    return parse_text(str(raw))


def _date(t: str, text: str) -> Parsed | None:
    m = _DATE_TEXT.match(t)
    if not m:
        return None
    try:
        if m.group(3):
            return DateValue(_dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))), t)
        return DateValue(_dt.date(int(m.group(4)), int(m.group(5)), int(m.group(6))), t)
    except ValueError:
        return NotANumber(text, "imp_num_bad_date")


def _strip_affixes(s: str) -> tuple[str, bool, bool, bool]:
    """The number without its sign (``-``, ``(…)``), currency (``S/``) and ``%``:
    (rest, negative, currency, percent)."""
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s and s[0] in "+-−":
        negative, s = (s[0] != "+") or negative, s[1:].strip()
    currency = False
    low = s.casefold()
    for prefix in ("s/.", "s/", "pen"):
        if low.startswith(prefix):
            currency, s = True, s[len(prefix):].strip()
            break
    if s and s[0] in "+-−" and not negative:
        negative, s = s[0] != "+", s[1:].strip()
    percent = False
    if s.endswith("%"):
        percent, s = True, s[:-1].strip()
    return s, negative, currency, percent


def _number(text: str, sign: str, percent: bool, currency: bool, int_part: str, frac: str | None, dec: str | None) -> Number | NotANumber:
    if not int_part and frac:
        int_part = "0"
    if not _DIGITS.match(int_part) or (frac is not None and not _DIGITS.match(frac)):
        return NotANumber(text, "imp_num_not_a_number")
    body = (int_part.lstrip("0") or "0") + (f".{frac}" if frac else "")
    try:
        d = Decimal(sign + body)
    except InvalidOperation:  # pragma: no cover - digits only
        return NotANumber(text, "imp_num_not_a_number")
    return Number(_plain(d), percent=percent, currency=currency, decimal_sep=dec)


def parse_text(text: str) -> Parsed:
    """Parse a number written as text (see the module docstring for what is accepted)."""
    t = _SPACES.sub(" ", text).strip()
    if t == "":
        return Empty()
    if t.casefold() in ND_WORDS:
        return NoData(t)
    date = _date(t, text)
    if date is not None:
        return date
    s, negative, currency, percent = _strip_affixes(t)
    if not s:
        return NotANumber(text, "imp_num_not_a_number")
    # spaces and apostrophes only ever group thousands
    grouped_by_space = bool(re.search(r"[ '’]", s))
    if grouped_by_space:
        parts = re.split(r"[ '’]", s)
        if not _valid_groups(parts, first_part_may_hold_decimals=False, last_may_hold_decimals=True):
            return NotANumber(text, "imp_num_bad_grouping")
        s = "".join(parts)
    if not re.fullmatch(r"[\d.,]+", s) or not re.search(r"\d", s):
        return NotANumber(text, "imp_num_not_a_number")
    number = partial(_number, text, "-" if negative else "", percent, currency)
    n_point, n_comma = s.count("."), s.count(",")
    if n_point and n_comma:
        # both: the last one is the decimal separator, the other groups thousands
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        th = "," if dec == "." else "."
        int_text, _, frac = s.rpartition(dec)
        if dec in int_text:
            return NotANumber(text, "imp_num_bad_grouping")
        groups = int_text.split(th)
        if not _valid_groups(groups):
            return NotANumber(text, "imp_num_bad_grouping")
        return number("".join(groups), frac, dec)
    if n_point + n_comma == 0:
        return number(s, None, None)
    sep = "." if n_point else ","
    parts = s.split(sep)
    if len(parts) > 2:
        # 1,250,000 or 1.250.000: only thousands
        if not _valid_groups(parts):
            return NotANumber(text, "imp_num_bad_grouping")
        th = number("".join(parts), None, None)
        if isinstance(th, Number):
            other = "," if sep == "." else "."
            return Number(th.text, percent=percent, currency=currency, decimal_sep=other)
        return th
    int_text, frac = parts
    if grouped_by_space:
        return number(int_text, frac, sep)
    if len(frac) == 3 and 1 <= len(int_text) <= 3 and not (int_text.startswith("0")):
        as_dec = number(int_text, frac, sep)
        as_th = number(int_text + frac, None, None)
        if isinstance(as_dec, Number) and isinstance(as_th, Number):
            return Ambiguous(text, sep, as_dec, as_th)
    return number(int_text, frac, sep)


def _valid_groups(groups: list[str], first_part_may_hold_decimals: bool = False, last_may_hold_decimals: bool = False) -> bool:
    """``1 | 250 | 000``: the first group 1-3 digits, every other exactly 3."""
    if not groups or not groups[0]:
        return False
    if last_may_hold_decimals and len(groups) > 1:
        last = groups[-1]
        m = re.fullmatch(r"(\d{3})([.,]\d+)?", last)
        if not m:
            return False
        groups = groups[:-1] + [m.group(1)]
        head = groups[0]
        if not re.fullmatch(r"\d{1,3}", head):
            return False
        return all(re.fullmatch(r"\d{3}", g) for g in groups[1:])
    return bool(re.fullmatch(r"\d{1,3}", groups[0])) and all(re.fullmatch(r"\d{3}", g) for g in groups[1:])


def column_convention(cells: list[Parsed]) -> tuple[str | None, bool]:
    """The decimal separator a column's cells show (``'.'`` / ``','`` / None if none shows one)
    and whether cells show both (a conflict)."""
    seen = {c.decimal_sep for c in cells if isinstance(c, Number) and c.decimal_sep}
    if len(seen) > 1:
        return None, True
    return (seen.pop() if seen else None), False
