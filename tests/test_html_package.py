"""The HTML report's style sheets and sorting script are package data (declared in
pyproject.toml, checked by test_packaging), read with ``importlib.resources``."""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from pei_rules import html_report
from pei_rules.html_report import common


def test_report_styles_and_script_are_package_data():
    """Read from the package's files (so a wheel that lacks them fails at import, not with an
    unstyled page), and no CSS or script is left in the code."""
    res = files("pei_rules.html_report")
    assert common.BASE_CSS == res.joinpath("report.css").read_text(encoding="utf-8")
    assert common.BATCH_CSS == res.joinpath("batch.css").read_text(encoding="utf-8")
    assert common.SORT_JS == res.joinpath("sort.js").read_text(encoding="utf-8")
    assert ":root{" in common.BASE_CSS and "@media print" in common.BASE_CSS and "table.batch" in common.BATCH_CSS
    for py in Path(html_report.__file__).parent.glob("*.py"):
        text = py.read_text(encoding="utf-8")
        assert ":root{" not in text and "querySelectorAll" not in text, py.name


def test_pages_carry_the_package_styles(zed_eval):
    page = html_report.render_html(zed_eval, "es")
    assert common.BASE_CSS in page and common.SORT_JS not in page
