"""Hypothesis-generated malformed plan and rule files: never a traceback, a hang, or exit 0
with a wrong number.

- broken plans (one thing broken each: missing or extra keys, duplicate codes, NaN and
  infinities, huge numbers and too many digits, wrong types, empty codes, very deep or very
  wide tables) exit 2 with a one-paragraph message naming the file, the line and the key;
- byte-level damage (truncation, invalid UTF-8, stray brackets, huge literals) exits 0 or
  2, never 3, never a traceback;
- valid plans with edge values (zero, negative, on band bounds, huge) give exactly the
  number the rule set's formula, cap, rounding and bands say, or N/D for a zero target;
- mutated rule sets either load or raise a ``PeiError`` that names a file; a loaded one
  evaluates without any other exception.

The same checks run for minutes in ``benchmarks/fuzz.py``; here ``max_examples`` is small.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import tempfile
import time
import tomllib
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from pathlib import Path

import strategies as S
from hypothesis import HealthCheck, given, settings

from pei_rules.cli import main
from pei_rules.errors import PeiError, format_key
from pei_rules.evaluate import evaluate
from pei_rules.expressions import CONTEXT
from pei_rules.i18n import LANGS, t
from pei_rules.plan import load_plan
from pei_rules.ruleset import load_ruleset

ROOT = Path(__file__).resolve().parent.parent
GOOD_RULES = ROOT / "rules" / "ceplan-2023"
HANG_S = 10.0  # far above the ~50 ms a run takes: this catches hangs, not slowness
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


def evaluate_argv(path: Path) -> list[str]:
    return ["evaluate", str(path), "--year", "2023", "--rules", str(GOOD_RULES), "--no-overrides", "--format", "json"]


def _one_paragraph(err: str) -> str:
    msg = err.strip()
    assert msg.startswith("pei-rules"), msg
    assert "\n\n" not in msg, msg
    assert "internal error" not in msg, msg
    return msg


# --- checks shared with benchmarks/fuzz.py ---------------------------------------------


def check_broken_plan(raw: bytes, what: str, key: tuple, folder: Path) -> None:
    path = folder / "fuzzed.toml"
    path.write_bytes(raw)
    t0 = time.perf_counter()
    rc, out, err = run_cli(evaluate_argv(path))
    assert time.perf_counter() - t0 < HANG_S
    assert "Traceback" not in out + err
    assert rc == 2, f"{what}: exit {rc}\n{err}\n{out[:500]}"
    msg = _one_paragraph(err)
    assert re.search(r"fuzzed\.toml:\d+", msg), f"{what}: no file:line in\n{msg}"
    assert "clave '" in msg, f"{what}: no key path in\n{msg}"
    if key:
        assert format_key(key) in msg, f"{what}: expected key {format_key(key)!r} in\n{msg}"


def check_damaged_bytes(raw: bytes, folder: Path) -> None:
    path = folder / "fuzzed.toml"
    path.write_bytes(raw)
    t0 = time.perf_counter()
    rc, out, err = run_cli(evaluate_argv(path))
    assert time.perf_counter() - t0 < HANG_S
    assert "Traceback" not in out + err
    assert rc in (0, 2), f"exit {rc}\n{err}"
    if rc == 2:
        msg = _one_paragraph(err)
        assert "fuzzed.toml" in msg, msg
    else:
        assert json.loads(out)["figures"]


def _oracle_tipo_i(esperado: Decimal, obtenido: Decimal, rules) -> tuple[Decimal | None, str | None]:
    """What ceplan-2023 says for an ascending, non-cumulative indicator (tipo I), computed here."""
    if esperado == 0:
        return None, None
    tope = rules.parameters["tope"]
    with localcontext(CONTEXT):
        exact = min(tope, 100 * obtenido / esperado)
    try:
        value = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # e.g. -1 / 1e-28: more digits than 28; the engine says N/D
        return None, "fuera de rango"
    band = rules.scales["ceplan"].classify(value)  # bands are checked separately below
    return value, band.name


def check_valid_edges(raw: bytes, esperado: Decimal, obtenido: Decimal, folder: Path, rules) -> None:
    path = folder / "edge.toml"
    path.write_bytes(raw)
    plan = load_plan(path)
    ev = evaluate(plan, rules, 2023)
    fig = ev.get("avance_indicador:IND.01.AEI.01.01")
    value, band = _oracle_tipo_i(esperado, obtenido, rules)
    if value is None and band == "fuera de rango":
        assert fig.value is None and fig.status == "sin_dato" and "fuera de rango" in fig.reason, fig.reason
    elif value is None:
        assert fig.value is None and fig.status == "sin_dato" and ("cero" in fig.reason or "0/0" in fig.reason), fig.reason
    else:
        assert fig.value == value, (esperado, obtenido, fig.value, value)
        assert fig.band.name == band
        if value < 75:
            assert band == "rojo"
        elif value < 95:
            assert band == "amarillo"
        else:
            assert band == "verde"
        assert value <= 100  # the cap
    # nothing in the evaluation is a non-finite or unrounded number
    for f in ev.figures.values():
        if f.value is not None:
            assert f.value.is_finite() and f.value.as_tuple().exponent == -f.decimals
    rc, out, err = run_cli(evaluate_argv(path))
    assert rc == 0 and "Traceback" not in out + err, err


RULE_DOCS = {p.name: tomllib.loads(p.read_text(encoding="utf-8"), parse_float=Decimal) for p in sorted(GOOD_RULES.glob("*.toml"))}


#: rule set errors about the whole file or folder, which have no line to name
NO_LINE_MESSAGES = {t(lang, "rs_no_id") for lang in LANGS}


def check_mutated_rules(files: dict[str, str], folder: Path, plan_path: Path) -> None:
    rules_dir = Path(tempfile.mkdtemp(dir=folder))  # a fresh folder: the rule set cache is keyed by folder
    for name, text in files.items():
        (rules_dir / name).write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    try:
        rs = load_ruleset(rules_dir)
    except PeiError as exc:
        assert exc.file, str(exc)
        assert exc.line or exc.message in NO_LINE_MESSAGES, f"no line: {exc}"
        assert "\n\n" not in str(exc)
        assert time.perf_counter() - t0 < HANG_S
        return
    assert time.perf_counter() - t0 < HANG_S
    try:
        evaluate(load_plan(plan_path), rs, 2023)
    except PeiError as exc:
        assert exc.file or exc.rule, str(exc)
    rc, out, err = run_cli(["evaluate", str(plan_path), "--year", "2023", "--rules", str(rules_dir), "--no-overrides"])
    assert rc in (0, 2) and "Traceback" not in out + err, err
    shutil.rmtree(rules_dir, ignore_errors=True)


# --- the tests --------------------------------------------------------------------------


@FAST
@given(case=S.broken_plans())
def test_broken_plans_exit_2_naming_file_line_and_key(case, tmp_path_factory):
    doc, what, key = case
    folder = tmp_path_factory.mktemp("plan")
    check_broken_plan(S.to_toml(doc).encode("utf-8"), what, key, folder)


@FAST
@given(raw=S.mutate_bytes(S.to_toml(S.valid_plan_doc()).encode("utf-8")))
def test_damaged_bytes_never_crash(raw, tmp_path_factory):
    check_damaged_bytes(raw, tmp_path_factory.mktemp("bytes"))


def test_invalid_utf8_anywhere_names_the_line(tmp_path):
    text = S.to_toml(S.valid_plan_doc())
    lines = text.splitlines(keepends=True)
    for i in (0, len(lines) // 2, len(lines) - 2):
        raw = "".join(lines[:i]).encode() + b"# \xe9\xff\n" + "".join(lines[i:]).encode()
        path = tmp_path / "latin.toml"
        path.write_bytes(raw)
        rc, out, err = run_cli(evaluate_argv(path))
        assert rc == 2 and f"latin.toml:{i + 1}:" in err and "UTF-8" in err, err


RULES_2023 = load_ruleset(GOOD_RULES)


@FAST
@given(case=S.valid_edge_plans())
def test_valid_edge_values_give_the_rule_sets_number(case, tmp_path_factory):
    doc, esperado, obtenido = case
    check_valid_edges(S.to_toml(doc).encode("utf-8"), esperado, obtenido, tmp_path_factory.mktemp("edge"), RULES_2023)


@FAST
@given(case=S.broken_rule_files(RULE_DOCS))
def test_mutated_rule_sets_load_or_fail_cleanly(case, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules")
    check_mutated_rules(case, folder, S.VALID_PLAN_PATH)


def test_many_dangling_codes_are_not_quadratic(tmp_path):
    """2000 indicators owned by codes the plan lacks: one fuzzy 'did you mean' per problem made
    this take minutes; hints are now budgeted (plan.MAX_HINTS) and it takes about a second."""
    n = 2000
    parts = ['[entidad]\ncodigo = "X"\nnombre = "X"\n[plan]\ndesde = 2023\nhasta = 2025\n[[oei]]\ncodigo = "OEI.01"\ndenominacion = "x"\n']
    parts += [f'[[aei]]\ncodigo = "AEI.{i:05d}"\noei = "OEI.01"\ndenominacion = "x"\n' for i in range(n)]
    parts += [
        f'[[indicador]]\ncodigo = "IND.{i:05d}"\nde = "AEX.{i:05d}"\nnombre = "x"\nunidad_medida = "número"\n'
        'sentido = "Ascendente"\nagregacion = "No acumulado"\n'
        for i in range(n)
    ]
    path = tmp_path / "many.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    t0 = time.perf_counter()
    rc, out, err = run_cli(evaluate_argv(path))
    assert time.perf_counter() - t0 < HANG_S * 2
    assert rc == 2 and "quiso decir 'AEI.00000'" in err and f"and {n - 1} more" in err, err


def check_every_command(raw: bytes, folder: Path) -> None:
    """Every discovered command that takes a plan, fed the same broken plan: 2 (or the documented 1), no traceback."""
    from test_broken_matrix import COMMANDS, FINDINGS_EXIT_1, build_argv

    path = folder / "fuzzed.toml"
    path.write_bytes(raw)
    for cmd in COMMANDS:
        argv = build_argv(cmd, "plans", path, folder)
        if argv is None:
            continue
        rc, out, err = run_cli(argv)
        assert "Traceback" not in out + err, (cmd.name, err)
        assert rc in ((1, 2) if (cmd.path, "plans") in FINDINGS_EXIT_1 else (2,)), (cmd.name, rc, err, out[:300])
        if rc == 2:
            assert "fuzzed.toml" in _one_paragraph(err)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
@given(case=S.broken_plans())
def test_broken_plans_through_every_command(case, tmp_path_factory):
    doc, what, key = case
    check_every_command(S.to_toml(doc).encode("utf-8"), tmp_path_factory.mktemp("every"))


def check_rule_commands(files: dict[str, str], folder: Path) -> None:
    """Every discovered command that takes a rule set, fed a mutated one: never 3, never a traceback."""
    from test_broken_matrix import COMMANDS, FINDINGS_EXIT_1, build_argv

    rules_dir = Path(tempfile.mkdtemp(dir=folder))
    for name, text in files.items():
        (rules_dir / name).write_text(text, encoding="utf-8")
    try:
        load_ruleset(rules_dir)
        loads = True
    except PeiError:
        loads = False
    for cmd in COMMANDS:
        argv = build_argv(cmd, "rules", rules_dir, folder)
        if argv is None:
            continue
        rc, out, err = run_cli(argv)
        assert "Traceback" not in out + err, (cmd.name, err)
        if loads:
            assert rc in (0, 1, 2), (cmd.name, rc, err)  # 1: rule cases fail, figures differ; 2: the plan does not fit
        else:
            assert rc in ((1, 2) if (cmd.path, "rules") in FINDINGS_EXIT_1 else (2,)), (cmd.name, rc, err, out[:300])
        if rc == 2:
            _one_paragraph(err)
    shutil.rmtree(rules_dir, ignore_errors=True)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
@given(case=S.broken_rule_files(RULE_DOCS))
def test_mutated_rule_sets_through_every_command(case, tmp_path_factory):
    check_rule_commands(case, tmp_path_factory.mktemp("rulecmds"))
