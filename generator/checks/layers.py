"""Checks across policies: each local figure against the rules of a higher jurisdiction.

A constraint (`constraints/<area>/<name>.yaml`) bounds a parameter's dated values or an
output of named local policies; a local policy lists the rules it is subject to. Where the
two are in force together (the overlap of the constraint's dates and each value's), a value
that breaks the bound is an error at the value, naming the constraint's place, both numbers
and the dates. An output is checked on each date its parameters change: proved exactly from
the form of the formulas where `proofs.Shape` can, else on the cases of `sampling` (the
boundary table plus seeded random cases), and the finding says which.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from generator.checks.proofs import Shape
from generator.checks.sampling import bound_counterexample
from generator.core.findings import ERROR, NOTE, WARNING, Finding, finding
from generator.core.location import Location
from generator.core.messages import Message
from generator.core.shown import named_field
from generator.core.unit_words import Amount
from generator.core.units import Unit
from generator.core.values import did_you_mean
from generator.formula.syntax import Binary, Name, Node, Number, names_in
from generator.model.constraints import Bound, Constraint, ConstraintDocument
from generator.model.policy import Policy, fmt

ONE_DAY = dt.timedelta(days=1)

# the words for a value that breaks a bound, by comparator
BROKEN = {
    "at_least": "constraint-broken.at_least",
    "above": "constraint-broken.above",
    "at_most": "constraint-broken.at_most",
    "below": "constraint-broken.below",
    "about": "constraint-broken.about",
}
# a bound in words, by comparator: "at least 70", "不低于 70"
BOUND_WORDS = {
    "at_least": "bound.at_least",
    "above": "bound.above",
    "at_most": "bound.at_most",
    "below": "bound.below",
    "about": "bound.about",
}


def bound_words(bound: Bound, relative_to: str = "") -> Message:
    """'at least 70 yuan/month', 'at least 10% × monthly_pension'."""
    shown = _with_unit(bound.value, bound.unit)
    if relative_to:
        shown = f"{shown} × {relative_to}"
    return Message(BOUND_WORDS[bound.comparator], value=shown, word=bound.word)


def period(start: dt.date, end: dt.date | None) -> Message:
    if end is None:
        return Message("words.period-open", start=start.isoformat())
    return Message("words.period-closed", start=start.isoformat(), end=end.isoformat())


def citation(document: ConstraintDocument, constraint_or_target) -> str:
    """'蘇政辦發〔2012〕91號 二(四), P2': the document's number (or id), the clause, the rule."""
    head = document.source.number or document.id
    rule = f", {constraint_or_target.rule}" if constraint_or_target.rule else ""
    return f"{head} {constraint_or_target.clause}{rule}"


def check_layers(
    documents: list[ConstraintDocument],
    policies: list[Policy],
    unchecked: frozenset = frozenset(),
    has_folder: bool = True,
) -> list[Finding]:
    """Every reference between the layers resolved, and every bound checked where in force;
    `unchecked` names the rules of documents with errors of their own (already reported), to
    which a policy may refer without a second finding. In a project without a `constraints/`
    folder (policies copied on their own) a rule a policy is subject to cannot be checked: a
    warning says so, rather than an error about a rule that exists elsewhere."""
    by_id = {p.id: p for p in policies}
    rules = {c.id: (d, c) for d in documents for c in d.constraints}
    findings: list[Finding] = []
    for policy in policies:
        for entry in policy.subject_to:
            if entry.rule in unchecked:
                continue
            if not has_folder:
                findings.append(
                    finding("subject-to.no-folder", entry.location, WARNING, rule=entry.rule)
                )
                continue
            if entry.rule not in rules:
                findings.append(
                    finding(
                        "subject-to.unknown",
                        entry.location,
                        rule=entry.rule,
                        close=did_you_mean(entry.rule, sorted(rules)),
                    )
                )
                continue
            _, constraint = rules[entry.rule]
            if not any(b.policy == policy.id for b in constraint.binds):
                bound = ", ".join(sorted({b.policy for b in constraint.binds})) or "-"
                findings.append(
                    finding(
                        "subject-to.not-bound",
                        entry.location,
                        rule=entry.rule,
                        policy=policy.id,
                        binds=bound,
                    )
                )
    for document in documents:
        for constraint in document.constraints:
            if constraint.measure == "average" and constraint.binds:
                findings.append(finding("constraint-binds.average", constraint.location))
                continue
            for binding in constraint.binds:
                findings += _check_binding(document, constraint, binding, by_id)
    return findings


def _check_binding(document, constraint: Constraint, binding, by_id) -> list[Finding]:
    policy = by_id.get(binding.policy)
    if policy is None:
        return [
            finding(
                "constraint-binds.unknown-policy",
                binding.location,
                policy=binding.policy,
                close=did_you_mean(binding.policy, sorted(by_id)),
            )
        ]
    subject = next((s for s in policy.subject_to if s.rule == constraint.id), None)
    problems = _binding_shape(constraint, binding, policy)
    if problems:
        return problems
    if subject is None:
        return [
            finding(
                "constraint-binds.not-subject",
                binding.location,
                WARNING,
                policy=policy.id,
                rule=constraint.id,
            )
        ]
    assumed = Message("words.assumed", assumption=subject.assumption) if subject.assumption else ""
    if binding.parameter:
        return _check_parameter(document, constraint, binding, policy, assumed)
    return _check_output(document, constraint, binding, policy, assumed)


def _binding_shape(constraint: Constraint, binding, policy: Policy) -> list[Finding]:
    """What the binding names exists, is a number and has the bound's unit."""
    where = binding.location
    if bool(binding.parameter) == bool(binding.output):
        return [finding("constraint-binds.one", where)]
    if binding.parameter:
        parameter = policy.parameter(binding.parameter)
        if parameter is None:
            return [_unknown(where, "parameter", binding.parameter, policy, policy.parameters)]
        if parameter.kind == "scale" or parameter.unnumbered:
            return [
                finding(
                    "constraint-binds.kind",
                    where,
                    name=parameter.name,
                    policy=policy.id,
                    kind=parameter.kind,
                )
            ]
        unit = parameter.unit or "1"
        if binding.relative_to:
            return [finding("constraint-binds.relative-parameter", where)]
        return _unit_check(where, constraint.bound.unit, unit, parameter.name, policy)
    output = policy.output(binding.output)
    if output is None:
        return [_unknown(where, "output", binding.output, policy, policy.outputs)]
    if output.type == "boolean":
        return [
            finding(
                "constraint-binds.kind", where, name=output.name, policy=policy.id, kind="boolean"
            )
        ]
    if binding.relative_to:
        field = policy.input(binding.relative_to)
        if field is None or field.type not in ("number", "integer"):
            return [_unknown(where, "input", binding.relative_to, policy, policy.inputs)]
        unit = str(Unit.parse(constraint.bound.unit) * Unit.parse(field.unit))
        return _unit_check(where, unit, output.unit or "1", output.name, policy)
    return _unit_check(where, constraint.bound.unit, output.unit or "1", output.name, policy)


def _unknown(where: Location, what: str, name: str, policy: Policy, known) -> Finding:
    names = [x.name for x in known]
    return finding(
        "constraint-binds.unknown-field",
        where,
        what=what,
        name=name,
        policy=policy.id,
        known=", ".join(names) or "-",
    )


def _unit_check(where: Location, unit: str, other: str, name: str, policy: Policy) -> list:
    if Unit.parse(unit) == Unit.parse(other):
        return []
    return [
        finding("constraint-binds.unit", where, unit=unit, other=other, name=name, policy=policy.id)
    ]


def _overlap(start: dt.date, end: dt.date | None, constraint: Constraint):
    """The days both are in force, or None."""
    first = max(start, constraint.start)
    ends = [e for e in (end, constraint.end) if e is not None]
    last = min(ends) if ends else None
    if last is not None and last < first:
        return None
    return first, last


def _check_parameter(document, constraint, binding, policy, assumed) -> list[Finding]:
    parameter = policy.parameter(binding.parameter)
    values = parameter.values
    findings = []
    for index, entry in enumerate(values):
        end = values[index + 1].start - ONE_DAY if index + 1 < len(values) else None
        both = _overlap(entry.start, end, constraint)
        if both is None:
            continue
        numbers = (
            [(entry.value, entry.value_locations[0] if entry.value_locations else entry.location)]
            if isinstance(entry.value, Decimal)
            else [
                (
                    row[1],
                    entry.value_locations[i] if i < len(entry.value_locations) else entry.location,
                )
                for i, row in enumerate(entry.value if isinstance(entry.value, tuple) else ())
            ]
        )
        for number, where in numbers:
            if not isinstance(number, Decimal):
                continue
            kept = constraint.bound.holds(number)
            if kept:
                continue
            key = BROKEN[constraint.bound.comparator] if kept is False else "constraint-about"
            findings.append(
                finding(
                    key,
                    where,
                    ERROR if kept is False else WARNING,
                    value=_with_unit(number, parameter.unit),
                    start=entry.start.isoformat(),
                    bound=bound_words(constraint.bound),
                    rule=constraint.id,
                    citation=citation(document, constraint),
                    where=str(constraint.location),
                    period=period(constraint.start, constraint.end),
                    overlap=period(*both),
                    assumed=assumed,
                )
            )
    return findings


def _with_unit(number: Decimal, unit: str) -> str | Amount:
    """70 yuan/month (70元/月 in Chinese: the unit by its label); a ratio (unit 1) as a
    percentage, as the sources write it: 10%."""
    if unit in ("", "1"):
        return f"{fmt(number * 100)}%"
    return Amount(number, unit)


shown_figure = _with_unit


def change_dates(
    policy: Policy, start: dt.date, end: dt.date | None, names: set[str] | None = None
) -> list[dt.date]:
    """The first day of each period within [start, end] in which no parameter changes (of
    `names`, when given: those a formula reads)."""
    first = max(start, policy.in_force_from or start)
    days = {first}
    for parameter in policy.parameters:
        if names is not None and parameter.name not in names:
            continue
        for entry in parameter.values:
            if first < entry.start and (end is None or entry.start <= end):
                days.add(entry.start)
    return sorted(d for d in days if end is None or d <= end)


def _check_output(document, constraint, binding, policy, assumed) -> list[Finding]:
    output = policy.output(binding.output)
    formula = policy.formula(output.name)
    if formula is None or formula.tree is None or policy.in_force_from is None:
        return []
    limit: Node = Number(0, constraint.bound.value, fmt(constraint.bound.value))
    if binding.relative_to:
        limit = Binary(0, "*", limit, Name(0, binding.relative_to))
    relative = policy.input(binding.relative_to) if binding.relative_to else None
    relation = bound_words(constraint.bound, named_field(relative) if relative else "")
    comparator = constraint.bound.comparator
    findings: list[Finding] = []

    def keeps(value: Decimal, shown: Decimal) -> bool | None:
        """The bound, with its number the sampled case's limit rounded as the output is."""
        bound = constraint.bound
        return Bound(bound.comparator, bound.word, shown, bound.unit, bound.tolerance).holds(value)

    days = change_dates(policy, constraint.start, constraint.end, read_names(policy, output.name))
    for index, day in enumerate(days):
        end = days[index + 1] - ONE_DAY if index + 1 < len(days) else constraint.end
        shape = Shape(policy, day)
        tree = shape.trees.get(output.name)
        if tree is None:
            continue
        if comparator == "at_least" and shape.at_least(tree, limit):
            proved = True
        elif comparator == "at_most" and shape.at_least(limit, tree):
            proved = True
        else:
            proved = False
        common = dict(
            output=named_field(output),
            bound=relation,
            rule=constraint.id,
            citation=citation(document, constraint),
            where=str(constraint.location),
            period=period(day, end),
        )
        if proved:
            findings.append(finding("proved.constraint", formula.location, NOTE, **common))
            continue
        broken, tally = bound_counterexample(policy, output, limit, keeps, day)
        if broken is None:
            findings.append(
                finding(
                    "constraint-output.unproved",
                    formula.location,
                    WARNING,
                    tried=tally.tried(),
                    **common,
                )
            )
            continue
        findings.append(
            finding(
                "constraint-output",
                formula.location,
                case=broken.sample.words(),
                on=day.isoformat(),
                value=fmt(broken.value),
                limit=fmt(broken.limit),
                found_in=tally.found_in(broken.sample),
                assumed=assumed,
                **common,
            )
        )
    return findings


def read_names(policy: Policy, name: str) -> set[str]:
    """Every name the formula `name` reads, through the formulas it reads."""
    found: set[str] = set()
    todo = [name]
    while todo:
        formula = policy.formula(todo.pop())
        if formula is None or formula.tree is None:
            continue
        for used in names_in(formula.tree) - found:
            found.add(used)
            todo.append(used)
    return found
