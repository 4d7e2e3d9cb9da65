"""A non-editable install ships every module and data file: the package list and the
package data in pyproject.toml cover the whole source tree (a folder left out of
``packages`` installs without its modules, and nothing in an editable checkout shows it)."""
from __future__ import annotations

import fnmatch
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "pei_rules"


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _folders_with(pattern: str) -> set[str]:
    return {p.parent.relative_to(ROOT).as_posix() for p in PKG.rglob(pattern) if "__pycache__" not in p.parts}


def test_every_folder_with_modules_is_a_declared_package():
    declared = set(_setuptools()["packages"])
    needed = {folder.replace("/", ".") for folder in _folders_with("*.py")}
    assert needed - declared == set(), "add these to [tool.setuptools] packages"


def test_every_data_file_is_declared_package_data():
    st = _setuptools()
    declared = set(st["packages"])
    data = st.get("package-data", {})
    missing = []
    for f in PKG.rglob("*"):
        if not f.is_file() or f.suffix in (".py", ".pyc") or "__pycache__" in f.parts:
            continue
        rel = f.relative_to(PKG)
        # the innermost declared package that holds the file, and the file's path inside it
        for n in range(len(rel.parts) - 1, -1, -1):
            pkg = ".".join(("pei_rules",) + rel.parts[:n])
            if pkg in declared:
                inside = "/".join(rel.parts[n:])
                break
        if not any(fnmatch.fnmatch(inside, g) for g in data.get(pkg, [])):
            missing.append(rel.as_posix())
    assert not missing, "declare these in [tool.setuptools.package-data]"
    assert any(True for _ in PKG.glob("messages/*.toml"))


def test_the_bundled_rule_sets_are_package_data():
    st = _setuptools()
    assert st["package-dir"]["pei_rules._rules"] == "rules"
    globs = st["package-data"]["pei_rules._rules"]
    for f in (ROOT / "rules").rglob("*.toml"):
        inside = f.relative_to(ROOT / "rules").as_posix()
        assert any(fnmatch.fnmatch(inside, g) for g in globs), inside


def test_every_data_file_a_module_reads_is_shipped():
    """Style sheets, scripts, the upload form and the OpenAPI schemas live next to their module as package data
    (not as Python strings): each one a module reads by name exists and is declared."""
    data = _setuptools()["package-data"]
    read = 0
    for module in PKG.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        for name in re.findall(r'(?:_data|joinpath)\("([^"]+)"\)', text):
            read += 1
            assert (module.parent / name).is_file(), f"{module.name} reads {name}"
            pkg = ".".join(module.parent.relative_to(ROOT).parts)
            assert any(fnmatch.fnmatch(name, g) for g in data.get(pkg, [])), f"declare {pkg}: {name}"
    assert read >= 9  # report.css, batch.css, sort.js; page.css, sort.js, figures.js, home.js, home.html, openapi.json
