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

from .batch_page import BatchData, batch_columns, entity_rules, evaluate_plans, is_batch_folder, load_batch_folder, render_batch_html
from .charts import bar_chart, histogram, nice_range
from .common import esc
from .page import render_html

__all__ = [
    "BatchData", "bar_chart", "batch_columns", "entity_rules", "esc", "evaluate_plans", "histogram",
    "is_batch_folder", "load_batch_folder", "nice_range", "render_batch_html", "render_html",
]
