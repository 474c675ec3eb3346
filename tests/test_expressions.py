"""The formula language: what parses, to what, and where errors point."""

from __future__ import annotations

from decimal import Decimal

import pytest

from generator.core.units import Unit
from generator.formula.syntax import (
    Binary,
    Call,
    Conditional,
    FormulaError,
    Name,
    Number,
    Text,
    names_in,
    parse,
)


def test_percentages_are_exact_fractions():
    node = parse("30%")
    assert isinstance(node, Number) and node.value == Decimal("0.3")


def test_multiplication_binds_tighter_than_addition_and_comparison_looser():
    node = parse("a + b * c >= 2")
    assert isinstance(node, Binary) and node.op == ">="
    assert node.left.op == "+" and node.left.right.op == "*"


def shape(node):
    """The tree without character offsets, to compare spellings of one formula."""
    if isinstance(node, tuple):
        return tuple(shape(n) for n in node)
    if not hasattr(node, "offset"):
        return node
    fields = {k: shape(v) for k, v in vars(node).items() if k != "offset" and k != "text"}
    return (type(node).__name__, tuple(sorted(fields.items())))


def test_officers_operator_spellings_mean_the_same():
    assert shape(parse("a × b ÷ c ≤ d")) == shape(parse("a * b / c <= d"))
    assert shape(parse("a == b")) == shape(parse("a = b"))
    assert shape(parse("a ≠ b")) == shape(parse("a != b")) == shape(parse("a <> b"))


def test_if_then_else_parses_to_a_conditional():
    node = parse('if scheme = "employee" then 1 else 2')
    assert isinstance(node, Conditional)
    assert isinstance(node.condition.right, Text) and node.condition.right.value == "employee"


def test_lookups_are_calls_with_the_parameter_name_first():
    node = parse("scale(employee_scale, out_of_pocket)")
    assert isinstance(node, Call) and node.function == "scale"
    assert names_in(node) == {"employee_scale", "out_of_pocket"}


@pytest.mark.parametrize(
    "text, message, offset",
    [
        ("a + ", "expected a value", 4),
        ("a + foo(1)", "unknown function 'foo'", 4),
        ("a $ b", "unexpected character '$'", 2),
        ("(a + b", "expected ')'", 6),
        ("if a then b", "expected 'else'", 11),
        ("1 < a < 3", "chained comparisons", 6),
        ("a b", "unexpected 'b'", 2),
        ("__import__('os')", "unknown function '__import__'", 0),
    ],
)
def test_syntax_errors_name_the_column(text, message, offset):
    with pytest.raises(FormulaError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.offset == offset


def test_python_attribute_access_is_not_part_of_the_language():
    with pytest.raises(FormulaError):
        parse("a.__class__")


def test_units_combine_by_multiplication_and_division():
    per_person_month = Unit.parse("yuan/person/month")
    assert per_person_month * Unit.parse("person") * Unit.parse("month") == Unit.parse("yuan")
    assert Unit.parse("yuan") / Unit.parse("yuan") == Unit.parse("1")
    assert str(Unit.parse("yuan/month")) == "yuan/month"
    assert Name(0, "x") == Name(0, "x")
