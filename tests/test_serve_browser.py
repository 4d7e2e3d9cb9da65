"""The page in a real browser: headless Chromium driven over the DevTools protocol.

A server runs on 127.0.0.1 (a free port); Chromium has no other network. As a person
would: open the page, type the year (the page preselects the rule set and says why),
choose the ZED ILO plan, press Evaluar, see 95.10, click AEI.03.02, read its explanation
(obtenido 20, esperado 30, the formula and the plan lines), download the JSON result and
read it back. Screenshots of each step are checked (size, not blank) and, with
``PEI_RULES_SAVE_SCREENSHOTS=1``, written to docs/img/ (the ones committed there).
Without Chromium the test is skipped, except in CI (``CI=true``), where it must run.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from cdp import Browser
from report_helpers import colors_of, find_chromium, read_png, write_plans

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"
IMG = ROOT / "docs" / "img"
sys.path.insert(0, str(ROOT / "benchmarks"))

import serve_load  # noqa: E402


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but Chromium is missing: .ci/run must install it (apt-get install -y chromium)")
        pytest.skip("Chromium is not installed (apt-get install -y chromium); CI runs this test")
    b = Browser(binary, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def shot(browser, tmp_path: Path, name: str) -> Path:
    png = browser.screenshot(tmp_path / name)
    width, height, _, _ = read_png(png)
    assert (width, height) == (1280, 1000)
    assert len(colors_of(png, step=7)) > 8, "the screenshot is blank"
    if os.environ.get("PEI_RULES_SAVE_SCREENSHOTS"):
        shutil.copyfile(png, IMG / name)
    return png


def wait_file(folder: Path, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError("the download did not arrive")


def test_upload_zed_see_95_10_click_aei_03_02_download_json(browser, tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with serve_load.running_server() as port:
        base = f"http://127.0.0.1:{port}"
        browser.open(base + "/")
        assert browser.js("document.documentElement.lang") == "es"
        assert "Evaluar un plan" in browser.js("document.body.innerText")

        # typing the year preselects the rule set valid for it, and the page says why
        browser.js("var y=document.getElementById('anio'); y.value='2023'; y.dispatchEvent(new Event('change'))")
        browser.wait_for("document.getElementById('reglas').value === 'ceplan-2023'")
        why = browser.js("document.getElementById('por-que').textContent")
        assert "ceplan-2023" in why and "2023" in why and "anclado" in why
        browser.set_files("#archivos", [ZED])
        shot(browser, tmp_path, "serve-upload.png")

        browser.click("#evaluar")
        browser.wait_for("location.pathname.startsWith('/informe/') && document.readyState === 'complete' && !!document.querySelector('#informe a.fig')")
        text = browser.js("document.getElementById('informe').innerText")
        assert "95.10" in text and "92.59" in text and "74.27" in text
        assert "conjunto de reglas «ceplan-2023», vigente para 2023" in text  # why this rule set, in Spanish
        nothing_external = browser.js(
            "performance.getEntriesByType('resource').filter(function(e){return !e.name.startsWith(location.origin)}).map(function(e){return e.name})"
        )
        assert nothing_external == []
        shot(browser, tmp_path, "serve-report.png")

        # AEI.03.02's code is a link to its explanation
        sel = '#informe tr[data-code="AEI.03.02"] a.fig'
        assert browser.js(f"document.querySelector({json.dumps(sel)}).textContent") == "AEI.03.02"
        browser.click(sel)
        browser.wait_for("document.getElementById('explicacion').classList.contains('open') && !!document.querySelector('#explicacion .tree')")
        panel = browser.js("document.getElementById('explicacion').innerText")
        assert "AEI.03.02" in panel and "66.7" in panel
        leaves = browser.js(
            "Array.from(document.querySelectorAll('#explicacion li.leaf')).map(function(li){return [li.dataset.name, li.querySelector('.v').textContent]})"
        )
        assert ["obtenido", "20"] in leaves and ["esperado", "30"] in leaves
        assert "min(tope, 100 * obtenido / esperado)" in panel
        assert "pei-2023-2025.toml:292" in panel and "rules/ceplan-2023/avance.toml:27" in panel
        shot(browser, tmp_path, "serve-explain.png")

        # a value cell is a link too: the weighted execution card explains its own figure
        browser.click("#explicacion-cerrar")
        browser.click('#informe .card[data-figure="ejecucion_ponderada"] a.fig')
        browser.wait_for("document.getElementById('explicacion').dataset.figure === 'ejecucion_ponderada'")
        assert "95.10" in browser.js("document.getElementById('explicacion').innerText")
        browser.click("#explicacion-cerrar")

        # download the JSON result
        browser.allow_downloads(downloads)
        browser.click("#dl-resultado")
        got = wait_file(downloads)
        doc = json.loads(got.read_text(encoding="utf-8"))
        assert got.name.endswith("resultado.json")
        assert doc["format"] == "pei-rules/evaluation" and doc["summary"]["ejecucion_ponderada"] == "95.10"
        figs = {f["id"]: f["value"] for f in doc["figures"]}
        assert figs["avance_aei:AEI.03.02"] == "66.7"

        # the English switch
        browser.click('.app-bar .lang a[hreflang="en"]')
        browser.wait_for("document.documentElement.lang === 'en' && document.readyState === 'complete'")
        assert "Click any figure or code" in browser.js("document.body.innerText")


def test_batch_table_sorts_and_links_each_entity(browser, tmp_path):
    plans = write_plans(tmp_path / "plans", broken=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in plans:
            zf.writestr(p.name, p.read_bytes())
    (tmp_path / "lote.zip").write_bytes(buf.getvalue())
    with serve_load.running_server() as port:
        base = f"http://127.0.0.1:{port}"
        browser.open(base + "/")
        browser.set_files("#archivos", [tmp_path / "lote.zip"])
        browser.js("document.getElementById('anio').value='2023'")
        browser.click("#evaluar")
        browser.wait_for("location.pathname.startsWith('/lote/') && document.readyState === 'complete'")
        col = browser.js("Array.from(document.querySelectorAll('#tabla-lote th')).findIndex(function(th){return th.dataset.figure==='ejecucion_ponderada'})")
        assert col > 0

        def column():
            return browser.js(f"Array.from(document.querySelectorAll('#tabla-lote tbody tr')).map(function(r){{return r.cells[{col}].textContent.trim()}})")

        browser.click(f"#tabla-lote th:nth-child({col + 1})")
        asc = column()
        browser.click(f"#tabla-lote th:nth-child({col + 1})")
        desc = column()
        numbers = [Decimal(v) for v in asc if v]
        assert numbers == sorted(numbers) and len(numbers) == 4 and asc[-1] == ""  # the failed plan last
        assert [Decimal(v) for v in desc if v] == sorted(numbers, reverse=True) and desc[-1] == ""
        shot(browser, tmp_path, "serve-batch.png")
        # each entity links to its report
        browser.click("#tabla-lote tbody tr:first-child a")
        browser.wait_for("location.pathname.startsWith('/informe/') && document.readyState === 'complete'")
        assert "Evaluación anual 2023" in browser.js("document.body.innerText")
        token = browser.js("location.pathname.split('/')[2]")
        browser.send("Page.navigate", {"url": f"{base}/informe/{token}/comparar?a=ceplan-2023&b=ceplan-2023-fijo-321"})
        browser.wait_for("location.pathname.endsWith('/comparar') && document.readyState === 'complete'")
        assert "ponderacion.esquema" in browser.js("document.body.innerText")
        shot(browser, tmp_path, "serve-diff.png")
