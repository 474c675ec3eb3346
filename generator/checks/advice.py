"""Advisory thresholds a policy declares, checked for what a schema cannot say.

An advisory threshold names a number or integer input or output, has a code no other of
the policy's thresholds has, and its comparator agrees with the source's boundary word
where the word decides the boundary (不少于 includes the number: at_least; 低于 excludes it:
below). The threshold itself never refuses a case: it is shown beside the result.
"""

from __future__ import annotations

from collections.abc import Iterator

from generator.core.findings import Finding, finding
from generator.model.constraints import WORD_COMPARATORS
from generator.model.policy import Policy


def check_advice(policy: Policy) -> list[Finding]:
    return list(_advice(policy))


def _advice(policy: Policy) -> Iterator[Finding]:
    seen: set[str] = set()
    numbers = [f.name for f in policy.inputs if f.type in ("number", "integer")]
    numbers += [f.name for f in policy.outputs if f.type in ("number", "integer")]
    for a in policy.advice:
        if a.name in seen:
            yield finding("advice-duplicate", a.location, name=a.name)
        seen.add(a.name)
        if a.field_name not in numbers:
            yield finding("advice-field", a.location, name=a.field_name, known=", ".join(numbers))
        expected = WORD_COMPARATORS.get(a.word.strip())
        if expected and expected != a.comparator:
            yield finding(
                "constraint-word",
                a.location,
                word=a.word,
                comparator=a.comparator,
                expected=expected,
            )
