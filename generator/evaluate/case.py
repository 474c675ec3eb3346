"""One case of one policy, as `ratebook eval` runs it, and the forms its answer is shown in.

The generated module answers when it was built from the source as it is now; when the source
changed since (or with --explain, which needs the steps), the interpreter evaluates the
source directly, with a warning that generated/ is stale. A case that cannot be evaluated
raises RatebookError with one finding per reason. Standard library only on the usual path
(the generated module and `generator.runtime`); the interpreter, the policy reader and even
the findings (which need `dataclasses`) load only when they are needed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from generator import runtime as rt
from generator.core.errors import RatebookError
from generator.evaluate.modules import generated_module, source_is_current

if TYPE_CHECKING:
    from generator.core.findings import Finding


class CaseRun:
    """What one evaluated case gives (a plain class: no `dataclasses` on the one-case path)."""

    __slots__ = ("policy", "on", "inputs", "outputs", "steps", "warnings", "advice", "units")

    def __init__(
        self,
        policy: str,
        on: dt.date,
        inputs: dict,
        outputs: dict,
        steps: list | None = None,
        warnings: list[Finding] | None = None,
        advice: list | None = None,
        units: dict | None = None,
    ):
        self.policy = policy
        self.on = on
        self.inputs = inputs  # the case as given, each value typed as it was read
        self.outputs = outputs  # output name -> value as evaluated
        self.steps = steps  # (step, source clause) pairs, with --explain
        self.warnings = warnings or []  # to show before the outputs
        self.advice = advice or []  # runtime.Advice: advisory thresholds the case breaks
        self.units = units or {}  # output name -> its unit's id, for the lines people read


def run_case(
    root: Path, policy_id: str, entry: dict, case: dict, on: dt.date, explain: bool
) -> CaseRun:
    """Evaluate `case` on `on`; RatebookError when the source or the case cannot be used.

    Every RatebookError raised here starts with the warnings, so they are shown either way.
    """
    warnings = []
    if not explain and not source_is_current(root, entry):
        from generator.core.findings import NOWHERE, WARNING, finding

        warnings.append(finding("source-changed", NOWHERE, WARNING, source=entry["source"]))
    try:
        return _run(root, policy_id, entry, case, on, explain, warnings)
    except RatebookError as error:
        error.findings[:0] = warnings
        raise


def _run(root, policy_id, entry, case, on, explain, warnings) -> CaseRun:
    trace = None
    if explain or warnings:
        policy = _valid_policy(root, entry["source"])
        from generator.evaluate.interpreter import Trace, evaluate

        trace = Trace() if explain else None
        run = lambda: evaluate(policy, case, on, trace)  # noqa: E731
        labels = {f.name: f.label_values for f in policy.inputs if f.label_values}
        types = {
            f.name: (f.type, tuple(f.values) if f.type == "enum" else f.unit or None)
            for f in policy.inputs
        }
        rows = policy.advice_rows()
        units = {f.name: f.unit for f in policy.outputs}
        defaults = {f.name: str(f.default) for f in policy.inputs if f.has_default}
        advise = lambda outputs: rt.advise(rows, case, outputs, types, defaults)  # noqa: E731
    else:
        module = generated_module(root, entry)
        run = lambda: module.evaluate(case, on)  # noqa: E731
        labels = getattr(module, "LABELS", {})
        types = module.INPUT_TYPES
        units = getattr(module, "OUTPUT_UNITS", {})
        advise = lambda outputs: module.advise(case, outputs)  # noqa: E731
    try:
        outputs = run()
    except rt.EvaluationError as error:
        raise refusal(policy_id, entry, on, error) from None
    steps = list(trace.steps) if trace is not None else None
    typed = rt.typed_inputs(case, types, labels)
    return CaseRun(policy_id, on, typed, outputs, steps, warnings, advise(outputs), units)


def refusal(policy_id: str, entry: dict, on: dt.date, error: rt.EvaluationError) -> RatebookError:
    """Why a case was not evaluated: the rule not in force on `on`, or one finding per bad
    field or broken rule (the fields by their labels in Chinese)."""
    from generator.core.findings import summary
    from generator.core.shown import named

    policy = named(policy_id, entry.get("title"))
    if isinstance(error, rt.NotInForce):
        reasons = "; ".join(f"{f}: {m}" for f, m in error.problems)
        return RatebookError(
            [summary("case-not-in-force", policy=policy, on=on.isoformat(), reasons=reasons)]
        )
    labels = entry.get("labels", {})
    return RatebookError(
        [
            summary("case-invalid", policy=policy),
            *(_reason(problem, labels) for problem in error.problems),
        ]
    )


def _reason(problem, labels: dict) -> Finding:
    """One reason of a refused case, as a line under the summary (the field by its label in
    Chinese, its id beside it)."""
    from generator.core.findings import summary
    from generator.core.shown import named

    field_name, message = problem
    reason = problem if isinstance(problem, rt.Problem) else message
    if field_name:
        field = named(field_name, labels.get(field_name))
        return summary("case-reason.field", field=field, reason=reason)
    return summary("case-reason.case", reason=reason)


def _valid_policy(root: Path, source: str):
    from generator.checks.project import load_source
    from generator.core.findings import ERROR, summary

    policy, findings = load_source(root / source, root)
    errors = [f for f in findings if f.severity == ERROR]
    if policy is None or errors:
        raise RatebookError([*errors, summary("source-invalid", source=source)])
    return policy


def shown_value(value) -> object:
    """An output as `eval` shows it, in text and in JSON: whole numbers and true/false as
    they are, amounts exactly as written out ("5000.00"), anything else as text."""
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def document(run: CaseRun, labels: dict | None = None) -> dict:
    """What `eval --json` prints: the policy, the date, the inputs as given (typed as the
    policy's case schema says), the outputs (as its result schema says), the advice of the
    advisory thresholds the case breaks (each with its stable code; the result stands) and,
    with --explain, each step with its source."""
    return {
        "policy": run.policy,
        "on": run.on.isoformat(),
        "inputs": run.inputs,
        "outputs": {name: shown_value(value) for name, value in run.outputs.items()},
        "advice": [a.document(labels) for a in run.advice],
        **(
            {"explain": [{"step": s, "source": src} for s, src in run.steps]}
            if run.steps is not None
            else {}
        ),
    }
