"""The compiled ``tomli`` parser and the standard library's ``tomllib`` read the same documents.

``pei_rules.tomlsource`` parses with the compiled ``tomli`` wheel when it is installed and
falls back to ``tomllib``; every figure depends on the two agreeing exactly — the same keys,
the same types and the same Decimal *form* (``1.50`` stays ``1.50``) — and on broken files
giving the same error at the same line and column.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies as S

tomli = pytest.importorskip("tomli")  # declared in pyproject.toml; the fallback is tested below

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"


def exact(obj):
    """A structure that differs whenever two parses differ in any way (types, Decimal digits and exponent)."""
    if isinstance(obj, dict):
        return ("dict", [(k, exact(v)) for k, v in obj.items()])
    if isinstance(obj, list):
        return ("list", [exact(v) for v in obj])
    if isinstance(obj, Decimal):
        return ("Decimal", obj.as_tuple())
    return (type(obj).__name__, obj)


def both(text: str):
    """(document or error) from each parser."""
    out = []
    for mod in (tomli, tomllib):
        try:
            out.append(("ok", exact(mod.loads(text, parse_float=Decimal))))
        except mod.TOMLDecodeError as exc:
            out.append(("TOMLDecodeError", str(exc)))
        except (ValueError, ArithmeticError, RecursionError) as exc:
            out.append((type(exc).__name__, None))
    return out


def repo_toml_files() -> list[Path]:
    # the repository's own files: not those of a virtualenv or a cache inside the checkout
    # (CI makes .venv-ci there), which belong to other projects
    return sorted(p for p in ROOT.rglob("*.toml") if not any(part.startswith(".") or part in ("build", "dist") or part.endswith(".egg-info") for part in p.relative_to(ROOT).parts[:-1]))


def test_the_engine_uses_the_compiled_parser_when_installed():
    from pei_rules import tomlsource

    assert tomlsource._toml is tomli
    assert tomlsource.PARSER.startswith("tomli")


@pytest.mark.parametrize("path", repo_toml_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_repository_toml_file_parses_identically(path):
    a, b = both(path.read_bytes().decode("utf-8", errors="replace"))
    assert a == b


def test_generated_corpus_plans_parse_identically(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        import generate_corpus
    finally:
        sys.path.remove(str(BENCH))
    files = generate_corpus.generate(tmp_path, 40, seed=11)
    kinds = set()
    for p in files:
        a, b = both(p.read_text(encoding="utf-8"))
        assert a == b, p
        kinds.add(a[0])
    assert "ok" in kinds


@settings(max_examples=60, deadline=None)
@given(S.valid_edge_plans())
def test_generated_plans_parse_identically(case):
    doc, _, _ = case
    a, b = both(S.to_toml(doc))
    assert a[0] == "ok" and a == b


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_damaged_plans_fail_identically(data):
    raw = S.VALID_PLAN_PATH.read_bytes()
    damaged = data.draw(S.mutate_bytes(raw))
    a, b = both(damaged.decode("utf-8", errors="replace"))
    if "RecursionError" in (a[0], b[0]):
        # very deep brackets: pure-Python tomllib runs out of stack where compiled tomli goes on
        # to the syntax error further down; both reject the document (the engine says so with a
        # line either way), neither returns data
        assert a[0] != "ok" and b[0] != "ok", (a, b)
        return
    assert a == b


def test_deep_brackets_are_rejected_by_both_parsers():
    """The case above, made on purpose: 5,000 nested arrays."""
    a, b = both("x = " + "[" * 5000 + "]" * 4999 + "\n")
    assert a[0] != "ok" and b[0] != "ok", (a, b)


def test_load_toml_falls_back_to_tomllib_without_the_wheel(tmp_path):
    """With ``tomli`` not importable, the engine reads the same documents with ``tomllib``
    (a separate interpreter, so this process keeps its modules)."""
    bad = tmp_path / "bad.toml"
    bad.write_text("a = 1\nb = = 2\n", encoding="utf-8")
    script = f"""
import sys, tomllib
sys.modules["tomli"] = None  # import tomli -> ImportError
from pei_rules import tomlsource as T
from pei_rules.errors import InputFileError
assert T.PARSER == "tomllib" and T._toml is tomllib, T.PARSER
for p in {[str(p) for p in repo_toml_files() if "broken" not in p.parts]!r}:
    try:
        print(p, repr(T.load_toml(p).data))
    except InputFileError as exc:
        print(p, "error", exc.line, exc.message)
try:
    T.load_toml({str(bad)!r})
except InputFileError as exc:
    print("bad", exc.line, exc.column, exc.message)
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    fallback = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert fallback.returncode == 0, fallback.stderr
    lines = fallback.stdout.splitlines()
    from pei_rules import tomlsource as T
    from pei_rules.errors import InputFileError

    expected = []
    for p in [str(p) for p in repo_toml_files() if "broken" not in p.parts]:
        try:
            expected.append(f"{p} {T.load_toml(p).data!r}")
        except InputFileError as exc:
            expected.append(f"{p} error {exc.line} {exc.message}")
    expected.append("bad 2 5 TOML no válido: valor no válido")
    assert lines == expected
