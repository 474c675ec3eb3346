"""Run cases against the policies and say, for each, whether it gives what its author expects.

The policies' own example cases and the cases of small case files go through the interpreter
on the current sources (the reference; `ratebook build` checks the generated modules against
it); long files go through the batch kernels (`case_stream`), which come back here for every
case whose words are needed. A failure lists every difference: an expected amount and the
amount the rules give, with the difference in the output's unit, or a refusal where outputs
were expected. `Tally` is what a run reports, bounded however many cases run.
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


LISTED = 1000  # cases a terminal report lists in full; the rest are counted and said to be


@dataclass
class SourceCount:
    cases: int = 0
    failed: int = 0


class Tally:
    """What `ratebook test` tells of its results, held in a bounded amount of memory however
    many cases run: per source the cases, passed and failed; the first `listed` cases the
    report shows in full (failures, or every case with -v) and how many more there were.
    `also`, when given, is handed every result in full as it comes (the JUnit report, which
    spools them to disk). Results are added in the order the report lists them."""

    def __init__(self, verbose: bool = False, also=None, listed: int = LISTED):
        self.verbose = verbose
        self.also = also
        self.listed = listed
        self.sources: dict[str, SourceCount] = {}
        self.shown: list[CaseResult] = []
        self.unlisted = 0
        self.total = 0
        self.failed = 0

    def wants(self, passed: bool) -> bool:
        """Whether the next case, with this verdict, is needed in full (its differences): it
        is listed, or written to the JUnit report."""
        if self.also is not None:
            return True
        return (self.verbose or not passed) and len(self.shown) < self.listed

    def add(self, result: CaseResult) -> None:
        self._count(result.case.source, result.passed)
        if self.verbose or not result.passed:
            if len(self.shown) < self.listed:
                self.shown.append(result)
            else:
                self.unlisted += 1
        if self.also is not None:
            self.also(result)

    def add_passes(self, source: str, count: int) -> None:
        """`count` passing cases of `source` that are not needed in full (`wants(True)` said
        no): counted only."""
        if count:
            tally = self.sources.get(source)
            if tally is None:
                tally = self.sources[source] = SourceCount()
            tally.cases += count
            self.total += count
            if self.verbose:  # -v lists passing cases too: these are past its bound
                self.unlisted += count

    def part(self) -> Tally:
        """A tally for the cases that come next, to `merge` into this one or drop: it lists
        what this one still has room for."""
        also = self.also.part() if self.also is not None else None
        return Tally(self.verbose, also, self.listed - len(self.shown))

    def merge(self, part: Tally) -> None:
        """Add the cases of `part` (made by `part()`, after every case added here)."""
        for source, count in part.sources.items():
            mine = self.sources.get(source)
            if mine is None:
                mine = self.sources[source] = SourceCount()
            mine.cases += count.cases
            mine.failed += count.failed
        self.shown += part.shown
        self.unlisted += part.unlisted
        self.total += part.total
        self.failed += part.failed
        if self.also is not None:
            self.also.merge(part.also)

    def close(self) -> None:
        """Let go of what `also` holds (the JUnit spools)."""
        if self.also is not None:
            self.also.close()

    def add_failure(self, case: CaseSpec) -> None:
        """A failing case that is neither listed nor written in full (`wants(False)` said no):
        counted only."""
        self.add_failure_of(case.source)

    def add_failure_of(self, source: str) -> None:
        self._count(source, False)
        self.unlisted += 1

    def _count(self, source: str, passed: bool) -> None:
        count = self.sources.get(source)
        if count is None:
            count = self.sources[source] = SourceCount()
        count.cases += 1
        self.total += 1
        if not passed:
            count.failed += 1
            self.failed += 1

    def lines(self, policies: Iterable[Policy] = ()) -> list[str]:
        """A table of sources (cases, passed, failed), then each listed case with its
        differences, how many more were not listed, and the verdict."""
        headers = [
            words(key) for key in ("test.source", "test.cases", "test.passed", "test.failed")
        ]
        width = max([shown_width(headers[0])] + [shown_width(s) for s in self.sources])
        counts = [max(6, shown_width(h)) for h in headers[1:]]

        def row(first: str, *numbers: object) -> str:
            cells = [pad(str(n), w, right=True) for n, w in zip(numbers, counts, strict=True)]
            return "  ".join([pad(first, width), *cells])

        lines = [row(*headers)]
        for source, count in self.sources.items():
            lines.append(row(source, count.cases, count.cases - count.failed, count.failed))
        if self.shown or self.unlisted:
            lines.append("")
        by_id = {p.id: p for p in policies}
        for result in self.shown:
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
        if self.unlisted:
            lines.append(words("test.unlisted", count=self.unlisted, listed=len(self.shown)))
        lines.append("")
        lines.append(
            words("test.some-failed", failed=self.failed, total=self.total)
            if self.failed
            else words("test.all-passed", total=self.total)
        )
        return lines


def summary_lines(
    results: list[CaseResult], verbose: bool = False, policies: Iterable[Policy] = ()
) -> list[str]:
    """A table of sources (cases, passed, failed), then each failure with its differences."""
    tally = Tally(verbose)
    for result in results:
        tally.add(result)
    return tally.lines(policies)
