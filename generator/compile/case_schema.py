"""Emit the JSON Schemas other systems use to check a case and read a result.

Draft 2020-12, one schema for the inputs of a case and one for the outputs `ratebook eval
--json` prints. What a schema keyword cannot say goes under one annotation keyword,
`x-ratebook`: a field's unit, rounding, value labels and order, and the cross-field rules (their
rule text and message, so a consumer at least knows they exist). One keyword, so a strict
validator (ajv in strict mode refuses unknown keywords) needs only it declared as an
annotation; Python's jsonschema ignores it.
"""

from __future__ import annotations

import json
from decimal import Decimal

from generator.model.policy import Policy

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def json_number(value: Decimal):
    """Decimal → int when whole, else float; 0.3 prints as 0.3 (shortest round trip)."""
    return int(value) if value == value.to_integral_value() else float(value)


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def case_schema(policy: Policy) -> dict:
    properties = {}
    for f in policy.inputs:
        spec: dict = {"title": f.label.zh or f.name, "description": f.label.en or f.name}
        if f.type in ("number", "integer"):
            spec["type"] = f.type
            if f.minimum is not None:
                spec["minimum"] = json_number(f.minimum)
            if f.maximum is not None:
                spec["maximum"] = json_number(f.maximum)
            spec["x-ratebook"] = {"unit": f.unit, **_advice(policy, f.name)}
        elif f.type == "enum":
            spec["enum"] = list(f.values)
            extension: dict = {}
            if f.value_labels:
                # ratebook also reads a value's label (职工 for employee); a client may show them
                extension["value_labels"] = {
                    str(value): {
                        lang: words for lang, words in (("zh", label.zh), ("en", label.en)) if words
                    }
                    for value, label in f.value_labels
                }
            if f.ordered:
                extension["ordered"] = True
            if extension:
                spec["x-ratebook"] = extension
        elif f.type == "boolean":
            spec["type"] = "boolean"
        else:
            spec.update(
                {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
            )
        if f.has_default:
            default = f.default
            spec["default"] = json_number(Decimal(str(default))) if f.type == "number" else default
        properties[f.name] = spec
    schema = {
        "$schema": DRAFT,
        "$id": f"ratebook:{policy.id}/case",
        "title": f"{policy.id} case — {policy.title.en}",
        "description": f"The inputs of one case of {policy.title.zh}.",
        "type": "object",
        "properties": properties,
        "required": [f.name for f in policy.inputs if not f.has_default],
        "additionalProperties": False,
    }
    if policy.checks:
        schema["x-ratebook"] = {
            "checks": [{"rule": c.rule, "message": c.message} for c in policy.checks]
        }
    return schema


def _advice(policy: Policy, name: str) -> dict:
    """The field's advisory thresholds, as an annotation: a value that breaks one is valid
    (the case is evaluated) and gets the advice beside its result; a client may warn early."""
    rows = [
        {
            "code": a.name,
            "comparator": a.comparator,
            "word": a.word,
            "value": json_number(a.value),
            "clause": a.clause,
            "quote": a.quote,
            "message": {"zh": a.message.zh, "en": a.message.en},
        }
        for a in policy.advice
        if a.field_name == name and a.value is not None
    ]
    return {"advice": rows} if rows else {}


def result_schema(policy: Policy) -> dict:
    properties = {}
    for f in policy.outputs:
        spec: dict = {"title": f.label.zh or f.name, "description": f.label.en or f.name}
        if f.type == "boolean":
            spec["type"] = "boolean"
        elif f.type == "integer":
            spec["type"] = "integer"
            spec["x-ratebook"] = {"unit": f.unit, **_advice(policy, f.name)}
        else:
            spec["type"] = "string"
            spec["pattern"] = f"^-?[0-9]+\\.[0-9]{{{f.places}}}$" if f.places else "^-?[0-9]+$"
            spec["x-ratebook"] = {
                "unit": f.unit,
                "rounding": f"{f.mode} to {f.places} places",
                **_advice(policy, f.name),
            }
        properties[f.name] = spec
    return {
        "$schema": DRAFT,
        "$id": f"ratebook:{policy.id}/result",
        "title": f"{policy.id} result — {policy.title.en}",
        "description": "The outputs of one case; money is a decimal string with the stated places.",
        "type": "object",
        "properties": properties,
        "required": [f.name for f in policy.outputs],
        "additionalProperties": False,
    }
