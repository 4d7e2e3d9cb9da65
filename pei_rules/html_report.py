"""Self-contained HTML reports: one plan's evaluation, or a batch of entities.

One file, no network: inline CSS, charts drawn here as inline SVG, and (batch only) a
few lines of inline JavaScript to sort the table. The tables are those of
:mod:`pei_rules.report_model` (the same ones ``evaluate --format markdown`` prints); each
banded cell and row carries the class ``band-<name>`` with the band's name from the rule
set, and the band is also written as a word. Colours come from the rule set's bands
(``color = "#rrggbb"``); a band without one gets a colour by its position in the scale.

Chart geometry uses floats (pixel positions only); every printed number is a Decimal
formatted by :func:`pei_rules.report_model.num`.
"""
from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import api
from . import batch as B
from ._version import __version__
from .batch import discover
from .errors import PeiError, UsageError
from .evaluate import ND, Evaluation
from .files import LIMIT_JSON, inside, read_text_limited
from .i18n import msg, t
from .jsonformat import expand
from .outputs.common import band_name_label, count_label, kind_label, no_data_label
from .render import to_json_obj
from .report_model import Cell, Table, band_label, entity_kinds, num, report_tables, weighted_plan_kinds
from .ruleset import RuleSet, Scale, load_ruleset, resolve

ND_COLOR = "#9e9e9e"
#: used only for bands that do not say their colour: low to high along the scale
FALLBACK_RAMP = ["#c62828", "#ef6c00", "#f9a825", "#9e9d24", "#2e7d32", "#1565c0", "#6a1b9a"]

W = 760  # chart width in px (the viewBox; charts scale to the page width)


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def css_name(name: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name or "")


def band_class(name: str | None) -> str:
    return f"band-{css_name(name)}" if name else ""


# --- colours -----------------------------------------------------------------------------


def scale_colors(scale: Scale) -> dict[str, str]:
    n = len(scale.bands)
    out = {}
    for i, b in enumerate(scale.bands):
        if b.color:
            out[b.name] = b.color
        else:
            idx = 0 if n == 1 else round(i * (len(FALLBACK_RAMP) - 1) / (n - 1))
            out[b.name] = FALLBACK_RAMP[idx]
    return out


def rules_colors(rules_list: Iterable[RuleSet]) -> dict[str, str]:
    colors: dict[str, str] = {}
    for rules in rules_list:
        for scale in rules.scales.values():
            for k, v in scale_colors(scale).items():
                colors.setdefault(k, v)
    colors[ND] = ND_COLOR
    return colors


def tint(color: str, keep: float = 0.28) -> str:
    """The colour mixed with white: a light cell background that keeps dark text readable."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    mix = lambda c: round(c * keep + 255 * (1 - keep))
    return f"#{mix(r):02x}{mix(g):02x}{mix(b):02x}"


def band_css(colors: dict[str, str]) -> str:
    rules = []
    for name, color in colors.items():
        c = band_class(name)
        rules.append(f"td.{c}{{background:{tint(color)}}} tr.{c}>td:first-child{{border-left:5px solid {color}}} .card.{c}{{border-top:6px solid {color};background:{tint(color, 0.16)}}} .swatch.{c}{{background:{color}}}")
    return "\n".join(rules)


BASE_CSS = """
:root{--ink:#1b1f23;--muted:#5f6b76;--line:#c7cdd3;--head:#e9edf1}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;font-size:13px;line-height:1.35;color:var(--ink);max-width:1120px;margin:0 auto;padding:18px 22px;background:#fff}
header{border-bottom:3px solid var(--ink);padding-bottom:8px;margin-bottom:12px}
header .kicker{margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.06em;font-size:11px}
h1{font-size:22px;margin:2px 0 4px}
h2{font-size:16px;margin:22px 0 8px;border-bottom:1px solid var(--line);padding-bottom:3px}
h3{font-size:13px;margin:12px 0 4px}
.entity{font-size:15px;margin:0 0 6px;font-weight:600}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:1px 12px;margin:6px 0 0;font-size:11.5px}
dl.meta dt{color:var(--muted)} dl.meta dd{margin:0;overflow-wrap:break-word}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.card{flex:1 1 200px;border:1px solid var(--line);border-radius:4px;padding:8px 10px}
.card:not([class*="band-"]){border-top:6px solid var(--line)}
.card .label{font-size:11.5px;color:var(--muted);min-height:2.6em}
.card .value{font-size:26px;font-weight:700;font-variant-numeric:tabular-nums}
.card .word{font-size:12px;font-weight:600}
table{border-collapse:collapse;width:100%;margin:4px 0 8px;font-size:12px}
th,td{border:1px solid var(--line);padding:3px 6px;vertical-align:top;text-align:left}
th{background:var(--head);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tr.oei>td{font-weight:700}
tr.oei>td:not([data-band]){background-color:#f3f4f6}
tr.aei>td{font-weight:600}
tr.indicador>td:nth-child(2){padding-left:16px}
td.word{white-space:nowrap;font-weight:600}
#tabla-objetivos td:nth-child(2){width:36%}
#tabla-publicado th:nth-child(1){width:17%} #tabla-publicado th:nth-child(2),#tabla-publicado th:nth-child(3){width:11%} #tabla-publicado th:nth-child(4){width:7%}
#tabla-publicado th:nth-child(5){width:11%} #tabla-publicado th:nth-child(6){width:22%} #tabla-publicado th:nth-child(7){width:21%}
#tabla-publicado td.num{white-space:normal}
td{overflow-wrap:normal;word-break:normal;hyphens:none}
#tabla-trazabilidad,#tabla-recibo{font-size:11px}
th.num{white-space:normal}
tr.status-mismatch>td:nth-child(5){font-weight:700;color:#b71c1c}
tr.status-not_recomputable>td:nth-child(5){color:var(--muted)}
.note{color:var(--muted);font-size:11.5px;margin:2px 0 6px}
.warn{border:1px solid #b71c1c;color:#b71c1c;padding:6px 8px}
figure{max-width:900px;margin:8px 0 14px;break-inside:avoid;page-break-inside:avoid}
figcaption{font-weight:600;font-size:12.5px;margin-bottom:2px}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{font-family:inherit;fill:#263238}
.swatch{display:inline-block;width:.9em;height:.9em;vertical-align:-1px;margin-right:4px;border:1px solid #0003}
.legend{font-size:11.5px;margin:2px 0 0}
.legend span.item{margin-right:14px;white-space:nowrap}
footer{margin-top:20px;border-top:1px solid var(--line);padding-top:6px;color:var(--muted);font-size:11px}
th.sortable{cursor:pointer} th.sortable::after{content:" \\2195";color:var(--muted);font-weight:400}
th[aria-sort=ascending]::after{content:" \\2191"} th[aria-sort=descending]::after{content:" \\2193"}
@page{size:A4;margin:12mm 10mm}
@media print{
 body{max-width:none;padding:0;font-size:9.5pt}
 table{font-size:8pt} th,td{padding:2px 4px}
 thead{display:table-header-group}
 tr,.card{break-inside:avoid;page-break-inside:avoid}
 h2{break-after:avoid;page-break-after:avoid}
 .no-print{display:none}
 .card{flex-basis:140px}
 .card .value{font-size:18pt}
}
"""

BATCH_PAGE_CSS = "@page{size:A4 landscape;margin:10mm 8mm}"


def _css_string(text: str) -> str:
    """Text as a CSS string literal (for @page margin boxes); spaces kept as they are."""
    text = text.replace("\n", " ").replace("\r", " ")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ") + '"'


def page_margin_css(header: str, lang: str, landscape: bool = False) -> str:
    """A4 pages with a running header and "Página X de Y" in the margins (CSS @page margin
    boxes: Chromium prints them with --print-to-pdf --no-pdf-header-footer)."""
    before, rest = t(lang, "doc_page_of").split("{page}")
    middle, after = rest.split("{pages}")
    counter = " ".join(x for x in (_css_string(before) if before else "", "counter(page)", _css_string(middle), "counter(pages)", _css_string(after) if after else "") if x)
    size = "A4 landscape" if landscape else "A4"
    return (
        f"@page{{size:{size};margin:16mm 10mm 14mm 10mm;"
        f"@top-right{{content:{_css_string(header)};font-size:8pt;color:#5f6b76;font-family:\"DejaVu Sans\",Arial,sans-serif}}"
        f"@bottom-center{{content:{counter};font-size:8pt;color:#5f6b76;font-family:\"DejaVu Sans\",Arial,sans-serif}}}}"
    )

SORT_JS = """
(function(){
  function key(td){if(!td||td.colSpan>1)return {n:null,s:'\uffff'};var s=td.getAttribute('data-sort');if(s===null)s=td.textContent.trim();var n=s===''?NaN:Number(s.replace(/,/g,''));return {n:isNaN(n)?null:n,s:s.toLowerCase()};}
  document.querySelectorAll('table.sortable').forEach(function(table){
    var heads=table.querySelectorAll('thead th[data-col]');
    heads.forEach(function(th){
      var i=parseInt(th.getAttribute('data-col'),10);
      th.classList.add('sortable');th.setAttribute('tabindex','0');
      function sort(){
        var asc=th.getAttribute('aria-sort')!=='ascending';
        heads.forEach(function(h){h.removeAttribute('aria-sort');});
        th.setAttribute('aria-sort',asc?'ascending':'descending');
        var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);
          if(x.n===null&&y.n===null)return asc?x.s.localeCompare(y.s):y.s.localeCompare(x.s);
          if(x.n===null)return 1;if(y.n===null)return -1;return asc?x.n-y.n:y.n-x.n;});
        rows.forEach(function(r){body.appendChild(r);});
      }
      th.addEventListener('click',sort);
      th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sort();}});
    });
  });
  document.documentElement.setAttribute('data-sortable','ready');
})();
"""


# --- SVG helpers -------------------------------------------------------------------------------


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def nice_step(span: Decimal, target: int = 10) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) giving about ``target`` ticks."""
    if span <= 0:
        return Decimal(1)
    raw = span / target
    exp = raw.adjusted()
    base = Decimal(1).scaleb(exp)
    for m in (1, 2, 5, 10):
        step = base * m
        if step >= raw:
            return step
    return base * 10


def nice_range(lo: Decimal, hi: Decimal) -> tuple[Decimal, Decimal, list[Decimal]]:
    if hi <= lo:
        hi = lo + 1
    step = nice_step(hi - lo)
    start = (lo / step).to_integral_value(rounding="ROUND_FLOOR") * step
    end = (hi / step).to_integral_value(rounding="ROUND_CEILING") * step
    ticks = []
    x = start
    while x <= end:
        ticks.append(x.normalize() if x != 0 else Decimal(0))
        x += step
    return start, end, ticks


def _tick_text(x: Decimal, lang: str) -> str:
    x = x.normalize()
    if x == x.to_integral_value() and x.adjusted() < 27:  # quantize needs the digits to fit the context
        x = x.quantize(Decimal(1))
    return num(x, lang)


def _finite_bounds(scale: Scale | None) -> list[Decimal]:
    if scale is None:
        return []
    out = set()
    for b in scale.bands:
        if b.lower is not None:
            out.add(b.lower)
        if b.upper is not None:
            out.add(b.upper)
    return sorted(out)


def _svg_open(height: float, label: str, cls: str) -> str:
    return f'<svg class="chart {cls}" viewBox="0 0 {W} {_f(height)}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{esc(label)}"><title>{esc(label)}</title>'


def _band_backdrop(scale: Scale | None, colors: dict[str, str], x, lo: Decimal, hi: Decimal, top: float, height: float, lang: str) -> list[str]:
    parts = []
    if scale is None:
        return parts
    for b in scale.bands:
        a = lo if b.lower is None else max(b.lower, lo)
        z = hi if b.upper is None else min(b.upper, hi)
        if z <= a:
            continue
        color = colors.get(b.name, ND_COLOR)
        parts.append(f'<rect class="band-bg {band_class(b.name)}" x="{_f(x(a))}" y="{_f(top)}" width="{_f(x(z) - x(a))}" height="{_f(height)}" fill="{tint(color, 0.14)}"><title>{esc(b.label)} {esc(b.text)}</title></rect>')
        parts.append(f'<text x="{_f((x(a) + x(z)) / 2)}" y="{_f(top - 4)}" text-anchor="middle" font-size="11" font-weight="600" fill="{color}">{esc(b.label)}</text>')
    for v in _finite_bounds(scale):
        if lo < v < hi:
            parts.append(f'<line class="bound" x1="{_f(x(v))}" x2="{_f(x(v))}" y1="{_f(top)}" y2="{_f(top + height)}" stroke="#37474f" stroke-dasharray="4 3" stroke-width="1"/>')
    return parts


def bar_chart(title: str, items: Sequence[tuple[str, str, Decimal | None, str | None, str]], scale: Scale | None, colors: dict[str, str], lang: str, cls: str = "bars") -> str:
    """Horizontal bars, one per item (code, name, value, band, band word), over the scale's bands."""
    left, right, top, row, bottom = 92.0, 118.0, 30.0, 22.0, 34.0
    height = top + row * max(len(items), 1) + bottom
    vals = [v for _, _, v, _, _ in items if v is not None]
    lo, hi, ticks = nice_range(min([Decimal(0)] + vals), max(vals + _finite_bounds(scale)[-1:] + [Decimal(1)]))
    span = float(hi - lo)
    plot_w = W - left - right

    def x(v: Decimal) -> float:
        return left + float(v - lo) / span * plot_w

    plot_h = row * max(len(items), 1)
    parts = [_svg_open(height, title, cls)]
    parts += _band_backdrop(scale, colors, x, lo, hi, top, plot_h, lang)
    axis_y = top + plot_h
    parts.append(f'<line class="axis" x1="{_f(left)}" x2="{_f(W - right)}" y1="{_f(axis_y)}" y2="{_f(axis_y)}" stroke="#37474f"/>')
    for tk in ticks:
        parts.append(f'<line x1="{_f(x(tk))}" x2="{_f(x(tk))}" y1="{_f(axis_y)}" y2="{_f(axis_y + 4)}" stroke="#37474f"/>')
        parts.append(f'<text x="{_f(x(tk))}" y="{_f(axis_y + 16)}" text-anchor="middle" font-size="10">{esc(_tick_text(tk, lang))}</text>')
    for v in _finite_bounds(scale):
        if lo < v < hi and v not in ticks:
            parts.append(f'<text x="{_f(x(v))}" y="{_f(axis_y + 28)}" text-anchor="middle" font-size="10" font-weight="600">{esc(_tick_text(v, lang))}</text>')
    for i, (code, name, v, band, word) in enumerate(items):
        y = top + i * row
        parts.append(f'<text x="{_f(left - 6)}" y="{_f(y + row / 2 + 4)}" text-anchor="end" font-size="11">{esc(code)}</text>')
        if v is None:
            parts.append(f'<text class="nd" x="{_f(left + 4)}" y="{_f(y + row / 2 + 4)}" font-size="11" fill="{ND_COLOR}">{esc(t(lang, "no_data"))} — {esc(word)}</text>')
            continue
        color = colors.get(band or ND, ND_COLOR)
        x0, x1 = x(max(lo, min(Decimal(0), v))), x(max(v, Decimal(0)))
        parts.append(
            f'<rect class="bar {band_class(band)}" data-code="{esc(code)}" data-value="{esc(v)}" x="{_f(x0)}" y="{_f(y + 4)}" width="{_f(max(x1 - x0, 1.5))}" height="{_f(row - 8)}" fill="{color}">'
            f"<title>{esc(code)} {esc(name)}: {esc(num(v, lang))} ({esc(word)})</title></rect>"
        )
        parts.append(f'<text x="{_f(W - right + 6)}" y="{_f(y + row / 2 + 4)}" font-size="11"><tspan font-weight="700">{esc(num(v, lang))}</tspan> {esc(word)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(title: str, values: Sequence[Decimal | None], scale: Scale | None, colors: dict[str, str], lang: str, axis_label: str, cls: str = "hist") -> str:
    """Counts of values in bins whose edges include every band bound, each bin coloured by its band."""
    left, right, top, bottom, plot_h = 44.0, 70.0, 26.0, 44.0, 170.0
    height = top + plot_h + bottom
    vals = [v for v in values if v is not None]
    nd = len(values) - len(vals)
    parts = [_svg_open(height, title, cls)]
    plot_w = W - left - right
    if vals:
        lo, hi, ticks = nice_range(min([Decimal(0)] + vals), max(vals + [Decimal(1)]))
        edges = sorted(set(ticks) | {b for b in _finite_bounds(scale) if lo < b < hi})
    else:
        lo, hi, ticks, edges = Decimal(0), Decimal(1), [], []
    span = float(hi - lo)

    def x(v: Decimal) -> float:
        return left + float(v - lo) / span * plot_w

    bins = []  # (from, to, [(band or None, count)]): each value counted in its own band
    order = {b.name: i for i, b in enumerate(scale.bands)} if scale is not None else {}
    for i in range(len(edges) - 1):
        a, z = edges[i], edges[i + 1]
        last = i == len(edges) - 2
        members = [v for v in vals if a <= v < z or (last and v == z)]
        by_band: dict[str | None, int] = {}
        labels: dict[str | None, str] = {}
        for v in members:
            band = scale.classify(v) if scale is not None else None
            key = band.name if band else None
            by_band[key] = by_band.get(key, 0) + 1
            labels[key] = band.label if band else ""
        segs = sorted(by_band.items(), key=lambda kv: order.get(kv[0] or "", -1))
        bins.append((a, z, [(k, labels[k], n) for k, n in segs]))
    top_count = max([sum(n for *_, n in segs) for *_, segs in bins] + [nd, 1])
    ystep = max(1, int(nice_step(Decimal(top_count), 5)))
    ymax = ((top_count + ystep - 1) // ystep) * ystep

    def y(n: int) -> float:
        return top + plot_h - n / ymax * plot_h

    for k in range(0, ymax + 1, ystep):
        parts.append(f'<line x1="{_f(left)}" x2="{_f(W - right)}" y1="{_f(y(k))}" y2="{_f(y(k))}" stroke="#eceff1"/>')
        parts.append(f'<text x="{_f(left - 6)}" y="{_f(y(k) + 4)}" text-anchor="end" font-size="10">{k:,}</text>')
    parts.append(f'<text x="12" y="{_f(top + plot_h / 2)}" font-size="10" transform="rotate(-90 12 {_f(top + plot_h / 2)})" text-anchor="middle">{esc(axis_label)}</text>')
    for a, z, segs in bins:
        below = 0
        for name, word, n in segs:
            color = colors.get(name or ND, ND_COLOR)
            parts.append(
                f'<rect class="bin {band_class(name)}" data-from="{esc(a)}" data-to="{esc(z)}" data-count="{n}" x="{_f(x(a) + 1)}" y="{_f(y(below + n))}" width="{_f(max(x(z) - x(a) - 2, 1.5))}" height="{_f(y(below) - y(below + n))}" fill="{color}">'
                f"<title>{esc(_tick_text(a, lang))}–{esc(_tick_text(z, lang))}: {n:,} ({esc(word)})</title></rect>"
            )
            below += n
        if below:
            parts.append(f'<text x="{_f((x(a) + x(z)) / 2)}" y="{_f(y(below) - 4)}" text-anchor="middle" font-size="11" font-weight="700">{below:,}</text>')
    axis_y = top + plot_h
    parts.append(f'<line class="axis" x1="{_f(left)}" x2="{_f(W - right)}" y1="{_f(axis_y)}" y2="{_f(axis_y)}" stroke="#37474f"/>')
    bounds = set(_finite_bounds(scale))
    for e in edges:
        bold = ' font-weight="700"' if e in bounds else ""
        dy = 28 if (e in bounds and e not in ticks) else 16
        parts.append(f'<line x1="{_f(x(e))}" x2="{_f(x(e))}" y1="{_f(axis_y)}" y2="{_f(axis_y + 4)}" stroke="#37474f"/>')
        parts.append(f'<text x="{_f(x(e))}" y="{_f(axis_y + dy)}" text-anchor="middle" font-size="10"{bold}>{esc(_tick_text(e, lang))}</text>')
    # the N/D column, apart from the axis
    ndx = W - right + 18
    if nd:
        parts.append(f'<rect class="bin {band_class(ND)}" data-count="{nd}" x="{_f(ndx)}" y="{_f(y(nd))}" width="36" height="{_f(y(0) - y(nd))}" fill="{ND_COLOR}"><title>{esc(t(lang, "no_data"))}: {nd:,}</title></rect>')
        parts.append(f'<text x="{_f(ndx + 18)}" y="{_f(y(nd) - 4)}" text-anchor="middle" font-size="11" font-weight="700">{nd:,}</text>')
    parts.append(f'<text x="{_f(ndx + 18)}" y="{_f(axis_y + 16)}" text-anchor="middle" font-size="10">{esc(t(lang, "no_data"))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_counts(title: str, rows: Sequence[tuple[str, list[tuple[str, str, int]]]], colors: dict[str, str], lang: str, cls: str = "counts") -> str:
    """One 100 % bar per count table: segments per band (name, word, count)."""
    left, right, top, row = 8.0, 8.0, 8.0, 46.0
    height = top + row * max(len(rows), 1) + 4
    parts = [_svg_open(height, title, cls)]
    plot_w = W - left - right
    for i, (label, segs) in enumerate(rows):
        y = top + i * row
        total = sum(n for _, _, n in segs)
        parts.append(f'<text x="{_f(left)}" y="{_f(y + 11)}" font-size="11.5" font-weight="600">{esc(label)} ({total:,})</text>')
        x0 = left
        for name, word, n in segs:
            if not n or not total:
                continue
            w = plot_w * n / total
            parts.append(f'<rect class="seg {band_class(name)}" data-count="{n}" x="{_f(x0)}" y="{_f(y + 16)}" width="{_f(w)}" height="22" fill="{colors.get(name, ND_COLOR)}" stroke="#fff"><title>{esc(word)}: {n:,}</title></rect>')
            if w > 60:
                parts.append(f'<text x="{_f(x0 + 6)}" y="{_f(y + 31)}" font-size="11" font-weight="700" fill="#fff" style="fill:#fff">{esc(word)} {n:,}</text>')
            elif w > 14:
                parts.append(f'<text x="{_f(x0 + w / 2)}" y="{_f(y + 31)}" font-size="11" font-weight="700" text-anchor="middle" fill="#fff" style="fill:#fff">{n:,}</text>')
            x0 += w
    parts.append("</svg>")
    return "".join(parts)


def legend(scale: Scale | None, nd_label: str, rules: RuleSet | None = None, lang: str = "es") -> str:
    if scale is None:
        return ""
    words = {b.name: (band_name_label(rules, scale.name, b.name, b.label, lang) if rules is not None else b.label) for b in scale.bands}
    items = [f'<span class="item"><span class="swatch {band_class(b.name)}"></span>{esc(words[b.name])} {esc(b.text)}</span>' for b in scale.bands]
    items.append(f'<span class="item"><span class="swatch {band_class(ND)}"></span>{esc(nd_label)}</span>')
    return f'<p class="legend">{"".join(items)}</p>'


def figure_block(caption: str, svg: str, extra: str = "") -> str:
    return f"<figure><figcaption>{esc(caption)}</figcaption>{svg}{extra}</figure>"


# --- tables ---------------------------------------------------------------------------------------


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


# --- the evaluation report --------------------------------------------------------------------------


def _scale_of(rules: RuleSet, kind: str, lang: str = "es") -> Scale | None:
    """The scale of a figure kind, its band labels in ``lang`` (the rule set's etiqueta_en)."""
    name = rules.band_for.get(kind)
    scale = rules.scales.get(name) if name else None
    if scale is None or lang == "es":
        return scale
    bands = [dataclasses.replace(b, label=band_name_label(rules, scale.name, b.name, b.label, lang)) for b in scale.bands]
    return dataclasses.replace(scale, bands=bands)


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
        scale = _scale_of(rules, k, lang)
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
        scale = _scale_of(rules, k, lang)
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
    return _document(title, lang, band_css(colors), "".join(sections) + footer, page_css=page_margin_css(header, lang))


def _document(title: str, lang: str, extra_css: str, body: str, script: str = "", page_css: str = "") -> str:
    js = f"<script>{script}</script>" if script else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="pei-rules {esc(__version__)}">'
        f"<title>{esc(title)}</title><style>{BASE_CSS}{page_css}\n{extra_css}</style></head>"
        f"<body>{body}{js}</body></html>\n"
    )


# --- the batch report -------------------------------------------------------------------------------


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


def _dec(text: Any) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        d = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def entity_rules(er: EntityResult, cache: dict[str, RuleSet | None]) -> RuleSet | None:
    """The rule set an entity of a batch was evaluated with (loaded once per id), or None."""
    return _rules_for(er, cache)


def _rules_for(er: EntityResult, cache: dict[str, RuleSet | None]) -> RuleSet | None:
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
        r = _rules_for(e, cache)
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
    v = _dec(f.get("value"))
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
            vals.append(_dec(f.get("value")))
            r = _rules_for(e, cache)
            if scale is None and r is not None:
                scale = _scale_of(r, f.get("kind") or fid)
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


BATCH_CSS = "\nbody{max-width:none}\ntable.batch{font-size:11px}\ntable.batch th,table.batch td{padding:2px 4px}\ntable.batch td:nth-child(3){min-width:12em}\ntd.error-msg{color:#b71c1c}\nsmall.word{font-weight:600}\ntd.state-error{color:#b71c1c;font-weight:700}"


def render_batch_html(data: BatchData, lang: str = "es") -> str:
    """One row per entity, sortable, with plan-level figures, semáforo counts and a distribution chart."""
    cache: dict[str, RuleSet | None] = {}
    rules_list = [r for r in (_rules_for(e, cache) for e in data.entities) if r is not None]
    colors = rules_colors(rules_list)
    ok = [e for e in data.entities if e.status == "ok" and e.data]
    cols = batch_columns(data, cache, rules_list, lang)
    year = data.year or next((e.year for e in data.entities if e.year), None)
    body = "".join(_batch_row(e, cols, _rules_for(e, cache), lang) for e in data.entities)
    table = f'<table id="tabla-entidades" class="sortable batch"><thead>{_batch_head(cols, lang)}</thead><tbody>{body}</tbody></table>'
    charts = _batch_charts(ok, cols, cache, colors, rules_list, lang)
    title = t(lang, "rep_batch_title", year=year if year is not None else "")
    body_html = (
        _batch_header(data, title, len(ok), lang)
        + f'<section id="entidades"><h2>{esc(t(lang, "rep_entities"))}</h2><p class="note no-print">{esc(t(lang, "rep_sort_hint"))}</p>{table}</section>'
        + (f'<section id="graficos"><h2>{esc(t(lang, "rep_charts"))}</h2>{"".join(charts)}</section>' if charts else "")
        + f"<footer>{esc(t(lang, 'rep_generated', version=__version__, created=data.created))}</footer>"
    )
    return _document(title, lang, band_css(colors) + BATCH_CSS, body_html, script=SORT_JS, page_css=page_margin_css(title, lang, landscape=True))


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
