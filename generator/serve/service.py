"""What the service does, as plain Python: the HTTP API and the officer's desk both call these.

No HTTP here: each operation takes the snapshot of the generated tree it answers from (one
build, see `generator.serve.tree`) and plain values, returns plain data (dicts and lists that
`json.dumps` writes as they are) and raises `RatebookError` with located findings when the
request cannot be answered. `Refused.status` says which HTTP status a refusal is; a plain
RatebookError is a request the service understood but cannot evaluate (422).

Every message is rendered in the language of the caller's context
(`generator.core.messages.in_language`), so the same operation answers one caller in
Chinese and another in English at the same time.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import io
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import runtime as rt
from generator.core.errors import RatebookError
from generator.core.findings import ERROR, Finding, summary
from generator.core.messages import ENGLISH, language_of
from generator.evaluate.case import CaseRun, document, refusal

if TYPE_CHECKING:
    from generator.serve.tree import Snapshot

# The formats of a batch, in and out: name -> media type
BATCH_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "arrow": "application/vnd.apache.arrow.stream",
}
# and the formats read but not written: an officer's workbook of cases
BATCH_INPUT_FORMATS = {
    **BATCH_FORMATS,
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The columns a batch's answer adds to the results: the refused rows' field and reason
REFUSED_FIELD = "refused_field"
REFUSED_REASON = "refused_reason"
BATCH_CHUNK_ROWS = 262_144  # as `ratebook eval --cases`
POLICY_SUFFIXES = (".yaml", ".yml", ".xlsx")
GIT_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/~^-]{0,199}")  # a ref as `diff` takes it over HTTP


class Refused(RatebookError):
    """A request refused with the HTTP status `status` (404 unknown policy, 413 too large,
    400 unreadable, 409 a source newer than its build, 422 a case that cannot be evaluated)."""

    def __init__(self, status: int, findings: list[Finding]):
        super().__init__(findings)
        self.status = status


# -- policies ------------------------------------------------------------------------------


def _checked_id(snapshot: Snapshot, policy_id: str) -> dict:
    """The index entry of a policy the service serves; 404 for any other id (ids are never
    used to build a path)."""
    try:
        return snapshot.entry(policy_id)
    except RatebookError as error:
        raise Refused(404, error.findings) from None


def _shown(label: Mapping[str, str] | None, lang: str, fallback: str) -> str:
    if not label:
        return fallback
    return label.get(lang) or label.get(ENGLISH) or fallback


def list_policies(snapshot: Snapshot, lang: str) -> list[dict]:
    """Every served policy, sorted by id:
    `[{"id", "area", "title": {"zh", "en"}, "name" (the title in `lang`), "source",
    "inputs": [{"id", "label": {"zh", "en"}}], "outputs": [{"id", "label": {...}}]}]`.
    `area` is the id's first part (`medical`, `pension`, …)."""
    lang = language_of(lang) or ENGLISH
    listed = []
    for policy_id in snapshot.policy_ids():
        entry = snapshot.index[policy_id]
        labels = entry.get("labels", {})
        title = entry.get("title") or {}
        listed.append(
            {
                "id": policy_id,
                "area": policy_id.partition(".")[0],
                "title": dict(title),
                "name": _shown(title, lang, policy_id),
                "source": entry["source"],
                "inputs": [{"id": n, "label": dict(labels.get(n, {}))} for n in entry["inputs"]],
                "outputs": [{"id": n, "label": dict(labels.get(n, {}))} for n in entry["outputs"]],
            }
        )
    return listed


def policy_document(snapshot: Snapshot, policy_id: str, on: dt.date | None = None) -> dict:
    """The policy's rule tables as `ratebook publish --format json` writes them
    (`schemas/published-policy.schema.json`): every parameter with its dated values, or only
    those in force on `on` when given. 409 when the source changed since the build; 422 when
    nothing of the policy is in force on `on`."""
    _checked_id(snapshot, policy_id)
    from generator.publish.json_doc import policy_document as published

    policy = _policy(snapshot, policy_id)
    if on is not None:
        from generator.core.messages import Message
        from generator.publish.view import in_force_on

        if not in_force_on(policy, on):
            starts = (
                Message("publish-starts", policy=policy_id, date=policy.in_force_from.isoformat())
                if policy.in_force_from
                else Message("publish-starts.never", policy=policy_id)
            )
            raise Refused(422, [summary("serve-not-in-force", on=on.isoformat(), starts=starts)])
    return published(policy, on)


def _policy(snapshot: Snapshot, policy_id: str):
    try:
        return snapshot.policy(policy_id)
    except Refused:
        raise
    except RatebookError as error:
        raise Refused(409, error.findings) from None


def case_schema(snapshot: Snapshot, policy_id: str) -> dict:
    """The JSON Schema of one case's inputs (`generated/schemas/<id>.case.schema.json`)."""
    _checked_id(snapshot, policy_id)
    return snapshot.case_schemas[policy_id]


def result_schema(snapshot: Snapshot, policy_id: str) -> dict:
    """The JSON Schema of one case's outputs (`generated/schemas/<id>.result.schema.json`)."""
    _checked_id(snapshot, policy_id)
    return snapshot.result_schemas[policy_id]


# -- one case -------------------------------------------------------------------------------


def case_by_id(module, inputs: Mapping[str, Any]) -> dict:
    """The case with every input named by its id: a key may also be the input's Chinese or
    English label (the labels a case file's header may use). Two keys naming one input are
    refused (422) rather than one silently chosen; a key that names no input is kept, for
    the policy to refuse by name."""
    names = {label: name for name, labels in module.INPUT_LABELS.items() for label in labels}
    names.update({name: name for name in module.INPUTS})
    return _case_by_names(names, inputs)


def _case_by_names(names: Mapping[str, str], inputs: Mapping[str, Any]) -> dict:
    """`case_by_id` with the names (id or label -> id) made once per build."""
    case: dict = {}
    given: dict[str, str] = {}
    problems = []
    for key, value in inputs.items():
        name = names.get(key) or names.get(str(key).strip(), key)
        if name in case:
            problems.append(summary("serve-input-twice", field=name, first=given[name], second=key))
            continue
        case[name] = value
        given[name] = key
    if problems:
        raise Refused(422, problems)
    return case


def evaluate_case(
    snapshot: Snapshot,
    policy_id: str,
    on: dt.date,
    inputs: Mapping[str, Any],
    explain: bool = False,
) -> dict:
    """One case on `on`, as `ratebook eval --json` prints it:
    `{"policy", "on", "inputs" (by id, typed as the case schema says: enum labels as their
    ids, "3.5万元" as 35000), "outputs": {id: value}, "advice": [{"code", "field", "figure",
    "comparator", "word", "value", "unit", "clause", "message"}] (the advisory thresholds
    the case breaks: the outputs stand, the advice goes beside them),
    "explain": [{"step", "source"}]}` (explain only when asked: each step of the calculation
    with the source clause and quote of each number). Money is a decimal string ("5000.00").
    Inputs may be named by id or by label; values as `--set` takes them (numbers, "3.5万元",
    enum ids or labels). 422 with one finding per reason when the case cannot be evaluated
    or the rule is not in force on `on`."""
    entry = _checked_id(snapshot, policy_id)
    module = snapshot.modules[policy_id]
    case = _case_by_names(snapshot.input_names(policy_id), inputs)
    trace = None
    try:
        if explain:
            from generator.evaluate.interpreter import Trace, evaluate

            policy = _policy(snapshot, policy_id)
            trace = Trace()
            outputs = evaluate(policy, case, on, trace)
        else:
            outputs = module.evaluate(case, on)
    except rt.EvaluationError as error:
        raise Refused(422, refusal(policy_id, entry, on, error).findings) from None
    labels = getattr(module, "LABELS", {})
    steps = list(trace.steps) if trace is not None else None
    echoed = rt.typed_inputs(case, module.INPUT_TYPES, labels)
    advice = module.advise(case, outputs)
    run = CaseRun(policy_id, on, echoed, outputs, steps, advice=advice)
    return document(run, entry.get("labels", {}))


# -- an uploaded policy ---------------------------------------------------------------------


def finding_data(f: Finding) -> dict:
    """A finding as data: `{"code", "key", "severity", "message", "place", "file", "line",
    "column", "sheet", "cell", "path"}` (`message` in the current language; `place` as the
    CLI writes it: `x.yaml:14:9`, `x.xlsx!分段 Scales!G2`, or "" for the whole run)."""
    loc = f.location
    return {
        "code": f.code,
        "key": f.key,
        "severity": f.severity,
        "message": f.message.strip(),
        "place": str(loc),
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "sheet": loc.sheet,
        "cell": loc.cell,
        "path": loc.path,
    }


def upload_name(filename: str) -> str:
    """The uploaded file's own name, without any folder a client put before it; 400 when it
    is not a policy file (.yaml, .yml, .xlsx)."""
    name = filename.replace("\\", "/").rpartition("/")[2].strip()
    if not name or name.startswith(".") or Path(name).suffix.lower() not in POLICY_SUFFIXES:
        raise Refused(
            400,
            [summary("serve-upload-type", name=name or "-", formats=", ".join(POLICY_SUFFIXES))],
        )
    return name


def validate_upload(filename: str, data: bytes) -> dict:
    """The findings of an uploaded policy (a YAML file or a workbook), checked as `ratebook
    validate` checks a file: `{"file", "ok" (no error), "policy" (its id, or null),
    "findings": [finding_data, …]}`, each finding placed in the uploaded file
    (`x.xlsx!分段 Scales!G2`). The file is written to a temporary folder only, removed
    before this returns."""
    name = upload_name(filename)
    from generator.checks.project import load_source

    with tempfile.TemporaryDirectory(prefix="ratebook-upload-") as scratch:
        path = Path(scratch) / name
        path.write_bytes(data)
        policy, findings = load_source(path, Path(scratch))
    ordered = sorted(findings, key=Finding.sort_key)
    return {
        "file": name,
        "ok": not any(f.severity == ERROR for f in ordered),
        "policy": policy.id if policy is not None else None,
        "findings": [finding_data(f) for f in ordered],
    }


def placed_as(findings: list[Finding], temporary: str, shown: str) -> list[Finding]:
    """The findings of a file read from a temporary copy, placed in the file as the client
    named it (the server's folders are not the client's business)."""
    from dataclasses import replace

    return [
        replace(f, location=replace(f.location, file=shown)) if f.location.file == temporary else f
        for f in findings
    ]


# -- a batch --------------------------------------------------------------------------------


@dataclass
class BatchAnswer:
    """A batch read and checked, ready to stream: `chunks()` yields the answer's bytes in
    `media_type`; `rows_in` is known before the first byte is sent."""

    media_type: str
    rows_in: int
    chunks: Any  # () -> Iterator[bytes]


def read_batch(data: bytes, in_format: str) -> list:
    """The rows of a case file given as bytes (`in_format`: csv, jsonl, parquet, arrow or
    xlsx), as Arrow record batches (inputs as text where the format is text); 400 for a
    format not served or a file that cannot be read."""
    import pyarrow as pa

    if in_format not in BATCH_INPUT_FORMATS:
        formats = ", ".join(BATCH_INPUT_FORMATS)
        raise Refused(400, [summary("serve-batch-format", format=in_format, formats=formats)])
    if in_format == "arrow":
        try:
            reader = pa.ipc.open_stream(pa.py_buffer(data))
            return [b for b in reader]
        except (pa.ArrowInvalid, OSError, ValueError) as exc:
            raise Refused(400, [summary("serve-batch-unreadable", reason=str(exc))]) from None
    from generator.batch.files import open_cases

    name = f"cases.{in_format}"
    with tempfile.TemporaryDirectory(prefix="ratebook-batch-") as scratch:
        path = Path(scratch) / name
        path.write_bytes(data)
        try:
            return list(open_cases(path, BATCH_CHUNK_ROWS).batches)
        except RatebookError as error:
            raise Refused(400, placed_as(error.findings, str(path), name)) from None
        except (pa.ArrowInvalid, OSError, ValueError) as exc:
            raise Refused(400, [summary("serve-batch-unreadable", reason=str(exc))]) from None


def run_batch(
    snapshot: Snapshot,
    policy_id: str,
    data: bytes,
    in_format: str,
    out_format: str,
    on: dt.date | None,
    max_rows: int,
) -> BatchAnswer:
    """Every row of a case file evaluated, streamed back in `out_format`.

    The answer holds every row given, in order: a `row` column (1-based, as `ratebook eval
    --cases` numbers rows), the row's input columns, the outputs, and `refused_field` and
    `refused_reason`, empty for an evaluated row; a refused row has no outputs and appears
    once per reason (the rows of the CLI's errors file). Money is exact (decimal128 in Parquet
    and Arrow, "5000.00" in CSV and JSON Lines). Refused before the first byte: 404 unknown
    policy, 400 unreadable file or no input column, 413 more than `max_rows` rows."""
    _checked_id(snapshot, policy_id)
    if out_format not in BATCH_FORMATS:
        raise Refused(
            400,
            [summary("serve-batch-format", format=out_format, formats=", ".join(BATCH_FORMATS))],
        )
    module = snapshot.module(policy_id)
    import pyarrow as pa

    batches = [b for b in read_batch(data, in_format) if b.num_rows]
    if not batches:  # a header alone: an answer with its columns and no row
        empty = pa.array([], pa.string())
        batches = [pa.RecordBatch.from_pydict({name: empty for name in module.INPUTS})]
    rows_in = sum(b.num_rows for b in batches)
    if rows_in > max_rows:
        raise Refused(413, [summary("serve-batch-rows", rows=rows_in, limit=max_rows)])
    batches = _as_text_where_binary(batches)
    from generator.batch.run import _check_columns, date_used

    where = Path(f"cases.{in_format}")
    try:
        _check_columns(module, batches[0], where)
    except RatebookError as error:
        raise Refused(400, error.findings) from None
    on, _ = date_used(on, batches[0].schema.names, dt.date.today())
    starts = [1]
    for batch in batches[:-1]:
        starts.append(starts[-1] + batch.num_rows)
    # the first chunk is answered before the answer starts, so a file the answer cannot be
    # made from is a 400, not an answer cut short: later chunks have the same columns
    writer = _AnswerWriter(out_format)
    try:
        first = list(writer.write(_answer_rows(module, batches[0], on, 1, str(where))))
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise Refused(400, [summary("serve-batch-unreadable", reason=str(exc))]) from None

    def chunks() -> Iterator[bytes]:
        # two stages on two cores: the next chunk is evaluated while this one is written
        # (Arrow's writers release the GIL), as `ratebook eval --cases` does
        from concurrent.futures import ThreadPoolExecutor

        yield from first
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="evaluate") as evaluating:

            def evaluated(index: int):
                batch, start = batches[index], starts[index]
                # in the caller's context, so the refusals' words are in the caller's language
                context = contextvars.copy_context()
                return evaluating.submit(
                    context.run, _answer_rows, module, batch, on, start, str(where)
                )

            pending = evaluated(1) if len(batches) > 1 else None
            for index in range(1, len(batches)):
                assert pending is not None
                table = pending.result()
                if index + 1 < len(batches):
                    pending = evaluated(index + 1)
                yield from writer.write(table)
        yield from writer.close()

    return BatchAnswer(BATCH_FORMATS[out_format], rows_in, chunks)


def _as_text_where_binary(batches: list) -> list:
    """The batches with every binary column read as UTF-8 text, as a CSV's cells are; 400
    for a column that is not text (bytes that are not UTF-8, or a nested type: a struct, a
    list), which no input can be."""
    import pyarrow as pa

    schema = batches[0].schema
    for field in schema:
        if (
            pa.types.is_nested(field.type)
            or pa.types.is_dictionary(field.type)
            and (pa.types.is_nested(field.type.value_type))
        ):
            raise Refused(
                400, [summary("serve-batch-column-type", column=field.name, type=str(field.type))]
            )
    binary = [
        f.name for f in schema if pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)
    ]
    if not binary:
        return batches
    target = pa.schema([pa.field(f.name, pa.string()) if f.name in binary else f for f in schema])
    try:
        return [batch.cast(target) for batch in batches]
    except (pa.ArrowInvalid, ValueError) as exc:
        raise Refused(400, [summary("serve-batch-unreadable", reason=str(exc))]) from None


def _answer_rows(module, batch, on, first_row: int, where: str):
    """One chunk's answer: evaluated and refused rows merged in row order."""
    import pyarrow as pa

    from generator.batch.run import ROW_COLUMN, evaluate_chunk

    evaluated, problems, _ = evaluate_chunk(module, batch, on, first_row, where)
    inputs = [n for n in batch.schema.names if n != "_line_error"]
    outputs = [n for n in evaluated.schema.names if n != ROW_COLUMN and n not in inputs]
    parts = {name: [evaluated.column(name)] for name in evaluated.schema.names}
    parts[REFUSED_FIELD] = [pa.nulls(evaluated.num_rows, pa.string())]
    parts[REFUSED_REASON] = [pa.nulls(evaluated.num_rows, pa.string())]
    if problems:
        rows = [row for row, _, _ in problems]
        taken = batch.take(pa.array([row - first_row for row in rows]))
        parts[ROW_COLUMN].append(pa.array(rows, pa.int64()))
        for name in inputs:
            parts[name].append(taken.column(name))
        for name in outputs:
            parts[name].append(pa.nulls(len(rows), evaluated.schema.field(name).type))
        parts[REFUSED_FIELD].append(pa.array([f or None for _, f, _ in problems], pa.string()))
        parts[REFUSED_REASON].append(pa.array([str(m) for _, _, m in problems], pa.string()))
    table = pa.table({name: pa.chunked_array(columns) for name, columns in parts.items()})
    if problems:
        table = table.sort_by([(ROW_COLUMN, "ascending")])
    return table


class _AnswerWriter:
    """Writes tables in one format to bytes handed out as they are made."""

    def __init__(self, out_format: str):
        self.format = out_format
        self.sink = io.BytesIO()
        self.writer: Any = None
        self.schema: Any = None

    def _drain(self) -> Iterator[bytes]:
        data = self.sink.getvalue()
        if data:
            self.sink.seek(0)
            self.sink.truncate()
            yield data

    def write(self, table) -> Iterator[bytes]:
        if self.schema is None:
            self.schema = table.schema
            self._open()
        else:
            table = table.cast(self.schema)
        if self.format == "jsonl":
            yield from _json_lines(table)
            return
        self.writer.write_table(table)
        yield from self._drain()

    def _open(self) -> None:
        import pyarrow as pa

        if self.format == "csv":
            import pyarrow.csv as pcsv

            self.writer = pcsv.CSVWriter(self.sink, self.schema)
        elif self.format == "parquet":
            import pyarrow.parquet as pq

            # dictionaries for the text columns only: on numbers they cost more than they save
            text = [f.name for f in self.schema if pa.types.is_string(f.type)]
            self.writer = pq.ParquetWriter(self.sink, self.schema, use_dictionary=text)
        elif self.format == "arrow":
            self.writer = pa.ipc.new_stream(self.sink, self.schema)

    def close(self) -> Iterator[bytes]:
        if self.writer is not None:
            self.writer.close()
            yield from self._drain()


def _json_lines(table) -> Iterator[bytes]:
    import json

    def plain(value):
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, (dt.date, dt.datetime, dt.time)):
            return value.isoformat()
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        return str(value)  # a duration, …: as text

    lines = [
        json.dumps({k: plain(v) for k, v in row.items()}, ensure_ascii=False)
        for row in table.to_pylist()
    ]
    yield ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


# -- diff -----------------------------------------------------------------------------------


def diff(
    root: Path,
    base: str,
    cases: tuple[tuple[str, bytes], ...] = (),
    on: dt.date | None = None,
    policy: str = "",
) -> dict:
    """The report of `ratebook diff --base REF [--cases FILE…]` for the served project:
    `{"base", "changed" (any rule or case changed), "text": [the terminal report's lines],
    "markdown": the .md report}`; `cases` are uploaded case files (name, bytes), written to a
    temporary folder only. `base` is a git ref only (a branch, a tag, a commit, HEAD~1): the
    CLI's other form, a folder, is not offered to HTTP clients, nor anything git could read
    as an option. 400 for a ref that cannot be read, 422 for invalid policies or case
    files."""
    from generator.regress.diff import BaseError, compare
    from generator.regress.report import markdown, terminal_lines

    if not GIT_REF.fullmatch(base) or ".." in base or Path(base).exists():
        raise Refused(400, [summary("serve-diff-ref", base=base)])

    with tempfile.TemporaryDirectory(prefix="ratebook-diff-") as scratch:
        paths = []  # shown relative to the scratch folder: the report names the file as sent
        for index, (filename, data) in enumerate(cases):
            name = filename.replace("\\", "/").rpartition("/")[2].strip() or "cases.csv"
            relative = Path(name) if index == 0 else Path(str(index)) / name
            (Path(scratch) / relative).parent.mkdir(parents=True, exist_ok=True)
            (Path(scratch) / relative).write_bytes(data)
            paths.append(Path(scratch) / relative)
        try:
            report = compare(root, base, paths, cwd=Path(scratch), policy=policy, on=on)
        except BaseError as error:
            raise Refused(400, error.findings) from None
        except RatebookError as error:
            raise Refused(422, error.findings) from None
        # the case files named as they were sent, not by the temporary folder they are in
        unplaced = lambda text: text.replace(scratch + "/", "")  # noqa: E731
        return {
            "base": base,
            "changed": report.any_change,
            "text": [unplaced(line) for line in terminal_lines(report)],
            "markdown": unplaced(markdown(report)),
        }
