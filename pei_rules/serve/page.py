"""The web page: HTML built here, inline CSS and JavaScript only (no external resource; the
style sheet, scripts and the upload form are package data: ``page.css``, ``sort.js``,
``figures.js``, ``home.js``, ``home.html``).

The evaluation is shown as :func:`pei_rules.html_report.render_html` draws it (its styles
and body are placed inside the page); a few lines of JavaScript turn every figure of it
into a link to its explanation (the derivation tree of ``explain``, drawn by
:func:`explanation_html`), shown in a side panel. Without JavaScript the same links open
the explanation as a page. Every text goes through the message catalogue.
"""
from __future__ import annotations

import json
import re
from importlib.resources import files
from typing import Any
from urllib.parse import quote, urlencode

from ..audit import MATCH, MISMATCH, NOT_RECOMPUTABLE
from ..html_report import esc, render_html
from ..html_report.common import document as report_document
from ..i18n import t
from .errors import ServeError

LANGS = ("es", "en")


def url(path: str, lang: str, **query: Any) -> str:
    q = {k: v for k, v in query.items() if v not in (None, "")}
    q["lang"] = lang
    return f"{path}?{urlencode(q)}"


def _data(name: str) -> str:
    return "\n" + files(__package__).joinpath(name).read_text(encoding="utf-8")


#: the page's styles and scripts, package data next to this module: tables sort by a click on
#: a heading (sort.js); figures of the report become links to their explanation, shown in a
#: side panel (figures.js: a value cell's title starts with its figure id, a row's first cell
#: is its code, a count row's banded cells are counts of that band); the upload form asks the
#: server which rule set the year picks (home.js)
CSS = _data("page.css")
SORT_JS = _data("sort.js")
FIGURE_JS = _data("figures.js")
HOME_JS = _data("home.js")
#: the upload form; ``{name}`` is a message id (said in the page's language, escaped) or a value of :func:`home`
HOME_HTML = _data("home.html")


class _Words(dict):
    """A template's values: the given ones, and any other name as that message, escaped."""

    def __init__(self, lang: str, **values: str):
        super().__init__(values)
        self.lang = lang

    def __missing__(self, key: str) -> str:
        return esc(t(self.lang, key))


def document(title: str, body: str, lang: str, *, css: str = "", script: str = "", here: str = "/") -> str:
    """The report's page frame (:func:`pei_rules.html_report.common.document`) with the app bar."""
    other = "".join(
        f'<a href="{esc(_with_lang(here, lg))}"{" class=on" if lg == lang else ""} hreflang="{lg}">{lg.upper()}</a> ' for lg in LANGS
    )
    bar = (
        f'<div class="app-bar"><a class="brand" href="{esc(url("/", lang))}">pei-rules</a>'
        f'<nav><a href="{esc(url("/", lang))}">{esc(t(lang, "serve_nav_new"))}</a>'
        f'<a href="/api/openapi.json">API</a></nav><span class="lang">{other}</span></div>'
    )
    return report_document(title, lang, f"{css}\n{CSS}", bar + body, script)


def _with_lang(here: str, lang: str) -> str:
    path, _, query = here.partition("?")
    parts = [p for p in query.split("&") if p and not p.startswith("lang=")]
    parts.append(f"lang={lang}")
    return path + "?" + "&".join(parts)


def error_box(err: ServeError, lang: str) -> str:
    detail = f"<pre>{esc(str(err.detail))}</pre>" if err.detail is not None else ""
    return f'<div class="error" role="alert"><strong>{esc(err.message(lang))}</strong>{detail}</div>'


# --- home: the upload form ---------------------------------------------------------------------


def home(service, lang: str, error: ServeError | None = None) -> str:
    T = lambda k, **kw: t(lang, k, **kw)
    s = service.settings
    options = [f'<option value="">{esc(T("serve_rules_auto"))}</option>']
    for info in service.rule_sets.values():
        vig = f"{info.desde or '…'}–{info.hasta or '…'}"
        options.append(f'<option value="{esc(info.id)}">{esc(info.id)} · {esc(vig)} · {esc(info.title)}</option>')
    user_rules = ""
    if s.allow_user_rules:
        user_rules = (
            f'<fieldset><label for="reglas_archivos">{esc(T("serve_rules_files_label"))}</label>'
            f'<input type="file" id="reglas_archivos" name="reglas_archivos" multiple accept=".toml">'
            f'<p class="hint">{esc(T("serve_rules_files_hint"))}</p></fieldset>'
        )
    limits = T("serve_limits", files=s.max_files, mib=f"{s.max_file_bytes / 1048576:g}", total=f"{s.max_body_bytes / 1048576:g}")
    body = HOME_HTML.format_map(_Words(
        lang, error=error_box(error, lang) if error else "", action=esc(url("/evaluar", lang)), limits=esc(limits),
        options="".join(options), user_rules=user_rules, page_lang=esc(lang),
    ))
    return document(T("serve_home_title"), body, lang, script=HOME_JS, here="/")


# --- one evaluation -------------------------------------------------------------------------------


def _report_parts(doc: str) -> tuple[str, str]:
    """The styles and the body of a report document."""
    css = "\n".join(re.findall(r"<style>(.*?)</style>", doc, re.S))
    m = re.search(r"<body>(.*)</body>", doc, re.S)
    return css, (m.group(1) if m else doc)


def report_page(token: str, session, lang: str, check_doc: dict | None, audit_doc: dict | None, addresses: list[str], rule_ids: list[str], check_error: ServeError | None = None) -> str:
    T = lambda k, **kw: t(lang, k, **kw)
    ev = session.ev
    css, report = _report_parts(render_html(ev, lang))
    base = f"/informe/{token}"
    tabs = "".join(
        f'<a href="#{k}">{esc(T(m))}</a>'
        for k, m in (("informe", "serve_tab_report"), ("verificacion", "serve_tab_check"), ("auditoria", "serve_tab_audit"), ("comparar", "serve_tab_diff"), ("descargas", "serve_tab_downloads"))
    )
    origin = T("serve_origin_sheets", sheets=", ".join(session.source.sheets)) if session.source.origin == "spreadsheet" else T("serve_origin_toml", name=session.source.name)
    warnings = ""
    if session.source.warnings:
        warnings = f'<details class="why"><summary>{esc(T("serve_import_warnings", n=len(session.source.warnings)))}</summary><ul>' + "".join(f"<li>{esc(w)}</li>" for w in session.source.warnings) + "</ul></details>"
    top = (
        f'<p class="muted">{esc(origin)} · {esc(T("serve_click_hint"))}</p>{warnings}'
        f'<nav class="tabs">{tabs}</nav>'
    )
    sections = [
        f'<section class="tab" id="informe" data-explain="{esc(base)}/explicar">{report}</section>',
        check_section(check_doc, lang, check_error),
        audit_section(audit_doc, lang),
        diff_form(token, session, lang, rule_ids),
        downloads_section(token, session, lang),
    ]
    panel = (
        f'<aside id="explicacion" aria-live="polite"><button type="button" class="close" id="explicacion-cerrar">{esc(T("serve_close"))}</button>'
        f'<div id="explicacion-cuerpo"></div></aside>'
    )
    ids = f'<script type="application/json" id="figure-ids">{_json_script(addresses)}</script>'
    m = ev.plan.model
    title = f"{m.entidad.nombre} — {ev.year}"
    return document(title, top + "".join(sections) + panel + ids, lang, css=css, script=FIGURE_JS + SORT_JS, here=base)


def _json_script(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def check_section(doc: dict | None, lang: str, error: ServeError | None) -> str:
    T = lambda k, **kw: t(lang, k, **kw)
    head = f'<section class="tab" id="verificacion"><h2>{esc(T("serve_check_title"))}</h2>'
    if error is not None:
        return head + error_box(error, lang) + "</section>"
    if doc is None:
        return head + "</section>"
    s = doc["summary"]
    out = [head, f'<p id="verificacion-resumen">{esc(T("serve_check_summary", errors=s["errors"], warnings=s["warnings"]))}</p>']
    if doc["findings"]:
        rows = "".join(
            f'<tr class="finding-{esc(f["severity"])}"><td class="word">{esc(T("serve_sev_" + f["severity"]) if f["severity"] in ("error", "warning") else f["severity"])}</td>'
            f'<td><code>{esc(f["code"])}</code></td><td>{esc(f["message"])}</td><td>{esc(f.get("file"))}:{esc(f.get("line") or "")}</td><td><code>{esc(f.get("key") or "")}</code></td></tr>'
            for f in doc["findings"]
        )
        out.append(
            f'<table id="tabla-verificacion" class="sortable"><thead><tr><th>{esc(T("serve_col_severity"))}</th><th>{esc(T("serve_col_code"))}</th>'
            f'<th>{esc(T("serve_col_message"))}</th><th>{esc(T("serve_col_where"))}</th><th>{esc(T("serve_col_key"))}</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    else:
        out.append(f"<p>{esc(T('serve_check_none'))}</p>")
    return "".join(out) + "</section>"


def audit_section(doc: dict | None, lang: str) -> str:
    T = lambda k, **kw: t(lang, k, **kw)
    out = [f'<section class="tab" id="auditoria"><h2>{esc(T("serve_audit_title"))}</h2>']
    if doc is None or not doc["entries"]:
        out.append(f"<p>{esc(T('serve_audit_none'))}</p></section>")
        return "".join(out)
    s = doc["summary"]
    out.append(f'<p id="auditoria-resumen">{esc(T("serve_audit_summary", match=s[MATCH], mismatch=s[MISMATCH], nr=s[NOT_RECOMPUTABLE]))}</p>')
    words = {MATCH: T("serve_audit_match"), MISMATCH: T("serve_audit_mismatch"), NOT_RECOMPUTABLE: T("serve_audit_nr")}
    rows = []
    for e in doc["entries"]:
        cause = "; ".join(e["causes"]) if e["causes"] else (e["reason"] or "")
        ref = e["plan_ref"]
        rows.append(
            f'<tr class="audit-{esc(e["status"])}"><td>{esc(e["resolved"] or e["figure"])}</td><td class="num">{esc(e["published"])}</td>'
            f'<td class="num">{esc(e["recomputed"] or "")}</td><td class="num">{esc(e["difference"] or "")}</td>'
            f'<td class="word">{esc(words.get(e["status"], e["status"]))}</td><td>{esc(cause)}</td><td>{esc(e["source"])}</td>'
            f'<td>{esc(ref.get("file"))}:{esc(ref.get("line") or "")}</td></tr>'
        )
    heads = ["serve_col_figure", "serve_col_published", "serve_col_recomputed", "serve_col_difference", "serve_col_status", "serve_col_cause", "serve_col_source", "serve_col_plan_line"]
    out.append(
        '<table id="tabla-auditoria" class="sortable"><thead><tr>' + "".join(f"<th>{esc(T(h))}</th>" for h in heads) + f'</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
    return "".join(out) + "</section>"


def diff_form(token: str, session, lang: str, rule_ids: list[str]) -> str:
    T = lambda k, **kw: t(lang, k, **kw)
    current = session.ev.rules.id
    opts_a = "".join(f'<option value="{esc(r)}"{" selected" if r == current else ""}>{esc(r)}</option>' for r in rule_ids)
    other = next((r for r in rule_ids if r != current), current)
    opts_b = "".join(f'<option value="{esc(r)}"{" selected" if r == other else ""}>{esc(r)}</option>' for r in rule_ids)
    return (
        f'<section class="tab" id="comparar"><h2>{esc(T("serve_diff_title"))}</h2><p>{esc(T("serve_diff_intro"))}</p>'
        f'<form method="get" action="/informe/{esc(token)}/comparar"><input type="hidden" name="lang" value="{esc(lang)}">'
        f'<label>{esc(T("serve_diff_a"))} <select name="a">{opts_a}</select></label> '
        f'<label>{esc(T("serve_diff_b"))} <select name="b">{opts_b}</select></label> '
        f'<button type="submit">{esc(T("serve_diff_button"))}</button></form></section>'
    )


DOWNLOADS = (
    ("plan.toml", "serve_dl_plan"),
    ("resultado.json", "serve_dl_json"),
    ("informe.html", "serve_dl_html"),
    ("informe.docx", "serve_dl_docx"),
    ("anexos.xlsx", "serve_dl_xlsx"),
    ("verificacion.json", "serve_dl_check"),
    ("auditoria.json", "serve_dl_audit"),
)


def downloads_section(token: str, session, lang: str) -> str:
    T = lambda k, **kw: t(lang, k, **kw)
    items = "".join(
        f'<li><a class="download" id="dl-{esc(name.split(".")[0])}" href="{esc(url(f"/informe/{token}/descargar/{name}", lang))}" download>{esc(T(key))}</a> <span class="muted">({esc(name)})</span></li>'
        for name, key in DOWNLOADS
    )
    return f'<section class="tab" id="descargas"><h2>{esc(T("serve_tab_downloads"))}</h2><ul class="downloads">{items}</ul></section>'


# --- explanation ---------------------------------------------------------------------------------


def _loc(ref: dict | None, lang: str | None = None) -> str:
    if not ref:
        return ""
    loc = str(ref.get("file") or "")
    if ref.get("line"):
        loc += f":{ref['line']}"
    if ref.get("key"):
        loc += f" [{ref['key']}]"
    if ref.get("cell"):  # imported from a spreadsheet: the cell the office typed it in
        loc += f"; {t(lang, 'exp_cell', cell=ref['cell'])}"
    return loc


def _reference(node: dict) -> str | None:
    """The legal references of a node (its rule's, then its band's) as people read them."""
    texts = []
    for holder in (node, node.get("rule") or {}, node.get("band") or {}):
        v = holder.get("reference") if isinstance(holder, dict) else None
        if v:
            text = v if isinstance(v, str) else v.get("text") or json.dumps(v, ensure_ascii=False)
            if text not in texts:
                texts.append(text)
    return " · ".join(texts) or None


def _node_html(node: dict, lang: str) -> str:
    T = lambda k, **kw: t(lang, k, **kw)
    nd = T("serve_nd")
    kind = node.get("type")
    val = nd if node.get("value") is None else node["value"]
    if kind in ("plan_input", "rule_parameter"):
        where = T("serve_x_parameter") if kind == "rule_parameter" else T("serve_x_plan")
        note = f" — {esc(node['note'])}" if node.get("note") else ""
        return (
            f'<li class="node leaf {esc(kind)}" data-name="{esc(node.get("name"))}"><code>{esc(node.get("name"))}</code> = <span class="v">{esc(val)}</span> '
            f'<span class="src">({esc(where)} {esc(_loc(node.get("source"), lang))})</span>{note}</li>'
        )
    head = f'<div class="head"><code>{esc(node.get("id"))}</code> = <span class="v">{esc(val)}</span> <span class="muted">[{esc(node.get("label"))}]</span>'
    b = node.get("band")
    if b:
        head += f" · {esc(b.get('label'))}"
    if node.get("weight") is not None:
        head += f" <span class=\"muted\">({esc(node.get('weight_note') or (T('serve_x_weight') + ' ' + str(node['weight'])))})</span>"
    if node.get("used") is False:
        head += f" <span class=\"muted\">({esc(T('serve_x_not_used'))})</span>"
    head += "</div>"
    dl: list[tuple[str, str]] = []
    if node.get("status") not in (None, "ok"):
        dl.append((T("serve_x_status_nd"), esc(node.get("reason"))))
    elif node.get("reason"):
        dl.append((T("serve_x_note"), esc(node["reason"])))
    if node.get("rule"):
        r = node["rule"]
        dl.append((T("serve_x_rule"), f'{esc(r.get("rule_set"))} <span class="rule-ref">{esc(_loc(r))}</span>'))
    if node.get("formula"):
        text = f"<code>{esc(node['formula'])}</code>"
        if node.get("method"):
            text += f" <span class=\"muted\">({esc(T('serve_x_case'))} {esc(node['method'])})</span>"
        dl.append((T("serve_x_formula"), text))
    if node.get("steps"):
        dl.append((T("serve_x_steps"), "<br>".join(f"<code>{esc(s['expr'])}</code> = {esc(s['value'])}" for s in node["steps"])))
    r = node.get("rounding")
    if r:
        dl.append((T("serve_x_rounding"), esc(T("serve_x_rounding_text", mode=r["mode"], d=r["decimals"], exact=r["exact"], rounded=r["rounded"])) + f' <span class="src">({esc(_loc(r.get("source")))})</span>'))
    if b and b.get("interval"):
        dl.append((T("serve_x_band"), esc(f"{b.get('compared_value')} ∈ {b['interval']} → {b['label']}") + f' <span class="src">({esc(_loc(b.get("source")))})</span>'))
    elif b:
        dl.append((T("serve_x_band"), esc(b.get("label"))))
    if node.get("relevance"):
        rel = node["relevance"]
        dl.append((T("serve_x_relevance"), f'{esc(rel.get("value"))} <span class="src">({esc(_loc(rel.get("source"), lang))})</span>'))
    if node.get("weight_steps"):
        dl.append((T("serve_x_weight"), "<br>".join(f"<code>{esc(s['expr'])}</code> = {esc(s['value'])}" for s in node["weight_steps"])))
    if kind == "count":
        if node.get("figure"):
            dl.append((T("serve_x_counts"), esc(node["figure"])))
        if node.get("of"):
            dl.append((T("serve_x_of"), esc(node["of"])))
    ref = _reference(node)
    if ref:
        dl.append((T("serve_x_reference"), esc(ref)))
    dl_html = "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in dl) + "</dl>" if dl else ""
    children = node.get("inputs") or []
    kids = ""
    if children:
        label = T("serve_x_members") if kind == "count" else T("serve_x_inputs")
        kids = f'<details open><summary>{esc(label)} ({len(children)})</summary><ul>{"".join(_node_html(c, lang) for c in children)}</ul></details>'
    return f'<li class="node {esc(kind)}" data-id="{esc(node.get("id"))}">{head}{dl_html}{kids}</li>'


def explanation_html(doc: dict, lang: str) -> str:
    """The derivation tree of one figure (the ``explain`` document) as HTML."""
    T = lambda k, **kw: t(lang, k, **kw)
    head = T("serve_x_title", address=doc["address"])
    if doc.get("resolved") and doc["resolved"] != doc["address"]:
        head += f" → {doc['resolved']}"
    alt = ""
    if doc.get("alternatives"):
        alt = f'<p class="muted">{esc(T("serve_x_alternatives"))}: ' + ", ".join(f"<code>{esc(a)}</code>" for a in doc["alternatives"]) + "</p>"
    rc = doc["receipt"]
    receipt = f'<p class="src">{esc(T("serve_x_receipt", version=rc["pei_rules_version"], rules=rc["rule_set"]["id"], hash=rc["rule_set"]["content_hash"][:16], plan=rc["plan"]["path"], year=rc["year"]))}</p>'
    return f'<div class="tree" data-figure="{esc(doc.get("resolved"))}"><h2>{esc(head)}</h2>{alt}<ul>{_node_html(doc["tree"], lang)}</ul>{receipt}</div>'


def explanation_page(token: str, doc: dict, lang: str) -> str:
    back = f'<p><a href="{esc(url(f"/informe/{token}", lang))}">← {esc(t(lang, "serve_back_report"))}</a></p>'
    return document(t(lang, "serve_x_title", address=doc["address"]), back + explanation_html(doc, lang), lang, here=f"/informe/{token}/explicar?cifra={quote(doc['address'])}")


# --- diff ------------------------------------------------------------------------------------------


def diff_page(token: str, doc: dict, lang: str) -> str:
    T = lambda k, **kw: t(lang, k, **kw)
    a, b = doc["rules"][0]["id"], doc["rules"][1]["id"]
    out = [f'<p><a href="{esc(url(f"/informe/{token}", lang))}">← {esc(T("serve_back_report"))}</a></p>']
    out.append(f"<h1>{esc(T('serve_diff_heading', a=a, b=b))}</h1><p>{esc(T('serve_diff_plan', plan=doc['plan'], year=doc['year']))}</p>")
    out.append(f"<h2>{esc(T('serve_diff_rules', n=len(doc['rule_differences'])))}</h2>")
    if doc["rule_differences"]:
        rows = "".join(
            f"<tr><td><code>{esc(c['key'])}</code></td><td>{esc(_plain(c['old']))}</td><td class=src>{esc(_loc(c['old_rule']))}</td>"
            f"<td>{esc(_plain(c['new']))}</td><td class=src>{esc(_loc(c['new_rule']))}</td></tr>"
            for c in doc["rule_differences"]
        )
        out.append(f'<table id="tabla-reglas" class="sortable"><thead><tr><th>{esc(T("serve_col_key"))}</th><th>{esc(a)}</th><th></th><th>{esc(b)}</th><th></th></tr></thead><tbody>{rows}</tbody></table>')
    out.append(f"<h2>{esc(T('serve_diff_figures', n=len(doc['figures'])))}</h2>")
    if doc["figures"]:
        rows = []
        for f in doc["figures"]:
            band = f"{f['old_band'] or '—'} → {f['new_band'] or '—'}" if f["band_changed"] else (f["new_band"] or "")
            rows.append(
                f'<tr{" class=band-changed" if f["band_changed"] else ""}><td><code>{esc(f["id"])}</code></td><td>{esc(f["label"])}</td>'
                f'<td class="num" data-sort="{esc(f["old"] or "")}">{esc(f["old"] if f["old"] is not None else T("serve_nd"))}</td>'
                f'<td class="num" data-sort="{esc(f["new"] or "")}">{esc(f["new"] if f["new"] is not None else T("serve_nd"))}</td>'
                f'<td class="num" data-sort="{esc(f["difference"] or "")}">{esc(f["difference"] or "")}</td><td>{esc(band)}</td>'
                f'<td>{esc(", ".join(f["causes"]) or T("serve_diff_no_rule"))}</td></tr>'
            )
        heads = [T("serve_col_figure"), T("serve_col_label"), a, b, T("serve_col_difference"), T("serve_col_band"), T("serve_col_cause")]
        out.append('<table id="tabla-diferencias" class="sortable"><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in heads) + f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    else:
        out.append(f"<p>{esc(T('serve_diff_none'))}</p>")
    return document(T("serve_diff_heading", a=a, b=b), "".join(out), lang, script=SORT_JS, here=f"/informe/{token}/comparar?a={quote(a)}&b={quote(b)}")


def _plain(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


# --- batch -------------------------------------------------------------------------------------------


def batch_page(token: str, session, lang: str) -> str:
    T = lambda k, **kw: t(lang, k, **kw)
    rows = session.rows
    fig_cols: list[str] = []
    labels: dict[str, str] = {}
    for r in rows:
        for k in r.get("figures", {}):
            if k not in fig_cols:
                fig_cols.append(k)
        labels.update(r.get("labels", {}))
    heads = [T("serve_col_n"), T("serve_col_file"), T("serve_col_entity"), T("serve_col_year"), T("serve_col_rules")]
    head_html = "".join(f"<th>{esc(h)}</th>" for h in heads)
    head_html += "".join(f'<th class="num" title="{esc(k)}" data-figure="{esc(k)}">{esc(labels.get(k, k))} (%)</th>' for k in fig_cols)
    head_html += f"<th>{esc(T('serve_col_status'))}</th>"
    body = []
    for r in rows:
        if r["token"]:
            ent = f'<a href="{esc(url("/informe/" + r["token"], lang))}">{esc(r["entity"])}</a>'
        else:
            ent = esc(r["entity"] or "")
        cells = [
            f'<td class="num" data-sort="{r["n"]}">{r["n"]}</td>',
            f"<td>{esc(r['file'])}</td>",
            f"<td>{ent}</td>",
            f'<td class="num">{esc(r["year"] or "")}</td>',
            f"<td>{esc(r['rules'] or '')}</td>",
        ]
        for k in fig_cols:
            v = r.get("figures", {}).get(k)
            cells.append(f'<td class="num" data-sort="{esc(v if v is not None else "")}">{esc(v if v is not None else ("" if r["error"] else T("serve_nd")))}</td>')
        if r["error"]:
            detail = f'<details><summary>{esc(T("serve_batch_detail"))}</summary><pre>{esc(r["error_detail"])}</pre></details>' if r.get("error_detail") else ""
            cells.append(f'<td class="error-cell">{esc(r["error"])}{detail}</td>')
        else:
            cells.append(f"<td>{esc(T('serve_batch_ok'))}</td>")
        body.append(f'<tr class="{"failed" if r["error"] else "ok"}">{"".join(cells)}</tr>')
    n_ok = sum(1 for r in rows if not r["error"])
    table = f'<table id="tabla-lote" class="sortable"><thead><tr>{head_html}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    dl = f'<p><a class="download" href="{esc(url(f"/lote/{token}/descargar/lote.json", lang))}" download>{esc(T("serve_dl_batch"))}</a></p>'
    text = (
        f"<header><h1>{esc(T('serve_batch_title'))}</h1><p>{esc(T('serve_batch_summary', ok=n_ok, n=len(rows)))}</p>"
        f'<p class="muted">{esc(T("serve_batch_hint"))}</p></header>{table}{dl}'
    )
    return document(T("serve_batch_title"), text, lang, script=SORT_JS, here=f"/lote/{token}")


def error_page(err: ServeError, lang: str) -> str:
    back = f'<p><a href="{esc(url("/", lang))}">← {esc(t(lang, "serve_nav_new"))}</a></p>'
    return document(err.message(lang), f"<h1>{esc(t(lang, 'serve_error_title'))}</h1>{error_box(err, lang)}{back}", lang)
