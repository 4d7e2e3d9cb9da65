"""Evaluation semantics as rules (issue 12): financial execution from the AOs, annual values
from monthly ones per tipo de agregación, owner-level restriction, switching inherited
figures off, rounded vs exact members, and zero-denominator decisions."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import RULES
from pei_rules import evaluate, load_ruleset
from pei_rules.errors import PlanError, RuleError
from pei_rules.explain import explain
from pei_rules.plan import plan_from_doc
from pei_rules.tomlsource import load_toml_bytes

HEAD = """[entidad]
codigo = "PRUEBA"
nombre = "Entidad de prueba"
[plan]
desde = 2023
hasta = 2025
[[oei]]
codigo = "OEI.01"
denominacion = "o1"
[[oei]]
codigo = "OEI.02"
denominacion = "o2"
[[aei]]
codigo = "AEI.01.01"
oei = "OEI.01"
denominacion = "a"
relevancia = 1
[[aei]]
codigo = "AEI.01.02"
oei = "OEI.01"
denominacion = "b"
relevancia = 2
[[aei]]
codigo = "AEI.02.01"
oei = "OEI.02"
denominacion = "c"
relevancia = 1
"""


def plan(text: str, name: str = "plan.toml"):
    return plan_from_doc(load_toml_bytes((HEAD + text).encode("utf-8"), name))


def ind(code: str, de: str, esperado, obtenido, sentido="Ascendente", agregacion="No acumulado") -> str:
    return (
        f'[[indicador]]\ncodigo = "{code}"\nde = "{de}"\nnombre = "n"\nunidad_medida = "número"\n'
        f'sentido = "{sentido}"\nagregacion = "{agregacion}"\nlogro_esperado = {{ 2023 = {esperado} }}\nvalor_obtenido = {{ 2023 = {obtenido} }}\n'
    )


def ao(code: str, aei: str, **kv) -> str:
    body = "".join(f"{k} = {v!r}\n".replace("'", '"') if isinstance(v, str) else f"{k} = {_toml(v)}\n" for k, v in kv.items())
    return f'[[poi.2023.ao]]\ncodigo = "{code}"\naei = "{aei}"\n{body}'


def _toml(v):
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


@pytest.fixture(scope="module")
def rules():
    return load_ruleset(RULES / "ceplan-2023")


def child(tmp_path, text: str, name: str = "hijo"):
    d = tmp_path / name
    d.mkdir()
    (d / "ruleset.toml").write_text(f'[conjunto]\nid = "{name}"\nextends = "ceplan-2023"\n' + text, encoding="utf-8")
    return load_ruleset(d)


# --- 3. financial execution from the AOs ----------------------------------------------------

MONTHS_A = [0, 0, 25000, 0, 0, 25000, 0, 0, 25000, 0, 0, 25000]
SPENT_A = [0, 0, 24000, 0, 0, 25000, 0, 0, 20000, 0, 0, 0]


def test_financial_execution_per_ao_aei_oei_and_entity_are_ratios_of_sums(rules):
    p = plan(
        ao("AO.1", "AEI.01.01", financiero_programado_mensual=MONTHS_A, financiero_ejecutado_mensual=SPENT_A)
        + ao("AO.2", "AEI.01.01", pim=50000, devengado=50000)
        + ao("AO.3", "AEI.01.02", pim=10000, devengado=2500)
        + ao("AO.4", "AEI.02.01", pim=40000, devengado=30000)
    )
    ev = evaluate(p, rules, 2023)
    assert str(ev.get("ejecucion_financiera_ao:AO.1").value) == "69.00"  # 69000 / 100000
    assert str(ev.get("ejecucion_financiera_ao:AO.3").value) == "25.00"
    # AEI.01.01: (69000 + 50000) / (100000 + 50000) = 79.33; not the mean of 69 and 100
    assert str(ev.get("ejecucion_financiera_aei:AEI.01.01").value) == "79.33"
    # OEI.01: (69000 + 50000 + 2500) / 160000 = 75.9375
    assert str(ev.get("ejecucion_financiera_oei:OEI.01").value) == "75.94"
    # entity: 151500 / 200000
    assert str(ev.get("ejecucion_financiera_entidad").value) == "75.75"
    assert ev.get("ejecucion_financiera").status == "sin_dato"  # the POI totals were not typed: no echo
    doc = explain(ev, "ejecucion_financiera_aei:AEI.01.01")
    text = str(doc)
    assert "devengado_ao" in text and "suma de devengado de 2 AO" in text


def test_an_ao_without_financial_data_leaves_its_aei_without_data(rules):
    p = plan(ao("AO.1", "AEI.01.01", pim=100, devengado=50) + ao("AO.2", "AEI.01.01", programado=1, ejecutado=1))
    ev = evaluate(p, rules, 2023)
    f = ev.get("ejecucion_financiera_aei:AEI.01.01")
    assert f.status == "sin_dato" and "AO.2" in f.reason


@settings(max_examples=30, deadline=None)
@given(
    pims=st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=6),
    frac=st.lists(st.integers(min_value=0, max_value=100), min_size=6, max_size=6),
)
def test_entity_financial_execution_is_total_devengado_over_total_pim(pims, frac):
    rules = load_ruleset(RULES / "ceplan-2023")
    devs = [Decimal(p) * f / 100 for p, f in zip(pims, frac)]
    text = "".join(ao(f"AO.{i}", "AEI.01.01", pim=p, devengado=d) for i, (p, d) in enumerate(zip(pims, devs)))
    ev = evaluate(plan(text), rules, 2023)
    expected = (100 * sum(devs) / sum(Decimal(p) for p in pims)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert ev.get("ejecucion_financiera_entidad").value == expected


# --- 4. annual value from monthly values, per tipo de agregación ---------------------------


@pytest.mark.parametrize(
    "tipo, programado, ejecutado",
    [
        ("Acumulado anual", "12", "9"),  # sum of the months
        ("Último valor", "100", "80"),  # the last month with a value
        ("Máximo valor", "100", "90"),
        (None, "12", "9"),  # no tipo: [agregacion_ao] sin_tipo
    ],
)
def test_annual_physical_value_from_months_per_the_rules(rules, tipo, programado, ejecutado):
    if tipo in ("Último valor", "Máximo valor"):
        pm = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 100, 100]
        em = [10, 20, 30, 40, 50, 60, 70, 90, 80, "N/D", "N/D", "N/D"]
    else:
        pm = [1] * 12
        em = [1] * 9 + [0] * 3
    kv = {"programado_mensual": pm, "ejecutado_mensual": em}
    if tipo:
        kv["agregacion"] = tipo
    ev = evaluate(plan(ao("AO.1", "AEI.01.01", **kv)), rules, 2023)
    f = ev.get("ejecucion_fisica_ao:AO.1")
    got = {i.name: i.value for i in f.inputs}
    assert (str(got["programado"]), str(got["ejecutado"])) == (programado, ejecutado)
    if tipo == "Último valor":
        assert any(i.note and i.note.startswith("último mes con dato") for i in f.inputs)


def test_an_unknown_ao_tipo_de_agregacion_names_the_plan_line(rules):
    p = plan(ao("AO.1", "AEI.01.01", agregacion="Trimestral", programado_mensual=[1] * 12, ejecutado_mensual=[1] * 12))
    with pytest.raises(PlanError) as e:
        evaluate(p, rules, 2023)
    assert "Trimestral" in e.value.message and e.value.line and e.value.key[-1] == "agregacion"


@settings(max_examples=30, deadline=None)
@given(months=st.lists(st.integers(min_value=0, max_value=1000), min_size=12, max_size=12))
def test_acumulado_anual_is_the_sum_of_the_months(months):
    rules = load_ruleset(RULES / "ceplan-2023")
    ev = evaluate(plan(ao("AO.1", "AEI.01.01", agregacion="Acumulado anual", programado_mensual=[1000] * 12, ejecutado_mensual=months)), rules, 2023)
    got = {i.name: i.value for i in ev.get("ejecucion_fisica_ao:AO.1").inputs}
    assert got["ejecutado"] == sum(months) and got["programado"] == 12000


# --- 5. aggregates restricted by owner level --------------------------------------------------


def test_an_aggregate_can_take_only_aei_owned_or_oei_owned_indicators(tmp_path):
    rs = child(
        tmp_path,
        """
[agregados.avance_medio_aei]
etiqueta = "Avance medio de los indicadores de AEI"
ambito = "plan"
miembros = "indicadores"
de = "aei"
valor = "avance_indicador"
metodo = "media"

[agregados.avance_medio_oei]
etiqueta = "Avance medio de los indicadores de OEI"
ambito = "plan"
miembros = "indicadores"
de = "oei"
valor = "avance_indicador"
metodo = "media"

[redondeo.decimales]
avance_medio_aei = 1
avance_medio_oei = 1
""",
    )
    p = plan(ind("I.1", "AEI.01.01", 10, 5) + ind("I.2", "AEI.01.02", 10, 10) + ind("I.3", "OEI.01", 10, 2))
    ev = evaluate(p, rs, 2023)
    assert str(ev.get("avance_medio_aei").value) == "75.0"  # (50 + 100) / 2
    assert str(ev.get("avance_medio_oei").value) == "20.0"
    assert "indicadores de AEI" in ev.get("avance_medio_aei").formula


def test_owner_restriction_needs_indicator_members(tmp_path):
    with pytest.raises(RuleError) as e:
        child(tmp_path, '[agregados.x]\nambito = "plan"\nmiembros = "aei"\nde = "aei"\nvalor = "avance_aei"\nmetodo = "media"\n[redondeo.decimales]\nx = 1\n')
    assert "'de'" in e.value.message and e.value.line


# --- 6. switching an inherited figure off ------------------------------------------------------


def test_a_rule_set_can_switch_inherited_figures_off(tmp_path, rules):
    rs = child(
        tmp_path,
        """
# era B-7: sin ejecución ponderada ni avance Tipo II
[agregados.ejecucion_ponderada]
activo = false

[avance.tipos.tipo_ii]
activo = false
""",
    )
    p = plan(ind("I.1", "AEI.01.01", 10, 5))
    ev = evaluate(p, rs, 2023)
    assert "ejecucion_ponderada" not in ev.figures and "avance_tipo_ii:I.1" not in ev.figures
    assert "ejecucion_ponderada" in rs.switched_off and "ejecucion_ponderada" not in rs.band_for
    assert ev.get("avance_aei:AEI.01.01").value == evaluate(p, rules, 2023).get("avance_aei:AEI.01.01").value


def test_switching_off_a_figure_others_use_is_an_error_naming_the_user(tmp_path):
    with pytest.raises(RuleError) as e:
        child(tmp_path, "[agregados.avance_aei]\nactivo = false\n")
    assert "ejecucion_ponderada" in str(e.value.key) and "desactivada" in e.value.message


def test_activo_must_be_a_boolean(tmp_path):
    with pytest.raises(RuleError) as e:
        child(tmp_path, '[agregados.ejecucion_ponderada]\nactivo = "no"\n')
    assert "true o false" in e.value.message and e.value.line


# --- 15. rounded or exact members ------------------------------------------------------------


def test_an_aggregate_declares_rounded_or_exact_members_and_explain_shows_it(tmp_path, rules):
    # AEI.01.01 (relevance 1) 20/30 = 66.67 (66.7 printed), AEI.01.02 (relevance 2) 25/30 = 83.33 (83.3)
    p = plan(ind("I.1", "AEI.01.01", 30, 20) + ind("I.2", "AEI.01.02", 30, 25))
    exact = evaluate(p, rules, 2023).get("ejecucion_ponderada")
    assert str(exact.value) == "72.22"  # (2 * 66.666… + 83.333…) / 3
    rs = child(tmp_path, '[agregados.ejecucion_ponderada]\nintermedios = "redondeados"\n')
    rounded = evaluate(p, rs, 2023).get("ejecucion_ponderada")
    assert str(rounded.value) == "72.23"  # (2 * 66.7 + 83.3) / 3 = 72.2333…
    assert "valores exactos" in str(explain(evaluate(p, rules, 2023), "ejecucion_ponderada"))
    assert "valores redondeados" in str(explain(evaluate(p, rs, 2023), "ejecucion_ponderada"))


# --- 12. zero denominators -----------------------------------------------------------------------


def test_descendente_reaching_zero_meets_its_target_and_the_aei_is_not_grey(rules):
    p = plan(ind("I.1", "AEI.01.01", 30, 0, sentido="Descendente"))
    ev = evaluate(p, rules, 2023)
    f = ev.get("avance_indicador:I.1")
    assert str(f.value) == "100.0" and f.band.name == "verde"
    assert ev.get("avance_aei:AEI.01.01").band.name == "verde"
    t = ev.get("avance_tipo_i:I.1")
    assert t.rule.key[-3:] == ("si_division_por_cero", "descendente", "no_acumulado") and "avance.toml" in t.rule.file
    assert "tope if esperado > 0 else 0" in str(explain(ev, "avance_tipo_i:I.1"))


def test_zero_by_zero_stays_without_data_and_says_which_decision(rules):
    ev = evaluate(plan(ind("I.1", "AEI.01.01", 0, 0, sentido="Descendente")), rules, 2023)
    f = ev.get("avance_indicador:I.1")
    assert f.status == "sin_dato" and "0/0" in f.reason


def test_every_case_of_the_shipped_rule_set_has_explicit_zero_decisions(rules):
    for kname, kind in rules.advance_kinds.items():
        assert set(kind.on_zero) == set(kind.formulas), kname
        # 0/0 decisions for every case that can divide 0 by 0
        assert {c for c in kind.formulas if c[0] != "no_definido"} <= set(kind.on_zero_by_zero), kname


# --- 14. acumulado indicators: yearly or cumulative values, a rule-set setting -----------------


def _acum_plan(esperado: dict, obtenido: dict):
    fmt = lambda d: ", ".join(f"{y} = {v}" for y, v in d.items())  # noqa: E731
    return plan(
        '[[indicador]]\ncodigo = "I.A"\nde = "AEI.01.01"\nnombre = "n"\nunidad_medida = "número"\nsentido = "Ascendente"\n'
        f'agregacion = "Acumulado"\nlinea_base = {{ anio = 2022, valor = 0 }}\nlogro_esperado = {{ {fmt(esperado)} }}\nvalor_obtenido = {{ {fmt(obtenido)} }}\n'
    )


def test_the_documented_acumulado_example(tmp_path, rules):
    """docs/plan-format.md: targets 10, 15, 20 and results 8, 16, per year; the same plan written
    as running totals under a rule set that says so gives the same figures."""
    annual = evaluate(_acum_plan({2023: 10, 2024: 15, 2025: 20}, {2023: 8, 2024: 16}), rules, 2024)
    env = {i.name: i.value for i in annual.get("avance_tipo_ii:I.A").inputs}
    assert (env["obtenido_acumulado"], env["esperado_acumulado"]) == (24, 25)
    assert str(annual.get("avance_tipo_ii:I.A").value) == "96.0"
    rs = child(tmp_path, '[avance.entrada_acumulados]\nagregaciones = ["acumulado"]\nforma = "acumulada"\n')
    totals = evaluate(_acum_plan({2023: 10, 2024: 25, 2025: 45}, {2023: 8, 2024: 24}), rs, 2024)
    for kind in ("avance_tipo_i", "avance_tipo_ii", "avance_indicador"):
        assert totals.get(f"{kind}:I.A").value == annual.get(f"{kind}:I.A").value, kind
    t1 = {i.name: i.value for i in totals.get("avance_tipo_i:I.A").inputs}
    assert (t1["obtenido"], t1["esperado"]) == (16, 15)


@settings(max_examples=30, deadline=None)
@given(
    esp=st.lists(st.integers(min_value=1, max_value=500), min_size=3, max_size=3),
    obt=st.lists(st.integers(min_value=0, max_value=500), min_size=3, max_size=3),
    year=st.sampled_from([2023, 2024, 2025]),
)
def test_yearly_and_cumulative_entry_give_the_same_figures(tmp_path_factory, esp, obt, year):
    rules = load_ruleset(RULES / "ceplan-2023")
    d = tmp_path_factory.mktemp("acum")
    (d / "ruleset.toml").write_text('[conjunto]\nid = "acum"\nextends = "ceplan-2023"\n[avance.entrada_acumulados]\nagregaciones = ["acumulado"]\nforma = "acumulada"\n', encoding="utf-8")
    rs = load_ruleset(d)
    years = [2023, 2024, 2025]
    run = lambda xs: [sum(xs[: i + 1]) for i in range(len(xs))]  # noqa: E731
    a = evaluate(_acum_plan(dict(zip(years, esp)), dict(zip(years, obt))), rules, year)
    b = evaluate(_acum_plan(dict(zip(years, run(esp))), dict(zip(years, run(obt)))), rs, year)
    for kind in ("avance_tipo_i", "avance_tipo_ii"):
        fa, fb = a.get(f"{kind}:I.A"), b.get(f"{kind}:I.A")
        assert (fa.value, fa.status) == (fb.value, fb.status), kind


def test_cumulative_entry_names_real_tipos(tmp_path):
    with pytest.raises(RuleError) as e:
        child(tmp_path, '[avance.entrada_acumulados]\nagregaciones = ["acumulativo"]\nforma = "acumulada"\n')
    assert "acumulativo" in e.value.message and e.value.line


def test_the_settings_documented_in_adapting_rules_load(tmp_path):
    from conftest import ROOT

    text = (ROOT / "docs" / "adapting-rules.md").read_text(encoding="utf-8")
    block = text.split("More settings a rule set can state", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    rs = child(tmp_path, block, name="documentado")
    assert {"ejecucion_ponderada", "avance_tipo_ii"} <= set(rs.switched_off)
    assert rs.aggregates["avance_medio_aei"].of == "aei" and rs.aggregates["avance_medio_aei"].intermediates == "redondeados"
    assert rs.advance_kinds["tipo_i"].on_zero[("descendente", "no_acumulado")].text == "tope if esperado > 0 else 0"


def test_check_reports_prioridad_and_ao_tipo_words_outside_the_vocabulary(rules):
    from pei_rules.check import ERROR, WARNING, check

    p = plan(
        ind("I.1", "AEI.01.01", 10, 5) + ind("I.2", "AEI.01.02", 10, 5) + ind("I.3", "AEI.02.01", 10, 5) + ind("I.4", "OEI.01", 10, 5) + ind("I.5", "OEI.02", 10, 5)
        + ao("AO.1", "AEI.01.01", programado=1, ejecutado=1, prioridad="Urgentísima", agregacion="Trimestral")
        + ao("AO.2", "AEI.01.01", programado=1, ejecutado=1, prioridad="Muy alta", agregacion="Acumulado anual")
    )
    p.model.aei[0].prioridad = "Altísima"
    p.model.aei[1].prioridad = "3"  # a rank is always accepted
    found = {(f.code, f.severity, f.ref.key[-1]) for f in check(p, rules, 2023) if f.code == "fuera_de_vocabulario"}
    assert found == {("fuera_de_vocabulario", WARNING, "prioridad"), ("fuera_de_vocabulario", ERROR, "agregacion")}
    msgs = [str(f) for f in check(p, rules, 2023) if f.code == "fuera_de_vocabulario"]
    assert any("Urgentísima" in m for m in msgs) and any("Altísima" in m for m in msgs) and any("Trimestral" in m for m in msgs)
