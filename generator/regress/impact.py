"""What a change of the rules does to cases: who gets more, who gets less, and by how much.

Every case is evaluated under the base rules and under the new ones, with modules emitted
from each tree in memory (the same code `ratebook build` checks against the interpreter,
and fast enough for a year of real cases). Per policy and output: how many cases were
compared, how many changed, went up or down, the smallest, median, largest and total
change (in the output's unit: yuan for money), the cases refused by one side only, and the
biggest changes with their cases.

No case is dropped silently: every case that could not be compared under both versions is
kept with its reason (`Uncompared`), so a report can say `cases = compared + refused by
both + …` and list each one.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from generator.checks.boundary_cases import table_rows
from generator.compile.python_module import emit_module
from generator.core.messages import words
from generator.core.shown import label_of
from generator.evaluate.modules import module_from_text
from generator.evaluate.outcome import Outcome, run, text

BIGGEST = 10  # changes listed per policy and output


@dataclass(frozen=True)
class ImpactCase:
    policy: str
    label: str  # the case's name (and its place, for case files)
    on: dt.date
    inputs: tuple  # ((name, value), ...)

    def inputs_text(self) -> str:
        return ", ".join(f"{n}={text(v)}" for n, v in self.inputs)


@dataclass(frozen=True)
class CaseChange:
    case: ImpactCase
    output: str
    base: object  # the value under the base rules, or None when refused there
    head: object
    change: Decimal | None  # head − base for numbers; None for booleans and refusals
    note: str = ""  # "refused now: …" / "evaluated now"


# Why a case was not compared, in the order reports list them, with the catalogue key of its
# words (a list heading, a term of the sum).
REASONS = {
    # refused by both versions (invalid, not in force, no bracket holds it)
    "refused-both": "diff-reason.refused-both",
    # not in force under the base, evaluated under the new rules; and the other way round
    "not-in-force-base": "diff-reason.not-in-force-base",
    "not-in-force-new": "diff-reason.not-in-force-new",
    # refused by one version for another reason (invalid, no bracket holds it)
    "refused-base": "diff-reason.refused-base",
    "refused-new": "diff-reason.refused-new",
    # its policy is only in the new version, only in the base, in neither
    "policy-added": "diff-reason.policy-added",
    "policy-removed": "diff-reason.policy-removed",
    "policy-unknown": "diff-reason.policy-unknown",
}


@dataclass(frozen=True)
class Uncompared:
    case: ImpactCase
    reason: str  # one of REASONS
    base: str = ""  # the base's refusal, in words ("" when the base evaluated it or lacks it)
    new: str = ""  # the new version's refusal, likewise

    @property
    def detail(self) -> str:
        """The refusals in words: once when both versions say the same."""
        if self.base and self.new and self.base != self.new:
            return f"{self.base} | {self.new}"
        return self.base or self.new


def _uncompared(case: ImpactCase, a: Outcome, b: Outcome) -> Uncompared | None:
    if a.ok and b.ok:
        return None
    if not a.ok and not b.ok:
        return Uncompared(case, "refused-both", a.error, b.error)
    refused, side = (a, "base") if not a.ok else (b, "new")
    kind = "not-in-force" if refused.refusal == "not-in-force" else "refused"
    return Uncompared(case, f"{kind}-{side}", a.error, b.error)


@dataclass
class OutputImpact:
    policy: str
    output: str
    unit: str
    type: str
    places: int | None
    cases: int = 0  # cases of the policy
    compared: int = 0  # evaluated under both versions
    changed: int = 0
    up: int = 0
    down: int = 0
    refused_now: int = 0  # evaluated under the base, refused under the new rules
    evaluated_now: int = 0  # the other way round
    # every numeric change, head − base (a stream_impact.ScaledAmounts on a long file)
    amounts: Any = field(default_factory=list)
    listed: list = field(default_factory=list)  # CaseChange, every change (sorted at the end)
    policy_labels: Mapping[str, str] | None = None  # {zh, en}: for the reports people read
    output_labels: Mapping[str, str] | None = None
    listed_count: int | None = None  # every change when `listed` keeps only the largest

    @property
    def changes(self) -> int:
        """How many cases are listed as changed (amounts, yes/no, refused on one side)."""
        return len(self.listed) if self.listed_count is None else self.listed_count

    @property
    def any_change(self) -> bool:
        return bool(self.changed or self.refused_now or self.evaluated_now)

    def stat(self, name: str) -> Decimal | None:
        if not self.amounts:
            return None
        if not isinstance(self.amounts, list):  # kept as numerators (stream_impact)
            return self.amounts.stat(name)
        if name == "min":
            return min(self.amounts)
        if name == "max":
            return max(self.amounts)
        if name == "total":
            return sum(self.amounts, Decimal(0))
        return statistics.median(self.amounts)

    def biggest(self, count: int = BIGGEST) -> list[CaseChange]:
        return self.listed[:count]


@dataclass
class PolicyImpact:
    policy: str
    status: str  # "both" | "added" | "removed"
    cases: int
    outputs: list[OutputImpact] = field(default_factory=list)
    labels: Mapping[str, str] | None = None  # the policy's title {zh, en}

    @property
    def any_change(self) -> bool:
        return self.status != "both" or any(o.any_change for o in self.outputs)


@dataclass
class Impact:
    policies: list[PolicyImpact]
    cases: int
    unknown: int = 0  # cases naming a policy neither version has
    source: str = ""  # "the generated test tables of both versions" or the file names
    compared: int = 0  # cases evaluated under both versions
    uncompared: list[Uncompared] = field(default_factory=list)  # every other case, with why
    # reason → cases, when `uncompared` keeps only the first cases of each (stream_impact)
    tally: dict[str, int] | None = None

    @property
    def any_change(self) -> bool:
        return any(p.any_change for p in self.policies)

    @property
    def not_compared(self) -> int:
        return self.cases - self.compared

    def counts(self) -> list[tuple[str, int]]:
        """(reason, number of cases) for each reason that has cases, in the order of REASONS;
        with `compared` they add up to `cases`."""
        tally = {reason: 0 for reason in REASONS}
        if self.tally is not None:
            tally.update(self.tally)
        else:
            for item in self.uncompared:
                tally[item.reason] += 1
        return [(reason, n) for reason, n in tally.items() if n]

    def by_reason(self) -> list[tuple[str, list[Uncompared]]]:
        return [
            (reason, [u for u in self.uncompared if u.reason == reason])
            for reason, _ in self.counts()
        ]


def table_cases(base: list, head: list) -> list[ImpactCase]:
    """The test-table cases of both versions, each (policy, date, inputs) once."""
    cases: list[ImpactCase] = []
    seen: set = set()
    for policies in (head, base):
        for policy in sorted(policies, key=lambda p: p.id):
            for row in table_rows(policy):
                key = (policy.id, row.on, tuple((n, text(v)) for n, v in row.inputs))
                if key not in seen:
                    seen.add(key)
                    cases.append(ImpactCase(policy.id, row.label, row.on, row.inputs))
    return sorted(cases, key=lambda c: c.policy)  # stable: keeps each policy's table order


def file_cases(specs) -> list[ImpactCase]:
    """Cases read from case files (their expected outputs play no part in a diff)."""
    return [case_of(s) for s in specs]


def case_of(spec) -> ImpactCase:
    """A case read from a case file, as a diff names it."""
    return ImpactCase(
        spec.policy,
        f"{spec.name} ({spec.location})" if spec.name else str(spec.location),
        spec.on,
        tuple(spec.inputs),
    )


def case_impact(base: list, head: list, cases: list[ImpactCase], source: str = "") -> Impact:
    before = {p.id: p for p in base}
    after = {p.id: p for p in head}
    by_policy: dict[str, list[ImpactCase]] = {}
    unknown: list[Uncompared] = []
    for case in cases:
        if case.policy not in before and case.policy not in after:
            unknown.append(Uncompared(case, "policy-unknown"))
            continue
        by_policy.setdefault(case.policy, []).append(case)
    impacts: list[PolicyImpact] = []
    result = Impact(impacts, len(cases), len(unknown), source)
    for policy_id in sorted(by_policy):
        old, new = before.get(policy_id), after.get(policy_id)
        items = by_policy[policy_id]
        status = "both" if old and new else "added" if new else "removed"
        impact = PolicyImpact(policy_id, status, len(items), labels=label_of(new or old))
        if status == "both":
            impact.outputs = _compare(old, new, items, result)
        else:
            result.uncompared += [Uncompared(c, f"policy-{status}") for c in items]
        impacts.append(impact)
    result.uncompared += unknown
    return result


def _evaluator_module(policy):
    """The module `ratebook build` would write for `policy`, loaded from memory."""
    return module_from_text(emit_module(policy), "ratebook_diff_" + policy.module_name)


def _evaluator(policy):
    return _evaluator_module(policy).evaluate


def _compare(old, new, cases: list[ImpactCase], result: Impact) -> list[OutputImpact]:
    base_eval, head_eval = _evaluator(old), _evaluator(new)
    shared = [o for o in new.outputs if old.output(o.name) is not None]
    impacts = [
        OutputImpact(
            old.id,
            o.name,
            o.unit,
            o.type,
            o.places,
            cases=len(cases),
            policy_labels=label_of(new),
            output_labels=label_of(o),
        )
        for o in shared
    ]
    for case in cases:
        a = run(base_eval, dict(case.inputs), case.on)
        b = run(head_eval, dict(case.inputs), case.on)
        missed = _uncompared(case, a, b)
        if missed is None:
            result.compared += 1
        else:
            result.uncompared.append(missed)
        for impact in impacts:
            _count(impact, case, a, b)
    for impact in impacts:
        impact.listed.sort(key=lambda c: -abs(c.change) if c.change is not None else 0)
    return impacts


def _count(impact: OutputImpact, case: ImpactCase, a: Outcome, b: Outcome) -> None:
    name = impact.output
    if a.outputs is None:
        if b.outputs is not None:
            impact.evaluated_now += 1
            impact.listed.append(
                CaseChange(
                    case,
                    name,
                    None,
                    b.outputs[name],
                    None,
                    words("diff-note.refused-before", error=a.error),
                )
            )
        return
    if b.outputs is None:
        impact.refused_now += 1
        impact.listed.append(
            CaseChange(
                case,
                name,
                a.outputs[name],
                None,
                None,
                words("diff-note.refused-now", error=b.error),
            )
        )
        return
    impact.compared += 1
    old, new = a.outputs[name], b.outputs[name]
    if old == new and type(old) is type(new):
        return
    impact.changed += 1
    if isinstance(new, bool) or isinstance(old, bool):
        impact.up += bool(new) and not old
        impact.down += bool(old) and not new
        impact.listed.append(CaseChange(case, name, old, new, None))
        return
    change = Decimal(new) - Decimal(old)
    impact.up += change > 0
    impact.down += change < 0
    impact.amounts.append(change)
    impact.listed.append(CaseChange(case, name, old, new, change))
