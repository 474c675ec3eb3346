"""Publish every parameter, scale and lookup table as a flat table: CSV files and one workbook.

Spreadsheets and databases load flat tables, so each parameter becomes one: a row per dated
value (per bracket of a scale, per key of a table), each with `from` and `to` (the first and
last day it is in force; `to` empty = no end yet). The rows repeat the policy and parameter
names so the CSV files of many policies can be concatenated. CSV numbers are exact decimal
text; the workbook holds the same rows (one sheet per parameter, after a sheet describing the
policy), with its timestamps fixed so the same policy gives the same bytes.

A parameter the source gives no number for (`unnumbered`) has no rows and gets no table; the
JSON document and the rule book say so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from generator.model.policy import Parameter, Policy
from generator.publish.view import bracket_condition, decimal_text, iso, periods

AMOUNT_COLUMNS = ("policy", "parameter", "kind", "from", "to", "value", "unit")
SCALE_COLUMNS = (
    "policy",
    "parameter",
    "method",
    "from",
    "to",
    "bracket",
    "condition",
    "lower",
    "lower_inclusive",
    "upper",
    "upper_inclusive",
    "rate",
    "amount",
    "input_unit",
    "output_unit",
)
CSV_BOM = "\ufeff"  # UTF-8's byte-order mark once encoded: Excel then reads the file as UTF-8
CSV_NOTE = (
    "CSV files are UTF-8 and start with a byte-order mark (EF BB BF) so that Excel reads them "
    "as UTF-8; read them with encoding utf-8-sig (Python, pandas), which skips the mark"
)
TABLE_COLUMNS = ("policy", "parameter", "from", "to", "key_input", "key", "value", "unit")
ADVICE_COLUMNS = (
    "policy",
    "code",
    "field",
    "comparator",
    "word",
    "value",
    "unit",
    "clause",
    "quote",
    "message_zh",
    "message_en",
)
ADVICE_CSV = "csv/advice.csv"  # one file for every policy (ids hold a dot: no folder clashes)
ADVICE_SHEET = "提示 advice"  # no parameter's sheet can be named so (names are identifiers)


def csv_path(policy: Policy, parameter: Parameter) -> str:
    return f"csv/{policy.id}/{parameter.name}.csv"


def xlsx_path(policy: Policy) -> str:
    return f"xlsx/{policy.id}.xlsx"


def columns(parameter: Parameter) -> tuple:
    return {"scale": SCALE_COLUMNS, "table": TABLE_COLUMNS}.get(parameter.kind, AMOUNT_COLUMNS)


def rows(policy: Policy, parameter: Parameter, on: dt.date | None = None) -> list[tuple]:
    """The flat rows of one parameter, as Python values (Decimal, date, bool, str, None)."""
    found: list[tuple] = []
    for period in periods(parameter, on):
        start, end = period.start, period.end
        if parameter.kind == "scale":
            for index, b in enumerate(period.value, start=1):
                found.append(
                    (
                        policy.id,
                        parameter.name,
                        parameter.method,
                        start,
                        end,
                        index,
                        bracket_condition(b),
                        b.lower,
                        b.lower_inclusive,
                        b.upper,
                        b.upper_inclusive,
                        b.rate,
                        b.amount,
                        parameter.input_unit,
                        parameter.output_unit,
                    )
                )
        elif parameter.kind == "table":
            for key, value in period.value:
                found.append(
                    (
                        policy.id,
                        parameter.name,
                        start,
                        end,
                        parameter.key,
                        key,
                        value,
                        parameter.unit,
                    )
                )
        else:
            found.append(
                (
                    policy.id,
                    parameter.name,
                    parameter.kind,
                    start,
                    end,
                    period.value,
                    parameter.unit or "1",
                )
            )
    return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return iso(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def emit_csv(policy: Policy, on: dt.date | None = None) -> dict[str, str]:
    """{csv/<id>/<parameter>.csv: text} for every numbered parameter of the policy.

    Each text starts with U+FEFF, written as UTF-8's byte-order mark: Excel on a Chinese
    Windows reads a CSV without it as GBK and shows the Chinese as garbage. A machine reads
    the files as UTF-8 with the mark skipped (Python's "utf-8-sig", pandas' encoding=
    "utf-8-sig"); the manifest says so under `csv`."""
    files = {}
    for parameter in policy.parameters:
        if not parameter.values:
            continue
        buffer = io.StringIO()
        buffer.write(CSV_BOM)
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns(parameter))
        for row in rows(policy, parameter, on):
            writer.writerow([_text(v) for v in row])
        files[csv_path(policy, parameter)] = buffer.getvalue()
    return files


def sheet_names(policy: Policy) -> dict[str, str]:
    """Parameter -> sheet name: Excel allows 31 characters, so long names are cut and numbered."""
    names: dict[str, str] = {}
    used = {"policy"}
    for parameter in policy.parameters:
        name = parameter.name[:31]
        n = 1
        while name in used:
            n += 1
            name = f"{parameter.name[:27]}~{n}"
        used.add(name)
        names[parameter.name] = name
    return names


def emit_xlsx(policy: Policy, on: dt.date | None = None) -> dict[str, bytes]:
    """{xlsx/<id>.xlsx: bytes}: a sheet describing the policy, then one sheet per parameter."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from generator.core.xlsx_bytes import workbook_bytes

    workbook = Workbook()
    about = workbook.active
    assert about is not None  # a new workbook has one sheet
    about.title = "policy"
    src = policy.source
    for row in (
        ("id", policy.id),
        ("title (zh)", policy.title.zh),
        ("title (en)", policy.title.en),
        ("jurisdiction", policy.jurisdiction),
        ("source", src.title),
        ("number", src.number or ""),
        ("date", src.date),
        ("clause", src.clause),
        ("source file", policy.file),
        ("source sha256", policy.sha256),
        ("published for", iso(on) or "every dated value"),
        ("to", "the last day a value is in force (included); empty = no end yet"),
    ):
        about.append(row)
    for cell in about["A"]:
        cell.font = Font(bold=True)
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 80
    names = sheet_names(policy)
    for parameter in policy.parameters:
        if not parameter.values:
            continue
        sheet = workbook.create_sheet(names[parameter.name])
        sheet.append(list(columns(parameter)))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows(policy, parameter, on):
            sheet.append([_cell(v) for v in row])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
        for letter, width in zip(
            "ABCDEFGHIJKLMNO",
            (30, 26, 12, 12, 12, 12, 24, 12, 12, 12, 12, 10, 12, 12, 12),
            strict=True,
        ):
            sheet.column_dimensions[letter].width = width
    advice = advice_rows(policy)
    if advice:
        sheet = workbook.create_sheet(ADVICE_SHEET)
        sheet.append(list(ADVICE_COLUMNS))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in advice:
            sheet.append([_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    return {xlsx_path(policy): workbook_bytes(workbook)}


def advice_rows(policy: Policy) -> list[tuple]:
    """The thresholds the source asks only "in principle" as flat rows (not dated: they hold
    whenever the policy does): what the figure of `field` should keep, in the source's word,
    and the message given beside a result that breaks it."""
    rows = []
    for a in policy.advice:
        if a.value is None:
            continue
        rows.append(
            (
                policy.id,
                a.name,
                a.field_name,
                a.comparator,
                a.word,
                a.value,
                policy.unit_of(a.field_name),
                a.clause,
                a.quote,
                a.message.zh,
                a.message.en,
            )
        )
    return rows


def emit_advice_csv(policies: list[Policy]) -> dict[str, str]:
    """{csv/advice.csv: text} with every published policy's advisory thresholds, or nothing
    when none has any."""
    rows = [row for policy in policies for row in advice_rows(policy)]
    if not rows:
        return {}
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ADVICE_COLUMNS)
    writer.writerows([_text(v) for v in row] for row in rows)
    return {ADVICE_CSV: buffer.getvalue()}


def _cell(value):
    """Numbers stay numbers (written as their exact decimal text), dates stay dates."""
    if isinstance(value, Decimal):
        return Decimal(decimal_text(value))  # no exponent: 200000, not 2E+5
    if isinstance(value, bool) or value is None or isinstance(value, (dt.date, int)):
        return value
    return str(value)
