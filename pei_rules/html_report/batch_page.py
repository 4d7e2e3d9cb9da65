"""The batch page: one sortable row per entity (read from a ``pei-rules batch`` folder or
evaluated here), plan-level figures and semáforo counts, a distribution chart per figure."""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import api
from .. import batch as B
from .._version import __version__
from ..audit import printed_number
from ..batch import discover
from ..errors import PeiError, UsageError
from ..evaluate import ND
from ..files import LIMIT_JSON, inside, read_text_limited
from ..i18n import msg, t
from ..jsonformat import expand
from ..render import to_json_obj
from ..outputs.common import band_name_label, count_label, kind_label, no_data_label
from ..report_model import num, weighted_plan_kinds
from ..ruleset import RuleSet, load_ruleset, resolve
from .charts import figure_block, histogram, legend
from .common import BATCH_CSS, SORT_JS, band_class, band_css, css_name, document, esc, page_margin_css, rules_colors, scale_of


@dataclass
class EntityResult:
    """One entity of a batch: the ``evaluate --format json`` structure, or an error."""

    n: int
    file: str
    status: str  # "ok" or "error"
    code: str | None = None
    name: str | None = None
    year: int | None = None
    rules_id: str | None = None
    data: dict | None = None
    error: str | None = None
    rules: RuleSet | None = None


@dataclass
class BatchData:
    entities: list[EntityResult]
    source: str
    year: int | None
    warnings: list[str] = field(default_factory=list)
    created: str = ""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(read_text_limited(path, LIMIT_JSON, "JSON"))
    except ValueError as exc:
        raise UsageError(msg("html_not_json", file=str(path), detail=str(exc))) from None


def is_batch_folder(path: Path) -> bool:
    return path.is_dir() and (path / B.SUMMARY_JSON).is_file()


def load_batch_folder(folder: Path) -> BatchData:
    """Read a ``pei-rules batch`` output folder: its summary, manifest and per-entity JSON files."""
    summary = _read_json(folder / B.SUMMARY_JSON)
    if not isinstance(summary, dict) or not isinstance(summary.get("rows"), list):
        raise UsageError(msg("html_not_batch_summary", file=str(folder / B.SUMMARY_JSON)))
    warnings = []
    problems = B.verify_manifest(folder)
    if problems:
        warnings.append("; ".join(problems[:5]) + (f" (+{len(problems) - 5})" if len(problems) > 5 else ""))
    listed: dict[int, str] = {}
    manifest = folder / B.MANIFEST
    if manifest.is_file():
        try:
            for o in json.loads(read_text_limited(manifest, LIMIT_JSON, "JSON")).get("outputs", []):
                if not isinstance(o, dict) or not isinstance(o.get("path"), str):
                    continue  # verify_manifest names the malformed entry
                m = re.match(rf"{re.escape(B.ENTITY_DIR)}/(\d+)-", o["path"])
                if m and inside(folder / o["path"], folder):  # a manifest never points outside its folder
                    listed[int(m.group(1))] = o["path"]
        except (PeiError, ValueError, AttributeError):
            pass
    out = []
    for i, row in enumerate(summary["rows"], 1):
        if not isinstance(row, dict):
            raise UsageError(msg("html_row_not_object", file=str(folder / B.SUMMARY_JSON), n=i))
        try:
            n = int(row.get("n") or i)
        except (TypeError, ValueError):
            raise UsageError(msg("html_row_n_not_number", file=str(folder / B.SUMMARY_JSON), n=i, value=repr(row.get("n")))) from None
        er = EntityResult(
            n=n,
            file=str(row.get("archivo") or ""),
            status="ok" if row.get("estado") == B.OK else "error",
            code=row.get("entidad_codigo"),
            name=row.get("entidad_nombre"),
            year=row.get("anio"),
            rules_id=row.get("conjunto_reglas"),
        )
        if er.status == "ok":
            rel = listed.get(n) or f"{B.ENTITY_DIR}/{B.entity_file_name(n, er.code)}"
            p = folder / rel
            if p.is_file():
                data = expand(_read_json(p), str(p))  # compact per-entity files (format_version 2) read as version 1
                if isinstance(data, dict) and isinstance(data.get("figures"), list) and isinstance(data.get("counts", []), list):
                    er.data = data
                else:
                    er.status, er.error = "error", msg("html_not_evaluation", file=str(p))
            else:
                er.status, er.error = "error", msg("html_entity_missing", file=str(p))
        else:
            loc = row.get("error_archivo") or er.file
            if row.get("error_linea"):
                loc += f":{row['error_linea']}"
            er.error = f"{loc}: {row.get('error') or ''}"
        out.append(er)
    return BatchData(out, str(folder), summary.get("year"), warnings, str(summary.get("created") or ""))


def evaluate_plans(inputs: Sequence[str], year: int | None = None, rules: str | None = None, *, overrides: bool = True) -> BatchData:
    """Evaluate plan files (or folders of them) here, one at a time; a broken plan is a row."""
    paths = discover(inputs)
    if not paths:
        raise UsageError(msg("bat_no_plan_files"))
    out = []
    created = ""
    for i, p in enumerate(paths, 1):
        try:
            ev = api.evaluate_file(p, year, rules, overrides=overrides)
        except PeiError as exc:
            er = EntityResult(i, str(p), "error", error=str(exc).splitlines()[0])
            try:  # a plan that loads but does not evaluate still names its entity
                m = api.load_plan(p).model
                er.code, er.name = m.entidad.codigo, m.entidad.nombre
            except PeiError:
                pass
            out.append(er)
            continue
        created = created or ev.created
        m = ev.plan.model
        out.append(EntityResult(i, str(p), "ok", m.entidad.codigo, m.entidad.nombre, ev.year, ev.rules.id, to_json_obj(ev), rules=ev.rules))
    return BatchData(out, ", ".join(inputs), year, created=created)


def entity_rules(er: EntityResult, cache: dict[str, RuleSet | None]) -> RuleSet | None:
    """The rule set an entity of a batch was evaluated with (loaded once per id), or None."""
    if er.rules is not None:
        return er.rules
    rid = er.rules_id or ((er.data or {}).get("receipt", {}).get("rule_set", {}) or {}).get("id")
    if not rid:
        return None
    if rid not in cache:
        try:
            cache[rid] = load_ruleset(resolve(rid))
        except PeiError:  # a rule set not found here: no band backdrop, colours by position
            cache[rid] = None
    return cache[rid]


@dataclass
class _BatchColumns:
    """The figure and count columns of a batch table, in the order of first appearance
    (weighted figures first: the headline of a batch), labelled in the reader's language."""

    figures: list[tuple[str, str]] = field(default_factory=list)  # (figure id, label)
    counts: list[tuple[str, str, list[tuple[str, str]]]] = field(default_factory=list)  # (name, label, [(band, label)])
    show_rules: bool = False
    band_words: dict[str, str] = field(default_factory=dict)  # band name -> its word (the first rule set's)

    def width(self) -> int:
        return len(self.figures) + sum(len(b) for _, _, b in self.counts)


def batch_columns(data: BatchData, cache: dict[str, RuleSet | None], rules_list: list[RuleSet], lang: str) -> _BatchColumns:
    """The columns of a batch's table (the page's and the workbook's)."""
    cols = _BatchColumns(show_rules=len({e.rules_id for e in data.entities if e.rules_id}) > 1)
    cols.band_words = _band_labels(rules_list[0] if rules_list else None, lang)
    for e in data.entities:
        if e.status != "ok" or not e.data:
            continue
        r = entity_rules(e, cache)
        for f in e.data.get("figures", []):
            if f.get("scope") == "plan" and f["id"] not in [c for c, _ in cols.figures]:
                kind = f.get("kind") or f["id"]
                cols.figures.append((f["id"], kind_label(r, kind, lang) if r is not None and kind in r.figure_kinds() else (f.get("label") or f["id"])))
        for c in e.data.get("counts", []):
            if c["name"] not in [n for n, _, _ in cols.counts]:
                bands = list(c.get("counts", {}).keys())
                labels = _band_labels(r, lang)
                label = c.get("label") or c["name"]
                cols.counts.append((c["name"], count_label(r, c["name"], label, lang) if r is not None else label, [(b, labels.get(b, b)) for b in bands]))
    weighted = _weighted_ids(rules_list)
    cols.figures.sort(key=lambda c: 0 if c[0] in weighted else 1)
    return cols


def _batch_head(cols: _BatchColumns, lang: str) -> str:
    base = (t(lang, "rep_n"), t(lang, "rep_entity_code"), t(lang, "entity"), t(lang, "rep_state")) + ((t(lang, "rule_set"),) if cols.show_rules else ())
    col = 0
    head1, head2 = [], []
    for h in base:
        head1.append(f'<th rowspan="2" scope="col" data-col="{col}">{esc(h)}</th>')
        col += 1
    for _, lbl in cols.figures:
        head1.append(f'<th rowspan="2" scope="col" class="num" data-col="{col}">{esc(lbl)} (%)</th>')
        col += 1
    for _, lbl, bands in cols.counts:
        head1.append(f'<th colspan="{len(bands)}" scope="colgroup">{esc(lbl)}</th>')
        for b, blbl in bands:
            head2.append(f'<th scope="col" class="num {band_class(b)}" data-col="{col}">{esc(blbl)}</th>')
            col += 1
    return f"<tr>{''.join(head1)}</tr><tr>{''.join(head2)}</tr>"


def _batch_figure_cell(f: dict | None, rules: RuleSet | None, lang: str) -> str:
    if f is None:
        return '<td class="num"></td>'
    v = printed_number(f.get("value"))
    band = f.get("band")
    word = f.get("band_label") or ""
    if rules is not None and band and f.get("scale"):
        word = band_name_label(rules, f["scale"], band, word, lang)
    cls = " ".join(x for x in ("num", band_class(band)) if x)
    sort = f' data-sort="{esc(v)}"' if v is not None else ""
    return f'<td class="{cls}" data-band="{esc(band or "")}"{sort}>{esc(num(v, lang))}<br><small class="word">{esc(word)}</small></td>'


def _batch_row(e: EntityResult, cols: _BatchColumns, rules: RuleSet | None, lang: str) -> str:
    figs = {f["id"]: f for f in (e.data or {}).get("figures", [])}
    counts = {c["name"]: c for c in (e.data or {}).get("counts", [])}
    state = t(lang, "rep_state_ok") if e.status == "ok" else t(lang, "rep_state_error")
    cells = [
        f'<td class="num" data-sort="{e.n}">{e.n}</td>',
        f"<td>{esc(e.code or '')}</td>",
        f'<td title="{esc(e.file)}">{esc(e.name or e.file)}</td>',
        f'<td class="state-{esc(e.status)}">{esc(state)}</td>',
    ] + ([f"<td>{esc(e.rules_id or '')}</td>"] if cols.show_rules else [])
    classes = ["entidad", f"state-{css_name(e.status)}"]
    if e.status != "ok":  # the message spans the figure columns: readable, and sorts as empty
        cells.append(f'<td class="error-msg" colspan="{max(cols.width(), 1)}">{esc(e.error or "")}</td>')
        return f'<tr class="{" ".join(classes)}" data-code="{esc(e.code or "")}">{"".join(cells)}</tr>'
    cells += [_batch_figure_cell(figs.get(fid), rules, lang) for fid, _ in cols.figures]
    for name, _, bands in cols.counts:
        c = counts.get(name)
        for b, _ in bands:
            n = c["counts"].get(b) if c else None
            cls = "num " + band_class(b) if n else "num"
            cells.append(f'<td class="{cls}" data-sort="{"" if n is None else n}">{"" if n is None else f"{n:,}"}</td>')
    main = next((figs.get(c) for c, _ in cols.figures if figs.get(c)), None)
    row_band = main.get("band") if main else None
    classes += [band_class(row_band)] if row_band else []
    return f'<tr class="{" ".join(classes)}" data-code="{esc(e.code or "")}"' + (f' data-band="{esc(row_band)}"' if row_band else "") + f">{''.join(cells)}</tr>"


def _batch_charts(ok: list[EntityResult], cols: _BatchColumns, cache: dict[str, RuleSet | None], colors: dict[str, str], rules_list: list[RuleSet], lang: str) -> list[str]:
    """A distribution across entities of each plan-level figure."""
    charts = []
    for fid, lbl in cols.figures:
        vals = []
        scale = None
        for e in ok:
            f = next((x for x in e.data.get("figures", []) if x["id"] == fid), None)
            if f is None:
                continue
            vals.append(printed_number(f.get("value")))
            r = entity_rules(e, cache)
            if scale is None and r is not None:
                scale = scale_of(r, f.get("kind") or fid)
        if not vals or scale is None and not any(v is not None for v in vals):
            continue
        cap = t(lang, "rep_chart_entities", label=lbl)
        nd_label = no_data_label(rules_list[0], lang) if rules_list else t(lang, "no_data")
        charts.append(figure_block(cap, histogram(cap, vals, scale, colors, lang, t(lang, "rep_entities"), cls=f"hist chart-{css_name(fid)}"), legend(scale, nd_label, rules_list[0] if rules_list else None, lang)))
    return charts


def _batch_header(data: BatchData, title: str, n_ok: int, lang: str) -> str:
    warn = "".join(f'<p class="warn">{esc(t(lang, "rep_manifest_missing", problems=w))}</p>' for w in data.warnings)
    return (
        f'<header><p class="kicker">pei-rules · {esc(t(lang, "rep_entities"))}</p><h1>{esc(title)}</h1>'
        f'<dl class="meta"><dt>{esc(t(lang, "rep_source_folder"))}</dt><dd>{esc(data.source)}</dd>'
        f'<dt>{esc(t(lang, "rep_entities"))}</dt><dd>{esc(t(lang, "rep_plans_evaluated", ok=n_ok, n=len(data.entities)))}</dd>'
        f'<dt>{esc(t(lang, "rule_set"))}</dt><dd>{esc(", ".join(sorted({e.rules_id for e in data.entities if e.rules_id})))}</dd></dl></header>'
    ) + warn


def render_batch_html(data: BatchData, lang: str = "es") -> str:
    """One row per entity, sortable, with plan-level figures, semáforo counts and a distribution chart."""
    cache: dict[str, RuleSet | None] = {}
    rules_list = [r for r in (entity_rules(e, cache) for e in data.entities) if r is not None]
    colors = rules_colors(rules_list)
    ok = [e for e in data.entities if e.status == "ok" and e.data]
    cols = batch_columns(data, cache, rules_list, lang)
    year = data.year or next((e.year for e in data.entities if e.year), None)
    body = "".join(_batch_row(e, cols, entity_rules(e, cache), lang) for e in data.entities)
    table = f'<table id="tabla-entidades" class="sortable batch"><thead>{_batch_head(cols, lang)}</thead><tbody>{body}</tbody></table>'
    charts = _batch_charts(ok, cols, cache, colors, rules_list, lang)
    title = t(lang, "rep_batch_title", year=year if year is not None else "")
    body_html = (
        _batch_header(data, title, len(ok), lang)
        + f'<section id="entidades"><h2>{esc(t(lang, "rep_entities"))}</h2><p class="note no-print">{esc(t(lang, "rep_sort_hint"))}</p>{table}</section>'
        + (f'<section id="graficos"><h2>{esc(t(lang, "rep_charts"))}</h2>{"".join(charts)}</section>' if charts else "")
        + f"<footer>{esc(t(lang, 'rep_generated', version=__version__, created=data.created))}</footer>"
    )
    return document(title, lang, band_css(colors) + BATCH_CSS, body_html, script=SORT_JS, page_css=page_margin_css(title, lang, landscape=True))


def _band_labels(rules: RuleSet | None, lang: str = "es") -> dict[str, str]:
    out = {}
    if rules is not None:
        for scale in rules.scales.values():
            for b in scale.bands:
                out.setdefault(b.name, band_name_label(rules, scale.name, b.name, b.label, lang))
        out[ND] = no_data_label(rules, lang)
    return out


def _weighted_ids(rules_list: list[RuleSet]) -> set[str]:
    out: set[str] = set()
    for r in rules_list:
        out |= set(weighted_plan_kinds(r))
    return out
