"""audit: published vs recomputed (match, mismatch with causes, not recomputable, broken input),
and verification of a stored `evaluate --format json` result."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal

import pytest

from conftest import FIXTURES, ZED
from pei_rules import evaluate, load_plan
from pei_rules.audit import MATCH, MISMATCH, NOT_RECOMPUTABLE, audit, parse_printed, text_difference

AUDIT = FIXTURES / "audit"


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pei_rules", *args], capture_output=True, text=True, cwd=cwd)


def _audit(name, rules_2023):
    return audit(evaluate(load_plan(AUDIT / name), rules_2023, 2023))


@pytest.mark.parametrize(
    "text,value,decimals",
    [("95.10", "95.10", 2), ("3'661,516.08", "3661516.08", 2), ("S/ 4'930,000", "4930000", 0), ("74.27 %", "74.27", 2), ("100", "100", 0), ("-3.5", "-3.5", 1)],
)
def test_parse_printed(text, value, decimals):
    assert parse_printed(text) == (Decimal(value), decimals)


@pytest.mark.parametrize("text", ["DOI", "", "1.2.3", "12 AO", "N/D"])
def test_parse_printed_not_a_number(text):
    assert parse_printed(text) is None


def test_all_match_exit_0(rules_2023):
    entries = _audit("match.toml", rules_2023)
    assert [e.status for e in entries] == [MATCH] * len(entries)
    r = _cli("audit", str(AUDIT / "match.toml"), "--rules", "ceplan-2023", "--year", "2023")
    assert r.returncode == 0, r.stderr
    assert "Recibo: pei-rules" in r.stdout


CAUSES = {
    "cap": "es el valor intermedio '100 * obtenido / esperado' = 150",
    "swap": "entradas intercambiadas: 'esperado' ↔ 'obtenido'",
    "truncation": "truncamiento a 1 decimal",
    "method": "otro método de agregación: media de avance_aei",
    "physical": "Ejecución física de la AEI (ejecucion_fisica_aei:AEI.01.02 = 75.0) mostrada como Avance de la AEI",
    "population": "cuenta AEI (2) en lugar de AO (3)",
    "input rounding": "dato del plan redondeado a 0 decimales",
    "text": "el texto publicado cambia 'uno.' por 'uno ampliada.'",
    "unknown cause": "causa no identificada",
}


def test_mismatch_causes(rules_2023):
    entries = _audit("mismatch.toml", rules_2023)
    assert {e.source for e in entries} == set(CAUSES)
    for e in entries:
        assert e.status == MISMATCH, e
        assert any(CAUSES[e.source] in c for c in e.causes), (e.source, e.causes)
    swap = next(e for e in entries if e.source == "swap")
    assert (swap.published, swap.recomputed, swap.difference) == ("66.7", "100.0", "-33.3")
    r = _cli("audit", str(AUDIT / "mismatch.toml"), "--rules", "ceplan-2023", "--year", "2023", "--format", "json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["summary"] == {"match": 0, "mismatch": 9, "not_recomputable": 0}
    assert doc["entries"][0]["plan_ref"]["line"] and doc["receipt"]["plan"]["sha256"]


def test_unrecomputable_exit_1(rules_2023):
    entries = _audit("unrecomputable.toml", rules_2023)
    nr = [e for e in entries if e.status == NOT_RECOMPUTABLE]
    assert len(nr) == 1 and nr[0].resolved == "avance_oei:OEI.01"
    assert "N/D" in nr[0].reason
    r = _cli("audit", str(AUDIT / "unrecomputable.toml"), "--rules", "ceplan-2023", "--year", "2023")
    assert r.returncode == 1
    assert "No se pueden recalcular (1)" in r.stdout


def test_unknown_figure_is_broken_input_exit_2():
    r = _cli("audit", str(AUDIT / "unknown_figure.toml"), "--rules", "ceplan-2023", "--year", "2023")
    assert r.returncode == 2
    assert "unknown_figure.toml:" in r.stderr and "publicado[1].figura" in r.stderr and "AEI.09.01" in r.stderr
    assert "Traceback" not in r.stderr


def test_broken_toml_exit_2(tmp_path):
    p = tmp_path / "plan.toml"
    p.write_text('[entidad\ncodigo = "X"\n', encoding="utf-8")
    r = _cli("audit", str(p), "--rules", "ceplan-2023", "--year", "2023")
    assert r.returncode == 2 and "plan.toml:1" in r.stderr


def test_zed_ilo_inconsistencies(zed_eval):
    entries = audit(zed_eval)
    by = {}
    for e in entries:
        by.setdefault((e.resolved, e.published), e)
    # the AEI rows of the detail tables print physical execution under "Avance %"
    for code, pub in (("AEI.02.01", "100.0"), ("AEI.03.02", "50.0")):
        e = by[(f"avance_aei:{code}", pub)]
        assert e.status == MISMATCH
        assert any(f"ejecucion_fisica_aei:{code}" in c and "mostrada como Avance de la AEI" in c for c in e.causes)
    assert any("truncamiento a 2 decimales" in c for c in by[("avance_aei:AEI.03.02", "66.66")].causes)
    assert any("truncamiento a 0 decimales" in c for c in by[("avance_aei:AEI.03.02", "66")].causes)
    e = by[("conteo:ejecucion_fisica_ao:total", "12")]
    assert e.recomputed == "27" and any("cuenta AEI (12) en lugar de AO (27)" in c for c in e.causes)
    e = by[("dato:poi.2023.devengado", "3661516")]
    assert any("redondeado a 0 decimales" in c for c in e.causes)
    e = by[("dato:indicador[IND.01.AEI.02.01].organo_responsable", "DOI")]
    assert e.status == MISMATCH and e.recomputed == "DPD"
    e = next(x for x in entries if x.resolved == "dato:indicador[IND.01.AEI.01.03].nombre")
    assert e.causes == ["el texto publicado añade 'emergentes'"]
    for code in ("OEI.01", "OEI.03"):
        assert by[(f"avance_oei:{code}", "100.0")].status == NOT_RECOMPUTABLE
    # the published figures the methodology reproduces
    for fid, pub in (("ejecucion_ponderada", "95.10"), ("avance_oei:OEI.02", "24.4"), ("ejecucion_financiera", "74.27"), ("ejecucion_fisica_promedio", "92.59")):
        assert by[(fid, pub)].status == MATCH


def test_text_difference():
    assert text_difference("DPD", "DOI") == "el informe dice 'DOI' donde el plan dice 'DPD'"
    assert text_difference("a b c", "a c") == "el texto publicado quita 'b'"


# --- verifying a stored result ---------------------------------------------------------


@pytest.fixture()
def stored(tmp_path):
    plan = tmp_path / "plan.toml"
    shutil.copy(AUDIT / "match.toml", plan)
    r = _cli("evaluate", "plan.toml", "--rules", "ceplan-2023", "--year", "2023", "--format", "json", "--out", "result.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return tmp_path


def test_stored_result_reproduces(stored):
    r = _cli("audit", "result.json", cwd=stored)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 no coinciden" in r.stdout and "Recibo:" in r.stdout
    r = _cli("audit", "result.json", "--format", "json", cwd=stored)
    doc = json.loads(r.stdout)
    assert doc["summary"]["mismatch"] == 0 and doc["summary"]["match"] > 10


def test_stored_result_edited_figure(stored):
    p = stored / "result.json"
    doc = json.loads(p.read_text(encoding="utf-8"))
    f = next(x for x in doc["figures"] if x["id"] == "ejecucion_ponderada")
    f["value"] = "80.00"
    p.write_text(json.dumps(doc), encoding="utf-8")
    r = _cli("audit", "result.json", cwd=stored)
    assert r.returncode == 1
    assert "ejecucion_ponderada" in r.stdout and "80.00" in r.stdout and "77.78" in r.stdout


def test_stored_result_plan_changed(stored):
    plan = stored / "plan.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("valor_obtenido = { 2023 = 20 }", "valor_obtenido = { 2023 = 30 }"), encoding="utf-8")
    r = _cli("audit", "result.json", "--format", "json", cwd=stored)
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    bad = {c["item"] for c in doc["checks"] if c["status"] == "mismatch"}
    assert "sha256 del plan" in bad and "avance_indicador:IND.01.AEI.01.01" in bad
    coded = {(c["code"], c["key"]) for c in doc["checks"] if c["status"] == "mismatch"}
    assert ("plan_sha256", None) in coded and ("figure", "avance_indicador:IND.01.AEI.01.01") in coded
    assert {c["code"] for c in doc["checks"]} >= {"plan_sha256", "rule_file", "figure", "count"}
    en = json.loads(_cli("audit", "result.json", "--format", "json", "--lang", "en", cwd=stored).stdout)
    assert [(c["code"], c["key"], c["status"]) for c in en["checks"]] == [(c["code"], c["key"], c["status"]) for c in doc["checks"]]
    assert {c["item"] for c in en["checks"] if c["status"] == "mismatch"} != bad  # the words follow --lang, the codes do not


@pytest.mark.parametrize("content,words,words_en", [
    ("{not json", "JSON no válido", "invalid JSON"),
    ('{"format": "other"}', "no es una salida de 'evaluate --format json'", "not an 'evaluate --format json' output"),
    ('{"format": "pei-rules/evaluation", "receipt": {}}', "receipt.plan.path", "the receipt lacks a required key"),
])
def test_stored_result_broken_exit_2(tmp_path, content, words, words_en):
    (tmp_path / "r.json").write_text(content, encoding="utf-8")
    r = _cli("audit", "r.json", cwd=tmp_path)
    assert r.returncode == 2 and words in r.stderr and "r.json" in r.stderr
    r = _cli("audit", "r.json", "--lang", "en", cwd=tmp_path)
    assert r.returncode == 2 and words_en in r.stderr and "r.json" in r.stderr


def test_stored_result_missing_plan(stored):
    (stored / "plan.toml").unlink()
    r = _cli("audit", "result.json", cwd=stored)
    assert r.returncode == 2 and "plan.toml" in r.stderr


def _with_published(entries: list[tuple[str, str]]) -> bytes:
    text = ZED.read_text(encoding="utf-8")
    for fig, val in entries:
        text += f'\n[[publicado]]\nfigura = "{fig}"\nvalor = "{val}"\nfuente = "prueba"\n'
    return text.encode("utf-8")


def test_every_printed_figure_audits_as_match(zed_eval, rules_2023):
    """Round trip: each figure published as the engine prints it is a match; N/D is not recomputable."""
    ids = [(f.id, str(f.value)) for f in zed_eval.figures.values() if f.value is not None]
    ids += [(f"conteo:{n}:{b}", str(k)) for n, c in zed_eval.counts.items() for b, k in c.counts.items()]
    ids += [(f"conteo:{n}:total", str(c.total)) for n, c in zed_eval.counts.items()]
    plan = load_plan(ZED, raw=_with_published(ids), display=str(ZED))
    entries = audit(evaluate(plan, rules_2023, 2023))[-len(ids):]
    assert [e.status for e in entries] == [MATCH] * len(ids)


def test_every_figure_moved_by_one_unit_is_a_mismatch(zed_eval, rules_2023):
    moved = []
    for f in zed_eval.figures.values():
        if f.value is not None:
            step = Decimal(1).scaleb(-f.decimals)
            moved.append((f.id, str(f.value + step)))
    plan = load_plan(ZED, raw=_with_published(moved), display=str(ZED))
    entries = audit(evaluate(plan, rules_2023, 2023))[-len(moved):]
    assert all(e.status == MISMATCH and e.causes for e in entries)
    assert all(Decimal(e.difference) == Decimal(1).scaleb(-len(e.published.partition(".")[2])) for e in entries)


def test_stored_semestral_result_reproduces(tmp_path):
    sem = FIXTURES / "rulesets" / "semestral-2025.toml"
    shutil.copy(sem, tmp_path / "sem.toml")
    r = _cli("evaluate", "sem.toml", "--rules", "ceplan-2025-semestral", "--year", "2025", "--period", "semestral", "--semester", "2", "--format", "json", "--out", "r.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = _cli("audit", "r.json", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["receipt"]["semester"] == 2 and doc["summary"]["mismatch"] == 0


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False), st.sampled_from(["plain", "peru", "percent", "soles"]))
def test_parse_printed_reads_report_formats(value, style):
    """Numbers printed the way Peruvian reports print them read back exactly, with their decimals."""
    plain = f"{value:.2f}"
    if style == "peru":  # 3'661,516.08: apostrophe for millions, comma for thousands
        sign, digits = ("-", plain[1:]) if plain.startswith("-") else ("", plain)
        whole, _, frac = digits.partition(".")
        groups = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        groups.insert(0, whole)
        text = sign + (groups[0] if len(groups) == 1 else "'".join(groups[:-1]) + "," + groups[-1]) + "." + frac
    elif style == "percent":
        text = plain + " %"
    elif style == "soles":
        text = "S/ " + plain
    else:
        text = plain
    assert parse_printed(text) == (Decimal(plain), 2)


def test_count_causes_other_band_and_exact_classification(rules_2023):
    """94.96 prints as 95.0 (verde); classified on the exact value it would be amarillo."""
    text = (AUDIT / "match.toml").read_text(encoding="utf-8").replace("valor_obtenido = { 2023 = 15 }", "valor_obtenido = { 2023 = 9.496 }")
    text += '\n[[publicado]]\nfigura = "conteo:indicadores_aei:amarillo"\nvalor = "1"\nfuente = "prueba"\n'
    plan = load_plan("count.toml", raw=text.encode("utf-8"), display="count.toml")
    e = audit(evaluate(plan, rules_2023, 2023))[-1]
    assert e.status == MISMATCH and e.recomputed == "0"
    assert any("clasificando el valor exacto" in c and "la cuenta es 1" in c for c in e.causes), e.causes
    assert any("otra banda de la misma tabla: verde = 1" in c for c in e.causes)
