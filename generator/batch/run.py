"""Evaluate a whole case file through a policy's `evaluate_batch`, chunk by chunk.

Each chunk is read, evaluated and written before the next is read, so memory stays flat.
Rows the policy rejects go to the errors file with their row number, field and reason; every
other row goes to the results with its outputs. The summary always balances:
rows in = rows out + rows rejected. Results and errors are written under temporary names
and renamed only when the whole file is done.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator.batch.files import ResultWriter, clear_leftovers, open_cases
from generator.core import values as V
from generator.core.files import Partial
from generator.core.location import Location
from generator.core.messages import Message, words
from generator.row_runtime import engine_for

ROW_COLUMN = "row"
DATE_COLUMN = "on"
POLICY_COLUMN = "policy"
# the results' column of advice: the advisory thresholds a row breaks, in words (empty when
# none), so that an officer filtering the file in Excel sees them beside the outputs
ADVICE_COLUMN = "advice"


@dataclass
class RunSummary:
    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    exact_path_rows: int = 0
    seconds: float = 0.0
    dated: str = ""  # the date the rows were evaluated on, in words (`date_used`)
    unused: str = ""  # the file's columns that are no input, in words (`unused_columns`)
    rows_advised: int | None = None  # rows with advice; None: the policy has no thresholds

    def lines(self) -> list[str]:
        rate = self.rows_in / self.seconds if self.seconds else 0
        return [
            words(
                "batch.rows",
                rows_in=f"{self.rows_in:,}",
                rows_out=f"{self.rows_out:,}",
                rows_rejected=f"{self.rows_rejected:,}",
            ),
            *([self.dated] if self.dated else []),
            *([self.unused] if self.unused else []),
            *(
                [words("batch.advice", rows=f"{self.rows_advised:,}", column=ADVICE_COLUMN)]
                if self.rows_advised is not None
                else []
            ),
            words(
                "batch.speed",
                seconds=f"{self.seconds:.2f}",
                rate=f"{rate:,.0f}",
                exact=f"{self.exact_path_rows:,}",
            ),
        ]


def unused_columns(columns, inputs: tuple, read: Iterable[str] = ()) -> str:
    """The summary's line for the columns that are no input of the policy (copied to the
    results as they are, never read), each with the input it may have meant; "" for none.
    `read` are the headers that name an input (by id, `in:id` or label, `input_columns`) and
    the case file's own columns (`policy`, `case`, …), which are not unused."""
    from generator.core.case_columns import CASE_COLUMNS

    known = set(read)
    unused = [
        c
        for c in columns
        if c not in inputs
        and c not in known
        and c.strip() not in CASE_COLUMNS
        and c not in (DATE_COLUMN, "_line_error")
    ]
    if not unused:
        return ""
    named = ", ".join(f"{c!r}{V.did_you_mean(c, inputs)}" for c in unused)
    return str(Message("batch-columns-unused", columns=named))


def date_used(on: dt.date | None, columns, today: dt.date) -> tuple[dt.date | None, str]:
    """The date to evaluate on, and the summary's words for it: `--on` when given (over the
    file's own `on` column, which is then said to be unused), else each row's `on` column,
    else today, said as such so a run without `--on` never uses today silently."""
    if on is not None:
        if DATE_COLUMN in columns:
            return on, str(Message("batch-date.option-over-column", on=on.isoformat()))
        return on, str(Message("batch-date.option", on=on.isoformat()))
    if DATE_COLUMN in columns:
        return None, str(Message("batch-date.column"))
    return today, str(Message("batch-date.today", on=today.isoformat()))


def money_array(numerators: np.ndarray, places: int) -> pa.Array:
    """int64 numerators over 10**places as an exact Arrow decimal128(18, places) column."""
    numerators = np.ascontiguousarray(numerators, dtype=np.int64)
    words = np.empty(len(numerators) * 2, dtype=np.int64)
    words[0::2] = numerators
    words[1::2] = numerators >> 63  # sign extension into the high word
    return pa.Array.from_buffers(
        pa.decimal128(18, places), len(numerators), [None, pa.py_buffer(words)]
    )


def output_columns(result) -> dict:
    """The outputs of a BatchResult as Arrow columns: money exact as decimal128."""
    columns = {}
    for name, values in result.outputs.items():
        places = result.places[name]
        if places is None:
            columns[name] = pa.array(values)
        else:
            columns[name] = money_array(values, places)
    return columns


def advice_column(masks: list, n: int) -> pa.Array:
    """Each row's advice in words (the thresholds it breaks, joined by "; "), null where none.
    Each row's set of broken thresholds is a bit pattern; each pattern is put in words once,
    in the run's language, and the column refers to those few texts (no string per row)."""
    from generator.runtime import advice_line

    pattern = np.zeros(n, dtype=np.int64)
    texts = []
    for bit, (row, mask) in enumerate(masks):
        pattern |= mask.astype(np.int64) << bit
        texts.append(str(advice_line(row)))
    if len(texts) <= 8:  # the pattern itself indexes every combination's words
        present, index = np.arange(1 << len(texts)), pattern
    else:
        present, index = np.unique(pattern, return_inverse=True)
    dictionary = ["; ".join(t for bit, t in enumerate(texts) if int(p) >> bit & 1) for p in present]
    indices = pa.array(index.astype(np.int32), mask=pattern == 0)  # no advice: null
    # dictionary-encoded: the words of a pattern are kept once, not once per row
    return pa.DictionaryArray.from_arrays(indices, pa.array(dictionary, pa.string()))


class Progress:
    """One self-rewriting line on a terminal (rows, rows/s, ETA); silent when piped."""

    def __init__(self, source, stream=None):
        self.source = source
        self.stream = stream or sys.stderr
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()
        self.last = 0.0

    def update(self, rows: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.last < 0.5:
            return
        self.last = now
        elapsed = now - self.start
        rate = rows / elapsed if elapsed else 0
        if self.source.total_rows:
            fraction = rows / self.source.total_rows
        else:
            fraction = self.source.bytes_read() / max(self.source.total_bytes, 1)
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else 0
        line = words(
            "batch.progress",
            rows=f"{rows:,}",
            rate=f"{rate:,.0f}",
            fraction=f"{fraction:6.1%}",
            eta=f"{eta:5.0f}",
        )
        self.stream.write("\r" + line)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 70 + "\r")
            self.stream.flush()


class ErrorsWriter:
    """The rejected rows as CSV: row, field, reason (one line per problem); atomic like results.

    Written for a person to open in Excel, so in UTF-8 with a byte-order mark (without it
    Excel on a Chinese Windows reads the reasons as GBK: garbage); `csv`/pandas read it with
    encoding="utf-8-sig"."""

    def __init__(self, path: Path):
        self.path = path
        self.partial = Partial(path)
        self.stream = open(self.partial.temporary, "w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.stream)
        self.writer.writerow([ROW_COLUMN, "field", "reason"])

    def write(self, rows: list[tuple[int, str, str]]) -> None:
        self.writer.writerows(rows)

    def commit(self) -> None:
        self.stream.close()
        self.partial.commit()

    def abort(self) -> None:
        self.stream.close()
        self.partial.abort()


def run_file(
    module,
    cases: Path,
    out: Path,
    errors: Path,
    on: dt.date | None,
    chunk_rows: int = 262_144,
    progress_stream=None,
    encoding: str | None = None,
    bom: bool = False,
    engine: str = "auto",
) -> RunSummary:
    """Evaluate every row of `cases` with `module.evaluate_batch`; write results and errors.
    `encoding`: the CSV's, when named; `bom`: a UTF-8 byte-order mark at the start of a CSV
    results file (for Excel); `engine`: evaluate_batch's (auto, numpy, numba)."""
    source = open_cases(cases, chunk_rows, encoding)
    engine = engine_for(engine, source.total_rows or 0)  # known for Parquet, not for CSV
    clear_leftovers(out, errors)
    results = ResultWriter(out, bom=bom)
    try:
        rejected = ErrorsWriter(errors)
    except BaseException:
        results.abort()
        raise
    summary = RunSummary()
    progress = Progress(source, progress_stream)
    start = time.perf_counter()
    # three stages on two cores: the next chunk is read and the previous one written (Arrow
    # releases the GIL for both) while this one is evaluated; at most one chunk waits at each
    # stage, so memory stays at a few chunks whatever the file's length
    reading = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read")
    writing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="write")
    batches = iter(source.batches)
    pending_write = None
    try:
        next_batch = reading.submit(next, batches, None)
        while True:
            batch = next_batch.result()
            if batch is None:
                break
            next_batch = reading.submit(next, batches, None)
            if not summary.dated:
                on, summary.dated = date_used(on, batch.schema.names, dt.date.today())
                summary.unused = unused_columns(
                    batch.schema.names,
                    module.INPUTS,
                    input_columns(module, batch.schema.names, str(cases)),
                )
            first_row = summary.rows_in + 1
            if first_row == 1:
                _check_columns(module, batch, cases)
            summary.rows_in += batch.num_rows
            evaluated, problems, exact_rows = evaluate_chunk(
                module, batch, on, first_row, str(cases), engine
            )
            summary.exact_path_rows += exact_rows
            summary.rows_out += evaluated.num_rows
            if getattr(module, "ADVICE", ()):
                advised = evaluated.num_rows - evaluated.column(ADVICE_COLUMN).null_count
                summary.rows_advised = (summary.rows_advised or 0) + advised
            summary.rows_rejected += len({row for row, _, _ in problems})
            if pending_write is not None:
                pending_write.result()
            pending_write = writing.submit(_write, results, rejected, evaluated, problems)
            progress.update(summary.rows_in)
        if pending_write is not None:
            pending_write.result()
        if not summary.dated:  # an empty file
            on, summary.dated = date_used(on, (), dt.date.today())
        if results.rows == 0:
            results.write_empty()
        results.commit()
        rejected.commit()
    except BaseException:
        results.abort()
        rejected.abort()
        raise
    finally:
        reading.shutdown(wait=True, cancel_futures=True)
        writing.shutdown(wait=True)
        progress.close()
    summary.seconds = time.perf_counter() - start
    assert summary.rows_in == summary.rows_out + summary.rows_rejected, summary
    return summary


def _check_columns(module, batch: pa.RecordBatch, cases: Path) -> None:
    """A file none of whose columns is an input of the policy (a header in other words, the
    wrong file) is refused as a whole: every row would be rejected for the same reason."""
    from generator.batch.files import CaseFileError
    from generator.core.location import Location

    names = [n for n in batch.schema.names if n not in ("_line_error", "_empty")]
    inputs = list(module.INPUTS)
    if inputs and not input_columns(module, names, str(cases)):  # ids, in:ids or labels
        where = Location(str(cases), 1) if cases.suffix.lower() == ".csv" else Location(str(cases))
        raise CaseFileError(
            "case-file.no-inputs",
            where,
            policy=getattr(module, "POLICY_ID", cases.stem),
            columns=", ".join(n for n in names if n != DATE_COLUMN) or "-",
            inputs=", ".join(inputs),
        )


def _write(results: ResultWriter, rejected: ErrorsWriter, evaluated, problems) -> None:
    if evaluated.num_rows:
        results.write(evaluated)
    rejected.write(problems)


def input_columns(module, names: list[str], where: str = "") -> dict[str, str]:
    """Each header that names an input (its id, `in:id`, or its Chinese or English label) →
    the input's id; an ambiguous header, or two headers for one input, refuse the file."""
    from generator.batch.files import CaseFileError
    from generator.core.case_columns import Fields, read_header

    inputs = getattr(module, "INPUT_LABELS", None) or {n: () for n in module.INPUTS}
    fields = Fields(inputs, getattr(module, "OUTPUT_LABELS", {}))
    found: dict[str, str] = {}
    for header in names:
        meaning = read_header(header, fields)
        if isinstance(meaning, list):
            raise CaseFileError(
                "case-column.ambiguous",
                Location(where),
                name=header.strip(),
                candidates=", ".join(f"{kind}:{name}" for kind, name in meaning),
            )
        kind, name = meaning
        if kind != "in" or name not in module.INPUTS:
            continue
        if name in found.values():
            raise CaseFileError("case-column.twice", Location(where), name=name)
        found[header] = name
    return found


def evaluate_chunk(
    module,
    batch: pa.RecordBatch,
    on: dt.date | None,
    first_row: int,
    where: str = "",
    engine: str = "auto",
):
    """(valid rows with their outputs, [(row, field, reason)], rows on the exact path)."""
    names = batch.schema.names
    columns = {
        name: batch.column(header) for header, name in input_columns(module, names, where).items()
    }
    row_numbers = np.arange(first_row, first_row + batch.num_rows, dtype=np.int64)
    # rows rejected before evaluation: a JSON line that is no object, a date that is no date,
    # a row for another policy
    early: dict[int, tuple[str, str]] = {}
    if "_line_error" in names:
        for index, message in enumerate(batch.column("_line_error").to_pylist()):
            if message is not None:
                early[index] = ("", message)
    policy_header = next((n for n in names if n.strip() == POLICY_COLUMN), None)
    if policy_header is not None:
        for index, given in _other_policies(batch.column(policy_header), module.POLICY_ID):
            early.setdefault(
                index,
                (
                    POLICY_COLUMN,
                    str(Message("case-policy.other", given=given, policy=module.POLICY_ID)),
                ),
            )
    if DATE_COLUMN in names and on is None:
        when, bad_dates = _dates(batch.column(DATE_COLUMN))
        for index, message in bad_dates:
            early.setdefault(index, (DATE_COLUMN, message))
    else:
        when = on if on is not None else dt.date.today()
        if not columns:  # no input column (a policy whose inputs all have defaults): the
            # dates tell evaluate_batch how many rows there are
            when = np.full(batch.num_rows, np.datetime64(when, "D"))
    result = module.evaluate_batch(columns, when, engine)
    valid = result.valid.copy()
    problems = [(int(row_numbers[i]), f, m) for i, (f, m) in early.items()]
    if early:
        valid[list(early)] = False
    problems += [(int(row_numbers[i]), f, m) for i, f, m in result.errors if i not in early]
    problems.sort()
    table_columns = {ROW_COLUMN: pa.array(row_numbers)}
    for name in names:
        if name != "_line_error":
            table_columns[name] = batch.column(name)
    for name, column in output_columns(result).items():
        table_columns[name if name not in table_columns else f"out_{name}"] = column
    if getattr(module, "ADVICE", ()):
        name = ADVICE_COLUMN if ADVICE_COLUMN not in table_columns else f"out_{ADVICE_COLUMN}"
        table_columns[name] = advice_column(getattr(result, "advice", []), batch.num_rows)
    table = pa.RecordBatch.from_pydict(table_columns)
    evaluated = table if valid.all() else table.filter(pa.array(valid))
    return evaluated, problems, result.exact_path_rows


def _other_policies(column, policy: str) -> list[tuple[int, str]]:
    """(row, policy named) of the rows whose `policy` cell names another policy; an empty
    cell is this file's policy."""
    text = pc.utf8_trim_whitespace(column.cast(pa.string()))
    other = pc.and_(pc.not_equal(text, ""), pc.not_equal(text, policy))
    rows = np.flatnonzero(pc.fill_null(other, False).to_numpy(zero_copy_only=False))
    return [(int(i), text[int(i)].as_py()) for i in rows]


def _dates(column) -> tuple[np.ndarray, list]:
    """A column of dates or date text as datetime64[D], and the (row, why) of those that are
    no date (their rows get a placeholder date here and are rejected by the caller).

    YYYY-MM-DD text is read vectorised; any other text (2012/7/1, 2012年7月1日, a blank) goes
    row by row through the value reader every other date field uses."""
    if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
        values = column.cast(pa.date32())
        missing = values.is_null().to_numpy(zero_copy_only=False)
    else:
        text = pc.utf8_trim_whitespace(column.cast(pa.string()))
        stamps = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        # years 1000-9999 only: strptime takes year 0, which no date has
        iso = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"
        plain = pc.fill_null(pc.match_substring_regex(text, iso), False)
        # strptime is lenient (2012-02-30 → 2012-03-01): keep only dates that print back as written
        plain = pc.and_(
            plain, pc.fill_null(pc.equal(pc.strftime(stamps, format="%Y-%m-%d"), text), False)
        )
        values = pc.if_else(plain, stamps, pa.scalar(None, stamps.type)).cast(pa.date32())
        missing = values.is_null().to_numpy(zero_copy_only=False)
    days = values.fill_null(0).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    bad = []
    for i in np.flatnonzero(missing).tolist():
        given = column[i].as_py()
        try:
            day = V.read_date(given)
        except V.Refusal as refusal:
            bad.append((i, refusal.message))
            continue
        if day is None:
            bad.append((i, str(Message("input-not-date", value=given))))
        else:
            days[i] = np.datetime64(day, "D")
    return days, bad


def evaluate_columns(
    module,
    columns: dict,
    on,
    chunk_rows: int = 262_144,
    threads: int | None = None,
    engine: str = "auto",
):
    """`evaluate_batch` over in-memory columns in cache-sized chunks on `threads` threads
    (default: one per core; numpy releases the GIL in its array operations, the compiled
    row kernel for the whole chunk), joined back into one BatchResult-like tuple:
    (outputs by name, places, valid mask, errors with global row indexes).
    `engine`: evaluate_batch's (auto, numpy, numba); the first chunk runs alone, so a
    kernel is compiled once before the threads start.

    Each worker copies its chunk's outputs into the whole-length arrays itself, so the copy
    (and the first touch of those pages) is shared out instead of a join at the end."""
    n = len(next(iter(columns.values())))
    starts = list(range(0, n, chunk_rows))
    if not starts:
        return {}, {}, np.zeros(0, dtype=bool), []
    engine = engine_for(engine, n)  # the whole batch may repay compiling, not one chunk

    def one(start):
        part = {name: column[start : start + chunk_rows] for name, column in columns.items()}
        when = on if not isinstance(on, np.ndarray) else on[start : start + chunk_rows]
        return module.evaluate_batch(part, when, engine)

    first = one(0)
    outputs = {name: np.empty(n, dtype=values.dtype) for name, values in first.outputs.items()}
    valid = np.empty(n, dtype=bool)

    def place(start, result):
        stop = start + len(result)
        for name, values in result.outputs.items():
            outputs[name][start:stop] = values
        valid[start:stop] = result.valid
        return [(start + row, f, m) for row, f, m in result.errors]

    def one_placed(start):
        return place(start, one(start))

    errors = place(0, first)
    with ThreadPoolExecutor(max_workers=threads or os.cpu_count() or 1) as pool:
        for chunk_errors in pool.map(one_placed, starts[1:]):
            errors.extend(chunk_errors)
    return outputs, first.places, valid, errors
