"""Every function of the formula language, declared once.

The parser accepts exactly these names, the type checker applies each one's type rule, and
every backend (interpreter, Python and batch compilers, DMN writer, test-table probes) must
have a `call_<name>` method for each: `tests/test_formula_registry.py` fails when one is
missing. Adding a function starts here; the README's developer section walks through it.
"""

from __future__ import annotations

from dataclasses import dataclass

# The type rules, each a `type_<rule>` method of `generator.formula.types.Checker`:
TYPE_RULES = {
    "same_unit": "numbers in one unit; the result is in that unit",
    "first_unit": "a number; the result is in its unit",
    "round_places": "a number and a whole literal 0–6 of places; the result is in the number's unit",
    "scale_lookup": "a scale's name and a number in its input unit; the result is in its output unit",
    "table_lookup": "a table's name and a value of its key enum; the result is in the table's unit",
    "date_literal": "one text literal YYYY-MM-DD; the result is a date",
}


@dataclass(frozen=True)
class Function:
    """One function: how many arguments it takes, how it is typed, what it means."""

    name: str
    min_args: int
    max_args: int | None  # None: any number from min_args up
    type_rule: str  # a key of TYPE_RULES
    zh: str  # one line of documentation for officers, in Chinese
    en: str  # the same line in English

    def accepts(self, count: int) -> bool:
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)


REGISTRY: tuple[Function, ...] = (
    Function(
        "min", 2, None, "same_unit", "各参数中最小的值（单位相同）", "the smallest of its numbers"
    ),
    Function(
        "max", 2, None, "same_unit", "各参数中最大的值（单位相同）", "the largest of its numbers"
    ),
    Function(
        "clamp",
        3,
        3,
        "same_unit",
        "clamp(x, 下限, 上限)：把 x 限定在下限与上限之间",
        "clamp(x, low, high): x held between low and high",
    ),
    Function(
        "round",
        2,
        2,
        "round_places",
        "round(x, 位数)：四舍五入到 0 至 6 位小数",
        "round(x, places): x rounded half up to 0–6 decimal places",
    ),
    Function("floor", 1, 1, "first_unit", "向下取整", "x rounded down to a whole number"),
    Function("ceil", 1, 1, "first_unit", "向上取整", "x rounded up to a whole number"),
    Function(
        "scale",
        2,
        2,
        "scale_lookup",
        "scale(标准名, x)：按分段标准计算 x",
        "scale(NAME, x): the scale NAME applied to x",
    ),
    Function(
        "table",
        2,
        2,
        "table_lookup",
        "table(表名, 键)：查表取键对应的值",
        "table(NAME, key): the row of the lookup table NAME for an enum value",
    ),
    Function(
        "date",
        1,
        1,
        "date_literal",
        'date("2012-07-01")：日期',
        'date("2012-07-01"): a date written as text',
    ),
)

BY_NAME: dict[str, Function] = {f.name: f for f in REGISTRY}
NAMES: tuple[str, ...] = tuple(f.name for f in REGISTRY)
