"""The one in-memory model of a policy that every reader produces and every emitter consumes.

Readers (YAML, Excel) hand over plain data with a place map; `build_policy` turns it into
these frozen dataclasses, converting dates and percentages once, so that checks, the
interpreter and the emitters never look at source text again. Locations are kept beside
each element but excluded from equality, so a policy read from YAML and the same policy
read from a workbook compare equal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Protocol

from generator.core.findings import Finding
from generator.core.location import Location
from generator.core.units import Unit
from generator.formula.syntax import Node
from generator.model.typed import PolicyTypes, infer_types

MONEY_UNIT_BASE = "yuan"

# A value as a source writes it where the schema allows text, a number or a boolean (an
# input's default, a case's inputs and expected outputs); YAML gives Decimal for 0.3.
Scalar = str | int | Decimal | bool
EnumValue = str | int  # an enum input's values are written as text or whole numbers
PathPart = str | int  # a step of a path inside a policy document: a key or a list index


class TextPlaces(Protocol):
    """A source document that can place one character of a text value (formulas, rules),
    so that a formula's problem points at its column; the model does not import a reader."""

    def text_place(self, path: tuple[PathPart, ...], offset: int) -> Location: ...


Origin = tuple[TextPlaces, tuple[PathPart, ...]]


@dataclass(frozen=True)
class Label:
    zh: str = ""
    en: str = ""


@dataclass(frozen=True)
class InputField:
    name: str
    type: str  # number | integer | enum | boolean | date
    unit: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    values: tuple[EnumValue, ...] = ()  # enum values, in order
    ordered: bool = False
    has_default: bool = False
    default: Scalar | None = None
    label: Label = Label()
    note: str = ""
    location: Location = field(default=Location(""), compare=False)
    # an enum value's words, in the order written: (the value, or the key as written when it
    # names none of the values, which is a finding), its label
    value_labels: tuple[tuple[EnumValue, Label], ...] = ()
    value_label_locations: tuple[Location, ...] = field(default=(), compare=False)

    def value_label(self, value: EnumValue, lang: str = "zh") -> str:
        """The words for one enum value in `lang` (zh or en); the value itself when it has none."""
        for key, label in self.value_labels:
            if str(key) == str(value):
                words = label.zh if lang == "zh" else label.en
                return words or str(value)
        return str(value)

    @cached_property
    def label_values(self) -> dict[str, EnumValue]:
        """Each label text (Chinese and English, trimmed) → the enum value it names; the
        labels that would name two things (a finding in the policy) are left out."""
        ids = {str(v) for v in self.values}
        named: dict[str, set[str]] = {}
        for key, label in self.value_labels:
            for words in (label.zh.strip(), label.en.strip()):
                if words and words != str(key):
                    named.setdefault(words, set()).add(str(key))
        by_text = {str(v): v for v in self.values}
        return {
            words: by_text[next(iter(keys))]
            for words, keys in named.items()
            if len(keys) == 1 and words not in ids and next(iter(keys)) in by_text
        }


@dataclass(frozen=True)
class OutputField:
    name: str
    type: str  # number | integer | boolean
    unit: str = ""
    places: int | None = None  # rounding; None = exact (integers, booleans)
    mode: str = "half_up"
    label: Label = Label()
    note: str = ""
    location: Location = field(default=Location(""), compare=False)

    @property
    def is_money(self) -> bool:
        return self.type == "number" and is_money_unit(self.unit)


@dataclass(frozen=True)
class Bracket:
    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool
    rate: Decimal | None = None
    amount: Decimal | None = None
    note: str = ""
    location: Location = field(default=Location(""), compare=False)
    value_location: Location = field(default=Location(""), compare=False)  # of its rate or amount

    def describe(self) -> str:
        """'over 20000 up to 30000' — the words of the policy format."""
        parts = []
        if self.lower is not None:
            parts.append(f"{'at least' if self.lower_inclusive else 'over'} {fmt(self.lower)}")
        if self.upper is not None:
            parts.append(f"{'up to' if self.upper_inclusive else 'below'} {fmt(self.upper)}")
        return " ".join(parts) or "any value"

    def shown(self) -> str:
        """`describe()` in the current language: 'over 20000 up to 30000', '超过 20000、30000 以内（含）'."""
        from generator.core.messages import words

        lower = upper = ""
        if self.lower is not None:
            key = "bracket.at-least" if self.lower_inclusive else "bracket.over"
            lower = words(key, value=fmt(self.lower))
        if self.upper is not None:
            key = "bracket.up-to" if self.upper_inclusive else "bracket.below"
            upper = words(key, value=fmt(self.upper))
        if lower and upper:
            return words("bracket.both", lower=lower, upper=upper)
        return lower or upper or words("bracket.any")


# What a DatedValue holds, by its parameter's kind: an amount or a rate is a number (None
# when it was missing or not a number, already a finding); a scale is its brackets in order;
# a table is (key, value) rows, the key being the enum input's own value when one matches.
TableRow = tuple[EnumValue, Decimal | None]
ScaleValue = tuple[Bracket, ...]
TableValue = tuple[TableRow, ...]
PeriodValue = Decimal | ScaleValue | TableValue | None


@dataclass(frozen=True)
class DatedValue:
    start: dt.date
    value: PeriodValue
    note: str = ""
    location: Location = field(default=Location(""), compare=False)
    # of the value, or of each table row
    value_locations: tuple[Location, ...] = field(default=(), compare=False)

    # The backends (compilers, publishers, the interpreter) read a valid policy, in which an
    # amount's or a rate's period holds a number, a scale's its brackets and a table's rows of
    # numbers. These views give them that, typed; a period that holds something else there is
    # a bug upstream, raised rather than computed with. Checks, which also see invalid
    # policies, read `value` itself.

    @property
    def number(self) -> Decimal:
        """An amount's or a rate's value."""
        if not isinstance(self.value, Decimal):
            raise TypeError(f"the value from {self.start} is not a number: {self.value!r}")
        return self.value

    @property
    def brackets(self) -> tuple[Bracket, ...]:
        """A scale's brackets, in order."""
        value = self.value if isinstance(self.value, tuple) else ()
        brackets = tuple(b for b in value if isinstance(b, Bracket))
        if len(brackets) != len(value) or not isinstance(self.value, tuple):
            raise TypeError(f"the value from {self.start} is not a scale: {self.value!r}")
        return brackets

    @property
    def rows(self) -> tuple[tuple[EnumValue, Decimal], ...]:
        """A table's (key, value) rows, in order."""
        value = self.value if isinstance(self.value, tuple) else ()
        rows = tuple(
            (row[0], row[1])
            for row in value
            if isinstance(row, tuple) and isinstance(row[1], Decimal)
        )
        if len(rows) != len(value) or not isinstance(self.value, tuple):
            raise TypeError(f"the value from {self.start} is not a table: {self.value!r}")
        return rows


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # amount | rate | scale | table
    unit: str = ""
    method: str = ""  # scales: marginal | whole_amount
    input_unit: str = ""
    output_unit: str = ""
    key: str = ""  # tables: the enum input whose values are the keys
    maximum: Decimal | None = None
    label: Label = Label()
    clause: str = ""
    quote: str = ""
    note: str = ""
    unnumbered: bool = False
    values: tuple[DatedValue, ...] = ()  # ascending
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class Formula:
    name: str
    text: str
    tree: Node | None = field(default=None, compare=False)
    location: Location = field(default=Location(""), compare=False)
    origin: Origin | None = field(default=None, compare=False, repr=False)  # for column places


@dataclass(frozen=True)
class Check:
    rule: str
    message: str
    tree: Node | None = field(default=None, compare=False)
    location: Location = field(default=Location(""), compare=False)
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Case:
    name: str
    on: dt.date | None
    inputs: tuple[tuple[str, Scalar], ...]  # (name, value) as written
    expected: tuple[tuple[str, Scalar], ...]  # (name, value) as written
    why: str = ""
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class SubjectTo:
    """A rule of a higher jurisdiction this policy must keep, by its id (document.rule), with
    the reason when the binding is only assumed (the source does not name its province)."""

    rule: str
    assumption: str = ""
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class Property:
    """What a policy declares of its formulas and the build proves or refutes: the output
    never falls (direction up) or never rises (down) as one input rises, or stays within a
    bound written as a formula over the inputs."""

    kind: str  # monotonic | bounded
    output: str
    input: str = ""
    direction: str = ""  # up | down
    at_most: str = ""
    at_least: str = ""
    at_most_tree: Node | None = field(default=None, compare=False)
    at_least_tree: Node | None = field(default=None, compare=False)
    clause: str = ""
    quote: str = ""
    note: str = ""
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class Advisory:
    """What the source asks of an input or output only "in principle" (原则上): a case that
    breaks it is still evaluated, and the advice is shown beside its result instead of a
    refusal. `comparator` says what the figure should keep (at_least 200: the advice is
    given below 200); `word` is the source's own boundary word, read as in
    `model.constraints.WORD_COMPARATORS`."""

    name: str  # the advice's stable code
    field_name: str  # a number or integer input or output (`field` in YAML)
    comparator: str  # at_least | above | at_most | below
    word: str
    value: Decimal | None  # None: refused when read (a finding says why)
    message: Label = Label()
    clause: str = ""
    quote: str = ""
    note: str = ""
    location: Location = field(default=Location(""), compare=False)

    def row(self, unit: str) -> tuple:
        """The threshold as generated modules and the interpreter hold it (plain values):
        (code, field, comparator, word, value, unit, clause, zh message, en message)."""
        return (
            self.name,
            self.field_name,
            self.comparator,
            self.word,
            self.value,
            unit,
            self.clause,
            self.message.zh,
            self.message.en,
        )


@dataclass(frozen=True)
class Source:
    title: str
    number: str | None
    date: str
    clause: str
    seed: str = ""


@dataclass(frozen=True)
class Policy:
    id: str
    title: Label
    jurisdiction: str
    source: Source
    notes: tuple[str, ...]
    inputs: tuple[InputField, ...]
    outputs: tuple[OutputField, ...]
    parameters: tuple[Parameter, ...]
    formulas: tuple[Formula, ...]
    checks: tuple[Check, ...]
    cases: tuple[Case, ...]
    subject_to: tuple[SubjectTo, ...] = ()
    properties: tuple[Property, ...] = ()
    advice: tuple[Advisory, ...] = ()
    file: str = field(default="", compare=False)
    sha256: str = field(default="", compare=False)

    def input(self, name: str) -> InputField | None:
        return next((f for f in self.inputs if f.name == name), None)

    def output(self, name: str) -> OutputField | None:
        return next((f for f in self.outputs if f.name == name), None)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def formula(self, name: str) -> Formula | None:
        return next((f for f in self.formulas if f.name == name), None)

    def field(self, name: str) -> InputField | OutputField | None:
        """The input or output named `name` (an advisory threshold may be about either)."""
        return self.input(name) or self.output(name)

    def unit_of(self, name: str) -> str:
        """The unit of the input or output `name`; empty when it has none or is unknown."""
        field = self.field(name)
        return (field.unit or "") if field is not None else ""

    def advice_rows(self) -> tuple:
        """Every advisory threshold as `Advisory.row` gives it, with its field's unit."""
        return tuple(a.row(self.unit_of(a.field_name)) for a in self.advice if a.value is not None)

    @cached_property
    def types(self) -> PolicyTypes:
        """The type checker's result, inferred on first use and kept: every formula's and
        check's typed tree (the tree the backends walk) and the problems found."""
        return infer_types(self)

    @property
    def module_name(self) -> str:
        return self.id.replace(".", "_")

    @property
    def in_force_from(self) -> dt.date | None:
        """The first date on which every numbered parameter has a value."""
        starts = [p.values[0].start for p in self.parameters if p.values]
        return max(starts) if starts else None


def is_money_unit(unit: str) -> bool:
    return dict(Unit.parse(unit).powers).get(MONEY_UNIT_BASE) == 1 if unit else False


def fmt(value: object) -> str:
    """A Decimal as an officer writes it: 20000, 0.3, 1.5 (no exponent, no trailing zeros)."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass
class BuildResult:
    policy: Policy  # built even with errors among the findings; usable only without
    findings: list[Finding]
