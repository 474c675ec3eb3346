"""The checks a schema cannot express, each a small function yielding findings.

Brackets in order with no gaps or overlaps, rates within [0, 1], dated values ascending
without duplicates, every name defined and used, formulas well typed with matching units,
and every example case giving what its author computed by hand.
"""

from __future__ import annotations

from decimal import Decimal

from generator import runtime as rt
from generator.core import values as V
from generator.core.findings import ERROR, WARNING, Finding
from generator.core.units import Unit
from generator.evaluate.interpreter import evaluate, read_field
from generator.evaluate.outcome import output_text
from generator.formula.syntax import names_in
from generator.formula.types import BOOLEAN, Type
from generator.model.plan import formula_order
from generator.model.policy import Policy, fmt


def check_policy(policy: Policy) -> list[Finding]:
    findings: list[Finding] = []
    for check in (_inputs, _outputs, _parameters, _names, _formulas, _checks):
        findings.extend(check(policy))
    if not any(f.severity == ERROR for f in findings):
        findings.extend(_cases(policy))
    return findings


# -- inputs and outputs ------------------------------------------------------------------------


def _inputs(policy: Policy):
    for f in policy.inputs:
        where = f.location
        if f.type in ("number", "integer") and not f.unit:
            yield Finding(
                "missing-unit", f"input '{f.name}' needs a unit (use 1 for a pure number)", where
            )
        if f.type in ("enum", "boolean", "date") and f.unit:
            yield Finding(
                "unit-not-allowed", f"input '{f.name}' is {f.type}: it takes no unit", where
            )
        if f.type == "enum":
            if not f.values:
                yield Finding("enum-empty", f"input '{f.name}' is an enum: list its values", where)
            duplicates = sorted(
                {str(v) for v in f.values if [str(x) for x in f.values].count(str(v)) > 1}
            )
            if duplicates:
                yield Finding(
                    "enum-duplicate", f"input '{f.name}' lists {', '.join(duplicates)} twice", where
                )
        elif f.values:
            yield Finding(
                "values-not-allowed", f"input '{f.name}' is {f.type}: only enums list values", where
            )
        if f.ordered and f.type != "enum":
            yield Finding("ordered-not-enum", f"input '{f.name}': only enums can be ordered", where)
        if (f.minimum is not None or f.maximum is not None) and f.type not in ("number", "integer"):
            yield Finding(
                "bounds-not-allowed",
                f"input '{f.name}' is {f.type}: min and max apply to numbers",
                where,
            )
        if f.minimum is not None and f.maximum is not None and f.minimum > f.maximum:
            yield Finding(
                "bounds-crossed",
                f"input '{f.name}': min {fmt(f.minimum)} is above max {fmt(f.maximum)}",
                where,
            )
        if f.has_default:
            problems: list = []
            read_field(f, {f.name: f.default}, problems)
            for _, message in problems:
                yield Finding("bad-default", f"input '{f.name}': default {message}", where)


def _outputs(policy: Policy):
    for f in policy.outputs:
        if f.type in ("number", "integer") and not f.unit:
            yield Finding(
                "missing-unit",
                f"output '{f.name}' needs a unit (use 1 for a pure number)",
                f.location,
            )
        if f.type == "boolean" and (f.unit or f.places is not None):
            yield Finding(
                "unit-not-allowed", f"output '{f.name}' is boolean: no unit or rounding", f.location
            )
        if f.type == "number" and f.places is None:
            yield Finding(
                "missing-rounding",
                f"output '{f.name}' needs a rounding rule (places and mode)",
                f.location,
            )
        if policy.formula(f.name) is None:
            yield Finding("missing-formula", f"output '{f.name}' has no formula", f.location)


# -- parameters --------------------------------------------------------------------------------


def _parameters(policy: Policy):
    inputs = {f.name: f for f in policy.inputs}
    for p in policy.parameters:
        where = p.location
        if p.unnumbered:
            if p.values:
                yield Finding(
                    "unnumbered-has-values",
                    f"parameter '{p.name}' is marked unnumbered but has values",
                    where,
                )
            else:
                yield Finding(
                    "unnumbered",
                    f"parameter '{p.name}' has no number: the source leaves it open",
                    where,
                    WARNING,
                )
            continue
        if not p.values:
            yield Finding(
                "no-values",
                f"parameter '{p.name}' has no values; give at least one, or mark it unnumbered: true",
                where,
            )
            continue
        yield from _dates(p)
        if p.kind == "amount" and not p.unit:
            yield Finding("missing-unit", f"parameter '{p.name}' needs a unit", where)
        if p.kind == "scale":
            yield from _scale(p)
        if p.kind == "table":
            yield from _table(p, inputs)
        if p.kind != "scale" and (p.method or p.input_unit or p.output_unit):
            yield Finding(
                "scale-only",
                f"parameter '{p.name}': method, input_unit and output_unit belong to scales",
                where,
            )
        if p.kind != "table" and p.key:
            yield Finding("table-only", f"parameter '{p.name}': key belongs to tables", where)
        limit = p.maximum if p.maximum is not None else Decimal(1)
        for entry in p.values:
            for rate, place in _rates_of(p, entry):
                if rate is not None and (rate < 0 or rate > limit):
                    side = "below 0" if rate < 0 else f"above {fmt(limit)}"
                    extra = (
                        ""
                        if p.maximum is not None or rate < 0
                        else " (declare max: on the parameter if the source allows it)"
                    )
                    yield Finding("rate-range", f"rate {fmt(rate)} is {side}{extra}", place)


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
            word = "repeats" if entry.start == previous.start else "comes before"
            yield Finding(
                "date-order",
                f"parameter '{p.name}': from {entry.start.isoformat()} {word} {previous.start.isoformat()}; list dates in ascending order, once each",
                entry.location,
            )
        previous = entry


def _scale(p):
    if not p.method:
        yield Finding(
            "scale-method", f"scale '{p.name}' needs method: marginal or whole_amount", p.location
        )
    if not p.input_unit:
        yield Finding("missing-unit", f"scale '{p.name}' needs an input_unit", p.location)
    for entry in p.values:
        brackets = entry.value
        uses = {
            ("rate" if b.rate is not None else "amount" if b.amount is not None else "none")
            for b in brackets
        }
        if "none" in uses:
            bad = next(b for b in brackets if b.rate is None and b.amount is None)
            yield Finding("bracket-value", "a bracket needs a rate or an amount", bad.location)
        if len(uses - {"none"}) > 1:
            yield Finding(
                "bracket-value",
                f"scale '{p.name}' mixes rates and amounts; use one kind",
                entry.location,
            )
        if p.method == "marginal" and "amount" in uses:
            yield Finding(
                "bracket-value",
                f"marginal scale '{p.name}' takes rates, not amounts",
                entry.location,
            )
        if "amount" in uses and not p.output_unit:
            yield Finding(
                "missing-unit", f"scale '{p.name}' gives amounts: declare output_unit", p.location
            )
        yield from _bracket_sequence(brackets)


def _bracket_sequence(brackets):
    """Each bracket well formed; neighbours meet exactly, one side owning the boundary."""
    for i, b in enumerate(brackets):
        if b.lower is not None and b.upper is not None and b.lower >= b.upper:
            yield Finding(
                "bracket-empty",
                f"bracket {b.describe()} is empty: its lower bound is not below its upper bound",
                b.location,
            )
        if i > 0 and b.lower is None:
            yield Finding(
                "bracket-open",
                "only the first bracket may leave out its lower bound (over/at_least)",
                b.location,
            )
        if i < len(brackets) - 1 and b.upper is None:
            yield Finding(
                "bracket-open",
                "only the last bracket may leave out its upper bound (up_to/below)",
                b.location,
            )
    for previous, b in zip(brackets, brackets[1:], strict=False):
        if previous.upper is None or b.lower is None:
            continue
        if b.lower < previous.upper:
            yield Finding(
                "bracket-overlap",
                f"brackets overlap between {fmt(b.lower)} and {fmt(previous.upper)}: '{previous.describe()}' and '{b.describe()}' both cover it",
                b.location,
            )
        elif b.lower > previous.upper:
            yield Finding(
                "bracket-gap",
                f"gap between {fmt(previous.upper)} and {fmt(b.lower)}: no bracket covers it",
                b.location,
            )
        elif previous.upper_inclusive and b.lower_inclusive:
            yield Finding(
                "bracket-overlap",
                f"boundary {fmt(b.lower)} is claimed by two brackets ('{previous.describe()}' and '{b.describe()}'); make one side exclude it (below/over)",
                b.location,
            )
        elif not previous.upper_inclusive and not b.lower_inclusive:
            yield Finding(
                "bracket-gap",
                f"boundary {fmt(b.lower)} belongs to no bracket ('{previous.describe()}' then '{b.describe()}'); make one side include it (up_to/at_least)",
                b.location,
            )


def _table(p, inputs):
    key_input = inputs.get(p.key)
    if not p.key:
        yield Finding(
            "table-key", f"table '{p.name}' needs key: the enum input its rows are for", p.location
        )
        return
    if key_input is None or key_input.type != "enum":
        enums = ", ".join(sorted(n for n, f in inputs.items() if f.type == "enum")) or "none"
        yield Finding(
            "table-key",
            f"table '{p.name}' is keyed by '{p.key}', which is not an enum input; enum inputs: {enums}",
            p.location,
        )
        return
    for entry in p.values:
        keys = [k for k, _ in entry.value]
        missing = [str(v) for v in key_input.values if v not in keys]
        extra = [str(k) for k in keys if k not in key_input.values]
        if missing:
            yield Finding(
                "table-rows",
                f"table '{p.name}' has no row for {', '.join(missing)}",
                entry.location,
            )
        if extra:
            yield Finding(
                "table-rows",
                f"table '{p.name}' has rows for unknown keys {', '.join(extra)}; {p.key} allows {', '.join(str(v) for v in key_input.values)}",
                entry.location,
            )


# -- names and formulas ------------------------------------------------------------------------


def _names(policy: Policy):
    seen: dict[str, str] = {}
    for kind, items in (("input", policy.inputs), ("parameter", policy.parameters)):
        for item in items:
            if item.name in seen:
                yield Finding(
                    "name-clash",
                    f"'{item.name}' is both an {seen[item.name]} and a {kind}",
                    item.location,
                )
            seen[item.name] = kind
    outputs = {o.name for o in policy.outputs}
    for formula in policy.formulas:
        if formula.name in seen:
            yield Finding(
                "name-clash",
                f"formula '{formula.name}' has the name of an {seen[formula.name]}",
                formula.location,
            )
    used: set[str] = set()
    for tree in [f.tree for f in policy.formulas] + [c.tree for c in policy.checks]:
        if tree is not None:
            used |= names_in(tree)
    for f in policy.inputs:
        if f.name not in used:
            yield Finding(
                "unused-input", f"input '{f.name}' is used by no formula", f.location, WARNING
            )
    for p in policy.parameters:
        if p.name not in used and not p.unnumbered:
            yield Finding(
                "unused-parameter",
                f"parameter '{p.name}' is used by no formula",
                p.location,
                WARNING,
            )
    for formula in policy.formulas:
        if formula.name not in outputs and formula.name not in used:
            yield Finding(
                "unused-formula",
                f"formula '{formula.name}' is no output and used by no formula",
                formula.location,
                WARNING,
            )


def _place(item, offset: int):
    doc, path = item.origin if item.origin else (None, None)
    return doc.text_place(path, offset) if doc is not None else item.location


def _formulas(policy: Policy):
    findings: list[Finding] = []
    order, cyclic = formula_order(policy)
    formulas = {f.name: f for f in policy.formulas}
    for name in cyclic:
        findings.append(
            Finding(
                "formula-cycle",
                f"formula '{name}' depends on itself through {', '.join(cyclic)}",
                formulas[name].location,
            )
        )
    outputs = {o.name: o for o in policy.outputs}
    for name in order:
        typed = policy.types.formulas.get(name)
        if typed is None:
            continue
        formula = formulas[name]
        for message, offset in typed.problems:
            findings.append(Finding("formula", message, _place(formula, offset)))
        if typed.result is None:
            continue
        output = outputs.get(name)
        if output is not None:
            mismatch = _output_mismatch(output, typed.result)
            if mismatch:
                findings.append(
                    Finding("formula-type", f"output '{name}': {mismatch}", _place(formula, 0))
                )
    return findings


def _output_mismatch(output, result: Type) -> str:
    if output.type == "boolean":
        return (
            ""
            if result.kind == "boolean"
            else f"the formula gives {result}, the output is true/false"
        )
    if result.kind != "number":
        return f"the formula gives {result}, the output is a number in {output.unit}"
    expected = Unit.parse(output.unit or "1")
    if result.unit is not None and result.unit != expected:
        return f"the formula gives {result.unit}, the output is in {expected}"
    return ""


def _checks(policy: Policy):
    formula_names = {f.name for f in policy.formulas}
    for check, typed in zip(policy.checks, policy.types.checks, strict=True):
        if typed is None or check.tree is None:  # did not parse (both None together)
            continue
        problems = []
        for n in sorted(names_in(check.tree) & formula_names):
            problems.append((f"a check may use inputs and parameters, not the formula '{n}'", 0))
        problems += typed.problems
        if typed.result is not None and typed.result != BOOLEAN:
            problems.append((f"a check must be true or false, not {typed.result}", 0))
        for message, offset in problems:
            yield Finding("check", message, _place(check, offset))


# -- example cases -----------------------------------------------------------------------------


def _cases(policy: Policy):
    outputs = {o.name: o for o in policy.outputs}
    for case in policy.cases:
        label = f"case '{case.name}'"
        if case.on is None:
            continue
        unknown = [n for n, _ in case.expected if n not in outputs]
        if unknown:
            yield Finding(
                "case-output",
                f"{label}: expects unknown output '{unknown[0]}'; outputs: {', '.join(outputs)}",
                case.location,
            )
            continue
        try:
            result = evaluate(policy, dict(case.inputs), case.on)
        except rt.EvaluationError as error:
            yield Finding("case-error", f"{label}: cannot be evaluated: {error}", case.location)
            continue
        for name, expected in case.expected:
            got = result[name]
            wanted = expected_value(outputs[name], expected)
            if wanted is None:
                yield Finding(
                    "case-expected",
                    f"{label}: expected {name} {expected!r} is not a {outputs[name].type}",
                    case.location,
                )
            elif wanted != got or type(wanted) is not type(got):
                yield Finding(
                    "case-mismatch",
                    f"{label}: {name} expected {output_text(outputs[name], wanted)}, the formulas give {output_text(outputs[name], got)}",
                    case.location,
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
