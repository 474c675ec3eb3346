"""The properties a policy declares of its formulas, proved or refuted on each period.

`monotonic`: the output never falls (direction up) or never rises (down) as one input rises,
all else equal. `bounded`: the output stays at most (or at least) a formula over the inputs.
On each period in which no parameter changes, `proofs.Shape` proves the property from the
form of the formulas where it can; otherwise sampled cases are searched for a counterexample
(for a direction: each case against the same case with the input raised). A refuted property
is an error naming the counterexample; one neither proved nor refuted is a warning saying
how many cases were tried; a proved one is a note.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from generator.checks.layers import ONE_DAY, change_dates, period, read_names
from generator.checks.proofs import Shape, bound_value, outcome, sampled_cases
from generator.core.findings import NOTE, WARNING, Finding, finding
from generator.core.messages import Message
from generator.core.shown import named_field
from generator.evaluate.interpreter import finish_output
from generator.formula.syntax import names_in
from generator.model.policy import Policy, Property, fmt

STEPS = (Decimal("0.01"), Decimal(1), Decimal(100), Decimal(10000))


def describe(policy: Policy, prop: Property) -> Message:
    """The property in words, its fields named as the reader names them (label and id in
    Chinese)."""
    output = named_field(policy.output(prop.output))
    if prop.kind == "monotonic":
        key = "property.rises" if prop.direction == "up" else "property.falls"
        return Message(key, output=output, input=named_field(policy.input(prop.input)))
    if prop.at_most:
        return Message("property.at-most", output=output, bound=prop.at_most)
    return Message("property.at-least", output=output, bound=prop.at_least)


def check_properties(policy: Policy) -> list[Finding]:
    findings: list[Finding] = []
    for prop in policy.properties:
        problems = _names(policy, prop)
        if problems:
            findings += problems
            continue
        if policy.in_force_from is None:
            continue
        names = read_names(policy, prop.output)
        for tree in (prop.at_most_tree, prop.at_least_tree):
            if tree is not None:
                for name in names_in(tree):
                    names |= {name} | read_names(policy, name)
        days = change_dates(policy, policy.in_force_from, None, names)
        for index, day in enumerate(days):
            end = days[index + 1] - ONE_DAY if index + 1 < len(days) else None
            findings += _check_on(policy, prop, day, end)
    return findings


def _names(policy: Policy, prop: Property) -> list[Finding]:
    where = prop.location
    if policy.output(prop.output) is None:
        known = ", ".join(o.name for o in policy.outputs)
        return [finding("property-unknown", where, what="output", name=prop.output, known=known)]
    if prop.kind == "monotonic":
        if prop.direction not in ("up", "down"):
            return [finding("property-direction", where)]
        field = policy.input(prop.input)
        if field is None or field.type not in ("number", "integer"):
            known = ", ".join(f.name for f in policy.inputs if f.type in ("number", "integer"))
            return [finding("property-unknown", where, what="input", name=prop.input, known=known)]
        return []
    tree = prop.at_most_tree or prop.at_least_tree
    if tree is None:
        return [finding("property-unknown", where, what="formula", name="", known="")]
    allowed = {f.name for f in policy.inputs} | {p.name for p in policy.parameters}
    allowed |= {f.name for f in policy.formulas}
    unknown = sorted(names_in(tree) - allowed)
    if unknown:
        return [
            finding(
                "property-unknown",
                where,
                what="formula",
                name=", ".join(unknown),
                known=", ".join(sorted(allowed)),
            )
        ]
    return []


def _check_on(policy: Policy, prop: Property, day: dt.date, end: dt.date | None) -> list:
    shape = Shape(policy, day)
    tree = shape.trees.get(prop.output)
    if tree is None:
        return []
    common = dict(
        property=describe(policy, prop), clause=prop.clause or "-", period=period(day, end)
    )
    if prop.kind == "monotonic":
        want = 1 if prop.direction == "up" else -1
        proved = shape.direction(tree, prop.input) in (0, want)
    elif prop.at_most_tree is not None:
        proved = shape.at_least(prop.at_most_tree, tree)
    else:
        assert prop.at_least_tree is not None
        proved = shape.at_least(tree, prop.at_least_tree)
    if proved:
        return [finding("proved.property", prop.location, NOTE, **common)]
    broken, count = (
        _direction_counterexample(policy, prop, day)
        if prop.kind == "monotonic"
        else _bound_counterexample(policy, prop, day)
    )
    if broken is None:
        return [finding("property-unproved", prop.location, WARNING, count=count, **common)]
    return [finding("property-refuted", prop.location, case=broken, on=day.isoformat(), **common)]


def _shown(case: dict) -> str:
    return ", ".join(f"{k}={fmt(v)}" for k, v in sorted(case.items()) if v is not None)


def _direction_counterexample(policy: Policy, prop: Property, day: dt.date):
    count = 0
    integer = policy.input(prop.input).type == "integer"  # type: ignore[union-attr]
    for case in sampled_cases(policy, day):
        before = outcome(policy, case, day)
        if before is None or case.get(prop.input) is None:
            continue
        for step in (Decimal(1), Decimal(100)) if integer else STEPS:
            raised = {**case, prop.input: Decimal(str(case[prop.input])) + step}
            if integer:
                raised[prop.input] = int(raised[prop.input])
            after = outcome(policy, raised, day)
            if after is None:
                continue
            count += 1
            old, new = before[prop.output], after[prop.output]
            if (new < old) if prop.direction == "up" else (new > old):
                words = Message(
                    "property.counterexample-direction",
                    case=_shown(case),
                    input=prop.input,
                    low=fmt(case[prop.input]),
                    high=fmt(raised[prop.input]),
                    output=prop.output,
                    before=fmt(old),
                    after=fmt(new),
                )
                return words, count
    return None, count


def _bound_counterexample(policy: Policy, prop: Property, day: dt.date):
    count = 0
    output = policy.output(prop.output)
    tree = prop.at_most_tree if prop.at_most_tree is not None else prop.at_least_tree
    assert output is not None and tree is not None
    for case in sampled_cases(policy, day):
        outputs = outcome(policy, case, day)
        if outputs is None:
            continue
        limit = bound_value(policy, tree, case, day, outputs)
        if limit is None:
            continue
        count += 1
        limit = finish_output(output, limit)
        value = outputs[prop.output]
        if (value > limit) if prop.at_most_tree is not None else (value < limit):
            words = Message(
                "property.counterexample-bound",
                case=_shown(case),
                output=prop.output,
                value=fmt(value),
                limit=fmt(limit),
            )
            return words, count
    return None, count
