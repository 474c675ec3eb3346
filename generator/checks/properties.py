"""The properties a policy declares of its formulas, proved or refuted on each period.

`monotonic`: the output never falls (direction up) or never rises (down) as one input rises,
all else equal. `bounded`: the output stays at most (or at least) a formula over the inputs.
On each period in which no parameter changes, `proofs.Shape` proves the property from the
form of the formulas where it can; otherwise the cases of `sampling` (the boundary table plus
seeded random cases) are searched for a counterexample (for a direction: each case against
the same case with the input raised). A refuted property
is an error naming the counterexample; one neither proved nor refuted is a warning saying
how many cases were tried; a proved one is a note.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from generator.checks.layers import ONE_DAY, change_dates, period, read_names
from generator.checks.proofs import Shape
from generator.checks.sampling import Tally, bound_counterexample, outcome, samples
from generator.core.findings import NOTE, WARNING, Finding, finding
from generator.core.messages import Message
from generator.core.shown import named_field
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
    if prop.kind == "monotonic":
        broken, found_in, tally = _direction_counterexample(policy, prop, day)
    else:
        broken, found_in, tally = _bound_counterexample(policy, prop, day)
    if broken is None:
        return [finding("property-unproved", prop.location, WARNING, tried=tally.tried(), **common)]
    return [
        finding(
            "property-refuted",
            prop.location,
            case=broken,
            on=day.isoformat(),
            found_in=found_in,
            **common,
        )
    ]


def _direction_counterexample(policy: Policy, prop: Property, day: dt.date):
    """(words, where found, tally): each sampled case against the same case with the input
    raised by each step; the counterexample in words, or None."""
    tally = Tally()
    integer = policy.input(prop.input).type == "integer"  # type: ignore[union-attr]
    for sample in samples(policy):
        case = sample.inputs
        before = outcome(policy, case, day)
        if before is None or case.get(prop.input) is None:
            continue
        tally.add(sample)
        for step in (Decimal(1), Decimal(100)) if integer else STEPS:
            raised = {**case, prop.input: Decimal(str(case[prop.input])) + step}
            if integer:
                raised[prop.input] = int(raised[prop.input])
            after = outcome(policy, raised, day)
            if after is None:
                continue
            old, new = before[prop.output], after[prop.output]
            if (new < old) if prop.direction == "up" else (new > old):
                words = Message(
                    "property.counterexample-direction",
                    case=sample.words(),
                    input=prop.input,
                    low=fmt(case[prop.input]),
                    high=fmt(raised[prop.input]),
                    output=prop.output,
                    before=fmt(old),
                    after=fmt(new),
                )
                return words, tally.found_in(sample), tally
    return None, None, tally


def _bound_counterexample(policy: Policy, prop: Property, day: dt.date):
    output = policy.output(prop.output)
    tree = prop.at_most_tree if prop.at_most_tree is not None else prop.at_least_tree
    assert output is not None and tree is not None
    at_most = prop.at_most_tree is not None
    broken, tally = bound_counterexample(
        policy,
        output,
        tree,
        (lambda value, limit: value <= limit) if at_most else (lambda value, limit: value >= limit),
        day,
    )
    if broken is None:
        return None, None, tally
    words = Message(
        "property.counterexample-bound",
        case=broken.sample.words(),
        output=prop.output,
        value=fmt(broken.value),
        limit=fmt(broken.limit),
    )
    return words, tally.found_in(broken.sample), tally
