"""The API's documentation page, made from the OpenAPI document and served by ratebook itself.

Officers' and integrators' networks are often closed, so the page loads nothing from
elsewhere: one HTML file rendered with Jinja2 from `/openapi.json` as served (every
operation with its parameters, request schema, responses and a curl example; every schema),
its style inline, no script.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from generator.serve.service import BATCH_FORMATS

HERE = Path(__file__).resolve().parent  # api_docs.html, the template, is beside this module


@cache
def _template():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html"]))
    environment.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)
    return environment.get_template("api_docs.html")


def _example(path: str, method: str, operation: dict, document: dict) -> str:
    """A curl command calling the operation on 127.0.0.1:8000."""
    url = f"http://127.0.0.1:8000{path}"
    if operation["operationId"].startswith("evaluate:"):
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
        case = document["components"]["schemas"][ref["inputs"]["$ref"].rpartition("/")[2]]
        inputs = {name: _sample(field) for name, field in case.get("properties", {}).items()}
        body = json.dumps({"on": "2012-07-01", "inputs": inputs}, ensure_ascii=False)
        return f"curl -s -X POST '{url}' -H 'Content-Type: application/json' \\\n  -d '{body}'"
    if operation["operationId"].startswith("batch:"):
        return (
            f"curl -s -X POST '{url}?format=csv&out=csv&on=2012-07-01' \\\n"
            f"  -H 'Content-Type: {BATCH_FORMATS['csv']}' --data-binary @cases.csv -o results.csv"
        )
    if operation["operationId"] == "validate":
        return f"curl -s -X POST '{url}' -F file=@policies/medical/secondary_compensation.xlsx"
    if operation["operationId"] == "diff":
        return f"curl -s -X POST '{url}?base=main' -F file=@cases.csv"
    return f"curl -s '{url}'"


def _sample(field: dict):
    if "enum" in field:
        return field["enum"][0]
    if field.get("type") in ("number", "integer"):
        return field.get("minimum", 0)
    if field.get("type") == "boolean":
        return False
    return ""


def render_docs(document: dict, lang: str) -> str:
    """The page for `document` (the service's OpenAPI document)."""
    operations = []
    tags: list[str] = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for tag in operation.get("tags", []):
                if tag not in tags:
                    tags.append(tag)
            body = operation.get("requestBody", {}).get("content", {})
            first = next(iter(body.values()), None)
            operations.append(
                {
                    "anchor": operation["operationId"].replace(":", "-"),
                    "method": method,
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "security": bool(operation.get("security")),
                    "parameters": operation.get("parameters", []),
                    "request_types": list(body),
                    "request": json.dumps(first["schema"], ensure_ascii=False, indent=2)
                    if first
                    else "",
                    "responses": sorted(operation["responses"].items()),
                    "example": _example(path, method, operation, document),
                }
            )
    schemas = [
        (name, json.dumps(schema, ensure_ascii=False, indent=2))
        for name, schema in sorted(document["components"]["schemas"].items())
    ]
    return _template().render(
        doc=document, operations=operations, tags=tags, schemas=schemas, lang=lang
    )
