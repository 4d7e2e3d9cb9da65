"""Changing rules/ alone changes the results: the methodology is data, not code."""
from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from conftest import RULES
from pei_rules import evaluate, load_ruleset
from pei_rules.errors import RuleError


@pytest.fixture
def rules_copy(tmp_path):
    dst = tmp_path / "variant"
    shutil.copytree(RULES / "ceplan-2023", dst)
    return dst


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_fixed_321_weighting_is_a_one_line_change(rules_copy, zed_plan):
    _edit(rules_copy / "agregacion.toml", 'esquema = "relativo_al_conjunto"', 'esquema = "fijo_3_2_1"')
    ev = evaluate(zed_plan, load_ruleset(rules_copy), 2023)
    # hand-checked: weights 3 (relevance 1, five AEIs at 100) and 2 (relevance 2: five at 100, 50, 66.67)
    # (15*100 + 2*(5*100 + 50 + 200/3)) / 29 = 2733.33.../29 = 94.2529 -> 94.25
    assert str(ev.get("ejecucion_ponderada").value) == "94.25"
    assert str(ev.get("avance_aei:AEI.02.01").value) == "50.0"  # nothing else moves


def test_moving_a_band_bound_moves_counts(rules_copy, zed_plan):
    _edit(rules_copy / "semaforo.toml", 'intervalo = "(-inf, 75)"', 'intervalo = "(-inf, 60)"')
    _edit(rules_copy / "semaforo.toml", 'intervalo = "[75, 95)"', 'intervalo = "[60, 95)"')
    ev = evaluate(zed_plan, load_ruleset(rules_copy), 2023)
    c = ev.counts["indicadores_aei"].counts
    assert (c["rojo"], c["amarillo"], c["verde"]) == (1, 1, 10)  # 66.7 is now amarillo


def test_uncapped_advance(rules_copy, zed_plan):
    _edit(
        rules_copy / "avance.toml",
        'ascendente.no_acumulado = "min(tope, 100 * obtenido / esperado)"',
        'ascendente.no_acumulado = "100 * obtenido / esperado"',
    )
    ev = evaluate(zed_plan, load_ruleset(rules_copy), 2023)
    assert str(ev.get("avance_aei:AEI.02.03").value) == "828.6"  # 116 / 14


def test_cap_is_a_parameter(rules_copy, zed_plan):
    _edit(rules_copy / "ruleset.toml", "tope = 100", "tope = 120")
    ev = evaluate(zed_plan, load_ruleset(rules_copy), 2023)
    assert str(ev.get("avance_aei:AEI.02.03").value) == "120.0"


def test_rounding_is_rule_data(rules_copy, zed_plan):
    _edit(rules_copy / "redondeo.toml", "avance_indicador = 1", "avance_indicador = 3")
    _edit(rules_copy / "redondeo.toml", 'modo = "half_up"', 'modo = "down"')
    ev = evaluate(zed_plan, load_ruleset(rules_copy), 2023)
    assert str(ev.get("avance_indicador:IND.01.AEI.03.02").value) == "66.666"


def test_aggregation_method_is_rule_data(rules_copy, zed_plan):
    _edit(rules_copy / "poi.toml", 'metodo = "media"\nsin_dato = "excluir"\n\n[agregados.ejecucion_fisica_promedio]', 'metodo = "minimo"\nsin_dato = "excluir"\n\n[agregados.ejecucion_fisica_promedio]')
    ev = evaluate(zed_plan, load_ruleset(rules_copy), 2023)
    assert str(ev.get("ejecucion_fisica_aei:AEI.03.02").value) == "0.0"


def test_uncovered_case_fails_to_load_with_file_and_line(rules_copy):
    _edit(rules_copy / "avance.toml", 'descendente.acumulado = "min(tope, 100 * esperado / obtenido)"\n', "")
    with pytest.raises(RuleError) as exc:
        load_ruleset(rules_copy)
    e = exc.value
    assert e.file.endswith("avance.toml") and e.line
    assert "descendente" in e.message and "acumulado" in e.message


def test_band_gap_fails_to_load(rules_copy):
    _edit(rules_copy / "semaforo.toml", 'intervalo = "[75, 95)"', 'intervalo = "[76, 95)"')
    with pytest.raises(RuleError) as exc:
        load_ruleset(rules_copy)
    assert "vacío" in exc.value.message and exc.value.file.endswith("semaforo.toml") and exc.value.line


def test_band_overlap_fails_to_load(rules_copy):
    _edit(rules_copy / "semaforo.toml", 'intervalo = "[75, 95)"', 'intervalo = "[75, 95]"')
    with pytest.raises(RuleError) as exc:
        load_ruleset(rules_copy)
    assert "superposición" in exc.value.message


def test_unknown_input_fails_to_load(rules_copy):
    _edit(rules_copy / "poi.toml", 'expr = "100 * devengado / pim"', 'expr = "100 * devengad / pim"')
    with pytest.raises(RuleError) as exc:
        load_ruleset(rules_copy)
    e = exc.value
    assert "entrada desconocida 'devengad'" in e.message and "devengado" in (e.suggestion or "")
    assert e.file.endswith("poi.toml") and e.line and e.column


def test_forbidden_construct_fails_to_load(rules_copy):
    _edit(rules_copy / "poi.toml", 'expr = "100 * devengado / pim"', 'expr = "100 * devengado ** 2"')
    with pytest.raises(RuleError) as exc:
        load_ruleset(rules_copy)
    assert "'**'" in exc.value.message


def test_a_count_whose_figure_is_a_table_fails_to_load_cleanly(rules_copy):
    """Found by the rule-file fuzzer: figura = { x = "1" } was a TypeError (a bug, exit 3)."""
    _edit(rules_copy / "semaforo.toml", 'figura = "ejecucion_fisica_aei"', '[conteos.ejecucion_fisica_aei.figura]\nx = "1"')
    with pytest.raises(RuleError) as exc:
        load_ruleset(rules_copy)
    e = exc.value
    assert e.key == ("conteos", "ejecucion_fisica_aei", "figura") and e.file.endswith("semaforo.toml") and e.line
    assert "debe ser un texto, no una tabla" in e.message


def test_same_key_twice_in_a_rule_set_names_both(rules_copy):
    (rules_copy / "extra.toml").write_text("[parametros]\ntope = 90\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_ruleset(rules_copy)
    assert "definida dos veces" in exc.value.message and exc.value.related


def test_no_ceplan_numbers_in_python():
    """The bands, cap and weights of the methodology appear only in rules/."""
    import re
    from pathlib import Path

    src = Path(__file__).resolve().parent.parent / "pei_rules"
    for py in src.rglob("*.py"):
        text = py.read_text(encoding="utf-8")
        code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
        for number in ("75", "95", "95.10", "92.59", "74.27", "4930000"):
            assert not re.search(rf"(?<![\w.]){re.escape(number)}(?![\w.])", code), f"{py.name} contains {number}"
