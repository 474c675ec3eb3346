"""Static types and units of formulas, so mistakes surface at validation, not on a case.

A formula's value is a number with a unit, a boolean, an enum value, a date, or (only as a
literal) text. Each problem is reported with the offset of the node that caused it, which
the caller turns into a line and column in the policy file.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.units import DIMENSIONLESS, Unit
from generator.formula.syntax import (
    Binary,
    Boolean,
    Call,
    Conditional,
    Name,
    Node,
    Number,
    Text,
    Unary,
)


@dataclass(frozen=True)
class Type:
    kind: str  # number | boolean | enum | text | date
    unit: Unit | None = None  # numbers only; None for a bare literal that adapts
    values: tuple = ()  # enum values
    ordered: bool = False
    origin: str = ""  # enum: the input it comes from; text: the literal

    def __str__(self) -> str:
        if self.kind == "number":
            return f"number in {self.unit}" if self.unit is not None else "number"
        if self.kind == "enum":
            return f"a value of {self.origin}"
        return self.kind


BOOLEAN = Type("boolean")
DATE = Type("date")


def number(unit: Unit | None) -> Type:
    return Type("number", unit)


class Checker:
    """Infers the type of a formula tree; `report(message, offset)` collects problems."""

    def __init__(self, names: dict, parameters: dict, report, failed: set | None = None):
        self.names = names  # name -> Type (inputs, amounts, rates, other formulas)
        self.parameters = parameters  # name -> Parameter, for scale() and table()
        self.report = report
        self.failed = failed or set()  # formulas already reported broken: no second message

    def check(self, node: Node) -> Type | None:
        method = getattr(self, "_" + type(node).__name__.lower())
        return method(node)

    def _number(self, node: Number) -> Type:
        return number(None)

    def _text(self, node: Text) -> Type:
        return Type("text", origin=node.value)

    def _boolean(self, node: Boolean) -> Type:
        return BOOLEAN

    def _name(self, node: Name) -> Type | None:
        if node.name in self.names:
            return self.names[node.name]
        if node.name in self.failed:
            return None
        parameter = self.parameters.get(node.name)
        if parameter is not None and parameter.unnumbered:
            self.report(
                f"'{node.name}' has no value: the source gives no number, so no formula can use it",
                node.offset,
            )
            return None
        if parameter is not None and parameter.kind in ("scale", "table"):
            self.report(
                f"'{node.name}' is a {parameter.kind}: write {parameter.kind}({node.name}, …)",
                node.offset,
            )
            return None
        known = ", ".join(sorted(self.names)) or "none"
        self.report(f"unknown name '{node.name}'; known names: {known}", node.offset)
        return None

    def _unary(self, node: Unary) -> Type | None:
        operand = self.check(node.operand)
        if operand is None:
            return None
        if node.op == "not":
            return self._expect_boolean(operand, node.operand, "'not'") and BOOLEAN
        if operand.kind != "number":
            self.report(f"'-' needs a number, not {operand}", node.offset)
            return None
        return operand

    def _binary(self, node: Binary) -> Type | None:
        left, right = self.check(node.left), self.check(node.right)
        if left is None or right is None:
            return None
        op = node.op
        if op in ("and", "or"):
            ok = self._expect_boolean(left, node.left, f"'{op}'") & self._expect_boolean(
                right, node.right, f"'{op}'"
            )
            return BOOLEAN if ok else None
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return BOOLEAN if self._comparable(left, right, node) else None
        if left.kind != "number" or right.kind != "number":
            bad = left if left.kind != "number" else right
            self.report(f"'{op}' needs numbers, not {bad}", node.offset)
            return None
        if op in ("+", "-"):
            unit = self._same_unit([left, right], node, f"'{op}'")
            return None if unit is False else number(unit)
        if left.unit is None and right.unit is None:
            return number(None)
        lu, ru = left.unit or DIMENSIONLESS, right.unit or DIMENSIONLESS
        return number(lu * ru if op == "*" else lu / ru)

    def _conditional(self, node: Conditional) -> Type | None:
        condition = self.check(node.condition)
        then, otherwise = self.check(node.then), self.check(node.otherwise)
        if condition is not None:
            self._expect_boolean(condition, node.condition, "'if'")
        if then is None or otherwise is None:
            return None
        return self._unify(then, otherwise, node, "the two branches of 'if'")

    def _call(self, node: Call) -> Type | None:
        f, args = node.function, node.args
        if f in ("scale", "table"):
            return self._lookup(node)
        if f == "date":
            if len(args) != 1 or not isinstance(args[0], Text):
                self.report('date() takes one text such as date("2012-07-01")', node.offset)
                return None
            import datetime as dt

            try:
                dt.date.fromisoformat(args[0].value)
            except ValueError:
                self.report(f"'{args[0].value}' is not a date (YYYY-MM-DD)", args[0].offset)
                return None
            return DATE
        counts = {
            "min": (2, None),
            "max": (2, None),
            "clamp": (3, 3),
            "round": (2, 2),
            "floor": (1, 1),
            "ceil": (1, 1),
        }
        low, high = counts[f]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = f"{low}" if low == high else f"at least {low}"
            self.report(f"{f}() takes {wanted} arguments, not {len(args)}", node.offset)
            return None
        types = [self.check(a) for a in args]
        if any(t is None for t in types):
            return None
        for t, a in zip(types, args, strict=True):
            if t.kind != "number":
                self.report(f"{f}() needs numbers, not {t}", a.offset)
                return None
        if f == "round":
            places = args[1]
            if (
                not isinstance(places, Number)
                or places.value != places.value.to_integral_value()
                or not 0 <= places.value <= 6
            ):
                self.report(
                    "round(x, places) needs a whole number of places from 0 to 6", places.offset
                )
                return None
            return types[0]
        if f in ("floor", "ceil"):
            return types[0]
        unit = self._same_unit(types, node, f"{f}()")
        return None if unit is False else number(unit)

    def _lookup(self, node: Call) -> Type | None:
        f, args = node.function, node.args
        if len(args) != 2 or not isinstance(args[0], Name):
            self.report(f"{f}() takes a {f} name and a value: {f}(NAME, x)", node.offset)
            return None
        parameter = self.parameters.get(args[0].name)
        if parameter is None or parameter.kind != f:
            kinds = sorted(p.name for p in self.parameters.values() if p.kind == f)
            self.report(
                f"'{args[0].name}' is not a {f}; {f}s here: {', '.join(kinds) or 'none'}",
                args[0].offset,
            )
            return None
        if parameter.unnumbered:
            self.report(
                f"'{parameter.name}' has no values (the source gives no number)", args[0].offset
            )
            return None
        key = self.check(args[1])
        if key is None:
            return None
        if f == "table":
            if key.kind != "enum" or key.origin != parameter.key:
                self.report(
                    f"table '{parameter.name}' is keyed by {parameter.key}, not {key}",
                    args[1].offset,
                )
                return None
            return number(Unit.parse(parameter.unit or "1"))
        if key.kind != "number":
            self.report(f"scale '{parameter.name}' needs a number, not {key}", args[1].offset)
            return None
        input_unit = Unit.parse(parameter.input_unit or "1")
        if key.unit is not None and key.unit != input_unit:
            self.report(
                f"scale '{parameter.name}' takes {input_unit}, not {key.unit}", args[1].offset
            )
            return None
        uses_amounts = any(b.amount is not None for v in parameter.values for b in v.value or ())
        if uses_amounts:
            return number(Unit.parse(parameter.output_unit or "1"))
        return number(input_unit)

    # -- helpers ---------------------------------------------------------------------------

    def _expect_boolean(self, t: Type, node: Node, what: str) -> bool:
        if t.kind != "boolean":
            self.report(f"{what} needs true/false, not {t}", node.offset)
            return False
        return True

    def _same_unit(self, types: list, node: Node, what: str):
        units = {t.unit for t in types if t.unit is not None}
        if len(units) > 1:
            shown = " and ".join(sorted(str(u) for u in units))
            self.report(f"{what} mixes units: {shown}", node.offset)
            return False
        return units.pop() if units else None

    def _unify(self, a: Type, b: Type, node: Node, what: str) -> Type | None:
        if a.kind == "number" and b.kind == "number":
            unit = self._same_unit([a, b], node, what)
            return None if unit is False else number(unit)
        if a.kind == b.kind and a.kind in ("boolean", "date"):
            return a
        if a.kind == "enum" and b.kind == "enum" and a.origin == b.origin:
            return a
        self.report(f"{what} give different kinds of value: {a} and {b}", node.offset)
        return None

    def _comparable(self, left: Type, right: Type, node: Binary) -> bool:
        op = node.op
        if left.kind == "number" and right.kind == "number":
            return self._same_unit([left, right], node, f"'{op}'") is not False
        for enum, other, other_node in ((left, right, node.right), (right, left, node.left)):
            if enum.kind == "enum" and other.kind == "text":
                if not any(str(v) == other.origin for v in enum.values):
                    allowed = ", ".join(str(v) for v in enum.values)
                    self.report(
                        f"'{other.origin}' is not a value of {enum.origin}; allowed: {allowed}",
                        other_node.offset,
                    )
                    return False
                return self._ordering_allowed(enum, op, node)
        if left.kind == "enum" and right.kind == "enum" and left.origin == right.origin:
            return self._ordering_allowed(left, op, node)
        if left.kind == right.kind and left.kind in ("boolean", "date"):
            if left.kind == "boolean" and op not in ("=", "!="):
                self.report(f"'{op}' cannot order true/false", node.offset)
                return False
            return True
        self.report(f"cannot compare {left} with {right}", node.offset)
        return False

    def _ordering_allowed(self, enum: Type, op: str, node: Node) -> bool:
        if op in ("=", "!=") or enum.ordered:
            return True
        self.report(
            f"'{op}' needs an ordered enum; {enum.origin} is not declared ordered: true",
            node.offset,
        )
        return False


def input_type(field) -> Type:
    if field.type in ("number", "integer"):
        return number(Unit.parse(field.unit or "1"))
    if field.type == "enum":
        return Type("enum", values=field.values, ordered=field.ordered, origin=field.name)
    return BOOLEAN if field.type == "boolean" else DATE
