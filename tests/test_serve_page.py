"""``pei-rules serve``'s web page through Starlette's TestClient (the browser test is
tests/test_serve_browser.py): upload, report, explanations, check, audit, downloads,
rule-set comparison, batches, errors in Spanish, English switch, no external resource."""
from __future__ import annotations

import io
import json
import re
import warnings
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import openpyxl
import pytest
from report_helpers import write_plans
from test_serve_api import _workbook

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from pei_rules.cli import main
from pei_rules.serve.app import create_app
from pei_rules.serve.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"
IMPORT = ROOT / "plans" / "zed-ilo" / "import"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(create_app(Settings(max_files=20)))


def upload(client, files: list[tuple[str, bytes]], **data) -> str:
    r = client.post("/evaluar", files=[("archivos", (n, b, "application/octet-stream")) for n, b in files], data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    return r.headers["location"]


@pytest.fixture(scope="module")
def zed_report(client):
    loc = upload(client, [("pei-2023-2025.toml", ZED.read_bytes())], anio="2023")
    token = re.match(r"/informe/([^?/]+)", loc).group(1)
    return token, client.get(loc).text


class Resources(HTMLParser):
    """Every URL the page would fetch by itself (scripts, styles, images, frames)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "audio", "video", "source") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])


def external(html: str) -> list[str]:
    p = Resources()
    p.feed(html)
    found = p.urls + re.findall(r"url\(\s*['\"]?(https?:[^)'\"]+)", html) + re.findall(r"@import", html)
    return found


def test_home_is_spanish_with_an_english_switch(client):
    r = client.get("/")
    assert r.status_code == 200
    assert '<html lang="es"' in r.text and "Evaluar un plan" in r.text and "Conjunto de reglas" in r.text
    assert 'href="/?lang=en"' in r.text
    assert not external(r.text)
    en = client.get("/?lang=en").text
    assert '<html lang="en"' in en and "Evaluate a plan" in en


def test_report_shows_the_zed_figures_with_check_audit_downloads(client, zed_report):
    token, html = zed_report
    assert "95.10" in html and "92.59" in html and "74.27" in html
    assert "AEI.03.02" in html and "66.7" in html
    assert "Verificación de consistencia" in html and "Auditoría de las cifras publicadas" in html
    assert re.search(r"\d+ coinciden, \d+ no coinciden, \d+ no se pueden recalcular", html)
    assert re.search(r"\d+ errores, \d+ avisos", html)
    ids = json.loads(re.search(r'<script type="application/json" id="figure-ids">(.*?)</script>', html).group(1))
    assert "AEI.03.02" in ids and "ejecucion_ponderada" in ids and "avance_aei:AEI.03.02" in ids
    assert "rule set 'ceplan-2023' is valid for 2023" in html or "ceplan-2023" in html
    assert not external(html)


def test_explanation_has_formula_inputs_lines_rounding_band(client, zed_report):
    token, _ = zed_report
    r = client.get(f"/informe/{token}/explicar?cifra=AEI.03.02&fragmento=1")
    assert r.status_code == 200
    h = r.text
    assert 'data-name="obtenido"' in h and ">20<" in h and 'data-name="esperado"' in h and ">30<" in h
    assert "min(tope, 100 * obtenido / esperado)" in h
    assert "pei-2023-2025.toml:292" in h and "pei-2023-2025.toml:291" in h  # plan lines
    assert "rules/ceplan-2023/avance.toml:27" in h  # rule file:line
    assert "redondeo" in h and "half_up" in h and "semáforo" in h and "Rojo" in h
    page = client.get(f"/informe/{token}/explicar?cifra=AEI.03.02").text
    assert page.startswith("<!DOCTYPE html>") and "Volver al informe" in page
    bad = client.get(f"/informe/{token}/explicar?cifra=AEI.99.99&fragmento=1")
    assert bad.status_code == 422 and "AEI.99.99" in bad.text and "Traceback" not in bad.text


def test_downloads(client, zed_report, tmp_path):
    token, _ = zed_report
    r = client.get(f"/informe/{token}/descargar/resultado.json")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    doc = r.json()
    out = tmp_path / "cli.json"
    assert main(["evaluate", str(ZED), "--year", "2023", "--format", "json", "--out", str(out)]) == 0
    cli = json.loads(out.read_text(encoding="utf-8"))
    assert doc["figures"] == cli["figures"] and doc["summary"] == cli["summary"]
    assert client.get(f"/informe/{token}/descargar/plan.toml").content == ZED.read_bytes()
    html = client.get(f"/informe/{token}/descargar/informe.html").text
    assert html.startswith("<!DOCTYPE html>") and "95.10" in html
    assert client.get(f"/informe/{token}/descargar/verificacion.json").json()["format"] == "pei-rules/check"
    assert client.get(f"/informe/{token}/descargar/auditoria.json").json()["format"] == "pei-rules/audit"
    r = client.get(f"/informe/{token}/descargar/anexos.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    cells = {str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None}
    assert "ZEDILO" in " ".join(cells) or any("ZED ILO" in c for c in cells)
    assert {"95.1", "92.59", "74.27"} <= cells  # numbers stored as numbers
    r = client.get(f"/informe/{token}/descargar/informe.docx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    tables = " ".join(c.text for tb in docx.Document(io.BytesIO(r.content)).tables for row in tb.rows for c in row.cells)
    assert "95,10" in text + tables and "ZED ILO" in text + tables  # the informe writes Peruvian decimals
    assert client.get(f"/informe/{token}/descargar/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get(f"/informe/{token}/descargar/otro.txt").status_code == 404


def test_compare_rule_sets(client, zed_report):
    token, _ = zed_report
    r = client.get(f"/informe/{token}/comparar?a=ceplan-2023&b=ceplan-2023-fijo-321")
    assert r.status_code == 200
    assert "ceplan-2023 → ceplan-2023-fijo-321" in r.text and "ejecucion_ponderada" in r.text
    bad = client.get(f"/informe/{token}/comparar?a=ceplan-2023&b=/etc")
    assert bad.status_code == 422 and "no existe en este servidor" in bad.text


def test_spreadsheets_give_the_plan_toml(client):
    ind, ao = IMPORT / "indicadores.csv", IMPORT / "ao-2023.csv"
    loc = upload(client, [("indicadores.csv", ind.read_bytes()), ("ao-2023.csv", ao.read_bytes())], anio="2023")
    html = client.get(loc).text
    assert "Plan convertido de las hojas: indicadores.csv, ao-2023.csv" in html
    token = re.match(r"/informe/([^?/]+)", loc).group(1)
    toml = client.get(f"/informe/{token}/descargar/plan.toml").text
    assert "[[indicador]]" in toml


def test_batch_of_plans_in_a_zip(client, tmp_path):
    plans = write_plans(tmp_path / "plans", broken=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in plans:
            zf.writestr(f"lote/{p.name}", p.read_bytes())
    loc = upload(client, [("lote.zip", buf.getvalue())], anio="2023")
    assert loc.startswith("/lote/")
    html = client.get(loc).text
    assert "4 de 5 planes evaluados." in html
    assert 'class="sortable"' in html and "Entidad A (ENT-A)" in html
    links = re.findall(r'href="(/informe/[^"]+)"', html)
    assert len(links) == 4
    assert "95.10" in client.get(links[0].replace("&amp;", "&")).text  # ENT-A is ZED ILO's figures
    assert "zz-rota.toml" in html and "El plan «zz-rota.toml» tiene un error." in html
    token = loc.split("/")[2].split("?")[0]
    doc = client.get(f"/lote/{token}/descargar/lote.json").json()
    assert len(doc["entities"]) == 5


def test_errors_are_spanish_pages_never_traces(client):
    text = ZED.read_bytes().replace(b'sentido = "Ascendente"', b'sentido = "Hacia arriba"', 1)
    r = client.post("/evaluar", files=[("archivos", ("roto.toml", text, "application/toml"))], data={"anio": "2023"})
    assert r.status_code == 422
    assert "El plan «roto.toml» tiene un error." in r.text and "roto.toml:" in r.text
    assert "Traceback" not in r.text and 'File "' not in r.text
    assert '<form class="upload"' in r.text  # the form again, to try once more
    r = client.post("/evaluar", files=[("archivos", ("x.pdf", b"%PDF", "application/pdf"))], data={})
    assert r.status_code == 415 and "tipo de archivo no admitido" in r.text
    r = client.post("/evaluar?lang=en", files=[("archivos", ("x.pdf", b"%PDF", "application/pdf"))], data={"lang": "en"})
    assert "unsupported file type" in r.text
    r = client.get("/informe/no-such-token")
    assert r.status_code == 404 and "vuelva a subir el plan" in r.text
    r = client.get("/nada")
    assert r.status_code == 404 and "Página no encontrada." in r.text


def test_own_rules_field_only_when_the_server_allows_it(client):
    assert 'name="reglas_archivos"' not in client.get("/").text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        open_client = TestClient(create_app(Settings(allow_user_rules=True)))
    assert 'name="reglas_archivos"' in open_client.get("/").text
    files = [
        ("archivos", ("pei.toml", ZED.read_bytes(), "application/toml")),
        ("reglas_archivos", ("reglas-propias.toml", b'[ponderacion]\nesquema = "fijo_3_2_1"\n', "application/toml")),
    ]
    r = open_client.post("/evaluar", files=files, data={"anio": "2023", "reglas": "ceplan-2023"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:1000]
    html = open_client.get(r.headers["location"]).text
    assert "94.25" in html and "reglas-propias.toml" in html
    r = client.post("/evaluar", files=files, data={"anio": "2023"})
    assert r.status_code == 403 and "--allow-user-rules" in r.text


def test_a_workbook_upload(client, tmp_path):
    book = _workbook(tmp_path)
    loc = upload(client, [("zed.xlsx", book.read_bytes())], anio="2023")
    html = client.get(loc).text
    assert "Plan convertido de las hojas: zed.xlsx" in html and "Evaluación anual 2023" in html


def test_explanation_prints_legal_references_as_text(client):
    """The rule's and the band's references, as people read them (never a raw JSON object)."""
    from pei_rules.serve import page

    plan = ZED.read_bytes()
    doc = client.post("/api/explain", files={"plan": ("pei.toml", plan)}, data={"year": "2023", "figure": "AEI.03.02"}).json()
    html = page.explanation_html(doc, "es")
    assert "referencia normativa" in html
    assert "Res. N° 0061-2023-CEPLAN/PCD" in html  # the advance formula's reference
    assert "Semaforización por nivel de avance" in html  # the band's reference
    assert "{&quot;" not in html and '{"' not in html
