"""The tables of a readable report, as data: shared by the HTML report and ``--format markdown``.

A :class:`Table` is a title, headers and rows of :class:`Cell`; a cell knows its text
(numbers already formatted the way Peruvian reports print them: thousands with ``,``,
decimals with ``.``, the rule set's decimals kept),
the band that colours it (a band name from the rule set, or ``sin_dato``) and whether it is
a number. Rows know what they describe (``oei``, ``aei``, ``indicador``, ``ao`` …) and the
band of their main figure, so the HTML can put ``band-<name>`` on the row and on the cell.

Nothing here knows a CEPLAN figure by name: columns come from the rule set (which
aggregates exist at each scope, which count tables, which formulas apply to AOs).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from . import audit as _audit
from . import vocabulary as V
from .evaluate import ND, Evaluation, Figure
from .i18n import t
from .outputs.common import band_name_label, count_label, exact_text, humanize, kind_label, no_data_label
from .outputs.tables import receipt_rows, rule_origin
from .references import references

PRINCIPAL = "avance_indicador"  # the engine's name for the principal indicator advance


# --- number formatting -----------------------------------------------------------------


def _human(text: str, ev: Evaluation, lang: str) -> str:
    """Internal figure ids in a sentence replaced by their labels; long exact values shortened
    (in this report's number format)."""
    return humanize(text, ev, lang, numbers=lambda d: num(d, lang))



def num(value: Decimal | int | None, lang: str = "es") -> str:
    """A number as the reports print it: thousands with ',' and decimals with '.', scale kept."""
    if value is None:
        return t(lang, "no_data")
    if isinstance(value, int):
        return f"{value:,}"
    if not value.is_finite():
        return str(value)
    return format(value, ",f")


def money(value: Decimal | None, lang: str = "es") -> str:
    """Soles with two decimals and thousands separators."""
    if value is None:
        return t(lang, "no_data")
    return format(value.quantize(Decimal("0.01")), ",f")


# --- the model -------------------------------------------------------------------------


@dataclass
class Cell:
    """A table cell: its text, band, sort key and tooltip."""
    text: str
    band: str | None = None  # band name (rule data) or "sin_dato"; None: not a banded figure
    numeric: bool = False
    sort: Decimal | None = None  # numeric sort key
    title: str | None = None  # tooltip (figure id, formula)


@dataclass
class Row:
    """A table row and what it shows."""
    cells: list[Cell]
    kind: str = ""  # oei, aei, indicador, ao, figura, conteo, publicado, …
    code: str | None = None
    band: str | None = None  # band of the row's main figure
    status: str | None = None  # for the published table: coincide / difiere / …


@dataclass
class Table:
    """A report table: title, headers, rows and a note."""
    key: str
    title: str
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    note: str | None = None

    def text_rows(self) -> list[list[str]]:
        return [[c.text for c in r.cells] for r in self.rows]


def markdown_cell(text: str) -> str:
    """A cell safe inside a markdown table: no line breaks, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def band_label(ev: Evaluation, f: Figure | None, lang: str = "es") -> str:
    """The band of a figure as a word in ``lang`` (the rule set's etiqueta / etiqueta_en)."""
    if f is None:
        return ""
    if f.band is not None:
        return band_name_label(ev.rules, f.scale, f.band.name, f.band.label, lang)
    if f.scale:
        return no_data_label(ev.rules, lang)
    return ""


def value_cell(ev: Evaluation, f: Figure | None, lang: str) -> Cell:
    """The figure as printed (the rule set's decimals); on hover, every digit of the exact
    value, or why there is no value."""
    if f is None:
        return Cell("")
    title = exact_text(f) if f.value is not None else _human(f.reason or "", ev, lang)
    return Cell(num(f.value, lang), band=f.band_name, numeric=True, sort=f.value, title=title or None)


def band_cell(ev: Evaluation, f: Figure | None, lang: str = "es") -> Cell:
    if f is None:
        return Cell("")
    return Cell(band_label(ev, f, lang), band=f.band_name)


def figure_pair(ev: Evaluation, f: Figure | None, lang: str) -> list[Cell]:
    return [value_cell(ev, f, lang), band_cell(ev, f, lang)]


# --- which rule-set figures go where -------------------------------------------------------


def entity_kinds(ev: Evaluation) -> tuple[dict[str, str], list[str]]:
    """For OEI and AEI: the aggregate that is 'the advance' (it aggregates the principal
    indicator advance) and the other entity-level aggregates (extra columns)."""
    rules = ev.rules
    advance: dict[str, str] = {}
    extra: list[str] = []
    for k in rules.order:
        ag = rules.aggregates[k]
        if ag.scope not in ("oei", "aei"):
            continue
        if ag.value == PRINCIPAL and ag.scope not in advance:
            advance[ag.scope] = k
        else:
            extra.append(k)
    return advance, extra


def ao_inputs(figs: list[Figure | None]) -> dict[str, Decimal | None]:
    """An AO's plan values (programado, ejecutado ...) as its figures took them."""
    inputs: dict[str, Decimal | None] = {}
    for f in figs:
        for i in f.inputs if f else []:
            inputs.setdefault(i.name, i.value)
    return inputs


def ao_kinds(ev: Evaluation) -> list[str]:
    return [n for n, fm in ev.rules.formulas.items() if fm.scope == "ao"]


def plan_figures(ev: Evaluation) -> list[Figure]:
    return [f for f in ev.figures.values() if f.scope == "plan"]


def weighted_plan_kinds(rules) -> list[str]:
    return [k for k in rules.order if rules.aggregates[k].scope == "plan" and rules.aggregates[k].method in V.WEIGHTED_METHODS]


# --- the tables ------------------------------------------------------------------------------


def _period_value(ev: Evaluation, ind, name: str, annual):
    """An indicator's target or obtained value for the evaluated period: the year's, or in a
    semestral evaluation the semester's, as the principal advance's formula used it."""
    if ev.semester is None:
        return annual
    f = ev.figures.get(f"avance_{ev.rules.principal}:{ind.codigo}")
    for inp in f.inputs if f else []:
        if inp.name == name:
            return inp.value
    return None


def objectives_table(ev: Evaluation, lang: str) -> Table:
    """OEI, its indicators, then each AEI and its indicators: the order of the report."""
    rules, m, y = ev.rules, ev.plan.model, ev.year
    period = ev.period_key  # "2023", or "2025-S1" in a semestral evaluation
    advance, extra = entity_kinds(ev)
    headers = [t(lang, "code"), t(lang, "name"), t(lang, "expected", year=period), t(lang, "obtained", year=period), t(lang, "rep_advance"), t(lang, "band")]
    for k in extra:
        headers += [f"{kind_label(rules, k, lang)} (%)", t(lang, "band")]
    tb = Table("objetivos", t(lang, "rep_objectives_title", year=y), headers)
    by_owner: dict[str, list] = {}
    for ind in m.indicador:
        by_owner.setdefault(ind.de, []).append(ind)

    def entity_row(kind: str, code: str, name: str) -> Row:
        f = ev.figures.get(f"{advance[kind]}:{code}") if kind in advance else None
        cells = [Cell(code), Cell(name), Cell(""), Cell("")] + figure_pair(ev, f, lang)
        for k in extra:
            ef = ev.figures.get(f"{k}:{code}") if rules.aggregates[k].scope == kind else None
            cells += figure_pair(ev, ef, lang)
        return Row(cells, kind=kind, code=code, band=f.band_name if f else None)

    def indicator_rows(owner: str) -> list[Row]:
        out = []
        for ind in by_owner.get(owner, []):
            f = ev.figures.get(f"{PRINCIPAL}:{ind.codigo}")
            expected = _period_value(ev, ind, "esperado", ind.logro_esperado.get(y))
            obtained = _period_value(ev, ind, "obtenido", ind.valor_obtenido.get(y))
            cells = [
                Cell(ind.codigo),
                Cell(ind.nombre),
                Cell(num(expected, lang), numeric=True, sort=expected),
                Cell(num(obtained, lang), numeric=True, sort=obtained),
            ] + figure_pair(ev, f, lang)
            cells += [Cell(""), Cell("")] * len(extra)
            out.append(Row(cells, kind="indicador", code=ind.codigo, band=f.band_name if f else None))
        return out

    seen: set[str] = set()
    for o in m.oei:
        tb.rows.append(entity_row("oei", o.codigo, o.denominacion))
        tb.rows += indicator_rows(o.codigo)
        seen.add(o.codigo)
        for a in m.aei:
            if a.oei == o.codigo:
                tb.rows.append(entity_row("aei", a.codigo, a.denominacion))
                tb.rows += indicator_rows(a.codigo)
                seen.add(a.codigo)
    for a in m.aei:  # an AEI whose OEI is missing (lenient loading) still shows
        if a.codigo not in seen:
            tb.rows.append(entity_row("aei", a.codigo, a.denominacion))
            tb.rows += indicator_rows(a.codigo)
    return tb


def plan_figures_table(ev: Evaluation, lang: str) -> Table:
    tb = Table("cifras", t(lang, "plan_figures"), [t(lang, "figure"), t(lang, "value"), t(lang, "band")])
    for f in plan_figures(ev):
        tb.rows.append(Row([Cell(kind_label(ev.rules, f.kind, lang))] + figure_pair(ev, f, lang), kind="figura", code=f.id, band=f.band_name))
    return tb


def counts_table(ev: Evaluation, lang: str) -> Table:
    rules = ev.rules
    headers: list[str] = [t(lang, "figure")]
    tb = Table("semaforo", t(lang, "counts") + f" ({ev.year})", headers)
    first = True
    for c in ev.counts.values():
        scale = rules.scales[rules.band_for[c.figure]]
        if first:
            headers += [f"{band_name_label(rules, scale.name, b.name, b.label, lang)} {b.text}" for b in scale.bands] + [no_data_label(rules, lang), t(lang, "total")]
            first = False
        cells = [Cell(count_label(rules, c.name, c.label, lang))]
        cells += [Cell(num(c.counts[b.name], lang), band=b.name, numeric=True, sort=Decimal(c.counts[b.name])) for b in scale.bands]
        cells += [Cell(num(c.counts[ND], lang), band=ND, numeric=True, sort=Decimal(c.counts[ND])), Cell(num(c.total, lang), numeric=True, sort=Decimal(c.total))]
        tb.rows.append(Row(cells, kind="conteo", code=c.name))
    return tb


def poi_table(ev: Evaluation, lang: str) -> Table | None:
    y = ev.year
    poi = ev.plan.model.poi.get(y)
    if poi is None:
        return None
    tb = Table("poi", t(lang, "poi", year=y), [t(lang, "figure"), t(lang, "value"), t(lang, "band")])
    tb.rows.append(Row([Cell(t(lang, "ao_count")), Cell(num(len(poi.ao), lang), numeric=True), Cell("")], kind="poi"))
    tb.rows.append(Row([Cell(t(lang, "pim")), Cell(money(poi.pim, lang), numeric=True, sort=poi.pim), Cell("")], kind="poi"))
    tb.rows.append(Row([Cell(t(lang, "devengado")), Cell(money(poi.devengado, lang), numeric=True, sort=poi.devengado), Cell("")], kind="poi"))
    rules = ev.rules
    for f in plan_figures(ev):
        from_poi = f.kind in rules.formulas or (f.kind in rules.aggregates and rules.aggregates[f.kind].members == "ao")
        if from_poi:
            tb.rows.append(Row([Cell(kind_label(rules, f.kind, lang))] + figure_pair(ev, f, lang), kind="figura", code=f.id, band=f.band_name))
    return tb


def ao_table(ev: Evaluation, lang: str) -> Table | None:
    y = ev.year
    poi = ev.plan.model.poi.get(y)
    kinds = ao_kinds(ev)
    if poi is None or not poi.ao or not kinds:
        return None
    rules = ev.rules
    headers = [t(lang, "rep_ao"), "AEI", t(lang, "name"), t(lang, "rep_programmed"), t(lang, "rep_executed")]
    for k in kinds:
        headers += [f"{kind_label(rules, k, lang)} (%)", t(lang, "band")]
    tb = Table("ao", t(lang, "rep_ao_title", year=y), headers)
    for ao in poi.ao:
        figs = [ev.figures.get(f"{k}:{ao.codigo}") for k in kinds]
        inputs = ao_inputs(figs)
        cells = [
            Cell(ao.codigo),
            Cell(ao.aei),
            Cell(ao.denominacion or ""),
            Cell(num(inputs.get("programado"), lang), numeric=True, sort=inputs.get("programado")),
            Cell(num(inputs.get("ejecutado"), lang), numeric=True, sort=inputs.get("ejecutado")),
        ]
        for f in figs:
            cells += figure_pair(ev, f, lang)
        main = figs[0]
        tb.rows.append(Row(cells, kind="ao", code=ao.codigo, band=main.band_name if main else None))
    if not any(ao.denominacion for ao in poi.ao):  # the plan names no AO: drop the empty column
        del tb.headers[2]
        for r in tb.rows:
            del r.cells[2]
    return tb


def not_recomputable_table(ev: Evaluation, lang: str) -> Table | None:
    secondary = {f"avance_{k}" for k in ev.rules.advance_kinds}
    nr = [f for f in ev.not_recomputable() if f.kind not in secondary]
    if not nr:
        return None
    tb = Table("no_recalculables", t(lang, "not_recomputable"), [t(lang, "figure"), t(lang, "reason")])
    for f in nr:
        tb.rows.append(Row([Cell(_human(f.id, ev, lang), band=ND), Cell(_human(f.reason or "", ev, lang))], kind="nd", code=f.id, band=ND))
    return tb


# --- published vs recomputed -------------------------------------------------------------------



#: a recomputed value shown with more decimals than this is rounded for reading (every digit on hover)
MAX_SHOWN_DECIMALS = 4


def _places(text: str | None) -> int | None:
    d = _audit.printed_number(text) if text and _looks_numeric(text) else None
    exp = d.as_tuple().exponent if d is not None else None
    return max(0, -exp) if isinstance(exp, int) else None


def _maybe_num_cell(text: str | None, lang: str, band: str | None = None, places: int | None = None) -> Cell:
    """A printed number as a right-aligned cell; a long exact value rounded to the published
    decimals (``places``) with every digit in the tooltip."""
    if text is None:
        return Cell("", band=band)
    d = _audit.printed_number(text) if _looks_numeric(text) else None
    if d is None:
        return Cell(text, band=band)
    exp = d.as_tuple().exponent
    if isinstance(exp, int) and -exp > MAX_SHOWN_DECIMALS:
        shown = d.quantize(Decimal(1).scaleb(-(places if places is not None else 2)), rounding=V.ROUNDING_MODES["half_up"])
        return Cell(num(shown, lang) + "…", band=band, numeric=True, sort=d, title=text)
    return Cell(num(d, lang), band=band, numeric=True, sort=d)


def _looks_numeric(text: str) -> bool:
    s = text.strip()
    return bool(s) and all(ch.isdigit() or ch in "+-.,'% " for ch in s) and any(ch.isdigit() for ch in s)


def published_table(ev: Evaluation, lang: str) -> Table | None:
    """Each ``[[publicado]]`` value beside the recomputed one, with the status and the probable
    causes ``pei_rules.audit`` finds (its status vocabulary: match, mismatch, not_recomputable)."""
    pubs = ev.plan.model.publicado
    if not pubs:
        return None
    headers = [t(lang, "figure"), t(lang, "rep_published"), t(lang, "rep_recomputed"), t(lang, "rep_difference"), t(lang, "rep_status"), t(lang, "rep_source")]
    tb = Table("publicado", t(lang, "rep_published_title"), headers + [t(lang, "rep_causes")], note=t(lang, "rep_published_note_audit"))
    for e in _audit.audit(ev):
        status_text = t(lang, f"aud_status_{e.status}")
        if e.reason and e.recomputed is None:
            status_text += f": {_human(e.reason, ev, lang)}"
        places = _places(e.published)
        cells = [
            Cell(_human(e.resolved or e.figure, ev, lang)),
            _maybe_num_cell(e.published, lang),
            _maybe_num_cell(e.recomputed, lang, places=places) if e.recomputed is not None else Cell(t(lang, "no_data")),
            _maybe_num_cell(e.difference, lang, places=places),
            Cell(status_text),
            Cell(e.source),
            Cell("; ".join(_human(str(c), ev, lang) for c in e.causes)),
        ]
        tb.rows.append(Row(cells, kind="publicado", code=e.figure, status=e.status))
    return tb


def receipt_table(ev: Evaluation, lang: str) -> Table:
    """The receipt (versions, hashes, the rule set and why it was chosen): the report's last annex."""
    tb = Table("recibo", t(lang, "doc_html_receipt"), [t(lang, "doc_receipt_key"), t(lang, "value")], note=t(lang, "doc_a_receipt_intro"))
    for k, v in receipt_rows(ev, lang):
        tb.rows.append(Row([Cell(k), Cell(v)], kind="recibo"))
    return tb


def trace_table(ev: Evaluation, lang: str) -> Table:
    """Where each plan, OEI and AEI figure comes from: its address and the rule file:line."""
    tb = Table("trazabilidad", t(lang, "doc_t_trace"), [t(lang, "figure"), t(lang, "doc_figure_id"), t(lang, "value"), t(lang, "doc_exact"), t(lang, "doc_origin")])
    for f in ev.figures.values():
        if f.scope in ("plan", "oei", "aei"):
            shown = Cell(num(f.value, lang), numeric=True, sort=f.value)
            tb.rows.append(Row([Cell(_human(f.id, ev, lang)), Cell(f.id), shown, Cell(exact_text(f)), Cell(rule_origin(f.rule))], kind="traza", code=f.id))
    return tb


def references_table(ev: Evaluation, lang: str) -> Table | None:
    """The legal references the rule set gives for its rules (``[referencias]``)."""
    refs = references(ev.rules)
    if not refs:
        return None
    tb = Table("referencias", t(lang, "ref_table_title"), [t(lang, "ref_col_rule"), t(lang, "ref_col_reference")])
    for ref in refs.values():
        tb.rows.append(Row([Cell(_rule_name(ev, ref.path, lang)), Cell(ref.text())], kind="referencia", code=".".join(ref.path)))
    return tb


def _rule_name(ev: Evaluation, path: tuple, lang: str) -> str:
    """A documented rule as a reader knows it: the label of the figure, the scale or the
    table it sets (its key path otherwise)."""
    rules = ev.rules
    if len(path) >= 2 and path[0] in ("formulas", "agregados"):
        return kind_label(rules, path[1], lang)
    if len(path) >= 3 and path[:2] == ("avance", "tipos"):
        return kind_label(rules, f"avance_{path[2]}", lang)
    if len(path) >= 3 and path[:2] == ("semaforo", "escalas") and path[2] in rules.scales:
        return rules.scales[path[2]].label
    return humanize(".".join(path), ev, lang)


def report_tables(ev: Evaluation, lang: str = "es") -> list[Table]:
    """Every table of the report, in order; ``None`` sections (no POI, nothing published) left
    out; the receipt and the figures' origins last, as an annex."""
    out = [
        plan_figures_table(ev, lang),
        objectives_table(ev, lang),
        counts_table(ev, lang),
        poi_table(ev, lang),
        ao_table(ev, lang),
        not_recomputable_table(ev, lang),
        published_table(ev, lang),
        references_table(ev, lang),
        receipt_table(ev, lang),
        trace_table(ev, lang),
    ]
    return [tb for tb in out if tb is not None]
