"""What the HTML pages share: escaping, band classes and colours, the style sheets and the
sorting script (package data: ``report.css``, ``batch.css``, ``sort.js``, read with
:mod:`importlib.resources`, so an installed wheel carries them), the page frame."""
from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable
from importlib.resources import files
from typing import Any

from .._version import __version__
from ..evaluate import ND
from ..i18n import t
from ..outputs.common import ND_COLOR, band_colors, band_name_label
from ..outputs.common import tint as _tint
from ..ruleset import RuleSet, Scale


def _data(name: str) -> str:
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


#: the report's style sheet, the batch page's additions, and the script that sorts tables
BASE_CSS = _data("report.css")
BATCH_CSS = _data("batch.css")
SORT_JS = _data("sort.js")


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def css_name(name: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name or "")


def band_class(name: str | None) -> str:
    return f"band-{css_name(name)}" if name else ""


# --- colours -----------------------------------------------------------------------------


def rules_colors(rules_list: Iterable[RuleSet]) -> dict[str, str]:
    """Band name -> colour over several rule sets (the first one to name a band wins)."""
    colors: dict[str, str] = {}
    for rules in rules_list:
        for k, v in band_colors(rules).items():
            colors.setdefault(k, v)
    colors[ND] = ND_COLOR
    return colors


def tint(color: str, keep: float = 0.28) -> str:
    """The colour mixed with white: a light cell background that keeps dark text readable."""
    return "#" + _tint(color, keep).lower()


def band_css(colors: dict[str, str]) -> str:
    rules = []
    for name, color in colors.items():
        c = band_class(name)
        rules.append(f"td.{c}{{background:{tint(color)}}} tr.{c}>td:first-child{{border-left:5px solid {color}}} .card.{c}{{border-top:6px solid {color};background:{tint(color, 0.16)}}} .swatch.{c}{{background:{color}}}")
    return "\n".join(rules)



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


def scale_of(rules: RuleSet, kind: str, lang: str = "es") -> Scale | None:
    """The scale of a figure kind, its band labels in ``lang`` (the rule set's etiqueta_en)."""
    name = rules.band_for.get(kind)
    scale = rules.scales.get(name) if name else None
    if scale is None or lang == "es":
        return scale
    bands = [dataclasses.replace(b, label=band_name_label(rules, scale.name, b.name, b.label, lang)) for b in scale.bands]
    return dataclasses.replace(scale, bands=bands)


def document(title: str, lang: str, extra_css: str, body: str, script: str = "", page_css: str = "") -> str:
    js = f"<script>{script}</script>" if script else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="pei-rules {esc(__version__)}">'
        f"<title>{esc(title)}</title><style>{BASE_CSS}{page_css}\n{extra_css}</style></head>"
        f"<body>{body}{js}</body></html>\n"
    )


