"""The boundary cases of a policy: where its rules change behaviour and mistakes hide.

- every bracket edge of a scale looked up with an input, and every threshold an input is
  compared with (a number or an amount parameter): just below, at and just above, in the
  smallest step (0.01 for numbers, 1 for whole numbers), under the enum values that lead
  to that lookup (`if scheme = "employee" then scale(employee_scale, …)`);
- every value of every enum input (and true/false of booleans);
- every date on which a value changes: the day before and the day itself;
- the example cases written in the policy.

They are the rows of the test table `ratebook build` writes (`compile/test_tables.py`) and the
first cases the checks try where a bound or a property is not proved from the form of the
formulas (`checks/sampling.py`): both read them here, so the cases validate tries are the
cases the build's table holds. The same policy always gives the same rows in the same order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from generator.evaluate.interpreter import evaluate
from generator.evaluate.outcome import grouped, run, text
from generator.formula.syntax import (
    Binary,
    Call,
    Conditional,
    EnumTest,
    EnumValue,
    Name,
    Node,
    Number,
    children,
)
from generator.formula.visitor import FormulaVisitor
from generator.model.policy import Policy, fmt

NUMBER_STEP = Decimal("0.01")  # the smallest money step, a fen
COMPARISONS = ("<", "<=", ">", ">=", "=", "!=")
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}


@dataclass(frozen=True)
class TableRow:
    label: str  # why the case is in the table
    on: dt.date
    inputs: tuple  # ((name, value), ...) in the policy's input order; absent = the default


@dataclass(frozen=True)
class _Probe:
    """An input value worth trying: an edge of a scale or of a comparison."""

    name: str  # the input
    edge: Decimal
    what: str  # "employee_scale boundary 30,000", "age >= min_age (60)"
    on: dt.date | None  # the date the edge is in force from; None = any
    given: tuple  # ((enum input, value), ...) that leads to the lookup


def table_rows(policy: Policy) -> list[TableRow]:
    """The policy's test cases in a fixed order, each (date, inputs) once."""
    base_case, base_on = baseline(policy)
    rows: list[TableRow] = []
    for case in policy.cases:
        if case.on is not None:
            rows.append(_row(policy, f"example: {case.name}", case.on, dict(case.inputs)))
    for probe in _probes(policy):
        on = probe.on or base_on
        for value, where in _around(policy.input(probe.name), probe.edge):
            inputs = {**base_case, **dict(probe.given), probe.name: value}
            given = "".join(f", {n} = {v}" for n, v in probe.given)
            rows.append(_row(policy, f"{probe.what}: {where}{given}", on, inputs))
    for field in policy.inputs:
        choices = (
            field.values
            if field.type == "enum"
            else (True, False)
            if field.type == "boolean"
            else ()
        )
        for value in choices:
            rows.append(
                _row(
                    policy,
                    f"{field.name} = {text(value)}",
                    base_on,
                    {**base_case, field.name: value},
                )
            )
    for day, names in _change_dates(policy):
        what = ", ".join(names)
        rows.append(
            _row(
                policy,
                f"day before {day.isoformat()} ({what} change)",
                day - dt.timedelta(days=1),
                base_case,
            )
        )
        rows.append(_row(policy, f"{day.isoformat()}: new values of {what}", day, base_case))
    return _merged(rows)


def _row(policy: Policy, label: str, on: dt.date, inputs: dict) -> TableRow:
    ordered = tuple((f.name, inputs[f.name]) for f in policy.inputs if f.name in inputs)
    extra = tuple((n, v) for n, v in inputs.items() if policy.input(n) is None)
    return TableRow(label, on, ordered + extra)


def _merged(rows: list[TableRow]) -> list[TableRow]:
    """One row per (date, inputs as written); a case found twice keeps both reasons."""
    seen: dict[tuple, int] = {}
    merged: list[TableRow] = []
    for row in rows:
        key = (row.on, tuple((n, text(v)) for n, v in row.inputs))
        if key in seen:
            first = merged[seen[key]]
            if row.label not in first.label.split(" | "):
                merged[seen[key]] = TableRow(f"{first.label} | {row.label}", first.on, first.inputs)
            continue
        seen[key] = len(merged)
        merged.append(row)
    return merged


# -- the ordinary case every probe varies ---------------------------------------------------------


def baseline(policy: Policy) -> tuple[dict, dt.date]:
    """An example case (inputs and date), completed for inputs it leaves out.

    An example is a case its author knows to be valid (it passes the policy's checks), so
    varying one input from it stays meaningful; one that pays something shows a change of
    amount on a change date. Without examples: lower bounds, first enum values.
    """
    example = _ordinary_example(policy)
    on = example.on if example else (policy.in_force_from or dt.date(2000, 1, 1))
    case = dict(example.inputs) if example else {}
    for field in policy.inputs:
        if field.name in case or field.has_default:
            continue
        if field.type in ("number", "integer"):
            value = field.minimum if field.minimum is not None else Decimal(0)
            case[field.name] = int(value) if field.type == "integer" else value
        elif field.type == "enum":
            case[field.name] = field.values[0]
        elif field.type == "boolean":
            case[field.name] = True
        else:
            case[field.name] = on
    return case, on


def _ordinary_example(policy: Policy):
    """The first example with no zero or false output, else the first example (or None)."""
    examples = [(c, c.on) for c in policy.cases if c.on is not None]
    for case, on in examples:
        outcome = run(lambda c, on: evaluate(policy, c, on), dict(case.inputs), on)
        outputs = outcome.outputs
        if outputs is not None and all(v is not False and v != 0 for v in outputs.values()):
            return case
    return examples[0][0] if examples else None


# -- edges: scales and comparisons ------------------------------------------------------------------


def _probes(policy: Policy) -> list[_Probe]:
    finder = _ProbeFinder(policy)
    for formula in policy.formulas:
        tree = policy.types.formula_tree(formula)
        if tree is not None:
            finder.visit(tree)
    unique: dict[tuple, _Probe] = {}
    for probe in finder.found:
        unique.setdefault((probe.name, probe.edge, probe.on, probe.given), probe)
    return list(unique.values())


class _ProbeFinder(FormulaVisitor[None]):
    """Collects the probes of a typed tree: scale lookups, comparisons with numeric inputs,
    each under the enum values the path to it requires (`self.given`)."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.given: tuple = ()
        self.found: list[_Probe] = []

    def descend(self, node: Node) -> None:
        for child in children(node):
            self.visit(child)

    def visit_conditional(self, node: Conditional) -> None:
        given = self.given
        self.visit(node.condition)
        self.given = given + _implied(self.policy, node.condition, True)
        self.visit(node.then)
        self.given = given + _implied(self.policy, node.condition, False)
        self.visit(node.otherwise)
        self.given = given

    def visit_binary(self, node: Binary) -> None:
        if node.op in COMPARISONS:
            _comparison_probes(self.policy, node, self.given, self.found)
        self.descend(node)

    def call_scale(self, node: Call) -> None:
        _scale_probes(self.policy, node, self.given, self.found)
        self.descend(node)

    # no edges of their own: only what their operands hold
    visit_number = visit_text = visit_boolean = visit_name = descend
    visit_enum_value = visit_enum_test = visit_unary = descend
    call_table = call_min = call_max = call_clamp = descend
    call_round = call_floor = call_ceil = call_date = descend


def _implied(policy: Policy, condition, holds: bool) -> tuple:
    """Enum values a true (or false) condition pins: `scheme = "employee"` → scheme = employee."""
    if isinstance(condition, Binary) and condition.op in ("and", "or"):
        if (condition.op == "and") == holds:
            return _implied(policy, condition.left, holds) + _implied(
                policy, condition.right, holds
            )
        return ()
    if not (isinstance(condition, EnumTest) and condition.op in ("=", "!=")):
        return ()
    name, literal = condition.left, condition.right
    if isinstance(name, EnumValue):
        name, literal = literal, name
    field = policy.input(name.name) if isinstance(name, Name) else None
    if field is None or not isinstance(literal, EnumValue):
        return ()
    if holds == (condition.op == "="):
        return ((field.name, literal.value),)
    other = next((v for v in field.values if str(v) != literal.text), None)
    return ((field.name, other),) if other is not None else ()


def _numeric_input(policy: Policy, node):
    field = policy.input(node.name) if isinstance(node, Name) else None
    return field if field is not None and field.type in ("number", "integer") else None


def _scale_probes(policy: Policy, node: Call, given: tuple, found: list) -> None:
    parameter = policy.parameter(node.args[0].name)
    field = _numeric_input(policy, node.args[1])
    if parameter is None or field is None:
        return  # looked up with a computed value: no input value sits on its edges
    dated = len(parameter.values) > 1
    for entry in parameter.values:
        edges = sorted({e for b in entry.brackets for e in (b.lower, b.upper) if e is not None})
        for edge in edges:
            when = f" (values from {entry.start.isoformat()})" if dated else ""
            found.append(
                _Probe(
                    field.name,
                    edge,
                    f"{parameter.name} boundary {grouped(edge)}{when}",
                    _in_force(policy, parameter, entry),
                    given,
                )
            )


def _comparison_probes(policy: Policy, node: Binary, given: tuple, found: list) -> None:
    left, right, op = node.left, node.right, node.op
    if _numeric_input(policy, left) is None:
        left, right, op = right, left, _FLIPPED[op]
    field = _numeric_input(policy, left)
    if field is None:
        return
    if isinstance(right, Number):
        found.append(
            _Probe(field.name, right.value, f"{field.name} {op} {right.text}", None, given)
        )
        return
    parameter = policy.parameter(right.name) if isinstance(right, Name) else None
    if parameter is None or parameter.kind not in ("amount", "rate"):
        return
    for entry in parameter.values:
        found.append(
            _Probe(
                field.name,
                entry.number,
                f"{field.name} {op} {parameter.name} ({fmt(entry.number)})",
                _in_force(policy, parameter, entry),
                given,
            )
        )


def _in_force(policy: Policy, parameter, entry) -> dt.date:
    """The first date on which `entry` and every other parameter of the policy are in force."""
    start = entry.start
    later = [v.start for v in parameter.values if v.start > entry.start]
    whole = policy.in_force_from
    if whole is not None and whole > start and (not later or whole < later[0]):
        return whole
    return start


def _around(field, edge: Decimal) -> list[tuple[object, str]]:
    """Just below, at and just above `edge`, within the input's declared bounds."""
    if field.type == "integer":
        if edge == edge.to_integral_value():
            whole = int(edge)
            points = [(whole - 1, "just below"), (whole, "at"), (whole + 1, "just above")]
        else:
            points = [
                (int(edge.to_integral_value(rounding=ROUND_FLOOR)), "just below"),
                (int(edge.to_integral_value(rounding=ROUND_CEILING)), "just above"),
            ]
    else:
        points = [
            (edge - NUMBER_STEP, "just below"),
            (edge, "at"),
            (edge + NUMBER_STEP, "just above"),
        ]
    return [
        (v, w)
        for v, w in points
        if (field.minimum is None or v >= field.minimum)
        and (field.maximum is None or v <= field.maximum)
    ]


def _change_dates(policy: Policy) -> list[tuple[dt.date, list[str]]]:
    """Each date on which some parameter takes a value, with the parameters that change."""
    dates: dict[dt.date, list[str]] = {}
    for parameter in policy.parameters:
        for entry in parameter.values:
            dates.setdefault(entry.start, []).append(parameter.name)
    return sorted(dates.items())
