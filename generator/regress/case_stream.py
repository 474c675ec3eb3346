"""`ratebook test` on case files of any length: cases a chunk at a time through the batch kernels.

`case_run.run_cases` runs a list of cases one by one through the interpreter; a year's
export of a million rows is then minutes and every case held in memory. Here the cases of
the files come from `case_files.stream_cases` (the reader `diff --cases` uses, with the same
findings), a chunk at a time; each policy's part of a chunk goes through the `evaluate_batch`
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
from generator.regress.case_files import CaseSpec, stream_cases
from generator.regress.case_run import CaseResult, Tally, differences

CHUNK_ROWS = 32_768  # cases read and evaluated at a time
BATCH_MIN = 256  # a policy's cases in a chunk below which the one-case path is quicker


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
    caller reports the problems instead)."""
    runner = BatchCases(policies, tally, BATCH_MIN if batch_min is None else batch_min)
    rows = CHUNK_ROWS if chunk_rows is None else chunk_rows
    return stream_cases(
        paths, root, runner.add, rows, encoding, policies=policies, policy=policy, on=on
    )


class BatchCases:
    """Takes chunks of CaseSpecs and gives each case's result to the tally, in order."""

    def __init__(self, policies, tally: Tally, batch_min: int = BATCH_MIN):
        self.by_id = {p.id: p for p in policies}
        self.tally = tally
        self.batch_min = batch_min
        self.modules: dict[str, Any] = {}
        self.wanted: dict[tuple, Any] = {}  # (policy, output, as written) → expected value

    def add(self, specs: list[CaseSpec]) -> None:
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
        key = (policy_id, output.name, written)
        if key not in self.wanted:
            self.wanted[key] = expected_value(output, written)
        wanted = self.wanted[key]
        if wanted is None:
            return False  # not a value of the output's type: a failure, in its words
        value = _typed(output.type, got, places[output.name])
        return bool(wanted == value) and type(wanted) is type(value)


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
