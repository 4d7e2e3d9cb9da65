"""The template workbook: a plan's codes and years in the Anexo B-7 and POI seguimiento
layouts, for an office to fill in and import (``pei-rules plantilla``).

Empty by default; with ``values=True`` the plan's values are written too (an export), and
importing the workbook gives the same plan again for everything the two layouts carry (entity,
period, OEI/AEI with prioridad, indicators with unit, sentido, tipo de agregación,
relevancia, órgano responsable, línea de base and every year's logro esperado and valor
obtenido, AOs with their monthly physical and financial values and attributes, and the
published avances per year). Numbers are written as numbers when the spreadsheet keeps them
exactly, as text otherwise; printed figures are written as text, as printed.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal

from ..i18n import msg
from ..plan import Plan

#: significant digits a spreadsheet number keeps (Excel shows 15; openpyxl writes 16): longer
#: numbers are written as text, which the importer reads exactly
EXCEL_DIGITS = 15
#: characters an XLSX cell cannot hold (the same set openpyxl refuses)
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

B7_FIXED = ["codigo", "indicador", "parametro", "sentido", "agregacion", "relevancia", "organo"]
MONTH_LABELS = ["Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Set", "Oct", "Nov", "Dic"]


def _num(v: Decimal | None):
    """A value for a cell: N/D text, a number the spreadsheet keeps exactly, or its text."""
    if v is None:
        return "N/D"
    if v == v.to_integral_value() and abs(v) < 10**EXCEL_DIGITS and v.as_tuple().exponent >= 0:
        return int(v)
    f = float(v)
    if len(v.as_tuple().digits) <= EXCEL_DIGITS and Decimal(repr(f)) == v:
        return f
    return format(v, "f")


def _put(ws, r: int, c: int, v):
    """A cell value; text is always text: a name starting with ``=`` is not a formula (formula
    injection), and characters XLSX cannot hold become U+FFFD."""
    if isinstance(v, str):
        v = ILLEGAL_CHARACTERS_RE.sub("\ufffd", v)
    cell = ws.cell(r, c, v)
    if isinstance(v, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell


def _put_printed(cell, text: str) -> None:
    """A printed figure: a number with a format showing its printed decimals (``66.70`` stays
    ``66.70``), or the text itself (``N/D``, or digits a spreadsheet number cannot keep)."""
    try:
        d = Decimal(text)
    except ArithmeticError:
        cell.value = text
        return
    exp = d.as_tuple().exponent
    decimals = max(0, -exp) if isinstance(exp, int) else 0
    f = float(d)
    if not d.is_finite() or len(d.as_tuple().digits) > EXCEL_DIGITS or Decimal(repr(f)) != d or decimals > 10:
        cell.value = text
        return
    cell.value = int(d) if decimals == 0 else f
    cell.number_format = "0" if decimals == 0 else "0." + "0" * decimals


def _published(plan: Plan) -> dict[tuple[str, int], str]:
    out = {}
    for p in plan.model.publicado:
        if p.anio is not None and getattr(p, "periodo", "anual") == "anual":
            out.setdefault((p.figura, p.anio), p.valor)
    return out


class _B7Sheet:
    """The Anexo B-7 sheet: title rows, two header rows, then each OEI with its indicators and
    its AEI (each with theirs)."""

    def __init__(self, ws, plan: Plan, values: bool, pub: dict, styles: dict):
        self.ws, self.m, self.values, self.pub, self.S = ws, plan.model, values, pub, styles
        self.years = list(range(self.m.plan.desde, self.m.plan.hasta + 1))
        self.top = 6
        self.r = self.top + 2

    def header(self) -> None:
        ws, m, S, top = self.ws, self.m, self.S, self.top
        for row, label, value in ((1, msg("tpl_b7_title"), None), (2, msg("tpl_entity") + ":", m.entidad.nombre), (3, msg("tpl_entity_code") + ":", m.entidad.codigo), (4, msg("tpl_period") + ":", f"{m.plan.desde}-{m.plan.hasta}")):
            _put(ws, row, 1, label)
            if value is not None:
                _put(ws, row, 2, value)
        ws["A1"].font = S["title"]
        col = 1
        for label in (msg(f"tpl_h_{k}") for k in B7_FIXED):
            _put(ws, top, col, label)
            ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
            col += 1
        years = [str(y) for y in self.years]
        groups = [("linea_base", [msg("tpl_h_anio"), msg("tpl_h_valor")]), ("logro", years), ("obtenido", years), ("avance", years)]
        self.starts = {}
        for g, subs in groups:
            _put(ws, top, col, msg(f"tpl_h_{g}"))
            ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + len(subs) - 1)
            self.starts[g] = col
            for i, sub in enumerate(subs):
                _put(ws, top + 1, col + i, int(sub) if sub.isdigit() else sub)
            col += len(subs)
        self.last_col = col - 1
        for r in (top, top + 1):
            for c in range(1, self.last_col + 1):
                cell = ws.cell(r, c)
                cell.font, cell.fill, cell.alignment, cell.border = S["bold"], S["head_fill"], S["wrap"], S["box"]

    def owner_row(self, code: str, name: str, prio, fill, kind: str, relevancia=None, organo=None) -> None:
        ws, r = self.ws, self.r
        _put(ws, r, 1, code)
        _put(ws, r, 2, name + (f" (Prioridad:{prio})" if prio not in (None, "") else ""))
        if relevancia is not None:
            _put(ws, r, 6, relevancia)
        if organo:
            _put(ws, r, 7, organo)
        self.printed(f"{kind}:{code}")
        for c in range(1, self.last_col + 1):
            ws.cell(r, c).fill, ws.cell(r, c).font, ws.cell(r, c).border = fill, self.S["bold"], self.S["box"]
        self.r += 1

    def printed(self, figure: str) -> None:
        """The published avances of a figure, per year, as printed."""
        for i, y in enumerate(self.years):
            v = self.pub.get((figure, y))
            if v is not None:
                _put_printed(self.ws.cell(self.r, self.starts["avance"] + i), v)

    def indicator_rows(self, owner: str) -> None:
        ws = self.ws
        for ind in self.m.indicador:
            if ind.de != owner:
                continue
            r = self.r
            _put(ws, r, 1, ind.codigo)
            _put(ws, r, 2, ind.nombre).alignment = self.S["top_wrap"]
            _fit_height(ws, r, ind.nombre, 48)
            for c, v in ((3, ind.unidad_medida), (4, ind.sentido), (5, ind.agregacion)):
                _put(ws, r, c, v)
            if ind.relevancia is not None:
                _put(ws, r, 6, ind.relevancia)
            if ind.organo_responsable:
                _put(ws, r, 7, ind.organo_responsable)
            if self.values:
                self.indicator_values(ind)
            for c in range(1, self.last_col + 1):
                ws.cell(r, c).border = self.S["box"]
            self.r += 1

    def indicator_values(self, ind) -> None:
        ws, r, lb_col = self.ws, self.r, self.starts["linea_base"]
        if ind.linea_base is not None:
            _put(ws, r, lb_col, ind.linea_base.anio)
            _put(ws, r, lb_col + 1, _num(ind.linea_base.valor))
        for i, y in enumerate(self.years):
            if y in ind.logro_esperado:
                _put(ws, r, self.starts["logro"] + i, _num(ind.logro_esperado[y]))
            if y in ind.valor_obtenido:
                _put(ws, r, self.starts["obtenido"] + i, _num(ind.valor_obtenido[y]))
        self.printed(f"avance_indicador:{ind.codigo}")

    def body(self, get_column_letter) -> None:
        m, S = self.m, self.S
        for o in m.oei:
            self.owner_row(o.codigo, o.denominacion, o.prioridad, S["oei_fill"], "avance_oei", o.relevancia)
            self.indicator_rows(o.codigo)
            for a in m.aei:
                if a.oei == o.codigo:
                    self.owner_row(a.codigo, a.denominacion, a.prioridad, S["aei_fill"], "avance_aei", a.relevancia, a.organo_responsable)
                    self.indicator_rows(a.codigo)
        widths = {1: 16, 2: 48, 3: 16, 4: 13, 5: 14, 6: 10, 7: 20}
        for c in range(1, self.last_col + 1):
            self.ws.column_dimensions[get_column_letter(c)].width = widths.get(c, 9)
        self.ws.freeze_panes = self.ws.cell(self.top + 2, 3)
        _fit_page(self.ws)


def workbook_bytes(plan: Plan, values: bool = False, poi_years: list[int] | None = None) -> bytes:
    """The template workbook as XLSX bytes."""
    from openpyxl import Workbook  # imported on use: the template command only
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    pub = _published(plan) if values else {}
    wb = Workbook()
    ws = wb.active
    ws.title = msg("tpl_sheet_b7")
    thin = Side(style="thin", color="999999")
    S = {
        "bold": Font(bold=True),
        "title": Font(bold=True, size=13),
        "head_fill": PatternFill("solid", fgColor="D9E1F2"),
        "oei_fill": PatternFill("solid", fgColor="FCE4D6"),
        "aei_fill": PatternFill("solid", fgColor="FFF2CC"),
        "box": Border(left=thin, right=thin, top=thin, bottom=thin),
        "wrap": Alignment(wrap_text=True, vertical="center", horizontal="center"),
        "top_wrap": Alignment(wrap_text=True, vertical="top"),
    }
    b7 = _B7Sheet(ws, plan, values, pub, S)
    b7.header()
    b7.body(get_column_letter)
    for year in sorted(set(plan.model.poi) | set(poi_years or [])):
        _poi_sheet(wb, plan, year, values, pub, S, get_column_letter)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _poi_sheet(wb, plan: Plan, year: int, values: bool, pub: dict, S: dict, get_column_letter) -> None:
    m = plan.model
    ws = wb.create_sheet(msg("tpl_sheet_poi", year=year))
    _put(ws, 1, 1, msg("tpl_poi_title"))
    ws["A1"].font = S["bold"]
    _put(ws, 2, 1, msg("tpl_entity") + ":")
    _put(ws, 2, 2, m.entidad.nombre)
    _put(ws, 3, 1, msg("tpl_year") + ":")
    _put(ws, 3, 2, year)
    poi = m.poi.get(year)
    if values and poi is not None:
        for col, key, v in ((4, "PIM", poi.pim), (6, "Devengado", poi.devengado)):
            if v is not None:
                _put(ws, 3, col - 1, key + ":")
                _put(ws, 3, col, _num(v))
    top = 5
    fixed = [msg("tpl_h_codigo"), msg("tpl_h_actividad"), "OEI", "AEI", msg("tpl_h_centro"), msg("tpl_h_unidad"), msg("tpl_h_agregacion"), msg("tpl_h_prioridad"), msg("tpl_h_tipo")]
    for i, label in enumerate(fixed, start=1):
        _put(ws, top, i, label)
        ws.merge_cells(start_row=top, start_column=i, end_row=top + 1, end_column=i)
    fis0 = len(fixed) + 1
    fin0 = fis0 + 13
    av = fin0 + 13
    for start, label in ((fis0, msg("tpl_h_fisica")), (fin0, msg("tpl_h_financiera"))):
        _put(ws, top, start, label)
        ws.merge_cells(start_row=top, start_column=start, end_row=top, end_column=start + 12)
        for i, mon in enumerate(MONTH_LABELS + [msg("tpl_h_total")]):
            _put(ws, top + 1, start + i, mon)
    _put(ws, top, av, msg("tpl_h_avance_anual"))
    ws.merge_cells(start_row=top, start_column=av, end_row=top + 1, end_column=av)
    for r in (top, top + 1):
        for c in range(1, av + 1):
            cell = ws.cell(r, c)
            cell.font, cell.fill, cell.alignment, cell.border = S["bold"], S["head_fill"], S["wrap"], S["box"]
    aei_oei = {a.codigo: a.oei for a in m.aei}
    r = top + 2
    for ao in poi.ao if poi else []:
        _put(ws, r, 1, ao.codigo)
        _put(ws, r, 2, ao.denominacion or "").alignment = S["top_wrap"]
        _fit_height(ws, r, ao.denominacion or "", 2 * 40)
        _put(ws, r, 3, aei_oei.get(ao.aei, ""))
        _put(ws, r, 4, ao.aei)
        for c, v in ((5, getattr(ao, "centro_costo", None)), (6, ao.unidad_medida), (7, getattr(ao, "agregacion", None)), (8, getattr(ao, "prioridad", None))):
            if v not in (None, ""):
                _put(ws, r, c, int(v) if isinstance(v, str) and v.isdigit() else v)
        for c in range(1, 9):
            ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
        _put(ws, r, 9, "PROG")
        _put(ws, r + 1, 9, "EJEC")
        if values:
            for rr, phys, fin_m, annual, fin_annual in (
                (r, ao.programado_mensual, getattr(ao, "financiero_programado_mensual", None), ao.programado, ao.pim),
                (r + 1, ao.ejecutado_mensual, getattr(ao, "financiero_ejecutado_mensual", None), ao.ejecutado, ao.devengado),
            ):
                if phys is not None:
                    for i, v in enumerate(phys):
                        _put(ws, rr, fis0 + i, _num(v))
                elif annual is not None:
                    _put(ws, rr, fis0 + 12, _num(annual))
                if fin_m is not None:
                    for i, v in enumerate(fin_m):
                        _put(ws, rr, fin0 + i, _num(v)).number_format = "#,##0.00"
                if fin_annual is not None:
                    _put(ws, rr, fin0 + 12, _num(fin_annual)).number_format = "#,##0.00"
            v = pub.get((f"ejecucion_fisica_ao:{ao.codigo}", year))
            if v is not None:
                _put_printed(ws.cell(r, av), v)
        for rr in (r, r + 1):
            for c in range(1, av + 1):
                ws.cell(rr, c).border = S["box"]
        r += 2
    widths = {1: 16, 2: 40, 3: 9, 4: 11, 5: 14, 6: 12, 7: 14, 8: 10, 9: 7}
    widths |= {c: 6 for c in range(fis0, fis0 + 12)} | {fis0 + 12: 7}
    widths |= {c: 10 for c in range(fin0, fin0 + 12)} | {fin0 + 12: 12, av: 9}
    for c in range(1, av + 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(c, 8)
    ws.freeze_panes = ws.cell(top + 2, 3)
    _fit_page(ws)


def _fit_height(ws, r: int, text: str, chars_per_line: int) -> None:
    """A taller row for a name that wraps (spreadsheet programs do not always grow it)."""
    lines = -(-len(text) // chars_per_line)
    if lines > 1:
        ws.row_dimensions[r].height = 15 * lines


def _fit_page(ws) -> None:
    """Printed (or converted to PDF) on A4 landscape, one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
