"""Case files in and result files out, in chunks, for `ratebook eval --cases`.

Readers yield Arrow record batches of at most `chunk_rows` rows, so memory stays flat however
long the file; writers take one batch at a time. Input columns are read as text where a
file's own typing could fail on one bad cell (CSV, JSON Lines) — one bad value must reject one
row, never a block — and the batch runtime turns text into exact numbers itself.

Formats by extension: .csv, .parquet, .jsonl (JSON Lines), .xlsx.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyarrow as pa

from generator.core import limits
from generator.core.files import Partial, remove_stale
from generator.core.findings import Finding, RatebookError
from generator.core.location import Location
from generator.core.messages import Message
from generator.core.workbook_guard import package_problem, sheet_rows

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMATS = (".csv", ".parquet", ".jsonl", ".xlsx")
BOM = b"\xef\xbb\xbf"  # UTF-8's byte-order mark: Excel reads a CSV that starts with it as UTF-8


class CaseFileError(RatebookError):
    """A case or result file that cannot be read or written at all (missing, wrong format, no
    header): one finding at the file."""

    def __init__(self, key: str, where: Path | Location, /, **params: object):
        location = where if isinstance(where, Location) else Location(str(where))
        super().__init__([Finding(key, location, params)])


@dataclass
class Source:
    batches: Iterator[pa.RecordBatch]
    total_rows: int | None  # known up front for Parquet; None otherwise
    total_bytes: int
    bytes_read: Callable[[], int]  # bytes consumed so far (for progress)


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise CaseFileError("case-file.type", path, suffix=suffix, formats=", ".join(FORMATS))
    return suffix


def open_cases(path: Path, chunk_rows: int, encoding: str | None = None) -> Source:
    """The file's rows in chunks. `encoding` (a CSV's, as named by the user) overrides the
    detection of `generator.core.text_encoding`."""
    if not path.is_file():
        raise CaseFileError("case-file.missing", path)
    kind = file_format(path)
    size = path.stat().st_size
    if kind == ".parquet":
        return _parquet(path, chunk_rows, size)
    if kind == ".csv":
        return _csv(path, chunk_rows, size, encoding)
    if kind == ".jsonl":
        return _jsonl(path, chunk_rows, size)
    return _xlsx(path, chunk_rows, size)


def _parquet(path: Path, chunk_rows: int, size: int) -> Source:
    import pyarrow.parquet as pq

    try:
        reader = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise CaseFileError("case-file.parquet", path, reason=str(exc)) from None
    total = reader.metadata.num_rows
    done = {"rows": 0}

    def batches():
        for batch in reader.iter_batches(batch_size=chunk_rows):
            done["rows"] += batch.num_rows
            yield batch

    return Source(batches(), total, size, lambda: int(size * done["rows"] / max(total, 1)))


def _csv(path: Path, chunk_rows: int, size: int, named: str | None = None) -> Source:
    import pyarrow.csv as pcsv

    from generator.core import text_encoding

    # UTF-8 (with or without Excel's mark) is read by Arrow as it is; any other encoding is
    # transcoded by Arrow block by block as it reads (ReadOptions.encoding), so memory stays
    # flat either way. A byte that is not text stops the run with its line.
    encoding = text_encoding.decide(path, named, str(path))
    try:
        codec = "utf-8-sig" if encoding.is_utf8 else encoding.name
        with open(path, encoding=codec, newline="") as probe:
            header = probe.readline(limits.CASE_LINE_MAX_BYTES + 1).strip()
    except UnicodeDecodeError:
        raise text_encoding.undecodable(path, encoding, str(path)) from None
    if not header:
        raise CaseFileError("case-file.empty", path)
    names = [n.strip() for n in next(iter(__import__("csv").reader([header])))]
    _bounded_header(names, len(header), Location(str(path), 1))
    block = max(1 << 20, min(64 << 20, chunk_rows * 24))
    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(
                block_size=block, encoding="utf8" if encoding.is_utf8 else encoding.name
            ),
            # only an empty field is missing: "NaN", "N/A" or "null" are text the value
            # reader refuses, as it does in a case file or after --set, not a silent default
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except UnicodeDecodeError:
        raise text_encoding.undecodable(path, encoding, str(path)) from None
    except pa.ArrowInvalid as exc:
        if _not_text(exc):
            raise text_encoding.undecodable(path, encoding, str(path)) from None
        raise CaseFileError("case-file.csv", path, reason=str(exc)) from None
    state = {"bytes": 0, "rows": 0}

    def batches():
        pending: list[pa.RecordBatch] = []
        count = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except UnicodeDecodeError:  # from the transcoding of a non-UTF-8 file
                raise text_encoding.undecodable(path, encoding, str(path)) from None
            except pa.ArrowInvalid as exc:
                if _not_text(exc):
                    raise text_encoding.undecodable(path, encoding, str(path)) from None
                raise CaseFileError("case-file.csv-block", path, reason=str(exc)) from None
            state["rows"] += batch.num_rows
            state["bytes"] = min(size, state["bytes"] + batch.nbytes)
            pending.append(batch)
            count += batch.num_rows
            while count >= chunk_rows:
                table = pa.Table.from_batches(pending)
                yield from _rechunk(table.slice(0, chunk_rows))
                rest = table.slice(chunk_rows)
                pending = rest.to_batches() if rest.num_rows else []
                count = rest.num_rows
        if count:
            yield from _rechunk(pa.Table.from_batches(pending))

    return Source(batches(), None, size, lambda: state["bytes"])


def _not_text(exc: Exception) -> bool:
    """Arrow's words for bytes that are not UTF-8 in a text column."""
    return "invalid UTF8" in str(exc) or "invalid utf8" in str(exc).lower()


def _rechunk(table: pa.Table) -> Iterator[pa.RecordBatch]:
    if table.num_rows:
        yield table.combine_chunks().to_batches()[0]


def _jsonl(path: Path, chunk_rows: int, size: int) -> Source:
    state = {"bytes": 0}

    def batches():
        with open(path, "rb") as stream:
            lines: list[bytes | None] = []
            while line := stream.readline(limits.CASE_LINE_MAX_BYTES + 1):
                state["bytes"] += len(line)
                if len(line) > limits.CASE_LINE_MAX_BYTES:  # skipped, and its row rejected
                    while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                        state["bytes"] += len(rest)
                    state["bytes"] += len(rest)
                    lines.append(None)
                else:
                    lines.append(line)
                if len(lines) >= chunk_rows:
                    yield _json_batch(lines)
                    lines = []
            if lines:
                yield _json_batch(lines)

    return Source(batches(), None, size, lambda: state["bytes"])


def _bounded_header(names: list[str], length: int, where: Location) -> None:
    """Refuses a header longer than one line may be, or of more columns than a case has."""
    if length > limits.CASE_LINE_MAX_BYTES:
        raise CaseFileError("case-limit.line", where, limit=limits.CASE_LINE_MAX_BYTES)
    if len(names) > limits.CASE_FILE_MAX_COLUMNS:
        raise CaseFileError("case-limit.columns", where, limit=limits.CASE_FILE_MAX_COLUMNS)


def _json_batch(lines: list[bytes | None]) -> pa.RecordBatch:
    """One chunk of JSON Lines as text columns; a line that is not an object (or longer than
    `limits.CASE_LINE_MAX_BYTES`: None) becomes a row whose `_line_error` says why, so it is
    rejected, not lost."""
    rows: list[dict] = []
    problems: list[str | None] = []
    for line in lines:
        if line is None:
            rows.append({})
            problems.append(str(Message("case-limit.line", limit=limits.CASE_LINE_MAX_BYTES)))
            continue
        text = line.strip()
        if not text:
            rows.append({})
            problems.append(str(Message("case-line.empty")))
            continue
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, nested too deep
            rows.append({})
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            problems.append(str(Message("case-line.not-json", reason=reason)))
            continue
        if not isinstance(value, dict):
            rows.append({})
            problems.append(str(Message("case-line.not-object")))
            continue
        rows.append(value)
        problems.append(None)
    names = sorted({k for r in rows for k in r})
    columns = {n: pa.array([_text(r.get(n)) for r in rows], type=pa.string()) for n in names}
    if any(problems):
        columns["_line_error"] = pa.array(problems, type=pa.string())
    return (
        pa.RecordBatch.from_pydict(columns)
        if columns
        else pa.RecordBatch.from_pydict({"_empty": [None] * len(rows)})
    )


def _text(value):
    """A JSON value as the text the value reader reads: a JSON number as its plain decimal
    (1e-05 is 0.00001: JSON's own number syntax, not text typed with an exponent)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        from decimal import Decimal

        return format(Decimal(repr(value)), "f")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _xlsx(path: Path, chunk_rows: int, size: int) -> Source:
    import openpyxl

    too_big = package_problem(
        path,
        max_file=None,
        max_inflated=limits.CASE_WORKBOOK_MAX_INFLATED_BYTES,
        max_part=limits.CASE_WORKBOOK_MAX_PART_BYTES,
        inflated_limit="CASE_WORKBOOK_MAX_INFLATED_BYTES",
    )
    if too_big:
        raise CaseFileError(too_big.key, path, **too_big.params)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise CaseFileError("case-file.xlsx", path, kind=type(exc).__name__) from None
    sheet = workbook.worksheets[0]
    rows = sheet_rows(sheet, values_only=True)
    header = next(rows, None)
    if not header or not any(header):
        raise CaseFileError(
            "case-file.no-header", Location(str(path), sheet=sheet.title, cell="A1")
        )
    names = [str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
    _bounded_header(names, 0, Location(str(path), sheet=sheet.title, cell="A1"))
    state = {"rows": 0}

    def batches():
        chunk: list[tuple] = []
        for row in rows:
            chunk.append(row)
            state["rows"] += 1
            if len(chunk) >= chunk_rows:
                yield _xlsx_batch(names, chunk)
                chunk = []
        if chunk:
            yield _xlsx_batch(names, chunk)
        workbook.close()

    total = sheet.max_row - 1 if sheet.max_row else None
    return Source(batches(), total, size, lambda: int(size * state["rows"] / max(total or 1, 1)))


def _xlsx_batch(names: list[str], rows: list[tuple]) -> pa.RecordBatch:
    columns = {}
    for i, name in enumerate(names):
        values = [row[i] if i < len(row) else None for row in rows]
        columns[name] = pa.array([_cell_text(v) for v in values], type=pa.string())
    return pa.RecordBatch.from_pydict(columns)


def _cell_text(value):
    """A cell as the text the value reader reads: a float as the number Excel shows (its 15
    significant digits, as in a policy workbook), a date cell as YYYY-MM-DD."""
    import datetime as dt

    from generator.core import values

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        try:
            return format(values.from_float(value), "f")
        except values.Refusal:
            return repr(value)
    return str(value).strip()


# -- writers ---------------------------------------------------------------------------------


def clear_leftovers(*outputs: Path) -> None:
    """Before a run writes `outputs`: remove the temporaries that killed runs left beside
    them (a dead writer's `.partial` files; see `core.files.Partial`), and the one an earlier
    version of ratebook used for these very outputs (`.NAME.partial`)."""
    for folder in sorted({path.parent for path in outputs}):
        legacy = [p.with_name(f".{p.name}.partial") for p in outputs if p.parent == folder]
        remove_stale(folder, *legacy)


class ResultWriter:
    """Writes batches to a temporary file beside the target; `commit` renames it into place,
    `abort` removes it, so a failed run never leaves a half-written result."""

    def __init__(self, path: Path, bom: bool = False):
        self.path = path
        self.kind = file_format(path)
        # a CSV results file is for machines by default (plain UTF-8, as most tools expect);
        # `bom` starts it with UTF-8's byte-order mark so that Excel reads it as UTF-8
        self.bom = bom and self.kind == ".csv"
        self._sink: IO[bytes] | None = None
        self.partial = Partial(path)
        self.temporary = self.partial.temporary
        self.writer: Any = None  # pyarrow's CSV or Parquet writer
        self.rows = 0
        self._stream: IO[str] | None = None
        self._workbook: Workbook | None = None
        self._sheet: WriteOnlyWorksheet | None = None

    def write(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        if self.kind == ".csv":
            import pyarrow.csv as pcsv

            if self.writer is None:
                if self.bom:
                    self._sink = open(self.temporary, "wb")
                    self._sink.write(BOM)
                self.writer = pcsv.CSVWriter(
                    self._sink or str(self.temporary), _csv_schema(batch.schema)
                )
            self.writer.write_batch(_csv_batch(batch))
        elif self.kind == ".parquet":
            import pyarrow.parquet as pq

            if self.writer is None:
                schema = batch.schema
                # dictionary encoding only where the input already was (enums); row numbers
                # delta-encoded; no min/max statistics for decimal money (slow, rarely used)
                self.writer = pq.ParquetWriter(
                    str(self.temporary),
                    schema,
                    use_dictionary=[
                        f.name
                        for f in schema
                        if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
                    ],
                    write_statistics=[f.name for f in schema if not pa.types.is_decimal(f.type)],
                    column_encoding={
                        f.name: "DELTA_BINARY_PACKED" for f in schema if f.name == "row"
                    },
                )
            self.writer.write_batch(batch)
        elif self.kind == ".jsonl":
            if self._stream is None:
                self._stream = open(self.temporary, "w", encoding="utf-8")
            for row in batch.to_pylist():
                self._stream.write(
                    json.dumps({k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False) + "\n"
                )
        else:
            self._write_xlsx(batch)

    def _write_xlsx(self, batch: pa.RecordBatch) -> None:
        import openpyxl

        if self._workbook is None:
            self._workbook = openpyxl.Workbook(write_only=True)
            self._sheet = self._workbook.create_sheet("results")
            self._sheet.append(batch.schema.names)
        assert self._sheet is not None  # made with the workbook
        if self.rows > 1_048_575:
            raise CaseFileError("case-file.too-many-rows", self.path)
        for row in batch.to_pylist():
            self._sheet.append([_xlsx_value(v) for v in row.values()])

    def commit(self) -> None:
        self._close()
        if not self.temporary.exists():
            self.write_empty()
            self._close()
        self.partial.commit()

    def write_empty(self) -> None:
        self.temporary.write_bytes(BOM if self.bom else b"")

    def abort(self) -> None:
        try:
            self._close()
        finally:
            self.partial.abort()

    def _close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        if self._workbook is not None:
            self._workbook.save(self.temporary)
            self._workbook = None


def _csv_schema(schema: pa.Schema) -> pa.Schema:
    """The schema a CSV results file is written with: money as decimal64 where it fits
    (Arrow writes a decimal64 as the same text twice as fast as a decimal128)."""
    decimal64 = getattr(pa, "decimal64", None)  # pyarrow 18 and later
    if decimal64 is None:
        return schema
    return pa.schema(
        [
            pa.field(f.name, decimal64(f.type.precision, f.type.scale))
            if pa.types.is_decimal128(f.type) and f.type.precision <= 18
            else f
            for f in schema
        ]
    )


def _csv_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    schema = _csv_schema(batch.schema)
    return batch if schema.equals(batch.schema) else batch.cast(schema)


def _jsonable(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _xlsx_value(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return (
            float(value)
            if value == value.quantize(Decimal("0.01")) and abs(value) < 10**13
            else str(value)
        )
    return value
