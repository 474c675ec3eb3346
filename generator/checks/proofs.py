"""Proving a bound or a direction of a policy's formulas, exactly where their form allows.

On one date every parameter is a number, so a formula made of inputs, numbers, `+ - × ÷` by
a number, `min`, `max`, `clamp`, marginal scales with rates of one sign, rounding and `if`s
whose condition does not involve the input in question is piecewise linear, and two rules
decide it exactly:
- a linear difference `f − g` is at least 0 over the inputs' declared bounds when its least
  value over that box, taken at a corner, is (an input without a bound on the side its
  coefficient needs gives no least value, and no proof);
- `max(a, b) ≥ g` when `a ≥ g` or `b ≥ g`, `min(a, b) ≥ g` when both are, and the same
  turned round for `g`; an `if` is at least `g` when both its branches are.
A direction is proved by composition: a sum of rising terms rises, a product with a number
at least 0 keeps the direction, `min`, `max`, `clamp`, rounding and a marginal scale with
rates at least 0 keep it. Where the form is not one of these, nothing is claimed here: the
caller samples cases (`sampling`) and says that it did.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from generator import runtime as rt
from generator.formula.syntax import (
    Binary,
    Call,
    Conditional,
    Name,
    Node,
    Number,
    Unary,
    children,
)
from generator.model.policy import InputField, Policy

Linear = tuple[dict[str, Fraction], Fraction]  # coefficients of the inputs, and a constant


class Shape:
    """A policy's formulas on one date, with every parameter a number."""

    def __init__(self, policy: Policy, on: dt.date):
        self.policy = policy
        self.on = on
        self.inputs = {f.name: f for f in policy.inputs}
        self.trees = {
            f.name: policy.types.formula_tree(f) for f in policy.formulas if f.tree is not None
        }
        self.values: dict[str, object] = {}
        for p in policy.parameters:
            if not p.values:
                continue
            starts = tuple(v.start for v in p.values)
            try:
                self.values[p.name] = rt.at(starts, p.values, on, p.name).value
            except rt.NotInForce:
                continue
        self.kinds = {p.name: p for p in policy.parameters}

    def depends(self, node: Node, name: str, seen: frozenset = frozenset()) -> bool:
        """Whether `node` reads input `name`, directly or through another formula."""
        if isinstance(node, Name):
            if node.name == name:
                return True
            if node.name in self.trees and node.name not in seen:
                tree = self.trees[node.name]
                return tree is not None and self.depends(tree, name, seen | {node.name})
            return False
        return any(self.depends(c, name, seen) for c in children(node))

    # -- linear forms ------------------------------------------------------------------------

    def linear(self, node: Node) -> Linear | None:
        if isinstance(node, Number):
            return {}, Fraction(node.value)
        if isinstance(node, Name):
            if node.name in self.trees:
                tree = self.trees[node.name]
                return self.linear(tree) if tree is not None else None
            field = self.inputs.get(node.name)
            if field is not None:
                return ({node.name: Fraction(1)}, Fraction(0)) if _numeric(field) else None
            value = self.values.get(node.name)
            return ({}, Fraction(value)) if isinstance(value, Decimal) else None
        if isinstance(node, Unary) and node.op == "-":
            inner = self.linear(node.operand)
            return _scaled(inner, Fraction(-1)) if inner else None
        if isinstance(node, Binary) and node.op in "+-*/":
            left, right = self.linear(node.left), self.linear(node.right)
            if left is None or right is None:
                return None
            if node.op == "+":
                return _sum(left, right, 1)
            if node.op == "-":
                return _sum(left, right, -1)
            if node.op == "*":
                if not right[0]:
                    return _scaled(left, right[1])
                if not left[0]:
                    return _scaled(right, left[1])
                return None
            if not right[0] and right[1] != 0:
                return _scaled(left, 1 / right[1])
        return None

    def least(self, form: Linear) -> Fraction | None:
        """The least value of `form` over the inputs' declared bounds; None: no least value."""
        coefficients, total = form
        for name, c in coefficients.items():
            field = self.inputs[name]
            end = field.minimum if c > 0 else field.maximum
            if c == 0:
                continue
            if end is None:
                return None
            total += c * Fraction(end)
        return total

    # -- f ≥ g -------------------------------------------------------------------------------

    def at_least(self, f: Node, g: Node) -> bool:
        """Proved: `f ≥ g` for every case within the inputs' bounds."""
        f, g = self._open(f), self._open(g)
        lf, lg = self.linear(f), self.linear(g)
        if lf is not None and lg is not None:
            least = self.least(_sum(lf, lg, -1))
            if least is not None and least >= 0:
                return True
        if isinstance(f, Call) and f.function in ("max", "min", "clamp"):
            args = _min_max_args(f)
            if f.function == "max":
                return any(self.at_least(a, g) for a in args)
            if f.function == "min":
                return all(self.at_least(a, g) for a in args)
            value, low, high = f.args
            # clamp(x, low, high) = min(max(x, low), high) wherever it is not refused
            return (self.at_least(value, g) or self.at_least(low, g)) and self.at_least(high, g)
        if isinstance(g, Call) and g.function in ("max", "min"):
            if g.function == "max":
                return all(self.at_least(f, a) for a in g.args)
            return any(self.at_least(f, a) for a in g.args)
        if isinstance(f, Conditional):
            return self.at_least(f.then, g) and self.at_least(f.otherwise, g)
        if isinstance(g, Conditional):
            return self.at_least(f, g.then) and self.at_least(f, g.otherwise)
        if isinstance(f, Call) and f.function in ("round", "floor", "ceil"):
            return False  # rounding can take a value below the bound by part of a unit
        return False

    def _open(self, node: Node) -> Node:
        """A formula's name stands for its tree."""
        while isinstance(node, Name) and node.name in self.trees:
            tree = self.trees[node.name]
            if tree is None:
                break
            node = tree
        return node

    # -- direction ---------------------------------------------------------------------------

    def direction(self, node: Node, x: str) -> int | None:
        """+1: never falls as input `x` rises; -1: never rises; 0: does not depend on it;
        None: not proved by the form."""
        node = self._open(node)
        if not self.depends(node, x):
            return 0
        if isinstance(node, Name):
            return 1 if node.name == x else None
        if isinstance(node, Unary) and node.op == "-":
            inner = self.direction(node.operand, x)
            return -inner if inner is not None else None
        if isinstance(node, Binary) and node.op in ("+", "-"):
            left, right = self.direction(node.left, x), self.direction(node.right, x)
            if left is None or right is None:
                return None
            return _combine(left, right if node.op == "+" else -right)
        if isinstance(node, Binary) and node.op in ("*", "/"):
            for varying, factor in ((node.left, node.right), (node.right, node.left)):
                if self.depends(factor, x) or (node.op == "/" and factor is node.left):
                    continue
                sign = self._sign(factor)
                inner = self.direction(varying, x)
                if sign is None or inner is None:
                    return None
                if node.op == "/" and sign == 0:
                    return None
                return inner * sign
            return None
        if isinstance(node, Call) and node.function in ("min", "max", "clamp"):
            directions = [self.direction(a, x) for a in node.args]
            result = 0
            for d in directions:
                if d is None:
                    return None
                combined = _combine(result, d)
                if combined is None:
                    return None
                result = combined
            return result
        if isinstance(node, Call) and node.function in ("round", "floor", "ceil"):
            return self.direction(node.args[0], x)  # each of them never falls as its value rises
        if isinstance(node, Call) and node.function == "scale":
            inner = self.direction(node.args[1], x)
            scale = self._scale_direction(node.args[0].name)
            if inner is None or scale is None:
                return None
            return inner * scale
        if isinstance(node, Conditional) and not self.depends(node.condition, x):
            then, otherwise = self.direction(node.then, x), self.direction(node.otherwise, x)
            return _combine(then, otherwise) if then is not None and otherwise is not None else None
        return None

    def _sign(self, node: Node) -> int | None:
        """+1 when `node` is at least 0 for every case in bounds, -1 when at most 0."""
        form = self.linear(node)
        if form is not None:
            if (least := self.least(form)) is not None and least >= 0:
                return 1
            negated = _scaled(form, Fraction(-1))
            if (least := self.least(negated)) is not None and least >= 0:
                return -1
            return None
        if isinstance(node, Binary) and node.op == "*":
            left, right = self._sign(node.left), self._sign(node.right)
            return left * right if left is not None and right is not None else None
        return None

    def _scale_direction(self, name: str) -> int | None:
        parameter, brackets = self.kinds.get(name), self.values.get(name)
        if parameter is None or not isinstance(brackets, tuple):
            return None
        if parameter.method == "marginal":
            rates = [b.rate for b in brackets]
            if all(r is not None and r >= 0 for r in rates):
                return 1
            if all(r is not None and r <= 0 for r in rates):
                return -1
            return None
        amounts = [b.amount for b in brackets]
        if any(a is None for a in amounts):
            return None
        known = [a for a in amounts if a is not None]
        if all(a <= b for a, b in zip(known, known[1:], strict=False)):
            return 1
        if all(a >= b for a, b in zip(known, known[1:], strict=False)):
            return -1
        return None


def _numeric(field: InputField) -> bool:
    return field.type in ("number", "integer")


def _scaled(form: Linear, factor: Fraction) -> Linear:
    return {k: v * factor for k, v in form[0].items()}, form[1] * factor


def _sum(left: Linear, right: Linear, sign: int) -> Linear:
    coefficients = dict(left[0])
    for k, v in right[0].items():
        coefficients[k] = coefficients.get(k, Fraction(0)) + sign * v
    return coefficients, left[1] + sign * right[1]


def _combine(a: int, b: int) -> int | None:
    if a == 0 or a == b:
        return b
    if b == 0:
        return a
    return None


def _min_max_args(node: Call) -> tuple:
    return node.args
