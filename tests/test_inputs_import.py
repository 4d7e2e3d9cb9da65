"""``pei-rules import`` on realistic Aplicativo exports: XLSX B-7 with 5 years, POI seguimiento
with monthly rows, CSV in Windows-1252 with a BOM and ';', and one broken fixture per error."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from pei_rules import evaluate, load_plan
from pei_rules.cli import main
from pei_rules.i18n import set_lang
from pei_rules.inputs.importing import Options
from pei_rules.inputs.importing import convert as convert_files
from pei_rules.inputs.problems import ImportProblems

import import_books as B
from conftest import PLANS

IMPORT = PLANS / "zed-ilo" / "import"


def need(program: str, package: str) -> None:
    """LibreOffice/poppler: installed by .ci/run in CI (a failure there); skipped elsewhere."""
    if shutil.which(program):
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {program} is missing: .ci/run must install it ({package})")
    pytest.skip(f"{program} is not installed ({package}); CI runs these tests")


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("books")
    return B.b7_workbook(d / "b7.xlsx"), B.poi_workbook(d / "poi.xlsx")


@pytest.fixture(scope="module")
def imported(books, tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "plan.toml"
    assert main(["import", str(books[0]), str(books[1]), "--out", str(out)]) == 0
    return out


def test_b7_series_and_poi_months_land_in_the_plan(imported):
    m = load_plan(imported).model
    assert (m.entidad.codigo, m.plan.desde, m.plan.hasta) == ("012345", 2021, 2025)
    assert [(o.codigo, o.prioridad) for o in m.oei] == [("OEI.01", "1"), ("OEI.02", "2")]
    assert [(a.codigo, a.oei, a.prioridad) for a in m.aei] == [(a, o, str(p)) for a, o, _, p in B.AEIS]
    ind = {i.codigo: i for i in m.indicador}
    for code, owner, name, unit, sentido, agr, base, targets, obtained in B.INDICATORS:
        i = ind[code]
        assert (i.de, i.nombre, i.unidad_medida, i.sentido, i.agregacion) == (owner, name, unit, sentido, agr)  # wrapped name joined
        assert i.linea_base.anio == base[0] and i.linea_base.valor == B.es_number(base[1])
        assert i.logro_esperado == {y: B.es_number(t) for y, t in zip(B.YEARS, targets)}
        assert i.valor_obtenido == {y: B.es_number(o) for y, o in zip(B.YEARS, obtained)}  # N/D and "-" are no data, never 0
    assert str(ind["IND.01.AEI.02.01"].valor_obtenido[2021]) == "1100000.50"  # exact, as written
    ao = {a.codigo: a for a in m.poi[2023].ao}
    assert len(ao) == len(B.AOS)
    for code, aei, name, cc, unit, agr, prio, prog, ejec, fprog, fejec in B.AOS:
        a = ao[code]
        assert (a.aei, a.denominacion, a.centro_costo, a.unidad_medida, a.agregacion, a.prioridad) == (aei, name, cc, unit, agr, prio)
        assert a.programado_mensual == [Decimal(x) for x in prog] and a.ejecutado_mensual == [Decimal(x) for x in ejec]
        assert a.financiero_programado_mensual == [B.es_number(x) for x in fprog]
        assert a.devengado == sum(B.es_number(x) for x in fejec)
    pubs = {(p.figura, p.anio): p.valor for p in m.publicado}
    assert pubs[("avance_indicador:IND.01.OEI.01", 2021)] == "93.3"  # a 0.0% formatted cell, as printed
    assert pubs[("avance_indicador:IND.01.AEI.01.02", 2022)] == "97.4"  # "97,4" as text
    assert pubs[("avance_indicador:IND.01.AEI.01.02", 2024)] == "N/D"
    assert pubs[("ejecucion_fisica_ao:AOI0000300003", 2023)] == "50.00"
    assert {y for _, y in pubs} == set(B.YEARS)


def test_imported_plan_evaluates_and_audits_every_year(imported, rules_2023, capsys):
    """`pei-rules audit PLAN` compares every year's published avances (N/D included) without hand
    edits. The workbooks print capped avances, as ceplan-2023 computes them in every year."""
    capsys.readouterr()
    assert main(["audit", str(imported), "--rules", "ceplan-2023", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    entries = doc["entries"]
    assert {e["year"] for e in entries} == set(B.YEARS) == {y["year"] for y in doc["years"]}
    assert len(entries) == len(load_plan(imported).model.publicado) and doc["summary"]["match"] == len(entries)
    assert any(e["published"] == "N/D" for e in entries)
    # the rule sets of each year's era (2025: uncapped) find the capped 2025 prints: exit 1, with the cause
    assert main(["audit", str(imported), "--year", "2025"]) == 1
    assert "es el valor de la misma cifra en" in capsys.readouterr().out
    ev = evaluate(load_plan(imported), rules_2023, 2023)
    assert str(ev.get("ejecucion_fisica_ao:AOI0000300003").value) == "50.00"


def test_headers_found_by_their_words_not_position(books, tmp_path):
    """The B-7 sheet is the second one and its heading cells are merged with line breaks."""
    res = convert_files([books[0]])
    assert res.sheets == [(str(books[0]), "Reporte", "b7")] and res.warnings == []


def _zed_rows(name):
    with open(IMPORT / name, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_bom_windows_1252_semicolon_csv(tmp_path, zed_plan):
    """Excel on a Spanish Windows: ';', Windows-1252 (accents), here even behind a UTF-8 BOM."""
    paths = []
    for name in ("indicadores.csv", "ao-2023.csv"):
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(_zed_rows(name))
        text = buf.getvalue()
        p = tmp_path / name
        p.write_bytes(b"\xef\xbb\xbf" + text.encode("cp1252"))
        paths.append(p)
    res = convert_files(paths)
    assert {w.id for w in res.warnings} == {"imp_warn_bom_not_utf8"}
    out = tmp_path / "p.toml"
    out.write_text(res.text, encoding="utf-8")
    m = load_plan(out).model
    assert [i.nombre for i in m.indicador] == [i.nombre for i in zed_plan.model.indicador]  # accents intact
    assert [i.valor_obtenido for i in m.indicador] == [i.valor_obtenido for i in zed_plan.model.indicador]


def test_b7_as_csv_with_left_filled_group_headings(tmp_path, books, imported):
    """Saved as CSV the merges are gone: 'Logro esperado' stands left of blank cells."""
    import openpyxl

    ws = openpyxl.load_workbook(books[0])["Reporte"]
    rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
    p = tmp_path / "b7.csv"
    with open(p, "w", newline="", encoding="cp1252") as fh:
        csv.writer(fh, delimiter="\t").writerows(rows)
    res = convert_files([p])
    assert load_plan_text(tmp_path, res.text).model.indicador == load_plan(imported).model.indicador


def load_plan_text(tmp_path, text):
    p = tmp_path / "x.toml"
    p.write_text(text, encoding="utf-8")
    return load_plan(p)


def test_b7_without_sentido_column_infers_it_with_a_warning(tmp_path):
    def drop(ws, start):
        for r in range(8, ws.max_row + 1):
            ws.cell(r, 4).value = None
        ws.cell(6, 4).value = "Meta"

    p = B.b7_workbook(tmp_path / "b.xlsx", mutate=drop)
    res = convert_files([p])
    warned = [w for w in res.warnings if w.id == "imp_warn_sentido_inferred"]
    assert len(warned) == len(B.INDICATORS) and "Descendente" in str(warned[3])
    assert {i.sentido for i in load_plan_text(tmp_path, res.text).model.indicador} == {"Ascendente", "Descendente"}


def test_ambiguous_cells_decided_per_column(tmp_path):
    def amb(ws, start):
        ws.cell(9, start["Línea de base"] + 1).value = "1,250"  # column of decimal commas: 1.25

    res = convert_files([B.b7_workbook(tmp_path / "b.xlsx", mutate=amb)])
    assert str(load_plan_text(tmp_path, res.text).model.indicador[0].linea_base.valor) == "1.250"


# --- one broken fixture per error message --------------------------------------------------


def _b7(**cells):
    def mutate(ws, start):
        for ref, value in cells.items():
            col, row = ref.split("_")
            c = start[col] if col in start else int(col)
            ws.cell(int(row), c).value = value

    return mutate


B7_ERRORS = [
    # (cell edits "column_row" -> value, message id, row, column letter)
    ({"Línea de base_9": "2O19"}, "imp_year_expected", 9, "F"),
    ({"Logros esperados_9": "abc"}, "imp_num_not_a_number", 9, "J"),
    ({"Logros esperados_9": "1.2.3"}, "imp_num_bad_grouping", 9, "J"),
    ({"Valor\nobtenido_9": "1.234,5", "Valor\nobtenido_10": "1,234.5"}, "imp_num_column_mixed", 10, "O"),
    ({"3_9": None}, "imp_b7_empty", 9, "C"),
    ({"1_9": None}, "imp_b7_row_without_code", 9, "A"),
    ({"1_8": "X.01"}, "imp_b7_indicator_without_owner", 8, "A"),
    ({"Valor actual_9": 2022, "Valor actual_10": None}, "imp_b7_current_disagrees", 9, "I"),
    ({"Línea de base_9": None}, "imp_baseline_without_year", 9, "G"),
]


@pytest.mark.parametrize("edits, msg_id, row, col", B7_ERRORS, ids=[e[1] for e in B7_ERRORS])
def test_b7_error_fixture(tmp_path, edits, msg_id, row, col):
    p = B.b7_workbook(tmp_path / "b.xlsx", mutate=_b7(**edits))
    with pytest.raises(ImportProblems) as ei:
        convert_files([p])
    issues = ei.value.issues
    hit = [i for i in issues if i.id == msg_id]
    assert hit, [str(i) for i in issues]
    w = hit[0].where
    assert (w.file, w.sheet, w.row) == (str(p), "Reporte", row) and w.col is not None
    assert f"fila {row}, columna {col}" in str(hit[0])


def _poi(fn):
    return lambda ws: fn(ws)


POI_ERRORS = [
    (lambda ws: ws.cell(6, 4, "AEI.09.09"), "imp_poi_unknown_aei", 6, "D"),
    (lambda ws: ws.cell(7, 9, "PROG"), "imp_poi_two_rows", 7, "I"),
    (lambda ws: ws.cell(7, 9, "¿?"), "imp_poi_no_kind", 7, "I"),
    (lambda ws: ws.cell(8, 10, "31/02/2023"), "imp_num_bad_date", 8, "J"),
    (lambda ws: ws.cell(6, 10, "01/03/2023"), "imp_num_is_date", 6, "J"),
    (lambda ws: ws.cell(6, 36, "50 %"), "imp_poi_two_avances", 7, "AJ"),
    (lambda ws: ws.cell(6, 3, "OEI.02"), "imp_poi_oei_mismatch", 6, "C"),
]


@pytest.mark.parametrize("mutate, msg_id, row, col", POI_ERRORS, ids=[e[1] for e in POI_ERRORS])
def test_poi_error_fixture(tmp_path, books, mutate, msg_id, row, col):
    p = B.poi_workbook(tmp_path / "poi.xlsx", mutate=mutate)
    with pytest.raises(ImportProblems) as ei:
        convert_files([books[0], p])
    hit = [i for i in ei.value.issues if i.id == msg_id]
    assert hit, [str(i) for i in ei.value.issues]
    assert hit[0].where.row == row and f"columna {col}" in str(hit[0])


def test_poi_year_missing_and_given(tmp_path, books):
    p = B.poi_workbook(tmp_path / "poi.xlsx", mutate=lambda ws: ws.cell(2, 1, "Reporte anual"))
    with pytest.raises(ImportProblems) as ei:
        convert_files([books[0], p])
    assert ei.value.issues[0].id == "imp_poi_no_year"
    assert 2024 in load_plan_text(tmp_path, convert_files([books[0], p], Options(poi_year=2024)).text).model.poi


def test_ambiguous_column_is_an_error(tmp_path):
    """Nothing in the column or the sheet says whether ',' is decimal: an error, not a guess."""
    rows = [
        ["Código entidad", "X1"], ["Entidad", "Prueba"], ["Periodo PEI", "2023-2025"], [],
        ["Código OEI", "OEI", "Código indicador", "Indicador", "Unidad de medida", "Sentido esperado", "Tipo de agregación", "Logro esperado 2023", "Valor obtenido 2023"],
        ["OEI.01", "Objetivo", "IND.01", "Indicador uno", "Número", "Ascendente", "No acumulado", "1,250", "2"],
        ["OEI.01", "Objetivo", "IND.02", "Indicador dos", "Número", "Ascendente", "No acumulado", "3,500", "4"],
    ]
    p = tmp_path / "i.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    with pytest.raises(ImportProblems) as ei:
        convert_files([p])
    assert any(i.id == "imp_num_ambiguous" and "1.250" in i.message and "1250" in i.message for i in ei.value.issues)


def test_file_level_errors(tmp_path):
    cases = {
        "imp_file_not_found": tmp_path / "no.xlsx",
        "imp_file_is_dir": tmp_path,
    }
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    cases["imp_xlsx_unreadable"] = tmp_path / "bad.xlsx"
    (tmp_path / "none.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    cases["imp_no_layout"] = tmp_path / "none.csv"
    for msg_id, path in cases.items():
        with pytest.raises(ImportProblems) as ei:
            convert_files([path])
        assert ei.value.issues[0].id == msg_id, (msg_id, str(ei.value))


def test_a_workbook_libreoffice_cannot_read_is_named(tmp_path, monkeypatch):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PEI_RULES_SOFFICE", str(fake))
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100)
    with pytest.raises(ImportProblems) as ei:
        convert_files([tmp_path / "old.xls"])
    issue = ei.value.issues[0]
    assert issue.id == "imp_old_format_failed" and "old.xls" in str(ei.value) and "could not be loaded" in issue.message


def test_xls_and_ods_without_libreoffice_say_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PEI_RULES_SOFFICE", str(tmp_path / "no-hay-soffice"))
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "libro.ods").write_bytes(b"PK\x03\x04" + b"\0" * 26 + b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(ImportProblems) as ei:
        convert_files([tmp_path / "libro.ods"])
    assert ei.value.issues[0].id == "imp_old_format_no_soffice"
    out = tmp_path / "plan.toml"
    assert main(["import", str(tmp_path / "libro.ods"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "libro.ods" in err and "LibreOffice" in err and "guarde el libro como XLSX" in err and not out.exists()


@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_xls_and_ods_workbooks_import_like_the_xlsx(books, imported, tmp_path, fmt):
    """The B-7 and POI workbooks saved as .ods / .xls (by LibreOffice, as an office would) give
    the same plan as the .xlsx, and every number still names its sheet and cell."""
    need("soffice", "libreoffice-calc-nogui")
    from pei_rules.outputs.pdf import soffice_convert

    filt = {"ods": "ods", "xls": "xls:MS Excel 97"}[fmt]
    old = []
    for book in books:
        p = tmp_path / f"{book.stem}.{fmt}"
        p.write_bytes(soffice_convert(book.read_bytes(), ".xlsx", filt))
        old.append(p)
    out = tmp_path / "plan.toml"
    assert main(["import", *map(str, old), "--out", str(out)]) == 0
    a, b = load_plan(imported).model, load_plan(out).model
    dump = lambda m: json.dumps(m.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    assert dump(a) == dump(b).replace(f".{fmt},", ".xlsx,")  # the published figures' fuente names the file
    strip = lambda t: [re.sub(r"\s+# origen: .*$", "", line) for line in t.splitlines() if not line.startswith("#")]
    assert strip(out.read_text(encoding="utf-8").replace(f".{fmt},", ".xlsx,")) == strip(imported.read_text(encoding="utf-8"))
    origins = lambda t: re.findall(r"# origen: (.*)$", t, re.M)
    assert origins(out.read_text(encoding="utf-8")) == origins(imported.read_text(encoding="utf-8"))


def test_cli_error_in_english_and_nothing_written(tmp_path, capsys):
    p = B.b7_workbook(tmp_path / "b.xlsx", mutate=_b7(**{"Logros esperados_9": "abc"}))
    out = tmp_path / "plan.toml"
    assert main(["import", str(p), "--out", str(out), "--lang", "en"]) == 2
    set_lang(None)
    err = capsys.readouterr().err
    assert not out.exists()
    assert f"{p}, sheet 'Reporte', row 9, column J (cell 'abc'): expected a number or 'N/D'" in err and "nothing was written" in err
    assert main(["import", str(p), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{p}, hoja «Reporte», fila 9, columna J (celda «abc»): se esperaba un número o «N/D»" in err
    assert "Traceback" not in err


def test_formulas_with_computed_values_are_read(tmp_path):
    """A working file with formulas, saved by a spreadsheet program (LibreOffice here), is read by its values."""
    need("soffice", "libreoffice-calc-nogui")
    soffice = shutil.which("soffice")
    (tmp_path / "src").mkdir()
    src = B.b7_workbook(tmp_path / "src" / "b7.xlsx", mutate=_formula)
    out = tmp_path / "out"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=180)
    res = convert_files([out / "b7.xlsx"])
    m = load_plan_text(tmp_path, res.text).model
    assert m.indicador[1].logro_esperado[2021] == Decimal(12)  # =6*2, computed and stored by LibreOffice


def _formula(ws, start):
    ws.cell(10, start["Logros esperados"]).value = "=6*2"


def test_oei_row_with_code_and_name_in_one_merged_cell(tmp_path, imported):
    """Some exports print "OEI.01 Promover … (Prioridad:1)" in one cell merged over Código and Indicador."""
    def merge(ws, start):
        for r in range(8, ws.max_row + 1):
            code = ws.cell(r, 1).value
            if isinstance(code, str) and code.startswith(("OEI", "AEI")):
                ws.cell(r, 1).value = f"{code} {ws.cell(r, 2).value}"
                ws.cell(r, 2).value = None
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)

    res = convert_files([B.b7_workbook(tmp_path / "b.xlsx", mutate=merge)])
    m, ref = load_plan_text(tmp_path, res.text).model, load_plan(imported).model
    assert [(o.codigo, o.denominacion, o.prioridad) for o in m.oei] == [(o.codigo, o.denominacion, o.prioridad) for o in ref.oei]
    assert [(a.codigo, a.denominacion, a.prioridad) for a in m.aei] == [(a.codigo, a.denominacion, a.prioridad) for a in ref.aei]
    assert m.indicador == ref.indicador


def test_poi_as_semicolon_csv(tmp_path, books, imported):
    """The POI saved as CSV (';', Windows-1252): no merges, the code only on the PROG row."""
    import openpyxl

    ws = openpyxl.load_workbook(books[1]).active
    rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
    p = tmp_path / "poi.csv"
    with open(p, "w", newline="", encoding="cp1252") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    res = convert_files([books[0], p])
    assert load_plan_text(tmp_path, res.text).model.poi == load_plan(imported).model.poi
