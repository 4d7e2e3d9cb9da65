"""Users read Spanish: under ``--lang es`` (the default) no English word reaches them, and
under ``--lang en`` no Spanish one does (outside plan data, codes and file names).

Every sub-command's ``--help`` is checked, and the commands' own output on the ZED ILO plan.
Words are found by small lists of words that only one of the two languages uses; codes
(``--rules``, ``avance_aei:AEI.02.01``, ``ceplan-2023``), paths and file names are removed
first, and so is every text of the plan file (entity and indicator names are data).
"""
from __future__ import annotations

import argparse
import html
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from pei_rules.cli import build_parser, command_names, main
from pei_rules.errors import ExpressionError
from pei_rules.expressions import compile_expression
from pei_rules.i18n import using_lang
from pei_rules.tomlsource import load_toml

ROOT = Path(__file__).resolve().parents[1]
ZED = "plans/zed-ilo/pei-2023-2025.toml"

#: words only English uses (as words, not inside codes)
ENGLISH = set(
    """the of and with for from is are not when each every this that which default file files folder
    output write show print rule rules set sets year figure figures value values found missing unknown
    expected should must errors warning warnings usage options help message exit evaluate evaluation
    plans given instead only one two any all none no-one compare stored result results report reports
    without input inputs check checks list run test tests cases passed failed wrote""".split()
)
#: words only Spanish uses (CEPLAN's terms — semáforo, sentido, avance, logro esperado — are allowed in English)
SPANISH = set(
    """de del la las el los con para por que una cada sin según también está año archivo carpeta
    salida cifra cifras reglas regla valor valores entrada fórmula coinciden evaluación idioma
    ningún ninguna muestra escribe escribir indique opciones uso argumentos conjunto conjuntos
    correctos fallos errores avisos hallazgos""".split()
)

_CODE = re.compile(
    r"(--?[\w-]+(=\S+)?"  # options
    r"|\S*[/\\]\S*"  # paths
    r"|\S+\.(toml|json|csv|html|md|xlsx|docx|pdf)\b"  # file names
    r"|[\w.-]*[_:][\w.:-]*"  # identifiers and canonical ids
    r"|\b[A-Z][A-Z0-9_|.]{1,}\b"  # metavars and plan codes (PLAN, OEI.02, RULESET)
    r"|\{[^}]*\}"  # choices {text,json}
    r"|'[^']*'"  # quoted names and commands ('pei-rules batch')
    r"|\b[0-9a-f]{12,}\b"  # hashes
    r"|pei-rules|ceplan[\w-]*"
    r")"
)
_WORD = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]+")


def _words(text: str) -> set[str]:
    text = _CODE.sub(" ", text)
    for name in COMMAND_NAMES:  # sub-command names are codes
        text = re.sub(rf"(?<![\w-]){name}(?![\w-])", " ", text)
    return {w.lower() for w in _WORD.findall(text)}


def _plan_texts(path: str) -> list[str]:
    out: list[str] = []

    def walk(x):
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(load_toml(ROOT / path).data)
    return sorted(out, key=len, reverse=True)


def _rule_titles() -> list[str]:
    """The rule sets' titles (``[conjunto] titulo``) and legal references (``[referencias]``):
    rule data, written once, in Spanish (names of Peruvian documents)."""
    from pei_rules.references import references
    from pei_rules.ruleset import available, load_ruleset

    out = []
    for f in available().values():
        rs = load_ruleset(f)
        out += [rs.title, rs.directive]
        for lang in ("es", "en"):  # the reference's frame ("sección", "p.") follows the language
            with using_lang(lang):
                out += [r.text() for r in references(rs).values()]
    return out


def _without_plan_data(text: str, plan: str = ZED) -> str:
    """The text without the plan's own strings (whole or cut short with '…' by a table) and
    without the rule sets' titles."""
    texts = _rule_titles() + _plan_texts(plan)
    texts += [html.escape(s, quote=False) for s in texts]  # as markdown prints them
    for s in sorted(set(texts), key=len, reverse=True):
        if len(s) > 2:
            text = text.replace(s, " ")
            if "…" in text:
                for cut in range(len(s) - 1, 10, -1):
                    if s[:cut] + "…" in text:
                        text = text.replace(s[:cut] + "…", " ")
    return text


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # --help
            code = exc.code
    return code, out.getvalue() + err.getvalue()


def _commands() -> list[list[str]]:
    """Every sub-command path: ['evaluate'], ['rules', 'show'] ..."""
    out = []

    def walk(parser: argparse.ArgumentParser, prefix: list[str]):
        for a in parser._actions:
            if isinstance(a, argparse._SubParsersAction):
                for name, sub in a.choices.items():
                    out.append(prefix + [name])
                    walk(sub, prefix + [name])


    with using_lang("es"):
        for name in command_names():  # each command's own parser (the top-level one lists them lazily)
            out.append([name])
            walk(_subparser(name), [name])
    return out


def _subparser(name: str) -> argparse.ArgumentParser:
    for a in build_parser(name)._actions:
        if isinstance(a, argparse._SubParsersAction):
            return a.choices[name]
    raise AssertionError(name)


COMMANDS = _commands()
COMMAND_NAMES = sorted({c[-1] for c in COMMANDS}, key=len, reverse=True)


def _offending(text: str, lang: str) -> set[str]:
    return _words(text) & (ENGLISH if lang == "es" else SPANISH)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_help_of_every_command_is_in_one_language(lang):
    assert len(COMMANDS) >= 12, COMMANDS
    bad = {}
    for cmd in [[]] + COMMANDS:
        code, text = _run(cmd + ["--help", "--lang", lang])
        assert code == 0, (cmd, text)
        words = _offending(text, lang)
        if words:
            bad[" ".join(cmd) or "pei-rules"] = sorted(words)
    assert not bad, bad


def test_every_option_has_help_and_every_command_a_description():
    missing = []

    def walk(parser: argparse.ArgumentParser, name: str):
        if not parser.description:
            missing.append(f"{name}: no description")
        for a in parser._actions:
            if isinstance(a, argparse._SubParsersAction):
                for sub_name, sub in a.choices.items():
                    walk(sub, f"{name} {sub_name}")
            elif not a.help:
                missing.append(f"{name} {'/'.join(a.option_strings) or a.dest}: no help")

    with using_lang("es"):
        top = build_parser()
        assert top.description
        for name in command_names():
            walk(_subparser(name), f"pei-rules {name}")
    assert not missing, missing


def test_usage_errors_are_in_the_language_in_force():
    code, text = _run(["evaluate"])
    assert code == 2 and "uso:" in text and "faltan los argumentos" in text
    code, text = _run(["evaluate", "--lang", "en"])
    assert code == 2 and "usage:" in text and "the following arguments are required" in text


def test_environment_language(monkeypatch):
    monkeypatch.setenv("PEI_RULES_LANG", "en")
    code, text = _run(["check", "--help"])
    assert code == 0 and "options:" in text and "opciones:" not in text


MARKDOWN = ["evaluate", ZED, "--year", "2023", "--format", "markdown"]
OUTPUT_COMMANDS = [
    ["evaluate", ZED, "--year", "2023"],
    ["explain", ZED, "OEI.02", "--year", "2023"],
    ["explain", ZED, "ejecucion_ponderada", "--year", "2023"],
    ["diff", ZED, "--year", "2023", "--rules", "ceplan-2023", "--rules", "ceplan-2023-fijo-321"],
    ["rules", "list"],
    ["rules", "check"],
    ["rules", "test", "ceplan-2023"],
    ["rules", "show", "ceplan-2023"],
]
CASES = [(argv, lang) for argv in OUTPUT_COMMANDS for lang in ("es", "en")]
CASES += [(["check", ZED, "--year", "2023"], lang) for lang in ("es", "en")]
CASES += [(MARKDOWN, lang) for lang in ("es", "en")]
CASES += [(["audit", ZED, "--year", "2023"], "es")]


@pytest.mark.parametrize("argv, lang", CASES, ids=lambda a: " ".join(a[:2]) if isinstance(a, list) else a)
def test_command_output_is_in_one_language(argv, lang, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "4000")  # no wrapping: plan texts stay whole, to be told apart
    code, text = _run(argv + ["--lang", lang])
    assert code in (0, 1), text
    if argv[:2] == ["rules", "show"]:  # the rule files' own text (keys, values, comments) is data
        text = "\n".join(line for line in text.splitlines() if line.startswith("# ") and ":" not in line)
    words = _offending(_without_plan_data(text), lang)
    assert not words, (sorted(words), text[:3000])


@pytest.mark.parametrize("lang", ["es", "en"])
def test_audit_causes_and_reasons_are_in_one_language(lang, monkeypatch):
    """The audit's own words (its text tables wrap the plan's long texts across cells, so the
    causes, reasons and labels are read from its JSON, where plan data stands apart)."""
    monkeypatch.chdir(ROOT)
    code, text = _run(["audit", ZED, "--year", "2023", "--format", "json", "--lang", lang])
    doc = json.loads(text)
    said = []
    for e in doc["entries"]:
        said += [str(c) for c in e["causes"]] + [e["reason"] or "", e["label"] or ""]
    words = _offending(_without_plan_data("\n".join(said)), lang)
    assert said and not words, sorted(words)


def _stored_result(tmp_path: Path, tampered: bool) -> Path:
    path = tmp_path / "resultado.json"
    code, text = _run(["evaluate", ZED, "--year", "2023", "--format", "json", "--out", str(path)])
    assert code == 0, text
    if tampered:
        doc = json.loads(path.read_text(encoding="utf-8"))
        fig = next(f for f in doc["figures"] if f.get("value") is not None)
        fig["value"], fig["status"] = "1.00", "nd"
        doc["campo_extra"] = 1
        path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("tampered", [False, True], ids=["matching", "tampered"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_audit_of_a_stored_result_is_in_one_language(lang, tampered, fmt, tmp_path, monkeypatch):
    """``audit RESULT.json``: the verification's items, notes and summary (a tampered result
    has mismatches to name: a changed value and status, a field the engine never writes)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "4000")
    path = _stored_result(tmp_path, tampered)
    code, text = _run(["audit", str(path), "--format", fmt, "--lang", lang])
    assert code == (1 if tampered else 0), text
    if tampered:
        assert ("1.00" in text) and ("campo_extra" in text)
    if fmt == "json":  # keys are codes: the words are the items' and notes'
        doc = json.loads(text)
        text = "\n".join(f"{c['item']}\n{c['note'] or ''}\n{c['stored'] or ''}\n{c['now'] or ''}" for c in doc["checks"])
    words = _offending(_without_plan_data(text), lang)
    assert not words, (sorted(words), text[:3000])


def _html_words(path: Path) -> str:
    """What a person reads on an HTML page: its text, without styles and scripts."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", text)
    text = re.sub(r"(?s)<[^>]+>", " ", text)
    return html.unescape(text)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("what", ["plan", "batch", "batch-folder"])
def test_html_reports_are_in_one_language(lang, what, tmp_path, monkeypatch):
    """``report PLAN``, ``report --batch PLANS`` and ``report --batch OUTDIR`` (a batch's
    folder, with a broken plan among the entities): the page's text in one language."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "informe.html"
    if what == "plan":
        argv = ["report", ZED, "--year", "2023"]
    else:
        broken = tmp_path / "planes" / "roto.toml"
        broken.parent.mkdir()
        broken.write_text((ROOT / ZED).read_text(encoding="utf-8").replace("[entidad]", "[entidad]\nsobra = 1", 1), encoding="utf-8")
        (tmp_path / "planes" / "zed.toml").write_bytes((ROOT / ZED).read_bytes())
        source = str(broken.parent)
        if what == "batch-folder":
            source = str(tmp_path / "lote")
            code, text = _run(["batch", str(broken.parent), "--year", "2023", "--out", source, "--lang", lang])
            assert code in (0, 1), text
        argv = ["report", "--batch", source, "--year", "2023"]
    code, text = _run(argv + ["--out", str(out), "--lang", lang])
    assert code in (0, 1) and out.is_file(), text
    page = _html_words(out)
    assert len(page) > 500
    words = _offending(_without_plan_data(page + "\n" + text), lang)
    assert not words, (sorted(words), page[:3000])


BROKEN_RULES = sorted(p for p in (ROOT / "tests" / "fixtures" / "broken" / "rules").iterdir() if p.is_dir())
BROKEN_CASES = [
    (argv, folder.name, lang)
    for folder in BROKEN_RULES
    for argv in (["rules", "check", str(folder)], ["rules", "test", str(folder)], ["evaluate", ZED, "--year", "2023", "--rules", str(folder)])
    for lang in ("es", "en")
]


@pytest.mark.parametrize("argv, name, lang", BROKEN_CASES, ids=[f"{a[0]}-{a[1] if a[0] == 'rules' else 'rules'}-{n}-{lang}" for a, n, lang in BROKEN_CASES])
def test_broken_rule_sets_are_reported_in_one_language(argv, name, lang, monkeypatch):
    """A rule set that does not load (tests/fixtures/broken/rules): what rules check, rules test
    and evaluate --rules say about it is in the language in force; only codes, keys, file
    names and the rule file's own text (the excerpt under the message) are left."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "4000")
    code, text = _run(argv + ["--lang", lang])
    assert code in (1, 2), text
    assert re.search(r"\.toml(:\d+)?\b", text), text  # the message names the file (and line)
    said = "\n".join(line for line in text.splitlines() if not line.startswith("      "))  # excerpts: rule text
    words = _offending(_without_plan_data(said), lang)
    assert not words, (sorted(words), text[:3000])


#: typing mistakes in a rule expression: Python's parser words them in English
EXPRESSION_TYPOS = ["a +", "(a", "a)", "(a]", "09", "a if a > 0", "a \\ 1", "if a", "1 2", "min(a b)", "a ! b"]


@pytest.mark.parametrize("text", EXPRESSION_TYPOS)
def test_expression_syntax_errors_are_said_in_the_language_in_force(text):
    for lang in ("es", "en"):
        with using_lang(lang), pytest.raises(ExpressionError) as info:
            compile_expression(text, {"a"}, frozenset({"min"}))
        said = info.value.message
        assert "Python" not in said and not _offending(said, lang), (lang, said)
