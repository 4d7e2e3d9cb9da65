"""Text output: the one report model's tables, wrapped to the terminal, numbers as in HTML."""
from __future__ import annotations

from pei_rules.report_model import report_tables
from pei_rules.report_text import render_markdown, render_text


def test_text_and_markdown_print_the_same_tables(zed_eval):
    text, md = render_text(zed_eval, "es"), render_markdown(zed_eval, "es")
    for tb in report_tables(zed_eval, "es"):
        assert tb.title in text and f"## {tb.title}" in md


def test_numbers_are_printed_as_in_the_html(zed_eval):
    text = render_text(zed_eval, "es")
    assert "4,930,000.00" in text  # the POI's PIM, thousands separated as the HTML report prints it
    assert "95.10" in text and "74.27" in text


def test_text_wraps_to_the_terminal_width(zed_eval):
    wide = render_text(zed_eval, "es")  # not a terminal: whole lines
    narrow = render_text(zed_eval, "es", width=120)
    for part in narrow.split("\n\n")[:7]:  # header and tables of plain words (the published table quotes long codes)
        assert max(len(line) for line in part.splitlines()) <= 120, part
    assert max(len(line) for line in wide.splitlines()) > 120
    for figure in ("95.10", "92.59", "74.27", "24.4"):
        assert figure in narrow
