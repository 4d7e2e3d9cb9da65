"""Versioned rule sets: extends/overrides with provenance, picking by year, periods,
`rules list/show/check/test`, `diff`, and a new directive written in TOML alone."""
from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from pei_rules import evaluate, load_plan, load_ruleset
from pei_rules.cli import main
from pei_rules.diffing import dependencies, diff_evaluations, rule_differences
from pei_rules.errors import PlanError, RuleError, UsageError
from pei_rules.choice import pick_for_year

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

SEM = FIXTURES / "rulesets" / "semestral-2025.toml"
V01 = FIXTURES / "rulesets" / "v01-2020-2022.toml"
ALL = ["ceplan-2019-v01", "ceplan-2023", "ceplan-2023-fijo-321", "ceplan-2025-semestral"]


def _english(monkeypatch) -> None:
    """English messages for this test (the language in force is a context variable that an
    in-process CLI run may have set; monkeypatch restores it)."""
    from pei_rules import i18n

    monkeypatch.setattr(i18n, "current_lang", lambda: "en")


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def line_of(path: Path, needle: str) -> int:
    for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in text:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


# --- the rule sets --------------------------------------------------------------------------


@pytest.mark.parametrize("rid", ALL)
def test_every_rule_set_loads_and_declares_its_anchoring(rid):
    rs = load_ruleset(RULES / rid)
    assert rs.id == rid and rs.title and rs.directive and rs.anchor
    assert rs.valid_from is not None
    assert rs.anchored is (rid == "ceplan-2023")


def test_extends_keeps_the_file_and_line_of_every_leaf():
    child = load_ruleset(RULES / "ceplan-2023-fijo-321")
    value, ref = child.leaves[("ponderacion", "esquema")]
    assert value == "fijo_3_2_1"
    assert ref.file.endswith("ceplan-2023-fijo-321/ruleset.toml") and ref.line == line_of(RULES / "ceplan-2023-fijo-321" / "ruleset.toml", 'esquema = "fijo_3_2_1"')
    _, pref = child.leaves[("ponderacion", "esquemas", "fijo_3_2_1")]
    assert pref.file.endswith("ceplan-2023/agregacion.toml") and pref.line == line_of(RULES / "ceplan-2023" / "agregacion.toml", 'fijo_3_2_1 = "4 - r"')
    assert child.extends == ["ceplan-2023"]
    # functions and periods are rules, inherited; description is not
    assert child.functions == load_ruleset(RULES / "ceplan-2023").functions
    assert child.anchored is False


def test_the_only_rule_difference_of_the_fixed_variant_is_the_scheme():
    a, b = load_ruleset(RULES / "ceplan-2023"), load_ruleset(RULES / "ceplan-2023-fijo-321")
    changes = rule_differences(a, b)
    assert [(c.key, c.old, c.new) for c in changes] == [("ponderacion.esquema", "relativo_al_conjunto", "fijo_3_2_1")]


def test_the_2025_set_overrides_only_the_capped_formulas_and_adds_the_semester():
    a, b = load_ruleset(RULES / "ceplan-2023"), load_ruleset(RULES / "ceplan-2025-semestral")
    keys = {c.key for c in rule_differences(a, b)}
    assert {"avance.tipos.tipo_i.ascendente.acumulado", "avance.tipos.tipo_i.descendente.no_acumulado", "periodos.semestral.ao"} <= keys
    assert not any(k.startswith(("semaforo", "ponderacion", "agregados", "redondeo", "formulas")) for k in keys)
    assert b.periods == ["anual", "semestral"]


@pytest.mark.parametrize("year,rid", [(2019, "ceplan-2019-v01"), (2022, "ceplan-2019-v01"), (2023, "ceplan-2023"), (2024, "ceplan-2023"), (2025, "ceplan-2025-semestral"), (2030, "ceplan-2025-semestral")])
def test_the_rule_set_valid_for_a_year_is_picked_and_explained(year, rid, monkeypatch):
    _english(monkeypatch)
    folder, why = pick_for_year(year)
    assert load_ruleset(folder).id == rid
    assert f"'{rid}' is valid for {year}" in why
    if year in (2023, 2024):
        assert "anchored" in why and "ceplan-2023-fijo-321" in why


def test_no_rule_set_for_an_early_year_is_a_usage_error():
    with pytest.raises(UsageError):
        pick_for_year(2010)


def test_an_explicit_choice_wins_over_the_year(capsys):
    code, out, _ = run(capsys, "evaluate", ZED, "--year", "2023", "--rules", "ceplan-2023-fijo-321", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["receipt"]["rule_set"]["id"] == "ceplan-2023-fijo-321"
    assert data["summary"]["ejecucion_ponderada"] == "94.25"


# --- an institution's own overrides -----------------------------------------------------------

OWN_BANDS = """# Bandas propias de la entidad para su POI.
[semaforo.escalas.poi_propia]
etiqueta = "Semaforización propia del POI"

[semaforo.escalas.poi_propia.bandas.deficiente]
intervalo = "(-inf, 85]"

[semaforo.escalas.poi_propia.bandas.regular]
intervalo = "(85, 90]"

[semaforo.escalas.poi_propia.bandas.bueno]
intervalo = "(90, 120]"

[semaforo.escalas.poi_propia.bandas.exceso]
intervalo = "(120, +inf)"

[semaforo.aplicar]
ejecucion_fisica_ao = "poi_propia"
ejecucion_fisica_promedio = "poi_propia"
"""


def test_an_institutions_overrides_next_to_its_plan_apply_and_are_named(tmp_path, capsys):
    plan = tmp_path / "pei.toml"
    shutil.copy(ZED, plan)
    (tmp_path / "reglas-propias.toml").write_text(OWN_BANDS, encoding="utf-8")
    code, out, _ = run(capsys, "evaluate", plan, "--year", "2023", "--format", "json")
    assert code == 0
    data = json.loads(out)
    figs = {f["id"]: f for f in data["figures"]}
    assert figs["ejecucion_fisica_promedio"]["band"] == "bueno"  # 92.59 is in (90, 120]
    assert figs["ejecucion_fisica_ao:AO.03.02.03"]["band"] == "deficiente"  # 0
    assert "reglas-propias.toml" in data["receipt"]["rule_set_choice"]
    code, out, _ = run(capsys, "evaluate", plan, "--year", "2023", "--format", "json", "--no-overrides")
    assert {f["id"]: f for f in json.loads(out)["figures"]}["ejecucion_fisica_promedio"]["band"] == "amarillo"


def test_a_broken_override_fails_with_its_own_file_and_line(tmp_path, capsys):
    plan = tmp_path / "pei.toml"
    shutil.copy(ZED, plan)
    bad = OWN_BANDS.replace('intervalo = "(85, 90]"', 'intervalo = "(86, 90]"')
    (tmp_path / "reglas-propias.toml").write_text(bad, encoding="utf-8")
    code, _, err = run(capsys, "evaluate", plan, "--year", "2023")
    assert code == 2
    assert f"reglas-propias.toml:{line_of(tmp_path / 'reglas-propias.toml', '(86, 90]')}" in err and "vacío" in err


# --- rules list / show / check / test ---------------------------------------------------------


def test_rules_list_shows_validity_anchoring_and_parents(capsys):
    code, out, _ = run(capsys, "rules", "list", "--format", "json")
    assert code == 0
    sets = {s["id"]: s for s in json.loads(out)["rule_sets"]}
    assert set(ALL) <= set(sets)
    assert sets["ceplan-2023"]["anchored"] is True and sets["ceplan-2019-v01"]["anchored"] is False
    assert sets["ceplan-2019-v01"]["valid_from"] == 2019 and sets["ceplan-2019-v01"]["valid_to"] == 2022
    assert sets["ceplan-2025-semestral"]["extends"] == ["ceplan-2023"]
    code, out, _ = run(capsys, "rules", "list")
    assert "ceplan-2023-fijo-321" in out and "2023–2024" in out


def test_rules_show_prints_each_effective_leaf_with_its_origin(capsys):
    code, out, _ = run(capsys, "rules", "show", "ceplan-2023-fijo-321")
    assert code == 0
    line = next(l for l in out.splitlines() if l.startswith("esquema = "))
    assert '"fijo_3_2_1"' in line and "ceplan-2023-fijo-321/ruleset.toml:" in line
    tope = next(l for l in out.splitlines() if l.startswith("tope = "))
    assert f"ceplan-2023/ruleset.toml:{line_of(RULES / 'ceplan-2023' / 'ruleset.toml', 'tope = 100')}" in tope
    code, out, _ = run(capsys, "rules", "show", "ceplan-2025-semestral", "--format", "json")
    leaves = {l["key"]: l for l in json.loads(out)["leaves"]}
    assert leaves["avance.tipos.tipo_i.ascendente.acumulado"]["value"] == "100 * obtenido / esperado"
    assert leaves["avance.tipos.tipo_i.ascendente.acumulado"]["file"].endswith("ceplan-2025-semestral/avance.toml")
    assert leaves["avance.tipos.tipo_i.no_definido.maximo_permisible"]["file"].endswith("ceplan-2023/avance.toml")


def test_rules_check_passes_every_shipped_rule_set(capsys):
    code, out, _ = run(capsys, "rules", "check")
    assert code == 0, out
    for rid in ALL:
        assert f"ok    {rid}" in out


def test_rules_check_unknown_rule_set_is_usage(capsys):
    code, _, err = run(capsys, "rules", "check", "ceplan-2099")
    assert code == 2 and "conjunto de reglas desconocido 'ceplan-2099'" in err
    code, _, err = run(capsys, "rules", "check", "ceplan-2099", "--lang", "en")
    assert code == 2 and "unknown rule set 'ceplan-2099' (not a folder, not a known id)" in err


def test_rules_test_runs_every_case(capsys):
    code, out, _ = run(capsys, "rules", "test")
    assert code == 0, out
    last = out.strip().splitlines()[-1]
    assert last.startswith("casos de reglas: ") and last.endswith(" 0 con fallos")
    assert int(last.split()[3]) > 250


def _copy_sets(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    root.mkdir()
    for rid in ALL:
        shutil.copytree(RULES / rid, root / rid)
    # the [inferencia_sentido] of another issue may or may not be in ceplan-2023: same in both
    return root


def _edit(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")
    return line_of(path, new.splitlines()[0]) if new.strip() else 0


BREAKS = [
    # (rule set, file, old, new, message fragment)
    ("ceplan-2023", "semaforo.toml", 'intervalo = "[75, 95)"', 'intervalo = "[76, 95)"', "vacío entre el rango 'rojo'"),
    ("ceplan-2023", "avance.toml", 'ascendente.acumulado = "min(tope, 100 * obtenido / esperado)"', 'ascendente.acumulado = "min(tope, 100 * obtenidos / esperado)"', "obtenidos"),
    ("ceplan-2023-fijo-321", "ruleset.toml", 'esquema = "fijo_3_2_1"', 'esquema = "fijo_321"', "'fijo_321' no es uno de"),
    ("ceplan-2025-semestral", "avance.toml", 'descendente.no_acumulado = "100 * esperado / obtenido"', 'descendente.no_acumulad = "100 * esperado / obtenido"', "'no_acumulad' no es un caso del sentido 'descendente'"),
    ("ceplan-2025-semestral", "ruleset.toml", 'ao = "acumulado_en_el_anio"', 'ao = "acumulado"', "'acumulado' no es uno de"),
    ("ceplan-2019-v01", "ruleset.toml", 'extends = "ceplan-2023"', 'extends = "ceplan-2019-v01"', "herencia circular (extends)"),
    ("ceplan-2019-v01", "ruleset.toml", 'vigencia = { desde = 2019, hasta = 2022 }', 'vigencia = { desde = 2022, hasta = 2019 }', "es anterior a desde"),
    ("ceplan-2023", "ruleset.toml", 'minimo_permisible = ["Mínimo permisible", "Minimo permisible"]', 'semestral = ["Semestral"]\nminimo_permisible = ["Mínimo permisible", "Minimo permisible"]', "'semestral' no es un caso de ningún sentido"),
]


@pytest.mark.parametrize("rid,fname,old,new,fragment", BREAKS, ids=[f"{b[0]}:{b[1]}:{b[4][:20]}" for b in BREAKS])
def test_a_broken_copy_of_each_rule_set_fails_check_at_the_right_line(tmp_path, capsys, rid, fname, old, new, fragment):
    root = _copy_sets(tmp_path)
    target = root / rid / fname
    line = _edit(target, old, new)
    code, out, _ = run(capsys, "rules", "check", root / rid, "--format", "json")
    assert code == 1
    res = json.loads(out)["results"][0]
    assert not res["ok"]
    err = res["error"]
    assert fragment in err["message"], err
    assert Path(err["file"]).resolve() == target.resolve()
    assert err["line"] == line, (err, line)
    # text output names file:line too, and the whole-folder check fails as well
    code, out, _ = run(capsys, "rules", "check", root / rid)
    assert code == 1 and f"{fname}:" in out and "FALLA" in out


def test_a_broken_expression_names_the_column(tmp_path, capsys):
    root = _copy_sets(tmp_path)
    target = root / "ceplan-2023" / "poi.toml"
    line = _edit(target, 'expr = "100 * ejecutado / programado"', 'expr = "100 * ejecutado // programado"')
    code, out, _ = run(capsys, "rules", "check", root / "ceplan-2023")
    assert code == 1
    assert f"poi.toml:{line}:" in out and "^" in out


def test_circular_extends_between_two_sets_is_reported(tmp_path):
    root = _copy_sets(tmp_path)
    # copies with their own ids (a copy reusing a bundled id with other content is refused)
    _edit(root / "ceplan-2023" / "ruleset.toml", 'id = "ceplan-2023"\n', 'id = "copia-2023"\nextends = "copia-fijo"\n')
    _edit(root / "ceplan-2023-fijo-321" / "ruleset.toml", 'id = "ceplan-2023-fijo-321"', 'id = "copia-fijo"')
    _edit(root / "ceplan-2023-fijo-321" / "ruleset.toml", 'extends = "ceplan-2023"', 'extends = "copia-2023"')
    with pytest.raises(RuleError) as ei:
        load_ruleset(root / "ceplan-2023-fijo-321")
    assert "herencia circular (extends)" in ei.value.message and ei.value.line


# --- periods ------------------------------------------------------------------------------


def _sem(semester: int):
    return evaluate(load_plan(SEM), load_ruleset(RULES / "ceplan-2025-semestral"), 2025, period="semestral", semester=semester)


def test_semester_1_uses_the_semester_targets_and_months():
    ev = _sem(1)
    assert ev.get("avance_indicador:IND.A").value == Decimal("75.0")  # 6 of 8
    assert ev.get("avance_indicador:IND.A").band.name == "amarillo"
    assert ev.get("avance_indicador:IND.B").value == Decimal("90.0")  # descending: 45 / 50
    assert ev.get("ejecucion_fisica_ao:AO.1").value == Decimal("66.67")  # Jan-Jun: 4 of 6
    ao2 = ev.get("ejecucion_fisica_ao:AO.2")
    assert ao2.value is None and "por mes" in ao2.reason
    assert ev.get("ejecucion_financiera").value is None
    assert ev.get("ejecucion_ponderada").value == Decimal("80.00")  # (2*75 + 90) / 3
    assert ev.receipt()["period"] == "semestral" and ev.receipt()["semester"] == 1


def test_semester_2_uncapped_and_cumulative_months():
    ev = _sem(2)
    assert ev.get("avance_indicador:IND.A").value == Decimal("133.3")  # 16 of 12, no cap in 2025
    b = ev.get("avance_indicador:IND.B")
    assert b.value is None and "2025-S2" in b.reason
    assert ev.get("ejecucion_fisica_ao:AO.1").value == Decimal("88.89")  # Jan-Dec: 16 of 18
    assert ev.get("ejecucion_fisica_ao:AO.2").value == Decimal("100.00")  # the year's own figure
    assert ev.get("ejecucion_financiera").value == Decimal("60.00")


def test_annual_evaluation_is_unchanged_by_the_semester_data():
    ev = evaluate(load_plan(SEM), load_ruleset(RULES / "ceplan-2025-semestral"), 2025)
    assert ev.get("avance_indicador:IND.A").value == Decimal("110.0")
    assert ev.receipt()["period"] == "anual" and "semester" not in ev.receipt()


def test_semester_cli_and_refused_periods(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # a wide terminal: headers and sentences on one line
    code, out, _ = run(capsys, "evaluate", SEM, "--period", "semestral", "--semester", "1")
    assert code == 0
    assert "Evaluación semestral 2025-S1" in out and "Logro esperado 2025-S1" in out
    code, _, err = run(capsys, "evaluate", SEM, "--rules", "ceplan-2023", "--period", "semestral", "--semester", "1")
    assert code == 2 and "no declara el periodo 'semestral'" in err and "ruleset.toml:" in err
    code, _, err = run(capsys, "evaluate", SEM, "--period", "semestral")
    assert code == 2 and "--semester" in err
    code, _, err = run(capsys, "evaluate", SEM, "--semester", "1")
    assert code == 2 and "solo con --period semestral" in err


def test_a_badly_written_semester_key_is_a_plan_error_with_its_line(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text(SEM.read_text(encoding="utf-8").replace('"2025-S1" = 6', '"2025-s1" = 6'), encoding="utf-8")
    with pytest.raises(PlanError) as ei:
        evaluate(load_plan(p), load_ruleset(RULES / "ceplan-2025-semestral"), 2025, period="semestral", semester=1)
    assert ei.value.line == line_of(p, '"2025-s1" = 6') and "AÑO-S1" in ei.value.message


# --- inferred sentido (Aplicativo V.01 era) -------------------------------------------------


def test_the_v01_set_evaluates_with_the_sentido_the_targets_imply():
    pytest.importorskip("pei_rules.inference")
    plan = load_plan(V01)
    a = evaluate(plan, load_ruleset(RULES / "ceplan-2023"), 2021)
    b = evaluate(plan, load_ruleset(RULES / "ceplan-2019-v01"), 2021)
    assert a.get("avance_indicador:IND.BAJA").value == Decimal("100.0")  # declared ascendente: capped 100/90
    f = b.get("avance_tipo_i:IND.BAJA")
    assert f.value == Decimal("90.0") and "descendente" in f.method and "inferido" in f.method  # 90 / 100
    assert b.get("avance_indicador:IND.PLANA").value == Decimal("80.0")  # constant -> ascendente: 4 / 5
    _, figs = diff_evaluations(a, b)
    assert {c.id for c in figs} >= {"avance_indicador:IND.BAJA", "avance_aei:AEI.01", "ejecucion_ponderada"}
    for c in figs:
        assert c.causes and all(x.key.startswith("inferencia_sentido") for x in c.causes)


# --- diff -------------------------------------------------------------------------------------


def test_zed_diff_between_2023_and_fixed_321_moves_only_the_weighted_figure(capsys):
    code, out, _ = run(capsys, "diff", ZED, "--rules", "ceplan-2023", "--rules", "ceplan-2023-fijo-321", "--year", "2023", "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert [r["key"] for r in data["rule_differences"]] == ["ponderacion.esquema"]
    (fig,) = data["figures"]
    assert fig["id"] == "ejecucion_ponderada"
    assert (fig["old"], fig["new"], fig["difference"]) == ("95.10", "94.25", "-0.85")
    assert (fig["old_band"], fig["new_band"], fig["band_changed"]) == ("verde", "amarillo", True)
    assert fig["causes"] == ["ponderacion.esquema"]
    code, out, _ = run(capsys, "diff", ZED, "--rules", "ceplan-2023", "--rules", "ceplan-2023-fijo-321", "--year", "2023")
    row = next(l for l in out.splitlines() if l.startswith("ejecucion_ponderada"))
    assert "95.10" in row and "94.25" in row and "-0.85" in row and "Verde -> Amarillo" in row and "ponderacion.esquema" in row


def test_diff_of_a_rule_set_with_itself_is_empty(capsys):
    code, out, _ = run(capsys, "diff", ZED, "--rules", "ceplan-2023", "--rules", "ceplan-2023", "--year", "2023")
    assert code == 0 and "Ninguna cifra cambia." in out


def test_diff_needs_two_rule_sets(capsys):
    code, _, err = run(capsys, "diff", ZED, "--rules", "ceplan-2023")
    assert code == 2 and "exactamente dos" in err


def test_diff_attributes_uncapping_to_the_formulas(capsys):
    code, out, _ = run(capsys, "diff", ZED, "--rules", "ceplan-2023", "--rules", "ceplan-2025-semestral", "--year", "2023", "--format", "json")
    assert code == 1
    figs = {f["id"]: f for f in json.loads(out)["figures"]}
    f = figs["avance_indicador:IND.01.AEI.02.03"]  # 116 of 14
    assert (f["old"], f["new"]) == ("100.0", "828.6")
    assert f["causes"] and all(c.startswith("avance.tipos.tipo_i") for c in f["causes"])
    assert "avance_indicador:IND.01.AEI.02.01" not in figs  # 50.0 either way
    assert not any(k.startswith("ejecucion_fisica") or k == "ejecucion_financiera" for k in figs)


def test_dependencies_follow_aggregates_down_to_formulas():
    rs = load_ruleset(RULES / "ceplan-2023")
    deps = dependencies(rs, "ejecucion_ponderada")
    assert ("ponderacion", "esquema") in deps and ("agregados", "avance_aei") in deps and ("avance", "tipos", "tipo_i") in deps
    assert ("formulas", "ejecucion_fisica_ao") not in deps
    assert ("ponderacion", "esquema") not in dependencies(rs, "avance_aei")


def test_diff_over_a_folder_counts_entities_changing_band(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(ZED, tmp_path / "a" / "pei.toml")
    shutil.copy(SEM, tmp_path / "b" / "pei.toml")
    code, out, _ = run(capsys, "diff", tmp_path, "--rules", "ceplan-2023", "--rules", "ceplan-2023-fijo-321", "--format", "json")
    assert code == 1
    data = json.loads(out)
    plans = {Path(p["plan"]).parent.name: p for p in data["plans"]}
    assert plans["a"]["band_changed_figures"] == ["ejecucion_ponderada"]
    # the 2025 test plan: AEI grades {1,2}: 2:1 vs 3:2 moves the weighted figure, not its band
    assert plans["b"]["band_changes"] == 0
    assert data["entities"] == 2 and data["entities_changing_band"] == 1
    code, out, _ = run(capsys, "diff", tmp_path, "--rules", "ceplan-2023", "--rules", "ceplan-2023-fijo-321")
    assert "1 de 2 entidades cambian de semáforo en alguna cifra" in out


# --- a new directive in TOML alone ----------------------------------------------------------

VARIANT = """
[conjunto]
id = "directiva-nueva"
extends = "ceplan-2023"
titulo = "Directiva hipotética"
vigencia = { desde = 2023, hasta = 2023 }
anclado = false
anclaje = "ninguno: prueba"

[ponderacion]
esquema = "iguales"

[semaforo.escalas.ceplan.bandas.rojo]
intervalo = "(-inf, 60)"

[semaforo.escalas.ceplan.bandas.amarillo]
intervalo = "[60, 90)"

[semaforo.escalas.ceplan.bandas.verde]
intervalo = "[90, +inf)"

[formulas.saldo_por_devengar]
etiqueta = "Saldo por devengar (S/)"
ambito = "plan"
expr = "pim - devengado"

[redondeo.decimales]
saldo_por_devengar = 2
"""

VARIANT_CASES = """
conjunto = "directiva-nueva"
tolerancia = 0.0001

[[caso]]
nombre = "saldo por devengar de ZED ILO 2023"
objetivo = "formula"
formula = "saldo_por_devengar"
entradas = { pim = 4930000, devengado = 3661516.08 }
esperado = 1268483.92
redondeado = "1268483.92"

[[caso]]
nombre = "60 ya es amarillo en la directiva nueva"
objetivo = "semaforo"
escala = "ceplan"
valor = 60
banda = "amarillo"

[[caso]]
nombre = "pesos iguales"
objetivo = "ponderacion"
relevancias = [1, 2]
pesos = [0.5, 0.5]
"""


def test_a_new_directive_in_toml_alone_evaluates_tests_and_diffs(tmp_path, monkeypatch, capsys):
    root = tmp_path / "reglas"
    (root / "directiva-nueva" / "casos").mkdir(parents=True)
    (root / "directiva-nueva" / "ruleset.toml").write_text(VARIANT, encoding="utf-8")
    (root / "directiva-nueva" / "casos" / "propios.toml").write_text(VARIANT_CASES, encoding="utf-8")
    monkeypatch.setenv("PEI_RULES_PATH", str(root))

    assert run(capsys, "rules", "check", "directiva-nueva")[0] == 0
    code, out, _ = run(capsys, "rules", "test", "directiva-nueva")
    assert code == 0 and "casos de reglas: 3 correctos, 0 con fallos" in out

    code, out, _ = run(capsys, "diff", ZED, "--year", "2023", "--rules", "ceplan-2023", "--rules", "directiva-nueva", "--format", "json")
    assert code == 1
    data = json.loads(out)
    figs = {f["id"]: f for f in data["figures"]}
    # equal weights: (10 * 100 + 50 + 200/3) / 12 = 93.0556
    w = figs["ejecucion_ponderada"]
    assert (w["old"], w["new"], w["old_band"], w["new_band"]) == ("95.10", "93.06", "verde", "verde")
    assert w["causes"] == ["ponderacion.esquema"]  # the band did not move: band rules are not its cause
    # new bands: 66.7 is now amarillo; 92.59 is now verde
    assert figs["avance_indicador:IND.01.AEI.03.02"]["new_band"] == "amarillo"
    assert figs["avance_indicador:IND.01.AEI.03.02"]["old"] == figs["avance_indicador:IND.01.AEI.03.02"]["new"] == "66.7"
    assert sorted(figs["avance_indicador:IND.01.AEI.03.02"]["causes"]) == ["semaforo.escalas.ceplan.bandas.amarillo.intervalo", "semaforo.escalas.ceplan.bandas.rojo.intervalo"]
    assert figs["ejecucion_fisica_promedio"]["new_band"] == "verde"
    # the added formula appears only on the new side
    s = figs["saldo_por_devengar"]
    assert s["old_status"] is None and s["new"] == "1268483.92" and "formulas.saldo_por_devengar.expr" in s["causes"]
    # the 50.0 indicator stays rojo: not listed
    assert "avance_indicador:IND.01.AEI.02.01" not in figs

    # a mistake in the variant is caught with its line
    bad = VARIANT.replace('expr = "pim - devengado"', 'expr = "pim - devengados"')
    (root / "directiva-nueva" / "ruleset.toml").write_text(bad, encoding="utf-8")
    code, out, _ = run(capsys, "rules", "check", "directiva-nueva")
    assert code == 1 and f"ruleset.toml:{line_of(root / 'directiva-nueva' / 'ruleset.toml', 'devengados')}" in out


@pytest.mark.parametrize("year", [2023, 2024])
def test_picking_by_year_names_rule_sets_that_do_not_load(tmp_path, monkeypatch, year):
    root = tmp_path / "reglas"
    for rid, head in [("rota", "vigencia = { desde = 2024 }\nanclado = true"), ("rota-baja", "vigencia = { desde = 2023 }")]:
        (root / rid).mkdir(parents=True)
        (root / rid / "ruleset.toml").write_text(f'[conjunto]\nid = "{rid}"\n{head}\n', encoding="utf-8")
        (root / rid / "avance.toml").write_text("[avance\n", encoding="utf-8")  # not TOML
    monkeypatch.setenv("PEI_RULES_PATH", str(root))
    _english(monkeypatch)
    folder, why = pick_for_year(year)
    assert load_ruleset(folder).id == "ceplan-2023"
    # 'rota' would have been preferred in 2024 (a newer claim): it is tried and named; 'rota-baja'
    # ranks below ceplan-2023 by its header (no claim, local): it is never loaded, only named as valid
    assert ("skipped rule sets that do not load: rota" in why) == (year == 2024), why
    assert "rota-baja" in why.split("also valid:")[1].split(";")[0] and "rota-baja" not in why.partition("skipped")[2]


def test_an_override_cannot_change_what_the_rule_set_is(tmp_path, capsys):
    plan = tmp_path / "pei.toml"
    shutil.copy(ZED, plan)
    (tmp_path / "reglas-propias.toml").write_text('[conjunto]\nextends = "ceplan-2019-v01"\n', encoding="utf-8")
    code, _, err = run(capsys, "evaluate", plan, "--year", "2023")
    assert code == 2 and "reglas-propias.toml:2" in err and "no puede cambiar [conjunto] extends" in err
    code, _, err = run(capsys, "evaluate", plan, "--year", "2023", "--lang", "en")
    assert code == 2 and "reglas-propias.toml:2" in err and "cannot change [conjunto] extends" in err
    assert "write a new rule set that extends it" in err


def test_rules_show_with_an_institutions_overrides_cites_them(tmp_path, capsys):
    own = tmp_path / "reglas-propias.toml"
    own.write_text(OWN_BANDS, encoding="utf-8")
    code, out, _ = run(capsys, "rules", "show", "ceplan-2023", "--overrides", own)
    assert code == 0
    line = next(l for l in out.splitlines() if l.startswith('ejecucion_fisica_ao = "poi_propia"'))
    assert f"reglas-propias.toml:{line_of(own, 'ejecucion_fisica_ao')}" in line


def test_rules_check_flags_a_copy_that_reuses_an_id(tmp_path, monkeypatch, capsys):
    root = tmp_path / "reglas"
    root.mkdir()
    shutil.copytree(RULES / "ceplan-2023-fijo-321", root / "zz-copia")
    monkeypatch.setenv("PEI_RULES_PATH", str(root))
    code, out, _ = run(capsys, "rules", "check")
    assert code == 1
    # bundled sets come first in the search path: the copy is the shadowed one
    assert "zz-copia/ruleset.toml:" in out and "el id 'ceplan-2023-fijo-321' ya lo declara" in out and "rules/ceplan-2023-fijo-321" in out


def test_diff_over_a_folder_reports_a_broken_plan(tmp_path, capsys):
    shutil.copy(ZED, tmp_path / "pei.toml")
    (tmp_path / "roto.toml").write_text("[entidad]\ncodigo = 1\n", encoding="utf-8")
    code, out, _ = run(capsys, "diff", tmp_path, "--rules", "ceplan-2023", "--rules", "ceplan-2023-fijo-321", "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert len(data["plans"]) == 1 and len(data["broken"]) == 1 and "roto.toml" in data["broken"][0]["error"]


def test_semestral_diff_attributes_to_the_period_rules(tmp_path, monkeypatch, capsys):
    root = tmp_path / "reglas" / "sem-propio"
    root.mkdir(parents=True)
    (root / "ruleset.toml").write_text(
        '[conjunto]\nid = "sem-propio"\nextends = "ceplan-2025-semestral"\nvigencia = { desde = 2025 }\n\n'
        '[periodos.semestral]\nao = "del_semestre"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PEI_RULES_PATH", str(tmp_path / "reglas"))
    code, out, _ = run(capsys, "diff", SEM, "--rules", "ceplan-2025-semestral", "--rules", "sem-propio", "--period", "semestral", "--semester", "2", "--format", "json")
    assert code == 1
    figs = {f["id"]: f for f in json.loads(out)["figures"]}
    ao1 = figs["ejecucion_fisica_ao:AO.1"]
    assert (ao1["old"], ao1["new"]) == ("88.89", "100.00")  # Jan-Dec 16/18 vs Jul-Dec 12/12
    assert ao1["causes"] == ["periodos.semestral.ao"]
    assert figs["ejecucion_fisica_ao:AO.2"]["new_status"] == "sin_dato"  # no monthly targets
    assert not any(k.startswith("avance_") for k in figs)  # indicators: same semester values
    # semester 1 is January-June either way: nothing moves
    code, out, _ = run(capsys, "diff", SEM, "--rules", "ceplan-2025-semestral", "--rules", "sem-propio", "--period", "semestral", "--semester", "1")
    assert code == 0 and "Ninguna cifra cambia." in out
