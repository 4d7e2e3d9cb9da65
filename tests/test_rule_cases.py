"""Rule test cases as data: every case of every rule set is a pytest item.

Case files live in rules/<id>/casos/*.toml; each case names the rule sets it holds for.
A failure names the case file and line (and the line of the failed expectation).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from pei_rules.errors import RuleError
from pei_rules.rulecases import all_case_files, coverage_items, describe_item, load_cases, run_case, run_for
from pei_rules.ruleset import available, load_ruleset

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
KNOWN = available([RULES])


def _items():
    out = []
    for f, owner in all_case_files([RULES]):
        for case in load_cases(f, owner):
            for rid in case.rulesets:
                rel = Path(case.file).resolve().relative_to(ROOT)
                out.append(pytest.param(case, rid, id=f"{rel}:{case.line}[{rid}]"))
    return out


ITEMS = _items()


@pytest.mark.parametrize("case,rid", ITEMS)
def test_rule_case(case, rid):
    assert rid in KNOWN, f"{case.where}: case names unknown rule set '{rid}'"
    outcome = run_case(case, load_ruleset(KNOWN[rid]))
    if not outcome.ok:
        pytest.fail(outcome.describe(), pytrace=False)


def test_there_are_cases_for_every_rule_set():
    held = {rid for p in ITEMS for rid in [p.values[1]]}
    assert set(KNOWN) <= held, f"rule sets without cases: {sorted(set(KNOWN) - held)}"


@pytest.mark.parametrize("rid", sorted(KNOWN))
def test_cases_cover_every_formula_and_band(rid):
    report = run_for([rid])
    assert not report.failed
    assert report.uncovered[rid] == [], f"{rid}: no case exercises {report.uncovered[rid]}"
    assert coverage_items(load_ruleset(KNOWN[rid])), "coverage must not be vacuous"


def _one_case(tmp_path, body: str) -> Path:
    p = tmp_path / "c.toml"
    p.write_text('conjunto = "ceplan-2023"\ntolerancia = 0.001\n\n' + body, encoding="utf-8")
    return p


def test_a_wrong_expectation_fails_naming_file_and_line(tmp_path, rules_2023):
    p = _one_case(
        tmp_path,
        """[[caso]]
nombre = "equivocado a propósito"
objetivo = "avance"
sentido = "ascendente"
agregacion = "no_acumulado"
entradas = { obtenido = 20, esperado = 30 }
esperado = 66.6
redondeado = "66.6"
banda = "verde"
""",
    )
    (case,) = load_cases(p)
    o = run_case(case, rules_2023)
    assert not o.ok
    text = o.describe()
    assert f"{p}:4" in text  # the [[caso]] line
    assert "line 10: expected 66.6 (tolerance 0.001), got 66.66" in text
    assert "line 11: expected the printed value 66.6, got 66.7" in text
    assert "line 12: expected band 'verde', got 'rojo'" in text


def test_nd_expectations_fail_when_a_number_comes_out(tmp_path, rules_2023):
    p = _one_case(
        tmp_path,
        """[[caso]]
objetivo = "formula"
formula = "ejecucion_fisica_ao"
entradas = { programado = 10, ejecutado = 5 }
esperado = "N/D"
motivo = "división por cero"
""",
    )
    (case,) = load_cases(p)
    o = run_case(case, rules_2023)
    assert not o.ok and "expected N/D, got 50" in o.describe()


def test_wrong_weights_fail(tmp_path, rules_2023):
    p = _one_case(
        tmp_path,
        """[[caso]]
objetivo = "ponderacion"
relevancias = [1, 2]
pesos = [0.5, 0.5]
""",
    )
    (case,) = load_cases(p)
    o = run_case(case, rules_2023)
    assert not o.ok and "weight 1: expected 0.5" in o.describe()


@pytest.mark.parametrize(
    "body,line,fragment",
    [
        ('[[caso]]\nobjetivo = "avanse"\nesperado = 1\n', 5, "objetivo must be one of"),
        ('[[caso]]\nobjetivo = "avance"\nsentidos = "x"\nesperado = 1\n', 6, "unknown key 'sentidos'"),
        ('[[caso]]\nobjetivo = "avance"\nsentido = "ascendente"\n', 4, "must expect something"),
    ],
)
def test_malformed_case_files_raise_with_line(tmp_path, body, line, fragment):
    p = _one_case(tmp_path, body)
    with pytest.raises(RuleError) as ei:
        load_cases(p)
    assert ei.value.line == line and fragment in ei.value.message


def test_unknown_names_in_a_case_raise_with_line(tmp_path, rules_2023):
    p = _one_case(tmp_path, '[[caso]]\nobjetivo = "formula"\nformula = "ejecucion_fisica"\nesperado = 1\n')
    (case,) = load_cases(p)
    with pytest.raises(RuleError) as ei:
        run_case(case, rules_2023)
    assert ei.value.line == 6 and "quiso decir" in (ei.value.suggestion or "")


def test_every_coverage_item_is_described(rules_2023):
    for item in coverage_items(rules_2023):
        assert describe_item(item)
