"""The evaluation workbook (``evaluate --format xlsx``), read back as a spreadsheet program
would: cell types, number formats, fills, frozen headers, widths, origins, injection."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from report_helpers import ROOT, ZED

from pei_rules.outputs.common import band_colors, cell_text, tint
from pei_rules.ruleset import load_ruleset, resolve


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "pei_rules", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> openpyxl.Workbook:
    out = tmp_path_factory.mktemp("xlsx") / "zed.xlsx"
    r = run_cli("evaluate", str(ZED), "--year", "2023", "--format", "xlsx", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return openpyxl.load_workbook(out)


def rows_by_code(ws) -> dict[str, list]:
    return {row[0].value: row for row in ws.iter_rows(min_row=2) if row[0].value}


def header_index(ws, text: str, nth: int = 0) -> int:
    hits = [c.column - 1 for c in ws[1] if c.value == text]
    return hits[nth]


def test_sheets_in_annex_layouts(workbook):
    assert workbook.sheetnames == ["Indicadores", "OEI y AEI", "Semaforización", "Cifras del plan y POI", "Actividades operativas", "Publicado vs recalculado", "Recibo"]
    for ws in workbook:
        assert ws.freeze_panes == "B2", ws.title  # header row (and code column) frozen
        assert all(c.font.bold for c in ws[1] if c.value)


def test_numbers_are_numbers_with_formats(workbook):
    ws = workbook["Cifras del plan y POI"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    weighted = rows["Ejecución ponderada de AEI"][1]
    assert weighted.data_type == "n" and weighted.value == pytest.approx(95.10) and weighted.number_format == "#,##0.00"
    assert rows["Ejecución ponderada de AEI"][3].value == "95.09803921568627450980392159"  # the exact value, every digit
    financial = rows["Ejecución financiera (devengado / PIM)"][1]
    assert financial.data_type == "n" and financial.value == pytest.approx(74.27)
    pim = rows["PIM (S/)"][1]
    assert pim.data_type == "n" and pim.value == 4930000 and pim.number_format == "#,##0.00"
    assert rows["Devengado (S/)"][1].value == pytest.approx(3661516.08)
    oa = rows_by_code(workbook["OEI y AEI"])
    adv = header_index(workbook["OEI y AEI"], "Avance (%)")
    assert oa["AEI.03.02"][adv].data_type == "n" and oa["AEI.03.02"][adv].value == pytest.approx(66.7)
    assert oa["AEI.03.02"][adv].number_format == "#,##0.0"
    assert oa["OEI.02"][adv].value == pytest.approx(24.4)
    assert oa["OEI.01"][adv].value == "N/D"  # no data is never 0
    counts = {r[0].value: [c.value for c in r[1:6]] for r in workbook["Semaforización"].iter_rows(min_row=2)}
    assert counts["Ejecución física de Acciones estratégicas-AEI"] == [1, 0, 11, 0, 12]
    assert counts["Actividades operativas (Ejecución física)"] == [2, 0, 25, 0, 27]


def test_semaforo_is_fill_and_word(workbook):
    rules = load_ruleset(resolve("ceplan-2023"))
    colors = band_colors(rules)
    ws = workbook["OEI y AEI"]
    oa = rows_by_code(ws)
    adv = header_index(ws, "Avance (%)")
    for code, band, word in (("AEI.02.01", "rojo", "Rojo"), ("AEI.01.01", "verde", "Verde"), ("OEI.02", "rojo", "Rojo")):
        cell, word_cell = oa[code][adv], oa[code][adv + 1]
        assert cell.fill.fgColor.rgb.endswith(tint(colors[band])), code
        assert word_cell.value == word and word_cell.fill.fgColor.rgb.endswith(tint(colors[band]))
    ind = rows_by_code(workbook["Indicadores"])
    col = header_index(workbook["Indicadores"], "Avance Tipo I (%)")
    assert ind["IND.01.AEI.03.02"][col].value == pytest.approx(66.7) and ind["IND.01.AEI.03.02"][col + 1].value == "Rojo"


def test_origin_cites_rule_file_and_line(workbook):
    ws = workbook["OEI y AEI"]
    oa = rows_by_code(ws)
    org = header_index(ws, "Origen (regla)")
    assert oa["AEI.02.01"][org].value == "rules/ceplan-2023/agregacion.toml:24"
    lines = Path(ROOT / "rules/ceplan-2023/agregacion.toml").read_text(encoding="utf-8").splitlines()
    assert "metodo" in lines[23]
    ao = rows_by_code(workbook["Actividades operativas"])
    assert ao["AO.03.02.03"][-1].value.startswith("plans/zed-ilo/pei-2023-2025.toml:")


def test_columns_fitted(workbook):
    ws = workbook["OEI y AEI"]
    widths = {c.column_letter: ws.column_dimensions[c.column_letter].width for c in ws[1]}
    assert 8 <= widths["A"] <= 14  # codes
    assert widths["D"] == 60  # long names: capped, wrapped
    assert ws["D3"].alignment.wrap_text


def test_published_vs_recomputed_sheet(workbook):
    ws = workbook["Publicado vs recalculado"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    mismatch = [r for r in rows if r[5] == "No coincide"]
    assert len(mismatch) == 16 and sum(1 for r in rows if r[5] == "Coincide") == 44
    # people's names, the internal address only in its own column
    aei = next(r for r in mismatch if r[1] == "avance_aei:AEI.02.01")
    assert aei[0].startswith("Avance de la AEI") and isinstance(aei[2], (int, float)) and aei[3] == pytest.approx(50)
    assert "ejecucion_fisica_aei:" not in aei[6] and "Ejecución física de la AEI AEI.02.01" in aei[6]


def test_receipt_sheet(workbook):
    rows = dict(workbook["Recibo"].iter_rows(min_row=2, values_only=True))
    rules = load_ruleset(resolve("ceplan-2023"))
    assert rows["Huella del conjunto de reglas (sha256)"] == rules.content_hash
    assert rows["Año evaluado"] == "2023" and rows["Versión de pei-rules"]
    assert len(rows["Huella del plan (sha256)"]) == 64


def test_english_workbook(tmp_path):
    out = tmp_path / "zed-en.xlsx"
    r = run_cli("evaluate", str(ZED), "--year", "2023", "--format", "xlsx", "--out", str(out), "--lang", "en")
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Indicators" and "Receipt" in wb.sheetnames
    ws = wb["OEI and AEI"]
    assert "AEI physical execution (%)" in [c.value for c in ws[1]]
    words = {c.value for row in ws.iter_rows(min_row=2) for c in row}
    assert "Red" in words and "Green" in words and "Rojo" not in words


def test_text_cells_never_formulas(tmp_path):
    text = ZED.read_text(encoding="utf-8").replace(
        'denominacion = "Promover capacidades logísticas en la región Moquegua."', 'denominacion = "=HYPERLINK(\\"http://x.invalid\\",\\"clic\\")"', 1
    )
    plan = tmp_path / "plan.toml"
    plan.write_text(text, encoding="utf-8")
    out = tmp_path / "inj.xlsx"
    r = run_cli("evaluate", str(plan), "--year", "2023", "--format", "xlsx", "--out", str(out))
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(out)["OEI y AEI"]
    cell = rows_by_code(ws)["OEI.01"][3]
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")
    for ws in openpyxl.load_workbook(out):
        assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


@pytest.mark.parametrize("text,expected", [("=1+1", "'=1+1"), ("+5", "'+5"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("a\x00b\x07", "ab"), ("AEI.01", "AEI.01")])
def test_cell_text(text, expected):
    assert cell_text(text) == expected


def test_xlsx_needs_out_and_leaves_nothing(tmp_path):
    r = run_cli("evaluate", str(ZED), "--year", "2023", "--format", "xlsx", cwd=tmp_path)
    assert r.returncode == 2 and "--out" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("evaluate", str(ZED), "--year", "2023", "--format", "xlsx", "--out", str(tmp_path / "no" / "x.xlsx"))
    assert r.returncode == 2 and "no existe" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_batch_consolidated_workbook(tmp_path):
    from report_helpers import write_plans

    plans = tmp_path / "planes"
    write_plans(plans)
    r = run_cli("batch", str(plans), "--year", "2023", "--out", str(tmp_path / "lote"), "--quiet")
    assert r.returncode == 1, r.stderr  # one broken plan
    out = tmp_path / "lote.xlsx"
    r = run_cli("report", "--batch", str(tmp_path / "lote"), "--out", str(out))
    assert r.returncode == 1, r.stderr  # written; some plans failed
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Entidades", "Recibo"]
    ws = wb["Entidades"]
    heads = [c.value for c in ws[1]]
    col = heads.index("Ejecución ponderada de AEI (%)")
    rows = {r[1].value: r for r in ws.iter_rows(min_row=2)}
    assert {"ENT-A", "ENT-B", "ENT-C", "ENT-D"} <= set(rows) and ws.max_row == 6  # header + 5 plans
    a = rows["ENT-A"]
    assert a[col].data_type == "n" and a[col].value == pytest.approx(95.10) and a[col].number_format == "#,##0.00"
    assert a[col + 1].value == "Verde" and a[col].fill.fgColor.rgb.endswith(tint(band_colors(load_ruleset(resolve("ceplan-2023")))["verde"]))
    broken = next(r for r in ws.iter_rows(min_row=2) if r[3].value == "Error")
    assert "zz-rota.toml" in (broken[-1].value or "") and "Hacia arriba" in broken[-1].value
    red = heads.index("Ejecución física de Acciones estratégicas-AEI: Rojo")
    assert a[red].value == 1 and a[red].data_type == "n"
    receipt = dict(wb["Recibo"].iter_rows(min_row=2, values_only=True))
    assert receipt["Año evaluado"] == "2023"


def test_report_xlsx_needs_batch(tmp_path):
    r = run_cli("report", str(ZED), "--year", "2023", "--out", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and "--batch" in r.stderr and not (tmp_path / "x.xlsx").exists()
