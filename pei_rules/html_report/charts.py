"""The report's charts as inline SVG: bars over the scale's bands, histograms, stacked
counts, and their legends. Geometry uses floats (pixel positions only); every printed
number is a Decimal formatted by :func:`pei_rules.report_model.num`."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ..evaluate import ND
from ..i18n import t
from ..outputs.common import ND_COLOR, band_name_label
from ..report_model import num
from ..ruleset import RuleSet, Scale
from .common import band_class, esc, tint

W = 760  # chart width in px (the viewBox; charts scale to the page width)


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
