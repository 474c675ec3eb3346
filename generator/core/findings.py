"""Problems found in a policy, a case or a file, kept as data until the CLI shows them.

Checks never raise on bad input: they return findings, so one run reports every problem
at once, sorted by place, instead of stopping at the first. A finding holds no sentence: its
key names a template in the message catalogue (`generator.core.messages`) and its parameters
fill it in, so the words live in one place per language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from generator.core.errors import RatebookError
from generator.core.location import Location
from generator.core.messages import render

__all__ = [
    "ERROR",
    "NOTE",
    "NOWHERE",
    "WARNING",
    "Finding",
    "Findings",
    "RatebookError",
    "closing",
    "finding",
    "summary",
]

ERROR = "error"
WARNING = "warning"
NOTE = "note"  # shown, never fails a command
NOWHERE = Location("")  # a problem of the whole run (a command's summary), not of one place

_PREFIX = {WARNING: "severity.warning", NOTE: "severity.note"}  # before the words; none for errors


@dataclass(frozen=True)
class Finding:
    key: str  # the catalogue key: the code, or "code.variant" where one code has several wordings
    location: Location
    params: Mapping[str, object] = field(default_factory=dict, hash=False)
    severity: str = ERROR

    @property
    def code(self) -> str:
        """Stable, for tests and tools: e.g. "bracket-overlap"."""
        return self.key.partition(".")[0]

    @property
    def message(self) -> str:
        return render(self.key, self.params)

    def __str__(self) -> str:
        place = str(self.location)
        prefix = _PREFIX.get(self.severity)
        text = (render(prefix, {}) if prefix else "") + self.message
        return f"{place}: {text}" if place else text

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.file, loc.sheet, loc.line, loc.column, loc.cell, self.code, self.message)


def finding(key: str, location: Location, severity: str = ERROR, /, **params: object) -> Finding:
    """A finding written the way call sites read best: `finding("bracket-gap", where, low=1)`."""
    return Finding(key, location, params, severity)


@dataclass
class Findings:
    """An ordered collection with the two questions callers ask: any errors? which?"""

    items: list[Finding] = field(default_factory=list)

    def add(self, key: str, location: Location, severity: str = ERROR, /, **params: object) -> None:
        self.items.append(Finding(key, location, params, severity))

    def extend(self, more: Iterable[Finding]) -> None:
        self.items.extend(more)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.sorted() if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.sorted() if f.severity == WARNING]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.sorted() if f.severity == NOTE]

    def sorted(self) -> list[Finding]:
        unique = {(f.code, f.message, f.location, f.severity): f for f in self.items}
        return sorted(unique.values(), key=Finding.sort_key)

    def __bool__(self) -> bool:
        return bool(self.items)


def summary(key: str, /, **params: object) -> Finding:
    """A line about the whole run ("3 error(s) in policies"), shown without a place."""
    return Finding(key, NOWHERE, params)


@contextmanager
def closing(key: str, /, **params: object) -> Iterator[None]:
    """End any RatebookError raised inside with one more summary line, e.g. what was not done
    ("platform.staffing: not exported; fix the errors above first")."""
    try:
        yield
    except RatebookError as error:
        error.findings.append(summary(key, **params))
        raise
