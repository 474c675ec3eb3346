"""The policy as it is published: every dated value with the day it starts and the day it ends.

Inside ratebook a value is in force from its `from` date until the next value starts; other
systems and people want both ends written out ("from 2011-01-01 to 2012-02-29"). Every
publishing emitter reads the model through these helpers, so the JSON, the tables, the DMN,
the rule book and the manifest always agree on the ranges, and `--on DATE` (publish only the
values in force on one date) is decided in one place.

`to` is the last day a value is in force (inclusive); None means it has no end yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import overload

from generator.core.messages import words
from generator.core.unit_words import amount
from generator.model.policy import Bracket, DatedValue, Parameter, Policy, fmt

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """One dated value of a parameter with both ends of the time it is in force."""

    parameter: str
    start: dt.date
    end: dt.date | None  # last day in force, inclusive; None = open
    entry: DatedValue

    @property
    def value(self):
        return self.entry.value

    def contains(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def periods(parameter: Parameter, on: dt.date | None = None) -> list[Period]:
    """The parameter's values with their ranges; with `on`, only the one in force that day."""
    values = parameter.values
    found = []
    for index, entry in enumerate(values):
        end = values[index + 1].start - ONE_DAY if index + 1 < len(values) else None
        found.append(Period(parameter.name, entry.start, end, entry))
    if on is not None:
        found = [p for p in found if p.contains(on)]
    return found


def in_force_on(policy: Policy, on: dt.date) -> bool:
    """Whether every numbered parameter has a value on `on` (so the policy can be evaluated)."""
    return all(periods(p, on) for p in policy.parameters if p.values)


def window(policy: Policy, on: dt.date | None = None) -> tuple[dt.date | None, dt.date | None]:
    """(first day, last day) on which every published value is the same as on `on`, or, without
    `on`, the whole time the policy is in force (from its last-starting first value, no end)."""
    numbered = [p for p in policy.parameters if p.values]
    if not numbered:
        return None, None
    if on is None:
        return policy.in_force_from, None
    if not in_force_on(policy, on):
        raise ValueError(f"{policy.id} is not in force on {on.isoformat()}")
    chosen = [periods(p, on)[0] for p in numbered]
    start = max(c.start for c in chosen)
    ends = [c.end for c in chosen if c.end is not None]
    return start, (min(ends) if ends else None)


def versions(policy: Policy, on: dt.date | None = None) -> list[tuple[dt.date, dt.date | None]]:
    """The successive periods in which no value of the policy changes, from the day it is in
    force: each is one version of the rule a consumer may cache."""
    first, last = window(policy, on)
    if first is None:
        return []
    starts = sorted(
        {
            v.start
            for p in policy.parameters
            for v in p.values
            if v.start > first and (last is None or v.start <= last)
        }
        | {first}
    )
    return [
        (s, (starts[i + 1] - ONE_DAY) if i + 1 < len(starts) else last)
        for i, s in enumerate(starts)
    ]


def published_cases(policy: Policy, on: dt.date | None = None) -> list:
    """The policy's example cases; with `on`, only those dated within the published window,
    so every published case can be worked from the published values alone."""
    if on is None:
        return list(policy.cases)
    first, last = window(policy, on)
    return [
        c
        for c in policy.cases
        if c.on is not None and (first is None or first <= c.on) and (last is None or c.on <= last)
    ]


@overload
def iso(day: dt.date) -> str: ...
@overload
def iso(day: None) -> None: ...
def iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


@overload
def decimal_text(value: Decimal) -> str: ...
@overload
def decimal_text(value: None) -> None: ...
def decimal_text(value: Decimal | None) -> str | None:
    """An exact decimal as text (0.3, 20000), never a binary float; None stays None."""
    return None if value is None else fmt(value)


def bracket_condition(bracket: Bracket, variable: str = "") -> str:
    """The bracket as a reader checks it: '≥ 100 and < 200', '> 20000 and ≤ 30000', 'any value'.
    With `variable`, each side names it: 'x ≥ 100 and x < 200'."""
    prefix = f"{variable} " if variable else ""
    parts = []
    if bracket.lower is not None:
        parts.append(f"{prefix}{'≥' if bracket.lower_inclusive else '>'} {fmt(bracket.lower)}")
    if bracket.upper is not None:
        parts.append(f"{prefix}{'≤' if bracket.upper_inclusive else '<'} {fmt(bracket.upper)}")
    return " and ".join(parts) or "any value"


def value_words(parameter: Parameter, value) -> str:
    """An amount or rate as a person reads it, its unit in words: 200000元 or 200000 yuan,
    6个月, 30%."""
    if parameter.kind == "rate":
        return f"{fmt(value * 100)}%"
    return amount(fmt(value), parameter.unit)


def page_head(header: str, title, id_line: str, jurisdiction: str, source) -> list[str]:
    """The top of a rule-book page, a policy's or a higher document's: the generated-file
    header, the Chinese and English titles, the line naming its id, the jurisdiction and
    the source with its number, clause, date and seed."""
    number = words("book.source-number", number=source.number) if source.number else ""
    seed = words("book.source-seed", seed=source.seed) if source.seed else ""
    return [
        header,
        "",
        f"# {title.zh}",
        "",
        f"## {title.en}",
        "",
        id_line,
        words("book.jurisdiction", jurisdiction=jurisdiction),
        words(
            "book.source",
            title=source.title,
            number=number,
            clause=source.clause,
            date=source.date,
            seed=seed,
        ),
    ]
