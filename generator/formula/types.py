"""Static types and units of formulas, so mistakes surface at validation, not on a case.

A formula's value is a number with a unit, a boolean, an enum value, a date, or (only as a
literal) text. Each problem is reported with the offset of the node that caused it, which
the caller turns into a line and column in the policy file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from generator.core.messages import Message
from generator.core.units import DIMENSIONLESS, Unit
from generator.formula.registry import BY_NAME, REGISTRY, Function
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


class Checker(FormulaVisitor[Node]):
    """Types a formula tree once; `report(message, offset)` collects problems, each a
    catalogue `Message` and the offset of the node that caused it.

    `check` returns a typed copy of the tree: every node's `type` set where it is known, and
    each valid comparison of enum values rewritten into an `EnumTest` (its text literal into
    an `EnumValue`). That copy is what the backends read (see `generator/model/typed.py`).
    A function call is typed by its registered type rule, a `type_<rule>` method here.
    """

    def __init__(self, names: dict, parameters: dict, report, failed: set | None = None):
        self.names = names  # name -> Type (inputs, amounts, rates, other formulas)
        self.parameters = parameters  # name -> Parameter, for scale() and table()
        self.report = report
        self.failed = failed or set()  # formulas already reported broken: no second message

    @classmethod
    def required_call_methods(cls) -> list[str]:
        return sorted({f"type_{f.type_rule}" for f in REGISTRY})

    def check(self, node: Node) -> Node:
        """The typed tree of `node`; its `.type` is None when a problem was reported."""
        return self.visit(node)

    def visit_number(self, node: Number) -> Node:
        return replace(node, type=number(None))

    def visit_text(self, node: Text) -> Node:
        return replace(node, type=Type("text", origin=node.value))

    def visit_boolean(self, node: Boolean) -> Node:
        return replace(node, type=BOOLEAN)

    def visit_enum_value(self, node: EnumValue) -> Node:
        return node  # made by this checker: already typed

    def visit_enum_test(self, node: EnumTest) -> Node:
        return node  # made by this checker: already typed

    def visit_name(self, node: Name) -> Node:
        return replace(node, type=self._name_type(node))

    def _name_type(self, node: Name) -> Type | None:
        if node.name in self.names:
            return self.names[node.name]
        if node.name in self.failed:
            return None
        parameter = self.parameters.get(node.name)
        if parameter is not None and parameter.unnumbered:
            self.report(Message("type.unnumbered", name=node.name), node.offset)
            return None
        if parameter is not None and parameter.kind in ("scale", "table"):
            self.report(
                Message("type.lookup-needed", name=node.name, kind=parameter.kind), node.offset
            )
            return None
        known = ", ".join(sorted(self.names)) or Message("words.none")
        self.report(Message("type.unknown-name", name=node.name, known=known), node.offset)
        return None

    def visit_unary(self, node: Unary) -> Node:
        operand = self.visit(node.operand)
        return replace(node, operand=operand, type=self._unary_type(node, operand))

    def _unary_type(self, node: Unary, operand: Node) -> Type | None:
        if operand.type is None:
            return None
        if node.op == "not":
            return self._expect_boolean(operand.type, operand, "'not'") and BOOLEAN or None
        if operand.type.kind != "number":
            self.report(Message("type.negate-number", type=operand.type), node.offset)
            return None
        return operand.type

    def visit_binary(self, node: Binary) -> Node:
        typed = replace(node, left=self.visit(node.left), right=self.visit(node.right))
        left, right = typed.left.type, typed.right.type
        if left is None or right is None:
            return typed
        op = node.op
        if op in ("and", "or"):
            ok = self._expect_boolean(left, typed.left, f"'{op}'") & self._expect_boolean(
                right, typed.right, f"'{op}'"
            )
            return replace(typed, type=BOOLEAN) if ok else typed
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return self._comparison(typed, left, right)
        if left.kind != "number" or right.kind != "number":
            bad = left if left.kind != "number" else right
            self.report(Message("type.operator-numbers", op=op, type=bad), node.offset)
            return typed
        if op in ("+", "-"):
            unit = self._same_unit([left, right], node, f"'{op}'")
            return typed if unit is False else replace(typed, type=number(unit))
        if left.unit is None and right.unit is None:
            return replace(typed, type=number(None))
        lu, ru = left.unit or DIMENSIONLESS, right.unit or DIMENSIONLESS
        return replace(typed, type=number(lu * ru if op == "*" else lu / ru))

    def visit_conditional(self, node: Conditional) -> Node:
        typed = replace(
            node,
            condition=self.visit(node.condition),
            then=self.visit(node.then),
            otherwise=self.visit(node.otherwise),
        )
        if typed.condition.type is not None:
            self._expect_boolean(typed.condition.type, typed.condition, "'if'")
        then, otherwise = typed.then.type, typed.otherwise.type
        if then is None or otherwise is None:
            return typed
        return replace(typed, type=self._unify(then, otherwise, node, Message("words.if-branches")))

    # -- functions: each typed by its registered rule -------------------------------------------

    def visit_call(self, node: Call) -> Node:
        function = BY_NAME[node.function]
        return getattr(self, f"type_{function.type_rule}")(node, function)

    def _numbers(self, node: Call, function: Function) -> tuple[Call, list[Type] | None]:
        """The call with its arguments typed, and their types when all are numbers."""
        f, args = node.function, node.args
        if not function.accepts(len(args)):
            low, high = function.min_args, function.max_args
            key = "type.argument-count" if low == high else "type.argument-count-at-least"
            self.report(Message(key, function=f, wanted=low, given=len(args)), node.offset)
            return node, None
        typed = replace(node, args=tuple(self.visit(a) for a in args))
        types = [a.type for a in typed.args]
        if any(t is None for t in types):
            return typed, None
        for t, a in zip(types, typed.args, strict=True):
            if t.kind != "number":
                self.report(Message("type.function-numbers", function=f, type=t), a.offset)
                return typed, None
        return typed, types

    def type_same_unit(self, node: Call, function: Function) -> Node:
        typed, types = self._numbers(node, function)
        if types is None:
            return typed
        unit = self._same_unit(types, node, f"{node.function}()")
        return typed if unit is False else replace(typed, type=number(unit))

    def type_first_unit(self, node: Call, function: Function) -> Node:
        typed, types = self._numbers(node, function)
        return typed if types is None else replace(typed, type=types[0])

    def type_round_places(self, node: Call, function: Function) -> Node:
        typed, types = self._numbers(node, function)
        if types is None:
            return typed
        places = node.args[1]
        if (
            not isinstance(places, Number)
            or places.value != places.value.to_integral_value()
            or not 0 <= places.value <= 6
        ):
            self.report(Message("type.round-places"), places.offset)
            return typed
        return replace(typed, type=types[0])

    def type_date_literal(self, node: Call, function: Function) -> Node:
        args = node.args
        if not function.accepts(len(args)) or not isinstance(args[0], Text):
            self.report(Message("type.date-argument"), node.offset)
            return node
        try:
            dt.date.fromisoformat(args[0].value)
        except ValueError:
            self.report(Message("type.not-a-date", text=args[0].value), args[0].offset)
            return node
        return replace(node, type=DATE)

    def type_scale_lookup(self, node: Call, function: Function) -> Node:
        parameter, typed = self._lookup(node, function)
        if parameter is None:
            return typed
        key = typed.args[1].type
        if key.kind != "number":
            self.report(
                Message("type.scale-number", name=parameter.name, type=key), node.args[1].offset
            )
            return typed
        input_unit = Unit.parse(parameter.input_unit or "1")
        if key.unit is not None and key.unit != input_unit:
            self.report(
                Message("type.scale-unit", name=parameter.name, expected=input_unit, unit=key.unit),
                node.args[1].offset,
            )
            return typed
        uses_amounts = any(b.amount is not None for v in parameter.values for b in v.value or ())
        if uses_amounts:
            return replace(typed, type=number(Unit.parse(parameter.output_unit or "1")))
        return replace(typed, type=number(input_unit))

    def type_table_lookup(self, node: Call, function: Function) -> Node:
        parameter, typed = self._lookup(node, function)
        if parameter is None:
            return typed
        key = typed.args[1].type
        if key.kind != "enum" or key.origin != parameter.key:
            self.report(
                Message("type.table-key", name=parameter.name, key=parameter.key, type=key),
                node.args[1].offset,
            )
            return typed
        return replace(typed, type=number(Unit.parse(parameter.unit or "1")))

    def _lookup(self, node: Call, function: Function):
        """(the parameter, the call with its key typed) of scale(NAME, x) or table(NAME, key);
        the parameter is None when a problem was reported. NAME stays an untyped Name."""
        f, args = node.function, node.args
        if not function.accepts(len(args)) or not isinstance(args[0], Name):
            self.report(Message("type.lookup-arguments", function=f), node.offset)
            return None, node
        parameter = self.parameters.get(args[0].name)
        if parameter is None or parameter.kind != f:
            kinds = sorted(p.name for p in self.parameters.values() if p.kind == f)
            self.report(
                Message(
                    "type.not-a-lookup",
                    name=args[0].name,
                    function=f,
                    known=", ".join(kinds) or Message("words.none"),
                ),
                args[0].offset,
            )
            return None, node
        if parameter.unnumbered:
            self.report(Message("type.lookup-unnumbered", name=parameter.name), args[0].offset)
            return None, node
        typed = replace(node, args=(args[0], self.visit(args[1])))
        if typed.args[1].type is None:
            return None, typed
        return parameter, typed

    # -- helpers ---------------------------------------------------------------------------

    def _expect_boolean(self, t: Type, node: Node, what: object) -> bool:
        if t.kind != "boolean":
            self.report(Message("type.needs-boolean", what=what, type=t), node.offset)
            return False
        return True

    def _same_unit(self, types: list, node: Node, what: object):
        units = {t.unit for t in types if t.unit is not None}
        if len(units) > 1:
            shown = " and ".join(sorted(str(u) for u in units))
            self.report(Message("type.mixed-units", what=what, units=shown), node.offset)
            return False
        return units.pop() if units else None

    def _unify(self, a: Type, b: Type, node: Node, what: object) -> Type | None:
        if a.kind == "number" and b.kind == "number":
            unit = self._same_unit([a, b], node, what)
            return None if unit is False else number(unit)
        if a.kind == b.kind and a.kind in ("boolean", "date"):
            return a
        if a.kind == "enum" and b.kind == "enum" and a.origin == b.origin:
            return a
        self.report(Message("type.different-kinds", what=what, first=a, second=b), node.offset)
        return None

    def _comparison(self, node: Binary, left: Type, right: Type) -> Node:
        """The typed comparison: an EnumTest for enum values, else the Binary typed boolean
        (left untyped when a problem was reported)."""
        op = node.op
        if left.kind == "number" and right.kind == "number":
            ok = self._same_unit([left, right], node, f"'{op}'") is not False
            return replace(node, type=BOOLEAN) if ok else node
        for enum, other, enum_side, other_side in (
            (left, right, node.left, node.right),
            (right, left, node.right, node.left),
        ):
            if enum.kind == "enum" and other.kind == "text":
                rank = next((i for i, v in enumerate(enum.values) if str(v) == other.origin), None)
                if rank is None:
                    allowed = ", ".join(str(v) for v in enum.values)
                    self.report(
                        Message(
                            "type.not-an-enum-value",
                            text=other.origin,
                            name=enum.origin,
                            allowed=allowed,
                        ),
                        other_side.offset,
                    )
                    return node
                if not self._ordering_allowed(enum, op, node):
                    return node
                literal = EnumValue(
                    other_side.offset, enum.values[rank], rank, other.origin, type=enum
                )
                sides = (enum_side, literal) if enum_side is node.left else (literal, enum_side)
                return self._enum_test(node, enum, *sides)
        if left.kind == "enum" and right.kind == "enum" and left.origin == right.origin:
            if not self._ordering_allowed(left, op, node):
                return node
            return self._enum_test(node, left, node.left, node.right)
        if left.kind == right.kind and left.kind in ("boolean", "date"):
            if left.kind == "boolean" and op not in ("=", "!="):
                self.report(Message("type.order-boolean", op=op), node.offset)
                return node
            return replace(node, type=BOOLEAN)
        self.report(Message("type.incomparable", left=left, right=right), node.offset)
        return node

    def _enum_test(self, node: Binary, enum: Type, left: Node, right: Node) -> EnumTest:
        ranked = node.op not in ("=", "!=")  # _ordering_allowed let it through: enum is ordered
        return EnumTest(
            node.offset, node.op, left, right, enum.values, enum.origin, ranked, type=BOOLEAN
        )

    def _ordering_allowed(self, enum: Type, op: str, node: Node) -> bool:
        if op in ("=", "!=") or enum.ordered:
            return True
        self.report(Message("type.unordered-enum", op=op, name=enum.origin), node.offset)
        return False


def input_type(field) -> Type:
    if field.type in ("number", "integer"):
        return number(Unit.parse(field.unit or "1"))
    if field.type == "enum":
        return Type("enum", values=field.values, ordered=field.ordered, origin=field.name)
    return BOOLEAN if field.type == "boolean" else DATE
