"""The service's OpenAPI 3.1 document, generated from the served build.

Each policy gets its own paths (`/api/policies/<id>/evaluate`, `/batch`, the document), whose
request and response schemas are the case and result schemas `ratebook build` writes
(`generated/schemas/<id>.case.schema.json`, `.result.schema.json`), as they are: OpenAPI 3.1
speaks JSON Schema 2020-12, the dialect they are written in. So a client generator or a
property-based tester sees exactly the fields, enums, bounds and money patterns of each
policy, and the document changes with the build it describes (it is made per snapshot).
"""

from __future__ import annotations

from generator.core.version import __version__
from generator.serve.service import (
    BATCH_FORMATS,
    BATCH_INPUT_FORMATS,
    REFUSED_FIELD,
    REFUSED_REASON,
)

PROBLEM = "application/problem+json"
DATE = {
    "type": "string",
    "format": "date",
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "description": "A date, 2012-07-01 (2012/7/1 and 2012年7月1日 are read too).",
}


def _embedded(schema: dict) -> dict:
    """A generated schema placed inside the document: its `$schema` and `$id` dropped (the
    document's dialect is 2020-12 already, and an `$id` would move the base of `$ref`s)."""
    return {k: v for k, v in schema.items() if k not in ("$schema", "$id")}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _problems(*statuses: int) -> dict:
    words = {
        400: "The request cannot be read (not JSON, a bad date, an unreadable file).",
        401: "The service's token is needed (Authorization: Bearer …).",
        404: "No such policy.",
        409: "The policy's source changed since the build; run `ratebook build`.",
        413: "The request is larger than the service takes.",
        422: "The case cannot be evaluated (each reason a finding), or is not in force.",
        503: "There is no usable build (generated/ is missing or being rebuilt).",
    }
    return {
        str(status): {
            "description": words[status],
            "content": {PROBLEM: {"schema": _ref("Problem")}},
        }
        for status in statuses
    }


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "zh or en: the language of titles, explanations and problems.",
}


def openapi_document(snapshot) -> dict:
    """The OpenAPI 3.1 document of the service for the build `snapshot`."""
    components = dict(_common_schemas())
    paths: dict[str, dict] = {
        "/api/policies": {
            "get": {
                "operationId": "listPolicies",
                "summary": "Every served policy",
                "parameters": [LANGUAGE],
                "responses": {
                    "200": _json({"type": "array", "items": _ref("PolicySummary")}, "Policies"),
                    **_problems(503),
                },
            }
        },
        "/api/validate": {"post": _validate_operation()},
        "/api/diff": {"post": _diff_operation()},
    }
    for policy_id in snapshot.policy_ids():
        case_name, result_name = f"{policy_id}.case", f"{policy_id}.result"
        components[case_name] = _embedded(snapshot.case_schemas[policy_id])
        components[result_name] = _embedded(snapshot.result_schemas[policy_id])
        title = (snapshot.index[policy_id].get("title") or {}).get("en", policy_id)
        base = f"/api/policies/{policy_id}"
        paths[base] = {"get": _document_operation(policy_id, title)}
        paths[base + "/evaluate"] = {
            "post": _evaluate_operation(policy_id, title, case_name, result_name)
        }
        paths[base + "/batch"] = {"post": _batch_operation(policy_id, title)}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "ratebook",
            "version": __version__,
            "summary": "Social-insurance rules as a decision service",
            "description": (
                "Evaluate cases of the served policies one at a time or in batches, read "
                "their rule tables as in force on a date, check a policy file and compare "
                "with another version. Money is a decimal string with its places "
                '("5000.00"); problems are RFC 9457 `application/problem+json`.'
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }


def _common_schemas() -> dict:
    finding = {
        "type": "object",
        "required": ["code", "key", "severity", "message", "place"],
        "properties": {
            "code": {"type": "string", "description": "Stable: what kind of problem."},
            "key": {"type": "string"},
            "severity": {"enum": ["error", "warning", "note"]},
            "message": {"type": "string", "description": "In the language asked."},
            "place": {
                "type": "string",
                "description": "x.yaml:14:9, x.xlsx!Sheet!C4, or empty for the whole request.",
            },
            "file": {"type": "string"},
            "line": {"type": "integer"},
            "column": {"type": "integer"},
            "sheet": {"type": "string"},
            "cell": {"type": "string"},
            "path": {"type": "string"},
        },
    }
    label = {"type": "object", "additionalProperties": {"type": "string"}}
    named = {
        "type": "object",
        "required": ["id", "label"],
        "properties": {"id": {"type": "string"}, "label": label},
    }
    return {
        "Finding": finding,
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status", "detail", "findings"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "findings": {"type": "array", "items": _ref("Finding")},
            },
        },
        "PolicySummary": {
            "type": "object",
            "required": ["id", "area", "title", "name", "source", "inputs", "outputs"],
            "properties": {
                "id": {"type": "string"},
                "area": {"type": "string"},
                "title": label,
                "name": {"type": "string", "description": "The title in the language asked."},
                "source": {"type": "string"},
                "inputs": {"type": "array", "items": named},
                "outputs": {"type": "array", "items": named},
            },
        },
        "Advice": {
            "type": "object",
            "description": (
                "An advisory threshold the case breaks (what the source asks only in "
                "principle): the outputs stand, and this goes beside them."
            ),
            "required": ["code", "field", "figure", "comparator", "value", "message"],
            "properties": {
                "code": {"type": "string", "description": "The threshold's stable code."},
                "field": {"type": "string", "description": "The input or output it is about."},
                "figure": {"type": "number", "description": "The case's value of the field."},
                "comparator": {"enum": ["at_least", "above", "at_most", "below"]},
                "word": {"type": "string", "description": "The source's own boundary word."},
                "value": {"type": "number"},
                "unit": {"type": "string", "description": "The unit's id (m2, yuan)."},
                "clause": {"type": "string"},
                "message": {"type": "string", "description": "In the request's language."},
            },
        },
        "Step": {
            "type": "object",
            "required": ["step", "source"],
            "properties": {
                "step": {"type": "string"},
                "source": {"type": "string", "description": "The clause and quote, or empty."},
            },
        },
        "PublishedPolicy": {
            "type": "object",
            "description": "schemas/published-policy.schema.json (ratebook publish --format json).",
            "required": ["format", "id", "parameters"],
            "properties": {
                "format": {"const": "ratebook-published-policy"},
                "id": {"type": "string"},
                "parameters": {"type": "object"},
            },
        },
        "ValidateResult": {
            "type": "object",
            "required": ["file", "ok", "policy", "findings"],
            "properties": {
                "file": {"type": "string"},
                "ok": {"type": "boolean"},
                "policy": {"type": ["string", "null"]},
                "findings": {"type": "array", "items": _ref("Finding")},
            },
        },
        "DiffReport": {
            "type": "object",
            "required": ["base", "changed", "text", "markdown"],
            "properties": {
                "base": {"type": "string"},
                "changed": {"type": "boolean"},
                "text": {"type": "array", "items": {"type": "string"}},
                "markdown": {"type": "string"},
            },
        },
    }


def _document_operation(policy_id: str, title: str) -> dict:
    return {
        "operationId": f"document:{policy_id}",
        "summary": f"{title}: the rule tables",
        "tags": [policy_id],
        "parameters": [
            {
                "name": "on",
                "in": "query",
                "required": False,
                "schema": DATE,
                "description": "Only the values in force that day.",
            },
            LANGUAGE,
        ],
        "responses": {
            "200": _json(_ref("PublishedPolicy"), "The published JSON of the policy"),
            **_problems(400, 404, 409, 422, 503),
        },
    }


def _evaluate_operation(policy_id: str, title: str, case_name: str, result_name: str) -> dict:
    request = {
        "type": "object",
        "required": ["inputs"],
        "additionalProperties": False,
        "properties": {
            "on": {**DATE, "description": "The evaluation date (default: today)."},
            "inputs": _ref(case_name),
            "explain": {"type": "boolean", "default": False},
        },
    }
    answer = {
        "type": "object",
        "required": ["policy", "on", "inputs", "outputs", "advice"],
        "properties": {
            "policy": {"const": policy_id},
            "on": DATE,
            "inputs": {
                **_ref(case_name),
                "description": "The case as read: by input id, typed as the case schema says.",
            },
            "outputs": _ref(result_name),
            "advice": {"type": "array", "items": _ref("Advice")},
            "explain": {"type": "array", "items": _ref("Step")},
        },
    }
    return {
        "operationId": f"evaluate:{policy_id}",
        "summary": f"{title}: evaluate one case",
        "description": (
            "Inputs may also be named by their Chinese or English label, and enum values "
            "given by their labels; numbers may be text as an officer writes them (3.5万元)."
        ),
        "tags": [policy_id],
        "parameters": [
            {
                "name": "explain",
                "in": "query",
                "required": False,
                "schema": {"type": "boolean"},
                "description": "Each step with the source clause and quote of each number.",
            },
            LANGUAGE,
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": request}},
        },
        "responses": {
            "200": _json(answer, "The outputs (and the steps, when asked)"),
            **_problems(400, 404, 409, 413, 422, 503),
        },
    }


def _batch_operation(policy_id: str, title: str) -> dict:
    formats = sorted(BATCH_FORMATS)
    return {
        "operationId": f"batch:{policy_id}",
        "summary": f"{title}: evaluate a case file",
        "description": (
            "The body is a case file (a column per input, by id or label; an `on` column "
            "dates each row unless ?on= is given). The answer streams every row back: `row` "
            f"(1-based), the inputs, the outputs, and `{REFUSED_FIELD}`/`{REFUSED_REASON}` "
            "for a refused row (once per reason); a policy with advisory thresholds adds an "
            "`advice` column: the thresholds the row breaks, in words (empty when none)."
        ),
        "tags": [policy_id],
        "security": [{"token": []}, {}],
        "parameters": [
            {
                "name": "format",
                "in": "query",
                "required": False,
                "schema": {"enum": sorted(BATCH_INPUT_FORMATS)},
                "description": "The body's format (default: from Content-Type, else csv).",
            },
            {
                "name": "out",
                "in": "query",
                "required": False,
                "schema": {"enum": formats},
                "description": "The answer's format (default: the body's; csv for xlsx).",
            },
            {"name": "on", "in": "query", "required": False, "schema": DATE},
            LANGUAGE,
        ],
        "requestBody": {
            "required": True,
            "content": {
                media.partition(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                for media in BATCH_INPUT_FORMATS.values()
            },
        },
        "responses": {
            "200": {
                "description": "Every row, in the format asked",
                "headers": {
                    "X-Ratebook-Rows-In": {
                        "schema": {"type": "string"},
                        "description": "The rows read.",
                    }
                },
                "content": {
                    media.partition(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                    for media in BATCH_FORMATS.values()
                },
            },
            **_problems(400, 401, 404, 413, 503),
        },
    }


def _upload_body(description: str) -> dict:
    return {
        "required": True,
        "description": description,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }


def _validate_operation() -> dict:
    return {
        "operationId": "validate",
        "summary": "Check an uploaded policy (YAML or workbook)",
        "security": [{"token": []}, {}],
        "parameters": [LANGUAGE],
        "requestBody": _upload_body("The policy file, as the form field `file`."),
        "responses": {
            "200": _json(_ref("ValidateResult"), "Its findings with their places"),
            **_problems(400, 401, 413),
        },
    }


def _diff_operation() -> dict:
    return {
        "operationId": "diff",
        "summary": "The rule changes against another version, and their impact on cases",
        "security": [{"token": []}, {}],
        "parameters": [
            {"name": "base", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "policy", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "on", "in": "query", "required": False, "schema": DATE},
            LANGUAGE,
        ],
        "requestBody": {
            **_upload_body("A case file (form field `file`) for the impact on its cases."),
            "required": False,
        },
        "responses": {
            "200": _json(_ref("DiffReport"), "The report of `ratebook diff`"),
            **_problems(400, 401, 404, 413, 422),
        },
    }
