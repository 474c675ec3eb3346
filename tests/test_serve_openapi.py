"""The service against its own OpenAPI document: schemathesis generates requests from it.

Every operation of /openapi.json is called with requests made from its schemas (the case
schemas of the fixture policy included, so inputs, enums and bounds vary): the service must
never answer 5xx, and every answer must match the status codes, media types and schemas the
document declares. Examples are bounded so the run stays short.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from generator.serve.app import create_app

from .test_serve import POLICY, served_project

ROOT = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return served_project(tmp_path_factory.mktemp("openapi"))


@pytest.fixture(scope="module")
def app(project):
    return create_app(project)


def test_the_document_is_openapi_3_1_with_each_policys_generated_schemas(project):
    import json

    document = TestClient(create_app(project)).get("/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    schemas = document["components"]["schemas"]
    for kind in ("case", "result"):
        written = json.loads(
            (project / "generated" / "schemas" / f"{POLICY}.{kind}.schema.json").read_text(
                encoding="utf-8"
            )
        )
        embedded = {k: v for k, v in written.items() if k not in ("$schema", "$id")}
        assert schemas[f"{POLICY}.{kind}"] == embedded
    case = schemas[f"{POLICY}.case"]
    assert case["properties"]["scheme"]["enum"] == ["employee", "resident"]
    assert case["properties"]["cost"]["minimum"] == 0
    evaluate = document["paths"][f"/api/policies/{POLICY}/evaluate"]["post"]
    body = evaluate["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["inputs"] == {"$ref": f"#/components/schemas/{POLICY}.case"}
    answer = evaluate["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["properties"]["outputs"] == {"$ref": f"#/components/schemas/{POLICY}.result"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_answer_is_a_server_error_and_each_matches_the_document(app, mode):
    """Requests that follow the document (positive) and requests that break it (negative):
    the second kind must be refused with a documented 4xx problem, never a 5xx."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6  # list, validate, diff; the policy's document, evaluate, batch
    exercised = []
    for operation in operations:

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def answers_as_documented(case: Case) -> None:
            response = case.call()
            assert response.status_code < 500, (case.operation.label, response.text)
            case.validate_response(
                response,
                checks=[
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ],
            )

        try:
            answers_as_documented()
        except Unsatisfiable:  # nothing of this operation can be broken (no body, no parameter)
            assert mode is GenerationMode.NEGATIVE and operation.method.upper() == "GET", (
                operation.label
            )
            continue
        exercised.append(operation.label)
    assert f"POST /api/policies/{POLICY}/evaluate" in exercised


def test_the_docs_page_shows_every_operation_and_loads_nothing_from_elsewhere(app):
    import re

    client = TestClient(app)
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    document = client.get("/openapi.json").json()
    for path in document["paths"]:
        assert f"<code>{path}</code>" in page.text
    links = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert links and all(link.startswith(("/", "#")) for link in links), links
    assert "<script" not in page.text
    # the curl example of evaluate sends a well-formed case of the policy's inputs (the
    # fixture starts in 2020, so on the example's date it is refused as not yet in force)
    import html
    import json

    example = re.search(r"-d &#39;(.*?)&#39;</pre>", page.text)
    assert example is not None
    body = json.loads(html.unescape(example.group(1)))
    assert set(body["inputs"]) == {"scheme", "cost"}
    answer = client.post(f"/api/policies/{POLICY}/evaluate", json=body)
    assert answer.json()["findings"][0]["code"] == "case-not-in-force"
    body["on"] = "2020-06-01"
    assert client.post(f"/api/policies/{POLICY}/evaluate", json=body).status_code == 200
