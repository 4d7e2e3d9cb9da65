"""Peruvian number formats in spreadsheet cells (pei_rules.inputs.numbers)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pei_rules.inputs import numbers as N
from strategies import peruvian_numbers


@pytest.mark.parametrize(
    "text, value",
    [
        ("66,7", "66.7"), ("6.11", "6.11"), ("1,250,000.00", "1250000.00"), ("1.250.000,00", "1250000.00"),
        ("1 250 000", "1250000"), ("S/ 1 250,50", "1250.50"), ("S/. 3,661,516.08", "3661516.08"), ("24%", "24"),
        ("66,7 %", "66.7"), ("-2", "-2"), ("(1.234,5)", "-1234.5"), ("0,123", "0.123"), ("007", "7"), ("100.00", "100.00"),
    ],
)
def test_examples(text, value):
    v = N.parse_text(text)
    assert isinstance(v, N.Number) and v.text == value


@pytest.mark.parametrize("text", ["ND", "N/D", "n/d", "S/D", "sin dato", "-", "—"])
def test_no_data_is_never_zero(text):
    assert isinstance(N.parse_text(text), N.NoData)


def test_empty_and_ambiguous_and_errors():
    assert isinstance(N.parse_text("  "), N.Empty)
    a = N.parse_text("1,234")
    assert isinstance(a, N.Ambiguous) and a.resolve(",").text == "1.234" and a.resolve(".").text == "1234"
    assert isinstance(N.parse_text("1.234"), N.Ambiguous)
    for bad in ("abc", "1,2,3", "1.5.6", "12,34,567", "S/", "%"):
        assert isinstance(N.parse_text(bad), N.NotANumber), bad


def test_cells_from_the_reader_library():
    assert N.parse_value(0.1).text == "0.1"  # the shortest decimal of the stored double
    assert N.parse_value(3661516.08).text == "3661516.08"
    assert N.parse_value(0.667, percent_format=True).text == "66.7"
    assert N.parse_value(12).text == "12"
    assert isinstance(N.parse_value(dt.datetime(2023, 12, 31)), N.DateValue)
    assert isinstance(N.parse_value(True), N.NotANumber)
    assert isinstance(N.parse_value(None), N.Empty)
    assert isinstance(N.parse_text("31/12/2023"), N.DateValue)
    assert N.parse_value(float("inf")).reason == N.parse_value(float("nan")).reason == "imp_num_not_finite"


@settings(max_examples=300, deadline=None)
@given(peruvian_numbers())
def test_any_written_number_reads_back_exactly(case):
    text, value, sep = case
    v = N.parse_text(text)
    if isinstance(v, N.Ambiguous):
        assert sep is not None or v.as_thousands.value == value or v.as_decimal.value == value
        v = v.resolve(sep) if sep else (v.as_thousands if v.as_thousands.value == value else v.as_decimal)
    assert isinstance(v, N.Number), text
    assert v.value == value and Decimal(v.text) == value
    assert "E" not in v.text and v.text == format(Decimal(v.text), "f")
    if sep is not None:
        assert v.decimal_sep in (sep, None)


@settings(max_examples=200, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**14, max_value=10**14, places=4))
def test_plain_decimal_text_is_kept_as_written(d):
    text = format(d, "f")
    v = N.parse_text(text)
    if isinstance(v, N.Ambiguous):  # "1.234": the point is decimal in a column of decimal points
        v = v.resolve(".")
    assert isinstance(v, N.Number) and Decimal(v.text) == d


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e14, max_value=1e14))
def test_spreadsheet_numbers_are_read_as_shown(f):
    """The shortest decimal of the stored double, within the 15 digits a spreadsheet shows."""
    v = N.parse_value(f)
    assert "E" not in v.text and len(Decimal(v.text).normalize().as_tuple().digits) <= 15
    assert Decimal(v.text) == Decimal(format(f, ".15g")) or float(v.text) == f
    assert N.parse_value(0.1 + 0.2).text == "0.3"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_never_crashes(text):
    v = N.parse_text(text)
    assert isinstance(v, (N.Number, N.NoData, N.Empty, N.Ambiguous, N.DateValue, N.NotANumber))
    if isinstance(v, N.Number):
        Decimal(v.text)
