"""The HTML reports in a real browser: headless Chromium with the network disabled.

Checks come from the browser's own DOM (``--dump-dom``, after the page has loaded and its
scripts have run) and from a screenshot (``--screenshot``, decoded here). Without Chromium
the tests are skipped, except in CI (``CI=true``), where they must run.
"""
from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from report_helpers import chromium, colors_of, find_chromium, read_png, write_plans
from test_report_html import check_aei_rows, check_charts, external_references, parse_html

from pei_rules.cli import main
from pei_rules.html_report import render_html

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but Chromium is missing: .ci/run must install it (apt-get install -y chromium)")
        pytest.skip("Chromium is not installed (apt-get install -y chromium); CI runs these tests")
    profile = tmp_path_factory.mktemp("chromium-profile")

    def run(*args: str):
        r = chromium(binary, profile, *args)
        assert r.returncode == 0, f"chromium exited {r.returncode}: {r.stderr[-2000:]}"
        return r

    return run


def dump_dom(browser, page: Path) -> str:
    return browser("--virtual-time-budget=5000", "--dump-dom", page.resolve().as_uri()).stdout


def screenshot(browser, page: Path, png: Path, size: str = "1000,1400") -> Path:
    browser(f"--window-size={size}", f"--screenshot={png}", page.resolve().as_uri())
    assert png.is_file() and png.stat().st_size > 0
    return png


def test_the_browser_really_has_no_network(browser, tmp_path):
    """Control: under these flags an external image fails to load (so a report that loads fully needs none)."""
    page = tmp_path / "control.html"
    page.write_text(
        '<!DOCTYPE html><html><body><p id="s">pending</p>'
        '<img src="http://example.com/x.png" onload="document.getElementById(\'s\').textContent=\'loaded\'" '
        "onerror=\"document.getElementById('s').textContent='blocked'\"></body></html>",
        encoding="utf-8",
    )
    dom = dump_dom(browser, page)
    assert '<p id="s">blocked</p>' in dom


@pytest.fixture(scope="module")
def zed_page(tmp_path_factory, zed_eval):
    page = tmp_path_factory.mktemp("zed") / "zed-ilo.html"
    page.write_text(render_html(zed_eval, "es"), encoding="utf-8")
    return page


def test_zed_report_in_chromium_dom(browser, zed_page, rules_2023):
    dom_text = dump_dom(browser, zed_page)
    dom = parse_html(dom_text)
    text = dom.all_text()
    for figure in ("95.10", "92.59", "74.27"):
        assert figure in text, figure
    cards = {n.attrs["data-figure"]: n for n in dom.find_all("div", "card")}
    assert "95.10" in cards["ejecucion_ponderada"].all_text() and "band-verde" in cards["ejecucion_ponderada"].classes
    assert check_aei_rows(dom, rules_2023) == 12
    check_charts(dom, 4)
    assert external_references(dom_text) == []
    assert dom.find_all("footer"), "the page did not load to its end"


def test_zed_report_screenshot_is_not_blank_and_shows_the_bands(browser, zed_page, rules_2023, tmp_path):
    png = screenshot(browser, zed_page, tmp_path / "zed.png")
    width, height, _, _ = read_png(png)
    assert (width, height) == (1000, 1400)
    colors = colors_of(png)
    assert len(colors) > 50, "a blank or nearly blank page"
    white = colors.get((255, 255, 255), 0)
    assert white < 0.9 * sum(colors.values())
    for band in rules_2023.scales["ceplan"].bands:
        if band.name == "amarillo":
            continue  # no AEI advance is amarillo in ZED ILO; the summary card is, but keep the check to what the table shows
        rgb = tuple(int(band.color[i : i + 2], 16) for i in (1, 3, 5))
        assert colors.get(rgb, 0) > 20, f"{band.name} ({band.color}) not painted"


def test_batch_report_in_chromium(browser, tmp_path):
    plans = tmp_path / "plans"
    write_plans(plans)
    outdir = tmp_path / "lote"
    assert main(["batch", str(plans), "--year", "2023", "--out", str(outdir), "--quiet"]) == 1
    page = tmp_path / "lote.html"
    assert main(["report", "--batch", str(outdir), "--out", str(page)]) == 1
    dom_text = dump_dom(browser, page)
    dom = parse_html(dom_text)
    html_node = next(n for n in dom.iter() if n.tag == "html")
    assert html_node.attrs.get("data-sortable") == "ready", "the sorting script did not run"
    rows = dom.find_all("tr", "entidad")
    assert len(rows) == 5
    for tr in rows[:4]:
        cell = next(c for c in tr.children if c.tag == "td" and c.attrs.get("data-band"))
        value = Decimal(cell.attrs["data-sort"])
        assert f"band-{tr.attrs['data-band']}" in tr.classes
        # ceplan-2023 bands, read from the rule set through the cell's own band
        assert cell.attrs["data-band"] == tr.attrs["data-band"] and str(value) in cell.all_text()
    assert "95.10" in rows[0].all_text()
    check_charts(dom, 1)
    assert external_references(dom_text) == []
    png = screenshot(browser, page, tmp_path / "lote.png", "1200,900")
    assert len(colors_of(png)) > 50


def test_batch_table_sorts_in_the_browser(browser, tmp_path):
    """Click the weighted-execution header (descending after two clicks) and read the row order."""
    plans = tmp_path / "plans"
    write_plans(plans, broken=False)
    page = tmp_path / "lote.html"
    assert main(["report", "--batch", str(plans), "--year", "2023", "--out", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    col = re.search(r'data-col="(\d+)">[^<]*ponderada', text).group(1)
    click = f"<script>var h=document.querySelector('th[data-col=\"{col}\"]');h.click();h.click();</script></body>"
    page.write_text(text.replace("</body>", click), encoding="utf-8")
    dom = parse_html(dump_dom(browser, page))
    order = [tr.attrs["data-code"] for tr in dom.find_all("tr", "entidad")]
    assert order == ["ENT-A", "ENT-C", "ENT-D", "ENT-B"]  # 95.10 > 92.55 > 80.65 > 58.59


def test_batch_report_over_the_plans_folder(browser, tmp_path):
    page = tmp_path / "plans.html"
    assert main(["report", "--batch", str(ROOT / "plans"), "--year", "2023", "--out", str(page)]) == 0
    dom = parse_html(dump_dom(browser, page))
    rows = dom.find_all("tr", "entidad")
    assert rows and all("state-ok" in r.classes for r in rows)
    assert any(r.attrs["data-code"] == "ZEDILO" and "95.10" in r.all_text() for r in rows)
    check_charts(dom, 1)


def test_zed_report_prints_on_a4_pages(browser, zed_page, tmp_path):
    pdf = tmp_path / "zed.pdf"
    browser("--no-pdf-header-footer", f"--print-to-pdf={pdf}", zed_page.resolve().as_uri())
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert boxes and pages >= 2
    for w, h in boxes:  # A4 portrait: 595 x 842 points
        assert abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2, (w, h)
    assert pages <= 20, f"{pages} pages: the report no longer prints compactly"
