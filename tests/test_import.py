"""``pei-rules import``: ZED ILO round trip, and malformed sheets give file/row/column errors."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pei_rules import evaluate, load_plan
from pei_rules.cli import main
from pei_rules.errors import PlanError
from pei_rules.i18n import set_lang
from pei_rules.inputs.headers import MONTHS
from pei_rules.inputs.importing import convert as convert_files

from conftest import PLANS

IMPORT = PLANS / "zed-ilo" / "import"
IND = IMPORT / "indicadores.csv"
AO = IMPORT / "ao-2023.csv"


def convert(indicators, ao_files=None, opts=None) -> str:
    """The plan TOML of a tidy indicators sheet and its AO sheets."""
    return convert_files([indicators, *(ao_files or [])], opts).text


def figures(ev):
    return {k: (f.exact, f.value, f.status, f.reason, f.band_name) for k, f in ev.figures.items()}


def test_zed_round_trip_same_figures(tmp_path, zed_eval, rules_2023):
    out = tmp_path / "zed.toml"
    assert main(["import", str(IND), "--ao", str(AO), "--out", str(out)]) == 0
    ev = evaluate(load_plan(out), rules_2023, 2023)
    assert figures(ev) == figures(zed_eval)
    assert {k: c.counts for k, c in ev.counts.items()} == {k: c.counts for k, c in zed_eval.counts.items()}
    # the figures the report publishes, through the imported plan
    assert ev.get("ejecucion_ponderada").value == zed_eval.get("ejecucion_ponderada").value
    # data kept as written: N/D stays N/D (never 0), decimals as text
    m = load_plan(out).model
    ind = {i.codigo: i for i in m.indicador}
    assert ind["IND.01.AEI.01.01"].logro_esperado[2022] is None
    assert str(ind["IND.01.OEI.02"].valor_obtenido[2023]) == "6.11"
    assert ind["IND.01.AEI.02.03"].alias == ["IND.01.02.03", "01.AEI.02.03"]
    assert str(m.poi[2023].devengado) == "3661516.08"


def test_round_trip_every_year(tmp_path, zed_plan, rules_2023):
    out = tmp_path / "zed.toml"
    out.write_text(convert(IND, [AO]), encoding="utf-8")
    for year in (2023, 2024):
        assert figures(evaluate(load_plan(out), rules_2023, year)) == figures(evaluate(zed_plan, rules_2023, year))


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return path


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def edited(tmp_path: Path, src: Path, row: int, column: str, value: str) -> Path:
    """Copy of a shipped sheet with one cell changed (row is the 1-based CSV line)."""
    rows = read_rows(src)
    header_i = next(i for i, r in enumerate(rows) if column in r)
    rows[row - 1][rows[header_i].index(column)] = value
    return write_rows(tmp_path / src.name, rows)


def import_error(*args) -> PlanError:
    with pytest.raises(PlanError) as ei:
        convert(*args)
    return ei.value


@pytest.fixture
def english():
    set_lang("en")
    yield
    set_lang(None)


@pytest.mark.parametrize(
    "column, value, expect, expect_en",
    [
        ("Valor obtenido 2023", "6,11", "la columna mezcla coma decimal y punto decimal", "mixes decimal comma and decimal point"),
        ("Valor obtenido 2023", "seis", "se esperaba un número o «N/D»", "expected a number or 'N/D'"),
        ("Valor obtenido 2023", "1.2.3,4,5", "separadores de miles mal puestos", "misplaced thousands separators"),
        ("Relevancia AEI", "alta", "se esperaba un número entero de 1 a 9", "expected a whole number from 1 to 9"),
        ("Línea base año", "21", "se esperaba un año entre 1900 y 2200", "expected a year from 1900 to 2200"),
        ("Sentido esperado", "", "«Sentido esperado» está vacío", "'Sentido esperado' is empty"),
    ],
)
def test_bad_cell_reports_file_row_column(tmp_path, column, value, expect, expect_en):
    src = edited(tmp_path, IND, 14, column, value)
    err = import_error(src, [AO])
    assert err.file == str(src) and err.line == 14
    header = read_rows(IND)[9]
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index(column)]
    assert f"{src}, fila 14, columna {letter}" in str(err)
    if value:
        assert f"(celda «{value}»)" in str(err)
    assert expect in str(err)
    set_lang("en")
    try:
        err = import_error(src, [AO])
        assert f"{src}, row 14, column {letter}" in str(err) and expect_en in str(err)
        assert "fila" not in str(err) and "se esperaba" not in str(err)
    finally:
        set_lang(None)


def test_decimal_comma_and_percent_now_accepted(tmp_path, zed_plan):
    """The formats the Aplicativo and pei-rules print: 6,11 in a column of decimal commas, 24 %."""
    rows = read_rows(IND)
    header = rows[9]
    col = header.index("Valor obtenido 2023")
    for r in rows[10:]:
        if r[col] not in ("", "N/D"):
            r[col] = r[col].replace(".", ",") + " %"
    src = write_rows(tmp_path / "i.csv", rows, delimiter=";")
    plan = load_plan_text(tmp_path, convert(src, [AO]))
    ind = {i.codigo: i for i in plan.model.indicador}
    assert str(ind["IND.01.OEI.02"].valor_obtenido[2023]) == "6.11"
    assert {c: i.valor_obtenido for c, i in ind.items()} == {i.codigo: i.valor_obtenido for i in zed_plan.model.indicador}


def load_plan_text(tmp_path, text):
    p = tmp_path / "plan.toml"
    p.write_text(text, encoding="utf-8")
    return load_plan(p)


def test_nothing_written_on_error(tmp_path, capsys):
    src = edited(tmp_path, IND, 14, "Valor obtenido 2023", "x")
    out = tmp_path / "plan.toml"
    assert main(["import", str(src), "--ao", str(AO), "--out", str(out)]) == 2
    assert not out.exists()
    out.write_text("previous")
    assert main(["import", str(src), "--ao", str(AO), "--out", str(out)]) == 2
    assert out.read_text() == "previous"
    err = capsys.readouterr().err
    assert f"{src}, fila 14" in err and "no se escribió nada" in err


def test_all_problems_listed(tmp_path):
    rows = read_rows(IND)
    header = rows[9]
    rows[11][header.index("Valor obtenido 2023")] = "x1"
    rows[15][header.index("Relevancia")] = "0"
    src = write_rows(tmp_path / "i.csv", rows)
    err = import_error(src, [AO])
    assert "y 1 problema(s) más" in err.message
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index("Relevancia")]
    assert any("fila 16" in r and f"columna {letter}" in r for r in err.related)


def test_ao_sheet_errors(tmp_path):
    rows = read_rows(AO)
    header_i = next(i for i, r in enumerate(rows) if "Código AO" in r)
    h = rows[header_i]
    rows[header_i + 1][h.index("Código AEI")] = "AEI.09.09"
    rows[header_i + 2][h.index("Código AO")] = rows[header_i + 3][h.index("Código AO")]
    rows[header_i + 4][h.index("Ejecutado")] = "1.234,5.6"
    src = write_rows(tmp_path / "ao.csv", rows)
    err = import_error(IND, [src])
    text = str(err) + "\n".join(err.related)
    assert f"{src}, fila {header_i + 2}" in str(err) and "la AEI «AEI.09.09» no está en la hoja de indicadores" in text
    assert f"fila {header_i + 4}" in text and "el código repite el de la fila" in text
    assert f"fila {header_i + 5}, columna F (celda «1.234,5.6»)" in text


def test_header_problems(tmp_path):
    rows = read_rows(IND)
    rows[9][rows[9].index("Sentido esperado")] = "Sentdo esperado"
    res = convert_files([write_rows(tmp_path / "i.csv", rows), AO])
    assert [w.id for w in res.warnings] == ["imp_warn_header_loose"] and "Sentdo esperado" in str(res.warnings[0])
    rows[9][rows[9].index("Sentdo esperado")] = "Rumbo"
    err = import_error(write_rows(tmp_path / "i.csv", rows), [AO])
    text = str(err) + "\n".join(err.related)
    assert "columna desconocida" in text and "(celda «Rumbo»)" in text
    assert "falta la columna «Sentido esperado»" in text
    err = import_error(write_rows(tmp_path / "j.csv", [["a", "b"], ["1", "2"]]), None)
    assert "no se reconoce ningún formato" in err.message


def test_missing_preamble(tmp_path):
    rows = [r for r in read_rows(IND) if not (r and r[0] in ("Periodo PEI", "Código entidad"))]
    err = import_error(write_rows(tmp_path / "i.csv", rows), None)
    text = str(err) + "\n".join(err.related)
    assert "código de la entidad" in text and "periodo del PEI" in text


def test_semicolon_monthly_and_nd(tmp_path, rules_2023):
    """Excel-style ';' sheets; monthly AO columns sum to the annual value; an N/D month gives N/D."""
    ind = write_rows(tmp_path / "i.csv", read_rows(IND), delimiter=";")
    rows = read_rows(AO)
    header_i = next(i for i, r in enumerate(rows) if "Código AO" in r)
    head = ["Código AO", "Código AEI"] + [f"Programado {m.capitalize()}" for m in MONTHS] + [f"Ejecutado {m}" for m in MONTHS]
    body = []
    for j, r in enumerate(rows[header_i + 1 :]):
        prog = ["1"] * 12
        ejec = ["0.5"] * 12 if j else ["N/D"] + ["1"] * 11
        body.append([r[0], r[1]] + prog + ejec)
    ao = write_rows(tmp_path / "ao.csv", rows[:header_i] + [head] + body, delimiter=";")
    out = tmp_path / "p.toml"
    out.write_text(convert(ind, [ao]), encoding="utf-8")
    ev = evaluate(load_plan(out), rules_2023, 2023)
    aos = [f for f in ev.by_kind("ejecucion_fisica_ao")]
    assert aos[0].status == "sin_dato" and "N/D" in aos[0].reason
    assert all(str(f.value) == "50.00" for f in aos[1:])
    # a month left empty is an error, not a silent zero
    body[3][5] = ""
    ao = write_rows(tmp_path / "ao2.csv", rows[:header_i] + [head] + body, delimiter=";")
    err = import_error(ind, [ao])
    assert "faltan meses de «programado»: abr" in err.message and err.line == header_i + 5


def test_cli_missing_files(tmp_path, capsys):
    assert main(["import", str(tmp_path / "no.csv"), "--out", str(tmp_path / "p.toml")]) == 2
    assert "no se encuentra el archivo" in capsys.readouterr().err
    assert main(["import", str(IND), "--ao", str(tmp_path / "no.csv"), "--out", str(tmp_path / "p.toml")]) == 2
    assert main(["import", str(IND), "--out", str(tmp_path / "nodir" / "p.toml")]) == 2
    assert not (tmp_path / "p.toml").exists()
