"""An uploaded workbook's sheets drawn as HTML tables, with the cells that have a problem marked.

A finding of a workbook carries its place as `file!Sheet!C4` (`Location.sheet`, `.cell`); the
desk draws each sheet that has a finding (then the others) as a grid with Excel's column
letters and row numbers, marks the cells named by a finding and links each finding to its
cell, so an officer sees the wrong cell where it sits in the sheet. The workbook is read from
the uploaded bytes in memory (openpyxl, read-only, values as saved); a sheet is drawn up to a
bound of rows and columns, and says so when it is cut.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

MAX_ROWS = 200
MAX_COLUMNS = 40
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")


def column_letters(number: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def cell_position(coordinate: str) -> tuple[int, int] | None:
    """`C4` -> (4, 3); None for anything that is not one cell."""
    match = _CELL.match(coordinate.strip().upper())
    if not match:
        return None
    return int(match.group(2)), column_number(match.group(1))


def anchor(sheet_index: int, coordinate: str = "") -> str:
    """A page-unique id for a sheet or a cell (sheet titles may hold any character)."""
    return f"sheet-{sheet_index}" + (f"-{coordinate.upper()}" if coordinate else "")


@dataclass
class Cell:
    coordinate: str
    text: str
    marks: list[str] = field(default_factory=list)  # the words of the findings at this cell


@dataclass
class Sheet:
    title: str
    index: int
    columns: list[str]
    rows: list[tuple[int, list[Cell]]]
    marked: int
    cut: bool
    unplaced: list[str] = field(default_factory=list)  # findings of marked cells beyond the bound

    @property
    def anchor(self) -> str:
        return anchor(self.index)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def draw_workbook(raw: bytes, marks: dict[tuple[str, str], list[str]]) -> list[Sheet]:
    """The sheets of the workbook `raw`, each cell with the words of the findings placed on it
    (`marks`: (sheet title, cell) -> words). Sheets with a marked cell come first. Raises what
    openpyxl raises for bytes that are no workbook (the findings already say why)."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        sheets = []
        for index, worksheet in enumerate(workbook.worksheets):
            wanted = {
                position: words
                for (title, cell), words in marks.items()
                if title == worksheet.title
                for position in [cell_position(cell)]
                if position
            }
            grid: dict[tuple[int, int], Any] = {}
            for row in worksheet.iter_rows(min_row=1, max_row=MAX_ROWS, max_col=MAX_COLUMNS):
                for cell in row:
                    if hasattr(cell, "row") and cell.value is not None:
                        grid[cell.row, cell.column] = cell.value
            used = list(grid) + list(wanted)
            last_row = min(max([r for r, _ in used] + [1]), MAX_ROWS)
            last_column = min(max([c for _, c in used] + [1]), MAX_COLUMNS)
            columns = [column_letters(c) for c in range(1, last_column + 1)]
            rows = []
            for r in range(1, last_row + 1):
                cells = []
                for c in range(1, last_column + 1):
                    coordinate = f"{column_letters(c)}{r}"
                    cells.append(Cell(coordinate, _text(grid.get((r, c))), wanted.get((r, c), [])))
                rows.append((r, cells))
            unplaced = [
                f"{column_letters(c)}{r}: {w}"
                for (r, c), words in wanted.items()
                if r > last_row or c > last_column
                for w in words
            ]
            cut = (worksheet.max_row or 0) > MAX_ROWS or (worksheet.max_column or 0) > MAX_COLUMNS
            sheets.append(Sheet(worksheet.title, index, columns, rows, len(wanted), cut, unplaced))
    finally:
        workbook.close()
    return sorted(sheets, key=lambda s: (s.marked == 0, s.index))
