"""Realistic Aplicativo CEPLAN exports built with openpyxl for the import tests.

Written by hand here (not with pei-rules' own template) so that the importer is tested on
what offices have: title rows, merged header cells with line breaks, OEI/AEI rows with
"(Prioridad:N)", names wrapped over rows, es-PE numbers stored as text, N/D and dashes,
a percent-formatted avance, PROG/EJEC rows with twelve months and totals.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from openpyxl import Workbook

YEARS = [2021, 2022, 2023, 2024, 2025]
MONTHS = ["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Setiembre", "Octubre", "Noviembre", "Diciembre"]

# code, owner, name, unit, sentido, agregación, base (year, value), targets, obtained (None = N/D)
INDICATORS = [
    ("IND.01.OEI.01", "OEI.01", "Tasa de variación de las exportaciones de la zona", "Porcentaje", "Ascendente", "No acumulado", (2019, "2,5"),
     ["3,0", "3,5", "4,0", "4,5", "5,0"], ["2,8", "3,6", "N/D", "4,1", "5,2"]),
    ("IND.01.AEI.01.01", "AEI.01.01", "Número de empresas usuarias instaladas en la zona de manera efectiva y sostenida en el tiempo", "Número", "Ascendente", "No acumulado", (2020, "10"),
     ["12", "14", "16", "18", "20"], ["12", "15", "16", "9", "21"]),
    ("IND.01.AEI.01.02", "AEI.01.02", "Porcentaje de trámites atendidos dentro del plazo", "Porcentaje", "Ascendente", "No acumulado", (2020, "60,5"),
     ["65,0", "70,0", "75,0", "80,0", "85,0"], ["66,7", "68,2", "75,0", "-", "86,1"]),
    ("IND.01.OEI.02", "OEI.02", "Número de incidentes ambientales en la zona", "Número", "Descendente", "No acumulado", (2020, "40"),
     ["35", "30", "25", "20", "15"], ["36", "30", "20", "25", "15"]),
    ("IND.01.AEI.02.01", "AEI.02.01", "Monto de inversión privada comprometida (S/)", "Soles", "Ascendente", "Acumulado", (2020, "1.000.000,00"),
     ["S/ 1.250.000,00", "S/ 1.500.000,00", "S/ 1.750.000,00", "S/ 2.000.000,00", "S/ 2.250.000,00"],
     ["S/ 1.100.000,50", "S/ 1.600.000,00", "S/ 1.700.000,00", "S/ 2.100.000,00", "S/ 2.000.000,00"]),
]
OEIS = [("OEI.01", "Promover la competitividad de la zona especial de desarrollo", 1), ("OEI.02", "Reducir los riesgos ambientales en la zona", 2)]
AEIS = [("AEI.01.01", "OEI.01", "Promoción de la inversión para las empresas usuarias", 1),
        ("AEI.01.02", "OEI.01", "Servicios administrativos oportunos para los usuarios", 2),
        ("AEI.02.01", "OEI.02", "Inversión privada en gestión ambiental", 1)]


def es_number(text: str) -> Decimal | None:
    t = text.replace("S/", "").strip()
    if t in ("N/D", "-"):
        return None
    return Decimal(t.replace(".", "").replace(",", "."))


def avance(code: str, i: int) -> str | None:
    """The printed avance: min(100, obtained/target) or descending, one decimal, half up."""
    ind = next(x for x in INDICATORS if x[0] == code)
    e, o = es_number(ind[7][i]), es_number(ind[8][i])
    if e is None or o is None:
        return None
    r = 100 * (e / o if ind[4] == "Descendente" else o / e)
    return str(min(Decimal(100), r).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def b7_workbook(path: Path, *, extra_sheet: bool = True, mutate=None) -> Path:
    wb = Workbook()
    if extra_sheet:  # a cover sheet first: sheets are found by their headers, not their position
        cover = wb.active
        cover.title = "Carátula"
        cover["A1"] = "Informe de seguimiento"
        ws = wb.create_sheet("Reporte")
    else:
        ws = wb.active
        ws.title = "Reporte"
    ws["A1"] = "ANEXO B-7"
    ws["A2"] = "SEGUIMIENTO DEL PLAN ESTRATÉGICO INSTITUCIONAL"
    ws["A3"] = "Pliego: 012345 Zona Especial de Desarrollo de Prueba"
    ws["A4"] = "Periodo: 2021-2025"
    top = 6
    fixed = ["Código", "OEI / AEI /\nIndicador", "Parámetro de\nmedición", "Sentido\nesperado", "Tipo de\nagregación"]
    for i, h in enumerate(fixed, start=1):
        ws.cell(top, i, h)
        ws.merge_cells(start_row=top, start_column=i, end_row=top + 1, end_column=i)
    col = len(fixed) + 1
    groups = [("Línea de base", ["Año", "Valor"]), ("Valor actual", ["Año", "Valor"]), ("Logros esperados", YEARS), ("Valor\nobtenido", YEARS), ("Avance\n%", YEARS)]
    start = {}
    for g, subs in groups:
        ws.cell(top, col, g)
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + len(subs) - 1)
        start[g] = col
        for j, s in enumerate(subs):
            ws.cell(top + 1, col + j, s)
        col += len(subs)
    r = top + 2

    def put_ind(ind):
        nonlocal r
        code, _, name, unit, sentido, agr, base, targets, obtained = ind
        ws.cell(r, 1, code)
        # the name wraps: the first part here, the rest in the row below (as the PDF-to-XLSX export does)
        words = name.split()
        cut = len(words) // 2 if len(name) > 60 else len(words)
        ws.cell(r, 2, " ".join(words[:cut]))
        ws.cell(r, 3, unit)
        ws.cell(r, 4, sentido)
        ws.cell(r, 5, agr)
        ws.cell(r, start["Línea de base"], base[0])
        ws.cell(r, start["Línea de base"] + 1, base[1])  # number stored as text, es-PE
        last = max(i for i, o in enumerate(obtained) if o not in ("N/D", "-"))
        ws.cell(r, start["Valor actual"], YEARS[last])
        ws.cell(r, start["Valor actual"] + 1, obtained[last])
        for i in range(len(YEARS)):
            ws.cell(r, start["Logros esperados"] + i, targets[i])
            ws.cell(r, start["Valor\nobtenido"] + i, obtained[i])
            a = avance(code, i)
            c = ws.cell(r, start["Avance\n%"] + i)
            if a is None:
                c.value = "N/D"
            elif i == 0:  # a percent-formatted number cell: 0.667 shown as 66.7 %
                c.value = float(Decimal(a) / 100)
                c.number_format = "0.0%"
            else:
                c.value = a.replace(".", ",")
        r += 1
        if cut < len(words):
            ws.cell(r, 2, " ".join(words[cut:]))
            r += 1

    for oei, oname, prio in OEIS:
        ws.cell(r, 1, oei)
        ws.cell(r, 2, f"{oname} (Prioridad:{prio})")
        r += 1
        for ind in INDICATORS:
            if ind[1] == oei:
                put_ind(ind)
        for aei, parent, aname, aprio in AEIS:
            if parent != oei:
                continue
            ws.cell(r, 1, aei)
            ws.cell(r, 2, f"{aname} (Prioridad:{aprio})")
            r += 1
            for ind in INDICATORS:
                if ind[1] == aei:
                    put_ind(ind)
    if mutate:
        mutate(ws, start)
    wb.save(path)
    return path


# AO code, AEI, name (wraps), centro de costo, unidad, agregación, prioridad, prog months, ejec months, fin prog, fin ejec
def _aos():
    out = []
    for k in range(1, 7):
        aei = AEIS[(k - 1) % 3][0]
        prog = [str(k)] * 12
        ejec = [str(k)] * 12 if k % 3 else [str(k)] * 6 + ["0"] * 6
        fprog = [f"{1000 * k:,}".replace(",", ".") + ",00"] * 12
        fejec = [f"{900 * k:,}".replace(",", ".") + ",50"] * 12
        out.append((f"AOI000{k:02d}00{k:03d}", aei, f"Actividad operativa número {k} de prueba con un nombre largo que el reporte parte en dos filas",
                    "Gerencia de Operaciones", "Informe", "Acumulado anual" if k % 2 else "Acumulado", "Alta" if k < 4 else "Muy alta", prog, ejec, fprog, fejec))
    return out


AOS = _aos()


def poi_workbook(path: Path, year: int = 2023, *, mutate=None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Seguimiento POI"
    ws["A1"] = "REPORTE DE SEGUIMIENTO DEL POI"
    ws["A2"] = f"Año: {year}"
    top = 4
    fixed = ["Código", "Actividad Operativa", "OEI", "AEI", "Centro de Costo", "Unidad de Medida", "Tipo de Agregación", "Nivel de Prioridad", "Tipo"]
    for i, h in enumerate(fixed, start=1):
        ws.cell(top, i, h)
        ws.merge_cells(start_row=top, start_column=i, end_row=top + 1, end_column=i)
    fis0, fin0 = len(fixed) + 1, len(fixed) + 14
    for s, label in ((fis0, "Metas Físicas"), (fin0, "Metas Financieras (S/)")):
        ws.cell(top, s, label)
        ws.merge_cells(start_row=top, start_column=s, end_row=top, end_column=s + 12)
        for j, mname in enumerate(MONTHS + ["Total"]):
            ws.cell(top + 1, s + j, mname)
    av = fin0 + 13
    ws.cell(top, av, "% de avance\nanual")
    ws.merge_cells(start_row=top, start_column=av, end_row=top + 1, end_column=av)
    r = top + 2
    for code, aei, name, cc, unit, agr, prio, prog, ejec, fprog, fejec in AOS:
        oei = next(p for a, p, _, _ in AEIS if a == aei)
        ws.cell(r, 1, code)
        half = name.split(" con ")
        ws.cell(r, 2, half[0])
        ws.cell(r + 1, 2, "con " + half[1])  # the name wraps over the PROG and EJEC rows
        ws.cell(r, 3, oei)
        ws.cell(r, 4, f"{aei} - {next(n for a, _, n, _ in AEIS if a == aei)}")
        ws.cell(r, 5, cc)
        ws.cell(r, 6, unit)
        ws.cell(r, 7, agr)
        ws.cell(r, 8, prio)
        for c in (1, 3, 4, 5, 6, 7, 8):
            ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
        ws.cell(r, 9, "PROG")
        ws.cell(r + 1, 9, "EJEC")
        for j in range(12):
            ws.cell(r, fis0 + j, int(prog[j]))
            ws.cell(r + 1, fis0 + j, int(ejec[j]))
            ws.cell(r, fin0 + j, fprog[j])
            ws.cell(r + 1, fin0 + j, fejec[j])
        ws.cell(r, fis0 + 12, sum(int(x) for x in prog))
        ws.cell(r + 1, fis0 + 12, sum(int(x) for x in ejec))
        tot = lambda xs: sum(Decimal(x.replace(".", "").replace(",", ".")) for x in xs)  # noqa: E731
        ws.cell(r, fin0 + 12, "S/ " + f"{tot(fprog):,.2f}".replace(",", "X").replace(".", ",").replace("X", "."))
        ws.cell(r + 1, fin0 + 12, "S/ " + f"{tot(fejec):,.2f}".replace(",", "X").replace(".", ",").replace("X", "."))
        pct = 100 * Decimal(sum(int(x) for x in ejec)) / Decimal(sum(int(x) for x in prog))
        ws.cell(r + 1, av, str(pct.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)).replace(".", ",") + " %")
        r += 2
    ws.cell(r, 1, "TOTAL")
    if mutate:
        mutate(ws)
    wb.save(path)
    return path
