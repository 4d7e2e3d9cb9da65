"""The HTML report's body as a reader sees it (fully in the report's language, no hashes or
internal ids before the receipt annex, long exact values rounded with every digit on hover,
codes never broken mid-word), and the report printed to PDF by headless Chromium."""
from __future__ import annotations

import html as htmllib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from report_helpers import ROOT, ZED, colors_of

from pei_rules.commands._common import evaluate_path
from pei_rules.html_report import render_html
from pei_rules import report_model
from pei_rules.ruleset import load_ruleset, resolve


@pytest.fixture(scope="module")
def zed_ev():
    import argparse

    return evaluate_path(str(ZED), argparse.Namespace(year=2023))


def visible(html: str) -> str:
    """The text a reader sees: no style, script, tags or attributes."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", html))


def body_and_annex(html: str, annex_title: str) -> tuple[str, str]:
    head, _, annex = html.partition(f"<h2>{annex_title}</h2>")
    assert annex, "no receipt annex"
    return visible(head), visible(annex)


@pytest.mark.parametrize("lang,annex", [("es", "Recibo y trazabilidad"), ("en", "Receipt and traceability")])
def test_body_without_hashes_or_internal_ids(zed_ev, lang, annex):
    html = render_html(zed_ev, lang)
    body, rest = body_and_annex(html, annex)
    rules = zed_ev.rules
    assert not re.search(r"\b[0-9a-f]{16,}\b", body), "a hash in the body"
    kinds = set(rules.figure_kinds())
    assert not [w for w in re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", body) if w in kinds], "an internal figure id in the body"
    assert not re.search(r"\b(?:avance|ejecucion|conteo|dato)[a-z_]*:[A-Za-z]", body)
    assert "{" not in body  # no raw JSON receipt
    # the receipt moved to the annex, whole
    assert rules.content_hash in rest and zed_ev.plan.sha256 in rest and "ejecucion_ponderada" in rest
    assert "agregacion.toml:" in rest


def test_spanish_body_has_no_english(zed_ev):
    body, _ = body_and_annex(render_html(zed_ev, "es"), "Recibo y trazabilidad")
    for english in ("rule set", "is valid", "anchored", "Advance", "Traffic", "Generated", " the ", " of the "):
        assert english not in body, english
    assert "Rojo" in body and "Ejecución ponderada de AEI" in body


def test_english_body_takes_english_labels_from_the_rules(zed_ev):
    html = render_html(zed_ev, "en")
    body, _ = body_and_annex(html, "Receipt and traceability")
    # up to the published figures (whose sources quote the Spanish report, as data)
    ours = visible(html.split('<section id="publicado">', 1)[0])
    for spanish in ("Rojo", "Verde", "Amarillo", "Sin dato", "Ejecución ponderada", "Avance de la AEI", "Semaforización", "Ejecución física"):
        assert spanish not in ours, spanish
    assert "Weighted AEI execution" in body and "Red" in body and "AEI physical execution" in body


def test_exact_values_rounded_for_display_with_every_digit_on_hover(zed_ev):
    html = render_html(zed_ev, "es")
    body, _ = body_and_annex(html, "Recibo y trazabilidad")
    assert not re.search(r"\d\.\d{5,}", body), "a long exact value in the body"
    assert 'title="95.09803921568627450980392159"' in html  # the card and the cell of 95.10
    assert "66.6667…" in body  # the audit's cause "66.666…67 -> 66.66", shortened for reading
    cell = report_model._maybe_num_cell("66.666666666666666666666666667", "es", places=2)
    assert cell.text == "66.67…" and cell.title == "66.666666666666666666666666667" and cell.numeric


def test_codes_never_break_mid_word(zed_ev):
    html = render_html(zed_ev, "es")
    css = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "overflow-wrap:anywhere" not in css and "break-all" not in css
    assert "td{overflow-wrap:normal;word-break:normal;hyphens:none}" in css


def test_receipt_annex_in_the_markdown_too(zed_ev):
    from pei_rules.render import render_markdown

    md = render_markdown(zed_ev, "es")
    assert "## Recibo y trazabilidad" in md and zed_ev.rules.content_hash in md


# --- PDF ---------------------------------------------------------------------------------------


def need(program: str, package: str) -> None:
    if shutil.which(program):
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {program} is missing: .ci/run must install it ({package})")
    pytest.skip(f"{program} is not installed ({package}); CI runs these tests")


def test_report_as_pdf(tmp_path):
    """One Chromium print for the suite: A4, running header, 'Página X de Y', colours painted."""
    need("chromium", "chromium")
    need("pdftoppm", "poppler-utils")
    out = tmp_path / "zed.pdf"
    env = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "pei_rules", "report", str(ZED), "--year", "2023", "--format", "pdf", "--out", str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, timeout=60).stdout
    assert "(A4)" in info, info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, timeout=60).stdout
    assert f"Página 1 de {pages}" in text and f"Página {pages} de {pages}" in text
    assert text.count("ZED ILO · Evaluación anual 2023 del PEI 2023-2025") == pages
    assert "95.10" in text and "file://" not in text  # no Chromium URL/date header
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(out), str(tmp_path / "p")], check=True, timeout=120)
    colors = colors_of(next(tmp_path.glob("p*.png")), step=2)
    rojo = load_ruleset(resolve("ceplan-2023")).scales["ceplan"].bands[0].color
    want = tuple(int(rojo[i : i + 2], 16) for i in (1, 3, 5))
    assert any(sum(abs(a - b) for a, b in zip(c, want)) < 20 for c in colors)


def test_pdf_without_chromium_is_a_clear_error(tmp_path):
    out = tmp_path / "zed.pdf"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PEI_RULES_CHROMIUM": str(tmp_path / "no-hay-chromium")}
    page = tmp_path / "zed.html"
    r = subprocess.run([sys.executable, "-m", "pei_rules", "report", str(ZED), "--year", "2023", "--out", str(page)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0  # HTML by the file name: no browser needed
    r = subprocess.run([sys.executable, "-m", "pei_rules", "report", str(ZED), "--year", "2023", "--format", "pdf", "--out", str(out)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "Chromium" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
