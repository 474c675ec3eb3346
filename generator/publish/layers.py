"""Publish the rules of higher jurisdictions: constraints, targets, and who is bound by what.

A province's data platform wants the floors it set and the local policies they bind as data;
an officer wants to read them beside the local rule book. Each document under `constraints/`
is published as one JSON document (`json/constraints/<document>.json`, valid by
`schemas/published-constraints.schema.json`), its constraints and targets as flat rows
(`csv/constraints/constraints.csv` with a row per binding, `csv/constraints/targets.csv`, the
same rows in `xlsx/constraints.xlsx`). Each binding says whether the local policy accepts the
rule (lists it under `subject_to`) and, when that is only assumed, why. With `--on DATE` only
the constraints in force that day and the targets due that day are published (a target is
due from the day its document is dated, or the first day of its year or month when the source
gives no day, to its deadline). Pure: model in, text out; the same sources give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from generator.checks.layers import bound_words
from generator.core.messages import CHINESE, ENGLISH, render
from generator.core.version import __version__
from generator.model.constraints import Bound, Constraint, ConstraintDocument, Target
from generator.model.policy import Policy
from generator.publish.json_doc import dumps
from generator.publish.tables import CSV_BOM
from generator.publish.view import decimal_text, iso

FORMAT = "ratebook-published-constraints"
FORMAT_VERSION = 1
SCHEMA_FILE = "schemas/published-constraints.schema.json"
CONSTRAINTS_CSV = "csv/constraints/constraints.csv"
TARGETS_CSV = "csv/constraints/targets.csv"
WORKBOOK = "xlsx/constraints.xlsx"

# what a constraint's row and a target's row both say, after the document and the item's id
BOUND_COLUMNS = (
    "rule",
    "label_zh",
    "label_en",
    "clause",
    "quote",
    "comparator",
    "word",
    "value",
    "unit",
    "tolerance",
)
CONSTRAINT_COLUMNS = (
    "document",
    "constraint",
    *BOUND_COLUMNS,
    "from",
    "to",
    "measure",
    "policy",
    "parameter",
    "output",
    "relative_to",
    "subject_to",
    "assumption",
    "note",
)
TARGET_COLUMNS = ("document", "target", *BOUND_COLUMNS, "deadline", "note")


@dataclass(frozen=True)
class Layer:
    """One document as published: only what is in force on the publication's date."""

    document: ConstraintDocument
    constraints: tuple[Constraint, ...]
    targets: tuple[Target, ...]


def document_json_path(document_id: str) -> str:
    return f"json/constraints/{document_id}.json"


def document_id_of(rule: str) -> str:
    """'jiangsu.work_plan_2012.basic_pension_minimum' -> 'jiangsu.work_plan_2012' (a
    document's id has one dot, a rule's name none)."""
    return rule.rsplit(".", 1)[0]


def constraint_in_force(constraint: Constraint, on: dt.date | None) -> bool:
    return on is None or (
        constraint.start <= on and (constraint.end is None or on <= constraint.end)
    )


def target_due(document: ConstraintDocument, target: Target, on: dt.date | None) -> bool:
    """A target is published for `on` from the day its document is dated to its deadline (a
    document dated by its year or month only, from the first day of that year or month)."""
    if on is None:
        return True
    issued = document.source.date
    first = issued + "-01-01"[len(issued) - 4 :] if len(issued) in (4, 7) else issued
    if first > on.isoformat():
        return False
    return on <= target.deadline


def layers(documents: list[ConstraintDocument], on: dt.date | None = None) -> list[Layer]:
    """The documents with what of each is in force on `on`; a document with nothing in force
    that day is left out."""
    found = []
    for document in sorted(documents, key=lambda d: d.id):
        constraints = tuple(c for c in document.constraints if constraint_in_force(c, on))
        targets = tuple(t for t in document.targets if target_due(document, t, on))
        if constraints or targets or on is None:
            found.append(Layer(document, constraints, targets))
    return found


def published_rules(chosen: list[Layer]) -> dict[str, tuple[ConstraintDocument, Constraint]]:
    """Rule id -> (document, constraint), for the rules this publication holds."""
    return {c.id: (layer.document, c) for layer in chosen for c in layer.constraints}


def subject_to_entries(policy: Policy, rules: dict, on: dt.date | None) -> list[dict]:
    """The policy's `subject_to` as published in its JSON: with `--on`, only the rules in
    force that day (a rule of a document that is not published is listed without one)."""
    entries = []
    for entry in policy.subject_to:
        if on is not None and entry.rule not in rules:
            continue
        published = entry.rule in rules
        entries.append(
            {
                "rule": entry.rule,
                "assumption": entry.assumption or None,
                "document": (
                    "constraints/" + document_id_of(entry.rule) + ".json" if published else None
                ),
            }
        )
    return entries


def emit_layers(
    chosen: list[Layer],
    policies: list[Policy],
    formats: list[str],
    on: dt.date | None = None,
) -> dict[str, str | bytes]:
    """The layers' JSON documents, CSV rows and workbook (as `formats` ask)."""
    if not chosen:
        return {}
    subject = _subject_to(policies)
    files: dict[str, str | bytes] = {}
    if "json" in formats:
        for layer in chosen:
            files[document_json_path(layer.document.id)] = dumps(_document(layer, subject, on))
    constraint_rows = [row for layer in chosen for row in _constraint_rows(layer, subject)]
    target_rows = [row for layer in chosen for row in _target_rows(layer)]
    if "csv" in formats:
        files[CONSTRAINTS_CSV] = _csv(CONSTRAINT_COLUMNS, constraint_rows)
        files[TARGETS_CSV] = _csv(TARGET_COLUMNS, target_rows)
    if "xlsx" in formats:
        files[WORKBOOK] = _xlsx(constraint_rows, target_rows, on)
    return files


def _subject_to(policies: list[Policy]) -> dict[tuple[str, str], str]:
    """(policy id, rule id) -> the assumption ("" when the binding is not assumed)."""
    return {(p.id, s.rule): s.assumption for p in policies for s in p.subject_to}


def shown(bound: Bound, relative_to: str = "") -> dict:
    """The bound in words in both languages, as the findings word it."""
    words = bound_words(bound, relative_to)
    return {
        "zh": render(words.key, words.params, CHINESE),
        "en": render(words.key, words.params, ENGLISH),
    }


def _common(item: Constraint | Target) -> dict:
    bound = item.bound
    return {
        "id": item.id,
        "rule": item.rule or None,
        "label": {"zh": item.label.zh, "en": item.label.en},
        "source": {"clause": item.clause, "quote": item.quote},
        "comparator": bound.comparator,
        "word": bound.word,
        "value": decimal_text(bound.value),
        "unit": bound.unit,
        "tolerance": decimal_text(bound.tolerance),
        "shown": shown(bound),
        "note": item.note or None,
    }


def _document(layer: Layer, subject: dict, on: dt.date | None) -> dict:
    document = layer.document
    src = document.source
    return {
        "$schema": "../../" + SCHEMA_FILE,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generator": f"ratebook {__version__}",
        "id": document.id,
        "title": {"zh": document.title.zh, "en": document.title.en},
        "jurisdiction": document.jurisdiction,
        "source": {
            "title": src.title,
            "number": src.number,
            "date": src.date,
            "clause": src.clause,
            "seed": src.seed or None,
            "file": document.file,
            "sha256": document.sha256,
        },
        "on": iso(on),
        "notes": list(document.notes),
        "constraints": {
            c.name: {
                **_common(c),
                "from": iso(c.start),
                "to": iso(c.end),
                "measure": c.measure,
                "binds": [
                    {
                        "policy": b.policy,
                        "parameter": b.parameter or None,
                        "output": b.output or None,
                        "relative_to": b.relative_to or None,
                        "note": b.note or None,
                        "subject_to": (b.policy, c.id) in subject,
                        "assumption": subject.get((b.policy, c.id)) or None,
                    }
                    for b in c.binds
                ],
            }
            for c in layer.constraints
        },
        "targets": {t.name: {**_common(t), "deadline": iso(t.deadline)} for t in layer.targets},
    }


def _head(document: ConstraintDocument, item: Constraint | Target) -> tuple:
    bound = item.bound
    return (
        document.id,
        item.name,
        item.rule,
        item.label.zh,
        item.label.en,
        item.clause,
        item.quote,
        bound.comparator,
        bound.word,
        decimal_text(bound.value),
        bound.unit,
        decimal_text(bound.tolerance) or "",
    )


def _constraint_rows(layer: Layer, subject: dict) -> list[tuple]:
    """A row per binding of each constraint; a constraint that binds nothing, one row with
    the policy columns empty, so every constraint is in the table."""
    rows = []
    for c in layer.constraints:
        fixed = _head(layer.document, c) + (iso(c.start), iso(c.end) or "", c.measure)
        for b in c.binds or (None,):
            if b is None:
                rows.append(fixed + ("", "", "", "", "", "", c.note))
                continue
            accepted = (b.policy, c.id) in subject
            rows.append(
                fixed
                + (
                    b.policy,
                    b.parameter,
                    b.output,
                    b.relative_to,
                    "true" if accepted else "false",
                    subject.get((b.policy, c.id), ""),
                    "; ".join(n for n in (c.note, b.note) if n),
                )
            )
    return rows


def _target_rows(layer: Layer) -> list[tuple]:
    return [_head(layer.document, t) + (iso(t.deadline), t.note) for t in layer.targets]


def _csv(columns: tuple, rows: list[tuple]) -> str:
    """UTF-8 with the byte-order mark Excel needs, as every published CSV."""
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def _xlsx(constraint_rows: list[tuple], target_rows: list[tuple], on: dt.date | None) -> bytes:
    """The same rows as the CSV files, a sheet each; numbers as numbers, dates as dates."""
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from generator.core.xlsx_bytes import workbook_bytes

    number_columns = {"value", "tolerance"}
    date_columns = {"from", "to", "deadline"}
    workbook = Workbook()
    first = workbook.active
    assert first is not None  # a new workbook has one sheet
    workbook.remove(first)
    for title, columns, rows in (
        ("constraints", CONSTRAINT_COLUMNS, constraint_rows),
        ("targets", TARGET_COLUMNS, target_rows),
    ):
        sheet = workbook.create_sheet(title)
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            values: list[object] = []
            for name, value in zip(columns, row, strict=True):
                if name in number_columns and value:
                    values.append(Decimal(value))
                elif name in date_columns and value:
                    values.append(dt.date.fromisoformat(value))
                elif name == "subject_to" and value:
                    values.append(value == "true")
                else:
                    values.append(value if value != "" else None)
            sheet.append(values)
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
    about = workbook.create_sheet("about", 0)
    for line in (
        ("published for", iso(on) or "every constraint and target"),
        ("to", "the last day a constraint is in force (included); empty = no end given"),
        ("value", "a ratio has unit 1 (0.1 = 10%)"),
    ):
        about.append(line)
    return workbook_bytes(workbook)
