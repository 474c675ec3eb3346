"""Run cases against the policies and say, for each, whether it gives what its author expects.

The policies' own example cases and the cases of case files go through the interpreter on
the current sources (the reference; `ratebook build` checks the generated modules against
it). A failure lists every difference: an expected amount and the amount the rules give,
with the difference in the output's unit, or a refusal where outputs were expected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from generator.checks.rules import expected_value
from generator.core.messages import Message, words
from generator.core.shown import Named, label_of, named, pad
from generator.core.shown import width as shown_width
from generator.core.unit_words import UnitLabel
from generator.core.values import did_you_mean
from generator.evaluate.interpreter import evaluate
from generator.evaluate.outcome import output_text, run
from generator.model.policy import Policy
from generator.regress.case_files import CaseSpec

CASE_CODES = (
    "case-mismatch",
    "case-error",
    "case-expected",
    "case-output",
)  # rules._cases findings


@dataclass
class CaseResult:
    case: CaseSpec
    differences: list[Message] = field(default_factory=list)  # empty when the case passes

    @property
    def passed(self) -> bool:
        return not self.differences


def blocking_errors(project) -> list:
    """Errors that stop cases from running; a failing example case is a result, not one of them."""
    return [f for f in project.findings.errors if f.code not in CASE_CODES]


def example_cases(policies) -> list[CaseSpec]:
    """The example cases written inside the policies, as case specs."""
    found = []
    for policy in sorted(policies, key=lambda p: p.id):
        for case in policy.cases:
            if case.on is not None:
                found.append(
                    CaseSpec(
                        policy.id,
                        case.name,
                        case.on,
                        case.inputs,
                        case.expected,
                        "",
                        case.why,
                        case.location,
                        policy.file,
                    )
                )
    return found


def run_cases(policies, cases: list[CaseSpec]) -> list[CaseResult]:
    by_id = {p.id: p for p in policies}
    return [CaseResult(case, differences(by_id, case)) for case in cases]


def differences(by_id: dict, case: CaseSpec) -> list[Message]:
    policy: Policy | None = by_id.get(case.policy)
    if policy is None:
        return [
            Message(
                "case-run.unknown-policy",
                policy=case.policy,
                policies=", ".join(sorted(by_id)),
                hint=did_you_mean(case.policy, sorted(by_id)),
            )
        ]
    outputs = {o.name: o for o in policy.outputs}
    unknown = [n for n, _ in case.expected if n not in outputs]
    if unknown:
        return [
            Message(
                "case-run.unknown-output",
                output=n,
                policy=policy.id,
                outputs=", ".join(outputs),
                hint=did_you_mean(n, outputs),
            )
            for n in unknown
        ]
    outcome = run(lambda c, on: evaluate(policy, c, on), dict(case.inputs), case.on)
    if case.error:
        if outcome.outputs is not None:
            got = ", ".join(f"{n} {output_text(outputs[n], v)}" for n, v in outcome.outputs.items())
            return [Message("case-run.not-refused", expected=case.error, got=got)]
        if case.error not in outcome.error:
            return [Message("case-run.other-refusal", expected=case.error, got=outcome.error)]
        return []
    if outcome.outputs is None:
        return [Message("case-run.refused", reason=outcome.error)]
    found: list[Message] = []
    for name, written in case.expected:
        output = outputs[name]
        wanted = expected_value(output, written)
        got = outcome.outputs[name]
        if wanted is None:
            found.append(
                Message(
                    "case-run.expected-type",
                    output=Named.of(output),
                    value=written,
                    type=output.type,
                )
            )
        elif wanted != got or type(wanted) is not type(got):
            found.append(
                Message(
                    "case-run.mismatch",
                    output=Named.of(output),
                    expected=output_text(output, wanted),
                    got=output_text(output, got),
                    difference=_difference(output, wanted, got),
                )
            )
    return found


def _difference(output, wanted, got) -> Message | str:
    """How far the rules' answer is from the expected one, in the output's unit ("" for a
    value that is not a number)."""
    if isinstance(got, bool) or not isinstance(got, (int, Decimal)):
        return ""
    change = Decimal(got) - Decimal(wanted)
    shown = output_text(output, change) if output.type == "number" else str(change)
    signed = f"{'+' if change > 0 else ''}{shown}"
    if output.unit and output.unit != "1":
        return Message("case-run.difference", change=signed, unit=UnitLabel(output.unit))
    return Message("case-run.difference-bare", change=signed)


# -- what the terminal shows ------------------------------------------------------------------------


def summary_lines(
    results: list[CaseResult], verbose: bool = False, policies: Iterable[Policy] = ()
) -> list[str]:
    """A table of sources (cases, passed, failed), then each failure with its differences."""
    sources: dict[str, list[CaseResult]] = {}
    for result in results:
        sources.setdefault(result.case.source, []).append(result)
    headers = [words(key) for key in ("test.source", "test.cases", "test.passed", "test.failed")]
    width = max([shown_width(headers[0])] + [shown_width(s) for s in sources])
    counts = [max(6, shown_width(h)) for h in headers[1:]]

    def row(first: str, *numbers: object) -> str:
        cells = [pad(str(n), w, right=True) for n, w in zip(numbers, counts, strict=True)]
        return "  ".join([pad(first, width), *cells])

    lines = [row(*headers)]
    for source, items in sources.items():
        failed = sum(not r.passed for r in items)
        lines.append(row(source, len(items), len(items) - failed, failed))
    shown = [r for r in results if verbose or not r.passed]
    if shown:
        lines.append("")
    by_id = {p.id: p for p in policies}
    for result in shown:
        case = result.case
        policy = by_id.get(case.policy)
        lines.append(
            words(
                "test.case",
                status=words("test.pass" if result.passed else "test.fail"),
                location=case.location,
                policy=named(case.policy, label_of(policy)) if policy else case.policy,
                name=words("test.case-name", name=case.name) if case.name else "",
                on=case.on.isoformat(),
            )
        )
        for difference in result.differences:
            lines.append(f"      {difference}")
    failed = sum(not r.passed for r in results)
    lines.append("")
    lines.append(
        words("test.some-failed", failed=failed, total=len(results))
        if failed
        else words("test.all-passed", total=len(results))
    )
    return lines
