"""The checks a schema cannot express, each a small function yielding findings.

Brackets in order with no gaps or overlaps, rates within [0, 1], dated values ascending
without duplicates, every name defined and used, formulas well typed with matching units,
and every example case giving what its author computed by hand.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from generator import runtime as rt
from generator.checks.advice import check_advice
from generator.core import limits
from generator.core import values as V
from generator.core.findings import ERROR, WARNING, Finding, finding
from generator.core.messages import Message
from generator.core.shown import Named
from generator.core.units import Unit
from generator.evaluate.interpreter import evaluate, read_field
from generator.evaluate.outcome import output_text
from generator.formula.syntax import names_in
from generator.formula.types import BOOLEAN, Type
from generator.model.plan import formula_order
from generator.model.policy import Policy, fmt


def check_policy(policy: Policy) -> list[Finding]:
    findings: list[Finding] = []
    for check in (_inputs, _outputs, _parameters, _names, _formulas, _checks, check_advice):
        findings.extend(check(policy))
    if not any(f.severity == ERROR for f in findings):
        findings.extend(_cases(policy))
    return findings


# -- inputs and outputs ------------------------------------------------------------------------


def _value_labels(f):
    """Each label names one value: a case may give the label instead of the value, so a
    label shared by two values, or equal to another value, would make a case ambiguous."""
    ids = [str(v) for v in f.values]
    places = f.value_label_locations or tuple(f.location for _ in f.value_labels)
    named: dict[str, list[str]] = {}
    for (key, label), where in zip(f.value_labels, places, strict=True):
        if str(key) not in ids:
            yield finding(
                "value-label-unknown", where, name=f.name, value=str(key), allowed=", ".join(ids)
            )
            continue
        for words in dict.fromkeys((label.zh.strip(), label.en.strip())):
            if not words:
                continue
            if words in ids and words != str(key):
                yield finding(
                    "value-label-ambiguous.value",
                    where,
                    name=f.name,
                    label=words,
                    value=str(key),
                    other=words,
                )
            named.setdefault(words, []).append(str(key))
    for words, keys in named.items():
        if len(set(keys)) > 1:
            where = places[[str(k) for k, _ in f.value_labels].index(keys[-1])]
            yield finding(
                "value-label-ambiguous",
                where,
                name=f.name,
                label=words,
                values=", ".join(dict.fromkeys(keys)),
            )


def _inputs(policy: Policy):
    for f in policy.inputs:
        where = f.location
        if f.type in ("number", "integer") and not f.unit:
            yield finding("missing-unit.input", where, name=f.name)
        if f.type in ("enum", "boolean", "date") and f.unit:
            yield finding("unit-not-allowed.input", where, name=f.name, type=f.type)
        if f.type == "enum":
            if not f.values:
                yield finding("enum-empty", where, name=f.name)
            written = Counter(str(v) for v in f.values)
            duplicates = sorted(text for text, times in written.items() if times > 1)
            if duplicates:
                yield finding(
                    "enum-duplicate", where, name=f.name, duplicates=", ".join(duplicates)
                )
            yield from _value_labels(f)
        elif f.values:
            yield finding("values-not-allowed", where, name=f.name, type=f.type)
        if f.ordered and f.type != "enum":
            yield finding("ordered-not-enum", where, name=f.name)
        if (f.minimum is not None or f.maximum is not None) and f.type not in ("number", "integer"):
            yield finding("bounds-not-allowed", where, name=f.name, type=f.type)
        if f.minimum is not None and f.maximum is not None and f.minimum > f.maximum:
            yield finding(
                "bounds-crossed",
                where,
                name=f.name,
                minimum=fmt(f.minimum),
                maximum=fmt(f.maximum),
            )
        if f.has_default:
            problems: list = []
            read_field(f, {f.name: f.default}, problems)
            for problem in problems:
                yield finding("bad-default", where, name=f.name, problem=problem)


def _outputs(policy: Policy):
    for f in policy.outputs:
        if f.type in ("number", "integer") and not f.unit:
            yield finding("missing-unit.output", f.location, name=f.name)
        if f.type == "boolean" and (f.unit or f.places is not None):
            yield finding("unit-not-allowed.output", f.location, name=f.name)
        if f.type == "number" and f.places is None:
            yield finding("missing-rounding", f.location, name=f.name)
        if policy.formula(f.name) is None:
            yield finding("missing-formula", f.location, name=f.name)


# -- parameters --------------------------------------------------------------------------------


def _parameters(policy: Policy):
    inputs = {f.name: f for f in policy.inputs}
    for p in policy.parameters:
        where = p.location
        if p.unnumbered:
            if p.values:
                yield finding("unnumbered-has-values", where, name=p.name)
            else:
                yield finding("unnumbered", where, WARNING, name=p.name)
            continue
        if not p.values:
            yield finding("no-values", where, name=p.name)
            continue
        yield from _dates(p)
        if p.kind == "amount" and not p.unit:
            yield finding("missing-unit.parameter", where, name=p.name)
        if p.kind == "scale":
            yield from _scale(p)
        if p.kind == "table":
            yield from _table(p, inputs)
        if p.kind != "scale" and (p.method or p.input_unit or p.output_unit):
            yield finding("scale-only", where, name=p.name)
        if p.kind != "table" and p.key:
            yield finding("table-only", where, name=p.name)
        limit = p.maximum if p.maximum is not None else Decimal(1)
        for entry in p.values:
            for rate, place in _rates_of(p, entry):
                if rate is not None and rate < 0:
                    yield finding("rate-range.negative", place, rate=fmt(rate))
                elif rate is not None and rate > limit:
                    key = (
                        "rate-range.above-max" if p.maximum is not None else "rate-range.above-one"
                    )
                    yield finding(key, place, rate=fmt(rate), limit=fmt(limit))


def _rates_of(p, entry):
    """The values of a parameter that are rates, each with its place."""
    if p.kind == "rate":
        yield entry.value, _first(entry.value_locations, entry.location)
    elif p.kind == "scale":
        for b in entry.value:
            yield b.rate, b.value_location or b.location
    elif p.kind == "table" and Unit.parse(p.unit or "1").is_dimensionless:
        for i, (_, value) in enumerate(entry.value):
            yield value, _first(entry.value_locations[i:], entry.location)


def _first(locations, fallback):
    return locations[0] if locations and locations[0].file else fallback


def _dates(p):
    previous = None
    for entry in p.values:
        if previous is not None and entry.start <= previous.start:
            yield finding(
                "date-order.repeats" if entry.start == previous.start else "date-order.before",
                entry.location,
                name=p.name,
                start=entry.start.isoformat(),
                previous=previous.start.isoformat(),
            )
        previous = entry


def _scale(p):
    if not p.method:
        yield finding("scale-method", p.location, name=p.name)
    if not p.input_unit:
        yield finding("missing-unit.scale-input", p.location, name=p.name)
    for entry in p.values:
        brackets = entry.value
        uses = {
            ("rate" if b.rate is not None else "amount" if b.amount is not None else "none")
            for b in brackets
        }
        if "none" in uses:
            bad = next(b for b in brackets if b.rate is None and b.amount is None)
            yield finding("bracket-value.none", bad.location)
        if len(uses - {"none"}) > 1:
            yield finding("bracket-value.mixed", entry.location, name=p.name)
        if p.method == "marginal" and "amount" in uses:
            yield finding("bracket-value.marginal", entry.location, name=p.name)
        if "amount" in uses and not p.output_unit:
            yield finding("missing-unit.scale-output", p.location, name=p.name)
        yield from _bracket_sequence(brackets)


def _bracket_sequence(brackets):
    """Each bracket well formed; neighbours meet exactly, one side owning the boundary."""
    for i, b in enumerate(brackets):
        if b.lower is not None and b.upper is not None and b.lower >= b.upper:
            yield finding("bracket-empty", b.location, bracket=b.describe())
        if i > 0 and b.lower is None:
            yield finding("bracket-open.lower", b.location)
        if i < len(brackets) - 1 and b.upper is None:
            yield finding("bracket-open.upper", b.location)
    for previous, b in zip(brackets, brackets[1:], strict=False):
        if previous.upper is None or b.lower is None:
            continue
        if b.lower < previous.upper:
            yield finding(
                "bracket-overlap.range",
                b.location,
                lower=fmt(b.lower),
                upper=fmt(previous.upper),
                first=previous.describe(),
                second=b.describe(),
            )
        elif b.lower > previous.upper:
            yield finding(
                "bracket-gap.range", b.location, upper=fmt(previous.upper), lower=fmt(b.lower)
            )
        elif previous.upper_inclusive and b.lower_inclusive:
            yield finding(
                "bracket-overlap.boundary",
                b.location,
                boundary=fmt(b.lower),
                first=previous.describe(),
                second=b.describe(),
            )
        elif not previous.upper_inclusive and not b.lower_inclusive:
            yield finding(
                "bracket-gap.boundary",
                b.location,
                boundary=fmt(b.lower),
                first=previous.describe(),
                second=b.describe(),
            )


def _table(p, inputs):
    key_input = inputs.get(p.key)
    if not p.key:
        yield finding("table-key.missing", p.location, name=p.name)
        return
    if key_input is None or key_input.type != "enum":
        enums = ", ".join(sorted(n for n, f in inputs.items() if f.type == "enum")) or Message(
            "words.none"
        )
        yield finding("table-key.not-enum", p.location, name=p.name, key=p.key, enums=enums)
        return
    for entry in p.values:
        keys = [k for k, _ in entry.value]
        written, allowed = _lookup(keys), _lookup(key_input.values)
        missing = [str(v) for v in key_input.values if v not in written]
        extra = [str(k) for k in keys if k not in allowed]
        if missing:
            yield finding(
                "table-rows.missing", entry.location, name=p.name, keys=", ".join(missing)
            )
        if extra:
            yield finding(
                "table-rows.unknown",
                entry.location,
                name=p.name,
                keys=", ".join(extra),
                key=p.key,
                allowed=", ".join(str(v) for v in key_input.values),
            )


# -- names and formulas ------------------------------------------------------------------------


def _names(policy: Policy):
    seen: dict[str, str] = {}
    for kind, items in (("input", policy.inputs), ("parameter", policy.parameters)):
        for item in items:
            if item.name in seen:
                yield finding(
                    "name-clash.twice",
                    item.location,
                    name=item.name,
                    first=seen[item.name],
                    second=kind,
                )
            seen[item.name] = kind
    outputs = {o.name for o in policy.outputs}
    for formula in policy.formulas:
        if formula.name in seen:
            yield finding(
                "name-clash.formula", formula.location, name=formula.name, kind=seen[formula.name]
            )
    used: set[str] = set()
    for tree in [f.tree for f in policy.formulas] + [c.tree for c in policy.checks]:
        if tree is not None:
            used |= names_in(tree)
    for f in policy.inputs:
        if f.name not in used:
            yield finding("unused-input", f.location, WARNING, name=f.name)
    for p in policy.parameters:
        if p.name not in used and not p.unnumbered:
            yield finding("unused-parameter", p.location, WARNING, name=p.name)
    for formula in policy.formulas:
        if formula.name not in outputs and formula.name not in used:
            yield finding("unused-formula", formula.location, WARNING, name=formula.name)


def _place(item, offset: int):
    doc, path = item.origin if item.origin else (None, None)
    return doc.text_place(path, offset) if doc is not None else item.location


def _formulas(policy: Policy):
    findings: list[Finding] = []
    order, cyclic = formula_order(policy)
    formulas = {f.name: f for f in policy.formulas}
    for name in cyclic:
        findings.append(
            finding("formula-cycle", formulas[name].location, name=name, cycle=", ".join(cyclic))
        )
    outputs = {o.name: o for o in policy.outputs}
    for name in order:
        typed = policy.types.formulas.get(name)
        if typed is None:
            continue
        formula = formulas[name]
        for message, offset in typed.problems:
            findings.append(finding("formula", _place(formula, offset), reason=message))
        if typed.result is None:
            continue
        output = outputs.get(name)
        if output is not None:
            mismatch = _output_mismatch(output, typed.result)
            if mismatch:
                findings.append(
                    finding("formula-type", _place(formula, 0), name=name, reason=mismatch)
                )
    return findings


def _output_mismatch(output, result: Type) -> Message | None:
    if output.type == "boolean":
        return None if result.kind == "boolean" else Message("type.output-boolean", type=result)
    if result.kind != "number":
        return Message("type.output-number", type=result, unit=output.unit)
    expected = Unit.parse(output.unit or "1")
    if result.unit is not None and result.unit != expected:
        return Message("type.output-unit", unit=result.unit, expected=expected)
    return None


def _checks(policy: Policy):
    formula_names = {f.name for f in policy.formulas}
    for check, typed in zip(policy.checks, policy.types.checks, strict=True):
        if typed is None or check.tree is None:  # did not parse (both None together)
            continue
        problems = []
        for n in sorted(names_in(check.tree) & formula_names):
            problems.append((Message("type.check-uses-formula", name=n), 0))
        problems += typed.problems
        if typed.result is not None and typed.result != BOOLEAN:
            problems.append((Message("type.check-boolean", type=typed.result), 0))
        for message, offset in problems:
            yield finding("check", _place(check, offset), reason=message)


# -- example cases -----------------------------------------------------------------------------


def _cases(policy: Policy):
    outputs = {o.name: o for o in policy.outputs}
    for case in policy.cases:
        if case.on is None:
            continue
        unknown = [n for n, _ in case.expected if n not in outputs]
        if unknown:
            yield finding(
                "case-output",
                case.location,
                case=case.name,
                output=unknown[0],
                outputs=", ".join(outputs),
            )
            continue
        try:
            result = evaluate(policy, dict(case.inputs), case.on)
        except rt.EvaluationError as error:
            yield finding("case-error", case.location, case=case.name, reason=str(error))
            continue
        for name, expected in case.expected:
            got = result[name]
            wanted = expected_value(outputs[name], expected)
            if isinstance(expected, (int, Decimal)) and not abs(expected) < limits.NUMBER_LIMIT:
                yield finding(
                    "number-limit.large",
                    case.location,
                    value=V.shown(expected),
                    digits=limits.NUMBER_MAX_DIGITS,
                )
            elif wanted is None:
                yield finding(
                    "case-expected",
                    case.location,
                    case=case.name,
                    output=Named.of(outputs[name]),
                    value=expected,
                    type=outputs[name].type,
                )
            elif wanted != got or type(wanted) is not type(got):
                yield finding(
                    "case-mismatch",
                    case.location,
                    case=case.name,
                    output=Named.of(outputs[name]),
                    expected=output_text(outputs[name], wanted),
                    got=output_text(outputs[name], got),
                )


def expected_value(output, written):
    """A hand-written expected output as the type the evaluator returns."""
    if output.type == "boolean":
        try:
            return V.flag(written)
        except V.Refusal:
            return None
    problems: list = []
    if output.type == "integer":
        value = rt.integer({"x": written}, "x", problems=problems)
        return None if problems else value
    value = rt.number({"x": written}, "x", problems=problems)
    return None if problems else value


def _lookup(values) -> set | list:
    """`values` as a set (a table may have thousands of keys), or as a list when one cannot be
    hashed (an invalid policy); `in` means `==` either way."""
    try:
        return set(values)
    except TypeError:
        return list(values)
