"""Every JSON Schema ratebook writes or ships passes the strictest readers of other systems:
Python's jsonschema (the schema is valid against the Draft 2020-12 meta-schema) and ajv in
strict mode (`strict: true`), JavaScript's reference validator, which refuses a schema with
anything it would silently ignore.

The schemas: schemas/*.json (the policy format and the published document format),
generated/schemas/*.json of the shipped policies, and those a build writes for this test's own
fixture policy (tests/consumers/policies/), whose inputs have every type.

Real ajv runs where .ci/run installed it (node and .ci/node); this test also emulates, in Python
and everywhere, the strict rules of ajv that ratebook's schemas could break:
- strictSchema, unknown keywords: every keyword is one of Draft 2020-12 or `x-ratebook`, the
  one annotation keyword ratebook writes (a consumer declares it once: `ajv.addKeyword`);
- strictSchema, unknown formats: every `format` is one ajv-formats knows;
- strictSchema, ignored if/then/else: no `then` or `else` without `if`, no `if` without either;
- strictRequired: every name in `required` is defined under `properties` of the same schema
  object (ajv also accepts one defined before at the same data place; this is stricter);
- strictTypes, union types: `type` is one type, or one type and "null";
- strictTypes, applicable types: a keyword that applies to one type (`required`, `items`,
  `pattern`, `minimum`, …) has that type stated in its schema object or in one that applies
  at the same data place (through allOf, anyOf, oneOf, not, if, then, else);
- strictTuples: `prefixItems` comes with `minItems` and `items` or `maxItems`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator, FormatChecker

import cli
from generator.sources.discovery import read_source

from . import ajv as real_ajv
from .conftest import ROOT
from .layered_project import layered_project

# Draft 2020-12's keywords (core, applicator, unevaluated, validation, format, content,
# meta-data) and ratebook's one annotation keyword.
KEYWORDS = {
    "$schema", "$id", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary",
    "$comment", "$defs",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
    "prefixItems", "items", "contains", "properties", "patternProperties",
    "additionalProperties", "propertyNames", "unevaluatedItems", "unevaluatedProperties",
    "type", "const", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required",
    "dependentRequired", "format", "contentEncoding", "contentMediaType", "contentSchema",
    "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
    "x-ratebook",
}  # fmt: skip
FORMATS = {
    "date", "time", "date-time", "iso-time", "iso-date-time", "duration", "uri",
    "uri-reference", "uri-template", "url", "email", "hostname", "ipv4", "ipv6", "regex",
    "uuid", "json-pointer", "json-pointer-uri-fragment", "relative-json-pointer", "byte",
    "int32", "int64", "float", "double", "password", "binary",
}  # fmt: skip
TYPE_OF = {
    **dict.fromkeys(
        ("required", "properties", "additionalProperties", "patternProperties", "propertyNames",
         "minProperties", "maxProperties", "dependentRequired", "dependentSchemas",
         "unevaluatedProperties"), "object"),
    **dict.fromkeys(
        ("items", "prefixItems", "contains", "minItems", "maxItems", "uniqueItems",
         "minContains", "maxContains", "unevaluatedItems"), "array"),
    **dict.fromkeys(("pattern", "minLength", "maxLength", "format"), "string"),
    **dict.fromkeys(
        ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"), "number"),
}  # fmt: skip
SAME_PLACE = ("allOf", "anyOf", "oneOf")  # lists of schemas applied to the same data
SAME_PLACE_ONE = ("not", "if", "then", "else")
DEEPER_ONE = ("additionalProperties", "items", "contains", "propertyNames",
              "unevaluatedItems", "unevaluatedProperties", "contentSchema")  # fmt: skip
DEEPER_MAP = ("properties", "patternProperties", "$defs", "dependentSchemas")


def strict_problems(schema: object) -> list[str]:
    """Where `schema` breaks the emulated ajv strict rules (see the module's docstring)."""
    found: list[str] = []
    _walk(schema, "#", frozenset(), found)
    return found


def _types(node: dict) -> set[str]:
    stated = node.get("type")
    types = set(stated) if isinstance(stated, list) else {stated} if stated else set()
    if "integer" in types:
        types.add("number")
    return types


def _walk(node: object, where: str, known: frozenset, found: list[str]) -> None:
    if isinstance(node, bool):
        return
    if not isinstance(node, dict):
        found.append(f"{where}: not a schema")
        return
    for keyword in node:
        if keyword not in KEYWORDS:
            found.append(f"{where}: unknown keyword {keyword!r}")
    stated = node.get("type")
    if isinstance(stated, list) and not (len(stated) == 2 and "null" in stated):
        found.append(f"{where}: union type {stated}")
    if "format" in node and node["format"] not in FORMATS:
        found.append(f"{where}: unknown format {node['format']!r}")
    if ("then" in node or "else" in node) and "if" not in node:
        found.append(f"{where}: then/else without if")
    if "if" in node and not ("then" in node or "else" in node):
        found.append(f"{where}: if without then or else")
    defined = node.get("properties", {})
    for name in node.get("required", []):
        if name not in defined:
            found.append(f"{where}: required {name!r} is not defined under properties")
    if "prefixItems" in node and not (
        "minItems" in node and ("items" in node or "maxItems" in node)
    ):
        found.append(f"{where}: prefixItems without minItems and items or maxItems")
    known = known | _types(node)
    for keyword, applies_to in TYPE_OF.items():
        if keyword in node and applies_to not in known:
            found.append(f"{where}: {keyword!r} without type {applies_to!r}")
    for keyword in SAME_PLACE:
        for index, sub in enumerate(node.get(keyword, [])):
            _walk(sub, f"{where}/{keyword}/{index}", known, found)
    for keyword in SAME_PLACE_ONE:
        if keyword in node:
            _walk(node[keyword], f"{where}/{keyword}", known, found)
    for keyword in DEEPER_ONE:
        if keyword in node:
            _walk(node[keyword], f"{where}/{keyword}", frozenset(), found)
    for index, sub in enumerate(node.get("prefixItems", [])):
        _walk(sub, f"{where}/prefixItems/{index}", frozenset(), found)
    for keyword in DEEPER_MAP:
        for name, sub in node.get(keyword, {}).items():
            _walk(sub, f"{where}/{keyword}/{name}", frozenset(), found)


def every_schema(consumers_project: Path) -> dict[str, dict]:
    files = [
        *sorted((ROOT / "schemas").glob("*.json")),
        *sorted((ROOT / "generated" / "schemas").glob("*.json")),
        *sorted((consumers_project / "generated" / "schemas").glob("*.json")),
    ]
    assert len(files) > 4
    return {str(f): json.loads(f.read_text(encoding="utf-8")) for f in files}


def test_the_emulated_strict_rules_catch_what_ajv_refuses():
    assert strict_problems({"type": "object", "x-unit": "yuan"}) == ["#: unknown keyword 'x-unit'"]
    assert strict_problems({"type": ["string", "integer"]}) == [
        "#: union type ['string', 'integer']"
    ]
    assert strict_problems({"type": ["string", "null"]}) == []
    assert strict_problems(
        {"type": "object", "properties": {"a": {}}, "if": {}, "then": {"required": ["b"]}}
    ) == ["#/then: required 'b' is not defined under properties"]
    assert strict_problems({"properties": {"v": {"items": {"type": "object"}}}}) == [
        "#: 'properties' without type 'object'",
        "#/properties/v: 'items' without type 'array'",
    ]
    assert strict_problems({"type": "string", "format": "yyyy"}) == ["#: unknown format 'yyyy'"]


def test_every_schema_passes_jsonschema_and_the_strict_rules(consumers_project):
    for name, schema in every_schema(consumers_project).items():
        Draft202012Validator.check_schema(schema)
        assert strict_problems(schema) == [], name


@pytest.mark.skipif(not real_ajv.available(), reason="ajv is not installed (.ci/run installs it)")
def test_every_schema_compiles_in_ajv_strict_mode(consumers_project):
    answer = real_ajv.ajv(every_schema(consumers_project))
    refused = {name: error for name, error in answer["schemas"].items() if error}
    assert not refused


def policies() -> list[Path]:
    """The shipped policies (YAML and workbooks) and the valid fixture policies of the tests."""
    return [
        *sorted(p for p in (ROOT / "policies").rglob("*") if p.suffix in (".yaml", ".xlsx")),
        ROOT / "tests/chinese/subsidy.yaml",
        *sorted((ROOT / "tests/diff_fixtures").rglob("*.yaml")),
        *sorted((ROOT / "tests/consumers/policies").rglob("*.yaml")),
    ]


def test_the_policy_schema_still_accepts_every_policy_in_both_validators():
    schema = json.loads((ROOT / "schemas/policy.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema)
    documents = []
    for path in policies():
        doc, findings = read_source(path, path.name)  # the data the schema check sees
        assert doc is not None and not findings, (path, findings)
        data = doc.data
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, (path, errors)
        # as JSON for ajv: an exact number as a JSON number (the schema asks only its type)
        documents.append(("policy", json.loads(json.dumps(data, default=float))))
    if real_ajv.available():
        answer = real_ajv.ajv({"policy": schema}, documents)
        assert answer["schemas"]["policy"] is None
        bad = [(p, e) for p, e in zip(policies(), answer["documents"], strict=True) if e]
        assert not bad


def test_published_documents_validate_in_both_validators(consumers_project):
    out = consumers_project / "published"
    result = CliRunner().invoke(
        cli.main,
        ["--root", str(consumers_project), "publish", "--out", str(out), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    schema = json.loads(
        (out / "schemas" / "published-policy.schema.json").read_text(encoding="utf-8")
    )
    documents = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "json").glob("*.json"))
    ]
    assert documents
    validator = Draft202012Validator(schema)
    for document in documents:
        assert not [e.message for e in validator.iter_errors(document)]
    if real_ajv.available():
        answer = real_ajv.ajv({"published": schema}, [("published", d) for d in documents])
        assert answer["schemas"]["published"] is None
        assert not any(answer["documents"]), answer["documents"]


def test_published_layers_validate_in_both_validators(tmp_path):
    # the made-up plan and the policy that keeps its floor (tests/layered_project.py)
    root = layered_project(tmp_path)
    out = root / "published"
    result = CliRunner().invoke(
        cli.main, ["--root", str(root), "publish", "--out", str(out), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    schemas = {
        name: json.loads((out / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        for name in ("published-constraints", "published-policy")
    }
    # the copy that travels with the files is the repository's schema
    assert schemas["published-constraints"] == json.loads(
        (ROOT / "schemas" / "published-constraints.schema.json").read_text(encoding="utf-8")
    )
    documents = [
        ("published-constraints", json.loads(p.read_text(encoding="utf-8")))
        for p in sorted((out / "json" / "constraints").glob("*.json"))
    ] + [("published-policy", json.loads((out / "json" / "demo.allowance.json").read_text()))]
    assert len(documents) == 2 and documents[1][1]["subject_to"]
    for name, document in documents:
        validator = Draft202012Validator(schemas[name], format_checker=FormatChecker())
        assert not [e.message for e in validator.iter_errors(document)], name
    broken = json.loads(json.dumps(documents[0][1]))
    broken["constraints"]["line_floor"]["comparator"] = "no_less"
    assert list(Draft202012Validator(schemas["published-constraints"]).iter_errors(broken))
    if real_ajv.available():
        answer = real_ajv.ajv(schemas, documents + [("published-constraints", broken)])
        assert answer["schemas"] == {name: None for name in schemas}
        assert answer["documents"][:2] == [None, None]
        assert answer["documents"][2]  # ajv refuses the unknown comparator too
