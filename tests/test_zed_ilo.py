"""ZED ILO 2023: every figure of the published report that the methodology can recompute.

The expected values are the ones printed in the report (shared/seeds/000_24c7f967e2eca797.txt),
listed in shared/methodology.md. They are produced by rules/ceplan-2023 and
plans/zed-ilo/pei-2023-2025.toml; nothing in pei_rules/ knows them.
"""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from conftest import ZED

AEI_ADVANCE = {
    "AEI.01.01": "100.0",
    "AEI.01.02": "100.0",
    "AEI.01.03": "100.0",
    "AEI.02.01": "50.0",
    "AEI.02.02": "100.0",
    "AEI.02.03": "100.0",
    "AEI.02.04": "100.0",
    "AEI.03.01": "100.0",
    "AEI.03.02": "66.7",
    "AEI.03.03": "100.0",
    "AEI.03.04": "100.0",
    "AEI.03.05": "100.0",
}


@pytest.mark.parametrize("code,expected", sorted(AEI_ADVANCE.items()))
def test_aei_advance(zed_eval, code, expected):
    f = zed_eval.get(f"avance_aei:{code}")
    assert f.status == "ok"
    assert str(f.value) == expected


@pytest.mark.parametrize("code,expected", sorted(AEI_ADVANCE.items()))
def test_aei_indicator_advance_tipo_i(zed_eval, code, expected):
    f = zed_eval.get(f"avance_indicador:IND.01.{code}")
    assert str(f.value) == expected
    assert zed_eval.get(f"avance_tipo_i:IND.01.{code}").value == f.value


def test_cap_at_100(zed_eval):
    # 14 expected, 116 obtained -> 100 (uncapped it would be 828.6)
    f = zed_eval.get("avance_tipo_i:IND.01.AEI.02.03")
    assert f.value == Decimal("100.0")


def test_rounding_half_up_one_decimal(zed_eval):
    # 20/30 = 66.666... -> 66.7 ; 6.11/25 = 24.44 -> 24.4
    assert str(zed_eval.get("avance_indicador:IND.01.AEI.03.02").value) == "66.7"
    assert str(zed_eval.get("avance_indicador:IND.01.OEI.02").value) == "24.4"


def test_oei_02(zed_eval):
    assert str(zed_eval.get("avance_oei:OEI.02").value) == "24.4"


@pytest.mark.parametrize("code", ["OEI.01", "OEI.03"])
def test_oei_01_and_03_not_recomputable(zed_eval, code):
    f = zed_eval.get(f"avance_oei:{code}")
    assert f.value is None
    assert f.status == "sin_dato"
    assert "logro_esperado" in f.reason  # says why: no target for 2023


def test_weighted_execution(zed_eval):
    f = zed_eval.get("ejecucion_ponderada")
    assert str(f.value) == "95.10"
    weights = [i.weight for i in f.inputs if i.weight is not None]
    assert len(weights) == 12
    assert abs(sum(weights) - 1) < Decimal("1e-25")


def _counts(zed_eval, name):
    c = zed_eval.counts[name]
    return (c.counts["rojo"], c.counts["amarillo"], c.counts["verde"], c.total)


def test_semaforo_aei_indicators(zed_eval):
    assert _counts(zed_eval, "indicadores_aei") == (2, 0, 10, 12)


def test_semaforo_aei_physical_execution(zed_eval):
    assert _counts(zed_eval, "ejecucion_fisica_aei") == (1, 0, 11, 12)


def test_semaforo_ao(zed_eval):
    assert _counts(zed_eval, "ejecucion_fisica_ao") == (2, 0, 25, 27)


def test_poi_physical_mean_and_median(zed_eval):
    assert str(zed_eval.get("ejecucion_fisica_promedio").value) == "92.59"
    assert str(zed_eval.get("ejecucion_fisica_mediana").value) == "100.00"


def test_financial_execution(zed_eval):
    f = zed_eval.get("ejecucion_financiera")
    assert str(f.value) == "74.27"
    assert {i.name: i.value for i in f.inputs} == {"pim": Decimal("4930000"), "devengado": Decimal("3661516.08")}


def test_aei_physical_execution(zed_eval):
    assert str(zed_eval.get("ejecucion_fisica_aei:AEI.03.02").value) == "50.0"
    assert str(zed_eval.get("ejecucion_fisica_aei:AEI.02.01").value) == "100.0"


def test_every_figure_cites_rule_and_plan_lines(zed_eval):
    for f in zed_eval.figures.values():
        assert f.rule is not None and f.rule.file.endswith(".toml") and f.rule.line, f.id
        for i in f.inputs:
            if i.figure is None and i.ref is not None and i.ref.file.endswith("pei-2023-2025.toml"):
                assert i.ref.line, (f.id, i.name)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "pei_rules", *args], capture_output=True, text=True, timeout=120)


def test_cli_text_shows_the_report_figures():
    r = _cli("evaluate", str(ZED), "--year", "2023")
    assert r.returncode == 0, r.stderr
    for figure in ("95.10", "92.59", "100.00", "74.27", "24.4", "66.7", "50.0"):
        assert figure in r.stdout
    assert "ceplan-2023" in r.stdout and "sha256" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_cli_json_is_stable_and_complete():
    r = _cli("evaluate", str(ZED), "--year", "2023", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["format"] == "pei-rules/evaluation" and data["format_version"] == 1
    assert data["summary"]["ejecucion_ponderada"] == "95.10"
    rc = data["receipt"]
    assert rc["rule_set"]["id"] == "ceplan-2023" and len(rc["rule_set"]["content_hash"]) == 64
    assert len(rc["plan"]["sha256"]) == 64 and rc["year"] == 2023
    assert all(len(f["sha256"]) == 64 for f in rc["rule_set"]["files"])
    figs = {f["id"]: f for f in data["figures"]}
    assert figs["avance_aei:AEI.03.02"]["value"] == "66.7"
    assert figs["avance_aei:AEI.03.02"]["band"] == "rojo"


@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_cli_other_formats(fmt):
    r = _cli("evaluate", str(ZED), "--year", "2023", "--format", fmt)
    assert r.returncode == 0, r.stderr
    assert "95.10" in r.stdout and "74.27" in r.stdout


def test_default_year_is_latest_with_values():
    r = _cli("evaluate", str(ZED))
    assert r.returncode == 0, r.stderr
    assert "2023" in r.stdout.splitlines()[0]
