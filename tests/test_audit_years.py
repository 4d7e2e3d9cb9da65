"""audit year after year (issue 12): a multi-year plan with a B-7-era rule set, published N/D,
printing conventions, sibling causes, undefined figures, stored results with moved inputs,
and the thousands-separator crash."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import multiyear
from conftest import ROOT, ZED
from pei_rules import evaluate, load_plan, load_ruleset
from pei_rules.audit import MATCH, MISMATCH, NOT_RECOMPUTABLE, audit, audit_periods
from pei_rules.cli import main
from pei_rules.errors import RuleError

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pei_rules", *args], capture_output=True, text=True, cwd=cwd, env=ENV)


@pytest.fixture(scope="module")
def multi(tmp_path_factory):
    d = tmp_path_factory.mktemp("multi")
    text, expected = multiyear.generate()
    (d / "plan.toml").write_text(text, encoding="utf-8")
    (d / "b7").mkdir()
    (d / "b7" / "ruleset.toml").write_text(multiyear.B7_RULES, encoding="utf-8")
    return d, expected


def test_the_multi_year_plan_is_the_size_the_issue_asks(multi):
    d, _ = multi
    plan = load_plan(d / "plan.toml")
    assert plan.model.plan.hasta - plan.model.plan.desde + 1 == 5
    assert len(plan.model.indicador) >= 20
    for year, poi in plan.model.poi.items():
        assert len(poi.ao) >= 100
        assert all(ao.programado_mensual and ao.financiero_ejecutado_mensual for ao in poi.ao)


def test_it_evaluates_every_year(multi):
    d, _ = multi
    plan, rules = load_plan(d / "plan.toml"), load_ruleset(d / "b7")
    for year in multiyear.YEARS:
        ev = evaluate(plan, rules, year)
        aos = [f for f in ev.figures.values() if f.kind == "ejecucion_financiera_ao"]
        assert len(aos) == multiyear.N_AO and all(f.value is not None for f in aos)
        assert ev.get("ejecucion_financiera_entidad").value is not None
        assert "ejecucion_ponderada" not in ev.figures and not any(f.kind == "avance_tipo_ii" for f in ev.figures.values())


def test_audit_year_by_year_gives_each_published_figure_its_status_cause_and_convention(multi):
    d, expected = multi
    plan, rules = load_plan(d / "plan.toml"), load_ruleset(d / "b7")
    groups = audit_periods(plan, lambda y, p: evaluate(plan, rules, y), default_year=2025)
    assert [g.year for g in groups] == multiyear.YEARS
    by_index = {e.index: e for g in groups for e in g.entries}
    assert len(by_index) == len(expected) == len(plan.model.publicado)
    seen = set()
    for i, want in enumerate(expected):
        e = by_index[i]
        assert (e.year, e.status) == (want["year"], want["status"]), (i, want, e.to_dict())
        first = (e.causes or [e.reason or ""])[0]
        assert want["cause"] in first, (want, e.to_dict())
        assert want["convention"] in (e.convention or ""), (want, e.to_dict())
        seen.add((want["status"], want["cause"].split(":")[0] if want["cause"] else want["convention"]))
    # the kinds of entries the issue asks for are all there
    for needle in ("N/D publicado", "un valor con tope se imprime sin decimales", "es el valor sin redondear", "es el valor de la misma cifra en 2023", "la regla no define esta cifra"):
        assert any(needle in (x[1] or "") or needle.startswith(x[1] or "\0") for x in seen), needle


def test_audit_cli_every_year_and_one_year(multi, capsys):
    d, expected = multi
    code = main(["audit", str(d / "plan.toml"), "--rules", str(d / "b7"), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [y["year"] for y in doc["years"]] == multiyear.YEARS and doc["receipt"]["year"] == 2021
    assert doc["summary"][MISMATCH] == sum(1 for w in expected if w["status"] == "mismatch")
    code = main(["audit", str(d / "plan.toml"), "--rules", str(d / "b7"), "--year", "2024", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert {e["year"] for e in doc["entries"]} == {2024}
    assert len(doc["entries"]) == sum(1 for w in expected if w["year"] == 2024)
    code = main(["audit", str(d / "plan.toml"), "--rules", str(d / "b7")])
    text = capsys.readouterr().out
    for y in multiyear.YEARS:
        assert f"Entidad multianual de prueba, {y}" in text
    assert "Todos los años (2021, 2022, 2023, 2024, 2025)" in text
    assert "S/ " in text  # amounts printed with thousands separators are shown as printed


# --- 11. thousands separators never crash the text table ----------------------------------------


def test_thousands_separators_in_a_published_value_do_not_crash_the_text_audit(tmp_path):
    text = ZED.read_text(encoding="utf-8").replace('valor = "4930000"', 'valor = "4,930,000"')
    assert '"4,930,000"' in text
    p = tmp_path / "zed.toml"
    p.write_text(text, encoding="utf-8")
    r = _cli("audit", str(p), "--rules", "ceplan-2023", "--year", "2023")
    assert r.returncode == 1, r.stderr  # the report's known inconsistencies, never exit 3
    assert "internal error" not in r.stderr and "4,930,000" in r.stdout


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["4,930,000", "3'661,516.08", "S/ 1,000", "12 AO", "1.2.3", "N/D", "-0", "1e5"]), min_size=1, max_size=4))
def test_any_printed_text_renders_as_given(cells):
    from pei_rules.commands.audit import table

    out = table([cells], [f"c{i}" for i in range(len(cells))], [12] * len(cells))
    for c in cells:
        assert c in out


# --- 8. printing conventions -------------------------------------------------------------------


def _child(tmp_path, text: str, name: str = "era"):
    d = tmp_path / name
    d.mkdir()
    (d / "ruleset.toml").write_text(f'[conjunto]\nid = "{name}"\nextends = "ceplan-2023"\n' + text, encoding="utf-8")
    return load_ruleset(d)


def _zed_entry(plan, rules, figure: str, value: str):
    plan.model.publicado.clear()
    from pei_rules.plan import Published

    plan.model.publicado.append(Published(figura=figure, valor=value, fuente="prueba"))
    (e,) = audit(evaluate(plan, rules, 2023))
    return e


def test_a_year_printed_without_decimals_is_declared_not_guessed(tmp_path, rules_2023):
    plan = load_plan(ZED)
    # AEI.03.02: 66.666… printed "67" in a year printed without decimals
    e = _zed_entry(plan, rules_2023, "avance_aei:AEI.03.02", "67")
    assert e.status == MISMATCH and "impreso con 0 decimales donde la regla imprime 1" in e.causes[0]
    era = _child(tmp_path, "[impresion.decimales]\navance_aei = 0\n")
    e = _zed_entry(load_plan(ZED), era, "avance_aei:AEI.03.02", "67")
    assert e.status == MATCH and "decimales impresos por la era: 0" in e.convention and "ruleset.toml:5" in e.convention
    e = _zed_entry(load_plan(ZED), era, "avance_aei:AEI.03.02", "66.7")
    assert e.status == MISMATCH  # the era prints 0 decimals: "66.7" is not how it prints


def test_a_whole_value_without_decimals_needs_the_convention(rules_2023):
    plan = load_plan(ZED)
    e = _zed_entry(plan, rules_2023, "avance_aei:AEI.01.01", "100")  # avance_aei has no such convention
    assert e.status == MISMATCH and e.causes[0].startswith("el mismo valor impreso con 0 decimales")
    e = _zed_entry(plan, rules_2023, "avance_indicador:IND.01.AEI.01.01", "100")  # the annex's convention
    assert e.status == MATCH and "un valor entero se imprime sin decimales" in e.convention


def test_capped_and_exact_hits_print_differently(tmp_path):
    # this era prints whole advances with their decimals: only capped ones without
    era = _child(
        tmp_path,
        '[redondeo.decimales]\navance_indicador = 2\n[impresion.tope_sin_decimales]\ncifras = ["avance_indicador"]\n'
        '[impresion.enteros_sin_decimales]\ncifras = ["ejecucion_fisica_aei"]\n',
    )
    plan = load_plan(ZED)
    # IND.01.AEI.02.03: 116 of 14, capped; IND.01.AEI.03.03: 2 of 2, an exact hit
    assert _zed_entry(plan, era, "avance_indicador:IND.01.AEI.02.03", "100").status == MATCH
    e = _zed_entry(plan, era, "avance_indicador:IND.01.AEI.03.03", "100")
    assert e.status == MISMATCH and "impreso con 0 decimales" in e.causes[0]
    e = _zed_entry(plan, era, "avance_indicador:IND.01.AEI.03.03", "100.00")
    assert e.status == MATCH and "decimales de la regla: 2" in e.convention


@settings(max_examples=60, deadline=None)
@given(
    num=st.integers(min_value=1, max_value=10**6),
    den=st.integers(min_value=1, max_value=10**6),
    shown=st.integers(min_value=0, max_value=1),
)
def test_audit_never_matches_by_dropping_decimals(num, den, shown):
    """A value printed with fewer decimals than the rule prints never matches without a declared
    convention, whatever the numbers (the old audit rounded the recomputed value to the text's)."""
    rules = load_ruleset(ROOT / "rules" / "ceplan-2023")
    plan = load_plan(ZED)
    ind = plan.indicators["IND.01.AEI.03.02"]
    ind.logro_esperado[2023], ind.valor_obtenido[2023] = Decimal(den), Decimal(num)
    ev = evaluate(plan, rules, 2023)
    f = ev.get("avance_aei:AEI.03.02")  # 1 decimal, no convention
    text = str(f.exact.quantize(Decimal(1).scaleb(-shown), rounding="ROUND_HALF_UP")) if shown == 0 else str(f.value)
    from pei_rules.plan import Published

    plan.model.publicado[:] = [Published(figura="avance_aei:AEI.03.02", valor=text, fuente="x")]
    (e,) = audit(ev)
    assert e.status == (MATCH if shown == 1 else MISMATCH)


def test_printing_conventions_are_validated_with_file_and_line(tmp_path):
    with pytest.raises(RuleError) as e:
        _child(tmp_path, '[impresion.tope_sin_decimales]\ncifras = ["avance_indicadr"]\n')
    assert "avance_indicadr" in e.value.message and e.value.line == 5 and "avance_indicador" in (e.value.suggestion or "")
    with pytest.raises(RuleError) as e:
        _child(tmp_path, '[impresion.redondeo_raro]\ncifras = ["avance_indicador"]\n', name="otra")
    assert "redondeo_raro" in e.value.message


# --- 2. published N/D ----------------------------------------------------------------------------


def test_published_nd_matches_when_there_is_no_data_and_not_otherwise(rules_2023):
    plan = load_plan(ZED)
    e = _zed_entry(plan, rules_2023, "avance_oei:OEI.01", "N/D")  # the report gives OEI.01 no target
    assert e.status == MATCH and "N/D publicado" in e.convention
    e = _zed_entry(plan, rules_2023, "avance_aei:AEI.03.02", "N/D")
    assert e.status == MISMATCH and "no imprimió avance" in e.causes[0] and "66.7" in e.causes[0]


# --- 7. a figure the rule set does not define ---------------------------------------------------


def test_an_undefined_figure_is_not_recomputable_and_the_audit_goes_on(rules_2023):
    plan = load_plan(ZED)
    from pei_rules.plan import Published

    plan.model.publicado[:] = [
        Published(figura="ejecucion_presupuestal_ajustada", valor="12.5", fuente="x"),
        Published(figura="avance_tipo_iii:AEI.01.01", valor="12.5", fuente="x"),
        Published(figura="conteo:otra_tabla:rojo", valor="1", fuente="x"),
        Published(figura="avance_aei:AEI.03.02", valor="66.7", fuente="x"),
    ]
    entries = audit(evaluate(plan, rules_2023, 2023))
    assert [e.status for e in entries] == [NOT_RECOMPUTABLE] * 3 + [MATCH]
    assert all("no recalculable: la regla no define esta cifra" in e.reason for e in entries[:3])


# --- 10. a stored result made with a rule-set folder, verified from elsewhere -----------------------


def test_a_stored_result_made_with_a_rule_set_folder_verifies_and_moved_inputs_are_given(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ZED, work / "plan.toml")
    (work / "era").mkdir()
    (work / "era" / "ruleset.toml").write_text('[conjunto]\nid = "era-local"\nextends = "ceplan-2023"\n[parametros]\ntope = 120\n', encoding="utf-8")
    r = _cli("evaluate", "plan.toml", "--rules", "era", "--year", "2023", "--format", "json", "--out", "result.json", cwd=work)
    assert r.returncode == 0, r.stderr
    r = _cli("audit", "result.json", cwd=work)  # a rule set by folder, not on the search path
    assert r.returncode == 0, r.stdout + r.stderr
    # from another working folder
    r = _cli("audit", str(work / "result.json"), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    # the inputs moved: named with --plan and --rules
    moved = tmp_path / "moved"
    shutil.move(str(work / "era"), moved / "era" if moved.mkdir() is None else None)
    shutil.move(str(work / "plan.toml"), moved / "plan.toml")
    r = _cli("audit", str(work / "result.json"), cwd=tmp_path)
    assert r.returncode == 2 and ("--plan" in r.stderr or "--rules" in r.stderr)
    r = _cli("audit", str(work / "result.json"), "--plan", str(moved / "plan.toml"), "--rules", str(moved / "era"), "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["summary"]["mismatch"] == 0 and any("ahora en" in (c["note"] or "") for c in doc["checks"])
    # --rules is not silently ignored: another rule set is a mismatch
    r = _cli("audit", str(work / "result.json"), "--plan", str(moved / "plan.toml"), "--rules", "ceplan-2023", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1
    assert any(c["item"] == "id del conjunto de reglas" and c["status"] == "mismatch" for c in json.loads(r.stdout)["checks"])


def test_an_ao_of_another_years_poi_is_not_recomputable_in_this_year(multi):
    d, _ = multi
    plan, rules = load_plan(d / "plan.toml"), load_ruleset(d / "b7")
    from pei_rules.plan import Published

    plan.model.publicado[:] = [Published(figura="ejecucion_fisica_ao:AO.2022.001", valor="50.00", fuente="x", anio=2023)]
    (e,) = audit(evaluate(plan, rules, 2023))
    assert e.status == NOT_RECOMPUTABLE and "2023" in e.reason


def test_published_semester_figures_are_audited_in_their_semester(tmp_path, capsys):
    from conftest import FIXTURES

    text = (FIXTURES / "rulesets" / "semestral-2025.toml").read_text(encoding="utf-8")
    text += (
        '\n[[publicado]]\nfigura = "avance_indicador:IND.A"\nanio = 2025\nperiodo = "S1"\nvalor = "75.0"\nfuente = "Evaluación semestral 2025-I"\n'
        '\n[[publicado]]\nfigura = "avance_indicador:IND.A"\nanio = 2025\nvalor = "110.0"\nfuente = "Evaluación anual 2025"\n'
    )
    p = tmp_path / "plan.toml"
    p.write_text(text, encoding="utf-8")
    code = main(["audit", str(p), "--rules", "ceplan-2025-semestral", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, doc
    assert [(y["year"], y["period"]) for y in doc["years"]] == [(2025, "S1"), (2025, "anual")]
    assert {(e["period"], e["status"]) for e in doc["entries"]} == {("S1", "match"), ("anual", "match")}
    code = main(["audit", str(p), "--rules", "ceplan-2025-semestral", "--year", "2025", "--period", "semestral", "--semester", "1", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert [e["period"] for e in doc["entries"]] == ["S1"]
