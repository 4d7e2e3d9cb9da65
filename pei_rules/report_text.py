"""The evaluation for people reading a terminal or a document: text and markdown.

Both print the one report model (:func:`pei_rules.report_model.report_tables`, the tables
the HTML report shows), with its number format (thousands with ``,``, decimals with ``.``).
Text tables fit the terminal: a table wider than it wraps its longest columns.
"""
from __future__ import annotations

import shutil
import textwrap

from .evaluate import Evaluation
from .files import shown_path
from .i18n import t
from .render import render_csv, render_json
from .report_model import Table, markdown_cell, report_tables
from .sanitize import markdown_text
from .texttable import simple_table

MIN_COLUMN = 9  # a wrapped column keeps at least this many characters


def terminal_width() -> int:
    """Columns to fit: ``COLUMNS`` when set, else the terminal's width, else 80 (a pipe or a
    file, as :func:`shutil.get_terminal_size` answers); never fewer than 40."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def header_lines(ev: Evaluation, lang: str = "es") -> list[str]:
    m = ev.plan.model
    r = ev.rules
    if getattr(ev, "semester", None) is not None:
        title = t(lang, "txt_semester_title", key=ev.period_key, tipo=m.plan.tipo, desde=m.plan.desde, hasta=m.plan.hasta)
    else:
        title = t(lang, "evaluation_title", year=ev.year, tipo=m.plan.tipo, desde=m.plan.desde, hasta=m.plan.hasta)
    lines = [
        f"{title} — {m.entidad.nombre}",
        f"{t(lang, 'rule_set')}: {r.id} ({shown_path(r.folder)}, sha256 {r.content_hash[:16]}) — {r.title}",
        f"{t(lang, 'plan_file')}: {ev.plan.path} (sha256 {ev.plan.sha256[:16]})",
    ]
    if ev.why_rules:
        lines.append(f"{t(lang, 'picked')}: {ev.why_rules}")
    return lines


def _wrap_cell(text: str, limit: int | None) -> str:
    """``textwrap.fill(text, limit, break_long_words=False, break_on_hyphens=False)``; words
    parted by single spaces (what cells hold) are laid out here, greedily as textwrap does (a
    table has hundreds of cells: start-up), anything else by textwrap itself."""
    if not limit or len(text) <= limit:
        return text
    if "  " in text or text.strip() != text or not text.isprintable():  # textwrap's whitespace (tab, line breaks) or rarer
        return textwrap.fill(text, limit, break_long_words=False, break_on_hyphens=False)
    lines, cur = [], ""
    for word in text.split(" "):
        if cur and len(cur) + 1 + len(word) <= limit:
            cur += " " + word
        else:
            lines += [cur] if cur else []
            cur = word
    return "\n".join(lines + [cur])


def _fit(headers: list[str], rows: list[list[str]], width: int) -> list[int | None]:
    """Per column, the width to wrap it at (None: as it is) so that the table fits ``width``;
    the widest columns give way first, none below MIN_COLUMN characters."""
    n = len(headers)
    # tabulate pads a header by 2 (its MIN_PADDING) and separates columns by 2 spaces
    natural = [max([len(line) + 2 for line in headers[i].splitlines()] + [len(r[i]) for r in rows if i < len(r)]) for i in range(n)]
    total = sum(natural) + 2 * (n - 1)
    limits: list[int | None] = [None] * n
    while total > width:
        i = max(range(n), key=lambda k: natural[k])
        if natural[i] <= MIN_COLUMN:
            break
        cut = min(natural[i] - MIN_COLUMN, total - width, max(1, natural[i] // 4))
        natural[i] -= cut
        limits[i] = natural[i]
        total -= cut
    return limits


def _text_table(tb: Table, width: int | None) -> str:
    rows = tb.text_rows()
    if width is None or not any(_fit(tb.headers, rows, width)):
        return simple_table(rows, tb.headers)
    headers = [textwrap.fill(h, max(MIN_COLUMN, max(len(w) for w in h.split() or [""]))) for h in tb.headers]
    limits = _fit(headers, rows, width)
    rows = [[c if k is None or len(c) <= k else _wrap_cell(c, k) for c, k in zip(r, limits)] + r[len(limits):] for r in rows]
    return simple_table(rows, headers)


def render_text(ev: Evaluation, lang: str = "es", width: int | None = None) -> str:
    """The report's tables as text, wrapped to ``width`` (default: :func:`terminal_width`)."""
    width = width or terminal_width()

    def wrap(line: str) -> str:
        if width is None:
            return line
        return "\n".join(textwrap.wrap(line, width, subsequent_indent="  ", break_on_hyphens=False)) or line

    parts = ["\n".join(wrap(x) for x in header_lines(ev, lang))]
    for tb in report_tables(ev, lang):
        parts.append(f"{tb.title}\n{_text_table(tb, width)}" + (f"\n{wrap(tb.note)}" if tb.note else ""))
    rc = ev.receipt()
    parts.append(wrap(f"{t(lang, 'receipt')}: pei-rules {rc['pei_rules_version']}, {rc['rule_set']['id']} {rc['rule_set']['content_hash']}, plan {rc['plan']['sha256']}, {rc['year']}, {rc['created']}"))
    return "\n\n".join(parts) + "\n"


def render_markdown(ev: Evaluation, lang: str = "es") -> str:
    """The tables of the HTML report, for pasting into a document."""
    from tabulate import tabulate  # markdown only: the text tables do without it (start-up)

    head = header_lines(ev, lang)
    lines = ["# " + head[0], ""] + [f"- {x}" for x in head[1:]]
    for tb in report_tables(ev, lang):
        rows = [[markdown_cell(c) for c in row] for row in tb.text_rows()]
        lines += ["", f"## {tb.title}", "", tabulate(rows, headers=[markdown_cell(h) for h in tb.headers], tablefmt="github", disable_numparse=True)]
        if tb.note:
            lines += ["", tb.note]
    return markdown_text("\n".join(lines) + "\n")


RENDERERS = {
    "text": render_text,
    "json": lambda ev, lang="es": render_json(ev),
    "csv": lambda ev, lang="es": render_csv(ev),
    "markdown": render_markdown,
}
