"""check: one fixture plan per finding, each triggering exactly that finding at the marked line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ZED
from pei_rules import load_plan, load_ruleset
from pei_rules.check import ERROR, WARNING, check
from pei_rules.inference import infer_sentido

CHECK = FIXTURES / "check"
MARK = "# <- hallazgo"
SEVERITY = {
    "codigo_duplicado": ERROR,
    "oei_inexistente": ERROR,
    "aei_inexistente": ERROR,
    "propietario_inexistente": ERROR,
    "valor_doble": ERROR,
    "sin_meta": ERROR,
    "sin_valor": WARNING,
    "nd_requerido": ERROR,
    "sentido_contradice_metas": WARNING,
    "fuera_de_rango": ERROR,
    "fuera_de_rango_negativo": ERROR,
    "unidad_desconocida": WARNING,
    "sin_relevancia": ERROR,
    "vocabulario_desconocido": ERROR,
    "agregacion_no_aplica": ERROR,
    # issue 12
    "sin_indicador": WARNING,
    "fuera_de_vocabulario": ERROR,
    "anio_fuera_del_horizonte": WARNING,
    "metas_planas": WARNING,
    "publicado_sin_datos": WARNING,
    "publicado_fuera_del_horizonte": ERROR,
}


def _marked_line(path: Path) -> int:
    lines = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.rstrip().endswith(MARK)]
    assert len(lines) == 1, path
    return lines[0]


def test_every_fixture_is_listed():
    assert {p.stem for p in CHECK.glob("*.toml")} == set(SEVERITY) | {"clean"}


def test_clean_plan_has_no_findings(rules_2023):
    assert check(load_plan(CHECK / "clean.toml", strict=False), rules_2023, 2023) == []


@pytest.mark.parametrize("name", sorted(SEVERITY))
def test_fixture_triggers_exactly_its_finding(name, rules_2023):
    path = CHECK / f"{name}.toml"
    findings = check(load_plan(path, strict=False), rules_2023, 2023)
    assert len(findings) == 1, [str(f) for f in findings]
    f = findings[0]
    code = name.removesuffix("_negativo")
    assert f.code == code
    assert f.severity == SEVERITY[name]
    line = _marked_line(path)
    assert f.ref.line == line
    text = str(f)
    assert f"{path.name}:{line}" in text and Path(f.ref.file).resolve() == path.resolve()
    assert f"key '" in text and f.ref.key


@pytest.mark.parametrize("name", ["fuera_de_rango", "sentido_contradice_metas"])
def test_cli_exit_codes_and_json(name):
    path = CHECK / f"{name}.toml"
    r = subprocess.run([sys.executable, "-m", "pei_rules", "check", str(path), "--rules", "ceplan-2023", "--year", "2023", "--format", "json"], capture_output=True, text=True)
    assert r.returncode == (1 if SEVERITY[name] == ERROR else 0), r.stderr
    doc = json.loads(r.stdout)
    (f,) = doc["findings"]
    assert Path(f["file"]).resolve() == path.resolve() and f["line"] == _marked_line(path) and f["key"]


def test_cli_broken_input_exit_2(tmp_path):
    p = tmp_path / "plan.toml"
    p.write_text('[entidad]\ncodigo = "X"\nnombre = "X"\n[plan]\ndesde = 2023\nhasta = 2025\n[[oei]]\ncodigo = "OEI.01"\ndenominacion = "x"\nrelevanzia = 1\n', encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pei_rules", "check", str(p), "--rules", "ceplan-2023", "--year", "2023"], capture_output=True, text=True)
    assert r.returncode == 2 and "plan.toml:10" in r.stderr and "relevanzia" in r.stderr


def test_zed_ilo_sentido_contradictions(zed_plan, rules_2023):
    found = {f.message.split("'")[1] for f in check(zed_plan, rules_2023, 2023) if f.code == "sentido_contradice_metas"}
    assert found == {"IND.01.AEI.03.02", "IND.01.AEI.03.05"}


@pytest.mark.parametrize(
    "targets,method,expected",
    [
        ({2023: 30, 2024: 40, 2025: 30}, "primero_ultimo", "no_definido"),
        ({2023: 1, 2024: 2, 2025: 3}, "primero_ultimo", "ascendente"),
        ({2023: 5, 2024: 6, 2025: 2}, "primero_ultimo", "descendente"),
        ({2023: 30, 2024: 40, 2025: 30}, "monotono", None),
        ({2023: 1, 2024: 1, 2025: 3}, "monotono", "ascendente"),
        ({2023: 3, 2024: 3, 2025: 3}, "monotono", "no_definido"),
        ({2023: 3}, "primero_ultimo", None),
        ({2022: 1, 2023: 3, 2024: "N/D", 2025: 2}, "primero_ultimo", "descendente"),
    ],
)
def test_infer_sentido(tmp_path, zed_plan, targets, method, expected):
    import shutil

    rs = tmp_path / "rs"
    shutil.copytree(Path(__file__).resolve().parent.parent / "rules" / "ceplan-2023", rs, ignore=shutil.ignore_patterns("casos"))
    text = (rs / "verificacion.toml").read_text(encoding="utf-8").replace('metodo = "primero_ultimo"', f'metodo = "{method}"')
    (rs / "verificacion.toml").write_text(text, encoding="utf-8")
    rules = load_ruleset(rs)
    from pei_rules.plan import Indicator

    ind = Indicator.model_validate({"codigo": "X", "de": "OEI.01", "nombre": "x", "unidad_medida": "número", "sentido": "Ascendente", "agregacion": "No acumulado", "logro_esperado": {str(k): v for k, v in targets.items()}})
    cat, why = infer_sentido(ind, rules, zed_plan)
    assert cat == expected
    assert why and "\n" not in why


@pytest.mark.parametrize(
    "section,words,key",
    [
        ('[inferencia_sentido]\nmetodo = "ultimo"\ncreciente = "ascendente"\ndecreciente = "descendente"\nconstante = "no_definido"\naplicar = "verificar"\n', "unknown method 'ultimo'", "inferencia_sentido.metodo"),
        ('[inferencia_sentido]\nmetodo = "monotono"\ncreciente = "subiendo"\ndecreciente = "descendente"\nconstante = "no_definido"\naplicar = "verificar"\n', "'subiendo' is not a sentido category", "inferencia_sentido.creciente"),
        ('[inferencia_sentido]\nmetodo = "monotono"\ncreciente = "ascendente"\ndecreciente = "descendente"\nconstante = "no_definido"\n', "missing required key 'aplicar'", "inferencia_sentido"),
        ('[inferencia_sentido]\nmetodo = "monotono"\ncreciente = "ascendente"\ndecreciente = "descendente"\nconstante = "no_definido"\naplicar = "verificar"\nextra = 1\n', "unknown key 'extra'", "inferencia_sentido.extra"),
        ('[unidades]\nporcentaje = "[0, 100"\n', "bad interval", "unidades.porcentaje"),
        ('[unidades]\nporcentaje = 100\n', "must be a string", "unidades.porcentaje"),
    ],
)
def test_rule_sections_validated(tmp_path, section, words, key):
    import shutil

    rs = tmp_path / "rs"
    shutil.copytree(Path(__file__).resolve().parent.parent / "rules" / "ceplan-2023", rs, ignore=shutil.ignore_patterns("casos"))
    (rs / "verificacion.toml").write_text(section, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pei_rules", "check", str(ZED), "--rules", str(rs), "--year", "2023"], capture_output=True, text=True)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "verificacion.toml:" in r.stderr and words in r.stderr and f"key '{key}'" in r.stderr
