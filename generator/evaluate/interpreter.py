"""Evaluate a policy straight from the model, step by step, optionally recording why.

This is the reference the generated modules are tested against, the engine behind
`--explain`, and the checker of the example cases written in policies. It walks the formula
tree; it never compiles or executes policy text.
"""

from __future__ import annotations

import datetime as dt
import operator
import weakref
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from generator import runtime as rt
from generator.core.messages import words
from generator.core.shown import named_field
from generator.core.unit_words import amount
from generator.formula.syntax import (
    Binary,
    Boolean,
    Call,
    Conditional,
    EnumTest,
    EnumValue,
    Name,
    Node,
    Number,
    Text,
    Unary,
)
from generator.formula.visitor import FormulaVisitor
from generator.model.plan import formula_order, runtime_brackets, used_parameters
from generator.model.policy import Policy, fmt

_COMPARE = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass
class Trace:
    """The steps of one evaluation, in order, each with the source it came from."""

    steps: list[tuple[str, str]] = field(default_factory=list)  # (text, source)

    def add(self, text: str, source: str = "") -> None:
        self.steps.append((text, source))


def read_inputs(policy: Policy, case: dict) -> dict:
    """Typed inputs of a case, or InvalidCase listing every bad field."""
    problems: list[rt.Problem] = []
    rt.unknown_fields(case, tuple(f.name for f in policy.inputs), problems)
    values = {f.name: read_field(f, case, problems) for f in policy.inputs}
    if problems:
        raise rt.InvalidCase(problems)
    return values


def read_field(f, case: dict, problems: list):
    """One input of a case, typed and checked against its declaration (same calls as generated code)."""
    default = _typed_default(f)
    if f.type == "number":
        return rt.number(case, f.name, f.minimum, f.maximum, default, problems, f.unit or None)
    if f.type == "integer":
        return rt.integer(case, f.name, f.minimum, f.maximum, default, problems, f.unit or None)
    if f.type == "enum":
        return rt.choice(case, f.name, f.values, default, problems, f.label_values)
    if f.type == "boolean":
        return rt.boolean(case, f.name, default, problems)
    return rt.date(case, f.name, default, problems)


def _typed_default(f):
    """The declared default as the type the case reader returns; checked by rules.py."""
    if not f.has_default:
        return rt.MISSING
    try:
        if f.type == "number":
            return Decimal(str(f.default))
        if f.type == "date":
            return dt.date.fromisoformat(str(f.default))
    except (ArithmeticError, ValueError):
        return rt.MISSING
    return f.default


class _Evaluator(FormulaVisitor[Any]):
    """Walks the typed tree of a formula and gives its value, adding steps to `trace`."""

    def __init__(self, policy: Policy, on: dt.date, env: dict, trace: Trace | None):
        self.policy = policy
        self.on = on
        self.env = env
        self.trace = trace
        self.params = {p.name: p for p in policy.parameters}
        self.lookups: dict[str, Any] = {}  # a scale's rt.Scale, a table's dict, on this date

    def parameter_value(self, name: str):
        parameter = self.params[name]
        starts, _ = _prepared(parameter)
        entry = rt.at(starts, parameter.values, self.on, name)
        self.lookups[name] = _lookup(parameter, bisect_right(starts, self.on) - 1)
        if self.trace is not None:
            source = "; ".join(x for x in (parameter.clause, parameter.quote) if x)
            shown = (
                amount(entry.value, parameter.unit if parameter.kind == "amount" else "")
                if parameter.kind in ("amount", "rate")
                else words("kind.table" if parameter.kind == "table" else "kind.scale")
            )
            self.trace.add(
                words(
                    "explain.parameter",
                    name=named_field(parameter),
                    value=shown,
                    start=entry.start.isoformat(),
                ),
                source,
            )
        return entry.value

    def eval(self, node: Node):
        return self.visit(node)

    def visit_number(self, node: Number):
        return node.value

    def visit_text(self, node: Text):
        return node.value

    def visit_boolean(self, node: Boolean):
        return node.value

    def visit_enum_value(self, node: EnumValue):
        return node.value

    def visit_name(self, node: Name):
        if node.name in self.env:
            return self.env[node.name]
        # the checker guarantees every name is an input, parameter or formula
        raise KeyError(node.name)

    def visit_unary(self, node: Unary):
        value = self.visit(node.operand)
        return (not value) if node.op == "not" else -value

    def visit_conditional(self, node: Conditional):
        return self.visit(node.then) if self.visit(node.condition) else self.visit(node.otherwise)

    def visit_binary(self, node: Binary):
        op = node.op
        if op == "and":
            return bool(self.visit(node.left)) and bool(self.visit(node.right))
        if op == "or":
            return bool(self.visit(node.left)) or bool(self.visit(node.right))
        left, right = self.visit(node.left), self.visit(node.right)
        if op in _COMPARE:
            return _COMPARE[op](left, right)
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        return rt.divide(left, right, "formula")

    def visit_enum_test(self, node: EnumTest):
        """Enum values compare by rank, which orders them and, for = and !=, tells them apart."""
        left, right = self.visit(node.left), self.visit(node.right)
        return _COMPARE[node.op](node.rank_of(left), node.rank_of(right))

    # -- functions --------------------------------------------------------------------------------

    def call_scale(self, node: Call):
        name = node.args[0].name
        brackets = self.env[name]
        x = self.visit(node.args[1])
        return self.scale(self.params[name], brackets, self.lookups[name], x)

    def call_table(self, node: Call):
        name = node.args[0].name
        key = self.visit(node.args[1])
        value = rt.table(self.lookups[name], key, name)
        if self.trace is not None:
            self.trace.add(
                words(
                    "explain.table", name=named_field(self.params[name]), key=key, value=fmt(value)
                )
            )
        return value

    def call_date(self, node: Call):
        return dt.date.fromisoformat(node.args[0].value)

    def call_min(self, node: Call):
        return min(self.visit(a) for a in node.args)

    def call_max(self, node: Call):
        return max(self.visit(a) for a in node.args)

    def call_clamp(self, node: Call):
        x, low, high = (self.visit(a) for a in node.args)
        return rt.clamp(x, low, high, "clamp")

    def call_round(self, node: Call):
        x, places = (self.visit(a) for a in node.args)
        return rt.round_to(x, int(places))

    def call_floor(self, node: Call):
        return rt.floor(self.visit(node.args[0]))

    def call_ceil(self, node: Call):
        return rt.ceil(self.visit(node.args[0]))

    def scale(self, parameter, brackets, plain: rt.Scale, x: Decimal) -> Decimal:
        if parameter.method == "marginal":
            result = rt.marginal(plain, x)
            if self.trace is not None:
                for b in brackets:
                    low = b.lower if b.lower is not None else Decimal(0)
                    if x <= low:
                        break
                    high = x if b.upper is None or x < b.upper else b.upper
                    self.trace.add(
                        words(
                            "explain.marginal-part",
                            bracket=b.shown(),
                            percent=fmt(b.rate * 100),
                            part=fmt(high - low),
                            rate=fmt(b.rate),
                            amount=fmt((high - low) * b.rate),
                        )
                    )
                self.trace.add(
                    words(
                        "explain.marginal",
                        name=named_field(parameter),
                        x=amount(x, parameter.input_unit),
                        result=amount(result, parameter.output_unit or parameter.input_unit),
                    )
                )
            return result
        result = rt.whole_amount(plain, x, parameter.name)
        if self.trace is not None:
            bracket = None
            for b in brackets:
                try:
                    rt.whole_amount(runtime_brackets((b,)), x, parameter.name)
                except rt.EvaluationError:
                    continue
                bracket = b
                break
            assert bracket is not None  # the whole amount above came from one of them
            how = (
                words("explain.how-amount", amount=amount(bracket.amount, parameter.output_unit))
                if bracket.amount is not None
                else words("explain.how-rate", x=fmt(x), rate=fmt(bracket.rate))
            )
            self.trace.add(
                words(
                    "explain.whole-amount",
                    name=named_field(parameter),
                    x=amount(x, parameter.input_unit),
                    bracket=bracket.shown(),
                    how=how,
                    result=amount(result, parameter.output_unit),
                )
            )
        return result


# Per parameter, its start dates and each value in the form the runtime looks up (a Scale, a
# dict), each made on first use and kept while the parameter lives: a scale of thousands of
# brackets or a table of thousands of keys then costs a bisection or a dict lookup per case.
_PREPARED: dict[int, tuple[tuple, list]] = {}


def _prepared(parameter) -> tuple[tuple, list]:
    found = _PREPARED.get(id(parameter))
    if found is None:
        found = _PREPARED[id(parameter)] = (tuple(v.start for v in parameter.values), [])
        weakref.finalize(parameter, _PREPARED.pop, id(parameter), None)
    return found


def _lookup(parameter, index: int):
    """The runtime form of the parameter's value number `index`."""
    _, lookups = _prepared(parameter)
    if not lookups:
        lookups.extend([None] * len(parameter.values))
    if lookups[index] is None and parameter.kind in ("scale", "table"):
        value = parameter.values[index].value
        lookups[index] = (
            rt.Scale(runtime_brackets(value)) if parameter.kind == "scale" else dict(value)
        )
    return lookups[index]


# Per policy, the parameters its formulas use and the order of its formulas, worked out on
# first use and kept while the policy lives: the test table of a large scale evaluates
# tens of thousands of cases of one policy, and walking its formulas for each was a third
# of the time.
_PLANS: dict[int, tuple[list, list[str]]] = {}


def _plan(policy: Policy) -> tuple[list, list[str]]:
    """(used_parameters(policy), the formulas in computing order)."""
    found = _PLANS.get(id(policy))
    if found is None:
        found = _PLANS[id(policy)] = (used_parameters(policy), formula_order(policy)[0])
        weakref.finalize(policy, _PLANS.pop, id(policy), None)
    return found


def evaluate(policy: Policy, case: dict, on: dt.date, trace: Trace | None = None) -> dict:
    """The outputs of one case on one date, exactly as the generated module gives them."""
    on = rt.evaluation_date(on)
    env = read_inputs(policy, case)
    evaluator = _Evaluator(policy, on, env, trace)
    used, order = _plan(policy)
    for parameter in used:
        env[parameter.name] = evaluator.parameter_value(parameter.name)
    failed = []
    for index, check in enumerate(policy.checks):
        tree = policy.types.check_tree(index, check)
        assert tree is not None  # a policy is evaluated only when its checks parse
        if not evaluator.eval(tree):
            failed.append(rt.Problem("", "rule-broken", message=check.message, rule=check.rule))
    if failed:
        raise rt.InvalidCase(failed)
    outputs = {f.name: f for f in policy.outputs}
    for name in order:
        formula = policy.formula(name)
        assert formula is not None  # the order lists the policy's formulas
        tree = policy.types.formula_tree(formula)
        assert tree is not None  # and a policy is evaluated only when they parse
        value = evaluator.eval(tree)
        if name in outputs:
            value = finish_output(outputs[name], value)
        env[name] = value
        if trace is not None:
            shown = named_field(outputs[name]) if name in outputs else name
            trace.add(
                words(
                    "explain.formula",
                    name=shown,
                    formula=formula.text,
                    value=amount(value, outputs[name].unit) if name in outputs else fmt(value),
                    rounding=_rounding_words(outputs.get(name)),
                )
            )
    return {f.name: env[f.name] for f in policy.outputs}


def value_of(policy: Policy, tree: Node, case: dict, on: dt.date, outputs: dict) -> Any:
    """The value of a formula written beside a policy (a declared bound, `at_most: actual_pay`)
    on one case whose `outputs` are already computed: it sees the inputs, the parameters in
    force and the outputs, as a formula of the policy would."""
    on = rt.evaluation_date(on)
    env = read_inputs(policy, case)
    evaluator = _Evaluator(policy, on, env, None)
    for parameter in _plan(policy)[0]:
        env[parameter.name] = evaluator.parameter_value(parameter.name)
    env.update(outputs)
    return evaluator.eval(tree)


def finish_output(output, value):
    """Round money, check integers: the one place outputs get their final form."""
    if output.type == "boolean":
        return bool(value)
    if output.type == "integer":
        if output.places is not None:
            value = rt.round_to(value, 0, output.mode)
        return rt.as_integer(value, output.name)
    if output.places is not None:
        return rt.round_to(value, output.places, output.mode)
    return value


def _rounding_words(output) -> str:
    if output is None or output.places is None or output.type != "number":
        return ""
    mode = words(ROUNDING[output.mode]) if output.mode in ROUNDING else output.mode
    return words("explain.rounding", mode=mode, places=output.places)


ROUNDING = {  # a rounding mode in words
    "half_up": "rounding.half_up",
    "half_even": "rounding.half_even",
    "down": "rounding.down",
    "up": "rounding.up",
}
