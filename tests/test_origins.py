"""An imported plan remembers the spreadsheet cell of every number (``# origen:`` comments), and
``explain`` — in the terminal, as JSON, through the API and on the web page — names that cell
next to the plan line, so an auditor can check a figure against the workbook the office handed in."""
from __future__ import annotations

import csv
import io
import json
import re
from contextlib import redirect_stdout
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, strategies as st

from pei_rules.cli import main
from pei_rules.origins import cell_for, cell_origin

ROOT = Path(__file__).resolve().parents[1]
IMPORT = ROOT / "plans" / "zed-ilo" / "import"


def _out(*argv) -> tuple[int, str]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main([str(a) for a in argv])
    return code, buf.getvalue()


def _workbook(tmp_path: Path) -> Path:
    """The two import CSV sheets as two sheets of one workbook (one with a quote in its name)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for src, name in ((IMPORT / "indicadores.csv", "Indicadores B-7"), (IMPORT / "ao-2023.csv", "AO d'2023")):
        ws = wb.create_sheet(name)
        with src.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                ws.append(row)
    out = tmp_path / "zed.xlsx"
    wb.save(out)
    return out


def _cell_value(book: Path, origin: str) -> str:
    m = re.fullmatch(r"'((?:[^']|'')*)'!([A-Z]+[0-9]+)", origin)
    ws = openpyxl.load_workbook(book, read_only=True)[m.group(1).replace("''", "'")]
    return str(ws[m.group(2)].value)


def _leaves(node: dict):
    if node.get("type") == "plan_input":
        yield node
    for child in node.get("inputs", []):
        yield from _leaves(child)


def _es_number(text: str) -> Decimal:
    return Decimal(text.replace(" ", "").replace(",", "") if "," in text and "." in text else text.replace(",", "."))


def test_every_explained_input_names_a_cell_that_holds_its_value(tmp_path):
    book = _workbook(tmp_path)
    plan = tmp_path / "plan.toml"
    assert main(["import", str(book), "--out", str(plan)]) == 0
    checked = 0
    for address in ("AEI.03.02", "OEI.02", "ejecucion_ponderada", "ejecucion_financiera"):
        code, text = _out("explain", plan, address, "--year", "2023", "--format", "json")
        assert code == 0
        for leaf in _leaves(json.loads(text)["tree"]):
            cell = leaf["source"].get("cell")
            assert cell, leaf  # every plan input of an imported plan has its cell
            assert _es_number(_cell_value(book, cell)) == Decimal(leaf["value"]), (leaf, cell)
            checked += 1
    assert checked >= 20
    code, text = _out("explain", plan, "AEI.03.02", "--year", "2023")
    assert "esperado = 30  (plan " in text and "; celda 'Indicadores B-7'!S22)" in text
    code, text = _out("explain", plan, "AEI.03.02", "--year", "2023", "--lang", "en")
    assert "; cell 'Indicadores B-7'!S22)" in text


def test_the_cell_of_an_ao_value_and_a_quoted_sheet_name(tmp_path):
    book = _workbook(tmp_path)
    plan = tmp_path / "plan.toml"
    assert main(["import", str(book), "--out", str(plan)]) == 0
    text = plan.read_text(encoding="utf-8")
    assert "# origen: 'AO d''2023'!" in text
    code, out = _out("explain", plan, "ejecucion_financiera", "--year", "2023", "--format", "json")
    cells = [leaf["source"]["cell"] for leaf in _leaves(json.loads(out)["tree"])]
    assert cells and all(c.startswith("'AO d''2023'!") for c in cells)


def test_a_hand_written_plan_cites_only_its_lines():
    code, out = _out("explain", ROOT / "plans/zed-ilo/pei-2023-2025.toml", "AEI.03.02", "--year", "2023", "--format", "json")
    assert all("cell" not in leaf["source"] for leaf in _leaves(json.loads(out)["tree"]))


def test_the_api_and_the_page_name_the_cell(tmp_path):
    from starlette.testclient import TestClient

    from pei_rules.serve.app import create_app
    from pei_rules.serve.settings import Settings

    book = _workbook(tmp_path)
    client = TestClient(create_app(Settings()), base_url="http://127.0.0.1:8000")
    files = {"plan": ("zed.xlsx", book.read_bytes(), "application/octet-stream")}
    r = client.post("/api/explain", files=files, data={"year": "2023", "figure": "AEI.03.02"})
    assert r.status_code == 200, r.text
    cells = {leaf["name"]: leaf["source"].get("cell") for leaf in _leaves(r.json()["tree"])}
    assert cells["esperado"] == "'Indicadores B-7'!S22" and cells["obtenido"] == "'Indicadores B-7'!V22"


@pytest.mark.parametrize(
    "line, key, cell",
    [
        ("valor = 5  # origen: 'B-7'!F12", ("indicador", 0, "valor"), "'B-7'!F12"),
        ("logro_esperado = { 2023 = 1, 2024 = 2 }  # origen: 2023 = 'B'!S14, 2024 = 'B'!T14", ("indicador", 3, "logro_esperado", "2024"), "'B'!T14"),
        ("logro_esperado = { 2023 = 1 }  # origen: 2023 = 'B'!S14", ("indicador", 3, "logro_esperado", "2025"), None),
        ("m = [1, 2, 3]  # origen: 'P'!E6, —, 'P'!G6", ("poi", "2023", "ao", 0, "m", 2), "'P'!G6"),
        ("m = [1, 2, 3]  # origen: 'P'!E6, —, 'P'!G6", ("poi", "2023", "ao", 0, "m", 1), None),
        ("m = [1, 2, 3]  # origen: 'P'!E6, —, 'P'!G6", ("poi", "2023", "ao", 0, "m", 7), None),
        ("linea_base = { anio = 2021, valor = 3 }  # origen: valor = 'It''s'!Q14", ("indicador", 1, "linea_base", "valor"), "'It''s'!Q14"),
        ("valor = 5", ("valor",), None),
        ("nombre = \"x\"  # una nota", ("nombre",), None),
        ("valor = 1  # origen: '# origen: x'!A1", ("valor",), "'# origen: x'!A1"),
    ],
)
def test_reading_an_origin_comment(line, key, cell):
    assert cell_for(line, key) == cell


#: a sheet name: any characters but line breaks (no spreadsheet allows them)
SHEETS = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), max_size=40)


@given(SHEETS, st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=3), st.integers(1, 9_999_999))
def test_any_sheet_name_round_trips(sheet, col, row):
    origin = cell_origin(sheet, f"{col}{row}")
    assert cell_for(f"valor = 1  # origen: {origin}", ("valor",)) == origin


def test_the_page_shows_the_cell_next_to_the_plan_line():
    from pei_rules.serve.page import _node_html

    leaf = {"type": "plan_input", "name": "esperado", "value": "30", "note": None,
            "source": {"file": "zed.xlsx", "line": 267, "key": "indicador[11].logro_esperado.2023", "cell": "'Indicadores B-7'!S22"}}
    assert "; celda &#x27;Indicadores B-7&#x27;!S22)" in _node_html(leaf, "es") or "; celda 'Indicadores B-7'!S22)" in _node_html(leaf, "es")
    assert "cell" in _node_html(leaf, "en")
