"""``pei-rules plantilla``: the template workbook round-trips to the same plan."""
from __future__ import annotations

import re
import subprocess
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
import openpyxl

from pei_rules import evaluate, load_plan
from pei_rules.cli import main
from pei_rules.inputs.importing import convert as convert_files
from pei_rules.inputs.draft import tstr
from pei_rules.inputs.template import workbook_bytes
from strategies import plan_numbers

from conftest import ZED
from test_inputs_import import need


def projection(m):
    """What the B-7 and POI layouts carry (docs/import.md lists it): values within the PEI horizon."""
    h = range(m.plan.desde, m.plan.hasta + 1)
    return {
        "entidad": (m.entidad.codigo, m.entidad.nombre),
        "plan": (m.plan.desde, m.plan.hasta),
        "oei": [(o.codigo, o.denominacion, o.prioridad, o.relevancia) for o in m.oei],
        "aei": [(a.codigo, a.oei, a.denominacion, a.prioridad, a.relevancia, a.organo_responsable) for a in m.aei],
        "ind": sorted((i.codigo, i.de, i.nombre, i.unidad_medida, i.sentido, i.agregacion, i.relevancia, i.organo_responsable,
                       (i.linea_base.anio, i.linea_base.valor) if i.linea_base else None,
                       {y: v for y, v in i.logro_esperado.items() if y in h}, {y: v for y, v in i.valor_obtenido.items() if y in h}) for i in m.indicador),
        "poi": {y: (p.pim, p.devengado, [(a.codigo, a.aei, a.denominacion, a.unidad_medida, a.centro_costo, a.agregacion, a.prioridad,
                                           a.programado, a.ejecutado, a.programado_mensual, a.ejecutado_mensual,
                                           a.financiero_programado_mensual, a.financiero_ejecutado_mensual, a.pim, a.devengado) for a in p.ao])
                for y, p in m.poi.items()},
        "pub": sorted((p.figura, p.anio, p.valor) for p in m.publicado if p.anio is not None),
    }


def test_zed_template_with_values_gives_the_same_figures(tmp_path, zed_plan, rules_2023):
    book, out = tmp_path / "zed.xlsx", tmp_path / "zed.toml"
    assert main(["plantilla", str(ZED), "--con-valores", "--out", str(book)]) == 0
    assert main(["import", str(book), "--out", str(out)]) == 0
    back = load_plan(out)
    assert projection(back.model) == projection(zed_plan.model)
    for year in (2023, 2024):
        a, b = evaluate(zed_plan, rules_2023, year), evaluate(back, rules_2023, year)
        assert {k: f.value for k, f in a.figures.items()} == {k: f.value for k, f in b.figures.items()}


def test_export_fill_import(tmp_path, zed_plan):
    """An office fills the empty template (numbers typed es-PE style as text) and imports it."""
    book, out = tmp_path / "t.xlsx", tmp_path / "t.toml"
    assert main(["plantilla", str(ZED), "--out", str(book)]) == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["Anexo B-7"]
    heads, group = {}, None
    for c in range(1, ws.max_column + 1):
        group = ws.cell(6, c).value or group  # a merged group heading: the value is in its first cell
        heads[(group, ws.cell(7, c).value)] = c
    codes = {ws.cell(r, 1).value: r for r in range(8, ws.max_row + 1)}
    assert ws.cell(codes["IND.01.OEI.02"], heads[("Logro esperado", 2023)]).value is None  # empty: to be filled
    for ind in zed_plan.model.indicador:
        r = codes[ind.codigo]
        for y in range(zed_plan.model.plan.desde, zed_plan.model.plan.hasta + 1):
            for group, series in (("Logro esperado", ind.logro_esperado), ("Valor obtenido", ind.valor_obtenido)):
                if y in series:
                    v = series[y]
                    ws.cell(r, heads[(group, y)]).value = "N/D" if v is None else format(v, "f").replace(".", ",")
        if ind.linea_base:
            ws.cell(r, heads[("Línea de base", "Año")]).value = ind.linea_base.anio
            ws.cell(r, heads[("Línea de base", "Valor")]).value = "N/D" if ind.linea_base.valor is None else str(ind.linea_base.valor).replace(".", ",")
    wb.save(book)
    assert main(["import", str(book), "--out", str(out)]) == 0
    back = load_plan(out).model
    assert projection(back)["ind"] == projection(zed_plan.model)["ind"]


# --- property: any plan written to the template and read back is the same plan -------------

values = st.one_of(st.none(), plan_numbers().filter(lambda d: abs(d) < Decimal("1e14")))
words = st.text(alphabet="abcdefghijklmnñopqrstuvwxyzáéíóú ", min_size=1, max_size=30).map(str.strip).filter(bool)


def tv(v):
    return '"N/D"' if v is None else format(v, "f")


@st.composite
def plans(draw):
    desde = draw(st.integers(2018, 2024))
    hasta = desde + draw(st.integers(0, 4))
    years = list(range(desde, hasta + 1))
    lines = ['[entidad]', f'codigo = {tstr(draw(words).upper().replace(" ", "") or "X")}', f"nombre = {tstr(draw(words))}",
             "[plan]", f"desde = {desde}", f"hasta = {hasta}"]
    pubs = []
    n_oei = draw(st.integers(1, 2))
    aeis = []
    for i in range(1, n_oei + 1):
        lines += ["[[oei]]", f'codigo = "OEI.0{i}"', f"denominacion = {tstr(draw(words))}"]
        if draw(st.booleans()):
            lines.append(f"prioridad = {draw(st.integers(1, 9))}")
        for j in range(1, draw(st.integers(0, 2)) + 1):
            aeis.append((f"AEI.0{i}.0{j}", f"OEI.0{i}"))
    for code, oei in aeis:
        lines += ["[[aei]]", f'codigo = "{code}"', f'oei = "{oei}"', f"denominacion = {tstr(draw(words))}"]
        if draw(st.booleans()):
            lines.append(f"relevancia = {draw(st.integers(1, 3))}")
    owners = [f"OEI.0{i}" for i in range(1, n_oei + 1)] + [a for a, _ in aeis]
    for k, owner in enumerate(draw(st.lists(st.sampled_from(owners), min_size=1, max_size=4))):
        code = f"IND.{k:02d}"
        lines += ["[[indicador]]", f'codigo = "{code}"', f'de = "{owner}"', f"nombre = {tstr(draw(words))}", f"unidad_medida = {tstr(draw(words))}",
                  f'sentido = "{draw(st.sampled_from(["Ascendente", "Descendente"]))}"', f'agregacion = "{draw(st.sampled_from(["Acumulado", "No acumulado"]))}"']
        if draw(st.booleans()):
            lines.append(f"linea_base = {{ anio = {desde - 1}, valor = {tv(draw(values))} }}")
        for key in ("logro_esperado", "valor_obtenido"):
            chosen = [y for y in years if draw(st.booleans())]
            if chosen:
                lines.append(f"{key} = {{ " + ", ".join(f"{y} = {tv(draw(values))}" for y in chosen) + " }")
        for y in years:
            if draw(st.booleans()):
                pubs.append((f"avance_indicador:{code}", y, draw(st.sampled_from(["N/D", "100", "66.7", "24.40", "0.5"]))))
    if aeis and draw(st.booleans()):
        year = draw(st.sampled_from(years))
        lines.append(f"[poi.{year}]")
        for k in range(draw(st.integers(1, 3))):
            code = f"AOI{k:05d}"
            lines += [f"[[poi.{year}.ao]]", f'codigo = "{code}"', f'aei = "{draw(st.sampled_from(aeis))[0]}"', f"denominacion = {tstr(draw(words))}"]
            if draw(st.booleans()):
                lines.append("programado_mensual = [" + ", ".join(tv(draw(values)) for _ in range(12)) + "]")
                lines.append("ejecutado_mensual = [" + ", ".join(tv(draw(values)) for _ in range(12)) + "]")
            else:
                lines.append(f"programado = {tv(draw(values))}")
            if draw(st.booleans()):
                lines.append("financiero_programado_mensual = [" + ", ".join(tv(draw(values)) for _ in range(12)) + "]")
            if draw(st.booleans()):
                lines.append(f'prioridad = "{draw(st.sampled_from(["Alta", "Muy alta"]))}"')
            if draw(st.booleans()):
                pubs.append((f"ejecucion_fisica_ao:{code}", year, draw(st.sampled_from(["100.00", "50", "N/D"]))))
    for fig, y, v in pubs:
        lines += ["[[publicado]]", f'figura = "{fig}"', f"anio = {y}", f'valor = "{v}"', 'fuente = "x"']
    return "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plans())
@example(  # 17 significant digits: more than a spreadsheet number keeps, so written as text
    '[entidad]\ncodigo = "A"\nnombre = "a"\n[plan]\ndesde = 2018\nhasta = 2019\n[[oei]]\ncodigo = "OEI.02"\ndenominacion = "a"\n'
    '[[aei]]\ncodigo = "AEI.02.01"\noei = "OEI.02"\ndenominacion = "a"\n[poi.2018]\n[[poi.2018.ao]]\ncodigo = "AOI00001"\naei = "AEI.02.01"\n'
    'financiero_programado_mensual = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14006544593474.873]\n'
)
def test_any_plan_round_trips_through_the_template(tmp_path, text):
    src = tmp_path / "p.toml"
    src.write_text(text, encoding="utf-8")
    plan = load_plan(src)
    book = tmp_path / "p.xlsx"
    book.write_bytes(workbook_bytes(plan, values=True))
    back = tmp_path / "b.toml"
    back.write_text(convert_files([book]).text, encoding="utf-8")
    assert projection(load_plan(back).model) == projection(plan.model)


def test_template_text_is_never_a_formula(tmp_path):
    """A name that starts with '=' is written as text (no formula injection) and reads back as written."""
    src = tmp_path / "p.toml"
    src.write_text(
        '[entidad]\ncodigo = "X"\nnombre = "=HYPERLINK(\\"http://x\\")"\n[plan]\ndesde = 2023\nhasta = 2024\n'
        '[[oei]]\ncodigo = "OEI.01"\ndenominacion = "=1+1"\n[[indicador]]\ncodigo = "I1"\nde = "OEI.01"\nnombre = "@SUM(A1)"\n'
        'unidad_medida = "+n"\nsentido = "Ascendente"\nagregacion = "No acumulado"\nlogro_esperado = { 2023 = 1, 2024 = 2 }\n',
        encoding="utf-8",
    )
    book = tmp_path / "p.xlsx"
    assert main(["plantilla", str(src), "--con-valores", "--out", str(book)]) == 0
    ws = openpyxl.load_workbook(book)["Anexo B-7"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+@"]
    assert cells and all(c.data_type == "s" for c in cells)
    back = tmp_path / "b.toml"
    assert main(["import", str(book), "--out", str(back)]) == 0
    assert projection(load_plan(back).model) == projection(load_plan(src).model)


def test_template_as_a_person_sees_it(tmp_path):
    """Rendered by LibreOffice: A4 landscape, the headings and codes readable, no '###' (a
    column too narrow for its number)."""
    need("soffice", "libreoffice-calc-nogui")
    need("pdftotext", "poppler-utils")
    book = tmp_path / "zed.xlsx"
    assert main(["plantilla", str(ZED), "--con-valores", "--out", str(book)]) == 0
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "zed.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60).stdout
    assert re.search(r"Page size:\s+84[12](\.\d+)? x 595", info), info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
    for words in ("ANEXO B-7: SEGUIMIENTO DEL PEI", "REPORTE DE SEGUIMIENTO DEL POI", "Logro esperado", "Meta financiera (S/)", "IND.01.AEI.02.01", "AEI.03.02", "PROG", "EJEC"):
        assert words in text, words
    assert "###" not in text
