"""pei_rules.texttable lays out tables exactly as tabulate's "simple" format does."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate

from pei_rules.texttable import simple_table

_CHARS = st.sampled_from(list("abcXYZ019 .,-%áéíóúñÑ°ºª·…—↔€≥\xa0") + ["\n", "  ", "\t", "\u00ad", "\u0301", "中", "\x1b[1m", "\u2028"])
cell = st.lists(_CHARS, max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=1, max_value=5).flatmap(lambda n: st.tuples(st.lists(cell, min_size=n, max_size=n), st.lists(st.lists(cell, min_size=n, max_size=n), max_size=6))))
def test_same_layout_as_tabulate(table):
    headers, rows = table
    assert simple_table(rows, headers) == tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


def test_report_tables_use_the_fast_layout():
    """The check above would be vacuous if every table went to tabulate: ZED ILO's do not."""
    import pei_rules.texttable as tt

    calls = []
    real = tt._tabulate
    tt._tabulate = lambda rows, headers: calls.append(1) or real(rows, headers)
    try:
        rows = [["Ejecución física", "92.59", "Amarillo"], ["Avance OEI.02\n(sin tope)", "24.4", "Rojo"]]
        simple_table(rows, ["Cifra", "Valor", "Semáforo"])
    finally:
        tt._tabulate = real
    assert not calls


def test_the_one_column_characters_are_one_column_for_tabulate():
    """Every character laid out here is one a terminal (and tabulate, through wcwidth) shows
    one column wide: else the columns would not line up as tabulate's."""
    import re

    import wcwidth

    from pei_rules.texttable import ONE_COLUMN_RANGES

    allowed = re.compile(f"[{ONE_COLUMN_RANGES}]")
    chars = [chr(c) for c in range(0x20, 0x2400) if allowed.match(chr(c))]
    assert len(chars) > 1000
    assert [hex(ord(c)) for c in chars if wcwidth.wcwidth(c) != 1] == []


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb", "ccccc", "dddddddddddd", "é", "-x-", "", " ", "  ", "\n", "\t", "w" * 25]), max_size=30), st.integers(1, 30))
def test_cells_wrap_as_textwrap_wraps_them(parts, limit):
    import textwrap

    from pei_rules.report_text import _wrap_cell

    for text in (" ".join(parts), "".join(parts)):
        want = text if len(text) <= limit else textwrap.fill(text, limit, break_long_words=False, break_on_hyphens=False)
        assert _wrap_cell(text, limit) == want, (text, limit)
