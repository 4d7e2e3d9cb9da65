"""Property: whatever bytes arrive, the API answers with the CLI's figures or a JSON error
object (a 4xx status, a Spanish message, never a trace, never a 500)."""
from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import broken_plans, mutate_bytes, to_toml

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from pei_rules.serve.app import create_app
from pei_rules.serve.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"
IND = ROOT / "plans" / "zed-ilo" / "import" / "indicadores.csv"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    CLIENT = TestClient(create_app(Settings(max_file_bytes=2 * 1024 * 1024, max_files=10)))


def answer_is_sound(r) -> None:
    assert r.status_code != 500, r.text[:1000]
    assert "Traceback" not in r.text and 'File "/' not in r.text
    doc = r.json()
    if r.status_code == 200:
        assert doc["format"] == "pei-rules/evaluation"
    else:
        assert 400 <= r.status_code < 500
        e = doc["error"]
        assert e["status"] == r.status_code and e["message"] and e["code"]


def _zip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, data)
    return buf.getvalue()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutate_bytes(ZED.read_bytes()), kind=st.sampled_from(["toml", "csv", "zip"]), lang=st.sampled_from(["es", "en"]))
def test_damaged_uploads_never_break_the_server(data, kind, lang):
    if kind == "csv":
        files = {"plan": ("indicadores.csv", data[:2000] + IND.read_bytes()[: len(data) % 3000], "text/csv")}
    elif kind == "zip":
        files = {"plan": ("x.zip", _zip("p.toml", data) if len(data) % 2 else data[:5000], "application/zip")}
    else:
        files = {"plan": ("p.toml", data, "application/toml")}
    answer_is_sound(CLIENT.post(f"/api/evaluate?lang={lang}", files=files, data={"year": "2023"}))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=broken_plans())
def test_broken_plans_name_their_key(case):
    doc, what, path = case
    r = CLIENT.post("/api/evaluate", json={"plan": to_toml(doc), "plan_name": "roto.toml", "year": 2023})
    answer_is_sound(r)
    assert r.status_code in (413, 422)
    assert "roto.toml" in r.json()["error"]["message"]
