"""``pei-rules import``: ZED ILO round trip, and malformed sheets give file/row/column errors."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pei_rules import evaluate, load_plan
from pei_rules.cli import main
from pei_rules.errors import PlanError
from pei_rules.importer import MONTHS, convert

from conftest import PLANS

IMPORT = PLANS / "zed-ilo" / "import"
IND = IMPORT / "indicadores.csv"
AO = IMPORT / "ao-2023.csv"


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


@pytest.mark.parametrize(
    "column, value, expect",
    [
        ("Valor obtenido 2023", "6,11", "decimal separator as a dot"),
        ("Valor obtenido 2023", "24%", "without the % sign"),
        ("Valor obtenido 2023", "seis", "expected a number"),
        ("Relevancia AEI", "alta", "whole number from 1 to 9"),
        ("Línea base año", "21", "whole number from 1900"),
        ("Sentido esperado", "", "Sentido esperado is empty"),
    ],
)
def test_bad_cell_reports_file_row_column(tmp_path, column, value, expect):
    src = edited(tmp_path, IND, 14, column, value)
    err = import_error(src, [AO])
    assert err.file == str(src) and err.line == 14
    header = read_rows(IND)[9]
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index(column)]
    assert f"columna {letter} ({column})" in str(err)
    assert expect in str(err)


def test_nothing_written_on_error(tmp_path, capsys):
    src = edited(tmp_path, IND, 14, "Valor obtenido 2023", "x")
    out = tmp_path / "plan.toml"
    assert main(["import", str(src), "--ao", str(AO), "--out", str(out)]) == 2
    assert not out.exists()
    out.write_text("previous")
    assert main(["import", str(src), "--ao", str(AO), "--out", str(out)]) == 2
    assert out.read_text() == "previous"
    err = capsys.readouterr().err
    assert f"{src}:14" in err and "nothing was written" in err


def test_all_problems_listed(tmp_path):
    rows = read_rows(IND)
    header = rows[9]
    rows[11][header.index("Valor obtenido 2023")] = "1,5"
    rows[15][header.index("Relevancia")] = "0"
    src = write_rows(tmp_path / "i.csv", rows)
    err = import_error(src, [AO])
    assert "and 1 more problem" in err.message
    assert any("fila 16" in r and "Relevancia" in r for r in err.related)


def test_ao_sheet_errors(tmp_path):
    rows = read_rows(AO)
    header_i = next(i for i, r in enumerate(rows) if "Código AO" in r)
    h = rows[header_i]
    rows[header_i + 1][h.index("Código AEI")] = "AEI.09.09"
    rows[header_i + 2][h.index("Código AO")] = rows[header_i + 3][h.index("Código AO")]
    rows[header_i + 4][h.index("Ejecutado")] = "1.234,5"
    src = write_rows(tmp_path / "ao.csv", rows)
    err = import_error(IND, [src])
    text = str(err) + "\n".join(err.related)
    assert f"{src}:{header_i + 2}" in str(err) and "AEI 'AEI.09.09' is not in the indicators sheet" in text
    assert f"fila {header_i + 4}" in text and "repeats row" in text
    assert f"fila {header_i + 5}, columna F (Ejecutado)" in text


def test_header_problems(tmp_path):
    rows = read_rows(IND)
    rows[9][rows[9].index("Sentido esperado")] = "Sentdo esperado"
    err = import_error(write_rows(tmp_path / "i.csv", rows), [AO])
    text = str(err) + "\n".join(err.related)
    assert "unknown column 'Sentdo esperado'" in text and "quiso decir 'sentido esperado'" in text
    assert "missing column 'sentido esperado'" in text
    err = import_error(write_rows(tmp_path / "j.csv", [["a", "b"], ["1", "2"]]), None)
    assert "no header row" in err.message


def test_missing_preamble(tmp_path):
    rows = [r for r in read_rows(IND) if not (r and r[0] in ("Periodo PEI", "Código entidad"))]
    err = import_error(write_rows(tmp_path / "i.csv", rows), None)
    text = str(err) + "\n".join(err.related)
    assert "Código entidad" in text and "Periodo PEI" in text


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
    assert "monthly programado is missing" in err.message and err.line == header_i + 5


def test_cli_missing_files(tmp_path, capsys):
    assert main(["import", str(tmp_path / "no.csv"), "--out", str(tmp_path / "p.toml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["import", str(IND), "--ao", str(tmp_path / "no.csv"), "--out", str(tmp_path / "p.toml")]) == 2
    assert main(["import", str(IND), "--out", str(tmp_path / "nodir" / "p.toml")]) == 2
    assert not (tmp_path / "p.toml").exists()
