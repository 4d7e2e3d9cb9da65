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
from ..html_report import BatchData, entity_rules
from ..i18n import t
from .common import band_colors, band_name_label, band_word, count_label, exact_text, kind_label, no_data_label, tint
from .common import cell_text as spreadsheet_text
from ..report_model import entity_kinds
from .tables import audit_rows, indicator_years, receipt_rows
from .tables import rule_origin as origin

HEADER_FILL = PatternFill(fill_type="solid", fgColor="E9EDF1")
HEADER_FONT = Font(name="Calibri", bold=True)
THIN = Side(style="thin", color="C7CDD3")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MAX_WIDTH = 60
WRAP_FROM = 45  # columns wider than this wrap their text


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


def workbook_bytes(ev: Evaluation, lang: str = "es") -> bytes:
    """The workbook of one evaluation, as the bytes of an .xlsx file."""
    wb = Workbook()
    rules, m, y = ev.rules, ev.plan.model, ev.year
    colors = band_colors(rules)
    L = lambda key, **kw: t(lang, key, **kw)  # noqa: E731

    # 1. indicators, B-7-like
    years = indicator_years(ev)
    adv_kinds = ["avance_indicador"] + [f"avance_{k}" for k in rules.advance_kinds if k != rules.principal]
    headers = [L("code"), L("doc_annex_code"), L("name"), L("doc_of"), L("doc_org_unit"), L("doc_relevance"), L("sentido"), L("agregacion"), L("doc_baseline_year"), L("doc_baseline_value")]
    headers += [L("doc_expected_year", year=yy) for yy in years] + [L("obtained", year=y)]
    for k in adv_kinds:
        headers += [f"{kind_label(rules, k, lang)} (%)", L("band"), L("doc_exact"), L("doc_origin")]
    headers += [L("doc_plan_line")]
    sh = _Sheet(wb, L("doc_sheet_indicators"), headers, colors, first=True)
    for ind in m.indicador:
        owner = ev.plan.aei.get(ind.de)
        rel = ind.relevancia if ind.relevancia is not None else (owner.relevancia if owner else None)
        organ = ind.organo_responsable or (owner.organo_responsable if owner else None) or ""
        cells: list[Any] = [
            ind.codigo,
            next((a for a in ind.alias if a != ind.codigo), ""),
            ind.nombre,
            ind.de,
            organ,
            rules.relevance_labels.get(rel, str(rel)) if rel is not None else "",
            ind.sentido,
            ind.agregacion,
            ind.linea_base.anio if ind.linea_base else "",
            _value(ind.linea_base.valor, lang) if ind.linea_base else "",
        ]
        cells += [_value(ind.logro_esperado[yy], lang) if yy in ind.logro_esperado else "" for yy in years]
        cells.append(_value(ind.valor_obtenido[y], lang) if y in ind.valor_obtenido else "")
        for k in adv_kinds:
            f = ev.figures.get(f"{k}:{ind.codigo}")
            cells += [_fig(f, lang), _band(ev, f, lang), exact_text(f), origin(f.rule) if f else ""]
        cells.append(origin(ev.plan.ref(ind)))
        sh.add(cells)
    sh.finish()

    # 2. OEI and AEI
    advance, extra = entity_kinds(ev)
    headers = [L("code"), L("doc_level"), L("doc_objective"), L("name"), L("doc_relevance"), L("doc_org_unit"), L("rep_advance"), L("band"), L("doc_exact"), L("doc_origin")]
    for k in extra:
        headers += [f"{kind_label(rules, k, lang)} (%)", L("band"), L("doc_exact"), L("doc_origin")]
    sh = _Sheet(wb, L("doc_sheet_objectives"), headers, colors)

    def entity(kind: str, code: str, parent: str, name: str, rel, organ) -> None:
        f = ev.figures.get(f"{advance[kind]}:{code}") if kind in advance else None
        cells: list[Any] = [code, kind.upper(), parent, name, rules.relevance_labels.get(rel, str(rel)) if rel is not None else "", organ or ""]
        cells += [_fig(f, lang), _band(ev, f, lang), exact_text(f), origin(f.rule) if f else ""]
        for k in extra:
            ef = ev.figures.get(f"{k}:{code}") if rules.aggregates[k].scope == kind else None
            cells += [_fig(ef, lang), _band(ev, ef, lang), exact_text(ef), origin(ef.rule) if ef else ""]
        sh.add(cells, bold=(kind == "oei"))

    for o in m.oei:
        entity("oei", o.codigo, "", o.denominacion, o.relevancia, None)
        for a in m.aei:
            if a.oei == o.codigo:
                entity("aei", a.codigo, o.codigo, a.denominacion, a.relevancia, a.organo_responsable)
    sh.finish()

    # 3. semáforo counts
    sh = None
    for c in ev.counts.values():
        scale = rules.band_for[c.figure]
        bands = rules.scales[scale].bands
        if sh is None:
            headers = [L("figure")] + [f"{band_word_of(rules, scale, b, lang)} {b.text}" for b in bands] + [no_data_label(rules, lang), L("total"), L("doc_origin")]
            sh = _Sheet(wb, L("doc_sheet_counts"), headers, colors)
        cells = [count_label(rules, c.name, c.label, lang)]
        cells += [(c.counts[b.name], "0", b.name) for b in bands]
        cells += [(c.counts["sin_dato"], "0", "sin_dato"), (c.total, "0"), origin(c.ref)]
        sh.add(cells)
    if sh is not None:
        sh.finish()

    # 4. plan figures and POI
    sh = _Sheet(wb, L("doc_sheet_plan"), [L("figure"), L("value"), L("band"), L("doc_exact"), L("doc_origin")], colors)
    poi = m.poi.get(y)
    if poi is not None:
        sh.add([L("ao_count"), (len(poi.ao), "0"), "", "", origin(ev.plan.ref(poi, "ao"))])
        sh.add([L("pim"), (poi.pim, MONEY) if poi.pim is not None else L("no_data"), "", "", origin(ev.plan.ref(poi, "pim"))])
        sh.add([L("devengado"), (poi.devengado, MONEY) if poi.devengado is not None else L("no_data"), "", "", origin(ev.plan.ref(poi, "devengado"))])
    for f in ev.figures.values():
        if f.scope == "plan":
            sh.add([kind_label(rules, f.kind, lang), _fig(f, lang), _band(ev, f, lang), exact_text(f), origin(f.rule)])
    sh.finish()

    # 5. AO
    ao_kinds = [n for n, fm in rules.formulas.items() if fm.scope == "ao"]
    if poi is not None and poi.ao and ao_kinds:
        headers = [L("rep_ao"), "AEI", L("name"), L("rep_programmed"), L("rep_executed")]
        for k in ao_kinds:
            headers += [f"{kind_label(rules, k, lang)} (%)", L("band"), L("doc_exact"), L("doc_origin")]
        headers += [L("doc_plan_line")]
        sh = _Sheet(wb, L("doc_sheet_ao"), headers, colors)
        for ao in poi.ao:
            figs = [ev.figures.get(f"{k}:{ao.codigo}") for k in ao_kinds]
            inputs: dict[str, Decimal | None] = {}
            for f in figs:
                for i in f.inputs if f else []:
                    inputs.setdefault(i.name, i.value)
            cells: list[Any] = [ao.codigo, ao.aei, ao.denominacion or "", _value(inputs.get("programado"), lang), _value(inputs.get("ejecutado"), lang)]
            for f in figs:
                cells += [_fig(f, lang), _band(ev, f, lang), exact_text(f), origin(f.rule) if f else ""]
            cells.append(origin(ev.plan.ref(ao)))
            sh.add(cells)
        sh.finish()

    # 6. published vs recomputed
    rows = audit_rows(ev, lang)
    if rows:
        headers = [L("figure"), L("doc_figure_id"), L("rep_published"), L("rep_recomputed"), L("rep_difference"), L("rep_status"), L("rep_causes"), L("rep_source"), L("doc_plan_line")]
        sh = _Sheet(wb, L("doc_sheet_published"), headers, colors)
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

    # 7. receipt
    sh = _Sheet(wb, L("doc_sheet_receipt"), [L("doc_receipt_key"), L("value")], colors)
    for key, value in receipt_rows(ev, lang):
        sh.add([key, value])
    sh.finish()

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def band_word_of(rules, scale: str, band, lang: str) -> str:
    return band_name_label(rules, scale, band.name, band.label, lang)


def batch_workbook_bytes(data: BatchData, lang: str = "es") -> bytes:
    """The consolidated workbook of a batch: one row per entity (plan-level figures as numbers
    with their band as fill and word, every count table's counts per band, the error of a
    plan that failed with its file and line), and a "Recibo" sheet."""
    wb = Workbook()
    L = lambda key, **kw: t(lang, key, **kw)  # noqa: E731
    rules_by_id: dict[str, Any] = {}
    cache: dict = {}
    entity_rule = {id(e): entity_rules(e, cache) for e in data.entities}
    for r in entity_rule.values():
        if r is not None:
            rules_by_id.setdefault(r.id, r)
    colors: dict[str, str] = {}
    for r in rules_by_id.values():
        for k, v in band_colors(r).items():
            colors.setdefault(k, v)
    ok = [e for e in data.entities if e.status == "ok" and e.data]
    fig_cols: list[tuple[str, str, str]] = []  # (id, kind, label)
    count_cols: list[tuple[str, str, list[str]]] = []
    any_rules = next(iter(rules_by_id.values()), None)
    for e in ok:
        for f in e.data.get("figures", []):
            if f.get("scope") == "plan" and f["id"] not in [c for c, _, _ in fig_cols]:
                kind = f.get("kind") or f["id"]
                er = entity_rule[id(e)]
                label = kind_label(er, kind, lang) if er is not None and kind in er.figure_kinds() else (f.get("label") or f["id"])
                fig_cols.append((f["id"], kind, label))
        for c in e.data.get("counts", []):
            if c["name"] not in [n for n, _, _ in count_cols]:
                er = entity_rule[id(e)]
                label = count_label(er, c["name"], c.get("label") or c["name"], lang) if er is not None else (c.get("label") or c["name"])
                count_cols.append((c["name"], label, list(c.get("counts", {}).keys())))

    def band_text(band: str) -> str:
        r = any_rules
        if r is None:
            return band
        if band == "sin_dato":
            return no_data_label(r, lang)
        for scale in r.scales.values():
            for b in scale.bands:
                if b.name == band:
                    return band_name_label(r, scale.name, b.name, b.label, lang)
        return band

    headers = [L("rep_n"), L("rep_entity_code"), L("entity"), L("rep_state"), L("doc_r_ruleset"), L("doc_r_plan")]
    for _, _, label in fig_cols:
        headers += [f"{label} (%)", L("band")]
    for _, label, bands in count_cols:
        headers += [f"{label}: {band_text(b)}" for b in bands]
    headers.append(L("rep_error"))
    sh = _Sheet(wb, L("doc_sheet_entities"), headers, colors, first=True)
    for e in data.entities:
        figs = {f["id"]: f for f in (e.data or {}).get("figures", [])}
        counts = {c["name"]: c for c in (e.data or {}).get("counts", [])}
        state = L("rep_state_ok") if e.status == "ok" else L("rep_state_error")
        cells: list[Any] = [(e.n, "0"), e.code or "", e.name or "", state, e.rules_id or "", e.file]
        for fid, _, _ in fig_cols:
            f = figs.get(fid)
            if f is None:
                cells += ["", ""]
                continue
            v = f.get("value")
            band = f.get("band")
            cells.append((Decimal(v), number_format(f.get("decimals")), band) if v is not None else (L("no_data"), None, band))
            cells.append((band_text(band) if band else "", None, band))
        for name, _, bands in count_cols:
            c = counts.get(name)
            for b in bands:
                n = c["counts"].get(b) if c else None
                cells.append((n, "0", b if n else None) if n is not None else "")
        cells.append(e.error or "")
        sh.add(cells)
    sh.finish()

    sh = _Sheet(wb, L("doc_sheet_receipt"), [L("doc_receipt_key"), L("value")], colors)
    sh.add([L("rep_source_folder"), data.source])
    sh.add([L("doc_r_year"), str(data.year or "")])
    sh.add([L("rep_entities"), L("rep_plans_evaluated", ok=len(ok), n=len(data.entities))])
    for rid, r in sorted(rules_by_id.items()):
        sh.add([L("doc_r_ruleset_hash") + f" — {rid}", r.content_hash])
    sh.add([L("doc_r_created"), data.created])
    for w in data.warnings:
        sh.add([L("doc_r_warning"), w])
    sh.finish()
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
