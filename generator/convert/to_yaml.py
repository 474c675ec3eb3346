"""Write a policy as YAML in the documented format, the text `yaml_source` reads back.

A pure function of the model, used by `ratebook import-xlsx`. The output is meant for people
(the layout of the README's format reference: flow mappings for labels, brackets and case
fields, rates as percentages, long text folded) and is exact for the reader: a string that
the reader would take for a number, boolean or null ("8000.00", "2012", "true") is quoted,
text with line breaks or unusual characters is double-quoted with escapes, and folded text is
broken only at single spaces so it unfolds to the same string.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from generator.core.values import plain
from generator.model.policy import Bracket, InputField, OutputField, Parameter, Policy
from generator.sources.yaml_reader import _BOOL, _FLOAT, _INT, _NULL

WIDTH = 96
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\x85\u2028\u2029\ufeff]"
)
_BLOCK_START = set("-?:,[]{}#&*!|>'\"%@`")


def emit_yaml(policy: Policy) -> str:
    out: list[str] = []
    p = policy
    out.append("ratebook: 1")
    out.append(f"id: {scalar(p.id)}")
    out.append("title:")
    out.append(f"  zh: {scalar(p.title.zh)}")
    out.append(f"  en: {scalar(p.title.en)}")
    if p.jurisdiction:
        out.append(_long("jurisdiction", p.jurisdiction, 2))
    out.append("source:")
    out.append(_long("  title", p.source.title, 4))
    out.append(f"  number: {scalar(p.source.number)}")
    out.append(f"  date: {scalar(p.source.date)}")
    out.append(_long("  clause", p.source.clause, 4))
    if p.source.seed:
        out.append(f"  seed: {scalar(p.source.seed)}")
    if p.notes:
        out.append("notes:")
        out.extend(_long("  -", note, 4) for note in p.notes)
    out.append("")
    out.append("inputs:")
    for f in p.inputs:
        out.extend(_field_head(f))
        if f.minimum is not None:
            out.append(f"    min: {scalar(f.minimum)}")
        if f.maximum is not None:
            out.append(f"    max: {scalar(f.maximum)}")
        if f.values:
            out.append(f"    values: [{', '.join(scalar(v, flow=True) for v in f.values)}]")
        if f.value_labels:
            out.append("    value_labels:")
            for key, label in f.value_labels:
                words = [
                    (lang, text) for lang, text in (("zh", label.zh), ("en", label.en)) if text
                ]
                inner = ", ".join(f"{lang}: {scalar(text, flow=True)}" for lang, text in words)
                out.append(f"      {scalar(key)}: {{{inner}}}")
        if f.ordered:
            out.append("    ordered: true")
        if f.has_default:
            out.append(f"    default: {scalar(f.default)}")
        out.extend(_field_tail(f))
    out.append("")
    out.append("outputs:")
    for f in p.outputs:
        out.extend(_field_head(f))
        if f.places is not None:
            out.append(f"    rounding: {{places: {f.places}, mode: {scalar(f.mode, flow=True)}}}")
        out.extend(_field_tail(f))
    out.append("")
    out.append("parameters:" if p.parameters else "parameters: {}")
    for parameter in p.parameters:
        out.extend(_parameter(parameter))
    out.append("")
    out.append("formulas:")
    for formula in p.formulas:
        out.append(_long("  " + scalar(formula.name), formula.text, 4))
    if p.checks:
        out.append("")
        out.append("checks:")
        for check in p.checks:
            out.append(_long("  - rule", check.rule, 6))
            out.append(_long("    message", check.message, 6))
    if p.subject_to:
        out.append("")
        out.append("subject_to:")
        for entry in p.subject_to:
            out.append(_long("  - rule", entry.rule, 6))
            if entry.assumption:
                out.append(_long("    assumption", entry.assumption, 6))
    if p.properties:
        out.append("")
        out.append("properties:")
        for prop in p.properties:
            out.append(f"  - kind: {scalar(prop.kind)}")
            for key in ("output", "input", "direction", "at_most", "at_least"):
                if getattr(prop, key):
                    out.append(_long(f"    {key}", getattr(prop, key), 6))
            out.extend(_source(prop.clause, prop.quote) or ["    source: {}"])
            if prop.note:
                out.append(_long("    note", prop.note, 6))
    if p.advice:
        out.append("")
        out.append("advice:")
        for a in p.advice:
            out.append(f"  - name: {scalar(a.name)}")
            out.append(f"    field: {scalar(a.field_name)}")
            out.append(f"    comparator: {scalar(a.comparator)}")
            if a.word:
                out.append(_long("    word", a.word, 6))
            out.append(f"    value: {scalar(a.value)}")
            out.append("    source:" if a.clause or a.quote else "    source: {}")
            if a.clause:
                out.append(_long("      clause", a.clause, 8))
            if a.quote:
                out.append(_long("      quote", a.quote, 8))
            out.append("    message:")
            out.append(_long("      zh", a.message.zh, 8))
            out.append(_long("      en", a.message.en, 8))
            if a.note:
                out.append(_long("    note", a.note, 6))
    if p.cases:
        out.append("")
        out.append("cases:")
        for case in p.cases:
            out.append(_long("  - name", case.name, 6))
            if case.on is not None:
                out.append(f"    on: {case.on.isoformat()}")
            out.append(f"    inputs: {_flow(case.inputs)}")
            out.append(f"    expected: {_flow(case.expected)}")
            if case.why:
                out.append(_long("    why", case.why, 6))
    return "\n".join(out) + "\n"


def _field_head(f: InputField | OutputField) -> list[str]:
    """The lines an input and an output begin with: name, type, unit."""
    out = [f"  {scalar(f.name)}:", f"    type: {scalar(f.type)}"]
    if f.unit:
        out.append(f"    unit: {scalar(f.unit)}")
    return out


def _field_tail(f: InputField | OutputField) -> list[str]:
    """The lines an input and an output end with: label, note."""
    out = _label(f.label, 4)
    if f.note:
        out.append(_long("    note", f.note, 6))
    return out


def _source(clause: str, quote: str) -> list[str]:
    """A parameter's or a property's `source:` (clause and quote), or nothing when it has neither."""
    if not (clause or quote):
        return []
    out = ["    source:"]
    if clause:
        out.append(_long("      clause", clause, 8))
    if quote:
        out.append(_long("      quote", quote, 8))
    return out


def _parameter(p: Parameter) -> list[str]:
    out = [f"  {scalar(p.name)}:", f"    kind: {scalar(p.kind)}"]
    if p.unit and not (p.kind == "rate" and p.unit == "1"):
        out.append(f"    unit: {scalar(p.unit)}")
    for key in ("method", "input_unit", "output_unit", "key"):
        if getattr(p, key):
            out.append(f"    {key}: {scalar(getattr(p, key))}")
    if p.maximum is not None:
        out.append(f"    max: {scalar(p.maximum)}")
    out.extend(_label(p.label, 4))
    out.extend(_source(p.clause, p.quote))
    if p.note:
        out.append(_long("    note", p.note, 6))
    if p.unnumbered:
        out.append("    unnumbered: true")
    if p.values:
        out.append("    values:")
    percent = p.kind == "rate" or (p.kind == "table" and p.unit == "1")
    for entry in p.values:
        start = entry.start.isoformat()
        if p.kind in ("amount", "rate"):
            pairs = [("from", start), ("value", _number(entry.value, percent))]
            if entry.note:
                pairs.append(("note", scalar(entry.note, flow=True)))
            out.append("      - {" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}")
            continue
        out.append(f"      - from: {start}")
        if p.kind == "scale":
            out.append("        brackets:")
            out.extend(f"          - {_bracket(b)}" for b in entry.brackets)
        else:
            rows = ", ".join(
                f"{scalar(k, flow=True)}: {_number(v, percent)}" for k, v in entry.rows
            )
            out.append(f"        rows: {{{rows}}}")
        if entry.note:
            out.append(_long("        note", entry.note, 10))
    return out


def _bracket(b: Bracket) -> str:
    pairs = []
    if b.lower is not None:
        pairs.append(("at_least" if b.lower_inclusive else "over", _number(b.lower, False)))
    if b.upper is not None:
        pairs.append(("up_to" if b.upper_inclusive else "below", _number(b.upper, False)))
    if b.rate is not None:
        pairs.append(("rate", _number(b.rate, True)))
    if b.amount is not None:
        pairs.append(("amount", _number(b.amount, False)))
    if b.note:
        pairs.append(("note", scalar(b.note, flow=True)))
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


def _number(value, percent: bool) -> str:
    if value is None:
        return "null"
    if percent and isinstance(value, Decimal):
        return plain(value * 100) + "%"
    return scalar(value)


def _label(label, indent: int) -> list[str]:
    if not (label.zh or label.en):
        return []
    parts = [f"{k}: {scalar(v, flow=True)}" for k, v in (("zh", label.zh), ("en", label.en)) if v]
    return [" " * indent + "label: {" + ", ".join(parts) + "}"]


def _flow(pairs) -> str:
    return (
        "{" + ", ".join(f"{scalar(k, flow=True)}: {scalar(v, flow=True)}" for k, v in pairs) + "}"
    )


def _long(prefix: str, text: str, indent: int) -> str:
    """`prefix: text` (or `- text`), folded onto lines indented `indent` when long and safe to fold."""
    head = prefix + (" " if prefix.endswith("-") else ": ")
    one_line = head + scalar(text)
    if len(one_line) <= WIDTH or not _foldable(text):
        return one_line
    lines, current = [], ""
    for word in text.split(" "):
        if current and indent + len(current) + 1 + len(word) > WIDTH:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return head + ">-\n" + "\n".join(" " * indent + line for line in lines)


def _foldable(text: str) -> bool:
    return (
        isinstance(text, str)
        and text == text.strip()
        and "\n" not in text
        and "  " not in text
        and "\t" not in text
        and not _NON_PRINTABLE.search(text)
        and text != ""
    )


def scalar(value, flow: bool = False) -> str:
    """One value as YAML that `yaml_source` reads back as exactly this value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if _plain_safe(text, flow) else _quoted(text)


def _plain_safe(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or text[0] in _BLOCK_START:
        return False
    if any(pattern.match(text) for pattern in (_INT, _FLOAT, _BOOL, _NULL)):
        return False
    if (
        ": " in text
        or " #" in text
        or text.endswith(":")
        or "\n" in text
        or "\t" in text
        or "\r" in text
    ):
        return False
    if flow and any(ch in text for ch in ",[]{}:?#&*!|>'\"%@`"):
        return False  # PyYAML reads flow plain scalars narrowly (`k?` ends one); quote anything unusual
    return not _NON_PRINTABLE.search(text)


def _quoted(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    return _NON_PRINTABLE.sub(lambda m: _escape(m.group(0)), encoded)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
