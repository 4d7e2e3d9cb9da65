"""The report of one evaluation: header, summary cards, the report model's tables and
their charts."""
from __future__ import annotations

from .._version import __version__
from ..evaluate import ND, Evaluation
from ..i18n import t
from ..outputs.common import band_name_label, count_label, kind_label, no_data_label
from ..report_model import Cell, Table, band_label, entity_kinds, num, report_tables
from .charts import bar_chart, figure_block, histogram, legend, stacked_counts
from .common import band_class, band_css, css_name, document, esc, page_margin_css, rules_colors, scale_of


def _cell_html(c: Cell, tag: str = "td") -> str:
    classes = []
    if c.numeric:
        classes.append("num")
    if c.band:
        classes.append(band_class(c.band))
        if not c.numeric and c.text:
            classes.append("word")
    attrs = f' class="{" ".join(classes)}"' if classes else ""
    if c.band:
        attrs += f' data-band="{esc(c.band)}"'
    if c.sort is not None:
        attrs += f' data-sort="{esc(c.sort)}"'
    if c.title:
        attrs += f' title="{esc(c.title)}"'
    return f"<{tag}{attrs}>{esc(c.text)}</{tag}>"


def table_html(tb: Table, sortable: bool = False) -> str:
    numeric_cols = set()
    for r in tb.rows:
        for i, c in enumerate(r.cells):
            if c.numeric:
                numeric_cols.add(i)
    head = "".join(f'<th scope="col"{" class=num" if i in numeric_cols else ""}>{esc(h)}</th>' for i, h in enumerate(tb.headers))
    body = []
    for r in tb.rows:
        classes = [css_name(r.kind)] if r.kind else []
        if r.band:
            classes.append(band_class(r.band))
        if r.status:
            classes.append(f"status-{css_name(r.status)}")
        attrs = f' class="{" ".join(classes)}"' if classes else ""
        if r.code:
            attrs += f' data-code="{esc(r.code)}"'
        if r.band:
            attrs += f' data-band="{esc(r.band)}"'
        body.append(f"<tr{attrs}>" + "".join(_cell_html(c) for c in r.cells) + "</tr>")
    cls = ' class="sortable"' if sortable else ""
    note = f'<p class="note">{esc(tb.note)}</p>' if tb.note else ""
    return f'<table id="tabla-{css_name(tb.key)}"{cls}><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{note}'


def _header(ev: Evaluation, lang: str) -> str:
    m = ev.plan.model
    r = ev.rules
    rc = ev.receipt()
    title = t(lang, "evaluation_title", year=ev.year, tipo=m.plan.tipo, desde=m.plan.desde, hasta=m.plan.hasta)
    meta = [
        (t(lang, "entity"), f"{m.entidad.nombre} ({m.entidad.codigo})" + (f" — {m.entidad.pliego}" if m.entidad.pliego else "")),
        (t(lang, "plan_file"), f"{m.plan.tipo} {m.plan.desde}-{m.plan.hasta}" + (f" — {m.plan.aprobacion}" if m.plan.aprobacion else "")),
        (t(lang, "rep_year"), f"{ev.year} ({rc.get('period', '')})"),
        (t(lang, "rule_set"), f"{r.id} — {r.title}"),
        (t(lang, "rep_directive"), r.directive),
    ]
    # versions, hashes and why the rule set was chosen: in the last annex ("Recibo y trazabilidad")
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in meta if v)
    return (
        f'<header><p class="kicker">{esc(m.plan.tipo)} {m.plan.desde}-{m.plan.hasta} · {esc(m.entidad.codigo)}</p>'
        f"<h1>{esc(title)}</h1><p class=\"entity\">{esc(m.entidad.nombre)}</p><dl class=\"meta\">{dl}</dl></header>"
    )


def _cards(ev: Evaluation, lang: str) -> str:
    out = []
    for f in ev.figures.values():
        if f.scope != "plan":
            continue
        word = band_label(ev, f, lang)
        title = f' title="{esc(f.exact)}"' if f.exact is not None else ""
        out.append(
            f'<div class="card {band_class(f.band_name)}" data-figure="{esc(f.id)}"><div class="label">{esc(kind_label(ev.rules, f.kind, lang))}</div>'
            f'<div class="value"{title}>{esc(num(f.value, lang))}{" %" if f.value is not None else ""}</div><div class="word">{esc(word)}</div></div>'
        )
    return f'<div class="cards">{"".join(out)}</div>'


def _entity_charts(ev: Evaluation, colors: dict[str, str], lang: str, principal: bool) -> str:
    """Bars per AEI: the AEI advance (``principal``, shown in the summary) or the other AEI aggregates."""
    rules = ev.rules
    advance, extra = entity_kinds(ev)
    if principal:
        kinds = [advance["aei"]] if "aei" in advance else []
    else:
        kinds = [k for k in extra if rules.aggregates[k].scope == "aei"]
    out = []
    for k in kinds:
        scale = scale_of(rules, k, lang)
        items = []
        for a in ev.plan.model.aei:
            f = ev.figures.get(f"{k}:{a.codigo}")
            if f is None:
                continue
            items.append((a.codigo, a.denominacion, f.value, f.band_name, band_label(ev, f, lang)))
        if items:
            cap = t(lang, "rep_chart_entity", label=kind_label(rules, k, lang))
            out.append(figure_block(cap, bar_chart(cap, items, scale, colors, lang, cls=f"bars chart-{css_name(k)}"), legend(scale, no_data_label(rules, lang), rules, lang)))
    return "".join(out)


def _ao_charts(ev: Evaluation, colors: dict[str, str], lang: str) -> str:
    rules = ev.rules
    out = []
    poi = ev.plan.model.poi.get(ev.year)
    if poi is None:
        return ""
    for k, fm in rules.formulas.items():
        if fm.scope != "ao":
            continue
        vals = [ev.figures[f"{k}:{ao.codigo}"].value for ao in poi.ao if f"{k}:{ao.codigo}" in ev.figures]
        if not vals:
            continue
        scale = scale_of(rules, k, lang)
        cap = t(lang, "rep_chart_hist", label=kind_label(rules, k, lang))
        out.append(figure_block(cap, histogram(cap, vals, scale, colors, lang, t(lang, "rep_count_axis"), cls=f"hist chart-{css_name(k)}"), legend(scale, no_data_label(rules, lang), rules, lang)))
    return "".join(out)


def _counts_chart(ev: Evaluation, colors: dict[str, str], lang: str) -> str:
    rules = ev.rules
    rows = []
    for c in ev.counts.values():
        scale = rules.scales[rules.band_for[c.figure]]
        segs = [(b.name, band_name_label(rules, scale.name, b.name, b.label, lang), c.counts[b.name]) for b in scale.bands] + [(ND, no_data_label(rules, lang), c.counts[ND])]
        rows.append((count_label(rules, c.name, c.label, lang), segs))
    if not rows:
        return ""
    cap = t(lang, "rep_chart_counts") + f" ({ev.year})"
    return figure_block(cap, stacked_counts(cap, rows, colors, lang))


def render_html(ev: Evaluation, lang: str = "es") -> str:
    """The whole report for one evaluation, as one self-contained HTML document."""
    colors = rules_colors([ev.rules])
    sections = [_header(ev, lang)]
    for tb in report_tables(ev, lang):
        parts = [f'<section id="{css_name(tb.key)}"><h2>{esc(tb.title)}</h2>']
        if tb.key == "cifras":
            parts.append(_cards(ev, lang))
        parts.append(table_html(tb))
        if tb.key == "cifras":
            parts.append(_entity_charts(ev, colors, lang, principal=True))
        elif tb.key == "objetivos":
            parts.append(_entity_charts(ev, colors, lang, principal=False))
        elif tb.key == "semaforo":
            parts.append(_counts_chart(ev, colors, lang))
        elif tb.key == "ao":
            parts.append(_ao_charts(ev, colors, lang))
        parts.append("</section>")
        sections.append("".join(parts))
    rc = ev.receipt()
    footer = f"<footer>{esc(t(lang, 'doc_html_body_receipt', version=__version__, created=rc['created']))}</footer>"
    m = ev.plan.model
    title = t(lang, "evaluation_title", year=ev.year, tipo=m.plan.tipo, desde=m.plan.desde, hasta=m.plan.hasta) + f" — {m.entidad.nombre}"
    header = t(lang, "doc_running_header", entity=m.entidad.pliego or m.entidad.nombre, tipo=m.plan.tipo, desde=m.plan.desde, hasta=m.plan.hasta, year=ev.year)
    return document(title, lang, band_css(colors), "".join(sections) + footer, page_css=page_margin_css(header, lang))
