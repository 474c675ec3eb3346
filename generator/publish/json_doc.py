"""Publish a whole policy as one JSON document that other systems load as data.

The document follows `schemas/published-policy.schema.json` (copied next to it), so a
consumer can validate it before trusting it. Every number is a decimal string ("0.3",
"200000") so that no value is bent by a binary float on the way; every dated value carries
`from` and `to` (last day in force, inclusive; null = no end), so "the value in force on a
date" is a filter, not an inference. Keys are sorted and nothing depends on the clock, so the
same policy gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from generator.core.version import __version__
from generator.model.plan import formula_order
from generator.model.policy import Advisory, InputField, OutputField, Parameter, Policy
from generator.publish.view import (
    bracket_condition,
    decimal_text,
    iso,
    periods,
    published_cases,
    versions,
    window,
)

FORMAT = "ratebook-published-policy"
FORMAT_VERSION = 1
SCHEMA_FILE = "schemas/published-policy.schema.json"


def json_path(policy: Policy) -> str:
    return f"json/{policy.id}.json"


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def emit_json(
    policy: Policy, on: dt.date | None = None, subject_to: list[dict] | None = None
) -> dict[str, str]:
    """{json/<id>.json: text} for one policy (only the values in force on `on`, if given)."""
    return {json_path(policy): dumps(policy_document(policy, on, subject_to))}


def policy_document(
    policy: Policy, on: dt.date | None = None, subject_to: list[dict] | None = None
) -> dict:
    """The published document; `subject_to` as `publish.layers.subject_to_entries` gives it
    (which rules the policy keeps, each with its published document), or, without it, the
    policy's own list with no document named."""
    if subject_to is None:
        subject_to = [
            {"rule": s.rule, "assumption": s.assumption or None, "document": None}
            for s in policy.subject_to
        ]
    first, last = window(policy, on)
    order, _ = formula_order(policy)
    formulas = {f.name: f for f in policy.formulas}
    return {
        "$schema": "../" + SCHEMA_FILE,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generator": f"ratebook {__version__}",
        "id": policy.id,
        "title": _label(policy.title),
        "jurisdiction": policy.jurisdiction,
        "source": {
            "title": policy.source.title,
            "number": policy.source.number,
            "date": policy.source.date,
            "clause": policy.source.clause,
            "seed": policy.source.seed or None,
            "file": policy.file,
            "sha256": policy.sha256,
        },
        "on": iso(on),
        "in_force": {"from": iso(first), "to": iso(last)},
        "versions": [{"from": iso(a), "to": iso(b)} for a, b in versions(policy, on)],
        "notes": list(policy.notes),
        "subject_to": subject_to,
        "advice": [_advice(policy, a) for a in policy.advice if a.value is not None],
        "inputs": {f.name: _input(f) for f in policy.inputs},
        "outputs": {f.name: _output(f) for f in policy.outputs},
        "parameters": {p.name: _parameter(p, on) for p in policy.parameters},
        "formulas": [
            {
                "name": name,
                "formula": formulas[name].text,
                "output": policy.output(name) is not None,
            }
            for name in order
        ],
        "checks": [{"rule": c.rule, "message": c.message} for c in policy.checks],
        "cases": [_case(policy, c) for c in published_cases(policy, on)],
    }


def _advice(policy: Policy, a: Advisory) -> dict:
    """An advisory threshold as another system needs it to give the same advice: the field,
    what the figure should keep and the source's word for it, with the message in both
    languages and the clause (a case that breaks it is still evaluated)."""
    return {
        "code": a.name,
        "field": a.field_name,
        "comparator": a.comparator,
        "word": a.word,
        "value": decimal_text(a.value),
        "unit": policy.unit_of(a.field_name) or None,
        "message": _label(a.message),
        "clause": a.clause or None,
        "quote": a.quote or None,
        "note": a.note or None,
    }


def _label(label) -> dict:
    return {"zh": label.zh, "en": label.en}


def _input(f: InputField) -> dict:
    spec: dict = {"type": f.type, "label": _label(f.label)}
    if f.unit:
        spec["unit"] = f.unit
    if f.minimum is not None:
        spec["minimum"] = decimal_text(f.minimum)
    if f.maximum is not None:
        spec["maximum"] = decimal_text(f.maximum)
    if f.type == "enum":
        spec["values"] = list(f.values)
        spec["ordered"] = f.ordered
    if f.has_default:
        spec["default"] = _plain(f.default, f.type)
    if f.note:
        spec["note"] = f.note
    return spec


def _output(f: OutputField) -> dict:
    spec: dict = {"type": f.type, "label": _label(f.label)}
    if f.unit:
        spec["unit"] = f.unit
    if f.places is not None:
        spec["rounding"] = {"places": f.places, "mode": f.mode}
    if f.note:
        spec["note"] = f.note
    return spec


def _parameter(p: Parameter, on: dt.date | None) -> dict:
    spec: dict = {
        "kind": p.kind,
        "label": _label(p.label),
        "source": {"clause": p.clause, "quote": p.quote},
        "unnumbered": p.unnumbered,
        "values": [_period(p, period) for period in periods(p, on)],
    }
    for key, value in (
        ("unit", p.unit),
        ("method", p.method),
        ("input_unit", p.input_unit),
        ("output_unit", p.output_unit),
        ("key", p.key),
        ("note", p.note),
    ):
        if value:
            spec[key] = value
    if p.maximum is not None:
        spec["maximum"] = decimal_text(p.maximum)
    return spec


def _period(p: Parameter, period) -> dict:
    entry: dict = {"from": iso(period.start), "to": iso(period.end)}
    if period.entry.note:
        entry["note"] = period.entry.note
    if p.kind in ("amount", "rate"):
        entry["value"] = decimal_text(period.value)
    elif p.kind == "scale":
        entry["brackets"] = [
            {
                "lower": decimal_text(b.lower),
                "lower_inclusive": b.lower_inclusive,
                "upper": decimal_text(b.upper),
                "upper_inclusive": b.upper_inclusive,
                "rate": decimal_text(b.rate),
                "amount": decimal_text(b.amount),
                "condition": bracket_condition(b),
                **({"note": b.note} if b.note else {}),
            }
            for b in period.value
        ]
    else:
        entry["rows"] = [{"key": key, "value": decimal_text(value)} for key, value in period.value]
    return entry


def _plain(value, kind: str = ""):
    """A value from a policy as JSON: numbers of `number` inputs as decimal strings."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (dt.date,)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, int) and kind == "number":
        return str(value)
    if isinstance(value, float):
        return decimal_text(Decimal(repr(value)))
    return value


def _case(policy: Policy, case) -> dict:
    def typed(name: str, value, fields):
        field = fields(name)
        return _plain(value, field.type if field else "")

    return {
        "name": case.name,
        "on": iso(case.on),
        "inputs": {k: typed(k, v, policy.input) for k, v in case.inputs},
        "expected": {k: typed(k, v, policy.output) for k, v in case.expected},
        "why": case.why,
    }
