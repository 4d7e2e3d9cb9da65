"""Properties of `diff`: every figure that moves is attributed to a rule difference, every
cause is a real difference, and a rule set compared with itself changes nothing."""
from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pei_rules import evaluate, load_plan, load_ruleset
from pei_rules.diffing import diff_evaluations, rule_differences

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "rules" / "ceplan-2023"
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"

PLAN = load_plan(ZED)
BASE_RULES = load_ruleset(BASE)
BASE_EVAL = evaluate(PLAN, BASE_RULES, 2023)


@st.composite
def overrides(draw) -> str:
    """An institution-style override file changing a random subset of rules."""
    parts = []
    if draw(st.booleans()):
        parts.append(f"[parametros]\ntope = {draw(st.integers(min_value=50, max_value=150))}\n")
    if draw(st.booleans()):
        parts.append(f'[ponderacion]\nesquema = "{draw(st.sampled_from(["relativo_al_conjunto", "fijo_3_2_1", "iguales"]))}"\n')
    if draw(st.booleans()):
        lo = draw(st.integers(min_value=40, max_value=80))
        hi = draw(st.integers(min_value=lo + 1, max_value=99))
        parts.append(
            "[semaforo.escalas.ceplan.bandas.rojo]\n"
            f'intervalo = "(-inf, {lo})"\n'
            "[semaforo.escalas.ceplan.bandas.amarillo]\n"
            f'intervalo = "[{lo}, {hi})"\n'
            "[semaforo.escalas.ceplan.bandas.verde]\n"
            f'intervalo = "[{hi}, +inf)"\n'
        )
    if draw(st.booleans()):
        parts.append(f'[redondeo]\nmodo = "{draw(st.sampled_from(["half_up", "half_even", "down", "up"]))}"\n')
    if draw(st.booleans()):
        parts.append(f'[formulas.ejecucion_fisica_ao]\nexpr = "min({draw(st.integers(min_value=60, max_value=120))}, 100 * ejecutado / programado)"\n')
    return "\n".join(parts)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides())
def test_every_change_has_a_cause_and_every_cause_is_a_difference(text):
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "reglas-propias.toml"
        f.write_text(text, encoding="utf-8")
        other = load_ruleset(BASE, overrides=[f])
        ev = evaluate(PLAN, other, 2023)
    changes, figs = diff_evaluations(BASE_EVAL, ev)
    keys = {c.path for c in changes}
    for fig in figs:
        assert fig.causes, f"{fig.id} moved ({fig.old} -> {fig.new}) with no cause; rule differences: {sorted(keys)}"
        assert {c.path for c in fig.causes} <= keys
        if fig.old is not None and fig.new is not None and fig.old != fig.new and not fig.band_changed and not fig.id.startswith("conteo:"):
            assert not any(c.path[0] == "semaforo" for c in fig.causes), fig.id
    if not changes:
        assert not figs
    # symmetric: the reverse diff lists the same figures
    _, back = diff_evaluations(ev, BASE_EVAL)
    assert {x.id for x in back} == {x.id for x in figs}


def test_a_rule_set_against_itself_changes_nothing():
    assert rule_differences(BASE_RULES, BASE_RULES) == []
    changes, figs = diff_evaluations(BASE_EVAL, evaluate(PLAN, BASE_RULES, 2023))
    assert changes == [] and figs == []


def test_decimal_values_in_rules_compare_by_value_and_type():
    # 100 and 100.0 are the same parameter value: no difference to report
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "o.toml"
        f.write_text("[parametros]\ntope = 100\n", encoding="utf-8")
        same = load_ruleset(BASE, overrides=[f])
        f.write_text("[parametros]\ntope = 100.0\n", encoding="utf-8")
        dotted = load_ruleset(BASE, overrides=[f])
    assert rule_differences(BASE_RULES, same) == []
    assert rule_differences(BASE_RULES, dotted) == []
    assert same.parameters["tope"] == dotted.parameters["tope"] == Decimal(100)
