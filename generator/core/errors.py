"""The one exception the library raises when a command cannot go on.

It carries findings (what went wrong, where, in the catalogue's words) and the exit code the
command ends with; the CLI catches it in one place, prints the findings and exits. This
module imports nothing else of ratebook (and no `dataclasses`), because that catch point is
loaded on every run of `ratebook`, including a one-case `eval` that must start fast; the
findings are made only on failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.core.findings import Finding


class RatebookError(Exception):
    """The findings to show, in order, and the exit code (1: an invalid policy, case or file;
    2: wrong usage). The library never prints or exits; it raises this."""

    def __init__(self, findings: Iterable[Finding], exit_code: int = 1):
        self.findings = list(findings)
        self.exit_code = exit_code
        super().__init__(self.findings, exit_code)

    def __str__(self) -> str:
        return "\n".join(str(f) for f in self.findings)
