"""``pei-rules serve``'s JSON API through Starlette's TestClient.

The API returns the documents of the command line: for every plan here, the figures of
``POST /api/evaluate`` are those of ``pei-rules evaluate --format json``, and explain,
audit, check and diff agree with their ``--format json`` too. Errors are JSON objects
with a Spanish message (English on request), never a trace; limits hold; rule sets are
chosen by id only; the OpenAPI schema the server publishes matches its routes and every
response the tests get.
"""
from __future__ import annotations

import csv
import io
import json
import os
import time
import re
import tempfile
import tomllib
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from report_helpers import plan_variant

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from pei_rules.ruleset import loader as ruleset_loader
from pei_rules.cli import main
from pei_rules.serve.app import API_ROUTES, create_app
from pei_rules.serve.openapi import openapi_schema
from pei_rules.serve.settings import LOOPBACK_HOSTS, Settings

ROOT = Path(__file__).resolve().parent.parent
ZED = ROOT / "plans" / "zed-ilo" / "pei-2023-2025.toml"
IMPORT = ROOT / "plans" / "zed-ilo" / "import"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(create_app(Settings(max_body_bytes=3 * 1024 * 1024, max_file_bytes=1024 * 1024, max_files=12)))


@pytest.fixture(scope="module")
def schema():
    return openapi_schema()


# --- a small JSON-schema checker for the subset the OpenAPI document uses -------------------------


def validate(value, sch: dict, root: dict, path: str = "$") -> list[str]:
    if "$ref" in sch:
        target = root
        for part in sch["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return validate(value, target, root, path)
    errs: list[str] = []
    for sub in sch.get("allOf", []):
        errs += validate(value, sub, root, path)
    types = sch.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        py = {"object": dict, "array": list, "string": str, "integer": int, "boolean": bool, "null": type(None), "number": (int, float)}
        ok = any(isinstance(value, py[t]) and not (t == "integer" and isinstance(value, bool)) for t in types)
        if not ok:
            return errs + [f"{path}: expected {types}, got {type(value).__name__}"]
    if "const" in sch and value != sch["const"]:
        errs.append(f"{path}: expected {sch['const']!r}, got {value!r}")
    if "enum" in sch and value not in sch["enum"]:
        errs.append(f"{path}: {value!r} not in {sch['enum']}")
    if isinstance(value, dict):
        for k in sch.get("required", []):
            if k not in value:
                errs.append(f"{path}: missing {k!r}")
        for k, sub in sch.get("properties", {}).items():
            if k in value:
                errs += validate(value[k], sub, root, f"{path}.{k}")
        if sch.get("additionalProperties") is False:
            errs += [f"{path}: unexpected {k!r}" for k in value if k not in sch.get("properties", {})]
    if isinstance(value, list):
        if "minItems" in sch and len(value) < sch["minItems"]:
            errs.append(f"{path}: fewer than {sch['minItems']} items")
        if "items" in sch:
            for i, item in enumerate(value[:200]):
                errs += validate(item, sch["items"], root, f"{path}[{i}]")
    return errs


def response_schema(schema: dict, path: str, method: str, status: int) -> dict:
    op = schema["paths"][path][method]
    return op["responses"][str(status)]["content"]["application/json"]["schema"]


def checked(schema, r, path: str, method: str = "post") -> dict:
    """The response's JSON, after checking it against the schema the server publishes."""
    doc = r.json()
    errs = validate(doc, response_schema(schema, path, method, r.status_code), schema)
    assert not errs, errs[:10]
    return doc


# --- the CLI's documents ----------------------------------------------------------------------------


def cli_json(tmp_path: Path, *argv: str) -> dict:
    out = tmp_path / "cli.json"
    code = main([*argv, "--format", "json", "--out", str(out)])
    assert code in (0, 1), code
    return json.loads(out.read_text(encoding="utf-8"))


def same_evaluation(api: dict, cli: dict) -> None:
    for key in ("format", "format_version", "entity", "plan", "year", "figures", "counts", "summary"):
        assert api[key] == cli[key], key
    assert api["receipt"]["rule_set"] == cli["receipt"]["rule_set"]
    assert api["receipt"]["plan"]["sha256"] == cli["receipt"]["plan"]["sha256"]


PLANS = [
    ("zed", None, 2023, None),
    ("zed", None, 2023, "ceplan-2023-fijo-321"),
    ("zed", None, None, None),
    ("ENT-B", "0.3", 2023, None),
    ("ENT-C", "0.8", 2023, "ceplan-2023-fijo-321"),
    ("ENT-D", "0.55", 2023, None),
]


def plan_text(code: str, factor: str | None) -> str:
    if factor is None:
        return ZED.read_text(encoding="utf-8")
    return plan_variant(code, f"Entidad {code}", factor)


@pytest.mark.parametrize("code,factor,year,rules", PLANS)
def test_evaluate_returns_the_cli_figures(client, schema, tmp_path, code, factor, year, rules):
    text = plan_text(code, factor)
    path = tmp_path / f"{code}.toml"
    path.write_text(text, encoding="utf-8")
    args = ["evaluate", str(path)] + (["--year", str(year)] if year else []) + (["--rules", rules] if rules else [])
    cli = cli_json(tmp_path, *args)
    body = {"plan": text, "plan_name": path.name} | ({"year": year} if year else {}) | ({"rules": rules} if rules else {})
    r = client.post("/api/evaluate", json=body)
    assert r.status_code == 200, r.text
    same_evaluation(checked(schema, r, "/api/evaluate"), cli)


def test_evaluate_multipart_upload_and_zed_figures(client, schema, tmp_path):
    r = client.post("/api/evaluate", files={"plan": ("pei-2023-2025.toml", ZED.read_bytes(), "application/toml")}, data={"year": "2023"})
    assert r.status_code == 200, r.text
    doc = checked(schema, r, "/api/evaluate")
    assert doc["summary"]["ejecucion_ponderada"] == "95.10"
    assert doc["summary"]["ejecucion_fisica_promedio"] == "92.59"
    assert doc["summary"]["ejecucion_financiera"] == "74.27"
    figs = {f["id"]: f["value"] for f in doc["figures"]}
    assert figs["avance_aei:AEI.03.02"] == "66.7"
    same_evaluation(doc, cli_json(tmp_path, "evaluate", str(ZED), "--year", "2023"))


def test_spreadsheets_make_the_same_plan_as_import(client, schema, tmp_path):
    ind, ao = IMPORT / "indicadores.csv", IMPORT / "ao-2023.csv"
    out = tmp_path / "imported.toml"
    assert main(["import", str(ind), "--ao", str(ao), "--out", str(out)]) == 0
    cli = cli_json(tmp_path, "evaluate", str(out), "--year", "2023")
    files = [("plan", ("indicadores.csv", ind.read_bytes(), "text/csv")), ("plan", ("ao-2023.csv", ao.read_bytes(), "text/csv"))]
    r = client.post("/api/evaluate", files=files, data={"year": "2023"})
    assert r.status_code == 200, r.text
    same_evaluation(checked(schema, r, "/api/evaluate"), cli)
    # the same sheets in a zip (in a folder) give the same
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("zed/indicadores.csv", ind.read_bytes())
        zf.writestr("zed/ao-2023.csv", ao.read_bytes())
    r = client.post("/api/evaluate", files={"plan": ("hojas.zip", buf.getvalue(), "application/zip")}, data={"year": "2023"})
    assert r.status_code == 200, r.text
    same_evaluation(r.json(), cli)


def _strip(doc: dict, name: str = ZED.name) -> dict:
    """A document without what depends on the moment or on the folder the plan file is in."""
    text = re.sub(r'[^"\s(]*/' + re.escape(name), name, json.dumps(doc, ensure_ascii=False))
    doc = json.loads(text)
    rc = doc.get("receipt")
    if rc:
        rc.pop("created", None)
        rc.pop("rule_set_choice", None)
    return doc


def test_explain_audit_check_diff_match_the_cli(client, schema, tmp_path):
    text = ZED.read_text(encoding="utf-8")
    body = {"plan": text, "plan_name": ZED.name, "year": 2023}
    r = client.post("/api/explain", json=body | {"figure": "AEI.03.02"})
    assert r.status_code == 200, r.text
    api = checked(schema, r, "/api/explain")
    assert _strip(api) == _strip(cli_json(tmp_path, "explain", str(ZED), "AEI.03.02", "--year", "2023"))
    leaves = json.dumps(api["tree"])
    assert '"name": "obtenido", "value": "20"' in leaves and '"name": "esperado", "value": "30"' in leaves

    r = client.post("/api/audit", json=body)
    assert r.status_code == 200, r.text
    assert _strip(checked(schema, r, "/api/audit")) == _strip(cli_json(tmp_path, "audit", str(ZED), "--year", "2023"))

    r = client.post("/api/check", json=body)
    assert r.status_code == 200, r.text
    assert _strip(checked(schema, r, "/api/check")) == _strip(cli_json(tmp_path, "check", str(ZED), "--year", "2023"))

    r = client.post("/api/diff", json=body | {"rules": ["ceplan-2023", "ceplan-2023-fijo-321"]})
    assert r.status_code == 200, r.text
    api = checked(schema, r, "/api/diff")
    cli = cli_json(tmp_path, "diff", str(ZED), "--year", "2023", "--rules", "ceplan-2023", "--rules", "ceplan-2023-fijo-321")
    assert _strip(api) == _strip(cli)
    assert api["figures"], "the two rule sets differ on ZED ILO"


def test_diff_multipart_takes_two_rules_fields(client, schema):
    files = {"plan": ("p.toml", ZED.read_bytes(), "application/toml")}
    r = client.post("/api/diff", files=files, data={"year": "2023", "rules": ["ceplan-2023", "ceplan-2023-fijo-321"]})
    assert r.status_code == 200, r.text
    checked(schema, r, "/api/diff")


def test_rules_lists_the_server_sets_and_says_why(client, schema):
    r = client.get("/api/rules")
    doc = checked(schema, r, "/api/rules", "get")
    ids = {d["id"] for d in doc["rule_sets"]}
    assert {"ceplan-2023", "ceplan-2023-fijo-321"} <= ids
    r = client.get("/api/rules?year=2023")
    doc = checked(schema, r, "/api/rules", "get")
    assert doc["picked"] == "ceplan-2023"
    assert "2023" in doc["why"] and "ceplan-2023" in doc["why"] and "anclado" in doc["why"]
    r = client.get("/api/rules?year=2023&lang=en")
    assert "anchored" in r.json()["why"]


# --- errors -----------------------------------------------------------------------------------------


def error_of(schema, r, status: int, path: str = "/api/evaluate", method: str = "post") -> dict:
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert "Traceback" not in r.text and 'File "' not in r.text
    doc = r.json()
    assert not validate(doc, {"$ref": "#/components/schemas/Error"}, schema)
    assert path in schema["paths"] and (str(status) in schema["paths"][path][method]["responses"] or status in (404, 405))
    return doc["error"]


def test_broken_plan_is_a_spanish_error_naming_file_and_line(client, schema):
    text = ZED.read_text(encoding="utf-8").replace('sentido = "Ascendente"', 'sentido = "Hacia arriba"', 1)
    e = error_of(schema, client.post("/api/evaluate", json={"plan": text, "plan_name": "roto.toml", "year": 2023}), 422)
    assert e["message"].startswith("El plan «roto.toml»") or "roto.toml" in e["message"]
    assert e["detail"]["file"] == "roto.toml" and e["detail"]["line"]
    e = error_of(schema, client.post("/api/evaluate?lang=en", json={"plan": "x = [", "year": 2023}), 422)
    assert e["message"] == "'plan.toml' could not be read."
    assert e["detail"]["kind"] == "input"


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"year": 2023}, 422, "plan_field"),
        ({"plan": 5}, 422, "plan_field"),
        ({"plan": "", "year": "dos mil"}, 422, "bad_number"),
        ({"plan": "", "year": 1}, 422, "out_of_range"),
        ({"plan": "", "period": "mensual"}, 422, "period"),
    ],
)
def test_bad_fields(client, schema, body, status, code):
    e = error_of(schema, client.post("/api/evaluate", json=body | ({"plan": ZED.read_text(encoding="utf-8")} if body.get("plan") == "" else {})), status)
    assert e["code"] == code, e


def test_rule_sets_are_ids_never_paths(client, schema):
    text = ZED.read_text(encoding="utf-8")
    for spec in ("rules/ceplan-2023", str(ROOT / "rules" / "ceplan-2023"), "../rules/ceplan-2023", "/etc", "ceplan-2023/ruleset.toml"):
        e = error_of(schema, client.post("/api/evaluate", json={"plan": text, "year": 2023, "rules": spec}), 422)
        assert e["code"] == "unknown_rules", (spec, e)
        assert "ceplan-2023" in e["message"]  # the known ids are listed
    e = error_of(schema, client.post("/api/diff", json={"plan": text, "year": 2023, "rules": ["ceplan-2023", "/tmp"]}), 422, "/api/diff")
    assert e["code"] == "unknown_rules"


def test_unknown_figure(client, schema):
    e = error_of(schema, client.post("/api/explain", json={"plan": ZED.read_text(encoding="utf-8"), "year": 2023, "figure": "AEI.99.99"}), 422, "/api/explain")
    assert e["code"] == "address" and "AEI.99.99" in e["message"]


def test_limits(client, schema):
    big = b"# " + b"x" * (1024 * 1024 + 10) + b"\n"
    e = error_of(schema, client.post("/api/evaluate", files={"plan": ("big.toml", big, "application/toml")}), 413)
    assert e["code"] == "file_too_large" and "big.toml" in e["message"]
    huge = b"x" * (3 * 1024 * 1024 + 10)
    e = error_of(schema, client.post("/api/evaluate", content=huge, headers={"content-type": "application/json"}), 413)
    assert e["code"] == "body_too_large"
    files = [("plan", (f"p{i}.toml", b"a = 1\n", "application/toml")) for i in range(14)]
    e = error_of(schema, client.post("/api/evaluate", files=files), 413)  # the form parser stops at the limit
    assert e["code"] == "too_many_files"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(13):
            zf.writestr(f"p{i}.toml", "a = 1\n")
    e = error_of(schema, client.post("/api/evaluate", files={"plan": ("many.zip", buf.getvalue(), "application/zip")}), 413)
    assert e["code"] == "too_many_files"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.toml", "#" * (2 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    e = error_of(schema, client.post("/api/evaluate", files={"plan": ("bomb.zip", bomb.getvalue(), "application/zip")}), 413)
    assert e["code"] == "file_too_large"


def test_zip_member_names_are_never_paths(client, schema, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../../../tmp/evil/zed.toml", ZED.read_bytes())
    r = client.post("/api/evaluate", files={"plan": ("x.zip", buf.getvalue(), "application/zip")}, data={"year": "2023"})
    assert r.status_code == 200, r.text
    assert r.json()["receipt"]["plan"]["path"] == "zed.toml"
    assert not Path("/tmp/evil").exists()


def test_other_errors_are_json(client, schema):
    error_of(schema, client.post("/api/evaluate", content=b"{not json", headers={"content-type": "application/json"}), 400)
    error_of(schema, client.post("/api/evaluate", content=b"plan", headers={"content-type": "text/plain"}), 415)
    e = error_of(schema, client.post("/api/evaluate", files={"plan": ("a.docx", b"PK", "application/octet-stream")}), 415)
    assert "a.docx" in e["message"]
    two = [("plan", ("a.toml", ZED.read_bytes(), "application/toml")), ("plan", ("b.toml", ZED.read_bytes(), "application/toml"))]
    assert error_of(schema, client.post("/api/evaluate", files=two), 422)["code"] == "one_plan"
    assert error_of(schema, client.get("/api/nothing"), 404)["code"] == "not_found"
    assert error_of(schema, client.get("/api/evaluate"), 405)["code"] == "method"
    e = error_of(schema, client.post("/api/diff", json={"plan": "a=1", "rules": ["ceplan-2023"]}), 422, "/api/diff")
    assert e["code"] == "diff_rules"


# --- the OpenAPI schema -------------------------------------------------------------------------------


def test_openapi_is_published_and_matches_the_routes(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    routes = {(rt.path, m.lower()) for rt in API_ROUTES for m in rt.methods if m != "HEAD"}
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert routes == documented
    for p, ops in doc["paths"].items():
        for m, op in ops.items():
            assert op["responses"]["200"]
            for status, resp in op["responses"].items():
                ref = json.dumps(resp)
                for name in [x.split("/")[-1].rstrip('"}') for x in ref.split("#/components/schemas/")[1:]]:
                    assert name in doc["components"]["schemas"], name


# --- every broken plan fixture through the API ----------------------------------------------------

BROKEN = ROOT / "tests" / "fixtures" / "broken"


def _broken_plans():
    expected = tomllib.loads((BROKEN / "expected.toml").read_text(encoding="utf-8"))
    return sorted(expected["plans"].items())


@pytest.mark.parametrize("name,spec", _broken_plans(), ids=[n for n, _ in _broken_plans()])
def test_every_broken_plan_fixture_is_a_json_error_with_its_location(client, schema, name, spec):
    raw = (BROKEN / "plans" / f"{name}.toml").read_bytes()
    r = client.post("/api/evaluate", files={"plan": (f"{name}.toml", raw, "application/toml")}, data={"year": "2023"})
    assert r.status_code in (413, 422), (r.status_code, r.text[:500])
    assert "Traceback" not in r.text
    e = r.json()["error"]
    assert not validate({"error": e}, {"$ref": "#/components/schemas/Error"}, schema)
    assert f"{name}.toml" in e["message"]  # Spanish, naming the uploaded file
    text = e.get("detail", {}).get("text", "")
    file = spec.get("file", f"{name}.toml")
    if file == f"{name}.toml" and "line" in spec:
        assert f"{file}:{spec['line']}" in text, text
    if "key" in spec and file == f"{name}.toml":
        assert spec["key"] in text, text


# --- user-supplied rule sets: only with --allow-user-rules, under the same sandbox ----------------

FIJO = (ROOT / "rules" / "ceplan-2023-fijo-321" / "ruleset.toml").read_text(encoding="utf-8")
DRAFT = FIJO.replace('id = "ceplan-2023-fijo-321"', 'id = "borrador-2026"', 1)
OVERRIDE = '[ponderacion]\nesquema = "fijo_3_2_1"\n'


@pytest.fixture(scope="module")
def open_client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(create_app(Settings(allow_user_rules=True)))


def test_user_rules_are_refused_unless_the_server_allows_them(client, schema):
    body = {"plan": ZED.read_text(encoding="utf-8"), "year": 2023, "rules_files": {"ruleset.toml": DRAFT}}
    e = error_of(schema, client.post("/api/evaluate", json=body), 403)
    assert e["code"] == "user_rules" and "--allow-user-rules" in e["message"]


def test_a_whole_user_rule_set_and_an_override_give_the_cli_figures(open_client, schema, tmp_path):
    cached = len(ruleset_loader._cache)
    text = ZED.read_text(encoding="utf-8")
    cli = cli_json(tmp_path, "evaluate", str(ZED), "--year", "2023", "--rules", "ceplan-2023-fijo-321")
    r = open_client.post("/api/evaluate", json={"plan": text, "year": 2023, "rules_files": {"ruleset.toml": DRAFT}})
    assert r.status_code == 200, r.text
    doc = checked(schema, r, "/api/evaluate")
    assert [(f["id"], f["value"], f["band"]) for f in doc["figures"]] == [(f["id"], f["value"], f["band"]) for f in cli["figures"]]
    assert doc["summary"] == cli["summary"] and doc["summary"]["ejecucion_ponderada"] != "95.10"
    assert doc["receipt"]["rule_set"]["id"] == "borrador-2026"
    files = [("plan", ("p.toml", ZED.read_bytes(), "application/toml")), ("rules_files", ("reglas-propias.toml", OVERRIDE.encode(), "application/toml"))]
    r = open_client.post("/api/evaluate", files=files, data={"year": "2023", "rules": "ceplan-2023"})
    assert r.status_code == 200, r.text
    assert r.json()["summary"] == cli["summary"]
    assert "reglas-propias.toml" in r.json()["receipt"]["rule_set_choice"]
    # diff: the server's set against the user's draft
    r = open_client.post("/api/diff", json={"plan": text, "year": 2023, "rules": ["ceplan-2023", "ceplan-2023"], "rules_files": {"ruleset.toml": DRAFT}})
    assert r.status_code == 200, r.text
    assert "ejecucion_ponderada" in {f["id"] for f in checked(schema, r, "/api/diff")["figures"]}
    assert len(ruleset_loader._cache) <= cached + 2  # the temporary folders' rule sets are not kept
    assert not [p for p in Path(tempfile.gettempdir()).glob("reglas-usuario-*") if p.is_dir() and p.stat().st_uid == os.getuid() and p.stat().st_mtime > time.time() - 60]


@pytest.mark.parametrize("extends", ["/etc", "../ceplan-2023", "rules/ceplan-2023", "no-existe"])
def test_a_user_rule_set_extends_only_server_ids(open_client, schema, extends):
    draft = DRAFT.replace('extends = "ceplan-2023"', f'extends = "{extends}"', 1)
    body = {"plan": ZED.read_text(encoding="utf-8"), "year": 2023, "rules_files": {"ruleset.toml": draft}}
    e = error_of(schema, open_client.post("/api/evaluate", json=body), 422)
    assert e["code"] == "user_extends" and extends in e["message"]


def test_a_user_rule_set_is_sandboxed(open_client, schema):
    bad = OVERRIDE + '\n[ponderacion.esquemas]\nfijo_3_2_1 = "__import__(\'os\').getcwd()"\n'
    body = {"plan": ZED.read_text(encoding="utf-8"), "year": 2023, "rules": "ceplan-2023", "rules_files": {"reglas-propias.toml": bad}}
    e = error_of(schema, open_client.post("/api/evaluate", json=body), 422)
    assert e["code"] == "rules" and e["detail"]["file"].endswith("reglas-propias.toml") and e["detail"]["line"]
    two = {"a.toml": OVERRIDE, "b.toml": OVERRIDE}
    e = error_of(schema, open_client.post("/api/evaluate", json={"plan": ZED.read_text(encoding="utf-8"), "year": 2023, "rules_files": two}), 422)
    assert e["code"] == "user_rules_shape"


def test_loopback_server_refuses_other_host_names_and_sends_security_headers(schema):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = TestClient(create_app(Settings(allowed_hosts=LOOPBACK_HOSTS)), base_url="http://127.0.0.1:8000")
    r = local.get("/api/rules")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and r.headers["x-content-type-options"] == "nosniff"
    assert local.get("/", headers={"host": "localhost:8000"}).status_code == 200
    e = error_of(schema, local.get("/api/rules", headers={"host": "evil.example:8000"}), 400, "/api/rules", "get")
    assert e["code"] == "host" and "evil.example" in e["message"]
    page = local.get("/?lang=en", headers={"host": "attacker.test"})
    assert page.status_code == 400 and "this machine only" in page.text


def _workbook(tmp_path: Path) -> Path:
    """The two import CSV sheets as the two sheets of one workbook."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for src in (IMPORT / "indicadores.csv", IMPORT / "ao-2023.csv"):
        ws = wb.create_sheet(src.stem)
        with src.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                ws.append(row)
    out = tmp_path / "zed.xlsx"
    wb.save(out)
    return out


def test_a_workbook_gives_the_figures_of_import_then_evaluate(client, schema, tmp_path):
    book = _workbook(tmp_path)
    plan = tmp_path / "from-xlsx.toml"
    assert main(["import", str(book), "--out", str(plan)]) == 0
    cli = cli_json(tmp_path, "evaluate", str(plan), "--year", "2023")
    r = client.post("/api/evaluate", files={"plan": ("zed.xlsx", book.read_bytes(), "application/octet-stream")}, data={"year": "2023"})
    assert r.status_code == 200, r.text
    same_evaluation(checked(schema, r, "/api/evaluate"), cli)
    assert tempfile.gettempdir() not in r.text


def test_sheet_problems_name_sheet_row_and_column_not_the_temp_folder(client, schema, tmp_path):
    rows = (IMPORT / "indicadores.csv").read_text(encoding="utf-8").replace("Ascendente", "Hacia arriba", 1)
    r = client.post("/api/evaluate", files={"plan": ("indicadores.csv", rows.encode(), "text/csv")})
    e = error_of(schema, r, 422)
    text = e["detail"]["text"]
    assert "indicadores.csv" in text and tempfile.gettempdir() + "/" not in json.dumps(r.json())
