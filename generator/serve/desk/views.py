"""What the desk's pages show, worked out from the published JSON and the case schema.

The templates only lay out; the words of a bracket, a dated value, a rate as a percent or an
enum value by its label are made here, in the page's language, from the same documents other
systems read (`ratebook publish`'s JSON, `generated/schemas/*.case.schema.json`), so the desk
shows exactly what is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from generator.core.messages import render
from generator.core.unit_words import unit_label
from generator.serve.desk.charts import bracket_words, label, period_words

METHOD_WORDS = {"marginal": "book.method.marginal", "whole_amount": "book.method.whole_amount"}


def _words(key: str, lang: str, **params: object) -> str:
    return render(key, params, lang)


def plain(text: Any) -> str:
    """A decimal as people write it: `0.30` -> `0.3`, `2E+4` -> `20000`."""
    try:
        number = Decimal(str(text))
    except InvalidOperation:
        return str(text)
    shown = format(number.normalize(), "f")
    return shown


def percent(text: Any) -> str:
    return plain(Decimal(str(text)) * 100) + "%"


def unit_words(unit: str | None) -> str:
    """A unit as the page's reader reads it (元/月, 平方米; yuan/month, m²): the page is
    rendered inside `in_language` of its language."""
    return unit_label(unit)


@dataclass
class Row:
    """One line of a table on a page: its cells, already in words."""

    cells: list[str]


@dataclass
class Period:
    words: str
    rows: list[Row] = field(default_factory=list)
    value: str = ""


@dataclass
class ParameterView:
    name: str
    title: str
    other_title: str
    kind: str
    clause: str
    quote: str
    method: str
    unnumbered: bool
    unit: str
    periods: list[Period]


def extension(spec: dict[str, Any]) -> dict[str, Any]:
    """What ratebook adds to an input's JSON Schema, under its one keyword `x-ratebook`
    (`unit`, `value_labels`, `ordered`)."""
    found = spec.get("x-ratebook")
    return found if isinstance(found, dict) else {}


def value_labels(case_schema: dict[str, Any] | None) -> dict[str, dict[str, dict[str, str]]]:
    """Input -> value -> {zh, en} from a case schema's `x-ratebook.value_labels`."""
    properties = (case_schema or {}).get("properties", {})
    return {
        name: extension(spec).get("value_labels", {})
        for name, spec in properties.items()
        if isinstance(spec, dict)
    }


def enum_words(value: Any, labels: dict[str, dict[str, str]], lang: str) -> str:
    """An enum value by its label, the value beside it: `职工（employee）` / `Employee (employee)`."""
    shown = label(labels.get(str(value)), lang, str(value))
    if shown == str(value):
        return shown
    return f"{shown}（{value}）" if lang == "zh" else f"{shown} ({value})"


def _number_value(parameter: dict[str, Any], value: str) -> str:
    if parameter.get("kind") == "rate" or (
        parameter.get("kind") == "table" and parameter.get("unit") in ("", "1")
    ):
        return percent(value)
    unit = unit_words(parameter.get("unit"))
    return f"{plain(value)} {unit}".strip()


def _pays(parameter: dict[str, Any], bracket: dict[str, Any], lang: str) -> str:
    if bracket.get("amount") is not None:
        unit = unit_words(parameter.get("output_unit"))
        return f"{plain(bracket['amount'])} {unit}".strip()
    rate = plain(Decimal(bracket.get("rate") or 0) * 100)
    key = "book.pays-part" if parameter.get("method") == "marginal" else "book.pays-whole"
    return _words(key, lang, rate=rate)


def parameter_view(
    name: str,
    parameter: dict[str, Any],
    lang: str,
    labels: dict[str, dict[str, dict[str, str]]],
) -> ParameterView:
    kind = parameter.get("kind", "")
    periods = []
    for value in parameter.get("values", []):
        period = Period(period_words(value.get("from"), value.get("to"), lang))
        if kind == "scale":
            period.rows = [
                Row(
                    [
                        str(index),
                        bracket_words(b, lang),
                        _pays(parameter, b, lang),
                        b.get("note") or "",
                    ]
                )
                for index, b in enumerate(value["brackets"], start=1)
            ]
        elif kind == "table":
            key_labels = labels.get(parameter.get("key") or "", {})
            period.rows = [
                Row(
                    [
                        enum_words(row["key"], key_labels, lang),
                        _number_value(parameter, row["value"]) if row["value"] is not None else "",
                    ]
                )
                for row in value["rows"]
            ]
        else:
            period.value = _number_value(parameter, value["value"]) if value.get("value") else ""
        periods.append(period)
    source = parameter.get("source") or {}
    names = parameter.get("label") or {}
    other = "en" if lang == "zh" else "zh"
    method = parameter.get("method") or ""
    return ParameterView(
        name=name,
        title=label(names, lang, name),
        other_title=names.get(other) or "",
        kind=kind,
        clause=source.get("clause") or "",
        quote=" ".join((source.get("quote") or "").split()),
        method=_words(METHOD_WORDS[method], lang) if method in METHOD_WORDS else method,
        unnumbered=bool(parameter.get("unnumbered")),
        unit=unit_words(parameter.get("input_unit") or parameter.get("unit")),
        periods=periods,
    )


def parameter_views(
    doc: dict[str, Any], lang: str, case_schema: dict[str, Any] | None = None
) -> list[ParameterView]:
    labels = value_labels(case_schema)
    return [
        parameter_view(name, parameter, lang, labels)
        for name, parameter in sorted(doc.get("parameters", {}).items())
    ]


@dataclass
class Field:
    """One input of the case form, as the case schema describes it."""

    name: str
    title: str
    other_title: str
    kind: str  # number, integer, enum, boolean, date, text
    unit: str
    required: bool
    minimum: str | None
    maximum: str | None
    options: list[tuple[str, str]]  # (value, words) of an enum
    value: str
    default: str | None


def case_fields(
    case_schema: dict[str, Any], lang: str, values: dict[str, str] | None = None
) -> list[Field]:
    """The form's fields in the schema's order: labels, units, bounds, enum choices by label."""
    values = values or {}
    required = set(case_schema.get("required", []))
    other = "en" if lang == "zh" else "zh"
    fields = []
    for name, spec in case_schema.get("properties", {}).items():
        titles = {"zh": spec.get("title") or "", "en": spec.get("description") or ""}
        labels = extension(spec).get("value_labels", {})
        if "enum" in spec:
            kind = "enum"
        elif spec.get("type") in ("number", "integer", "boolean"):
            kind = spec["type"]
        elif spec.get("format") == "date":
            kind = "date"
        else:
            kind = "text"
        default = spec.get("default")
        shown_default = None
        if default is not None:
            shown_default = (
                ("true" if default else "false") if isinstance(default, bool) else plain(default)
            )
        fields.append(
            Field(
                name=name,
                title=titles[lang] or titles[other] or name,
                other_title=titles[other] if titles[other] != titles[lang] else "",
                kind=kind,
                unit=unit_words(extension(spec).get("unit")),
                required=name in required,
                minimum=plain(spec["minimum"]) if "minimum" in spec else None,
                maximum=plain(spec["maximum"]) if "maximum" in spec else None,
                options=[(str(v), enum_words(v, labels, lang)) for v in spec.get("enum", [])],
                value=values.get(name, shown_default or ""),
                default=shown_default,
            )
        )
    return fields


# -- the list of policies and one policy's facts ------------------------------------------------


def in_force_words(doc: dict[str, Any] | None, lang: str) -> str:
    window = (doc or {}).get("in_force") or {}
    if not doc:
        return ""
    return period_words(window.get("from"), window.get("to"), lang)


def policy_summary(doc: dict[str, Any], lang: str) -> dict[str, Any]:
    """The title (in the page's language, the other beside it), the dates, the source."""
    titles = doc.get("title") or {}
    other = "en" if lang == "zh" else "zh"
    source = doc.get("source") or {}
    return {
        "id": doc["id"],
        "title": label(titles, lang, doc["id"]),
        "other_title": titles.get(other) or "",
        "in_force": in_force_words(doc, lang),
        "source": " ".join(x for x in (source.get("title"), source.get("number")) if x),
        "clause": source.get("clause") or "",
        "file": source.get("file") or "",
        "jurisdiction": doc.get("jurisdiction") or "",
        "notes": doc.get("notes") or [],
    }


def advice_views(doc: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """The thresholds the source asks only "in principle", from the published JSON, each in
    the words a batch file's advice column gives (a case below one is paid and told, not
    refused); the field by its label. Rendered inside `in_language` of the page's language."""
    from generator.runtime import advice_line

    fields = {**(doc.get("inputs") or {}), **(doc.get("outputs") or {})}
    shown = []
    for a in doc.get("advice") or []:
        message = a.get("message") or {}
        row = (  # as a generated module's ADVICE holds it (Advisory.row)
            a["code"],
            a["field"],
            a["comparator"],
            a["word"],
            Decimal(a["value"]),
            a.get("unit") or "",
            a.get("clause") or "",
            message.get("zh") or "",
            message.get("en") or "",
        )
        spec = fields.get(a["field"]) or {}
        shown.append(
            {
                "code": a["code"],
                "field": label(spec.get("label"), lang, a["field"]),
                "text": str(advice_line(row)),
                "quote": a.get("quote") or "",
            }
        )
    return shown


def areas(
    listed: list[dict[str, Any]], documents: dict[str, dict[str, Any] | None], lang: str
) -> list[dict[str, Any]]:
    """The policies grouped by area (the id's first part), in id order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for p in listed:
        doc = documents.get(p["id"])
        titles = p.get("title") or {}
        other = "en" if lang == "zh" else "zh"
        source = (doc or {}).get("source") or {}
        grouped.setdefault(p["area"], []).append(
            {
                "id": p["id"],
                "title": label(titles, lang, p["id"]),
                "other_title": titles.get(other) or "",
                "in_force": in_force_words(doc, lang),
                "source": source.get("title") or p.get("source") or "",
                "clause": source.get("clause") or "",
            }
        )
    return [{"name": name, "title": name, "policies": grouped[name]} for name in sorted(grouped)]


# -- a case's answer and its problems ------------------------------------------------------------


def finding_view(data: dict[str, Any], anchor: str = "") -> dict[str, str]:
    """A finding as a list item: its place, its words (already in the page's language)."""
    return {
        "place": data.get("place") or "",
        "text": data.get("message") or "",
        "severity": data.get("severity") or "error",
        "anchor": anchor,
    }


def field_errors(problems: list[tuple[str, Any]], case_schema: dict[str, Any]) -> dict[str, str]:
    """Input -> the words of its problems (the generated module's `validate(case, on)` pairs),
    for the form to show beside each field."""
    names = set(case_schema.get("properties", {}))
    errors: dict[str, list[str]] = {}
    for field_name, message in problems:
        if field_name in names:
            errors.setdefault(field_name, []).append(str(message))
    return {name: "；".join(texts) for name, texts in errors.items()}


def result_view(answer: dict[str, Any], doc: dict[str, Any], lang: str) -> dict[str, Any]:
    """The outputs by label with their units, the advice of the advisory thresholds the case
    breaks (shown beside the outputs, which stand), and the steps with their sources."""
    outputs = []
    for name, value in answer.get("outputs", {}).items():
        spec = doc.get("outputs", {}).get(name, {})
        if isinstance(value, bool):
            shown = _words("value.yes" if value else "value.no", lang)
        else:
            shown = str(value)
        outputs.append(
            {
                "name": name,
                "title": label(spec.get("label"), lang, name),
                "value": shown,
                "unit": unit_words(spec.get("unit")),
            }
        )
    steps = []
    for step in answer.get("explain") or []:
        source = step.get("source") or ""
        clause, _, quote = source.partition("; ")
        steps.append({"text": step.get("step") or "", "clause": clause, "quote": quote})
    advice = [
        {"code": a.get("code") or "", "field": a.get("field") or "", "text": a.get("message") or ""}
        for a in answer.get("advice") or []
    ]
    return {"on": answer.get("on", ""), "outputs": outputs, "steps": steps, "advice": advice}
