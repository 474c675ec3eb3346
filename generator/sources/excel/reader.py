"""Read a policy workbook (.xlsx) into the same plain data the YAML reader gives.

A workbook is a set of tables (see `excel_layout`): an officer fills one row per input, per
dated value, per bracket, per example case. This reader turns those rows into the dict a
YAML policy file would give, with a place map from every value to its `Sheet!C4`, so the
schema check, the model builder and every rule after them treat a workbook exactly like
YAML and point their messages at cells. Cell values go through `excel_values`, which reads
each accepted form exactly and refuses the rest with the value quoted.

openpyxl reads in read-only, data-only mode (a formula cell gives its saved result); what
that mode hides, merged ranges and formulas with no saved result, comes from
`excel_package`.
"""

from __future__ import annotations

import io
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

from generator.core import limits
from generator.core import values as V
from generator.core import workbook_layout as L
from generator.core.findings import ERROR, WARNING, Finding, finding
from generator.core.location import Location, dotted
from generator.core.messages import Message
from generator.core.workbook_guard import package_problem, sheet_rows
from generator.sources.excel.package import file_kind_problem, sheet_extras
from generator.sources.yaml_reader import SourceDocument

WORKBOOK_SUFFIXES = (".xlsx",)
REFUSED_SUFFIXES = {  # a spreadsheet suffix ratebook does not read -> the catalogue key saying why
    ".xls": "workbook-format.xls",
    ".ods": "workbook-format.ods",
    ".xlsm": "workbook-format.xlsm",
    ".xlsb": "workbook-format.xlsb",
    ".xltx": "workbook-format.xltx",
    ".numbers": "workbook-format.numbers",
}


@dataclass
class _Cell:
    value: object
    coordinate: str  # where the value was typed (a merged cell's top-left cell)


@dataclass
class _Error:
    """A cell holding a spreadsheet error (#DIV/0!, #N/A, ...)."""

    code: str


@dataclass
class _Unsaved:
    """A formula cell whose result was never saved in the file."""

    formula: str


@dataclass
class _Row:
    sheet: L.Sheet
    title: str  # the sheet's name in this workbook
    number: int
    cells: dict  # column key -> _Cell
    columns: dict  # column key -> column letter
    extra: dict = field(default_factory=dict)  # Cases: ("in"|"out", name) -> _Cell


def _letter(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)


def is_lock_file(name: str) -> bool:
    """Excel's `~$book.xlsx` and LibreOffice's `.~lock.book.xlsx#`, left while a workbook is open."""
    return name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#"))


def lock_file_findings(folder: Path, shown) -> list[Finding]:
    """A warning at each workbook that is open in a spreadsheet program right now.

    The file on disk is the last saved version, which is what gets read; unsaved edits are not
    in it. `shown` turns a path into the name messages use.
    """
    if not folder.is_dir():
        return []
    findings = []
    for lock in sorted(p for p in folder.rglob("*") if p.is_file() and is_lock_file(p.name)):
        if lock.name.startswith("~$"):
            tail = lock.name[2:]
            owners = [
                p
                for p in lock.parent.iterdir()
                if p.name == tail or (len(p.name) > 2 and p.name[2:] == tail)
            ]
            program = "Excel"
        else:
            owners = [lock.parent / lock.name[len(".~lock.") : -1]]
            program = "LibreOffice"
        for owner in owners:
            if owner.is_file() and not is_lock_file(owner.name):
                findings.append(
                    finding(
                        "workbook-open",
                        Location(shown(owner)),
                        WARNING,
                        program=program,
                        lock=lock.name,
                    )
                )
    return findings


def refused_file_findings(folder: Path, shown) -> list[Finding]:
    """An error for each spreadsheet in policies/ that is of a kind ratebook does not read."""
    if not folder.is_dir():
        return []
    return [
        Finding(REFUSED_SUFFIXES[p.suffix.lower()], Location(shown(p)))
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix.lower() in REFUSED_SUFFIXES and not is_lock_file(p.name)
    ]


def read_excel(path: Path, display: str) -> tuple[SourceDocument | None, list[Finding]]:
    """Read one workbook; return the document (None when unreadable) and the problems."""
    refused = REFUSED_SUFFIXES.get(path.suffix.lower())
    if refused:
        return None, [Finding(refused, Location(display))]
    try:
        if path.exists() and not path.is_file():
            return None, [finding("unreadable.not-a-file", Location(display))]
        if path.stat().st_size > limits.POLICY_WORKBOOK_MAX_BYTES:
            too_big = package_problem(
                path,
                max_file=limits.POLICY_WORKBOOK_MAX_BYTES,
                max_inflated=limits.POLICY_WORKBOOK_MAX_INFLATED_BYTES,
            )
            return None, [too_big.at(Location(display))] if too_big else []
        raw = path.read_bytes()
    except OSError as exc:
        return None, [finding("unreadable", Location(display), reason=exc.strerror)]
    return read_excel_bytes(raw, display)


def read_excel_bytes(raw: bytes, display: str) -> tuple[SourceDocument | None, list[Finding]]:
    problem = file_kind_problem(raw)
    if problem:
        return None, [problem.at(Location(display))]
    problem = package_problem(
        raw,
        max_file=limits.POLICY_WORKBOOK_MAX_BYTES,
        max_inflated=limits.POLICY_WORKBOOK_MAX_INFLATED_BYTES,
        inflate=True,
    )
    if problem:
        return None, [problem.at(Location(display))]
    try:
        grids, states, epoch = _load(raw)
        extras = sheet_extras(raw)
    except _SheetTooBig as exc:
        return None, [exc.problem.at(Location(display, sheet=exc.title, cell=exc.cell))]
    except Exception as exc:  # noqa: BLE001 - openpyxl parses untrusted files and raises many kinds
        return None, [
            finding(
                "workbook-format.unreadable",
                Location(display),
                kind=type(exc).__name__,
                reason=str(exc),
            )
        ]
    reader = _Reader(display, raw, grids, states, extras, epoch)
    reader.read()
    return reader.doc, reader.findings


class _SheetTooBig(Exception):
    """A sheet with a value past `limits.POLICY_SHEET_MAX_ROWS` or `..._COLUMNS`."""

    def __init__(self, problem: Message, title: str, cell: str):
        super().__init__(problem, title, cell)
        self.problem, self.title, self.cell = problem, title, cell


def _load(raw: bytes):
    """{sheet title: {(row, column): value}}, {title: visibility}, the date epoch. Every row
    is read, also below the sheet's declared dimension; a value past the row or column limit
    stops the reading (`_SheetTooBig`)."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        grids: dict[str, dict] = {}
        states: dict[str, str] = {}
        for sheet in workbook.worksheets:
            states[sheet.title] = sheet.sheet_state
            grid = {}
            for row in sheet_rows(sheet):
                for cell in row:
                    if not hasattr(cell, "row") or cell.value is None:
                        continue
                    _within_limits(sheet.title, cell.row, cell.column)
                    value = _Error(str(cell.value)) if cell.data_type == "e" else cell.value
                    grid[(cell.row, cell.column)] = value
            grids[sheet.title] = grid
        for sheet in workbook.chartsheets:
            states.setdefault(sheet.title, "chart")
        return grids, states, workbook.epoch
    finally:
        workbook.close()


def _within_limits(title: str, row: int, column: int) -> None:
    if row > limits.POLICY_SHEET_MAX_ROWS:
        problem = Message("workbook-limit.rows", limit=limits.POLICY_SHEET_MAX_ROWS)
        raise _SheetTooBig(problem, title, f"{_letter(column)}{row}")
    if column > limits.POLICY_SHEET_MAX_COLUMNS:
        problem = Message("workbook-limit.columns", limit=limits.POLICY_SHEET_MAX_COLUMNS)
        raise _SheetTooBig(problem, title, f"{_letter(column)}{row}")


class _Reader:
    def __init__(self, display: str, raw: bytes, grids: dict, states: dict, extras: dict, epoch):
        self.display = display
        self.grids = grids
        self.states = states
        self.extras = extras
        self.epoch = epoch
        self.doc = SourceDocument(display, {}, raw=raw)
        self.findings: list[Finding] = []
        self.titles: dict[str, str] = {}  # sheet key -> title in this workbook
        self.header_cells: dict[str, str] = {}  # sheet key -> the header's first cell

    # -- places and problems --------------------------------------------------------------

    def at(self, title: str, cell: str = "", path: tuple = ()) -> Location:
        return Location(self.display, sheet=title, cell=cell, path=dotted(path))

    def problem(
        self, key: str, where: Location, severity: str = ERROR, /, **params: object
    ) -> None:
        self.findings.append(Finding(key, where, params, severity))

    def cell_place(self, row: _Row, key: str, path: tuple = ()) -> Location:
        cell = row.cells.get(key)
        if cell is not None:
            return self.at(row.title, cell.coordinate, path)
        letter = row.columns.get(key)
        if letter is None:  # the column is missing: point at the row's first cell
            first = min(row.columns.values(), key=lambda x: (len(x), x)) if row.columns else "A"
            letter = first
        return self.at(row.title, f"{letter}{row.number}", path)

    def put(self, row: _Row, key: str, path: tuple, convert, target: dict, name: Hashable) -> None:
        """Convert the cell of column `key` and store it at target[name] with its place."""
        cell = row.cells.get(key)
        where = self.cell_place(row, key, path)
        self.doc.places[path] = where
        if cell is None:
            return
        value = self.value(cell, row, key, where)
        if value is _SKIP:
            target[name] = "?"  # the problem is reported; keep the key so nothing else is
            return
        try:
            converted = convert(value)
        except V.CellProblem as problem:
            self.problem(
                "cell-value", where, column=self.column_name(row, key), reason=problem.reason
            )
            target[name] = V.shown(value)
            return
        if converted is not None:
            target[name] = converted

    def value(self, cell: _Cell, row: _Row, key: str | tuple[str, str], where: Location):
        """The cell's value, or _SKIP after reporting an error value or an unsaved formula."""
        value = cell.value
        if isinstance(value, _Error):
            self.problem(
                "cell-error.formula" if key == "formula" else "cell-error.value",
                where,
                column=self.column_name(row, key),
                error=value.code,
            )
            return _SKIP
        if isinstance(value, _Unsaved):
            self.problem(
                "formula-unsaved", where, column=self.column_name(row, key), formula=value.formula
            )
            return _SKIP
        return value

    def column_name(self, row: _Row, key: str | tuple[str, str]) -> str:
        if isinstance(key, tuple):
            return f"{key[0]}:{key[1]}"
        column = next((c for c in row.sheet.columns if c.key == key), None)
        return f"{column.en} ({column.zh})" if column else key

    # -- sheets ---------------------------------------------------------------------------

    def read(self) -> None:
        self._sheets()
        data = self.doc.data
        about = self.titles.get("about")
        self.doc.places[()] = self.at(about) if about else Location(self.display)
        if about:
            self._about(self._rows(L.ABOUT))
        for key in ("inputs", "outputs", "parameters", "formulas"):
            data[key] = {}
        self._named_rows(L.INPUTS, "inputs", self._input)
        self._named_rows(L.OUTPUTS, "outputs", self._output)
        self._named_rows(L.PARAMETERS, "parameters", self._parameter)
        self._values(self._rows(L.VALUES))
        self._scales(self._rows(L.SCALES))
        self._tables(self._rows(L.TABLES))
        self._formulas(self._rows(L.FORMULAS))
        self._checks(self._rows(L.CHECKS))
        self._subject_to(self._rows(L.SUBJECT_TO))
        self._properties(self._rows(L.PROPERTIES))
        self._advice(self._rows(L.ADVICE))
        self._cases(self._rows(L.CASES))
        for key, sheet in (
            ("inputs", L.INPUTS),
            ("outputs", L.OUTPUTS),
            ("parameters", L.PARAMETERS),
            ("formulas", L.FORMULAS),
        ):
            self.doc.places[(key,)] = self._sheet_place(sheet)

    def _sheet_place(self, sheet: L.Sheet) -> Location:
        title = self.titles.get(sheet.key)
        if title is None:
            return Location(self.display)
        return self.at(title, self.header_cells.get(sheet.key, "A1"))

    def _sheets(self) -> None:
        known = ", ".join(s.title for s in L.SHEETS)
        for title, state in self.states.items():
            sheet = L.sheet_named(title)
            if sheet is None:
                if state != "chart":
                    self.problem("sheet-unknown", self.at(title), WARNING, title=title, known=known)
                continue
            if sheet is L.HELP:
                continue
            if sheet.key in self.titles:
                self.problem(
                    "sheet-twice", self.at(title), title=title, other=self.titles[sheet.key]
                )
                continue
            if state != "visible":
                self.problem("sheet-hidden", self.at(title), title=title)
            self.titles[sheet.key] = title
        for sheet in L.SHEETS:
            if sheet.required and sheet.key not in self.titles:
                self.problem(
                    "sheet-missing",
                    Location(self.display),
                    title=sheet.title,
                    en=sheet.en,
                    zh=sheet.zh,
                    known=known,
                )

    def _rows(self, sheet: L.Sheet) -> list[_Row]:
        """The sheet's data rows, after its header row; merged cells resolved; empty rows skipped."""
        title = self.titles.get(sheet.key)
        if title is None:
            return []
        grid = dict(self.grids.get(title, {}))
        extras = self.extras.get(title)
        if extras:
            for coordinate, (formula, saved) in extras.formulas.items():
                if not saved:
                    position = _position(coordinate)
                    if position:
                        grid[position] = _Unsaved(formula)
        header_row = self._header_row(sheet, grid)
        if header_row is None:
            if grid:
                first = min(grid, key=lambda rc: rc)
                labels = ", ".join(c.header.replace("\n", " ") for c in sheet.columns)
                self.problem(
                    "sheet-header",
                    self.at(title, f"{_letter(first[1])}{first[0]}"),
                    title=title,
                    labels=labels,
                )
            return []
        origin = self._merges(title, grid, header_row, extras)
        columns, extra_columns = self._header(sheet, title, grid, header_row)
        self.header_cells[sheet.key] = f"{_letter(min(columns.values(), default=1))}{header_row}"
        letters = {key: _letter(number) for key, number in columns.items()}
        rows = []
        last = max((r for r, _ in grid), default=header_row)
        for number in range(header_row + 1, last + 1):
            cells = {}
            for key, column in columns.items():
                if (number, column) in grid:
                    cells[key] = _Cell(
                        grid[(number, column)],
                        origin.get((number, column), f"{_letter(column)}{number}"),
                    )
            extra = {}
            for key, column in extra_columns.items():
                if (number, column) in grid:
                    extra[key] = _Cell(
                        grid[(number, column)],
                        origin.get((number, column), f"{_letter(column)}{number}"),
                    )
            cells = {k: c for k, c in cells.items() if not _blank(c.value)}
            extra = {k: c for k, c in extra.items() if not _blank(c.value)}
            if cells or extra:
                rows.append(_Row(sheet, title, number, cells, letters, extra))
        return rows

    def _header_row(self, sheet: L.Sheet, grid: dict) -> int | None:
        key = sheet.columns[0]
        for (row, _), value in sorted(grid.items()):
            if isinstance(value, str) and L.column_named(sheet, value) is key:
                return row
        return None

    def _merges(self, title: str, grid: dict, header_row: int, extras) -> dict:
        """Resolve merged cells in place; return {(row, col): the coordinate typed in}."""
        origin = {}
        for min_col, min_row, max_col, max_row in extras.merges if extras else []:
            anchor = f"{_letter(min_col)}{min_row}"
            span = f"{anchor}:{_letter(max_col)}{max_row}"
            if max_row < header_row:
                continue  # a title above the table
            if min_row <= header_row <= max_row:
                if max_col > min_col:
                    self.problem("merged-header", self.at(title, anchor), cell=anchor, span=span)
                continue
            if max_col > min_col:
                self.problem("merged-cells", self.at(title, anchor), span=span)
                continue
            value = grid.get((min_row, min_col))
            for row in range(min_row + 1, max_row + 1):
                grid[(row, min_col)] = value
                origin[(row, min_col)] = anchor
        return origin

    def _header(self, sheet: L.Sheet, title: str, grid: dict, header_row: int):
        columns: dict = {}
        extra: dict = {}
        for (row, column), value in sorted(grid.items(), key=lambda item: item[0][1]):
            if row != header_row or _blank(value):
                continue
            where = self.at(title, f"{_letter(column)}{row}")
            text = value if isinstance(value, str) else str(value)
            found = L.column_named(sheet, text)
            case_key = L.case_column(text) if sheet is L.CASES and found is None else None
            if found is not None:
                if found.key in columns:
                    self.problem(
                        "column-twice",
                        where,
                        column=V.clean_text(text),
                        title=title,
                        other=_letter(columns[found.key]),
                    )
                    continue
                columns[found.key] = column
            elif case_key is not None:
                if case_key in extra:
                    self.problem(
                        "column-twice",
                        where,
                        column=f"{case_key[0]}:{case_key[1]}",
                        title=title,
                        other=_letter(extra[case_key]),
                    )
                    continue
                extra[case_key] = column
            else:
                allowed = ", ".join(c.header.replace("\n", " ") for c in sheet.columns)
                if sheet is L.CASES:
                    allowed += ", in:NAME, out:NAME"
                self.problem(
                    "column-unknown",
                    where,
                    WARNING,
                    column=V.clean_text(text),
                    title=title,
                    allowed=allowed,
                )
        used = {c for (r, c), v in grid.items() if r == header_row and not _blank(v)}
        stray = sorted(
            {c for (r, c), v in grid.items() if r > header_row and c not in used and not _blank(v)}
        )
        for column in stray:
            first = min(
                r for (r, c), v in grid.items() if c == column and r > header_row and not _blank(v)
            )
            self.problem(
                "column-no-header",
                self.at(title, f"{_letter(column)}{first}"),
                WARNING,
                column=_letter(column),
            )
        return columns, extra

    # -- About ----------------------------------------------------------------------------

    def _about(self, rows: list[_Row]) -> None:
        data = self.doc.data
        seen: dict[str, str] = {}
        notes: list = []
        for row in rows:
            name_cell = row.cells.get("field")
            if name_cell is None:
                self.problem("about-field.no-name", self.cell_place(row, "value"))
                continue
            label = name_cell.value if isinstance(name_cell.value, str) else str(name_cell.value)
            field_ = L.about_field(label)
            where = self.at(row.title, name_cell.coordinate)
            if field_ is None:
                allowed = ", ".join(f"{c.zh} {c.en}" for c in L.ABOUT_FIELDS)
                self.problem(
                    "about-field.unknown", where, field=V.clean_text(label), allowed=allowed
                )
                continue
            if field_.key != "note" and field_.key in seen:
                self.problem(
                    "about-field.twice", where, field=V.clean_text(label), other=seen[field_.key]
                )
                continue
            seen[field_.key] = name_cell.coordinate
            if field_.key == "note":
                path = ("notes", len(notes))
                holder: dict = {}
                self.put(row, "value", path, V.text, holder, "note")
                if "note" in holder:
                    notes.append(holder["note"])
                continue
            target, name, path, convert = self._about_target(field_.key)
            self.put(row, "value", path, convert, target, name)
            self.doc.key_places[path] = where
            if len(path) == 2:
                self.doc.places.setdefault(path[:1], self.doc.places[path])
        if notes:
            data["notes"] = notes

    def _about_target(self, key: str):
        data = self.doc.data
        if key == "ratebook":
            return data, "ratebook", ("ratebook",), V.integer
        if key in ("id", "jurisdiction"):
            return data, key, (key,), V.text
        if key in ("title_zh", "title_en"):
            part = key.split("_")[1]
            return data.setdefault("title", {}), part, ("title", part), V.text
        part = key.split("_", 1)[1]
        convert = (lambda value: V.source_date(value, self.epoch)) if part == "date" else V.text
        return data.setdefault("source", {}), part, ("source", part), convert

    # -- inputs, outputs, parameters ------------------------------------------------------

    def _name(self, row: _Row) -> str | None:
        """The row's name, or None after reporting why it has none."""
        cell = row.cells.get("name")
        where = self.cell_place(row, "name")
        if cell is None:
            self.problem("row-name", where, row=row.sheet.row_name)
            return None
        value = self.value(cell, row, "name", where)
        if value is _SKIP:
            return None
        try:
            return V.text(value)
        except V.CellProblem as problem:
            self.problem("cell-value", where, column="name", reason=problem.reason)
            return None

    def _named_rows(self, sheet: L.Sheet, section: str, build) -> None:
        seen: dict[str, str] = {}
        for row in self._rows(sheet):
            name = self._name(row)
            if name is None:
                continue
            where = self.cell_place(row, "name")
            if name in seen:
                self.problem(
                    "duplicate-key.row", where, row=sheet.row_name, name=name, other=seen[name]
                )
                continue
            seen[name] = where.cell
            path = (section, name)
            self.doc.places[path] = where
            self.doc.key_places[path] = where
            spec: dict = {}
            self.doc.data[section][name] = spec
            build(row, path, spec)

    def _label(self, row: _Row, path: tuple, spec: dict) -> None:
        label: dict = {}
        self.put(row, "label_zh", path + ("label", "zh"), V.text, label, "zh")
        self.put(row, "label_en", path + ("label", "en"), V.text, label, "en")
        if label:
            missing = (
                "label_en" if "en" not in label else "label_zh" if "zh" not in label else "label_zh"
            )
            self.doc.places[path + ("label",)] = self.cell_place(row, missing, path + ("label",))
            spec["label"] = label

    def _input(self, row: _Row, path: tuple, spec: dict) -> None:
        self.put(row, "type", path + ("type",), V.text, spec, "type")
        self.put(row, "unit", path + ("unit",), V.text, spec, "unit")
        self.put(row, "min", path + ("min",), _number_cell, spec, "min")
        self.put(row, "max", path + ("max",), _number_cell, spec, "max")
        self.put(row, "values", path + ("values",), V.name_list, spec, "values")
        for i, _ in enumerate(spec.get("values") or []):
            self.doc.places[path + ("values", i)] = self.doc.places[path + ("values",)]
        self.put(row, "ordered", path + ("ordered",), V.flag, spec, "ordered")
        kind = spec.get("type")
        self.put(
            row,
            "default",
            path + ("default",),
            lambda v: V.case_value(v, kind, self.epoch, spec.get("unit") or None),
            spec,
            "default",
        )
        self._label(row, path, spec)
        self._value_labels(row, path, spec)
        self.put(row, "note", path + ("note",), V.text, spec, "note")

    def _value_labels(self, row: _Row, path: tuple, spec: dict) -> None:
        """The two columns of value labels, in the order of the values, as YAML's
        `value_labels: {employee: {zh: 职工, en: Employee}}`."""
        lists: dict = {}
        for lang in ("zh", "en"):
            key = f"value_labels_{lang}"
            self.put(row, key, path + ("value_labels", lang), V.label_list, lists, lang)
        values = spec.get("values")
        if not lists or not isinstance(values, list):
            return
        labels: dict = {}
        for lang, words in lists.items():
            key = f"value_labels_{lang}"
            where = self.cell_place(row, key, path + ("value_labels",))
            if not isinstance(words, list) or len(words) != len(values):
                count = len(words) if isinstance(words, list) else 1
                self.problem(
                    "value-labels-count", where, name=path[-1], count=count, expected=len(values)
                )
                continue
            for value, text in zip(values, words, strict=True):
                if text:
                    labels.setdefault(value, {})[lang] = text
                    self.doc.places[path + ("value_labels", value)] = where
        if labels:
            spec["value_labels"] = labels

    def _output(self, row: _Row, path: tuple, spec: dict) -> None:
        self.put(row, "type", path + ("type",), V.text, spec, "type")
        self.put(row, "unit", path + ("unit",), V.text, spec, "unit")
        rounding: dict = {}
        self.put(row, "places", path + ("rounding", "places"), V.integer, rounding, "places")
        self.put(row, "mode", path + ("rounding", "mode"), V.text, rounding, "mode")
        if rounding:
            spec["rounding"] = rounding
            self.doc.places[path + ("rounding",)] = self.cell_place(
                row, "places", path + ("rounding",)
            )
        self._label(row, path, spec)
        self.put(row, "note", path + ("note",), V.text, spec, "note")

    def _parameter(self, row: _Row, path: tuple, spec: dict) -> None:
        for key in ("kind", "unit", "method", "input_unit", "output_unit", "key"):
            self.put(row, key, path + (key,), V.text, spec, key)
        self.put(row, "max", path + ("max",), _number_cell, spec, "max")
        self.put(row, "unnumbered", path + ("unnumbered",), V.flag, spec, "unnumbered")
        self._label(row, path, spec)
        source: dict = {}
        self.put(row, "clause", path + ("source", "clause"), V.text, source, "clause")
        self.put(row, "quote", path + ("source", "quote"), V.text, source, "quote")
        if source:
            spec["source"] = source
            self.doc.places[path + ("source",)] = self.cell_place(row, "clause", path + ("source",))
        self.put(row, "note", path + ("note",), V.text, spec, "note")

    # -- dated values ---------------------------------------------------------------------

    def _owner(self, row: _Row, kinds: tuple, sheet_for: dict) -> str | None:
        """The parameter a value row belongs to, checked against the Parameters sheet."""
        cell = row.cells.get("parameter")
        where = self.cell_place(row, "parameter")
        if cell is None:
            self.problem("row-parameter.missing", where, row=row.sheet.row_name)
            return None
        value = self.value(cell, row, "parameter", where)
        if value is _SKIP:
            return None
        try:
            name = V.text(value)
        except V.CellProblem as problem:
            self.problem("cell-value", where, column="parameter", reason=problem.reason)
            return None
        parameters = self.doc.data["parameters"]
        spec = parameters.get(name)
        fitting = sorted(n for n, s in parameters.items() if s.get("kind") in kinds)
        if spec is None:
            self.problem(
                "row-parameter.unknown",
                where,
                name=name,
                fitting=", ".join(fitting) or Message("words.none"),
            )
            return None
        kind = spec.get("kind")
        if kind not in kinds and kind in sheet_for:
            self.problem(
                "row-parameter.wrong-sheet", where, name=name, kind=kind, sheet=sheet_for[kind]
            )
            return None
        return name

    def _entry(self, name: str, start: str, row: _Row, groups: dict) -> tuple[dict, tuple, bool]:
        """The dated entry of `name` starting `start` (created on its first row). Rows of one
        date continue its entry only while they follow each other: the same date again after
        another date's rows starts a new entry, which the date check then reports at its own
        row instead of its brackets being added to the first one."""
        values = self.doc.data["parameters"][name].setdefault("values", [])
        key: tuple = (name, start)
        current = groups.get(("_current", name))  # the key of the rows just above
        if current is not None and current[:2] == key:
            key = current
        elif key in groups:
            key = (name, start, row.number)
        groups[("_current", name)] = key
        if key in groups:
            return groups[key], groups[key]["_path"], False
        path = ("parameters", name, "values", len(values))
        entry: dict = {}
        values.append(entry)
        groups[key] = {"entry": entry, "_path": path}
        self.doc.places[path] = self.cell_place(row, "from", path)
        self.put(row, "from", path + ("from",), lambda v: V.date(v, self.epoch), entry, "from")
        return groups[key], path, True

    def _start(self, row: _Row) -> str:
        cell = row.cells.get("from")
        if cell is None or isinstance(cell.value, (_Error, _Unsaved)):
            return f"?{row.number}"
        try:
            return V.date(cell.value, self.epoch) or f"?{row.number}"
        except V.CellProblem:
            return f"!{cell.value}"

    def _sheet_names(self) -> dict:
        return {
            "amount": L.VALUES.title,
            "rate": L.VALUES.title,
            "scale": L.SCALES.title,
            "table": L.TABLES.title,
        }

    def _values(self, rows: list[_Row]) -> None:
        for row in rows:
            name = self._owner(row, ("amount", "rate"), self._sheet_names())
            if name is None:
                continue
            group, path, _ = self._entry(name, f"row {row.number}", row, {})
            entry = group["entry"]
            self.put(row, "value", path + ("value",), _number_cell, entry, "value")
            self.put(row, "note", path + ("note",), V.text, entry, "note")

    def _period_note(self, row: _Row, path: tuple, entry: dict) -> None:
        holder: dict = {}
        if "period_note" not in row.cells:
            return
        if "note" in entry:
            where = self.cell_place(row, "period_note")
            other = self.doc.places.get(path + ("note",))
            try:
                same = V.text(row.cells["period_note"].value) == entry["note"]
            except V.CellProblem:
                same = False
            if not same:
                self.problem("period-note", where, first=other.cell if other else "?")
            return
        self.put(row, "period_note", path + ("note",), V.text, holder, "note")
        if "note" in holder:
            entry["note"] = holder["note"]

    def _scales(self, rows: list[_Row]) -> None:
        groups: dict = {}
        for row in rows:
            name = self._owner(row, ("scale",), self._sheet_names())
            if name is None:
                continue
            group, path, _ = self._entry(name, self._start(row), row, groups)
            entry = group["entry"]
            brackets = entry.setdefault("brackets", [])
            where = path + ("brackets", len(brackets))
            bracket: dict = {}
            brackets.append(bracket)
            self.doc.places[where] = self.cell_place(row, "lower_word", where)
            self._bound(
                row, where, bracket, "lower_word", "lower", L.LOWER_WORDS, "over or at_least"
            )
            self._bound(row, where, bracket, "upper_word", "upper", L.UPPER_WORDS, "up_to or below")
            self.put(row, "rate", where + ("rate",), _number_cell, bracket, "rate")
            self.put(row, "amount", where + ("amount",), _number_cell, bracket, "amount")
            self.put(row, "note", where + ("note",), V.text, bracket, "note")
            self._period_note(row, path, entry)

    def _bound(
        self,
        row: _Row,
        where: tuple,
        bracket: dict,
        word_key: str,
        number_key: str,
        words: dict,
        allowed: str,
    ) -> None:
        word_cell, number_cell = row.cells.get(word_key), row.cells.get(number_key)
        if word_cell is None and number_cell is None:
            return
        place = self.cell_place(row, word_key, where)
        if word_cell is None:
            self.problem(
                "bracket-word.missing",
                place,
                number=self.column_name(row, number_key),
                word=self.column_name(row, word_key),
                allowed=allowed,
            )
            return
        value = self.value(word_cell, row, word_key, place)
        if value is _SKIP:
            return
        typed = V.clean_text(str(value)).replace(" ", "_")
        word = words.get(typed.casefold()) or words.get(typed)
        if word is None:
            listed = ", ".join(words)
            self.problem(
                "bracket-word.unknown",
                place,
                column=self.column_name(row, word_key),
                value=V.clean_text(str(value)),
                allowed=listed,
            )
            return
        if number_cell is None:
            self.problem(
                "bracket-word.no-number",
                self.cell_place(row, number_key, where),
                column=self.column_name(row, word_key),
                word=word,
                number=self.column_name(row, number_key),
            )
            return
        self.doc.key_places[where + (word,)] = place
        self.put(row, number_key, where + (word,), _number_cell, bracket, word)

    def _tables(self, rows: list[_Row]) -> None:
        groups: dict = {}
        for row in rows:
            name = self._owner(row, ("table",), self._sheet_names())
            if name is None:
                continue
            group, path, _ = self._entry(name, self._start(row), row, groups)
            entry = group["entry"]
            table = entry.setdefault("rows", {})
            key_cell = row.cells.get("key")
            place = self.cell_place(row, "key", path)
            if key_cell is None:
                self.problem("table-key.row-without-key", place)
                continue
            value = self.value(key_cell, row, "key", place)
            if value is _SKIP:
                continue
            try:
                key = V.case_value(value, None, self.epoch)
                if isinstance(key, V.Decimal):
                    key = V.integer(value)
            except V.CellProblem as problem:
                self.problem("cell-value", place, column="key", reason=problem.reason)
                continue
            if key in table:
                self.problem("table-key.twice", place, key=key, name=name, start=entry["from"])
                continue
            self.doc.key_places[path + ("rows", key)] = place
            self.put(row, "value", path + ("rows", key), _number_cell, table, key)
            self._period_note(row, path, entry)

    # -- formulas, checks, cases ------------------------------------------------------------

    def _formulas(self, rows: list[_Row]) -> None:
        formulas = self.doc.data["formulas"]
        extras = self.extras.get(self.titles.get("formulas", ""))
        seen: dict[str, str] = {}
        for row in rows:
            name = self._name(row)
            if name is None:
                continue
            name_place = self.cell_place(row, "name")
            if name in seen:
                self.problem("duplicate-key.formula", name_place, name=name, other=seen[name])
                continue
            seen[name] = name_place.cell
            path = ("formulas", name)
            self.doc.key_places[path] = name_place
            self.doc.places[path] = self.cell_place(row, "formula", path)
            cell = row.cells.get("formula")
            excel = extras.formulas.get(cell.coordinate) if extras and cell is not None else None
            if excel is not None and excel[1]:
                self.problem("formula-excel", self.doc.places[path], formula=excel[0])
                formulas[name] = "?"
                continue
            self.put(row, "formula", path, V.text, formulas, name)
            formulas.setdefault(name, "")

    def _checks(self, rows: list[_Row]) -> None:
        checks: list[dict] = []
        for row in rows:
            path = ("checks", len(checks))
            check: dict = {}
            checks.append(check)
            self.doc.places[path] = self.cell_place(row, "rule", path)
            self.put(row, "rule", path + ("rule",), V.text, check, "rule")
            self.put(row, "message", path + ("message",), V.text, check, "message")
        if checks:
            self.doc.data["checks"] = checks
            self.doc.places[("checks",)] = self._sheet_place(L.CHECKS)

    def _subject_to(self, rows: list[_Row]) -> None:
        entries: list[dict] = []
        for row in rows:
            path = ("subject_to", len(entries))
            entry: dict = {}
            entries.append(entry)
            self.doc.places[path] = self.cell_place(row, "rule", path)
            for key in ("rule", "assumption"):
                self.put(row, key, path + (key,), V.text, entry, key)
        if entries:
            self.doc.data["subject_to"] = entries
            self.doc.places[("subject_to",)] = self._sheet_place(L.SUBJECT_TO)

    def _properties(self, rows: list[_Row]) -> None:
        """A property's clause and quote are its `source`, as in YAML."""
        entries: list[dict] = []
        for row in rows:
            path = ("properties", len(entries))
            entry: dict = {}
            entries.append(entry)
            self.doc.places[path] = self.cell_place(row, "kind", path)
            for key in ("kind", "output", "input", "direction", "at_most", "at_least", "note"):
                self.put(row, key, path + (key,), V.text, entry, key)
            source: dict = {}
            for key in ("clause", "quote"):
                self.put(row, key, path + ("source", key), V.text, source, key)
            entry["source"] = source
        if entries:
            self.doc.data["properties"] = entries
            self.doc.places[("properties",)] = self._sheet_place(L.PROPERTIES)

    def _advice(self, rows: list[_Row]) -> None:
        """An advisory threshold: its clause and quote are its `source`, its two messages its
        `message`, as in YAML; the number is read by the model in its field's unit."""
        entries: list[dict] = []
        for row in rows:
            path = ("advice", len(entries))
            entry: dict = {}
            entries.append(entry)
            self.doc.places[path] = self.cell_place(row, "name", path)
            for key in ("name", "field", "comparator", "word", "note"):
                self.put(row, key, path + (key,), V.text, entry, key)
            self.put(row, "value", path + ("value",), _raw, entry, "value")
            source: dict = {}
            for key in ("clause", "quote"):
                self.put(row, key, path + ("source", key), V.text, source, key)
            entry["source"] = source
            message: dict = {}
            for key, language in (("message_zh", "zh"), ("message_en", "en")):
                self.put(row, key, path + ("message", language), V.text, message, language)
            entry["message"] = message
        if entries:
            self.doc.data["advice"] = entries
            self.doc.places[("advice",)] = self._sheet_place(L.ADVICE)

    def _cases(self, rows: list[_Row]) -> None:
        data = self.doc.data
        input_types = {n: s.get("type") for n, s in data["inputs"].items()}
        output_types = {n: s.get("type") for n, s in data["outputs"].items()}
        units = {
            (side, n): s.get("unit") or None
            for side, fields in (("in", data["inputs"]), ("out", data["outputs"]))
            for n, s in fields.items()
        }
        cases: list[dict] = []
        for row in rows:
            path = ("cases", len(cases))
            case: dict = {}
            cases.append(case)
            self.doc.places[path] = self.cell_place(row, "name", path)
            self.put(row, "name", path + ("name",), V.text, case, "name")
            self.put(row, "on", path + ("on",), lambda v: V.date(v, self.epoch), case, "on")
            case["inputs"], case["expected"] = {}, {}
            self.doc.places[path + ("inputs",)] = self.doc.places[path]
            self.doc.places[path + ("expected",)] = self.doc.places[path]
            for (side, name), cell in sorted(
                row.extra.items(), key=lambda item: _column_order(item[1].coordinate)
            ):
                section, types = (
                    ("inputs", input_types) if side == "in" else ("expected", output_types)
                )
                kind = types.get(name)
                where = self.at(row.title, cell.coordinate, path + (section, name))
                self.doc.places[path + (section, name)] = where
                self.doc.key_places[path + (section, name)] = where
                value = self.value(cell, row, (side, name), where)
                if value is _SKIP:
                    case[section][name] = "?"
                    continue
                try:
                    converted = V.case_value(value, kind, self.epoch, units.get((side, name)))
                except V.CellProblem as problem:
                    self.problem(
                        "cell-value", where, column=f"{side}:{name}", reason=problem.reason
                    )
                    case[section][name] = V.shown(value)
                    continue
                case[section][name] = converted
            self.put(row, "why", path + ("why",), V.text, case, "why")
        if cases:
            data["cases"] = cases
            self.doc.places[("cases",)] = self._sheet_place(L.CASES)


_SKIP = object()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not V.clean_text(value))


def _position(coordinate: str):
    from openpyxl.utils.cell import coordinate_to_tuple

    try:
        return coordinate_to_tuple(coordinate)
    except (ValueError, TypeError):
        return None


def _column_order(coordinate: str) -> tuple:
    letters = "".join(ch for ch in coordinate if ch.isalpha())
    return (len(letters), letters)


def _number_cell(value):
    """A number cell as Excel stored it (15 significant digits), or typed as text. A text
    whose reading depends on the field's unit (`35000元`, `30%`) is kept as text for the
    model builder, which reads it in that unit as it reads the same text in a YAML policy;
    its findings point to this cell."""
    if isinstance(value, str):
        if "%" in value:
            return value
        try:
            return V.number(value)
        except V.Refusal as refusal:
            if refusal.code == "number.unit":
                return value
            raise
    return V.number(value)


def _raw(value):
    """A cell's value as it is (a number, or text such as `200平方米`), for a reader that
    knows its unit."""
    return value
