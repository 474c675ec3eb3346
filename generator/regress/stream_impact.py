"""The impact of a rule change on case files of any length, a chunk of cases at a time.

`impact.case_impact` evaluates a list of cases one by one and keeps every change; on a
year's export of millions of rows that is minutes and gigabytes. Here each chunk of cases
goes through the batch kernels (`evaluate_batch`) of the modules emitted from each version,
and what is kept is bounded: per output the counts, every change as one int64 (for the
smallest, median, largest and total), and the `LISTED` largest changes; per reason the
count of cases not compared and the first `LISTED` of them. A row the batch refuses on
either side goes through that side's one-case `evaluate`, so its reason is word for word the
one `case_impact` gives, and so is every number of the report while the lists stay under
their bound (tests/test_diff_stream.py compares the two).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from generator.core.shown import label_of
from generator.evaluate.outcome import Outcome, run
from generator.regress.impact import (
    REASONS,
    CaseChange,
    Impact,
    ImpactCase,
    OutputImpact,
    PolicyImpact,
    Uncompared,
    _evaluator_module,
    _uncompared,
    case_of,
)

LISTED = 1000  # changes kept per output, and cases kept per reason not compared


class ScaledAmounts:
    """Every numeric change of one output as int64 numerators over 10**places: what
    `OutputImpact.stat` needs (min, max, total, median) in 8 bytes a case."""

    def __init__(self, places: int):
        self.places = places
        self.parts: list = []  # numpy int64 arrays, one per chunk
        self.count = 0
        self._stats: tuple[int, dict[str, Decimal]] | None = None  # (count, stats) once asked

    def add(self, numerators) -> None:
        if len(numerators):
            self.parts.append(numerators)
            self.count += len(numerators)

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def _decimal(self, numerator: int) -> Decimal:
        return Decimal(int(numerator)).scaleb(-self.places)

    def stat(self, name: str) -> Decimal:
        if self._stats is None or self._stats[0] != self.count:
            self._stats = (self.count, self._all())
        return self._stats[1][name]

    def _all(self) -> dict[str, Decimal]:
        import numpy as np

        values = np.concatenate(self.parts)
        self.parts = [values]
        stats = {
            "min": self._decimal(values.min()),
            "max": self._decimal(values.max()),
            # summed as Python integers: no int64 overflow however many cases
            "total": Decimal(0) + self._decimal(sum(values.tolist())),
        }
        ordered = np.sort(values)
        middle = len(ordered) // 2
        stats["median"] = (
            self._decimal(ordered[middle])
            if len(ordered) % 2
            # as statistics.median does with the Decimals of case_impact
            else (self._decimal(ordered[middle - 1]) + self._decimal(ordered[middle])) / 2
        )
        return stats


@dataclass
class _Listed:
    """The largest changes of one output so far, in the order case_impact lists them: by
    size (refusals and yes/no changes after every amount), then in case order."""

    entries: list = field(default_factory=list)  # (−|change| or 0, case number, CaseChange)
    count: int = 0  # every change, listed or not

    def add(self, items: list) -> None:
        self.count += len(items)
        self.entries = sorted(self.entries + items, key=lambda e: (e[0], e[1]))[:LISTED]


@dataclass
class _PolicyRun:
    """What one policy's cases have given so far."""

    policy: str
    status: str
    labels: Mapping[str, str] | None
    cases: int = 0
    outputs: list = field(default_factory=list)  # OutputImpact
    listed: list = field(default_factory=list)  # _Listed per output
    base: Any = None  # the generated modules of each version
    head: Any = None
    old: Any = None  # the policies
    new: Any = None


class StreamImpact:
    """Takes chunks of CaseSpecs (`add`), then gives the Impact (`impact`)."""

    def __init__(self, base: list, head: list, source: str = ""):
        self.before = {p.id: p for p in base}
        self.after = {p.id: p for p in head}
        self.source = source
        self.cases = 0
        self.compared = 0
        self.runs: dict[str, _PolicyRun] = {}
        # per reason and policy: the count and the first cases (kept in the order
        # case_impact lists them: by policy, then in case order)
        self.uncompared: dict[tuple[str, str], list] = {}
        self.tally: dict[str, int] = {reason: 0 for reason in REASONS}
        self.unknown = 0

    # -- reading ------------------------------------------------------------------------------

    def add(self, specs: list) -> None:
        """A chunk of CaseSpecs read from case files, in file order."""
        by_policy: dict[str, list[int]] = {}
        for i, spec in enumerate(specs):
            by_policy.setdefault(spec.policy, []).append(i)
        first = self.cases
        self.cases += len(specs)
        for policy_id, rows in by_policy.items():
            cases = [case_of(specs[i]) for i in rows]
            self._policy_chunk(policy_id, SpecChunk([first + i for i in rows], cases))

    def add_chunk(self, policy_id: str, chunk: Chunk) -> None:
        """A chunk of cases of one policy (numbered by the caller, who counts them first
        with `counted`)."""
        self._policy_chunk(policy_id, chunk)

    def counted(self, rows: int) -> int:
        """Number `rows` more cases; the first one's number."""
        first = self.cases
        self.cases += rows
        return first

    def _not_compared(self, item: Uncompared, policy: str) -> None:
        self.tally[item.reason] += 1
        kept = self.uncompared.setdefault((item.reason, policy), [])
        if len(kept) < LISTED:
            kept.append(item)

    def _policy_chunk(self, policy_id: str, chunk: Chunk) -> None:
        old, new = self.before.get(policy_id), self.after.get(policy_id)
        if old is None and new is None:
            self.unknown += len(chunk)
            for i in range(len(chunk)):
                self._not_compared(Uncompared(chunk.case(i), "policy-unknown"), "")
            return
        state = self.runs.get(policy_id)
        if state is None:
            state = self.runs[policy_id] = self._start(policy_id, old, new)
        state.cases += len(chunk)
        if state.status != "both":
            for i in range(len(chunk)):
                reason = f"policy-{state.status}"
                self._not_compared(Uncompared(chunk.case(i), reason), policy_id)
            return
        for impact in state.outputs:
            impact.cases += len(chunk)
        self._evaluate(state, chunk)

    def _start(self, policy_id: str, old, new) -> _PolicyRun:
        status = "both" if old and new else "added" if new else "removed"
        state = _PolicyRun(policy_id, status, label_of(new or old))
        if status == "both":
            state.old, state.new = old, new
            state.base, state.head = _evaluator_module(old), _evaluator_module(new)
            for o in new.outputs:
                if old.output(o.name) is None:
                    continue
                impact = OutputImpact(
                    old.id,
                    o.name,
                    o.unit,
                    o.type,
                    o.places,
                    cases=0,
                    policy_labels=label_of(new),
                    output_labels=label_of(o),
                )
                state.outputs.append(impact)
                state.listed.append(_Listed())
        return state

    # -- evaluating ---------------------------------------------------------------------------

    def _evaluate(self, state: _PolicyRun, chunk: Chunk) -> None:
        import numpy as np

        a = _side(state.base, chunk)
        b = _side(state.head, chunk)
        both = a.valid & b.valid
        # the rows refused by either side: each side's own outcome, one case at a time
        outcomes: dict[int, tuple[Outcome, Outcome]] = {}
        for i in np.flatnonzero(~both).tolist():
            case = chunk.case(i)
            first = run(state.base.evaluate, dict(case.inputs), case.on)
            second = run(state.head.evaluate, dict(case.inputs), case.on)
            outcomes[i] = (first, second)
            missed = _uncompared(case, first, second)
            if missed is None:
                self.compared += 1
            else:
                self._not_compared(missed, state.policy)
        self.compared += int(both.sum())
        for impact, listed in zip(state.outputs, state.listed, strict=True):
            self._count(impact, listed, chunk, a, b, both, outcomes)

    def _count(self, impact, listed: _Listed, chunk: Chunk, a, b, both, outcomes) -> None:
        import numpy as np

        name = impact.output
        found: list = []  # (key, case number, CaseChange)
        # refused on one side only: listed after every amount, in case order
        for i, (first, second) in outcomes.items():
            number, case = chunk.numbers[i], chunk.case(i)
            if first.outputs is None and second.outputs is not None:
                impact.evaluated_now += 1
                found.append((0, number, _refusal_change(case, name, first, second, "before")))
            elif first.outputs is not None and second.outputs is None:
                impact.refused_now += 1
                found.append((0, number, _refusal_change(case, name, first, second, "now")))
            elif first.outputs is not None and second.outputs is not None:
                _, change = _one_change(impact, first.outputs[name], second.outputs[name])
                impact.compared += 1
                if change is not None:
                    found.append((_key(change), number, change_of(case, name, *change)))
        rows = np.flatnonzero(both)
        impact.compared += len(rows)
        old_raw, new_raw = a.outputs[name][rows], b.outputs[name][rows]
        # numerators over 10**places; None: a whole number or a yes/no as it is
        old_places, new_places = a.places[name] or 0, b.places[name] or 0
        places = max(old_places, new_places)
        old = old_raw.astype(np.int64) * 10 ** (places - old_places)
        new = new_raw.astype(np.int64) * 10 ** (places - new_places)
        moved = np.flatnonzero(old != new)
        if len(moved):
            rows, old, new = rows[moved], old[moved], new[moved]
            old_raw, new_raw = old_raw[moved], new_raw[moved]
            impact.changed += len(moved)
            if impact.type == "boolean":
                impact.up += int(((new != 0) & (old == 0)).sum())
                impact.down += int(((old != 0) & (new == 0)).sum())
                keep = np.arange(min(len(rows), LISTED))
                sizes = np.zeros(len(rows), dtype=np.int64)
            else:
                change = new - old
                impact.up += int((change > 0).sum())
                impact.down += int((change < 0).sum())
                if not isinstance(impact.amounts, ScaledAmounts):
                    impact.amounts = ScaledAmounts(places)
                impact.amounts.add(change)
                sizes = -np.abs(change)
                keep = np.lexsort((rows, sizes))[:LISTED]
                if len(listed.entries) >= LISTED:  # only what can still enter the list
                    limit = int(listed.entries[-1][0].scaleb(places))
                    keep = keep[sizes[keep] <= limit]
            for k in keep.tolist():
                i = int(rows[k])
                number, case = chunk.numbers[i], chunk.case(i)
                found.append(
                    (
                        Decimal(int(sizes[k])).scaleb(-places),
                        number,
                        change_of(
                            case,
                            name,
                            _value(impact, int(old_raw[k]), old_places),
                            _value(impact, int(new_raw[k]), new_places),
                        ),
                    )
                )
        found.sort(key=lambda e: (e[0], e[1]))
        listed.add(found)

    # -- the result ---------------------------------------------------------------------------

    def impact(self) -> Impact:
        policies: list[PolicyImpact] = []
        result = Impact(policies, self.cases, self.unknown, self.source, self.compared)
        for policy_id in sorted(self.runs):
            state = self.runs[policy_id]
            impact = PolicyImpact(policy_id, state.status, state.cases, labels=state.labels)
            for output, listed in zip(state.outputs, state.listed, strict=True):
                output.listed = [change for _, _, change in listed.entries]
                output.listed_count = listed.count
                impact.outputs.append(output)
            policies.append(impact)
        order = sorted(self.runs) + [""]  # cases of unknown policies last, as case_impact does
        for reason in REASONS:
            for policy_id in order:
                result.uncompared += self.uncompared.get((reason, policy_id), [])
        result.tally = {reason: n for reason, n in self.tally.items() if n}
        return result


def change_of(case: ImpactCase, name: str, old, new) -> CaseChange:
    if isinstance(new, bool) or isinstance(old, bool):
        return CaseChange(case, name, old, new, None)
    return CaseChange(case, name, old, new, Decimal(new) - Decimal(old))


def _key(change: tuple) -> Decimal:
    """The sort key case_impact gives a change of values (old, new): −|new − old|, 0 for
    yes/no."""
    old, new = change
    if isinstance(new, bool) or isinstance(old, bool):
        return Decimal(0)
    return -abs(Decimal(new) - Decimal(old))


def _one_change(impact: OutputImpact, old, new) -> tuple[bool, tuple | None]:
    """Count one compared case (evaluated one by one): (changed, (old, new) or None)."""
    if old == new and type(old) is type(new):
        return False, None
    impact.changed += 1
    if isinstance(new, bool) or isinstance(old, bool):
        impact.up += bool(new) and not old
        impact.down += bool(old) and not new
        return True, (old, new)
    difference = Decimal(new) - Decimal(old)
    impact.up += difference > 0
    impact.down += difference < 0
    import numpy as np

    if not isinstance(impact.amounts, ScaledAmounts):
        impact.amounts = ScaledAmounts(-int(difference.as_tuple().exponent))
    impact.amounts.add(np.array([int(difference.scaleb(impact.amounts.places))], dtype=np.int64))
    return True, (old, new)


def _refusal_change(case, name: str, first: Outcome, second: Outcome, when: str) -> CaseChange:
    from generator.core.messages import words

    if when == "before":
        note = words("diff-note.refused-before", error=first.error)
        return CaseChange(case, name, None, second.outputs[name], None, note)  # type: ignore[index]
    note = words("diff-note.refused-now", error=second.error)
    return CaseChange(case, name, first.outputs[name], None, None, note)  # type: ignore[index]


def _value(impact: OutputImpact, numerator: int, places: int):
    """An output's value from its batch numerator over 10**places, typed as the one-case
    path gives it (money rounded to its places: Decimal('5000.00'))."""
    if impact.type == "boolean":
        return numerator != 0
    if impact.type == "integer":
        return numerator // 10**places
    return Decimal(numerator).scaleb(-places)


class Chunk:
    """Cases of one policy: their numbers (file order), their dates, each case as a diff
    names it (made only for the cases a report lists) and their inputs as columns."""

    numbers: list
    days: Any  # numpy datetime64[D]

    def __len__(self) -> int:
        return len(self.numbers)

    def case(self, index: int) -> ImpactCase:
        raise NotImplementedError

    def columns(self, inputs: tuple) -> tuple[dict, Any]:
        """({input: column} for `inputs`, a mask of the rows giving an input not among them)."""
        raise NotImplementedError


class SpecChunk(Chunk):
    """Cases read one by one (CaseSpecs of any case file): ImpactCases for a diff, which
    lists them; anything with `inputs` and `on` for `columns` and `days` alone (the
    CaseSpecs `ratebook test` runs, case_stream)."""

    def __init__(self, numbers: list, cases: list):
        import numpy as np

        self.numbers = numbers
        self.cases = cases
        self.days = np.array([np.datetime64(c.on, "D") for c in cases], dtype="datetime64[D]")

    def case(self, index: int) -> ImpactCase:
        return self.cases[index]

    def columns(self, inputs: tuple) -> tuple[dict, Any]:
        import numpy as np

        known = set(inputs)
        columns: dict[str, list] = {name: [None] * len(self.cases) for name in inputs}
        strange = np.zeros(len(self.cases), dtype=bool)
        for i, case in enumerate(self.cases):
            for name, value in case.inputs:
                if name in known:
                    columns[name][i] = value
                else:
                    strange[i] = True
        return columns, strange


class _Side:
    """One version's batch result over a chunk."""

    def __init__(self, result, valid):
        self.outputs = result.outputs
        self.places = result.places
        self.valid = valid


def _side(module, chunk: Chunk) -> _Side:
    """Evaluate the chunk with `module.evaluate_batch`; a case giving a field the module does
    not know is left to the one-case path (which refuses it, as case_impact does)."""
    columns, strange = chunk.columns(module.INPUTS)
    result = module.evaluate_batch(columns, chunk.days)
    return _Side(result, result.valid & ~strange)


__all__ = ["LISTED", "Chunk", "ScaledAmounts", "SpecChunk", "StreamImpact"]
