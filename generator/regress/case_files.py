"""Read case files written by people (CSV, Excel, YAML) into one list of cases.

A case names a policy, a date and inputs, and may give the outputs its author expects (or
the refusal). The same layout serves `ratebook test` (check the expectations) and
`ratebook diff --cases` (only inputs and dates matter), and the generated test tables are
themselves case files.

CSV files may be UTF-8 (with or without Excel's byte-order mark) or GBK/GB18030, told from
the file (`generator.core.text_encoding`), or in an encoding the user names.
CSV and Excel: one header row, then one case per row. Rows before the header whose first
cell starts with `#` are comments; blank rows are skipped. Columns:
    policy     the policy id (required)
    on         the date, YYYY-MM-DD (required)
    case       a name for the case (optional)
    in:NAME    an input; an empty cell leaves it out (its default applies)
    out:NAME   an expected output; an empty cell is not checked
    error      the case must be refused with a message containing this text
    why        free text, shown with failures
Excel: every non-empty sheet of the workbook holds cases in this layout.
YAML: a list of cases, or a mapping with `cases:` (and `policy:` for all of them); each case
has `policy`, `on`, `name`, `inputs: {…}`, `expected: {…}`, `error`, `why`.

Problems of form (no `on` column, a date that is not one, an unknown column) are findings
with their place; values are checked against the policy only when the case is run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, replace
from pathlib import Path

from generator.core import limits
from generator.core import values as V
from generator.core.case_columns import Fields, read_header
from generator.core.findings import Finding, finding
from generator.core.location import Location
from generator.core.messages import Message
from generator.core.workbook_guard import package_problem, sheet_rows

CASE_SUFFIXES = (".csv", ".xlsx", ".yaml", ".yml")
PLAIN_COLUMNS = ("policy", "case", "on", "error", "why")
YAML_KEYS = ("policy", "name", "on", "inputs", "expected", "error", "why")


@dataclass(frozen=True)
class CaseSpec:
    policy: str
    name: str  # "" when the file gives none; the location then names the case
    on: dt.date
    inputs: tuple  # ((input, value as written), ...)
    expected: tuple  # ((output, value as written), ...)
    error: str = ""  # expected refusal (a part of its message); "" = the case must evaluate
    why: str = ""
    location: Location = Location("")
    source: str = ""  # the file the case comes from, for grouping results


def case_files(paths, root: Path) -> tuple[list[Path], list[Finding]]:
    """The case files named by `paths` (files, or folders searched in sorted order)."""
    found: list[Path] = []
    findings: list[Finding] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in CASE_SUFFIXES
                and not p.name.startswith((".", "~$"))
            )
        elif path.is_file():
            if path.suffix.lower() not in CASE_SUFFIXES:
                findings.append(
                    finding(
                        "case-file-kind",
                        Location(display(path, root)),
                        suffixes=", ".join(CASE_SUFFIXES),
                    )
                )
            else:
                found.append(path)
        else:
            findings.append(finding("case-file-missing", Location(display(path, root))))
    return found, findings


def display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def read_cases(
    paths,
    root: Path,
    encoding: str | None = None,
    policies=(),
    policy: str = "",
    on: dt.date | None = None,
) -> tuple[list[CaseSpec], list[Finding]]:
    """Every case of every file under `paths`, and every problem of form found in them.
    `encoding`: the CSV files', when named; otherwise told from each file. `policies` (the
    project's) say what a plain column heads: an input's or an output's id or label; `policy`
    is the policy of a file without a `policy` column (`--policy`); `on` the date of every
    case when given (`--on`, as in `eval --cases`: the files' `on` columns are then not read)."""
    files, findings = case_files(paths, root)
    cases: list[CaseSpec] = []
    layout = Layout(policies, policy, on)
    for path in files:
        more, problems = read_case_file(path, display(path, root), encoding, layout)
        cases += more
        findings += problems
    return cases, findings


def stream_cases(
    paths,
    root: Path,
    sink,
    chunk_rows: int,
    encoding: str | None = None,
    policies=(),
    policy: str = "",
    on: dt.date | None = None,
) -> list[Finding]:
    """`read_cases`, giving the cases to `sink` a list of at most about `chunk_rows` at a time
    (in file order) instead of keeping them all: the cases of a CSV file are read, made and
    let go a chunk at a time (its encoding told from its first megabyte, as `eval --cases`
    tells it; read_cases tells it from the whole file). Returns every problem of form found."""
    files, findings = case_files(paths, root)
    layout = Layout(policies, policy, on)
    for path in files:
        shown = display(path, root)
        cases: list[CaseSpec] = []
        if path.suffix.lower() == ".csv":
            problems = _too_big(path, shown)
            if not problems:
                cases, problems = _read_csv(path, shown, encoding, layout, sink, chunk_rows)
        else:
            cases, problems = read_case_file(path, shown, encoding, layout)
        for start in range(0, len(cases), max(chunk_rows, 1)):
            sink(cases[start : start + chunk_rows])
        findings += problems
    return findings


class Layout:
    """What a file needs from outside itself: the fields of each policy, for plain column
    headers, and the policy of a file that names none."""

    def __init__(self, policies=(), policy: str = "", on: dt.date | None = None):
        self.policy = policy
        self.on = on  # every case's date (`--on`); None: each case gives its own
        self._fields = {
            p.id: Fields(
                {f.name: (f.label.zh, f.label.en) for f in p.inputs},
                {f.name: (f.label.zh, f.label.en) for f in p.outputs},
            )
            for p in policies
        }

    def fields(self, policy: str) -> Fields | None:
        return self._fields.get(policy)

    def could_name(self, header: str) -> bool:
        """Whether `header` is a case column or names a field of some policy (always true
        when no policies are known: the run then says what is wrong)."""
        if not self._fields or header.strip() in PLAIN_COLUMNS:
            return True
        return any(read_header(header, f) != ("", "") for f in self._fields.values())


def read_case_file(
    path: Path, shown: str, encoding: str | None = None, layout: Layout | None = None
) -> tuple[list[CaseSpec], list[Finding]]:
    layout = layout or Layout()
    suffix = path.suffix.lower()
    refused = _too_big(path, shown)
    if refused:
        return [], refused
    if suffix == ".csv":
        return _read_csv(path, shown, encoding, layout)
    if suffix == ".xlsx":
        return _read_xlsx(path, shown, layout)
    return _read_yaml(path, shown, layout)


def _too_big(path: Path, shown: str) -> list[Finding]:
    """The finding of a file this reader cannot read (it reads a file whole into memory)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return [finding("unreadable", Location(shown), reason=exc.strerror)]
    if size > limits.CASE_FILE_MAX_BYTES:  # read whole into memory: bounded
        return [
            finding("case-limit.file", Location(shown), size=size, limit=limits.CASE_FILE_MAX_BYTES)
        ]
    return []


# -- tables: CSV and Excel ------------------------------------------------------------------------


class _Table:
    """Rows of cells with a place for each cell, however the file was read."""

    def __init__(
        self,
        shown: str,
        cells: bool = False,
        layout: Layout | None = None,
        sink=None,
        chunk_rows: int = 0,
    ):
        self.shown = shown
        self.layout = layout or Layout()
        self.reported: set = set()  # plain headers already reported, once a file
        self.header_row = None
        self.cells = cells  # Excel cells: a float is Excel's, a number in `on` a date serial
        self.cases: list[CaseSpec] = []
        self.findings: list[Finding] = []
        self._fields: dict[str, tuple[tuple, tuple] | None] = {}  # fields_of, per policy
        self.sink = sink  # given: takes the cases read so far, a chunk at a time
        self.chunk_rows = chunk_rows

    def read(self, rows, place) -> None:
        """`rows`: (row key, [cells]); `place(key, column index)` gives a cell's Location."""
        header = None
        for key, cells in rows:
            if all(_blank(c) for c in cells):
                continue
            if header is None:
                if isinstance(cells[0], str) and cells[0].lstrip().startswith("#"):
                    continue
                header = self.header(key, cells, place)
                if header is None:
                    return
                continue
            self.row(key, cells, header, place)
            if self.sink is not None and len(self.cases) >= self.chunk_rows:
                self.sink(self.cases)
                self.cases = []
        if self.sink is not None and self.cases:
            self.sink(self.cases)
            self.cases = []
        if header is None:
            self.findings.append(finding("case-file-empty", place(None, None)))

    def header(self, key, cells, place) -> dict | None:
        names: dict[str, int] = {}
        ok = True
        for index, cell in enumerate(cells):
            name = "" if cell is None else str(cell).strip()
            if not name:
                continue
            if name in names:
                self.findings.append(finding("case-column.twice", place(key, index), name=name))
                ok = False
            elif (
                name.startswith(("in:", "out:")) and not name.split(":", 1)[1].strip()
            ) or not self.layout.could_name(name):
                self.findings.append(
                    finding(
                        "case-column.unknown",
                        place(key, index),
                        name=name,
                        allowed=", ".join(PLAIN_COLUMNS),
                    )
                )
                ok = False
            names[name] = index
        if "on" not in names and self.layout.on is None:
            self.findings.append(finding("case-column.missing", place(key, 0), name="on"))
            ok = False
        if "policy" not in names and not self.layout.policy:
            self.findings.append(finding("case-policy.none", place(key, 0)))
            ok = False
        self.header_row = key
        return names if ok else None

    def fields_of(self, policy: str, header: dict, place) -> tuple[tuple, tuple] | None:
        """(inputs, expected) column indexes of a row of `policy`: [(field, index)] each;
        None (with findings, once a file) when a header names nothing or two fields."""
        fields = self.layout.fields(policy) or Fields({}, {})
        known = self.layout.fields(policy) is not None
        inputs: list = []
        expected: list = []
        ok = True
        for name, index in header.items():
            if name in PLAIN_COLUMNS:
                continue
            meaning = read_header(name, fields)
            if isinstance(meaning, list) or meaning == ("", ""):
                if not known and not isinstance(meaning, list):
                    inputs.append((name, index))  # the run says the policy is unknown
                    continue
                ok = False
                if (policy, name) in self.reported:
                    continue
                self.reported.add((policy, name))
                where = place(self.header_row, index)
                if isinstance(meaning, list):
                    candidates = ", ".join(f"{k}:{n}" for k, n in meaning)
                    self.findings.append(
                        finding("case-column.ambiguous", where, name=name, candidates=candidates)
                    )
                else:
                    allowed = ", ".join((*PLAIN_COLUMNS, *fields.inputs, *fields.outputs))
                    self.findings.append(
                        finding("case-column.unknown", where, name=name, allowed=allowed)
                    )
                continue
            kind, field = meaning
            (inputs if kind == "in" else expected).append((field, index))
        return (tuple(inputs), tuple(expected)) if ok else None

    def row(self, key, cells, header: dict, place) -> None:
        def cell(name):
            index = header.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        policy = _plain(cell("policy")) or self.layout.policy
        if not policy:
            self.findings.append(finding("case-policy", place(key, header.get("policy", 0))))
            return
        given = cell("on")
        on, problem = (
            (self.layout.on, Message("case-date.empty"))
            if self.layout.on is not None  # --on is every case's date, as in eval --cases
            else _date(given, self.cells)
        )
        if on is None:
            self.findings.append(problem.at(place(key, header.get("on", 0))))
            return
        value = _cell_value if self.cells else _text_value
        if policy not in self._fields:  # the same header for every row of the policy
            self._fields[policy] = self.fields_of(policy, header, place)
        columns = self._fields[policy]
        if columns is None:
            return
        inputs = tuple(
            (n, value(cells[i])) for n, i in columns[0] if i < len(cells) and not _blank(cells[i])
        )
        expected = tuple(
            (n, value(cells[i])) for n, i in columns[1] if i < len(cells) and not _blank(cells[i])
        )
        self.cases.append(
            CaseSpec(
                policy,
                _plain(cell("case")),
                on,
                inputs,
                expected,
                _plain(cell("error")),
                _plain(cell("why")),
                place(key, 0),
                self.shown,
            )
        )


def _read_csv(
    path: Path,
    shown: str,
    encoding: str | None = None,
    layout: Layout | None = None,
    sink=None,
    chunk_rows: int = 0,
):
    from generator.core import text_encoding
    from generator.core.errors import RatebookError

    table = _Table(shown, layout=layout, sink=sink, chunk_rows=chunk_rows)
    try:
        # UTF-8 with or without BOM, GBK/GB18030 (Chinese Excel's "CSV"), or as named: told
        # from the whole file when it is read whole, from its first megabyte (as `eval
        # --cases` tells it) when its cases go to a sink a chunk at a time
        if sink is None:
            text: io.TextIOBase = io.StringIO(
                text_encoding.read_text(path, encoding, shown), newline=""
            )
        else:
            chosen = text_encoding.decide(path, encoding, shown)
            text = open(path, encoding=chosen.name, newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        return [], [finding("unreadable", Location(shown), reason=exc.strerror)]
    except RatebookError as error:  # bytes that are not text: the finding has their line
        return [], error.findings
    reader = csv.reader(text)

    def rows():
        start = 1
        try:
            for cells in reader:
                if len(cells) > limits.CASE_FILE_MAX_COLUMNS:
                    limit = limits.CASE_FILE_MAX_COLUMNS
                    table.findings.append(
                        finding("case-limit.columns", Location(shown, start), limit=limit)
                    )
                    return
                yield start, cells
                start = reader.line_num + 1
        except csv.Error as exc:
            table.findings.append(
                finding("csv-syntax", Location(shown, reader.line_num), reason=str(exc))
            )
        except UnicodeDecodeError:  # read a chunk at a time: bytes past the first megabyte
            table.findings += text_encoding.undecodable(path, chosen, shown).findings

    with text:
        table.read(rows(), lambda line, column: Location(shown, line or 0))
    return table.cases, table.findings


def _read_xlsx(path: Path, shown: str, layout: Layout):
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    too_big = package_problem(
        path,
        max_file=None,
        max_inflated=limits.CASE_WORKBOOK_MAX_INFLATED_BYTES,
        max_part=limits.CASE_WORKBOOK_MAX_PART_BYTES,
        inflated_limit="CASE_WORKBOOK_MAX_INFLATED_BYTES",
    )
    if too_big:
        return [], [too_big.at(Location(shown))]
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [finding("unreadable.workbook", Location(shown), reason=str(exc))]
    cases: list[CaseSpec] = []
    findings: list[Finding] = []
    try:
        for sheet in book.worksheets:
            try:
                rows = [
                    (number, list(values))
                    for number, values in enumerate(sheet_rows(sheet, values_only=True), start=1)
                ]
            except Exception as exc:  # noqa: BLE001 - a damaged part shows only as it is read
                where = Location(shown, sheet=sheet.title)
                return [], [finding("unreadable.workbook", where, reason=str(exc))]
            if len(rows[0][1] if rows else ()) > limits.CASE_FILE_MAX_COLUMNS:
                where = Location(shown, sheet=sheet.title, cell="A1")
                limit = limits.CASE_FILE_MAX_COLUMNS
                return [], [finding("case-limit.columns", where, limit=limit)]
            if not any(not _blank(c) for _, cells in rows for c in cells):
                continue
            table = _Table(shown, cells=True, layout=layout)

            def place(row, column, title=sheet.title):
                if row is None:
                    return Location(shown, sheet=title)
                return Location(
                    shown, sheet=title, cell=f"{get_column_letter((column or 0) + 1)}{row}"
                )

            table.read(rows, place)
            cases += table.cases
            findings += table.findings
    finally:
        book.close()
    return cases, findings


# -- YAML ----------------------------------------------------------------------------------------


def _read_yaml(path: Path, shown: str, layout: Layout):
    from generator.sources.yaml_reader import read_yaml

    doc, findings = read_yaml(path, shown)
    if doc is None or doc.data is None:
        return [], findings
    data, prefix, default_policy = doc.data, (), None
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"policy", "cases"})
        if unknown:
            findings.append(finding("case-key.top", doc.key_place((unknown[0],)), key=unknown[0]))
        default_policy, data, prefix = data.get("policy"), data.get("cases"), ("cases",)
    default_policy = default_policy or layout.policy or None
    if not isinstance(data, list):
        findings.append(finding("case-file-shape", doc.place(prefix)))
        return [], findings
    cases = []
    for index, item in enumerate(data):
        path_ = prefix + (index,)
        case = _yaml_case(doc, item, path_, default_policy, shown, findings, layout.on)
        if case is not None:
            cases.append(_by_id(case, layout))
    return cases, findings


def _by_id(case: CaseSpec, layout: Layout) -> CaseSpec:
    """A YAML case whose inputs or expected outputs are named by their labels, named by id
    (a name that is no label, or an ambiguous one, is kept: the run says why it is refused)."""
    fields = layout.fields(case.policy)
    if fields is None:
        return case

    def named(pairs, kind):
        renamed = []
        for name, value in pairs:
            meaning = read_header(f"{kind}:{name}", fields)
            renamed.append((meaning[1] if isinstance(meaning, tuple) else name, value))
        return tuple(renamed)

    return replace(case, inputs=named(case.inputs, "in"), expected=named(case.expected, "out"))


def _yaml_case(doc, item, path: tuple, default_policy, shown: str, findings: list, default_on=None):
    where = doc.place(path)
    if not isinstance(item, dict):
        findings.append(finding("case-shape", where))
        return None
    bad = False
    for key in item:
        if key not in YAML_KEYS:
            findings.append(
                finding(
                    "case-key", doc.key_place(path + (key,)), key=key, allowed=", ".join(YAML_KEYS)
                )
            )
            bad = True
    policy = _plain(item.get("policy", default_policy))
    if not policy:
        findings.append(finding("case-policy", where))
        bad = True
    given = item.get("on")
    on, problem = (
        (default_on, Message("case-date.empty"))
        if default_on is not None  # --on is every case's date, as in eval --cases
        else _date(given)
    )
    if on is None:
        findings.append(problem.at(doc.place(path + ("on",))))
        bad = True
    parts = {}
    for key in ("inputs", "expected"):
        value = item.get(key, {})
        if value is None:
            value = {}
        if not isinstance(value, dict):
            findings.append(finding("case-shape.part", doc.place(path + (key,)), key=key))
            bad = True
            value = {}
        parts[key] = tuple((str(k), v) for k, v in value.items() if v is not None)
    if bad or on is None:
        return None
    return CaseSpec(
        policy,
        _plain(item.get("name")),
        on,
        parts["inputs"],
        parts["expected"],
        _plain(item.get("error")),
        _plain(item.get("why")),
        where,
        shown,
    )


# -- cells -----------------------------------------------------------------------------------------


def _blank(value) -> bool:
    return V.is_blank(value)


def _plain(value) -> str:
    return "" if value is None else str(value).strip()


def _date(value, cell: bool = False) -> tuple[dt.date | None, Message]:
    """The case's date (None when it has none) and the reason to give when it has none; read
    as every other date field is."""
    if _blank(value):
        return None, Message("case-date.empty")
    try:
        iso = V.date(value) if cell else None  # a cell: a whole number is a date serial
        day = dt.date.fromisoformat(iso) if iso else V.read_date(value)
    except V.Refusal as refusal:
        return None, Message("case-date", reason=refusal.reason)
    return day, Message("case-date.empty")


def _text_value(value):
    """A field of a CSV file as written (trimmed); the evaluator reads it as the input's type."""
    return value.strip() if isinstance(value, str) else value


def _cell_value(value):
    """An Excel cell as the evaluator reads it: text trimmed, a float as the number Excel
    shows (its 15 significant digits, as in a policy workbook), a date cell as its day."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        try:
            return V.from_float(value)
        except V.Refusal:
            return value
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    return value
