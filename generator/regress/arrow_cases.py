"""A plain CSV case file read by Arrow for `ratebook diff --cases` and `ratebook test`, chunk by chunk.

`case_files` reads a case file cell by cell in Python, with a finding for every cell that
is wrong; on a file of a million rows that reading alone is most of a minute. Most big case
files are plain: one header line, one line per case, no quotes, no blank or comment lines,
headers that each name one field of every policy the file uses, real dates. Such a file is
read here by Arrow (`batch.files.open_cases`, as `eval --cases` reads it) and handed on as
columns, line N of the file being case N − 1 exactly as `case_files` numbers it (a case is
made as `case_files` makes it only when one is needed: listed, or run one by one). Anything
else (a quote, a blank line, a header or a date `case_files` would refuse or read otherwise)
raises NotPlain, and the caller reads the file with `case_files` instead, which gives the
same cases or the findings.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from pathlib import Path
from typing import Any, Protocol

from generator.core.case_columns import CASE_COLUMNS, Fields, read_header
from generator.core.location import Location
from generator.regress.case_files import CaseSpec
from generator.regress.impact import ImpactCase
from generator.regress.stream_impact import Chunk

_SCAN_BLOCK = 1 << 20


class NotPlain(Exception):
    """The file needs the cell-by-cell reader (`case_files`)."""


class ChunkSink(Protocol):
    """What takes the cases of a file (stream_impact.StreamImpact, case_stream.BatchCases)."""

    def counted(self, rows: int) -> int: ...

    def add_chunk(self, policy_id: str, chunk: Chunk) -> None: ...


def is_plain_csv(path: Path) -> bool:
    """A .csv file whose bytes hold no quote, no blank line and no comment line first."""
    if path.suffix.lower() != ".csv":
        return False
    try:
        with open(path, "rb") as file:
            first = True
            last = b""
            while block := file.read(_SCAN_BLOCK):
                if first:
                    start = block[3:] if block.startswith(b"\xef\xbb\xbf") else block
                    if start.lstrip(b" \t").startswith((b"#", b"\n", b"\r")):
                        return False
                    first = False
                joined = last + block
                if b'"' in block or b"\n\n" in joined or b"\n\r\n" in joined:
                    return False
                last = block[-2:]
    except OSError:
        return False
    return True


def stream_plain_csv(
    path: Path,
    shown: str,
    stream: ChunkSink,
    policies,
    policy: str,
    on: dt.date | None,
    chunk_rows: int,
    encoding: str | None,
) -> None:
    """Give every case of `path` to `stream`, a chunk at a time; NotPlain when the file is not
    one this reads as `case_files` would (nothing has then been given to `stream` that the
    caller cannot discard)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from generator.batch.files import open_cases

    fields = {
        p.id: Fields(
            {f.name: (f.label.zh, f.label.en) for f in p.inputs},
            {f.name: (f.label.zh, f.label.en) for f in p.outputs},
        )
        for p in policies
    }
    try:
        source = open_cases(path, chunk_rows, encoding)
    except Exception as error:  # whatever Arrow or the reader refuses: the reader's words
        raise NotPlain from error
    line = 2  # the line of the first case (the header is line 1)
    meanings: dict[str, tuple[dict[str, str], dict[str, str]]] = {}  # policy → its headers
    for batch in _batches(source.batches):
        names = batch.schema.names
        headers = [n.strip() for n in names]
        if len(set(headers)) != len(headers) or "_line_error" in names:
            raise NotPlain
        if ("on" not in headers and on is None) or ("policy" not in headers and not policy):
            raise NotPlain
        rows = batch.num_rows
        for name in names:  # a cell of blanks is missing to case_files, text to Arrow
            column = batch.column(name)
            if (
                pa.types.is_string(column.type)
                and pc.any(pc.equal(pc.utf8_trim_whitespace(column), "")).as_py()
            ):
                raise NotPlain
        empty = reduce(pc.and_, [batch.column(n).is_null() for n in names])
        if rows and pc.any(empty).as_py():  # a line of commas only: case_files skips it
            raise NotPlain
        if on is not None:
            days = np.full(rows, np.datetime64(on, "D"))
        else:
            days = _days(batch.column(names[headers.index("on")]))
        if "policy" in headers:
            given = pc.fill_null(
                pc.utf8_trim_whitespace(batch.column(names[headers.index("policy")])), policy
            )
            if pc.any(pc.equal(given, "")).as_py():
                raise NotPlain
            ids = given.to_numpy(zero_copy_only=False)
        else:
            ids = np.full(rows, policy, dtype=object)
        first = stream.counted(rows)
        for policy_id in sorted(set(ids.tolist())):
            if policy_id not in fields:
                raise NotPlain  # case_files reads its columns in other ways
            if policy_id not in meanings:
                meanings[policy_id] = _columns_of(names, fields[policy_id])
            picked = np.flatnonzero(ids == policy_id)
            part = batch.take(pa.array(picked)) if len(picked) < rows else batch
            stream.add_chunk(
                policy_id,
                ArrowChunk(
                    [first + int(i) for i in picked.tolist()],
                    days[picked],
                    part,
                    *meanings[policy_id],
                    [line + int(i) for i in picked.tolist()],
                    shown,
                    policy_id,
                    {c: names[headers.index(c)] for c in CASE_COLUMNS if c in headers},
                ),
            )
        line += rows
    if line == 2:  # no case: the header was never looked at (case_files says what it lacks)
        raise NotPlain


def _days(column):
    """The dates of a column, each distinct text read once (a file holds few dates, and
    reading one is most of the cost of a row); NotPlain when one is missing or no date."""
    import numpy as np
    import pyarrow.compute as pc

    from generator.batch.run import _dates

    encoded = pc.dictionary_encode(column)
    if encoded.null_count:
        raise NotPlain
    days, bad = _dates(encoded.dictionary)
    if bad:
        raise NotPlain
    return days[np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.intp)]


def _batches(batches):
    """The batches of the file; NotPlain when Arrow stops on one (a line of more or fewer
    cells than the header, bytes that are not text): case_files has the finding."""
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as error:  # Arrow's and the reader's errors alike
            raise NotPlain from error
        yield batch


def _columns_of(names: list[str], fields: Fields) -> tuple[dict[str, str], dict[str, str]]:
    """({header: input}, {header: output}) of a policy's file; NotPlain when a header names
    nothing or two fields (case_files has a finding for it), or a field twice."""
    found: dict[str, str] = {}
    expected: dict[str, str] = {}
    for name in names:
        if name.strip() in CASE_COLUMNS:
            continue
        meaning = read_header(name, fields)
        if isinstance(meaning, list) or meaning == ("", ""):
            raise NotPlain
        kind, field = meaning
        if not field:
            raise NotPlain
        into = found if kind == "in" else expected
        if field in into.values():
            raise NotPlain
        into[name] = field
    return found, expected


class ArrowChunk(Chunk):
    """Cases of one policy read by Arrow: columns of text, a case made only when needed."""

    def __init__(
        self,
        numbers: list,
        days,
        batch,
        inputs: dict[str, str],
        outputs: dict[str, str],
        lines: list[int],
        shown: str,
        policy: str,
        plain: dict[str, str],
    ):
        self.numbers = numbers
        self.days = days
        self.batch = batch
        self.inputs = inputs  # header → input, in the file's column order
        self.outputs = outputs  # header → output whose value is expected, likewise
        self.lines = lines
        self.shown = shown
        self.policy = policy
        self.plain = plain  # case column (case, error, why, …) → its header
        self._lists: dict[str, list] = {}

    def _cell(self, header: str | None, index: int) -> str | None:
        if header is None:
            return None
        column = self._lists.get(header)
        if column is None:  # a column as Python values once, for every case made of it
            column = self._lists[header] = self.batch.column(header).to_pylist()
        cell = column[index]
        return None if cell is None else str(cell).strip()

    def _pairs(self, headers: dict[str, str], index: int) -> tuple:
        """(field, value as written) of the cells of `headers` the row fills."""
        pairs = []
        for header, field in headers.items():
            cell = self._cell(header, index)
            if cell is not None:
                pairs.append((field, cell))
        return tuple(pairs)

    def case(self, index: int) -> ImpactCase:
        where = str(Location(self.shown, self.lines[index]))
        name = self._cell(self.plain.get("case"), index) or ""
        inputs = self._pairs(self.inputs, index)
        on = dt.date.fromisoformat(str(self.days[index]))
        return ImpactCase(self.policy, f"{name} ({where})" if name else where, on, inputs)

    def spec(self, index: int) -> CaseSpec:
        """The case as `case_files` reads it from the same line, expected outputs and all."""
        return CaseSpec(
            self.policy,
            self._cell(self.plain.get("case"), index) or "",
            dt.date.fromisoformat(str(self.days[index])),
            self._pairs(self.inputs, index),
            self._pairs(self.outputs, index),
            self._cell(self.plain.get("error"), index) or "",
            self._cell(self.plain.get("why"), index) or "",
            Location(self.shown, self.lines[index]),
            self.shown,
        )

    def columns(self, inputs: tuple) -> tuple[dict, Any]:
        import numpy as np
        import pyarrow.compute as pc

        columns = {}
        strange = np.zeros(len(self.numbers), dtype=bool)
        for header, field in self.inputs.items():
            column = self.batch.column(header)
            if field in inputs:
                columns[field] = pc.utf8_trim_whitespace(column)
            else:  # an input this version does not have: the one-case path refuses the row
                strange |= column.is_valid().to_numpy(zero_copy_only=False)
        return columns, strange
