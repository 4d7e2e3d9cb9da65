"""What a non-editable install ships: every sub-package of ``pei_rules`` is declared in
pyproject.toml, and so is every data file the code reads (message catalogue, the HTML
report's style sheets and script), which the code reads with ``importlib.resources``."""
from __future__ import annotations

import fnmatch
import tomllib
from importlib.resources import files
from pathlib import Path

import pei_rules
from pei_rules import html_report
from pei_rules.html_report import common

ROOT = Path(__file__).resolve().parents[1]
PKG = Path(pei_rules.__file__).resolve().parent
SETUP = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_sub_package_is_declared():
    found = {".".join(p.parent.relative_to(PKG.parent).parts) for p in PKG.rglob("__init__.py")}
    missing = found - set(SETUP["packages"])
    assert not missing, f"packages not in pyproject.toml's [tool.setuptools] packages: {sorted(missing)}"


def _declared(package: str, rel: str) -> bool:
    return any(fnmatch.fnmatch(rel, pat) for pat in SETUP["package-data"].get(package, []))


def test_every_data_file_is_declared():
    undeclared = []
    for f in PKG.rglob("*"):
        if not f.is_file() or f.suffix in (".py", ".pyc") or "__pycache__" in f.parts:
            continue
        # the innermost declared package holding the file
        parent = f.parent
        while not (parent / "__init__.py").is_file():
            parent = parent.parent
        package = ".".join(parent.relative_to(PKG.parent).parts)
        if not _declared(package, f.relative_to(parent).as_posix()):
            undeclared.append(f"{package}: {f.relative_to(parent).as_posix()}")
    assert not undeclared, undeclared


def test_report_styles_and_script_are_package_data():
    """The style sheets and the sorting script are read from the package's files (so a wheel
    that lacks them fails at import, not with an unstyled page), and no CSS is left in code."""
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
    assert common.BASE_CSS in page
