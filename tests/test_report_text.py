"""Text output: the one report model's tables, wrapped to the terminal, numbers as in HTML."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pei_rules.html_report import render_html
from pei_rules.report_model import report_tables
from pei_rules.report_text import render_markdown, render_text

ROOT = Path(__file__).resolve().parents[1]
ZED = "plans/zed-ilo/pei-2023-2025.toml"


def test_text_and_markdown_print_the_same_tables(zed_eval):
    text, md = render_text(zed_eval, "es"), render_markdown(zed_eval, "es")
    for tb in report_tables(zed_eval, "es"):
        assert tb.title in text and f"## {tb.title}" in md


def test_numbers_are_printed_as_in_the_html(zed_eval):
    text = render_text(zed_eval, "es", width=10_000)
    page = render_html(zed_eval, "es")
    for shown in ("4,930,000.00", "95.10", "74.27", "92.59"):  # the POI's PIM, thousands separated
        assert shown in text and shown in page, shown


def test_piped_output_wraps_to_80_columns(tmp_path):
    """Not a terminal and no COLUMNS: 80 columns (was: whole lines, some 900 characters wide)."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["PYTHONPATH"] = str(ROOT)
    r = subprocess.run([sys.executable, "-m", "pei_rules", "evaluate", ZED, "--year", "2023"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    header, plan_figures = r.stdout.split("\n\n")[:2]
    assert all(len(line) <= 80 for line in (header + "\n" + plan_figures).splitlines()), header
    assert max(len(line) for line in r.stdout.splitlines()) < 200
    assert "95.10" in r.stdout and "74.27" in r.stdout
    env["COLUMNS"] = "120"
    r = subprocess.run([sys.executable, "-m", "pei_rules", "evaluate", ZED, "--year", "2023"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    header = r.stdout.split("\n\n")[0]
    assert max(len(line) for line in header.splitlines()) > 80 and all(len(line) <= 120 for line in header.splitlines())


def test_text_wraps_to_the_terminal_width(zed_eval):
    wide = render_text(zed_eval, "es", width=10_000)
    narrow = render_text(zed_eval, "es", width=120)
    for part in narrow.split("\n\n")[:7]:  # header and tables of plain words (the published table quotes long codes)
        assert max(len(line) for line in part.splitlines()) <= 120, part
    assert max(len(line) for line in wide.splitlines()) > 120
    for figure in ("95.10", "92.59", "74.27", "24.4"):
        assert figure in narrow
