"""Speed-ups of issue #15 give the same results as the plain paths they shortcut."""
from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from strategies import allowed_expressions

from pei_rules.check import check, count
from pei_rules.plan import load_plan
from pei_rules.ruleset import load_ruleset
from pei_rules.tomlsource import SourceRef, load_toml

ROOT = Path(__file__).resolve().parent.parent
CHECK_FIXTURES = sorted((ROOT / "tests" / "fixtures" / "check").glob("*.toml"))
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"


@pytest.fixture(scope="module")
def rules():
    return load_ruleset(ROOT / "rules" / "ceplan-2023")


@pytest.mark.parametrize("path", CHECK_FIXTURES, ids=lambda p: p.name)
def test_count_is_the_number_of_findings_without_scanning_lines(path, rules):
    counted = load_plan(path, strict=False)
    n = count(counted, rules, 2023)
    assert counted.doc._lines is None  # no finding's line was looked up
    listed = load_plan(path, strict=False)
    findings = check(listed, rules, 2023)
    assert n == len(findings)
    assert listed.doc._lines is not None or not findings  # printed findings still cite their lines
    assert all(f.ref.line for f in findings if f.ref.key)


def test_count_on_generated_plans_is_the_number_of_findings(tmp_path, rules):
    """Counting makes no message (nor explanation of an inferred sentido): on generated plans
    with N/D values, missing years, out-of-range values and contradicting sentidos it still
    counts exactly the findings ``check`` lists, for every year of the horizon."""
    import sys as _sys

    _sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate_corpus
    finally:
        _sys.path.remove(str(ROOT / "benchmarks"))
    from pei_rules import PeiError

    codes: set[str] = set()
    for p in generate_corpus.generate(tmp_path, 16, seed=3):
        try:
            plan = load_plan(p, strict=False)
        except PeiError:
            continue
        for year in range(plan.model.plan.desde - 1, plan.model.plan.hasta + 2):
            findings = check(plan, rules, year)
            assert count(plan, rules, year) == len(findings)
            codes |= {f.code for f in findings}
    assert {"sin_valor", "nd_requerido", "sentido_contradice_metas"} <= codes, codes


def test_some_fixture_has_findings(rules):
    assert sum(count(load_plan(p, strict=False), rules, 2023) for p in CHECK_FIXTURES) >= len(CHECK_FIXTURES) - 1


def test_lazy_reference_is_the_eager_one():
    doc = load_toml(ZED)
    keys = [("indicador", 3, "valor_obtenido", "2023"), ("poi", "2023", "ao", 5, "ejecutado"), ("entidad",), ("no", "such", "key"), ()]
    for key in keys:
        lazy = doc.ref(key)
        eager = SourceRef(doc.path, doc.line_of(key), key)
        assert lazy == eager and hash(lazy) == hash(eager) == hash(lazy) == hash((doc.path, doc.line_of(key), key))  # the hash is kept once made
        assert repr(lazy) == repr(eager) and str(lazy) == str(eager) and lazy.to_dict() == eager.to_dict()
        for clone in (pickle.loads(pickle.dumps(lazy)), copy.deepcopy(lazy), copy.copy(lazy)):
            assert clone == eager
    assert doc.ref(keys[0]).line > 1 and doc.ref(keys[3]).line is None


def test_reference_is_immutable():
    ref = SourceRef("a.toml", 3, ("x",))
    with pytest.raises(AttributeError):
        ref.line = 4
    with pytest.raises(AttributeError):
        ref.file = "b.toml"
    assert {ref: 1}[SourceRef("a.toml", 3, ("x",))] == 1
    assert ref != SourceRef("a.toml", 4, ("x",))


# --- batch pipeline -------------------------------------------------------------------

from test_batch import make_corpus  # noqa: E402


def test_batch_syncs_once_before_the_manifest(tmp_path, monkeypatch):
    """Entity files are written whole (temp + rename) without one fsync each; one sync of the
    output folder happens after the last of them and before the summaries and the manifest."""
    import os

    import pei_rules.batch as B
    import pei_rules.files as F

    events: list[str] = []
    real_fsync, real_replace, real_sync = os.fsync, os.replace, F.sync_folder
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace:" + Path(b).name), real_replace(a, b))[1])
    monkeypatch.setattr(B, "sync_folder", lambda d: (events.append("sync"), real_sync(d))[1])
    make_corpus(tmp_path / "in", 4, broken=False)
    B.run_batch([tmp_path / "in"], tmp_path / "o", 2023)
    entity = [i for i, e in enumerate(events) if e.startswith("replace:") and e.endswith(".json") and "resumen" not in e and "manifiesto" not in e]
    assert len(entity) == 4
    sync = events.index("sync")
    assert events.count("sync") == 1 and max(entity) < sync
    assert "fsync" not in events[: max(entity)]  # no per-entity fsync
    assert events[-1] == "replace:" + B.MANIFEST and events[-2] == "fsync"  # the manifest itself is synced, last
    assert sync < events.index("replace:" + B.SUMMARY_CSV) < events.index("replace:" + B.SUMMARY_JSON)
    assert B.verify_manifest(tmp_path / "o") == []


def test_streamed_manifest_is_the_indented_json(tmp_path):
    import json

    import pei_rules.batch as B

    make_corpus(tmp_path / "in", 3)
    r = B.run_batch([tmp_path / "in"], tmp_path / "o", 2023)
    text = (tmp_path / "o" / B.MANIFEST).read_text(encoding="utf-8")
    doc = json.loads(text)
    assert text == json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    assert doc["plans"] == 5 and doc["failed"] == 2 and len(doc["inputs"]) == 5
    assert [o["path"] for o in doc["outputs"]][-2:] == [B.SUMMARY_CSV, B.SUMMARY_JSON]
    assert len(doc["outputs"]) == 3 + 2 and [tuple(o.values()) for o in doc["outputs"]] == [tuple(o) for o in r.outputs]
    for o in doc["outputs"][:3]:  # compact per-entity JSON, still the evaluation document
        assert json.loads((tmp_path / "o" / o["path"]).read_text(encoding="utf-8"))["format"] == "pei-rules/evaluation"
    empty = B.run_batch([tmp_path / "in" / "e0001" / "roto-sintaxis.toml"], tmp_path / "o2", 2023)
    text = (tmp_path / "o2" / B.MANIFEST).read_text(encoding="utf-8")
    assert empty.failed and text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"


def test_batch_keeps_nothing_per_plan_when_quiet(tmp_path):
    import pei_rules.batch as B

    make_corpus(tmp_path / "in", 3)
    r = B.run_batch([tmp_path / "in"], tmp_path / "o", 2023, keep_rows=False)
    assert r.rows == [] and r.outputs == [] and r.total == 5 and len(r.failed) == 2


def test_collector_paused_per_plan_and_restored():
    import gc

    from pei_rules.gcpause import paused

    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
    with pytest.raises(ZeroDivisionError):
        with paused():
            1 / 0
    assert gc.isenabled()


# --- compact per-entity JSON (format_version 2) ------------------------------------------


def _corpus_evaluations(tmp_path, n=12):
    import sys as _sys

    _sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate_corpus
    finally:
        _sys.path.remove(str(ROOT / "benchmarks"))
    from pei_rules import PeiError
    from pei_rules.evaluate import evaluate

    rs = load_ruleset(ROOT / "rules" / "ceplan-2023")
    out = []
    for p in generate_corpus.generate(tmp_path, n, seed=5):
        try:
            plan = load_plan(p)
        except PeiError:
            continue
        out.append(evaluate(plan, rs, 2024, trace=False))
        out.append(evaluate(plan, rs, 2023))
    return out


def test_compact_json_expands_to_the_full_document(tmp_path):
    import json

    import orjson

    from pei_rules.evaluate import evaluate
    from pei_rules.jsonformat import COMPACT_VERSION, expand, to_compact_json_obj
    from pei_rules.render import to_json_obj

    zed = evaluate(load_plan(ZED), load_ruleset(ROOT / "rules" / "ceplan-2023"), 2023)
    evs = [zed] + _corpus_evaluations(tmp_path)
    kinds = set()
    for ev in evs:
        full = to_json_obj(ev)
        compact = to_compact_json_obj(ev)
        assert compact["format_version"] == COMPACT_VERSION and len(compact["rule_lines"]) < len(compact["figures"])
        assert expand(json.loads(orjson.dumps(compact))) == json.loads(json.dumps(full))
        assert len(orjson.dumps(compact)) < len(orjson.dumps(full))
        kinds |= {f["kind"] for f in full["figures"]}
    assert expand(to_json_obj(zed)) == to_json_obj(zed)  # version 1 passes through
    assert {"avance_indicador", "avance_tipo_ii", "ejecucion_fisica_ao", "ejecucion_ponderada"} <= kinds


def test_audit_verifies_a_batch_entity_file(tmp_path, capsys):
    import json

    from pei_rules.cli import main

    make_corpus(tmp_path / "in", 1, broken=False)
    assert main(["batch", str(tmp_path / "in"), "--year", "2023", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    ent = next((tmp_path / "o" / "entidades").glob("*.json"))
    assert json.loads(ent.read_text(encoding="utf-8"))["format_version"] == 2
    capsys.readouterr()
    assert main(["audit", str(ent), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["mismatch"] == 0 and doc["summary"]["match"] > 50
    tampered = json.loads(ent.read_text(encoding="utf-8"))
    first = next(f for f in tampered["figures"] if f["value"] is not None)
    first["value"] = "0.01"
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    assert main(["audit", str(bad)]) == 1


@pytest.mark.parametrize(
    "damage, key",
    [
        (lambda d: d.update(rule_lines="x"), "rule_lines"),
        (lambda d: d["figures"][0].update(t=10_000), "figures"),
        (lambda d: d["figures"][1].pop("t"), "figures"),
        (lambda d: d.pop("figures"), "figures"),
    ],
)
def test_malformed_compact_json_names_the_key(tmp_path, damage, key):
    from pei_rules.errors import InputFileError
    from pei_rules.evaluate import evaluate
    from pei_rules.jsonformat import expand, to_compact_json_obj

    doc = to_compact_json_obj(evaluate(load_plan(ZED), load_ruleset(ROOT / "rules" / "ceplan-2023"), 2023))
    damage(doc)
    with pytest.raises(InputFileError) as err:
        expand(doc, "x.json")
    assert err.value.key[0] == key and err.value.file == "x.json"


# --- start-up ----------------------------------------------------------------------------


def _modules_after(code: str) -> set[str]:
    import os
    import subprocess
    import sys as _sys

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([_sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_import_pei_rules_does_not_load_the_engine():
    mods = _modules_after("import pei_rules")
    assert "pydantic" not in mods and "pei_rules.evaluate" not in mods and "pei_rules.plan" not in mods
    mods = _modules_after("import pei_rules\nassert pei_rules.evaluate.__module__ == 'pei_rules.evaluate' and pei_rules.load_plan")
    assert "pei_rules.plan" in mods  # the names still work, loaded on first use


def test_running_a_command_imports_only_that_command():
    code = (
        "import io, contextlib\nfrom pei_rules.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['evaluate', {str(ZED)!r}, '--year', '2023']) == 0\n"
    )
    mods = _modules_after(code)
    commands = {m for m in mods if m.startswith("pei_rules.commands.") and not m.startswith("pei_rules.commands._")}
    assert commands == {"pei_rules.commands.evaluate"}
    assert "openpyxl" not in mods  # the workbook writer only for --format xlsx
    assert not {"pei_rules.check", "pei_rules.diffing", "pei_rules.serve", "tabulate"} & mods  # services evaluate does not use


def test_a_command_reads_only_the_messages_it_says():
    """The catalogue parses a message's table when it is first said: evaluate says about a
    tenth of the 1,300 messages, and the process parses no other."""
    code = (
        "import io, contextlib\nfrom pei_rules.cli import main\nfrom pei_rules import i18n\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['evaluate', {str(ZED)!r}, '--year', '2023']) == 0\n"
        "assert 0 < len(i18n._catalogue) < len(i18n._index()) / 4, len(i18n._catalogue)\n"
    )
    assert "html" not in _modules_after(code)  # nor loads html's entity tables to escape markdown


@pytest.mark.parametrize("preset", [None, ""])
def test_the_process_turns_pydantic_plugins_off_unless_asked(preset):
    import os

    code = (
        "import os, sys\nimport pei_rules.cli as cli\nsys.argv = ['pei-rules', '--version']\n"
        "try:\n    cli.run()\nexcept SystemExit:\n    pass\n"
        f"assert os.environ['PYDANTIC_DISABLE_PLUGINS'] == {('__all__' if preset is None else preset)!r}\n"
    )
    saved = os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
    try:
        if preset is not None:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = preset  # an empty value: the plugins installed are used
        _modules_after(code)
    finally:
        os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
        if saved is not None:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = saved


def test_the_collector_is_paused_while_the_process_imports_its_command(tmp_path):
    code = (
        "import gc, io, contextlib, sys\nimport pei_rules.cli as cli\nreal, seen = cli.command_function, []\n"
        "def importing(spec):\n    seen.append(gc.isenabled())\n    f = real(spec)\n"
        "    return lambda args: (seen.append((gc.isenabled(), gc.get_freeze_count() > 1000)), f(args))[1]\n"
        f"cli.command_function = importing\nsys.argv = ['pei-rules', 'evaluate', {str(ZED)!r}, '--year', '2023', '--format', 'json']\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    try:\n        cli.run()\n    except SystemExit as e:\n        assert e.code == 0\n"
        "assert seen == [False, (True, True)], seen\n"
    )
    _modules_after(code)  # paused while importing, on again (the imports frozen) when the command runs
    from pei_rules.cli import main  # main(), as a library or a test calls it, leaves the collector alone
    import gc

    assert main(["evaluate", str(ZED), "--year", "2023", "--format", "json", "--out", str(tmp_path / "e.json")]) == 0 and gc.isenabled()


def test_requested_command():
    from pei_rules.cli import command_names, requested_command

    names = command_names()
    assert {"evaluate", "batch", "explain", "audit"} <= set(names)
    assert requested_command(["evaluate", "x.toml"], names) == "evaluate"
    assert requested_command(["--version"], names) is None
    assert requested_command([], names) is None
    assert requested_command(["evalute", "x"], names) is None  # a typo: the full parser says what exists
    assert requested_command(["--", "evaluate"], names) is None


def test_help_lists_every_command_and_a_typo_is_still_a_usage_error(capsys):
    from pei_rules.cli import command_names, main

    with pytest.raises(SystemExit) as ex:
        main(["--help"])
    assert ex.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in command_names())
    with pytest.raises(SystemExit) as ex:
        main(["evalute", str(ZED)])
    assert ex.value.code == 2 and "evaluate" in capsys.readouterr().err


#: what no help (top-level or a command's) may import: the engine, the schema, the writers
HEAVY = (
    "pydantic", "pei_rules.plan", "pei_rules.evaluate", "pei_rules.api", "pei_rules.ruleset", "pei_rules.choice", "pei_rules.rulecases",
    "pei_rules.audit", "pei_rules.explain", "pei_rules.check", "pei_rules.diffing", "openpyxl", "docx", "starlette", "uvicorn", "tabulate",
)


def _help_modules(argv: list[str]) -> set[str]:
    code = f"from pei_rules.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
    return _modules_after("import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n" + "\n".join("    " + line for line in code.splitlines()))


def _commands_in(mods: set[str]) -> set[str]:
    return {m.rsplit(".", 1)[1] for m in mods if m.startswith("pei_rules.commands.") and not m.startswith("pei_rules.commands._")}


def test_top_level_help_imports_no_command_and_no_engine():
    mods = _help_modules(["--help"])
    assert _commands_in(mods) == set()
    assert not [m for m in mods if m.split(".")[0] in HEAVY or m in HEAVY]


@pytest.mark.parametrize("name", ["evaluate", "batch", "import", "informe", "report", "rules", "serve", "plantilla", "audit"])
def test_a_command_help_imports_no_command_and_no_engine(name):
    from pei_rules.cli import command_names

    assert name in command_names()
    mods = _help_modules([name, "--help"])
    assert _commands_in(mods) == set() and "pei_rules.arguments." + name in mods
    assert not [m for m in mods if m.split(".")[0] in HEAVY or m in HEAVY]


def test_every_command_is_declared_and_runs_a_function_that_exists():
    import argparse
    import importlib

    from pei_rules.cli import build_parser, command_function, command_names

    specs = []

    def walk(parser):
        for a in parser._actions:
            if isinstance(a, argparse._SubParsersAction):
                for sub in a.choices.values():
                    walk(sub)
        run = parser.get_default("run")
        if run:
            specs.append(run)

    walk(build_parser())
    assert {s.partition(":")[0] for s in specs} == set(command_names())
    for spec in specs:
        assert callable(command_function(spec)), spec
    # evaluate's --format choices are the text renderers and the workbook
    from pei_rules.arguments.evaluate import FORMATS
    from pei_rules.report_text import RENDERERS

    assert set(FORMATS) == set(RENDERERS) | {"xlsx"}
    assert importlib.import_module("pei_rules.commands.evaluate").MACHINE.keys() <= set(RENDERERS)


def test_evaluate_json_does_not_load_the_text_tables():
    code = (
        "import io, contextlib\nfrom pei_rules.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['evaluate', {str(ZED)!r}, '--year', '2023', '--format', 'json']) == 0\n"
    )
    mods = _modules_after(code)
    assert "tabulate" not in mods and "pei_rules.report_text" not in mods and "openpyxl" not in mods
    assert not {"pei_rules.audit", "pei_rules.explain", "pei_rules.check", "pei_rules.diffing"} & mods  # the report's, not JSON's


def test_an_evaluation_leaves_no_cyclic_garbage(tmp_path):
    """A batch pauses the cyclic collector per plan: everything a plan allocates must be freed
    by reference counting alone, or memory would grow until the collector runs again."""
    import gc

    from pei_rules.batch import Job, Settings, _init_worker, _run_one

    make_corpus(tmp_path / "in", 3)  # with two broken plans: the error path too
    s = Settings(year=2023, rules="ceplan-2023", no_overrides=True, created="x")
    _init_worker(s)
    (tmp_path / "o").mkdir()
    jobs = [Job(i, str(p), str(tmp_path / "o")) for i, p in enumerate(sorted((tmp_path / "in").rglob("*.toml")), 1)]
    _run_one(jobs[0], s)  # warm: rule set loaded, caches filled
    gc.collect()
    gc.disable()
    try:
        for job in jobs:
            row = _run_one(job, s)
            assert gc.collect() == 0, row.get("archivo")
    finally:
        gc.enable()


def _rglob_discover(inputs):
    """The discovery as it was written with Path.rglob (the reference for discover_paths)."""
    out, seen = [], set()
    for spec in inputs:
        p = Path(spec)
        if p.is_dir():
            found = sorted(
                (q for q in p.rglob("*.toml") if q.is_file() and q.name != "reglas-propias.toml" and not any(part.startswith(".") for part in q.relative_to(p).parts)),
                key=lambda q: q.as_posix(),
            )
        else:
            found = [p]
        for q in found:
            if q.resolve() not in seen:
                seen.add(q.resolve())
                out.append(str(q))
    return out


def test_discover_paths_is_the_rglob_discovery(tmp_path, monkeypatch):
    import os

    from pei_rules.batch import discover_paths

    root = tmp_path / "in"
    for rel in ["a/x.toml", "a/b/y.toml", "a/b/reglas-propias.toml", "a/.oculto/z.toml", "a/.h.toml", "c/w.toml", "c/no.txt", "d.toml/v.toml"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("", encoding="utf-8")
    os.symlink(root / "a" / "x.toml", root / "c" / "enlace.toml")  # the same plan twice
    os.symlink(root / "a", root / "c" / "carpeta")  # a linked folder is not followed (as rglob)
    os.symlink(root / "nada.toml", root / "c" / "roto.toml")  # a broken link is not a plan
    monkeypatch.chdir(tmp_path)
    for inputs in (["in"], ["in/"], [str(root)], ["in/c", "in/a"], ["in", "in/a/x.toml"], ["."]):
        assert discover_paths(inputs) == _rglob_discover(inputs), inputs
    assert len(discover_paths(["in"])) == 4


# --- rule expressions: the compiled tree -------------------------------------------------


def _former_compiled_tree(tree):
    """What compile_expression made before start-up round 4: a deep copy of the traced tree,
    each Decimal literal a name (c0, c1, ...), locations filled in."""
    import ast
    import copy
    from decimal import Decimal

    from pei_rules.expressions import CONSTANT_PREFIX

    names = iter(range(10**6))

    class Named(ast.NodeTransformer):
        def visit_Constant(self, node):
            if isinstance(node.value, Decimal):
                return ast.copy_location(ast.Name(id=f"{CONSTANT_PREFIX}{next(names)}", ctx=ast.Load()), node)
            return node

    return ast.fix_missing_locations(Named().visit(copy.deepcopy(tree)))


@settings(max_examples=200, deadline=None, database=None)
@given(text=allowed_expressions(["a", "b", "pim"], ["min", "max", "abs"]))
def test_a_rule_expression_is_parsed_again_not_copied(text):
    """The compiled tree is a second parse with the literals named; it is the deep copy it
    replaced, node for node and location for location, and no location is missing."""
    import ast
    import copy

    from pei_rules.errors import ExpressionError
    from pei_rules.expressions import compile_expression

    try:
        e = compile_expression(text, {"a", "b", "pim"}, {"min", "max", "abs"})
    except ExpressionError:
        return  # a size limit: fine
    dump = lambda t: ast.dump(t, include_attributes=True)  # noqa: E731
    assert dump(e.code_tree) == dump(_former_compiled_tree(e.tree))
    assert dump(e.tree) == dump(ast.fix_missing_locations(copy.deepcopy(e.tree)))
