"""Structural checks of a policy document against `schemas/policy.schema.json`.

jsonschema sees plain data; each error's path is looked up in the source document's place
map so the message points at the YAML line or the workbook cell. Messages are rewritten to
say what is wrong in an officer's words and what is allowed.
"""

from __future__ import annotations

import json
from functools import lru_cache

from jsonschema import Draft202012Validator

from generator.core.findings import Finding, finding
from generator.core.location import Location, dotted
from generator.core.messages import Message
from generator.core.schema_files import CONSTRAINTS_SCHEMA, POLICY_SCHEMA, schema_text
from generator.core.values import did_you_mean


@lru_cache(maxsize=1)
def policy_validator() -> Draft202012Validator:
    schema = json.loads(schema_text(POLICY_SCHEMA))
    return Draft202012Validator(_refs_inlined(schema))


def _refs_inlined(schema: dict) -> dict:
    """The schema with each `{"$ref": "#/$defs/x"}` replaced by the definition itself.

    The same checks and the same subschemas in the errors (a `$ref` here never has sibling
    keywords), but jsonschema no longer resolves a reference for every item it checks: a
    scale of 10,000 brackets made 40,000 lookups, a third of the time of its validation. A
    definition that refers to itself keeps its `$ref` (the `$defs` stay for it).
    """
    definitions = schema.get("$defs", {})

    def inlined(node, expanding: tuple):
        if isinstance(node, list):
            return [inlined(item, expanding) for item in node]
        if not isinstance(node, dict):
            return node
        reference = node.get("$ref")
        if len(node) == 1 and isinstance(reference, str) and reference.startswith("#/$defs/"):
            name = reference.removeprefix("#/$defs/")
            if name in definitions and "/" not in name and name not in expanding:
                return inlined(definitions[name], expanding + (name,))
            return node
        return {key: inlined(value, expanding) for key, value in node.items()}

    return inlined(schema, ())


@lru_cache(maxsize=1)
def constraints_validator() -> Draft202012Validator:
    """The validator of a constraints document, which refers to the policy schema's parts."""
    from referencing import Registry, Resource

    policy = json.loads(schema_text(POLICY_SCHEMA))
    registry: Registry = Registry().with_resource(policy["$id"], Resource.from_contents(policy))
    return Draft202012Validator(json.loads(schema_text(CONSTRAINTS_SCHEMA)), registry=registry)


def check_structure(doc, validator: Draft202012Validator | None = None) -> list[Finding]:
    """Every schema violation in `doc` (a SourceDocument), each at its place; against the
    policy schema unless another `validator` is given."""
    findings = []
    for error in (validator or policy_validator()).iter_errors(doc.data):
        error = _most_specific(error)
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            findings.extend(_unknown_keys(error, path, doc))
            continue
        message, where = _describe(error, path, doc)
        findings.append(message.at(where))
    return findings


def _unknown_keys(error, path: tuple, doc) -> list[Finding]:
    """One finding per unknown key, each at the key, listing what is allowed."""
    allowed = sorted(error.schema.get("properties", {}))
    shown = _shown(path)
    return [
        finding(
            "schema.unknown-key",
            doc.key_place(path + (key,)),
            key=key,
            path=shown,
            allowed=", ".join(allowed),
            close=did_you_mean(key, allowed),
        )
        for key in sorted(set(error.instance) - set(allowed), key=str)
    ]


def _shown(path: tuple) -> object:
    """A place inside the policy as messages name it: its dotted path, or the policy itself."""
    return dotted(path) or Message("words.the-policy")


def _most_specific(error):
    """For anyOf/oneOf failures, the branch error that went deepest says the most."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) > len(error.absolute_path):
            return _most_specific(deepest)
    return error


# The schema's hints (x-ratebook: {hint: …}) and JSON types in the reader's language; a hint not listed here
# is shown as the schema writes it.
HINTS = {
    "YYYY, YYYY-MM or YYYY-MM-DD": "schema-hint.source-date",
    "a date written YYYY-MM-DD": "schema-hint.date",
    "a lower-case name of letters, digits and _ starting with a letter": "schema-hint.name",
    "a number such as 0.3 or a percentage such as 30%": "schema-hint.rate",
    "a unit such as yuan, yuan/month, m2, person or 1": "schema-hint.unit",
    "area.name, e.g. medical.secondary_compensation": "schema-hint.policy-id",
    "true or false": "schema-hint.boolean",
}
JSON_TYPES = {
    "object": "json-type.object",
    "array": "json-type.array",
    "string": "json-type.string",
    "number": "json-type.number",
    "integer": "json-type.integer",
    "boolean": "json-type.boolean",
    "null": "json-type.null",
}


def _hint(text: object) -> object:
    """A schema hint as words of the catalogue, when it has them."""
    key = HINTS.get(text) if isinstance(text, str) else None
    return Message(key) if key else text


def _extension(schema: object) -> dict:
    """ratebook's annotations of a schema object, all under its one keyword `x-ratebook` (one
    keyword, so strict validators such as ajv need only it declared)."""
    found = schema.get("x-ratebook") if isinstance(schema, dict) else None
    return found if isinstance(found, dict) else {}


def _one_of_types(error) -> list[str]:
    """The types of an anyOf whose branches are each one type: the schema writes a choice of
    types so (ajv's strict mode refuses a list of types), and the officer reads it as a type."""
    if error.validator != "anyOf" or not isinstance(error.validator_value, list):
        return []
    branches = error.validator_value
    if all(isinstance(b, dict) and list(b) == ["type"] for b in branches):
        return [b["type"] for b in branches]
    return []


def _describe(error, path: tuple, doc) -> tuple[Message, Location]:
    where = doc.place(path)
    shown = _shown(path)
    hint = _hint(_extension(error.schema).get("hint"))
    kind = error.validator
    types = _one_of_types(error)
    if types:
        kind = "type"
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = (
            sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        )
        key = extras[0] if extras else "?"
        where = doc.key_place(path + (key,))
        listed = ", ".join(allowed)
        return Message(
            "schema.unknown-key",
            key=key,
            path=shown,
            allowed=listed,
            close=did_you_mean(key, allowed),
        ), where
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return Message("schema.required", path=shown, key=missing), where
    if kind == "propertyNames":
        return Message("schema.other", path=shown, reason=error.message), where
    if kind == "pattern":
        container = _value_at(doc.data, path)
        if (
            isinstance(container, dict)
            and isinstance(error.instance, str)
            and error.instance in container
        ):
            # propertyNames: jsonschema reports the mapping; point at the bad name itself
            return Message(
                "schema.name-pattern", name=error.instance, path=shown, hint=hint
            ), doc.key_place(path + (error.instance,))
        if not hint:
            return Message("schema.pattern-unhinted", path=shown, value=error.instance), where
        return Message("schema.pattern", path=shown, value=error.instance, hint=hint), where
    if kind in ("anyOf", "oneOf"):
        if not hint:
            return Message("schema.not-allowed", path=shown, value=_quote(error.instance)), where
        return Message("schema.choice", path=shown, value=_quote(error.instance), hint=hint), where
    if kind == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return Message(
            "schema.enum",
            path=shown,
            value=_quote(error.instance),
            allowed=allowed,
            close=did_you_mean(error.instance, error.validator_value),
        ), where
    if kind == "const":
        return Message(
            "schema.const", path=shown, expected=error.validator_value, value=_quote(error.instance)
        ), where
    if kind == "type":
        expected = types or error.validator_value
        if isinstance(expected, str) and expected in JSON_TYPES:
            words: object = Message(JSON_TYPES[expected])
        else:
            expected = " or ".join(expected) if isinstance(expected, list) else expected
            article = "an" if expected[0] in "aeiou" else "a"
            words = f"{article} {expected}"
        return Message(
            "schema.type", path=shown, value=_quote(error.instance), expected=words
        ), where
    if kind in ("minItems", "minProperties"):
        return Message("schema.empty", path=shown), where
    if kind == "minLength":
        return Message("schema.empty-text", path=shown), where
    return Message("schema.other", path=shown, reason=error.message), where


def _value_at(data, path: tuple):
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _quote(value) -> object:
    if isinstance(value, dict):
        return Message("words.a-mapping")
    if isinstance(value, list):
        return Message("words.a-list")
    return repr(value) if isinstance(value, str) else str(value)
