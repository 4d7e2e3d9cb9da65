"""The evaluation as an Excel workbook (``evaluate --format xlsx``), in the annex layouts.

Sheets: indicators (B-7-like), OEI and AEI, semáforo counts, plan figures and POI, AO,
published vs recomputed (when the plan records published figures) and "Recibo". Numbers
are stored as numbers with an Excel number format of the rule set's decimals (the exact,
unrounded value beside them as text, all its digits); the band is a cell fill *and* the
word; header rows are frozen; columns are sized to their contents; every figure has an
"Origen" cell with the rule file:line that produced it (and plan lines for plan data).
Text cells are neutralised against formula injection.
"""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..evaluate import Evaluation, Figure
from ..html_report import BatchData, batch_columns, entity_rules
from ..i18n import t
from .common import band_colors, band_name_label, band_word, count_label, exact_text, kind_label, no_data_label, tint
from .common import cell_text as spreadsheet_text
from ..report_model import ao_inputs, entity_kinds
from .tables import audit_rows, indicator_years, receipt_rows
from .tables import rule_origin as origin

HEADER_FILL = PatternFill(fill_type="solid", fgColor="E9EDF1")
HEADER_FONT = Font(name="Calibri", bold=True)
THIN = Side(style="thin", color="C7CDD3")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MAX_WIDTH = 60


def number_format(decimals: int | None) -> str:
    if not decimals:
        return "#,##0"
    return "#,##0." + "0" * decimals


MONEY = "#,##0.00"


class _Sheet:
    """One worksheet written row by row with typed cells; widths fitted at the end."""

    def __init__(self, wb: Workbook, title: str, headers: list[str], colors: dict[str, str], first: bool = False):
        self.ws = wb.active if first else wb.create_sheet()
        self.ws.title = spreadsheet_text(title)[:31]
        self.colors = colors
        self.widths: dict[int, int] = {}
        self.texts: dict[int, list[tuple[int, str]]] = {}  # row -> (column, text), for row heights
        self.row = 0
        self.header(headers)
        self.ws.freeze_panes = "B2"

    def _track(self, col: int, text: str) -> None:
        longest = max((len(part) for part in text.split("\n")), default=0)
        self.widths[col] = max(self.widths.get(col, 0), longest)
        self.texts.setdefault(self.row, []).append((col, text))

    def header(self, headers: list[str]) -> None:
        self.row += 1
        for j, h in enumerate(headers, 1):
            c = self.ws.cell(row=self.row, column=j, value=spreadsheet_text(h))
            c.font, c.fill, c.border = HEADER_FONT, HEADER_FILL, BORDER
            c.alignment = Alignment(vertical="top", wrap_text=True)
            self._track(j, h if len(h) < 24 else h[:24])

    def add(self, cells: Iterable[Any], bold: bool = False) -> int:
        """Cells are text, ``None`` (empty), or ``(number, format[, band])`` / ``(text, None, band)``."""
        self.row += 1
        for j, spec in enumerate(cells, 1):
            band = None
            fmt = None
            value = spec
            if isinstance(spec, tuple):
                value, fmt, band = (spec + (None, None))[:3]
            c = self.ws.cell(row=self.row, column=j)
            if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
                c.value = value
                c.number_format = fmt or "General"
                self._track(j, format(value, ",f") if isinstance(value, Decimal) else f"{value:,}")
            elif value is None:
                pass
            else:
                text = spreadsheet_text(str(value))
                c.value = text
                c.number_format = "@"
                self._track(j, text)
            c.border = BORDER
            c.alignment = Alignment(vertical="top", wrap_text=True)
            if band:
                color = self.colors.get(band)
                if color:
                    c.fill = PatternFill(fill_type="solid", fgColor=tint(color))
            if bold:
                c.font = HEADER_FONT
        return self.row

    def finish(self) -> None:
        widths = {}
        for col, n in self.widths.items():
            widths[col] = min(max(n + 2, 8), MAX_WIDTH)
            self.ws.column_dimensions[get_column_letter(col)].width = widths[col]
        # wrapped text needs taller rows: spreadsheet programs do not always refit them on opening
        for row, cells in self.texts.items():
            lines = max((sum(max(1, -(-len(part) // max(1, widths[col] - 1))) for part in text.split("\n")) for col, text in cells), default=1)
            if lines > 1:
                self.ws.row_dimensions[row].height = 15 * lines
        # printing: landscape, one page wide, the header row on every page
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = self.ws.PAPERSIZE_A4
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.print_title_rows = "1:1"
        if self.row > 1:
            self.ws.auto_filter.ref = f"A1:{get_column_letter(max(self.widths) if self.widths else 1)}{self.row}"


def _fig(f: Figure | None, lang: str) -> tuple:
    """A figure as (number, format, band): N/D as the word, never 0."""
    if f is None:
        return ("",)
    if f.value is None:
        return (t(lang, "no_data"), None, f.band_name)
    return (f.value, number_format(f.decimals), f.band_name)


def _band(ev: Evaluation, f: Figure | None, lang: str) -> tuple:
    if f is None:
        return ("",)
    return (band_word(ev.rules, f, lang), None, f.band_name)


def _value(v: Decimal | None, lang: str = "es") -> Any:
    """A plan value as a number with the decimals it was written with; N/D as the word."""
    if v is None:
        return t(lang, "no_data")
    exp = v.as_tuple().exponent
    return (v, number_format(max(0, -exp) if isinstance(exp, int) else 0))


class _Book:
    """The workbook of one evaluation, sheet by sheet (in the annexes' order)."""

    def __init__(self, lang: str, colors: dict[str, str], ev: Evaluation | None = None):
        self.wb = Workbook()
        self.ev, self.rules, self.lang, self.colors = ev, ev.rules if ev else None, lang, colors
        self.first = True

    def L(self, key: str, **kw) -> str:
        return t(self.lang, key, **kw)

    def sheet(self, title_id: str, headers: list[str]) -> _Sheet:
        sh = _Sheet(self.wb, self.L(title_id), headers, self.colors, first=self.first)
        self.first = False
        return sh

    def kind_heads(self, kinds: Iterable[str]) -> list[str]:
        """Value, band, exact value and origin columns of each kind."""
        out = []
        for k in kinds:
            out += [f"{kind_label(self.rules, k, self.lang)} (%)", self.L("band"), self.L("doc_exact"), self.L("doc_origin")]
        return out

    def figure_cells(self, f: Figure | None) -> list[Any]:
        return [_fig(f, self.lang), _band(self.ev, f, self.lang), exact_text(f), origin(f.rule) if f else ""]

    def relevance(self, rel) -> str:
        return self.rules.relevance_labels.get(rel, str(rel)) if rel is not None else ""

    def indicators(self) -> None:
        """B-7-like: one row per indicator, its plan values and every advance kind."""
        ev, m, y, L, lang = self.ev, self.ev.plan.model, self.ev.year, self.L, self.lang
        years = indicator_years(ev)
        adv_kinds = ["avance_indicador"] + [f"avance_{k}" for k in self.rules.advance_kinds if k != self.rules.principal]
        headers = [L("code"), L("doc_annex_code"), L("name"), L("doc_of"), L("doc_org_unit"), L("doc_relevance"), L("sentido"), L("agregacion"), L("doc_baseline_year"), L("doc_baseline_value")]
        headers += [L("doc_expected_year", year=yy) for yy in years] + [L("obtained", year=y)] + self.kind_heads(adv_kinds) + [L("doc_plan_line")]
        sh = self.sheet("doc_sheet_indicators", headers)
        for ind in m.indicador:
            owner = ev.plan.aei.get(ind.de)
            rel = ind.relevancia if ind.relevancia is not None else (owner.relevancia if owner else None)
            organ = ind.organo_responsable or (owner.organo_responsable if owner else None) or ""
            base = ind.linea_base
            cells: list[Any] = [ind.codigo, next((a for a in ind.alias if a != ind.codigo), ""), ind.nombre, ind.de, organ, self.relevance(rel), ind.sentido, ind.agregacion]
            cells += [base.anio, _value(base.valor, lang)] if base else ["", ""]
            cells += [_value(ind.logro_esperado[yy], lang) if yy in ind.logro_esperado else "" for yy in years]
            cells.append(_value(ind.valor_obtenido[y], lang) if y in ind.valor_obtenido else "")
            for k in adv_kinds:
                cells += self.figure_cells(ev.figures.get(f"{k}:{ind.codigo}"))
            cells.append(origin(ev.plan.ref(ind)))
            sh.add(cells)
        sh.finish()

    def objectives(self) -> None:
        """OEI and AEI, each OEI followed by its AEI."""
        ev, m, L, rules = self.ev, self.ev.plan.model, self.L, self.rules
        advance, extra = entity_kinds(ev)
        headers = [L("code"), L("doc_level"), L("doc_objective"), L("name"), L("doc_relevance"), L("doc_org_unit"), L("rep_advance"), L("band"), L("doc_exact"), L("doc_origin")]
        sh = self.sheet("doc_sheet_objectives", headers + self.kind_heads(extra))

        def entity(kind: str, code: str, parent: str, name: str, rel, organ) -> None:
            f = ev.figures.get(f"{advance[kind]}:{code}") if kind in advance else None
            cells: list[Any] = [code, kind.upper(), parent, name, self.relevance(rel), organ or ""] + self.figure_cells(f)
            for k in extra:
                cells += self.figure_cells(ev.figures.get(f"{k}:{code}") if rules.aggregates[k].scope == kind else None)
            sh.add(cells, bold=(kind == "oei"))

        for o in m.oei:
            entity("oei", o.codigo, "", o.denominacion, o.relevancia, None)
            for a in m.aei:
                if a.oei == o.codigo:
                    entity("aei", a.codigo, o.codigo, a.denominacion, a.relevancia, a.organo_responsable)
        sh.finish()

    def counts(self) -> None:
        """The semáforo counts (the bands of the first count's scale as columns)."""
        rules, L, lang = self.rules, self.L, self.lang
        sh = None
        for c in self.ev.counts.values():
            scale = rules.band_for[c.figure]
            bands = rules.scales[scale].bands
            if sh is None:
                headers = [L("figure")] + [f"{band_name_label(rules, scale, b.name, b.label, lang)} {b.text}" for b in bands] + [no_data_label(rules, lang), L("total"), L("doc_origin")]
                sh = self.sheet("doc_sheet_counts", headers)
            cells = [count_label(rules, c.name, c.label, lang)]
            cells += [(c.counts[b.name], "0", b.name) for b in bands]
            cells += [(c.counts["sin_dato"], "0", "sin_dato"), (c.total, "0"), origin(c.ref)]
            sh.add(cells)
        if sh is not None:
            sh.finish()

    def plan(self) -> None:
        """Plan-level figures, after the POI's own numbers."""
        ev, L = self.ev, self.L
        sh = self.sheet("doc_sheet_plan", [L("figure"), L("value"), L("band"), L("doc_exact"), L("doc_origin")])
        poi = ev.plan.model.poi.get(ev.year)
        if poi is not None:
            sh.add([L("ao_count"), (len(poi.ao), "0"), "", "", origin(ev.plan.ref(poi, "ao"))])
            for key in ("pim", "devengado"):
                v = getattr(poi, key)
                sh.add([L(key), (v, MONEY) if v is not None else L("no_data"), "", "", origin(ev.plan.ref(poi, key))])
        for f in ev.figures.values():
            if f.scope == "plan":
                sh.add([kind_label(self.rules, f.kind, self.lang), _fig(f, self.lang), _band(ev, f, self.lang), exact_text(f), origin(f.rule)])
        sh.finish()

    def ao(self) -> None:
        """One row per operational activity of the year's POI, with its AO formulas."""
        ev, L, lang = self.ev, self.L, self.lang
        poi = ev.plan.model.poi.get(ev.year)
        ao_kinds = [n for n, fm in self.rules.formulas.items() if fm.scope == "ao"]
        if poi is None or not poi.ao or not ao_kinds:
            return
        headers = [L("rep_ao"), "AEI", L("name"), L("rep_programmed"), L("rep_executed")] + self.kind_heads(ao_kinds) + [L("doc_plan_line")]
        sh = self.sheet("doc_sheet_ao", headers)
        for ao in poi.ao:
            figs = [ev.figures.get(f"{k}:{ao.codigo}") for k in ao_kinds]
            inputs = ao_inputs(figs)
            cells: list[Any] = [ao.codigo, ao.aei, ao.denominacion or "", _value(inputs.get("programado"), lang), _value(inputs.get("ejecutado"), lang)]
            for f in figs:
                cells += self.figure_cells(f)
            cells.append(origin(ev.plan.ref(ao)))
            sh.add(cells)
        sh.finish()

    def published(self) -> None:
        """Published vs recomputed (when the plan records published figures)."""
        L, lang = self.L, self.lang
        rows = audit_rows(self.ev, lang)
        if not rows:
            return
        headers = [L("figure"), L("doc_figure_id"), L("rep_published"), L("rep_recomputed"), L("rep_difference"), L("rep_status"), L("rep_causes"), L("rep_source"), L("doc_plan_line")]
        sh = self.sheet("doc_sheet_published", headers)
        for r in rows:
            sh.add([
                r.name,
                r.figure,
                _value(r.published_number, lang) if r.published_number is not None else r.published,
                _value(r.recomputed_number, lang) if r.recomputed_number is not None else (r.recomputed or ""),
                _value(r.difference_number, lang) if r.difference_number is not None else "",
                (r.status_text, None, r.band),
                r.causes,
                r.source,
                r.plan_line,
            ])
        sh.finish()

    def receipt(self, rows: Iterable[tuple[str, Any]]) -> None:
        sh = self.sheet("doc_sheet_receipt", [self.L("doc_receipt_key"), self.L("value")])
        for key, value in rows:
            sh.add([key, value])
        sh.finish()

    def bytes(self) -> bytes:
        buf = io.BytesIO()
        self.wb.save(buf)
        return buf.getvalue()


def workbook_bytes(ev: Evaluation, lang: str = "es") -> bytes:
    """The workbook of one evaluation, as the bytes of an .xlsx file."""
    book = _Book(lang, band_colors(ev.rules), ev)
    book.indicators()
    book.objectives()
    book.counts()
    book.plan()
    book.ao()
    book.published()
    book.receipt(receipt_rows(ev, lang))
    return book.bytes()


def _batch_row(e, cols, L) -> list[Any]:
    """One entity of a batch: its plan-level figures (number and band word), its counts per
    band, or the error of a plan that failed."""
    figs = {f["id"]: f for f in (e.data or {}).get("figures", [])}
    counts = {c["name"]: c for c in (e.data or {}).get("counts", [])}
    state = L("rep_state_ok") if e.status == "ok" else L("rep_state_error")
    cells: list[Any] = [(e.n, "0"), e.code or "", e.name or "", state, e.rules_id or "", e.file]
    for fid, _ in cols.figures:
        f = figs.get(fid)
        if f is None:
            cells += ["", ""]
            continue
        v = f.get("value")
        band = f.get("band")
        cells.append((Decimal(v), number_format(f.get("decimals")), band) if v is not None else (L("no_data"), None, band))
        cells.append((cols.band_words.get(band, band) if band else "", None, band))
    for name, _, bands in cols.counts:
        c = counts.get(name)
        for b, _ in bands:
            n = c["counts"].get(b) if c else None
            cells.append((n, "0", b if n else None) if n is not None else "")
    cells.append(e.error or "")
    return cells


def batch_workbook_bytes(data: BatchData, lang: str = "es") -> bytes:
    """The consolidated workbook of a batch: one row per entity (plan-level figures as numbers
    with their band as fill and word, every count table's counts per band, the error of a
    plan that failed with its file and line), and a "Recibo" sheet. Columns as the batch page's."""
    cache: dict = {}
    rules_list = [r for r in (entity_rules(e, cache) for e in data.entities) if r is not None]
    rules_by_id: dict[str, Any] = {}
    colors: dict[str, str] = {}
    for r in rules_list:
        if rules_by_id.setdefault(r.id, r) is r:
            for k, v in band_colors(r).items():
                colors.setdefault(k, v)
    cols = batch_columns(data, cache, rules_list, lang)
    book = _Book(lang, colors)
    L = book.L
    headers = [L("rep_n"), L("rep_entity_code"), L("entity"), L("rep_state"), L("doc_r_ruleset"), L("doc_r_plan")]
    for _, label in cols.figures:
        headers += [f"{label} (%)", L("band")]
    for _, label, bands in cols.counts:
        headers += [f"{label}: {blabel}" for _, blabel in bands]
    sh = book.sheet("doc_sheet_entities", headers + [L("rep_error")])
    for e in data.entities:
        sh.add(_batch_row(e, cols, L))
    sh.finish()
    ok = [e for e in data.entities if e.status == "ok" and e.data]
    rows = [(L("rep_source_folder"), data.source), (L("doc_r_year"), str(data.year or "")), (L("rep_entities"), L("rep_plans_evaluated", ok=len(ok), n=len(data.entities)))]
    rows += [(L("doc_r_ruleset_hash") + f" — {rid}", r.content_hash) for rid, r in sorted(rules_by_id.items())]
    rows += [(L("doc_r_created"), data.created)] + [(L("doc_r_warning"), w) for w in data.warnings]
    book.receipt(rows)
    return book.bytes()
