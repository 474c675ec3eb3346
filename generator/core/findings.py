"""Problems found in a policy, kept as data until the CLI shows them.

Checks never raise on bad input: they return findings, so one run reports every problem
at once, sorted by place, instead of stopping at the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.core.location import Location

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str  # stable, for tests and tools: e.g. "bracket-overlap"
    message: str
    location: Location
    severity: str = ERROR

    def __str__(self) -> str:
        prefix = "" if self.severity == ERROR else "warning: "
        return f"{self.location}: {prefix}{self.message}"

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.file, loc.sheet, loc.line, loc.column, loc.cell, self.code, self.message)


@dataclass
class Findings:
    """An ordered collection with the two questions callers ask: any errors? which?"""

    items: list[Finding] = field(default_factory=list)

    def add(self, code: str, message: str, location: Location, severity: str = ERROR) -> None:
        self.items.append(Finding(code, message, location, severity))

    def extend(self, more) -> None:
        self.items.extend(more)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.sorted() if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.sorted() if f.severity == WARNING]

    def sorted(self) -> list[Finding]:
        unique = {(f.code, f.message, f.location, f.severity): f for f in self.items}
        return sorted(unique.values(), key=Finding.sort_key)

    def __bool__(self) -> bool:
        return bool(self.items)


class RatebookError(Exception):
    """Raised by the library only at its outer edge; carries the findings to show."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))
