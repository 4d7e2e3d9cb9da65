"""The message catalogue is complete: every id has Spanish and English, no id twice."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pei_rules import i18n

MESSAGES = Path(i18n.__file__).resolve().parent / "messages"


def test_every_message_has_both_languages():
    cat = i18n.catalogue()
    assert cat, "the catalogue is empty"
    for key, entry in cat.items():
        for lang in i18n.LANGS:
            assert entry.get(lang), f"message {key!r} has no {lang!r} text"


def test_no_message_id_defined_twice():
    seen: dict[str, str] = {}
    for path in sorted(MESSAGES.glob("*.toml")):
        for key in tomllib.loads(path.read_text(encoding="utf-8")):
            assert key not in seen, f"{key!r} in {path.name} and {seen[key]}"
            seen[key] = path.name


def test_each_message_read_alone_is_the_files_message():
    """The catalogue parses one message's table at a time (start-up): each is what parsing its
    whole file gives, and every table of every file is found."""
    whole = {}
    for path in sorted(MESSAGES.glob("*.toml")):
        whole.update(tomllib.loads(path.read_text(encoding="utf-8")))
    assert i18n.catalogue() == whole


def test_placeholders_agree_between_languages():
    field = re.compile(r"\{(\w+)[^}]*\}")
    for key, entry in i18n.catalogue().items():
        assert set(field.findall(entry["es"])) == set(field.findall(entry["en"])), key


def test_language_in_force():
    i18n.set_lang("en")
    try:
        assert i18n.msg("total") == "Total" and i18n.msg("band") == "Traffic light"
    finally:
        i18n.set_lang(None)
    assert i18n.msg("band") == "Semáforo"


# Modules whose every user-facing string goes through the catalogue. A module joins the list
# when its messages are migrated; the test keeps it that way (an error raised with a literal
# text, in Spanish or English, fails).
CATALOGUED = [
    "api.py", "cli.py", "aggregation.py", "check.py", "explain.py", "periods.py", "inference.py",
    "evaluate.py", "figures.py", "formula_inputs.py", "figure_aggregates.py", "specialised.py", "references.py", "report_text.py", "errors.py", "plan.py", "tomlsource.py",
    "audit.py", "batch.py", "report_model.py", "render.py", "html_report/__init__.py", "html_report/common.py",
    "html_report/charts.py", "html_report/page.py", "html_report/batch_page.py",
    "ruleset/__init__.py", "ruleset/schema.py", "ruleset/reader.py", "ruleset/validation.py",
    "ruleset/discovery.py", "ruleset/loader.py", "expressions.py", "choice.py",
    "commands/_common.py", "commands/audit.py", "commands/batch.py", "commands/check.py",
    "commands/diff.py", "commands/evaluate.py", "commands/explain.py", "commands/import.py",
    "commands/informe.py", "commands/report.py", "commands/rules.py", "commands/serve.py",
    *[f"arguments/{p.name}" for p in sorted((Path(i18n.__file__).resolve().parent / "arguments").glob("*.py"))],
]


def _literal_texts(path: Path) -> list[str]:
    """``raise XError("text")`` / ``XError(f"...")``, ``fail("text")`` / ``R.fail(path, "text")``
    (the rule readers' error helpers) and ``help=``/``description=`` literals."""
    import ast

    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            internal = name in ("ValueError", "TypeError", "AssertionError", "RuntimeError", "KeyError", "AttributeError")  # bugs, not messages
            args = list(node.args[:1]) if name.endswith("Error") and not internal else []
            args += list(node.args[:2]) if name in ("fail", "_fail") else []  # (path, message) or (message, ...)
            # RuleSet.error(key, message, suggestion); other error() helpers take message ids (no spaces)
            args += [a for a in node.args[:3] if isinstance(a, ast.JoinedStr) or (isinstance(a, ast.Constant) and " " in str(a.value))] if name == "error" else []
            args += [k.value for k in node.keywords if k.arg in ("help", "description", "suggestion")]
            for a in args:
                if isinstance(a, ast.JoinedStr) or (isinstance(a, ast.Constant) and isinstance(a.value, str) and re.search(r"[A-Za-z]{3}", a.value)):
                    out.append(f"{path.name}:{node.lineno}")
    return out


def test_catalogued_modules_say_nothing_outside_the_catalogue():
    pkg = Path(i18n.__file__).resolve().parent
    bad = [hit for rel in CATALOGUED for hit in _literal_texts(pkg / rel)]
    # and every other module too: a new module cannot bypass the catalogue by not being listed
    others = [p for p in sorted(pkg.rglob("*.py")) if "__pycache__" not in p.parts and p.relative_to(pkg).as_posix() not in CATALOGUED]
    assert len(others) > 20  # the walk sees the package
    bad += [hit for p in others for hit in _literal_texts(p)]
    assert not bad, bad
