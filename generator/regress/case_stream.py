"""`ratebook test` on case files of any length: cases a chunk at a time through the batch kernels.

`case_run.run_cases` runs a list of cases one by one through the interpreter; a year's
export of a million rows is then minutes and every case held in memory. Here the cases of
the files come a chunk at a time from the readers `diff --cases` uses: Arrow for a plain CSV
file (`arrow_cases`), `case_files.stream_cases` for any other, with the same findings. Each
policy's part of a chunk goes through the `evaluate_batch`
of the module `ratebook build` would write for it (emitted in memory, as `diff` does), and
every expected output is compared with the batch's exact value (numerators over 10**places:
to the fen). A case the batch cannot settle goes through `case_run.differences`, the
one-case path, so its words are those `run_cases` gives: a case refused by the batch (or
naming an input the policy lacks), one that must be refused (`error` column), one naming an
unknown policy or output, and a failing case whose differences the report needs (it is
listed, or `--junit` writes it). What is kept is bounded by `case_run.Tally`.

A policy with fewer than `batch_min` cases in a chunk (a small hand-written file) stays on
the one-case path: emitting its module would cost more than it saves.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator.checks.rules import expected_value
from generator.core.findings import Finding
from generator.regress.case_files import CaseSpec, case_files, display, stream_cases
from generator.regress.case_run import CaseResult, Tally, differences

CHUNK_ROWS = 32_768  # cases read and evaluated at a time
BATCH_MIN = 256  # a policy's cases in a chunk below which the one-case path is quicker
WANTED_KEPT = 65_536  # expected values kept read, per run
_UNREAD = object()
ARROW_MIN_BYTES = 256 * 1024  # a smaller CSV file is read cell by cell: importing Arrow costs more


def run_file_cases(
    paths,
    root: Path,
    tally: Tally,
    policies,
    encoding: str | None = None,
    policy: str = "",
    on: dt.date | None = None,
    chunk_rows: int | None = None,
    batch_min: int | None = None,
) -> list[Finding]:
    """Run every case of the files under `paths` into `tally`, in file order; returns the
    problems of form found in the files (the results in `tally` then mean nothing: the
    caller reports the problems instead). A plain CSV file is read by Arrow
    (`arrow_cases`); when it turns out not to be plain, what was run of it is dropped and
    the file is read again cell by cell (`case_files`), as `diff --cases` does."""
    rows = CHUNK_ROWS if chunk_rows is None else chunk_rows
    runner = BatchCases(policies, tally, BATCH_MIN if batch_min is None else batch_min)
    files, findings = case_files(paths, root)
    for path in files:
        shown = display(path, root)
        if findings:  # no result will be reported: the rest of the files are only read
            runner.running = False
        elif _arrow_worth(path) and _plain_file(path, shown, runner, rows, encoding, policy, on):
            continue
        findings += stream_cases(
            [path], root, runner.add, rows, encoding, policies=policies, policy=policy, on=on
        )
    return findings


def _plain_file(path: Path, shown: str, runner: BatchCases, rows: int, encoding, policy, on):
    """Run the cases of `path` read by Arrow into a part of the runner's tally, merged when the
    file is plain; False (nothing kept) when it is not."""
    from generator.regress.arrow_cases import NotPlain, is_plain_csv, stream_plain_csv

    if not is_plain_csv(path):
        return False
    tally = runner.tally
    part = runner.tally = tally.part()
    try:
        policies = list(runner.by_id.values())
        stream_plain_csv(path, shown, runner, policies, policy, on, rows, encoding)
        runner.flush()
    except NotPlain:
        runner.pending = []
        part.close()
        return False
    finally:
        runner.tally = tally
    tally.merge(part)
    return True


def _arrow_worth(path: Path) -> bool:
    try:
        return path.suffix.lower() == ".csv" and path.stat().st_size >= ARROW_MIN_BYTES
    except OSError:
        return False  # case_files says why it cannot be read


class BatchCases:
    """Takes chunks of cases (CaseSpecs from `case_files`, or Arrow chunks of a plain CSV
    file) and gives each case's result to the tally, in file order."""

    def __init__(self, policies, tally: Tally, batch_min: int = BATCH_MIN):
        self.by_id = {p.id: p for p in policies}
        self.tally = tally
        self.batch_min = batch_min
        self.modules: dict[str, Any] = {}
        self.wanted: dict[tuple, Any] = {}  # (policy, output, type, as written) → its value
        self.pending: list = []  # the Arrow chunks of the rows counted last
        self.rows = 0
        self.running = True  # False once a file has problems of form: cases are only read

    # -- CaseSpecs (case_files.stream_cases) ---------------------------------------------------

    def add(self, specs: list[CaseSpec]) -> None:
        if not self.running:
            return
        # per case: True passed, False failed (in the batch), None: ask the one-case path
        verdicts: list[bool | None] = [None] * len(specs)
        groups: dict[str, list[int]] = {}
        for i, spec in enumerate(specs):
            groups.setdefault(spec.policy, []).append(i)
        for policy_id, rows in groups.items():
            policy = self.by_id.get(policy_id)
            if policy is not None and len(rows) >= self.batch_min:
                self._batch(policy, specs, rows, verdicts)
        for spec, verdict in zip(specs, verdicts, strict=True):
            self._result(spec, verdict)

    def _result(self, spec: CaseSpec, verdict: bool | None) -> None:
        if verdict is True:
            self.tally.add(CaseResult(spec))
        elif verdict is False and not self.tally.wants(False):
            self.tally.add_failure(spec)
        else:
            self.tally.add(CaseResult(spec, differences(self.by_id, spec)))

    def _module(self, policy):
        module = self.modules.get(policy.id)
        if module is None:
            from generator.regress.impact import _evaluator_module

            module = self.modules[policy.id] = _evaluator_module(policy)
        return module

    def _batch(self, policy, specs: list[CaseSpec], rows: list[int], verdicts: list) -> None:
        """Settle what the batch can of one policy's cases: each row it evaluates is passed
        or failed by its expected outputs; the rest stay None."""
        from generator.regress.stream_impact import SpecChunk

        outputs = {o.name: o for o in policy.outputs}
        picked = [
            i
            for i in rows
            if not specs[i].error and all(n in outputs for n, _ in specs[i].expected)
        ]
        if not picked:
            return
        cases = [specs[i] for i in picked]
        module = self._module(policy)
        chunk = SpecChunk(picked, cases)
        columns, strange = chunk.columns(module.INPUTS)
        result = module.evaluate_batch(columns, chunk.days)
        valid = (result.valid & ~strange).tolist()
        values = {name: result.outputs[name].tolist() for name in result.outputs}
        for k, (i, case) in enumerate(zip(picked, cases, strict=True)):
            if not valid[k]:
                continue  # refused: the one-case path gives its words
            verdicts[i] = all(
                self._holds(policy.id, outputs[name], written, values[name][k], result.places)
                for name, written in case.expected
            )

    def _holds(self, policy_id: str, output, written, got, places: dict) -> bool:
        """Whether the batch's value of `output` is the one written, as `differences` compares
        them: the same value and the same type (an amount to the fen)."""
        key = (policy_id, output.name, type(written), written)  # True == 1, but not here
        wanted = self.wanted.get(key, _UNREAD)
        if wanted is _UNREAD:
            if len(self.wanted) >= WANTED_KEPT:
                self.wanted.clear()  # bounded, however many distinct values a file writes
            wanted = self.wanted[key] = expected_value(output, written)
        if wanted is None:
            return False  # not a value of the output's type: a failure, in its words
        value = _typed(output.type, got, places[output.name])
        return bool(wanted == value) and type(wanted) is type(value)

    # -- Arrow chunks (arrow_cases.stream_plain_csv) ---------------------------------------------

    def counted(self, rows: int) -> int:
        """The next `rows` cases come (in chunks of one policy each): those before are done."""
        self.flush()
        first = self.rows
        self.rows += rows
        return first

    def add_chunk(self, policy_id: str, chunk) -> None:
        self.pending.append(chunk)

    def flush(self) -> None:
        """Give the results of the pending chunks to the tally, in file order: the passing
        cases only counted unless each is needed in full (-v, --junit)."""
        import numpy as np

        pending, self.pending = self.pending, []
        if not pending:
            return
        every = self.tally.wants(True)
        numbers, verdicts, places = [], [], []
        for index, chunk in enumerate(pending):
            verdict = self._arrow_verdicts(chunk)
            rows = np.arange(len(chunk)) if every else np.flatnonzero(verdict != 1)
            if not every:
                self.tally.add_passes(chunk.shown, len(chunk) - len(rows))
            numbers.append(np.asarray(chunk.numbers)[rows])
            verdicts.append(verdict[rows])
            places.append(np.stack([np.full(len(rows), index), rows]))
        order = np.argsort(np.concatenate(numbers), kind="stable")
        found = np.concatenate(verdicts)[order].tolist()
        where = np.concatenate(places, axis=1)[:, order].T.tolist()
        for verdict, (index, row) in zip(found, where, strict=True):
            chunk = pending[index]
            if verdict == 0 and not self.tally.wants(False):
                self.tally.add_failure_of(chunk.shown)
            else:
                self._result(chunk.spec(row), None if verdict < 0 else bool(verdict))

    def _arrow_verdicts(self, chunk):
        """Per case of an Arrow chunk of one policy: 1 passed, 0 failed in the batch, −1 for
        the one-case path (refused by the batch, or expected to be refused)."""
        import numpy as np

        policy = self.by_id[chunk.policy]
        if len(chunk) < self.batch_min:
            return np.full(len(chunk), -1, dtype=np.int8)
        module = self._module(policy)
        columns, strange = chunk.columns(module.INPUTS)
        result = module.evaluate_batch(columns, chunk.days)
        evaluated = np.asarray(result.valid, dtype=bool) & ~strange
        error = chunk.plain.get("error")
        if error is not None:
            evaluated &= chunk.batch.column(error).is_null().to_numpy(zero_copy_only=False)
        holds = np.ones(len(chunk), dtype=bool)
        outputs = {o.name: o for o in policy.outputs}
        for header, name in chunk.outputs.items():
            if name not in outputs:  # `out:name` of no output: the one-case path says so
                evaluated &= chunk.batch.column(header).is_null().to_numpy(zero_copy_only=False)
        for header, name in chunk.outputs.items():
            if name not in outputs:
                continue
            holds &= self._column_holds(
                policy.id, outputs[name], chunk.batch.column(header), result, evaluated
            )
        return np.where(evaluated, holds.astype(np.int8), np.int8(-1)).astype(np.int8)

    def _column_holds(self, policy_id: str, output, column, result, evaluated):
        """Per row, whether the written value of `output` (a column of text; empty: not
        checked) is the batch's: plain decimals compared as numerators, the rest as
        `_holds` compares them."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        got = result.outputs[output.name]
        places = result.places[output.name]
        text = pc.utf8_trim_whitespace(column)
        written = text.is_valid().to_numpy(zero_copy_only=False)
        holds = ~written
        exact = np.zeros(len(got), dtype=bool)  # settled here, without Python per row
        if output.type != "boolean":
            scale = places or 0
            pattern = rf"^-?[0-9]{{1,12}}(\.[0-9]{{1,{scale}}})?$" if scale else r"^-?[0-9]{1,12}$"
            plain = pc.fill_null(pc.match_substring_regex(text, pattern), False)
            typed = pa.decimal128(38, scale) if scale else pa.int64()
            values = pc.cast(pc.if_else(plain, text, pa.scalar(None, pa.string())), typed)
            if scale:
                values = _numerators(values)
            else:
                values = values.fill_null(0).to_numpy(zero_copy_only=False)
            exact = plain.to_numpy(zero_copy_only=False)
            holds = holds | (exact & (values == np.asarray(got, dtype=np.int64)))
        for row in np.flatnonzero(written & ~exact & evaluated).tolist():
            cell = text[row].as_py()
            holds[row] = self._holds(policy_id, output, cell, got[row].item(), result.places)
        return holds


def _numerators(decimals):
    """The unscaled integers of a decimal128 Arrow array (12 + places digits: within
    int64); 0 for a null."""
    import numpy as np

    words = np.frombuffer(decimals.buffers()[1], dtype=np.int64)
    low = words[2 * decimals.offset : 2 * (decimals.offset + len(decimals)) : 2].copy()
    if decimals.null_count:
        low[decimals.is_null().to_numpy(zero_copy_only=False)] = 0
    return low


def _typed(kind: str, numerator, places: int | None):
    """A batch value as the one-case path types it: yes/no a bool, an integer an int, a
    number a Decimal (numerators over 10**places)."""
    if kind == "boolean":
        return bool(numerator)
    if places is None:
        return numerator
    if kind == "integer":
        return numerator // 10**places
    return Decimal(numerator).scaleb(-places)


__all__ = ["BATCH_MIN", "CHUNK_ROWS", "BatchCases", "run_file_cases"]
