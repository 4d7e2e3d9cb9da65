"""#12 point 4: prioridad has a meaning in the rules — a weighted aggregate can take each
member's grade r from its prioridad ([ponderacion] / per-aggregate ``ponderar_por``), with the
words' grades in [ponderacion.grados_prioridad]."""
from __future__ import annotations

import io
import re
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from pathlib import Path

import pytest

import pei_rules
from pei_rules.cli import main
from pei_rules.errors import RuleError

ROOT = Path(__file__).resolve().parents[1]
ZED = ROOT / "plans/zed-ilo/pei-2023-2025.toml"
BASE = ROOT / "rules/ceplan-2023"

#: the AEIs of ZED ILO, given a prioridad (words, a rank, and the vocabulary's synonyms)
AEI_PRIORITY = {
    "AEI.01.01": '"Baja"',
    "AEI.01.02": '"Muy alta prioridad"',
    "AEI.01.03": '"Media"',
    "AEI.02.01": '"Alta"',
    "AEI.02.02": "1",
    "AEI.02.03": "3",
    "AEI.02.04": '"Alta"',
    "AEI.03.01": '"Prioridad media"',
    "AEI.03.02": '"Alta prioridad"',
    "AEI.03.03": '"Baja"',
    "AEI.03.04": '"Muy alta"',
    "AEI.03.05": '"Media"',
}
GRADE = {"AEI.01.01": 4, "AEI.01.02": 1, "AEI.01.03": 3, "AEI.02.01": 2, "AEI.02.02": 1, "AEI.02.03": 3, "AEI.02.04": 2,
         "AEI.03.01": 3, "AEI.03.02": 2, "AEI.03.03": 4, "AEI.03.04": 1, "AEI.03.05": 3}
HEAD = '[conjunto]\nextends = "ceplan-2023"\ntitulo = "CEPLAN 2023 ponderada por prioridad"\nanclado = false\n'


def _plan(tmp_path: Path, priorities: dict[str, str]) -> Path:
    text = ZED.read_text(encoding="utf-8")
    for code, p in priorities.items():
        text, n = re.subn(rf'(codigo = "{re.escape(code)}"\n)', rf"\1prioridad = {p}\n", text, count=1)
        assert n == 1, code
    out = tmp_path / "plan.toml"
    out.write_text(text, encoding="utf-8")
    return out


def _rules(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "por-prioridad"
    folder.mkdir()
    (folder / "ruleset.toml").write_text(
        f'{HEAD}id = "por-prioridad"\n\n{body}',
        encoding="utf-8",
    )
    return folder


def _run(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def test_weighted_execution_by_priority_follows_the_grades(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    plan = _plan(tmp_path, AEI_PRIORITY)
    rules = _rules(tmp_path, '[agregados.ejecucion_ponderada]\nponderar_por = "prioridad"\n')
    by_relevance = pei_rules.evaluate_file(plan, year=2023)
    by_priority = pei_rules.evaluate_file(plan, year=2023, rules=rules)
    # the default weighting has not moved
    assert by_relevance.figure("ejecucion_ponderada").value == Decimal("95.10")
    # recomputed here from the AEI advances and the scheme r_max - r + 1 over the grades
    exact = {c: by_relevance.figure(f"avance_aei:{c}").exact for c in GRADE}
    exact = {c: v for c, v in exact.items() if v is not None}
    r_max = max(GRADE[c] for c in exact)
    raw = {c: Decimal(r_max - GRADE[c] + 1) for c in exact}
    expected = sum(exact[c] * raw[c] for c in exact) / sum(raw.values())
    fig = by_priority.figure("ejecucion_ponderada")
    assert fig.exact == pytest.approx(expected, abs=Decimal("1e-20"))
    assert fig.value == expected.quantize(Decimal("0.01"))
    assert fig.value != Decimal("95.10")
    # explain says which prioridad gave which grade and weight
    text = by_priority.explain("ejecucion_ponderada", lang="es")
    assert "prioridad Muy alta prioridad (grado 1)" in text
    assert "prioridad Baja (grado 4), peso 1/" in text
    assert "prioridad 1 (grado 1)" in text
    assert "prioridad = Baja  (plan " in text
    code, out, _ = _run("explain", plan, "ejecucion_ponderada", "--year", "2023", "--rules", rules, "--lang", "en")
    assert code == 0 and "prioridad Baja (grade 4), weight 1/" in out and "priority = Baja  (plan " in out


def test_a_rule_set_can_weigh_every_aggregate_by_priority(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    plan = _plan(tmp_path, AEI_PRIORITY)
    per_aggregate = _rules(tmp_path, '[agregados.ejecucion_ponderada]\nponderar_por = "prioridad"\n')
    (tmp_path / "global").mkdir()
    whole = tmp_path / "global" / "por-prioridad"
    whole.mkdir()
    (whole / "ruleset.toml").write_text(
        f'{HEAD}id = "por-prioridad-global"\n\n[ponderacion]\nponderar_por = "prioridad"\n',
        encoding="utf-8",
    )
    a = pei_rules.evaluate_file(plan, year=2023, rules=per_aggregate).figure("ejecucion_ponderada")
    b = pei_rules.evaluate_file(plan, year=2023, rules=whole).figure("ejecucion_ponderada")
    assert a.exact == b.exact


def test_a_member_without_priority_makes_the_weighted_figure_undefined(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    some = {k: v for k, v in AEI_PRIORITY.items() if k != "AEI.02.01"}
    plan = _plan(tmp_path, some)
    rules = _rules(tmp_path, '[agregados.ejecucion_ponderada]\nponderar_por = "prioridad"\n')
    ev = pei_rules.evaluate_file(plan, year=2023, rules=rules)
    fig = ev.figure("ejecucion_ponderada")
    assert fig.value is None
    code, out, _ = _run("explain", plan, "ejecucion_ponderada", "--year", "2023", "--rules", rules)
    assert "'AEI.02.01' no tiene prioridad" in out
    code, out, _ = _run("explain", plan, "ejecucion_ponderada", "--year", "2023", "--rules", rules, "--lang", "en")
    assert "'AEI.02.01' has no prioridad" in out


def test_a_priority_word_without_a_grade_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    plan = _plan(tmp_path, AEI_PRIORITY)
    text = (BASE / "agregacion.toml").read_text(encoding="utf-8").replace("baja = 4\n", "")
    own = tmp_path / "sin-baja"
    own.mkdir()
    for f in BASE.glob("*.toml"):
        (own / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    text = text.replace('metodo = "media_ponderada"\n', 'metodo = "media_ponderada"\nponderar_por = "prioridad"\n')
    (own / "agregacion.toml").write_text(text, encoding="utf-8")
    meta = (own / "ruleset.toml").read_text(encoding="utf-8")
    (own / "ruleset.toml").write_text(re.sub(r'id = "[^"]+"', 'id = "sin-baja"', meta, count=1), encoding="utf-8")
    code, out, _ = _run("explain", plan, "ejecucion_ponderada", "--year", "2023", "--rules", own)
    assert "la prioridad 'Baja' de 'AEI.01.01' no tiene grado en [ponderacion.grados_prioridad]" in out


def test_a_grade_for_an_unknown_priority_word_is_a_rule_error(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    rules = _rules(tmp_path, "[ponderacion.grados_prioridad]\nurgentisima = 1\n")
    code, out, err = _run("rules", "check", rules)
    assert code == 1
    assert "ruleset.toml:8, clave 'ponderacion.grados_prioridad.urgentisima'" in out
    assert "'urgentisima' no es una prioridad de [vocabulario.prioridad]" in out
    assert "conocidos: alta, baja, media, muy_alta" in out
    assert "Traceback" not in out + err
    code, out, err = _run("rules", "check", rules, "--lang", "en")
    assert "'urgentisima' is not a prioridad of [vocabulario.prioridad]" in out
    # evaluating with it is bad input: exit 2, the same message
    code, out, err = _run("evaluate", ZED, "--year", "2023", "--rules", rules)
    assert code == 2 and "ruleset.toml:8" in err and "urgentisima" in err


def test_ponderar_por_takes_only_known_attributes(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    rules = _rules(tmp_path, '[agregados.ejecucion_ponderada]\nponderar_por = "urgencia"\n')
    with pytest.raises(RuleError) as e:
        pei_rules.evaluate_file(ZED, year=2023, rules=rules)
    assert "ponderar_por" in str(e.value.key) and e.value.line == 8


def test_ao_aggregate_weighted_by_ao_priority(tmp_path, monkeypatch):
    """An AO-level weighted mean of physical execution, by the POI's prioridad words."""
    monkeypatch.chdir(ROOT)
    rules = _rules(
        tmp_path,
        '[agregados.ejecucion_fisica_prioritaria]\netiqueta = "Ejecución física ponderada por prioridad"\n'
        'ambito = "plan"\nmiembros = "ao"\nvalor = "ejecucion_fisica_ao"\nmetodo = "media_ponderada"\n'
        'ponderar_por = "prioridad"\n\n[redondeo.decimales]\nejecucion_fisica_prioritaria = 2\n',
    )
    from tests.multiyear import generate

    text, _ = generate()
    plan = tmp_path / "multi.toml"
    plan.write_text(text, encoding="utf-8")
    ev = pei_rules.evaluate_file(plan, year=2024, rules=rules)
    fig = ev.figure("ejecucion_fisica_prioritaria")
    aos = [f for f in ev.figures.values() if f.kind == "ejecucion_fisica_ao" and f.exact is not None]
    assert len(aos) >= 100
    words = {a.codigo: a.prioridad for a in ev.plan.model.poi[2024].ao if a.prioridad}
    grade = {"Muy alta": 1, "Alta": 2}
    pairs = [(f.exact, grade[words[f.code]]) for f in aos]
    r_max = max(g for _, g in pairs)
    expected = sum(v * (r_max - g + 1) for v, g in pairs) / sum(Decimal(r_max - g + 1) for _, g in pairs)
    assert fig.exact == pytest.approx(expected, abs=Decimal("1e-20"))
