"""Actual figures scored against the year targets of higher documents (`ratebook indicators`).

A target (`targets:` in `constraints/<area>/<name>.yaml`) is a figure a whole population or
administration is to reach by a deadline: 1,000,000 new urban jobs in Jiangsu in 2012, an
average resident pension of 180 yuan by 2025. It is never checked on a case; it is scored on
the actual figure an officer reports. A file of actual figures (CSV or XLSX) has one row per
figure: the indicator (its id, its name in its document, or its Chinese or English label),
the value (in the target's unit: `95%`, `100万`) and the date the figure is as of. Each row is
scored met, not met or not yet due (a figure dated before the deadline), or left unscored
when the target says "about" (左右) with no tolerance; a row that cannot be read is a finding
at its line or cell, and then nothing is scored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from generator.core import values as V
from generator.core.findings import Finding, finding
from generator.core.location import Location
from generator.core.workbook_layout import squeeze
from generator.model.constraints import ConstraintDocument, Target

# the header words of each column, compared squeezed (case, spaces and punctuation ignored)
COLUMNS = {
    "indicator": ("indicator", "指标", "target", "目标", "id"),
    "value": ("value", "数值", "实际值", "实际", "actual"),
    "as_of": ("as_of", "as of", "截至日期", "截至", "日期", "date", "on"),
}
STATUS_KEYS = {
    "met": "indicators.met",
    "not_met": "indicators.not-met",
    "not_yet_due": "indicators.not-yet-due",
    "unscored": "indicators.unscored",
}


@dataclass(frozen=True)
class Actual:
    place: Location
    document: ConstraintDocument
    target: Target
    value: Decimal
    as_of: dt.date

    @property
    def status(self) -> str:
        kept = self.target.bound.holds(self.value)
        if kept is None:
            return "unscored"
        if self.as_of < self.target.deadline:
            return "not_yet_due"
        return "met" if kept else "not_met"


def targets_by_word(documents: list[ConstraintDocument]) -> dict[str, list[tuple]]:
    """Every word a row may name a target by → the (document, target) pairs it names."""
    found: dict[str, list[tuple]] = {}
    for document in documents:
        for target in document.targets:
            for word in {target.id, target.name, target.label.zh, target.label.en}:
                if word:
                    found.setdefault(word.strip(), []).append((document, target))
    return found


def read_actuals(
    path: Path, shown: str, documents: list[ConstraintDocument], encoding: str | None = None
) -> tuple[list[Actual], list[Finding]]:
    """The rows of an actual-figures file, each matched to its target, or the findings."""
    if path.suffix.lower() == ".xlsx":
        rows, problems = _xlsx_rows(path, shown)
    else:
        rows, problems = _csv_rows(path, shown, encoding)
    if problems:
        return [], problems
    header = next(((place, cells) for place, cells in rows if any(_text(c) for c in cells)), None)
    if header is None:
        return [], [finding("indicators.empty", Location(shown))]
    header_place, header_cells = header
    columns: dict[str, int] = {}
    for index, cell in enumerate(header_cells):
        name = squeeze(_text(cell))
        for key, words in COLUMNS.items():
            if name and name in {squeeze(w) for w in words} and key not in columns:
                columns[key] = index
    missing = [k for k in COLUMNS if k not in columns]
    if missing:
        return [], [
            finding(
                "indicators.columns",
                header_place,
                missing=", ".join(missing),
                found=", ".join(_text(c) for c in header_cells if _text(c)) or "-",
            )
        ]
    by_word = targets_by_word(documents)
    actuals: list[Actual] = []
    findings: list[Finding] = []
    after = False
    for place, cells in rows:
        if place == header_place:
            after = True
            continue
        if not after or not any(_text(c) for c in cells):
            continue

        def cell(key: str, cells=cells) -> object:
            index = columns[key]
            return cells[index] if index < len(cells) else None

        word = _text(cell("indicator"))
        named = by_word.get(word, [])
        if len(named) > 1:
            choices = ", ".join(sorted(t.id for _, t in named))
            findings.append(finding("indicators.ambiguous", place, word=word, choices=choices))
            continue
        if not named:
            findings.append(
                finding(
                    "indicators.unknown",
                    place,
                    word=word,
                    close=V.did_you_mean(word, sorted(by_word)),
                )
            )
            continue
        document, target = named[0]
        try:
            value = V.read_number(cell("value"), target.bound.unit)
            as_of = V.read_date(cell("as_of"))
        except V.Refusal as refusal:
            findings.append(finding("indicators.value", place, word=word, reason=refusal.reason))
            continue
        if value is None or as_of is None:
            findings.append(finding("indicators.missing", place, word=word))
            continue
        actuals.append(Actual(place, document, target, value, as_of))
    return actuals, findings


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _csv_rows(path: Path, shown: str, encoding: str | None):
    from generator.core.errors import RatebookError
    from generator.core.text_encoding import read_text

    try:
        text = read_text(path, encoding, shown)
    except OSError as exc:
        return [], [finding("unreadable", Location(shown), reason=exc.strerror)]
    except RatebookError as error:
        return [], error.findings
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    line = 1
    try:
        for cells in reader:
            rows.append((Location(shown, line), cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        return [], [finding("csv-syntax", Location(shown, reader.line_num), reason=str(exc))]
    return rows, []


def _xlsx_rows(path: Path, shown: str):
    """The first sheet's rows, each placed at its first cell (file!sheet!A7)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [finding("unreadable.workbook", Location(shown), reason=str(exc))]
    try:
        sheet = book.worksheets[0]
        rows = [
            (Location(shown, sheet=sheet.title, cell=f"A{number}"), list(values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()
    return rows, []
