"""Numeric edge cases end to end, through a plan file and the CLI.

The decisions themselves are rule data, with their cases in
``rules/ceplan-2023/casos/limites.toml`` (run by ``pei-rules rules test`` and
tests/test_rule_cases.py). This file checks what those cases cannot: the same edges
arriving from a plan file (N/D, zero, negative, -0, smallest and largest accepted values),
how they travel into aggregates and counts, how they print, and that a rule override
(``compara = "exacto"``) changes a bound decision without code.
"""
from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import strategies as S
from test_fuzz_inputs import evaluate_argv, run_cli

from pei_rules.evaluate import evaluate
from pei_rules.plan import load_plan
from pei_rules.ruleset import load_ruleset

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "ceplan-2023"
IND = "IND.01.AEI.01.01"  # the only indicator of AEI.01.01 in the valid plan


def _plan(tmp_path: Path, esperado, obtenido, name="edge.toml") -> Path:
    doc = copy.deepcopy(S.valid_plan_doc())
    doc["indicador"][1]["logro_esperado"]["2023"] = esperado
    doc["indicador"][1]["valor_obtenido"]["2023"] = obtenido
    path = tmp_path / name
    path.write_text(S.to_toml(doc), encoding="utf-8")
    return path


def _eval(path: Path, rules=None):
    return evaluate(load_plan(path), rules or load_ruleset(RULES), 2023)


@pytest.mark.parametrize(
    "esperado,obtenido,value,band",
    [
        (Decimal(25), Decimal("-5"), Decimal("-20.0"), "rojo"),  # tasa de variación negativa
        (Decimal(-5), Decimal(-2), Decimal("40.0"), "rojo"),  # meta negativa: cociente (incierto)
        (Decimal(10), Decimal(0), Decimal("0.0"), "rojo"),  # obtenido 0 es un dato
        (Decimal(100), Decimal("74.95"), Decimal("75.0"), "amarillo"),  # half up, cifra impresa
        (Decimal(100), Decimal("94.95"), Decimal("95.0"), "verde"),
        (Decimal(100), Decimal("74.94"), Decimal("74.9"), "rojo"),
        (Decimal(14), Decimal(116), Decimal("100.0"), "verde"),  # tope
        (Decimal(1), Decimal("999999999999999"), Decimal("100.0"), "verde"),
        (Decimal(1), Decimal("0.0000000000000000000000000001"), Decimal("0.0"), "rojo"),
    ],
)
def test_edges_from_a_plan(tmp_path, esperado, obtenido, value, band):
    ev = _eval(_plan(tmp_path, esperado, obtenido))
    f = ev.get(f"avance_indicador:{IND}")
    assert (f.value, f.band.name) == (value, band)
    aei = ev.get("avance_aei:AEI.01.01")  # the AEI's only indicator: same value
    assert aei.value == value.quantize(Decimal("0.1"))


@pytest.mark.parametrize(
    "esperado,obtenido,reason",
    [(Decimal(0), Decimal(5), "división por cero"), (Decimal(0), Decimal(0), "0/0"), (Decimal(10), "N/D", "obtenido")],
)
def test_no_number_is_nd_everywhere(tmp_path, esperado, obtenido, reason):
    """N/D is never 0: the indicator, its AEI mean and the counts all say sin dato."""
    ev = _eval(_plan(tmp_path, esperado, obtenido))
    f = ev.get(f"avance_indicador:{IND}")
    assert f.value is None and f.status == "sin_dato" and reason in f.reason
    aei = ev.get("avance_aei:AEI.01.01")
    assert aei.value is None and aei.status == "sin_dato"
    counts = ev.counts["indicadores_aei"].counts
    assert counts["sin_dato"] == 1 and sum(counts.values()) == 2
    # the weighted plan figure excludes it (sin_dato = excluir) instead of counting 0
    pond = ev.get("ejecucion_ponderada")
    assert pond.value == ev.get("avance_aei:AEI.02.01").value


def test_negative_zero_never_prints(tmp_path):
    """-0.01 of 25 is -0.04 %: printed 0.0 (Excel's ROUND), in every format; -0.0 inputs read as 0."""
    path = _plan(tmp_path, Decimal(25), Decimal("-0.01"))
    f = _eval(path).get(f"avance_indicador:{IND}")
    assert f.exact < 0 and str(f.value) == "0.0" and f.band.name == "rojo"
    for fmt in ("json", "text", "csv", "markdown"):
        argv = evaluate_argv(path)
        argv[argv.index("--format") + 1] = fmt
        rc, out, err = run_cli(argv)
        assert rc == 0, err
        assert not re.search(r"(?<![\d.])-0\.0+(?!\d)", out), fmt
    path = _plan(tmp_path, Decimal(25), Decimal("-0.0"), "minus_zero.toml")
    plan = load_plan(path)
    assert str(plan.indicators[IND].valor_obtenido[2023]) == "0.0"


def test_bound_decision_is_rule_data(tmp_path):
    """74.95 is amarillo when bands compare the printed figure, rojo when they compare the exact one."""
    path = _plan(tmp_path, Decimal(100), Decimal("74.95"))
    override = tmp_path / "exacto.toml"
    override.write_text('[semaforo]\ncompara = "exacto"\n', encoding="utf-8")
    exacto = load_ruleset(RULES, overrides=[override])
    assert _eval(path).get(f"avance_indicador:{IND}").band.name == "amarillo"
    assert _eval(path, exacto).get(f"avance_indicador:{IND}").band.name == "rojo"


def test_json_numbers_are_exact_strings(tmp_path):
    """Edge values survive the JSON output exactly: decimal strings, never floats."""
    path = _plan(tmp_path, Decimal(3), Decimal("0.0000000000000000000000000001"))
    rc, out, err = run_cli(evaluate_argv(path))
    assert rc == 0, err
    fig = next(f for f in json.loads(out)["figures"] if f["id"] == f"avance_indicador:{IND}")
    assert fig["value"] == "0.0"
    assert isinstance(fig["exact"], str)
    assert Decimal(fig["exact"]) == Decimal("0.0000000000000000000000000001") * 100 / 3
