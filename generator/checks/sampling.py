"""The one sampler of the checks: where a bound or a property is not proved from the form of
the formulas, it is tried on cases, and these are the cases.

First the boundary cases: the rows of the policy's test table (`boundary_cases`, the same
rows `ratebook build` writes to generated/tables: bracket edges and thresholds just below,
at and just above, every enum value, the change dates, the examples) and each numeric input
at its declared bounds, every one evaluated on the day being checked. Then RANDOM_CASES cases
drawn within the inputs' bounds, with the policy's id as seed so that runs repeat. Each case
says which of the two it is, so a finding can say where its counterexample came from and
how many cases of each kind were tried ("the boundary table (40 cases) plus 300 random
cases"). Both the layers check (`layers`) and the declared properties (`properties`) sample
here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from generator import runtime as rt
from generator.checks.boundary_cases import baseline, table_rows
from generator.core.messages import Message
from generator.evaluate.interpreter import evaluate, finish_output, value_of
from generator.evaluate.outcome import text
from generator.formula.syntax import Node
from generator.model.policy import InputField, OutputField, Policy, fmt

RANDOM_CASES = 300


@dataclass(frozen=True)
class Sample:
    """A case to try: its inputs, and whether it is a boundary case or a random one."""

    inputs: dict
    random: bool = False

    def words(self) -> str:
        """'pension=1000.01, scheme=employee': the inputs as a finding shows them."""
        return ", ".join(f"{k}={fmt(v)}" for k, v in sorted(self.inputs.items()) if v is not None)


@dataclass
class Tally:
    """How many cases of each kind were evaluated (a case the policy refuses is not counted)."""

    boundary: int = 0
    random: int = 0

    def add(self, sample: Sample) -> None:
        if sample.random:
            self.random += 1
        else:
            self.boundary += 1

    def tried(self) -> Message:
        """'the boundary table (40 cases) plus 300 random cases'."""
        return Message("sample.tried", boundary=self.boundary, random=self.random)

    def found_in(self, sample: Sample) -> Message:
        """Where a counterexample was found: a boundary case, or one of the random cases."""
        if sample.random:
            return Message("sample.found-random", random=RANDOM_CASES)
        return Message("sample.found-boundary")


def boundary_samples(policy: Policy) -> list[Sample]:
    """The test table's inputs (each set once, whatever its date) and each numeric input at
    its declared bounds, varied from the table's baseline case."""
    base, _ = baseline(policy)
    found: dict[tuple, Sample] = {}
    candidates = [dict(row.inputs) for row in table_rows(policy)]
    for field in policy.inputs:
        if field.type in ("number", "integer"):
            for end in (field.minimum, field.maximum):
                if end is not None:
                    candidates.append({**base, field.name: _typed(field, end)})
    for inputs in candidates:
        key = tuple(sorted((k, text(v)) for k, v in inputs.items()))
        found.setdefault(key, Sample(inputs))
    return list(found.values())


def samples(policy: Policy) -> Iterator[Sample]:
    """The boundary cases, then RANDOM_CASES seeded random ones."""
    yield from boundary_samples(policy)
    examples = [dict(c.inputs) for c in policy.cases]
    rng = random.Random(policy.id)
    for _ in range(RANDOM_CASES):
        yield Sample({f.name: _draw(rng, f, examples) for f in policy.inputs}, random=True)


def _typed(field: InputField, value: Decimal) -> object:
    return int(value) if field.type == "integer" else value


def _draw(rng: random.Random, field: InputField, examples: list[dict]) -> object:
    if field.type == "enum":
        return rng.choice(field.values)
    if field.type == "boolean":
        return rng.random() < 0.5
    if field.type == "date":
        return examples[0].get(field.name) if examples else None
    low = field.minimum if field.minimum is not None else Decimal(0)
    seen = [Decimal(str(e[field.name])) for e in examples if field.name in e]
    high = field.maximum if field.maximum is not None else max([low + 100000, *seen]) * 2
    value = Decimal(rng.randint(int(low * 100), int(high * 100))) / 100
    return int(value) if field.type == "integer" else value


def outcome(policy: Policy, case: dict, on: dt.date) -> dict | None:
    """The outputs of a sampled case, or None when the policy refuses it."""
    try:
        return evaluate(policy, {k: v for k, v in case.items() if v is not None}, on)
    except rt.EvaluationError:
        return None


def bound_value(policy: Policy, tree: Node, case: dict, on: dt.date, outputs: dict):
    """The value of a bound's formula on a case, or None when it cannot be evaluated."""
    try:
        return value_of(policy, tree, case, on, outputs)
    except rt.EvaluationError:
        return None


@dataclass(frozen=True)
class Broken:
    """A case that breaks a bound: the case, the output's value and the bound's."""

    sample: Sample
    value: Decimal
    limit: Decimal


def bound_counterexample(
    policy: Policy,
    output: OutputField,
    limit: Node,
    keeps: Callable[[Decimal, Decimal], bool | None],
    on: dt.date,
) -> tuple[Broken | None, Tally]:
    """The first sampled case on which `keeps(output's value, limit's value)` is False, and
    how many cases were tried. The limit is rounded as the output is: rounding never
    reverses an order, so a bound kept before rounding is kept after it."""
    tally = Tally()
    for sample in samples(policy):
        outputs = outcome(policy, sample.inputs, on)
        if outputs is None:
            continue
        value = bound_value(policy, limit, sample.inputs, on, outputs)
        if value is None:
            continue
        tally.add(sample)
        shown = finish_output(output, value)
        got = outputs[output.name]
        if keeps(got, shown) is False:
            return Broken(sample, got, shown), tally
    return None, tally
