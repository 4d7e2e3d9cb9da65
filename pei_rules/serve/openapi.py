"""The OpenAPI 3.1 schema of the JSON API, written by hand and kept true by
``tests/test_serve_api.py`` (every route is documented, every documented route exists,
and every response of the tests is checked against its schema).

The response schemas describe the documented JSON formats of the command line
(docs/json-format.md): ``evaluate --format json``, ``explain``, ``audit``, ``check`` and
``diff`` with ``--format json`` return the same documents.
"""
from __future__ import annotations

from typing import Any

from .._version import __version__
from .settings import Settings

S = dict[str, Any]


def _obj(required: list[str], props: S, extra: bool = True) -> S:
    d: S = {"type": "object", "required": required, "properties": props}
    if not extra:
        d["additionalProperties"] = False
    return d


STR_OR_NULL: S = {"type": ["string", "null"]}
INT_OR_NULL: S = {"type": ["integer", "null"]}
REF: S = _obj(["file", "line", "key"], {"file": STR_OR_NULL, "line": INT_OR_NULL, "key": STR_OR_NULL, "cell": {"type": "string", "description": "the spreadsheet cell the value was imported from ('sheet'!F12)"}})

RECEIPT: S = _obj(
    ["pei_rules_version", "rule_set", "plan", "year", "period", "created"],
    {
        "pei_rules_version": {"type": "string"},
        "rule_set": _obj(["id", "content_hash"], {"id": {"type": "string"}, "content_hash": {"type": "string"}, "files": {"type": "array"}}),
        "rule_set_choice": STR_OR_NULL,
        "plan": _obj(["path", "sha256"], {"path": {"type": "string"}, "sha256": {"type": "string"}}),
        "year": {"type": "integer"},
        "period": {"type": "string"},
        "created": {"type": "string"},
    },
)

FIGURE: S = _obj(
    ["id", "kind", "label", "value", "status"],
    {
        "id": {"type": "string"},
        "kind": {"type": "string"},
        "label": {"type": "string"},
        "value": {"type": ["string", "null"], "description": "the printed (rounded) value as an exact decimal; null: no data (N/D)"},
        "exact": STR_OR_NULL,
        "status": {"type": "string"},
        "reason": STR_OR_NULL,
        "band": STR_OR_NULL,
        "band_label": STR_OR_NULL,
    },
)

COMPONENTS: S = {
    "schemas": {
        "Error": _obj(
            ["error"],
            {
                "error": _obj(
                    ["status", "code", "message"],
                    {
                        "status": {"type": "integer"},
                        "code": {"type": "string", "description": "stable error code (e.g. plan, rules, file_too_large)"},
                        "message": {"type": "string", "description": "what went wrong, in the request's language (Spanish by default)"},
                        "detail": _obj(
                            ["kind", "message"],
                            {
                                "kind": {"type": "string"},
                                "message": {"type": "string"},
                                "file": STR_OR_NULL,
                                "line": INT_OR_NULL,
                                "column": INT_OR_NULL,
                                "key": STR_OR_NULL,
                                "rule": STR_OR_NULL,
                                "suggestion": STR_OR_NULL,
                                "text": {"type": "string"},
                            },
                        ),
                    },
                )
            },
        ),
        "Receipt": RECEIPT,
        "Evaluation": _obj(
            ["format", "format_version", "receipt", "entity", "plan", "year", "figures", "counts", "summary"],
            {
                "format": {"const": "pei-rules/evaluation"},
                "format_version": {"type": "integer"},
                "receipt": {"$ref": "#/components/schemas/Receipt"},
                "entity": _obj(["codigo", "nombre"], {"codigo": {"type": "string"}, "nombre": {"type": "string"}}),
                "plan": _obj(["tipo", "desde", "hasta"], {"tipo": {"type": "string"}, "desde": {"type": "integer"}, "hasta": {"type": "integer"}}),
                "year": {"type": "integer"},
                "figures": {"type": "array", "items": FIGURE},
                "counts": {"type": "array", "items": _obj(["name", "label", "figure", "counts", "total"], {"name": {"type": "string"}, "counts": {"type": "object"}, "total": {"type": "integer"}})},
                "summary": {"type": "object", "description": "plan-level figure id -> printed value (or null)"},
            },
        ),
        "Explanation": _obj(
            ["format", "format_version", "receipt", "address", "resolved", "alternatives", "tree"],
            {
                "format": {"const": "pei-rules/explain"},
                "format_version": {"type": "integer"},
                "receipt": {"$ref": "#/components/schemas/Receipt"},
                "address": {"type": "string"},
                "resolved": {"type": "string"},
                "alternatives": {"type": "array", "items": {"type": "string"}},
                "tree": {"$ref": "#/components/schemas/Node"},
            },
        ),
        "Node": _obj(
            ["type"],
            {
                "type": {"enum": ["figure", "count", "plan_input", "rule_parameter", "datum"]},
                "id": {"type": "string"},
                "value": STR_OR_NULL,
                "rule": {"type": ["object", "null"]},
                "formula": STR_OR_NULL,
                "rounding": {"type": ["object", "null"]},
                "band": {"type": ["object", "null"]},
                "source": {"type": ["object", "null"]},
                "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            },
        ),
        "Audit": _obj(
            ["format", "format_version", "receipt", "summary", "entries"],
            {
                "format": {"const": "pei-rules/audit"},
                "format_version": {"type": "integer"},
                "receipt": {"$ref": "#/components/schemas/Receipt"},
                "summary": _obj(["match", "mismatch", "not_recomputable"], {"match": {"type": "integer"}, "mismatch": {"type": "integer"}, "not_recomputable": {"type": "integer"}}),
                "entries": {
                    "type": "array",
                    "items": _obj(
                        ["figure", "resolved", "published", "source", "plan_ref", "status", "recomputed", "difference", "causes", "reason"],
                        {
                            "figure": {"type": "string"},
                            "resolved": STR_OR_NULL,
                            "published": {"type": "string"},
                            "source": {"type": "string"},
                            "plan_ref": REF,
                            "status": {"type": "string"},
                            "recomputed": STR_OR_NULL,
                            "difference": STR_OR_NULL,
                            "causes": {"type": "array", "items": {"type": "string"}},
                            "reason": STR_OR_NULL,
                        },
                    ),
                },
            },
        ),
        "Check": _obj(
            ["format", "format_version", "pei_rules_version", "plan", "rule_set", "year", "summary", "findings"],
            {
                "format": {"const": "pei-rules/check"},
                "format_version": {"type": "integer"},
                "pei_rules_version": {"type": "string"},
                "plan": {"type": "object"},
                "rule_set": {"type": "object"},
                "year": {"type": "integer"},
                "summary": _obj(["errors", "warnings"], {"errors": {"type": "integer"}, "warnings": {"type": "integer"}}),
                "findings": {
                    "type": "array",
                    "items": _obj(["code", "severity", "message", "file", "line", "key"], {"code": {"type": "string"}, "severity": {"enum": ["error", "warning"]}, "message": {"type": "string"}, "file": STR_OR_NULL, "line": INT_OR_NULL, "key": STR_OR_NULL}),
                },
            },
        ),
        "Diff": _obj(
            ["format", "format_version", "plan", "year", "period", "rules", "rule_differences", "figures"],
            {
                "format": {"const": "pei-rules/diff"},
                "format_version": {"type": "integer"},
                "plan": {"type": "string"},
                "year": {"type": "integer"},
                "period": {"type": "string"},
                "semester": INT_OR_NULL,
                "rules": {"type": "array", "items": {"type": "object"}, "minItems": 2, "maxItems": 2},
                "rule_differences": {"type": "array", "items": _obj(["key", "old", "new", "old_rule", "new_rule"], {"key": {"type": "string"}})},
                "figures": {
                    "type": "array",
                    "items": _obj(["id", "label", "old", "new", "difference", "band_changed", "causes"], {"id": {"type": "string"}, "old": STR_OR_NULL, "new": STR_OR_NULL, "difference": STR_OR_NULL, "band_changed": {"type": "boolean"}, "causes": {"type": "array", "items": {"type": "string"}}}),
                },
            },
        ),
        "RuleSets": _obj(
            ["format", "format_version", "rule_sets"],
            {
                "format": {"const": "pei-rules/rules"},
                "format_version": {"type": "integer"},
                "pei_rules_version": {"type": "string"},
                "rule_sets": {
                    "type": "array",
                    "items": _obj(["id", "title", "directive", "vigencia", "anclado"], {"id": {"type": "string"}, "title": {"type": "string"}, "directive": {"type": "string"}, "vigencia": {"type": "object"}, "anclado": {"type": "boolean"}, "valid_for_year": {"type": "boolean"}}),
                },
                "year": {"type": "integer"},
                "picked": STR_OR_NULL,
                "why": {"type": "string", "description": "why the picked rule set is preselected, in the request's language"},
                "why_engine": {"type": "string", "description": "the engine's reason, as the command line prints it"},
            },
        ),
        "PlanJson": _obj(
            ["plan"],
            {
                "plan": {"type": "string", "description": "the plan file's TOML text"},
                "plan_name": {"type": "string", "description": "a name for messages (default plan.toml)"},
                "year": {"type": "integer", "description": "evaluation year (default: the latest year with values)"},
                "rules": {"type": "string", "description": "rule set id among GET /api/rules (default: the one valid for the year)"},
                "period": {"enum": ["anual", "semestral"]},
                "semester": {"enum": [1, 2]},
                "lang": {"enum": ["es", "en"]},
                "rules_files": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "only when the server runs with --allow-user-rules (else 403): file name -> TOML text; "
                    "one override file applied on top of 'rules', or a whole rule set (with its ruleset.toml; extends only a server id). "
                    "In diff, the user's rules are the second side.",
                },
            },
        ),
        "PlanUpload": _obj(
            ["plan"],
            {
                "plan": {
                    "type": "array",
                    "items": {"type": "string", "format": "binary"},
                    "description": "one plan: a TOML file, or its XLSX/CSV sheets (the layouts of pei-rules import), or a zip of them",
                },
                "year": {"type": "integer"},
                "rules": {"type": "string"},
                "period": {"enum": ["anual", "semestral"]},
                "semester": {"enum": [1, 2]},
                "lang": {"enum": ["es", "en"]},
                "rules_files": {"type": "array", "items": {"type": "string", "format": "binary"}, "description": "as in PlanJson (--allow-user-rules only)"},
            },
        ),
    }
}


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
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pei-rules",
            "version": __version__,
            "description": "CEPLAN's PEI/POI evaluation methodology as rules-as-code: evaluate, explain, audit, check and diff plans. "
            "Rule sets are chosen by id among the server's (GET /api/rules). Every error is a JSON object "
            "{error: {status, code, message, detail?}}, never a stack trace. " + limits,
        },
        "paths": paths,
        "components": COMPONENTS,
    }
