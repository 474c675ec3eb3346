"""Units as a person reads them: 元/月 and 平方米 in Chinese, yuan/month and m² in English.

A policy names its units by ids (`yuan/month`, `m2`, `month`), which stay in whatever
machines read (JSON, JSON Schema, generated modules). Wherever a unit is shown to a person
(a message, `eval`'s lines, `--explain`'s steps, the desk, the rule book) it is shown by its label from the
catalogue: each base unit has one as a count (`6 个月`, `6 months`) and one after a slash
(`元/月`, `yuan/month`). A unit the catalogue does not know is shown by its id.
Standard library only (the one-case `eval` path uses it).
"""

from __future__ import annotations

from decimal import Decimal

from generator.core.messages import CHINESE, current_language, words

# base unit -> (its label as a count, its label after "/"), each a catalogue key
UNIT_KEYS = {
    "yuan": ("unit.yuan", "unit.yuan"),
    "m2": ("unit.m2", "unit.m2"),
    "month": ("unit.month", "unit.month.per"),
    "year": ("unit.year", "unit.year.per"),  # a duration: 15年 of contributions
    "age": ("unit.age", "unit.age.per"),  # an age in completed years: 60岁
    "person": ("unit.person", "unit.person.per"),
    "place": ("unit.place", "unit.place.per"),
}


def _base(base: str, per: bool) -> str:
    keys = UNIT_KEYS.get(base)
    if keys is None:
        return base
    return _say(keys[1] if per else keys[0])


def _say(key: str) -> str:
    """A unit's label: `key` is one of UNIT_KEYS' literal catalogue keys."""
    return words(key)


def unit_label(unit: str | None) -> str:
    """`yuan/person/month` -> 元/人/月 (zh) or yuan/person/month (en); `m2` -> 平方米 or m²;
    a pure number (`1`, empty) -> empty."""
    text = (unit or "").strip()
    if text in ("", "1"):
        return ""
    top, *bottom = text.split("/")
    shown_top = "·".join(_base(b, per=bool(bottom)) for b in top.split("*") if b)
    return "/".join([shown_top, *(_base(b, per=True) for b in bottom)])


def amount(value: object, unit: str | None) -> str:
    """A number with its unit as a person reads it: `200平方米`, `6个月`, `70元/月` in
    Chinese; `200 m²`, `6 months`, `1 month`, `70 yuan/month` in English. A Decimal is
    written as an officer writes it (no exponent, no trailing zeros of a whole number)."""
    number = _plain(value)
    label = unit_label(unit)
    if not label:
        return number
    if current_language() == CHINESE:
        return f"{number}{label}"
    text = (unit or "").strip()
    if "/" not in text and "*" not in text and number == "1" and text in UNIT_KEYS:
        label = _say(UNIT_KEYS[text][1])  # one month, one person
    return f"{number} {label}"


def _plain(value: object) -> str:
    if isinstance(value, bool):  # a person reads 是/否 (yes/no), not Python's True/False
        return words("value.yes" if value else "value.no")
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return format(value.quantize(Decimal(1)), "f")
        return format(value.normalize(), "f")
    return str(value)


class Amount:
    """A number with its unit, shown as `amount` shows it when a message is rendered (so a
    finding made before the language is known still speaks the language it is shown in)."""

    __slots__ = ("value", "unit")

    def __init__(self, value: object, unit: str | None):
        self.value = value
        self.unit = unit

    def __str__(self) -> str:
        return amount(self.value, self.unit)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Amount({self.value!r}, {self.unit!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Amount):
            return (self.value, self.unit) == (other.value, other.unit)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.value, self.unit))


class UnitLabel:
    """A unit shown by `unit_label` when a message is rendered, in that moment's language."""

    __slots__ = ("unit",)

    def __init__(self, unit: str | None):
        self.unit = unit

    def __str__(self) -> str:
        return unit_label(self.unit) or (self.unit or "")

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"UnitLabel({self.unit!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, UnitLabel):
            return self.unit == other.unit
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.unit)
