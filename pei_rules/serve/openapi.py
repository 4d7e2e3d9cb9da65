"""The OpenAPI 3.1 schema of the JSON API, written by hand and kept true by
``tests/test_serve_api.py`` (every route is documented, every documented route exists,
and every response of the tests is checked against its schema). The document schemas
(``components``) are package data, ``openapi.json`` next to this module; the operations are
built here, so that each lists the same error responses and the server's limits.

The response schemas describe the documented JSON formats of the command line
(docs/json-format.md): ``evaluate --format json``, ``explain``, ``audit``, ``check`` and
``diff`` with ``--format json`` return the same documents.
"""
from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from .._version import __version__
from .settings import Settings

S = dict[str, Any]


def _obj(required: list[str], props: S) -> S:
    return {"type": "object", "required": required, "properties": props}


def _body(extra_json: S | None = None, extra_form: S | None = None) -> S:
    json_schema: S = {"$ref": "#/components/schemas/PlanJson"}
    form_schema: S = {"$ref": "#/components/schemas/PlanUpload"}
    if extra_json:
        json_schema = {"allOf": [json_schema, extra_json]}
    if extra_form:
        form_schema = {"allOf": [form_schema, extra_form]}
    return {"required": True, "content": {"application/json": {"schema": json_schema}, "multipart/form-data": {"schema": form_schema}}}


def _responses(ok: str, description: str) -> S:
    err = {"description": "error object", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {
        "200": {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ok}"}}}},
        "400": err,
        "403": err,
        "413": err,
        "415": err,
        "422": err,
        "500": err,
    }


LANG_PARAM: S = {"name": "lang", "in": "query", "required": False, "schema": {"enum": ["es", "en"]}, "description": "language of messages (default es)"}


def _post(summary: str, op: str, schema: str, what: str, body: S | None = None) -> S:
    """A POST operation taking a plan (and ``body``'s fields) and answering ``schema``."""
    return {"post": {"summary": summary, "operationId": op, "parameters": [LANG_PARAM], "requestBody": body or _body(), "responses": _responses(schema, what)}}


def openapi_schema(settings: Settings | None = None) -> S:
    s = settings or Settings()
    limits = (
        f"Limits: request body {s.max_body_bytes // 1048576} MiB, one file {s.max_file_bytes // 1048576} MiB, "
        f"{s.max_files} files per request (zip members count), zips {s.max_unzipped_bytes // 1048576} MiB uncompressed."
    )
    two_rules = {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}
    paths: S = {
        "/api/evaluate": _post("Evaluate a plan (same document as 'pei-rules evaluate --format json')", "evaluate", "Evaluation", "the evaluation"),
        "/api/explain": _post(
            "The derivation tree of one figure (same as 'pei-rules explain --format json')",
            "explain",
            "Explanation",
            "the explanation",
            _body(
                _obj(["figure"], {"figure": {"type": "string", "description": "a figure address: AEI.03.02, avance_aei:AEI.03.02, ejecucion_ponderada, conteo:..."}}),
                _obj(["figure"], {"figure": {"type": "string"}}),
            ),
        ),
        "/api/audit": _post("Published vs recomputed figures (same as 'pei-rules audit PLAN --format json')", "audit", "Audit", "the audit"),
        "/api/check": _post("Consistency findings (same as 'pei-rules check --format json')", "check", "Check", "the findings"),
        "/api/diff": _post(
            "Figures that change between two rule sets (same as 'pei-rules diff --format json')",
            "diff",
            "Diff",
            "the differences",
            _body(_obj(["rules"], {"rules": two_rules}), _obj(["rules"], {"rules": {**two_rules, "description": "two 'rules' fields"}})),
        ),
        "/api/rules": {
            "get": {
                "summary": "The server's rule sets; with year, the one valid for it and why",
                "operationId": "rules",
                "parameters": [LANG_PARAM, {"name": "year", "in": "query", "required": False, "schema": {"type": "integer"}}],
                "responses": _responses("RuleSets", "the rule sets"),
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This schema",
                "operationId": "openapi",
                "responses": {"200": {"description": "the OpenAPI schema", "content": {"application/json": {"schema": {"type": "object"}}}}},
            }
        },
    }
    doc = json.loads(files(__package__).joinpath("openapi.json").read_text(encoding="utf-8"))
    doc["info"]["version"] = __version__
    doc["info"]["description"] += limits
    return {"openapi": doc["openapi"], "info": doc["info"], "paths": paths, "components": doc["components"]}
