"""Write a policy as an officer-friendly workbook (.xlsx bytes), the layout `excel_source` reads.

A pure function of the model: the same policy gives the same bytes (openpyxl's timestamps are
fixed by `xlsx_bytes`). For people: header rows frozen, columns sized, Chinese and English
headers, money with two decimals and rates as percentages, drop-down lists where a cell takes
one of a few words (types, kinds, bracket words, enum values such as hospital levels), bounds
on rates and dates, a protected About sheet citing the source and a Help sheet. For the
round trip: every value is written so that reading the workbook back gives the same model —
text stays text (even "8000.00"), numbers stay exact (a number a spreadsheet cannot hold to
the last digit is written as text), TRUE/FALSE stay booleans.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from generator.core import workbook_layout as L
from generator.core.findings import RatebookError, finding
from generator.core.location import Location
from generator.core.values import FIRST_DATE, LAST_DATE, plain
from generator.model.policy import InputField, OutputField, Parameter, Policy, is_money_unit

# Formats, drop-downs and bounds cover whole columns down to a spreadsheet's last row, so a
# row an officer adds for next year gets them too: one range per column, not one per cell.
LAST_ROW = 1048576
TEXT, DATE, MONEY = "@", "yyyy-mm-dd", "#,##0.00"
LINE_HEIGHT, ROW_PADDING = 16, 4  # points per line of wrapped text (CJK fonts run tall)
_HEADER_FILL = "DDEBF7"
_ABOUT_FILL = "F2F2F2"


def emit_workbook(policy: Policy) -> bytes:
    """The .xlsx bytes of `policy`."""
    from openpyxl import Workbook

    from generator.core.xlsx_bytes import workbook_bytes

    book = Workbook()
    if book.active is not None:  # the one empty sheet a new workbook starts with
        book.remove(book.active)
    book.properties.creator = "ratebook"
    book.properties.title = policy.id
    writer = _Writer(policy, book)
    writer.about()
    writer.inputs()
    writer.outputs()
    writer.parameters()
    writer.values()
    writer.scales()
    writer.tables()
    writer.simple(L.FORMULAS, [(f.name, f.text) for f in policy.formulas])
    writer.simple(L.CHECKS, [(c.rule, c.message) for c in policy.checks])
    writer.simple(L.SUBJECT_TO, [(s.rule, s.assumption or None) for s in policy.subject_to])
    writer.simple(
        L.PROPERTIES,
        [
            tuple(
                value or None
                for value in (
                    p.kind,
                    p.output,
                    p.input,
                    p.direction,
                    p.at_most,
                    p.at_least,
                    p.clause,
                    p.quote,
                    p.note,
                )
            )
            for p in policy.properties
        ],
    )
    writer.simple(
        L.ADVICE,
        [
            tuple(
                value if value != "" else None
                for value in (
                    a.name,
                    a.field_name,
                    a.comparator,
                    a.word,
                    a.value,
                    a.message.zh,
                    a.message.en,
                    a.clause,
                    a.quote,
                    a.note,
                )
            )
            for a in policy.advice
        ],
    )
    writer.cases()
    writer.help()
    return workbook_bytes(book)


def list_cell(values) -> str:
    """Enum values in one cell: employee, resident; a value of digits kept text is quoted."""
    items = []
    for value in values:
        if isinstance(value, str):
            needs_quotes = (
                re.fullmatch(r"-?\d+", value.strip()) is not None
                or value != value.strip()
                or any(ch in value for ch in ",，、;\n")
                or value == ""
            )
            items.append(f'"{value}"' if needs_quotes else value)
        else:
            items.append(str(value))
    return ", ".join(items)


def value_label_cell(f, lang: str) -> str | None:
    """An enum's value labels in one cell, in the order of its values: 职工, 居民 (a value
    without a label in `lang` is left empty between its quotes)."""
    by_value = {str(key): label for key, label in f.value_labels}
    words = []
    for value in f.values:
        label = by_value.get(str(value))
        words.append((label.zh if lang == "zh" else label.en) if label else "")
    if not any(words):
        return None
    return ", ".join(f'"{w}"' if not w or any(ch in w for ch in ",，、;\n") else w for w in words)


def percent_format(value: Decimal | None) -> str:
    if value is None:
        return "0%"
    places = _places(value * 100)
    return "0%" if places == 0 else "0." + "0" * places + "%"


def money_format(value: Decimal | None) -> str:
    if value is None:
        return MONEY
    places = max(2, _places(value))
    return "#,##0." + "0" * places


def _places(value: Decimal) -> int:
    """Digits after the point of a finite decimal: 0.30 → 1, 20000 → 0."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Writer:
    def __init__(self, policy: Policy, book):
        self.policy = policy
        self.book = book

    # -- cells ----------------------------------------------------------------------------

    def sheet(
        self,
        layout: L.Sheet,
        headers: list[str] | None = None,
        prompts: list[tuple[str, str]] | None = None,
    ):
        """A sheet with its header row; each header cell prompts, in both languages, what goes
        below it and how to write it (shown when the cell is selected)."""
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.datavalidation import DataValidation

        ws = self.book.create_sheet(layout.title)
        headers = headers or [c.header for c in layout.columns]
        prompts = prompts or [c.prompt() for c in layout.columns]
        for column, text in enumerate(headers, start=1):
            cell = ws.cell(row=1, column=column, value=text)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if column > len(prompts):
                continue  # a header without words of its own (tests require them)
            title, prompt = prompts[column - 1]
            hint = DataValidation(
                allow_blank=True, showInputMessage=True, promptTitle=title, prompt=prompt
            )
            ws.add_data_validation(hint)
            hint.add(f"{get_column_letter(column)}1")
        ws.freeze_panes = "B2" if layout is not L.ABOUT else "A2"
        ws.print_title_rows = "1:1"  # printed: the header on every page, the columns on one
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        return ws

    def put(self, ws, row: int, column: int, value, number_format: str | None = None):
        """Write one value so that the reader gets it back unchanged."""
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if value is None or value == "":
            return None
        if isinstance(value, bool):
            cell = ws.cell(row=row, column=column, value=value)
        elif isinstance(value, (int, Decimal)):
            cell = ws.cell(row=row, column=column, value=_number(value))
            if isinstance(cell.value, str):
                number_format = TEXT  # more digits than a spreadsheet keeps: exact as text
        elif isinstance(value, dt.date):
            cell = ws.cell(row=row, column=column, value=value)
            number_format = number_format or DATE
        else:
            text = str(value)
            if ILLEGAL_CHARACTERS_RE.search(text):
                raise RatebookError(
                    [finding("export-text", Location(self.policy.file), text=text[:40])]
                )
            cell = ws.cell(row=row, column=column, value=text)
            cell.data_type = "s"  # never a formula, even when it starts with =
            number_format = TEXT
        if number_format:
            cell.number_format = number_format
        return cell

    def finish(
        self, ws, layout: L.Sheet, last_row: int, formats: dict[int, str] | None = None
    ) -> None:
        """Size the columns to their content; wrap long text; give each column the number
        format of its cells (or `formats[column]`); fit the rows' heights to their text."""
        from openpyxl.styles import Alignment
        from openpyxl.utils import get_column_letter

        wrap = Alignment(wrap_text=True, vertical="top")
        widths: dict[int, int] = {}
        for row in ws.iter_rows(min_row=1, max_row=max(last_row, 1)):
            for cell in row:
                if cell.value is None:
                    continue
                shown = (
                    cell.value.isoformat() if isinstance(cell.value, dt.date) else str(cell.value)
                )
                longest = max(_width(line) for line in shown.split("\n"))
                widths[cell.column] = max(widths.get(cell.column, 0), longest)
        by_header = {c.header: c for c in layout.columns}
        for column, width in widths.items():
            header = ws.cell(row=1, column=column).value
            spec = by_header.get(header)
            fixed = spec.width if spec else 0
            size = min(width + 2, fixed or 40)
            ws.column_dimensions[get_column_letter(column)].width = max(size, 10)
            if fixed and width + 2 > fixed:
                for cells in ws.iter_rows(
                    min_row=2, max_row=last_row, min_col=column, max_col=column
                ):
                    for cell in cells:
                        cell.alignment = wrap
        chosen = dict(formats or {})
        for column, spec in enumerate(layout.columns, start=1):
            if column not in chosen and ws.cell(row=1, column=column).value == spec.header:
                found = {
                    cell.number_format
                    for (cell,) in ws.iter_rows(
                        min_row=2, max_row=last_row, min_col=column, max_col=column
                    )
                    if isinstance(cell.value, (int, float, dt.date)) and cell.data_type != "b"
                }
                chosen[column] = _column_format(found, spec.write)
        for column, number_format in chosen.items():
            if number_format:
                ws.column_dimensions[get_column_letter(column)].number_format = number_format
        self.fit_rows(ws, last_row)

    def fit_rows(self, ws, last_row: int) -> None:
        """Each row high enough for its wrapped text, from the text's width and the column's
        (a CJK character counts double); the other cells of a high row at its top, beside it."""
        from openpyxl.styles import Alignment
        from openpyxl.utils import get_column_letter

        top = Alignment(vertical="top")
        for row in ws.iter_rows(min_row=1, max_row=max(last_row, 1)):
            lines = 1
            for cell in row:
                if cell.value is None or not cell.alignment.wrap_text:
                    continue
                width = ws.column_dimensions[get_column_letter(cell.column)].width or 10
                lines = max(lines, _lines(str(cell.value), width))
            if lines > 1 or row[0].row == 1:
                ws.row_dimensions[row[0].row].height = lines * LINE_HEIGHT + ROW_PADDING
            if lines > 1:
                for cell in row:
                    if cell.value is not None and not cell.alignment.wrap_text:
                        cell.alignment = top

    def validate(self, ws, cells: str, *, words=None, low=None, high=None, dates=False, message=""):
        from openpyxl.worksheet.datavalidation import DataValidation

        if words is not None:
            listed = ",".join(str(w) for w in words)
            if not words or len(listed) > 250 or any(ch in listed for ch in '"'):
                return  # too long for an in-cell list; the reader still checks every value
            check = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
            check.error = message or L.REFUSED_LIST.format(listed=listed)
        elif dates:
            check = DataValidation(
                type="date",
                operator="between",
                allow_blank=True,
                formula1=f"DATE({FIRST_DATE.year},{FIRST_DATE.month},{FIRST_DATE.day})",
                formula2=f"DATE({LAST_DATE.year},{LAST_DATE.month},{LAST_DATE.day})",
            )
            check.error = message or L.REFUSED_DATE.format(
                first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat()
            )
        else:
            check = DataValidation(
                type="decimal",
                operator="between",
                allow_blank=True,
                formula1=plain(Decimal(low)),
                formula2=plain(Decimal(high)),
            )
            check.error = message or L.REFUSED_NUMBER.format(low=low, high=high)
        check.errorTitle = L.REFUSED_TITLE
        check.showErrorMessage = True
        ws.add_data_validation(check)
        check.add(cells)

    def column_range(
        self, layout: L.Sheet, key: str, first: int = 2, last: int | None = None
    ) -> str:
        from openpyxl.utils import get_column_letter

        letter = get_column_letter([c.key for c in layout.columns].index(key) + 1)
        return f"{letter}{first}:{letter}{last or LAST_ROW}"

    # -- sheets ---------------------------------------------------------------------------

    def about(self) -> None:
        from openpyxl.styles import Alignment, PatternFill

        p = self.policy
        ws = self.sheet(L.ABOUT)
        fields = {c.key: c for c in L.ABOUT_FIELDS}
        rows = [
            ("ratebook", 1),
            ("id", p.id),
            ("title_zh", p.title.zh),
            ("title_en", p.title.en),
            ("jurisdiction", p.jurisdiction),
            ("source_title", p.source.title),
            ("source_number", p.source.number),
            ("source_date", p.source.date),
            ("source_clause", p.source.clause),
            ("source_seed", p.source.seed),
        ]
        rows += [("note", note) for note in p.notes]
        fill = PatternFill("solid", fgColor=_ABOUT_FILL)
        for number, (key, value) in enumerate(rows, start=2):
            label = self.put(ws, number, 1, f"{fields[key].zh} {fields[key].en}")
            label.fill = fill
            cell = self.put(ws, number, 2, value)
            if cell is not None:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        self.finish(ws, L.ABOUT, len(rows) + 1)
        ws.protection.sheet = (
            True  # read-only: it cites the source; unprotect (no password) to change it
        )

    def inputs(self) -> None:
        ws = self.sheet(L.INPUTS)
        row = 1
        for row, f in enumerate(self.policy.inputs, start=2):
            money = is_money_unit(f.unit)
            values = [
                f.name,
                f.type,
                f.unit,
                f.minimum,
                f.maximum,
                list_cell(f.values) if f.values else None,
                True if f.ordered else None,
                f.default if f.has_default else None,
                f.label.zh,
                f.label.en,
                value_label_cell(f, "zh"),
                value_label_cell(f, "en"),
                f.note,
            ]
            for column, value in enumerate(values, start=1):
                fmt = (
                    money_format(value)
                    if money and column in (4, 5, 8) and isinstance(value, Decimal)
                    else None
                )
                self.put(ws, row, column, value, fmt)
        self.validate(
            ws,
            self.column_range(L.INPUTS, "type"),
            words=("number", "integer", "enum", "boolean", "date"),
        )
        self.validate(ws, self.column_range(L.INPUTS, "ordered"), words=("TRUE", "FALSE"))
        self.finish(ws, L.INPUTS, row)

    def outputs(self) -> None:
        ws = self.sheet(L.OUTPUTS)
        row = 1
        for row, f in enumerate(self.policy.outputs, start=2):
            rounding = (f.places, f.mode) if f.places is not None else (None, None)
            values = [f.name, f.type, f.unit, *rounding, f.label.zh, f.label.en, f.note]
            for column, value in enumerate(values, start=1):
                self.put(ws, row, column, value)
        self.validate(
            ws, self.column_range(L.OUTPUTS, "type"), words=("number", "integer", "boolean")
        )
        self.validate(
            ws, self.column_range(L.OUTPUTS, "mode"), words=("half_up", "half_even", "down", "up")
        )
        self.validate(
            ws,
            self.column_range(L.OUTPUTS, "places"),
            low=0,
            high=6,
            message=L.REFUSED_PLACES,
        )
        self.finish(ws, L.OUTPUTS, row)

    def parameters(self) -> None:
        ws = self.sheet(L.PARAMETERS)
        row = 1
        for row, p in enumerate(self.policy.parameters, start=2):
            unit = "" if p.kind == "rate" else p.unit
            values = [
                p.name,
                p.kind,
                unit,
                p.method,
                p.input_unit,
                p.output_unit,
                p.key,
                p.maximum,
                True if p.unnumbered else None,
                p.label.zh,
                p.label.en,
                p.clause,
                p.quote,
                p.note,
            ]
            for column, value in enumerate(values, start=1):
                fmt = percent_format(value) if column == 8 and isinstance(value, Decimal) else None
                self.put(ws, row, column, value, fmt)
        enums = [f.name for f in self.policy.inputs if f.type == "enum"]
        self.validate(
            ws, self.column_range(L.PARAMETERS, "kind"), words=("amount", "rate", "scale", "table")
        )
        self.validate(
            ws, self.column_range(L.PARAMETERS, "method"), words=("marginal", "whole_amount")
        )
        self.validate(ws, self.column_range(L.PARAMETERS, "key"), words=enums)
        self.validate(ws, self.column_range(L.PARAMETERS, "unnumbered"), words=("TRUE", "FALSE"))
        self.finish(ws, L.PARAMETERS, row)

    def _names(self, *kinds) -> list[str]:
        return [p.name for p in self.policy.parameters if p.kind in kinds]

    def _rate_limit(self, p: Parameter) -> Decimal:
        return p.maximum if p.maximum is not None else Decimal(1)

    def values(self) -> None:
        ws = self.sheet(L.VALUES)
        row = 1
        for p in self.policy.parameters:
            if p.kind not in ("amount", "rate"):
                continue
            for entry in p.values:
                row += 1
                fmt = (
                    percent_format(entry.number)
                    if p.kind == "rate"
                    else money_format(entry.number)
                    if is_money_unit(p.unit)
                    else None
                )
                self.put(ws, row, 1, p.name)
                self.put(ws, row, 2, entry.start)
                self.put(ws, row, 3, entry.number, fmt)
                self.put(ws, row, 4, entry.note)
        shown = [p for p in self.policy.parameters if p.kind in ("amount", "rate")]
        self._bound_rates(ws, row, L.VALUES, "C", shown, lambda p: p.kind == "rate")
        self.validate(
            ws, self.column_range(L.VALUES, "parameter"), words=self._names("amount", "rate")
        )
        self.validate(ws, self.column_range(L.VALUES, "from"), dates=True)
        self.finish(ws, L.VALUES, row)

    def _bound_rates(self, ws, row: int, sheet, letter: str, shown: list, is_rate) -> None:
        """Rates between 0 and their limit in the value column of `sheet`: the whole column
        when every parameter shown there is a rate, else each rate's own rows (amounts and
        rates share the column, so a new row's kind is not known)."""
        rates = [p for p in shown if is_rate(p)]
        if rates and len(rates) == len(shown):
            limit = max(self._rate_limit(p) for p in rates)
            self.validate(
                ws,
                self.column_range(sheet, "value"),
                low=0,
                high=limit,
                message=L.REFUSED_RATE.format(high=plain(limit * 100)),
            )
            return
        for first, last, p in self._runs(ws, row):
            if is_rate(p):
                limit = self._rate_limit(p)
                self.validate(
                    ws,
                    f"{letter}{first}:{letter}{last}",
                    low=0,
                    high=limit,
                    message=L.REFUSED_RATE.format(high=plain(limit * 100)),
                )

    def _runs(self, ws, last_row: int):
        """(first row, last row, parameter) of each run of rows naming one parameter."""
        runs: list = []
        for row in range(2, last_row + 1):
            p = self.policy.parameter(ws.cell(row=row, column=1).value)
            if runs and runs[-1][2] is p and runs[-1][1] == row - 1:
                runs[-1][1] = row
            elif p is not None:
                runs.append([row, row, p])
        return [tuple(run) for run in runs]

    def scales(self) -> None:
        ws = self.sheet(L.SCALES)
        row = 1
        limit = Decimal(1)
        for p in self.policy.parameters:
            if p.kind != "scale":
                continue
            limit = max(limit, self._rate_limit(p))
            for entry in p.values:
                for i, b in enumerate(entry.brackets):
                    row += 1
                    lower_word = (
                        None if b.lower is None else "at_least" if b.lower_inclusive else "over"
                    )
                    upper_word = (
                        None if b.upper is None else "up_to" if b.upper_inclusive else "below"
                    )
                    money_bounds = is_money_unit(p.input_unit)
                    cells = [
                        p.name,
                        entry.start,
                        lower_word,
                        b.lower,
                        upper_word,
                        b.upper,
                        b.rate,
                        b.amount,
                        b.note,
                        entry.note if i == 0 else None,
                    ]
                    formats = [
                        None,
                        None,
                        None,
                        money_format(b.lower) if money_bounds and b.lower is not None else None,
                        None,
                        money_format(b.upper) if money_bounds and b.upper is not None else None,
                        percent_format(b.rate) if b.rate is not None else None,
                        money_format(b.amount)
                        if is_money_unit(p.output_unit) and b.amount is not None
                        else None,
                        None,
                        None,
                    ]
                    for column, (value, fmt) in enumerate(
                        zip(cells, formats, strict=True), start=1
                    ):
                        self.put(ws, row, column, value, fmt)
        self.validate(ws, self.column_range(L.SCALES, "parameter"), words=self._names("scale"))
        self.validate(ws, self.column_range(L.SCALES, "from"), dates=True)
        self.validate(
            ws,
            self.column_range(L.SCALES, "lower_word"),
            words=tuple(L.LOWER_WORDS),
        )
        self.validate(
            ws,
            self.column_range(L.SCALES, "upper_word"),
            words=tuple(L.UPPER_WORDS),
        )
        self.validate(
            ws,
            self.column_range(L.SCALES, "rate"),
            low=0,
            high=limit,
            message=L.REFUSED_RATE.format(high=plain(limit * 100)),
        )
        self.finish(ws, L.SCALES, row)

    def tables(self) -> None:
        ws = self.sheet(L.TABLES)
        row = 1
        for p in self.policy.parameters:
            if p.kind != "table":
                continue
            for entry in p.values:
                for i, (key, value) in enumerate(entry.rows):
                    row += 1
                    fmt = (
                        percent_format(value)
                        if p.unit == "1"
                        else money_format(value)
                        if is_money_unit(p.unit)
                        else None
                    )
                    for column, cell in enumerate(
                        [p.name, entry.start, key, value, entry.note if i == 0 else None], start=1
                    ):
                        self.put(ws, row, column, cell, fmt if column == 4 else None)
        tables = [p for p in self.policy.parameters if p.kind == "table"]
        keys: list = []  # every table's key values, in the order of their inputs
        for p in tables:
            key_input = self.policy.input(p.key)
            keys += [v for v in (key_input.values if key_input else ()) if v not in keys]
        if keys:
            self.validate(ws, self.column_range(L.TABLES, "key"), words=keys)
        self._bound_rates(ws, row, L.TABLES, "D", tables, lambda p: p.unit == "1")
        self.validate(ws, self.column_range(L.TABLES, "parameter"), words=self._names("table"))
        self.validate(ws, self.column_range(L.TABLES, "from"), dates=True)
        self.finish(ws, L.TABLES, row)

    def simple(self, layout: L.Sheet, rows: list[tuple]) -> None:
        ws = self.sheet(layout)
        row = 1
        for row, values in enumerate(rows, start=2):
            for column, value in enumerate(values, start=1):
                self.put(ws, row, column, value)
        self.finish(ws, layout, row)

    def cases(self) -> None:
        from openpyxl.utils import get_column_letter

        policy = self.policy
        inputs = _merged_order(
            [[f.name for f in policy.inputs]] + [[n for n, _ in c.inputs] for c in policy.cases]
        )
        outputs = _merged_order(
            [[f.name for f in policy.outputs]] + [[n for n, _ in c.expected] for c in policy.cases]
        )
        name, on, why = (L.CASES.column(k) for k in ("name", "on", "why"))

        def label(field) -> str:
            return f"\n{field.label.zh}" if field is not None and field.label.zh else ""

        headers = [name.header, on.header]
        headers += [f"{L.CASE_INPUT_PREFIX}{n}{label(policy.input(n))}" for n in inputs]
        headers += [f"{L.CASE_OUTPUT_PREFIX}{n}{label(policy.output(n))}" for n in outputs]
        headers.append(why.header)
        fields: list[tuple[str, str, InputField | OutputField | None]]
        fields = [("in", n, policy.input(n)) for n in inputs]
        fields += [("out", n, policy.output(n)) for n in outputs]
        prompts = [name.prompt(), on.prompt()]
        prompts += [
            L.case_prompt(
                side,
                n,
                field.label.zh if field else "",
                field.label.en if field else "",
                _write(field),
            )
            for side, n, field in fields
        ]
        prompts.append(why.prompt())
        ws = self.sheet(L.CASES, headers, prompts)
        row = 1
        for row, case in enumerate(policy.cases, start=2):
            self.put(ws, row, 1, case.name)
            self.put(ws, row, 2, case.on)
            given, expected = dict(case.inputs), dict(case.expected)
            for offset, n in enumerate(inputs):
                field = policy.input(n)
                self.put(
                    ws, row, 3 + offset, _case_cell(given.get(n), field.type if field else None)
                )
            for offset, n in enumerate(outputs):
                output = policy.output(n)
                value = expected.get(n)
                fmt = (
                    money_format(value)
                    if output is not None and output.is_money and isinstance(value, Decimal)
                    else None
                )
                self.put(ws, row, 3 + len(inputs) + offset, value, fmt)
            self.put(ws, row, 3 + len(inputs) + len(outputs), case.why)
        last = LAST_ROW
        self.validate(ws, f"B2:B{last}", dates=True)
        for offset, n in enumerate(inputs):
            field = policy.input(n)
            letter = get_column_letter(3 + offset)
            if field is None:
                continue
            if field.type == "enum":
                self.validate(
                    ws,
                    f"{letter}2:{letter}{last}",
                    words=field.values,
                )
            elif field.type == "boolean":
                self.validate(ws, f"{letter}2:{letter}{last}", words=("TRUE", "FALSE"))
            elif field.type == "date":
                self.validate(ws, f"{letter}2:{letter}{last}", dates=True)
        formats = {
            column: {"date": DATE, "amount": MONEY}.get(_write(field), "")
            for column, (_, _, field) in enumerate(fields, start=3)
        }
        self.finish(ws, L.CASES, row, formats)
        for column in range(3, 3 + len(inputs) + len(outputs)):
            letter = get_column_letter(column)
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, 14)
        self.fit_rows(ws, row)

    def help(self) -> None:
        from openpyxl.styles import Alignment

        ws = self.sheet(L.HELP)
        rows = L.help_rows()
        for row, values in enumerate(rows, start=2):
            for column, value in enumerate(values, start=1):
                cell = self.put(ws, row, column, value)
                if cell is not None:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        self.finish(ws, L.HELP, len(rows) + 1)
        ws.protection.sheet = True


def _write(field) -> str:
    """How a value of an input or output is written (a key of `workbook_layout.WRITE`)."""
    if field is None:
        return ""
    if field.type in ("enum", "boolean", "date"):
        return "list" if field.type == "enum" else field.type
    if is_money_unit(field.unit):
        return "amount"
    return "number"


def _column_format(found: set[str], write: str) -> str:
    """The number format a whole column gets: that of all its number cells, the widest
    percentage where rates differ in places, a date or rate format by the column's kind."""
    if write == "date":
        return DATE
    if len(found) == 1 and not found & {"General", TEXT}:
        return next(iter(found))
    if found and all(f.endswith("%") for f in found):
        return max(found, key=len)
    if not found and write == "rate":
        return "0%"
    return ""


def _lines(text: str, width: float) -> int:
    """Lines `text` takes wrapped in a column `width` characters wide."""
    room = max(1, int(width) - 1)
    return sum(max(1, -(-_width(line) // room)) for line in text.split("\n"))


def _number(value):
    """An int, or a float that holds the Decimal exactly, or else the Decimal as text."""
    if isinstance(value, int):
        return value if abs(value) < 10**15 else str(value)
    if value == value.to_integral_value() and abs(value) < 10**15:
        return int(value)
    as_float = float(value)
    if len(value.normalize().as_tuple().digits) <= 15 and Decimal(repr(as_float)) == value:
        return as_float
    return plain(value)


def _case_cell(value, field_type: str | None):
    """A date input's ISO text becomes a date cell (the reader gives the same text back)."""
    if field_type == "date" and isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
        if day.isoformat() == value and FIRST_DATE <= day <= LAST_DATE:
            return day
    return value


def _merged_order(sequences: list[list[str]]) -> list[str]:
    """One column order that keeps, where it can, the order of every sequence."""
    order: list[str] = []
    for sequence in sequences:
        position = -1
        for name in sequence:
            if name in order:
                position = order.index(name)
            else:
                order.insert(position + 1, name)
                position += 1
    return order
