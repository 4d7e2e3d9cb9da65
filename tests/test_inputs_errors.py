"""One broken fixture per import error message: each names its place, and nothing is written.

``test_every_error_message_has_a_fixture`` fails when an error id of pei_rules/inputs has no
fixture here or in tests/test_inputs_import.py."""
from __future__ import annotations

import csv
import datetime as dt
import os
import re
from pathlib import Path

import pytest
from openpyxl import Workbook

from pei_rules.cli import main
from pei_rules.inputs.importing import convert as convert_files
from pei_rules.inputs import readers
from pei_rules.inputs.problems import ImportProblems

import import_books as B
import test_inputs_import as T

INPUTS = Path(readers.__file__).resolve().parent

HEAD = ["Código OEI", "OEI", "Código AEI", "AEI", "Código indicador", "Indicador", "Unidad de medida", "Sentido esperado", "Tipo de agregación", "Logro esperado 2023", "Valor obtenido 2023"]
ROW1 = ["OEI.01", "Objetivo uno", "AEI.01.01", "Acción uno", "IND.01", "Indicador uno", "Número", "Ascendente", "No acumulado", "10", "8"]
ROW2 = ["OEI.01", "Objetivo uno", "AEI.01.01", "Acción uno", "IND.02", "Indicador dos", "Número", "Ascendente", "No acumulado", "20", "25"]
PRE = [["Código entidad", "X1"], ["Entidad", "Entidad de prueba"], ["Periodo PEI", "2023-2025"], []]
AO_HEAD = ["Código AO", "Código AEI", "Actividad operativa", "Programado", "Ejecutado"]
AO_ROW = ["AO.01", "AEI.01.01", "Actividad uno", "10", "9"]


def write(path: Path, rows, delimiter=";") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def ind(tmp, pre=PRE, head=HEAD, rows=(ROW1, ROW2), name="i.csv"):
    return write(tmp / name, [*pre, head, *rows])


def ao(tmp, pre=(["Año", "2023"], []), head=AO_HEAD, rows=(AO_ROW,), name="ao.csv"):
    return write(tmp / name, [*pre, head, *rows])


def edit(row, **cells):
    r = list(row)
    for k, v in cells.items():
        r[HEAD.index(k.replace("_", " "))] = v
    return r


def xlsx(tmp, cells: dict, name="x.xlsx") -> Path:
    wb = Workbook()
    ws = wb.active
    for ref, v in cells.items():
        ws[ref] = v
    wb.save(tmp / name)
    return tmp / name


def b7(tmp, **edits):
    return B.b7_workbook(tmp / "b7.xlsx", mutate=T._b7(**edits))


def b7m(tmp, fn):
    return B.b7_workbook(tmp / "b7.xlsx", mutate=fn)


def poi(tmp, fn, name="poi.xlsx", year=2023):
    return B.poi_workbook(tmp / name, year, mutate=fn)


def _clear_col(col):
    def f(ws, start):
        for r in range(6, ws.max_row + 1):
            if type(ws.cell(r, col)).__name__ != "MergedCell":
                ws.cell(r, col).value = None
    return f


def _poi_clear_rows(first, last):
    def f(ws):
        for r in range(first, last + 1):
            for c in range(1, ws.max_column + 1):
                if type(ws.cell(r, c)).__name__ != "MergedCell":
                    ws.cell(r, c).value = None
    return f


# (message id, build(tmp) -> list of files, options or None, expected text in the place or None)
CASES = [
    ("imp_file_not_regular", lambda t: [_fifo(t)], None, None),
    ("imp_csv_malformed", lambda t: [write(t / "m.csv", [["a", "x" * 200_000]])], None, None),
    ("imp_num_boolean", lambda t: [b7(t, **{"Logros esperados_9": True})], None, "fila 9, columna J"),
    ("imp_num_time", lambda t: [b7(t, **{"Logros esperados_9": dt.time(10, 30)})], None, "fila 9, columna J"),
    ("imp_num_out_of_range", lambda t: [b7(t, **{"Logros esperados_9": "1.000.000.000.000.000"})], None, "fila 9, columna J"),
    ("imp_whole_expected", lambda t: [ind(t, head=HEAD + ["Relevancia"], rows=(ROW1 + ["alta"],))], None, "fila 6, columna L (celda «alta»)"),
    ("imp_header_twice", lambda t: [ind(t, head=HEAD + ["Indicador"], rows=(ROW1 + ["x"],))], None, "fila 5, columna L"),
    ("imp_no_layout_sheets", lambda t: [xlsx(t, {"A1": "nada", "B2": 3})], None, "x.xlsx"),
    ("imp_no_indicators", lambda t: [ao(t)], None, None),
    ("imp_two_indicator_sheets", lambda t: [ind(t), ind(t, name="j.csv")], None, "j.csv"),
    ("imp_no_entity_code", lambda t: [ind(t, pre=[["Entidad", "E"], ["Periodo PEI", "2023-2025"], []])], None, None),
    ("imp_no_entity_name", lambda t: [ind(t, pre=[["Código entidad", "X"], ["Periodo PEI", "2023-2025"], []])], None, None),
    ("imp_no_period", lambda t: [ind(t, pre=[["Código entidad", "X"], ["Entidad", "E"], []])], None, None),
    ("imp_generated_invalid", lambda t: [ind(t, rows=(edit(ROW1, Indicador="x" * 2100),))], None, None),
    ("imp_b7_missing_column", lambda t: [b7m(t, lambda ws, s: ws.cell(6, 3, "Otra cosa"))], None, "fila 6"),
    ("imp_b7_no_agregacion", lambda t: [b7m(t, lambda ws, s: ws.cell(6, 5, "Comentario"))], None, "fila 6"),
    ("imp_b7_aei_before_oei", lambda t: [b7(t, **{"1_8": "AEI.09.09"})], None, "fila 8, columna A"),
    ("imp_b7_no_oei", lambda t: [b7m(t, lambda ws, s: [ws.cell(r, 1, "X" + str(ws.cell(r, 1).value)) for r in range(8, ws.max_row + 1) if ws.cell(r, 1).value])], None, None),
    ("imp_b7_no_sentido", lambda t: [b7m(t, lambda ws, s: (_clear_col(4)(ws, s), ws.cell(6, 4, "Meta"), [ws.cell(9, s["Logros esperados"] + i, "3") for i in range(5)]))], None, "fila 9, columna A"),
    ("imp_poi_year_twice", lambda t: [B.b7_workbook(t / "b7.xlsx"), poi(t, None), poi(t, None, name="poi2.xlsx")], None, "poi2.xlsx"),
    ("imp_poi_row_without_code", lambda t: [B.b7_workbook(t / "b7.xlsx"), poi(t, lambda ws: (ws.cell(ws.max_row, 1, None), ws.cell(ws.max_row + 1, 10, 5)))], None, "columna A"),
    ("imp_poi_missing_row", lambda t: [B.b7_workbook(t / "b7.xlsx"), poi(t, lambda ws: [setattr(ws.cell(7, c), "value", None) for c in range(9, 37)])], None, "fila 6"),
    ("imp_poi_no_aei", lambda t: [B.b7_workbook(t / "b7.xlsx"), poi(t, lambda ws: setattr(ws.cell(6, 4), "value", None))], None, "fila 6, columna D"),
    ("imp_poi_no_ao", lambda t: [B.b7_workbook(t / "b7.xlsx"), poi(t, _poi_clear_rows(6, 40))], None, "fila 6"),
    ("imp_tidy_unknown_preamble", lambda t: [ind(t, pre=PRE[:3] + [["Color", "rojo"], []])], None, "fila 4, columna A (celda «Color»)"),
    ("imp_tidy_bad_period", lambda t: [ind(t, pre=[PRE[0], PRE[1], ["Periodo PEI", "2025-2023"], []])], None, "fila 3, columna B"),
    ("imp_tidy_extra_cells", lambda t: [ind(t, rows=(ROW1 + ["", "sobra"],))], None, "fila 6"),
    ("imp_tidy_aei_two_oei", lambda t: [ind(t, rows=(ROW1, edit(ROW2, Código_OEI="OEI.02")))], None, "fila 7, columna A"),
    ("imp_tidy_conflict", lambda t: [ind(t, rows=(ROW1, edit(ROW2, OEI="Otro nombre")))], None, "fila 7, columna B"),
    ("imp_tidy_code_both", lambda t: [ind(t, rows=(ROW1, edit(ROW2, Código_OEI="AEI.01.01", Código_AEI="", AEI="")))], None, None),
    ("imp_tidy_no_name", lambda t: [ind(t, rows=(edit(ROW1, AEI=""), edit(ROW2, AEI="")))], None, "fila 6"),
    ("imp_tidy_no_oei", lambda t: [ind(t, rows=())], None, None),
    ("imp_tidy_no_year", lambda t: [ind(t), ao(t, pre=([],))], None, "ao.csv"),
    ("imp_tidy_months_incomplete", lambda t: [ind(t), ao(t, head=AO_HEAD[:3] + ["Programado ene", "Programado feb"], rows=(AO_ROW[:3] + ["1", "2"],))], None, "fila 3"),
    ("imp_tidy_annual_and_months", lambda t: [ind(t), ao(t, head=AO_HEAD + [f"Programado {m}" for m in B.MONTHS], rows=(AO_ROW + ["1"] * 12,))], None, "fila 4, columna D"),
    ("imp_tidy_yes_no", lambda t: [ind(t), ao(t, head=AO_HEAD + ["Reconstruido"], rows=(AO_ROW + ["quizá"],))], None, "fila 4, columna F (celda «quizá»)"),
    ("imp_formula_without_value", lambda t: [b7(t, **{"Logros esperados_9": "=1+2"})], None, "hoja «Reporte», fila 9, columna J"),
    ("imp_file_too_large", lambda t: [ind(t)], "small_limit", None),
    ("imp_file_unreadable", lambda t: [ind(t)], "unreadable", None),
    ("imp_sheet_too_large", lambda t: [ind(t)], "few_rows", None),
]


def _fifo(tmp: Path) -> Path:
    p = tmp / "fifo.csv"
    os.mkfifo(p)
    return p


@pytest.mark.parametrize("msg_id, build, special, place", CASES, ids=[c[0] for c in CASES])
def test_error_fixture(tmp_path, monkeypatch, msg_id, build, special, place):
    if special == "small_limit":
        monkeypatch.setattr(readers, "MAX_BYTES", 10)
    if special == "unreadable":
        from pei_rules import files as F

        real_open = F.os.open

        def refuse(path, *a, **k):  # the bounded reader's open of an input sheet fails
            if str(path).startswith(str(tmp_path)):
                raise PermissionError(13, "Permission denied")
            return real_open(path, *a, **k)

        monkeypatch.setattr(F.os, "open", refuse)
    if special == "few_rows":
        monkeypatch.setattr(readers, "MAX_ROWS", 3)
    files = build(tmp_path)
    out = tmp_path / "plan.toml"
    if msg_id == "imp_generated_invalid":
        with pytest.raises(Exception) as ei:
            convert_files(files)
        assert "el plan generado no es válido" in str(ei.value)
        assert main(["import", *map(str, files), "--out", str(out)]) == 2 and not out.exists()
        return
    with pytest.raises(ImportProblems) as ei:
        convert_files(files)
    hit = [i for i in ei.value.issues if i.id == msg_id]
    assert hit, [f"{i.id}: {i}" for i in ei.value.issues]
    if place:
        assert place in str(hit[0]), str(hit[0])
    assert main(["import", *map(str, files), "--out", str(out)]) == 2 and not out.exists()


def test_every_error_message_has_a_fixture():
    """Every error id the import code raises has a broken fixture (here or in test_inputs_import)."""
    used = set()
    for p in INPUTS.glob("*.py"):
        text = p.read_text(encoding="utf-8")
        used |= set(re.findall(r'\.error\([^"]*"(imp_[a-z0-9_]+)"', text))
        used |= set(re.findall(r'NotANumber\([^"]*"(imp_[a-z0-9_]+)"', text))
    used.add("imp_generated_invalid")
    covered_by_unit_tests = {"imp_num_not_finite"}  # a float a spreadsheet cannot store: test_inputs_numbers
    covered = {c[0] for c in CASES}
    covered |= {e[1] for e in T.B7_ERRORS} | {e[1] for e in T.POI_ERRORS}
    covered |= {"imp_poi_no_year", "imp_num_ambiguous", "imp_file_not_found", "imp_file_is_dir", "imp_old_format_failed", "imp_old_format_no_soffice",
                "imp_xlsx_unreadable", "imp_no_layout"}  # test_inputs_import
    covered |= {"imp_num_not_a_number", "imp_num_bad_grouping", "imp_num_column_mixed", "imp_year_expected", "imp_tidy_empty",
                "imp_header_unknown", "imp_tidy_missing_column", "imp_code_repeated", "imp_poi_unknown_aei", "imp_tidy_month_empty"}  # test_import
    missing = sorted(used - covered - covered_by_unit_tests)
    assert not missing, f"error messages without a fixture: {missing}"


# --- no input crashes the importer ---------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pei_rules.errors import PeiError  # noqa: E402

WORDS = ["Código", "Código OEI", "OEI", "AEI", "Código AO", "Código indicador", "Indicador", "Parámetro de medición", "Sentido esperado",
         "Tipo de agregación", "Línea de base", "Año", "Valor", "Logro esperado", "Valor obtenido", "Avance %", "2023", "2024", "PROG", "EJEC",
         "Ene", "Feb", "Total", "Meta física", "OEI.01", "AEI.01.01", "IND.01", "AO.01", "1,234", "66,7", "N/D", "-", "", "", "", "S/ 1.000,00",
         "Entidad: X", "Periodo: 2023-2024", "Año: 2023", "(Prioridad:1)", "=1+1", "31/12/2023", "1.2.3", "%", "x" * 30]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12), min_size=1, max_size=12), st.sampled_from([",", ";", "\t"]))
def test_no_sheet_crashes_the_importer(tmp_path, rows, delimiter):
    """Any grid of plausible heading words, codes and numbers: a plan or a clear problem, never a crash."""
    p = write(tmp_path / "g.csv", rows, delimiter=delimiter)
    try:
        res = convert_files([p])
    except PeiError as exc:
        assert str(exc)
    else:
        assert res.text.startswith("#")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_no_bytes_crash_the_importer(tmp_path, data):
    for name in ("b.xlsx", "b.csv"):
        p = tmp_path / name
        p.write_bytes(b"PK\x03\x04" + data if name.endswith("xlsx") else data)
        with pytest.raises(PeiError):
            convert_files([p])
