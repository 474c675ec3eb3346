"""A scale as linear segments: on segment s its value is rates[s] × x + offsets[s].

Why: the batch path evaluates a scale of any size in a constant number of passes (a binary
search for each row's segment, then one multiply and one add), and its compiler bounds the
value exactly (a linear function is largest at a segment's ends) to know when int64 cannot
overflow. Both use these tables; pure Python (integers at the scale's x scale), so the
compiler does not import numpy.
"""

from __future__ import annotations

SAFE = 2**62  # a value below this in magnitude fits int64 with room for one more addition
SHIFT_LIMIT = 2**55  # |x| below this: the batch runtime can search every dated version at once


def marginal(steps: tuple) -> tuple:
    """Segments of Σ change × max(x − edge, 0): below the first edge 0, then after each edge
    the rates so far, with offset −Σ change × edge (so the value is continuous at an edge)."""
    starts, rates, offsets = [None], [0], [0]
    rate = offset = 0
    for edge, change in steps:
        rate += change
        offset -= change * edge
        starts.append(edge)
        rates.append(rate)
        offsets.append(offset)
    return starts, rates, offsets, [True] * len(starts)


def whole_amount(brackets: tuple) -> tuple:
    """Segments of a whole-amount scale: each bracket as the whole numbers [low, high) it
    holds (x > low is x ≥ low + 1: numerators are integers) with its value (amount, or
    rate × x); below the first bracket, between two (a gap) and above the last, a segment
    no bracket holds, whose rows are flagged. Brackets come in order without overlaps (the
    validator's rule); where one would overlap, the first keeps the shared part, as in the
    one-case path."""
    segments: list[tuple] = []
    cursor = None  # where the next segment starts; None: from the lowest x
    for low, low_incl, high, high_incl, rate, amount in brackets:
        start = None if low is None else (low if low_incl else low + 1)
        stop = None if high is None else (high + 1 if high_incl else high)
        if start is not None and (cursor is None or start > cursor):
            segments.append((cursor, 0, 0, False))
            cursor = start
        if stop is not None and cursor is not None and stop <= cursor:
            continue  # wholly inside an earlier bracket
        segments.append(
            (cursor, 0 if amount is not None else rate, amount if amount is not None else 0, True)
        )
        if stop is None:
            break
        cursor = stop
    else:
        segments.append((cursor, 0, 0, False))
    starts, rates, offsets, covered = (list(column) for column in zip(*segments, strict=True))
    return starts, rates, offsets, covered


def wrapped(value: int) -> int:
    """An integer modulo 2**64, as a signed int64."""
    return (value + 2**63) % 2**64 - 2**63


def value_bound(pieces: tuple, x_bound: int) -> int:
    """The largest |value| over |x| ≤ x_bound (covered segments only): a segment's value is
    linear, so it is largest at one of the segment's two ends within [−x_bound, x_bound]."""
    starts, rates, offsets, covered = pieces
    largest = 0
    for s, start in enumerate(starts):
        low = -x_bound if start is None else max(start, -x_bound)
        high = x_bound if s + 1 == len(starts) else min(starts[s + 1] - 1, x_bound)
        if low > high or not covered[s]:
            continue
        largest = max(largest, abs(rates[s] * low + offsets[s]), abs(rates[s] * high + offsets[s]))
    return largest


def safe_limit(pieces: tuple) -> int:
    """A largest |x| whose value surely stays below SAFE: |value| ≤ max|rate| × (|x| + |first
    edge|) + max|amount| (a marginal value is the integral of its rate from the first edge)."""
    starts, rates, offsets, covered = pieces
    rate = max((abs(r) for r in rates), default=0)
    first = max((abs(s) for s in starts if s is not None), default=0)
    amount = max((abs(o) for o, r in zip(offsets, rates, strict=True) if r == 0), default=0)
    if rate == 0:
        return SAFE  # amounts only: any x (their bound is checked by the caller)
    return max(0, (SAFE - amount) // rate - first - 1)
