"""Turn a schema-valid policy document (plain data + places) into the model.

The document's shape is already guaranteed by the schema check; what remains here is
conversion that can still fail on a value (a date that does not exist, a formula that does
not parse), and each such failure becomes a located finding rather than an exception.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from generator.core import limits
from generator.core import values as V
from generator.core.findings import Finding, finding
from generator.core.location import dotted
from generator.core.messages import Message
from generator.formula.syntax import FormulaError, parse
from generator.model.policy import (
    Advisory,
    Bracket,
    BuildResult,
    Case,
    Check,
    DatedValue,
    Formula,
    InputField,
    Label,
    OutputField,
    Parameter,
    Policy,
    Property,
    Source,
    SubjectTo,
    is_money_unit,
    sha256_of,
)


class _Builder:
    def __init__(self, doc):
        self.doc = doc
        self.findings: list[Finding] = []

    def place(self, *path):
        location = self.doc.place(path)
        return location

    def problem(self, key: str, path: tuple, /, **params: object) -> None:
        self.findings.append(finding(key, self.place(*path), **params))

    def read(self, value, kind: str, key: str, *path, unit: str | None = None):
        """A value of the document as the one reader of values reads it (text included:
        `30%`, `20,000`, `2012/7/1`, `是`, `35000元` in its unit); a finding `key` at its
        place, saying why, when it is refused or empty."""
        try:
            parsed = V.read(value, kind, unit=unit or None)
        except V.Refusal as refusal:
            self.problem(key, path, reason=refusal.reason)
            return None
        if parsed is None:
            self.problem(key, path, reason=Message("value-empty", value=V.shown(value), kind=kind))
        elif kind in ("number", "integer") and not _within_limits(parsed, key, path, value, self):
            return None
        return parsed

    def date(self, value, *path) -> dt.date | None:
        return self.read(value, "date", "bad-date", *path)

    def number(self, value, *path, unit: str | None = None) -> Decimal | None:
        """A number in `unit` when the caller knows it: `30%` only on a ratio (`1`)."""
        if value is None:
            return None
        return self.read(value, "number", "bad-number", *path, unit=unit)

    def flag(self, value, *path) -> bool:
        if value is None:
            return False
        return bool(self.read(value, "boolean", "bad-flag", *path))

    def formula_tree(self, text: str, *path):
        try:
            return parse(text)
        except FormulaError as error:
            where = self.doc.text_place(path, error.offset)
            if error.reason.code == "formula-limit":  # a finding of its own, naming the limit
                self.findings.append(finding(error.reason.key, where, **error.reason.params))
            else:
                self.findings.append(finding("formula-syntax", where, reason=error.reason))
            return None


def _within_limits(number, key: str, path: tuple, written, b: _Builder) -> bool:
    """Whether a number of the policy is within `limits.NUMBER_MAX_DIGITS` digits before the
    point and `limits.NUMBER_MAX_PLACES` after it; a finding at its place when not."""
    shown = V.shown(written)
    if not abs(number) < limits.NUMBER_LIMIT:
        b.problem("number-limit.large", path, value=shown, digits=limits.NUMBER_MAX_DIGITS)
        return False
    exponent = Decimal(number).as_tuple().exponent
    if isinstance(exponent, int) and -exponent > limits.NUMBER_MAX_PLACES:
        b.problem("number-limit.places", path, value=shown, places=limits.NUMBER_MAX_PLACES)
        return False
    return True


def build_policy(doc) -> BuildResult:
    """The model of one schema-valid document, and the conversion problems found."""
    b = _Builder(doc)
    data = doc.data
    source = data["source"]
    inputs = tuple(_input(b, name, spec) for name, spec in data["inputs"].items())
    outputs = tuple(_output(b, name, spec) for name, spec in data["outputs"].items())
    enum_values = {f.name: f.values for f in inputs if f.type == "enum"}
    parameters = tuple(
        _parameter(b, name, spec, enum_values) for name, spec in data.get("parameters", {}).items()
    )
    formulas = tuple(
        Formula(
            name,
            text,
            b.formula_tree(text, "formulas", name),
            b.place("formulas", name),
            (doc, ("formulas", name)),
        )
        for name, text in data["formulas"].items()
    )
    checks = tuple(
        Check(
            c["rule"],
            c["message"],
            b.formula_tree(c["rule"], "checks", i, "rule"),
            b.place("checks", i, "rule"),
            (doc, ("checks", i, "rule")),
        )
        for i, c in enumerate(data.get("checks", []))
    )
    cases = tuple(
        Case(
            c["name"],
            b.date(c["on"], "cases", i, "on"),
            tuple(c["inputs"].items()),
            tuple(c["expected"].items()),
            c.get("why", ""),
            b.place("cases", i),
        )
        for i, c in enumerate(data.get("cases", []))
    )
    policy = Policy(
        id=data["id"],
        title=_label(data["title"]),
        jurisdiction=data.get("jurisdiction", ""),
        source=Source(
            source["title"],
            source.get("number"),
            _source_date(b, source["date"]),
            source["clause"],
            source.get("seed", ""),
        ),
        notes=tuple(data.get("notes", [])),
        inputs=inputs,
        outputs=outputs,
        parameters=parameters,
        formulas=formulas,
        checks=checks,
        cases=cases,
        subject_to=tuple(
            SubjectTo(s["rule"], s.get("assumption", ""), b.place("subject_to", i))
            for i, s in enumerate(data.get("subject_to", []))
        ),
        properties=tuple(_property(b, i, p) for i, p in enumerate(data.get("properties", []))),
        advice=tuple(
            _advisory(b, i, a, {f.name: f.unit for f in inputs} | {f.name: f.unit for f in outputs})
            for i, a in enumerate(data.get("advice", []))
        ),
        file=doc.file,
        sha256=sha256_of(doc.raw),
    )
    return BuildResult(policy, b.findings)


def _property(b: _Builder, index: int, spec: dict) -> Property:
    """A declared property, its bound (if any) parsed as a formula."""
    path = ("properties", index)
    source = spec.get("source", {})
    at_most, at_least = spec.get("at_most", ""), spec.get("at_least", "")
    return Property(
        kind=spec["kind"],
        output=spec["output"],
        input=spec.get("input", ""),
        direction=spec.get("direction", ""),
        at_most=at_most,
        at_least=at_least,
        at_most_tree=b.formula_tree(at_most, *path, "at_most") if at_most else None,
        at_least_tree=b.formula_tree(at_least, *path, "at_least") if at_least else None,
        clause=source.get("clause", ""),
        quote=source.get("quote", ""),
        note=spec.get("note", ""),
        location=b.place(*path),
    )


def _advisory(b: _Builder, index: int, spec: dict, units: dict) -> Advisory:
    """An advisory threshold; its number read as every other number of a policy, in its
    field's unit (`200平方米` on an area)."""
    path = ("advice", index)
    source = spec.get("source", {})
    message = spec.get("message") or {}
    return Advisory(
        name=spec["name"],
        field_name=spec["field"],
        comparator=spec["comparator"],
        word=spec.get("word", ""),
        # a field the policy lacks is reported by checks.advice; its unit is unknown here
        value=(
            b.number(spec["value"], *path, "value", unit=units[spec["field"]])
            if spec["field"] in units
            else None
        ),
        message=_label(message) if message else Label(),
        clause=source.get("clause", ""),
        quote=source.get("quote", ""),
        note=spec.get("note", ""),
        location=b.place(*path),
    )


def _source_date(b: _Builder, value) -> str:
    """The source's date as precise as it gives it (YYYY, YYYY-MM or YYYY-MM-DD)."""
    try:
        return V.source_date(value) or ""
    except V.Refusal as refusal:
        b.problem("bad-date", ("source", "date"), reason=refusal.reason)
        return str(value)


def _default(b: _Builder, spec: dict, path: tuple):
    """A default written as text (`30%`, `2012/7/1`, `是`) as the value it means, so that every
    later reader (the case reader, the emitted module, the case schema) gets it typed; one the
    reader refuses stays as written for the default check to report."""
    value = spec.get("default")
    if not isinstance(value, str) or spec["type"] not in ("number", "integer", "boolean", "date"):
        return value
    try:
        typed = V.read(value, spec["type"])
    except V.Refusal:
        return value
    if typed is None:
        return value
    return typed.isoformat() if spec["type"] == "date" else typed


def _unit(spec: dict, key: str = "unit") -> str:
    """A unit as text; `unit: 1` written without quotes means the pure number 1."""
    value = spec.get(key, "")
    return str(value) if value is not None else ""


def _label(spec) -> Label:
    if isinstance(spec, str):  # an enum value's words written alone are its Chinese label
        return Label(spec.strip())
    if not isinstance(spec, dict):
        return Label()
    return Label(spec.get("zh", ""), spec.get("en", ""))


def _input(b: _Builder, name: str, spec: dict) -> InputField:
    path = ("inputs", name)
    has_default = "default" in spec
    values = tuple(spec.get("values", ()))
    given = spec.get("value_labels")
    labels: dict = given if isinstance(given, dict) else {}
    # in the order of the values, whatever order they were written in (unknown keys last)
    order = _first_places(values)
    labels = dict(sorted(labels.items(), key=lambda kv: order.get(str(kv[0]).strip(), len(order))))
    by_text = _by_text(values)
    return InputField(
        name=name,
        type=spec["type"],
        unit=_unit(spec),
        minimum=b.number(spec.get("min"), *path, "min", unit=_unit(spec)),
        maximum=b.number(spec.get("max"), *path, "max", unit=_unit(spec)),
        values=values,
        ordered=b.flag(spec.get("ordered"), *path, "ordered"),
        has_default=has_default,
        default=_default(b, spec, path),
        label=_label(spec.get("label")),
        note=spec.get("note", ""),
        location=b.place(*path),
        value_labels=tuple((_value_key(k, by_text), _label(v)) for k, v in labels.items()),
        value_label_locations=tuple(b.place(*path, "value_labels", k) for k in labels),
    )


def _first_places(values) -> dict[str, int]:
    """Each value's text → the place of its first occurrence (a dict: thousands of values)."""
    places: dict[str, int] = {}
    for place, value in enumerate(values):
        places.setdefault(str(value), place)
    return places


def _by_text(values) -> dict[str, object]:
    """Each value's text → the first value written so."""
    found: dict[str, object] = {}
    for value in values:
        found.setdefault(str(value), value)
    return found


def _value_key(key, by_text: dict):
    """The enum value a `value_labels` key names (`1:` names the value 1), else the key."""
    return by_text.get(str(key).strip(), key)


def _output(b: _Builder, name: str, spec: dict) -> OutputField:
    rounding = spec.get("rounding")
    places = rounding["places"] if rounding else None
    mode = rounding.get("mode", "half_up") if rounding else "half_up"
    if rounding is None and spec["type"] == "number" and is_money_unit(_unit(spec)):
        places = 2  # yuan to the fen, half-up, unless the policy says otherwise
    return OutputField(
        name,
        spec["type"],
        _unit(spec),
        places,
        mode,
        _label(spec.get("label")),
        spec.get("note", ""),
        b.place("outputs", name),
    )


def _parameter(b: _Builder, name: str, spec: dict, enum_values: dict) -> Parameter:
    path = ("parameters", name)
    kind = spec["kind"]
    values = []
    for i, entry in enumerate(spec.get("values", [])):
        where = path + ("values", i)
        start = b.date(entry["from"], *where, "from")
        value = _dated_content(b, kind, entry, where, enum_values.get(spec.get("key", "")), spec)
        if kind == "table":
            places = tuple(b.place(*where, "rows", key) for key in entry.get("rows", {}))
        else:
            places = (b.place(*where, "value"),)
        values.append(
            DatedValue(start or dt.date.min, value, entry.get("note", ""), b.place(*where), places)
        )
    source = spec.get("source", {})
    return Parameter(
        name=name,
        kind=kind,
        unit="1" if kind == "rate" else _unit(spec),
        method=spec.get("method", ""),
        input_unit=_unit(spec, "input_unit"),
        output_unit=_unit(spec, "output_unit"),
        key=spec.get("key", ""),
        maximum=b.number(spec.get("max"), *path, "max"),
        label=_label(spec.get("label")),
        clause=source.get("clause", ""),
        quote=source.get("quote", ""),
        note=spec.get("note", ""),
        unnumbered=b.flag(spec.get("unnumbered"), *path, "unnumbered"),
        values=tuple(values),
        location=b.place(*path),
    )


def _dated_content(b: _Builder, kind: str, entry: dict, where: tuple, key_values, spec: dict):
    """One dated value; numbers are read in the parameter's unit (a rate's is 1), so `56000%`
    on a yuan amount is refused and `35000元` is read."""
    unit = "1" if kind == "rate" else _unit(spec)
    if kind in ("amount", "rate"):
        if "value" not in entry:
            b.problem("missing-value.value", where, path=dotted(where))
            return None
        return b.number(entry["value"], *where, "value", unit=unit)
    if kind == "scale":
        if "brackets" not in entry:
            b.problem("missing-value.brackets", where, path=dotted(where))
            return ()
        return tuple(
            _bracket(b, bracket, where + ("brackets", i), spec)
            for i, bracket in enumerate(entry["brackets"])
        )
    if "rows" not in entry:
        b.problem("missing-value.rows", where, path=dotted(where))
        return ()
    rows = []
    by_text = _by_text(key_values or ())
    for key, value in entry["rows"].items():
        rows.append((_enum_key(key, by_text), b.number(value, *where, "rows", key, unit=unit)))
    return tuple(rows)


def _enum_key(key, by_text: dict):
    """Row keys are written as text or numbers; match them to the enum's own values."""
    return by_text.get(str(key).strip(), key)


def _bracket(b: _Builder, spec: dict, where: tuple, scale: dict) -> Bracket:
    """A bracket: its bounds in the scale's input unit, its rate a ratio, its amount in the
    scale's output unit."""
    bound, out = _unit(scale, "input_unit"), _unit(scale, "output_unit")
    for a, c in (("over", "at_least"), ("up_to", "below"), ("rate", "amount")):
        if a in spec and c in spec:
            b.problem("bracket-words", where, first=a, second=c)
    lower_word = "over" if "over" in spec else "at_least" if "at_least" in spec else None
    upper_word = "up_to" if "up_to" in spec else "below" if "below" in spec else None
    return Bracket(
        lower=b.number(spec.get(lower_word), *where, lower_word or "", unit=bound)
        if lower_word
        else None,
        lower_inclusive=lower_word == "at_least",
        upper=b.number(spec.get(upper_word), *where, upper_word or "", unit=bound)
        if upper_word
        else None,
        upper_inclusive=upper_word == "up_to",
        rate=b.number(spec.get("rate"), *where, "rate", unit="1"),
        amount=b.number(spec.get("amount"), *where, "amount", unit=out),
        note=spec.get("note", ""),
        location=b.place(*where),
        value_location=b.place(*where, "rate" if "rate" in spec else "amount"),
    )
