"""Self-contained HTML reports: one plan's evaluation, or a batch of entities.

One file, no network: inline CSS, charts drawn here as inline SVG, and (batch only) a
few lines of inline JavaScript to sort the table. The tables are those of
:mod:`pei_rules.report_model` (the same ones ``evaluate --format markdown`` prints); each
banded cell and row carries the class ``band-<name>`` with the band's name from the rule
set, and the band is also written as a word. Colours come from the rule set's bands
(``color = "#rrggbb"``); a band without one gets a colour by its position in the scale.

The package: :mod:`.page` (one evaluation), :mod:`.charts` (SVG), :mod:`.batch_page`
(a batch of entities), :mod:`.common` (escaping, colours, the page frame); the style
sheets and the sorting script are package data (``report.css``, ``batch.css``, ``sort.js``).
"""
from __future__ import annotations

from .batch_page import BatchData, EntityResult, batch_columns, entity_rules, evaluate_plans, is_batch_folder, load_batch_folder, render_batch_html
from .charts import _tick_text, bar_chart, histogram, legend, nice_range, nice_step, stacked_counts
from .common import BASE_CSS, BATCH_CSS, SORT_JS, band_class, band_css, css_name, esc, page_margin_css, rules_colors, tint
from .page import render_html, table_html

__all__ = [
    "BASE_CSS", "BATCH_CSS", "SORT_JS", "BatchData", "EntityResult", "band_class", "band_css", "bar_chart", "batch_columns",
    "css_name", "entity_rules", "esc", "evaluate_plans", "histogram", "is_batch_folder", "legend", "load_batch_folder",
    "nice_range", "nice_step", "page_margin_css", "render_batch_html", "render_html", "rules_colors", "stacked_counts",
    "table_html", "tint", "_tick_text",
]
