"""Where something is in a policy source, so every message can point at it.

A YAML place is file:line:column; an Excel place is workbook!sheet!cell. The dotted path
inside the policy travels along so tests and tools can match on it without parsing text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int = 0  # 1-based; 0 when unknown
    column: int = 0  # 1-based; 0 when unknown
    sheet: str = ""
    cell: str = ""
    path: str = ""  # dotted path inside the policy, e.g. parameters.rate.values[0].value

    def __str__(self) -> str:
        if self.sheet:
            return (
                f"{self.file}!{self.sheet}!{self.cell}"
                if self.cell
                else f"{self.file}!{self.sheet}"
            )
        if self.line:
            return (
                f"{self.file}:{self.line}:{self.column}"
                if self.column
                else f"{self.file}:{self.line}"
            )
        return self.file


def dotted(path: tuple) -> str:
    """('parameters', 'rate', 'values', 0) -> 'parameters.rate.values[0]'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text
