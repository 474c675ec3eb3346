"""Scales of any size in the batch path: the same value as one case at a time, row by row.

Why: the batch path evaluates a scale as linear segments found by a binary search (one
search, two gathers, a multiply and an add per row, whatever the bracket count or the number
of dated versions), and a small marginal scale as a few fused passes. Every form must give
exactly what the one-case runtime gives (`runtime.marginal`, `runtime.whole_amount` on
Decimals): scales of 1 to 10,000 brackets, rates that fall as well as rise, closed and open
top brackets, rows on, just below and just above every edge, rows dated into different
versions, and amounts whose int64 products could overflow (those rows take the exact path).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import runtime as rt
from generator import segments
from generator.batch_runtime import Batch
from generator.compile.batch_kernel import marginal_steps
from generator.core import limits

from .made_policies import build

ON = dt.date(2012, 6, 1)


class Bracket:
    """A bracket as the compiler reads it (numerators; rate in hundredths)."""

    def __init__(self, lower, upper, rate, lower_inclusive=False, upper_inclusive=True):
        self.lower, self.upper, self.rate, self.amount = lower, upper, Decimal(rate) / 100, None
        self.lower_inclusive, self.upper_inclusive = lower_inclusive, upper_inclusive


def scale_of(edges: list[int], rates: list[int], closed: bool) -> list[Bracket]:
    """Contiguous brackets over `edges` (the first from nothing when edges[0] is None)."""
    bounds = edges + ([(edges[-1] or 0) + 1 + abs(rates[-1]) * 7] if closed else [None])
    return [Bracket(bounds[i], bounds[i + 1], rates[i]) for i in range(len(rates))]


def one_case_marginal(brackets, x: int) -> int:
    """runtime.marginal on Decimals (x and edges as they are, rates in hundredths)."""
    decimal = tuple(
        (
            None if b.lower is None else Decimal(b.lower),
            False,
            None if b.upper is None else Decimal(b.upper),
            True,
            b.rate,
            None,
        )
        for b in brackets
    )
    return int(rt.marginal(decimal, Decimal(x)) * 100)


@st.composite
def marginal_scales(draw):
    size = draw(st.one_of(st.integers(1, 12), st.sampled_from([60, 1000, 10_000])))
    seed = draw(st.integers(0, 2**32))
    chance = random.Random(seed)
    first = draw(st.one_of(st.none(), st.integers(-10_000, 10_000)))
    edges = [first]
    for _ in range(size - 1):
        edges.append((edges[-1] or 0) + chance.randint(1, 10**6))
    rates = [chance.randint(-50, 150) for _ in range(size)]
    return scale_of(edges, rates, draw(st.booleans()))


def rows_for(brackets, draw, n=60) -> list[int]:
    edges = [e for b in brackets for e in (b.lower, b.upper) if e is not None] or [0]
    near = st.builds(lambda e, d: e + d, st.sampled_from(edges), st.integers(-2, 2))
    return draw(st.lists(st.one_of(near, st.integers(-(10**13), 10**13)), min_size=n, max_size=n))


def batch_of(n: int, on=ON) -> Batch:
    return Batch({"x": np.zeros(n)}, on, ("x",))


@settings(max_examples=120, deadline=None)
@given(data=st.data(), brackets=marginal_scales())
def test_a_marginal_scale_of_any_size_gives_the_one_case_value_in_every_form(data, brackets):
    x = rows_for(brackets, data.draw)
    steps = marginal_steps(brackets, lambda value: value, 2)
    expected = [one_case_marginal(brackets, v) for v in x]
    column = np.array(x, dtype=np.int64)
    b = batch_of(len(x))
    fused = b.marginal(column, steps, False)  # Σ Δrate × max(x − edge, 0)
    searched = b.scale(column, np.zeros(len(x), dtype=np.int64), "marginal", (steps,))
    chosen = b.scale(column, 0, "marginal", (steps,))  # the form the runtime picks by size
    assert fused.tolist() == expected
    assert searched.tolist() == expected
    assert chosen.tolist() == expected
    assert not b.exact.any()


@settings(max_examples=60, deadline=None)
@given(data=st.data(), versions=st.lists(marginal_scales(), min_size=2, max_size=4))
def test_rows_dated_into_different_versions_get_their_versions_value(data, versions):
    n = 50
    x = data.draw(st.lists(st.integers(-(10**6), 10**8), min_size=n, max_size=n))
    chosen = data.draw(st.lists(st.integers(0, len(versions) - 1), min_size=n, max_size=n))
    steps = tuple(marginal_steps(v, lambda value: value, 2) for v in versions)
    b = batch_of(n)
    result = b.scale(np.array(x, dtype=np.int64), np.array(chosen), "marginal", steps)
    assert result.tolist() == [
        one_case_marginal(versions[c], v) for v, c in zip(x, chosen, strict=True)
    ]


@st.composite
def whole_scales(draw):
    """Ordered brackets without overlaps, each its amount or its rate; inclusive edges either
    way; gaps below the first and above a closed last bracket."""
    size = draw(st.one_of(st.integers(1, 10), st.sampled_from([1000, 10_000])))
    chance = random.Random(draw(st.integers(0, 2**32)))
    low = draw(st.one_of(st.none(), st.integers(-1000, 1000)))
    brackets = []
    for i in range(size):
        high = (
            None
            if (i == size - 1 and chance.random() < 0.5)
            else (low or 0) + chance.randint(1, 10**5)
        )
        low_incl = chance.random() < 0.5 if i == 0 else not brackets[-1][3]
        high_incl = chance.random() < 0.5
        rate, amount = (
            (chance.randint(0, 300), None)
            if chance.random() < 0.5
            else (None, chance.randint(-(10**6), 10**9))
        )
        brackets.append((low, low_incl, high, high_incl, rate, amount))
        if high is None:
            break
        low = high
    return tuple(brackets)


def one_case_whole(brackets, x: int):
    decimal = tuple(
        (
            None if lo is None else Decimal(lo),
            li,
            None if hi is None else Decimal(hi),
            hi_incl,
            None if rate is None else Decimal(rate),
            None if amount is None else Decimal(amount),
        )
        for lo, li, hi, hi_incl, rate, amount in brackets
    )
    try:
        return int(rt.whole_amount(decimal, Decimal(x), "s"))
    except rt.EvaluationError:
        return None


@settings(max_examples=120, deadline=None)
@given(data=st.data(), brackets=whole_scales())
def test_a_whole_amount_scale_of_any_size_gives_the_one_case_value_or_sends_the_row_on(
    data, brackets
):
    edges = [e for b in brackets for e in (b[0], b[2]) if e is not None] or [0]
    near = st.builds(lambda e, d: e + d, st.sampled_from(edges), st.integers(-2, 2))
    x = data.draw(
        st.lists(st.one_of(near, st.integers(-(10**7), 10**10)), min_size=60, max_size=60)
    )
    b = batch_of(len(x))
    result = b.scale(np.array(x, dtype=np.int64), 0, "whole", (brackets,))
    for i, value in enumerate(x):
        expected = one_case_whole(brackets, value)
        if expected is None:
            assert b.exact[i], (value, brackets)  # no bracket: the exact path says so
        else:
            assert not b.exact[i] and result[i] == expected, (value, result[i], expected)


def test_the_value_bound_is_the_largest_value_over_the_rows_and_no_more():
    """A scale of 1,000 brackets at 1% more each: x × the top rate bounds it, not x × Σ|Δrate|."""
    brackets = scale_of([None] + [i * 100 for i in range(1, 1000)], list(range(1000)), False)
    pieces = segments.marginal(marginal_steps(brackets, lambda value: value, 2))
    x = 10**12
    assert segments.value_bound(pieces, x) == one_case_marginal(brackets, x)
    # the bound at a point inside: exactly the value there
    assert segments.value_bound(pieces, 55_555) == one_case_marginal(brackets, 55_555)


def test_rows_whose_value_could_overflow_take_the_exact_path_and_stay_exact(tmp_path):
    """A rate of six decimals on amounts up to 10**12 yuan: numerators (x in 10**-4 yuan
    times the rate in 10**-6) past int64 for the largest rows, which go to the one-case
    path; every row still equals the one-case value."""
    _, module = build(
        tmp_path,
        "demo.steep",
        {
            "inputs": {"x": {"type": "number", "unit": "yuan", "min": 0}},
            "outputs": {
                "y": {
                    "type": "number",
                    "unit": "yuan",
                    "rounding": {"places": 2, "mode": "half_up"},
                }
            },
            "parameters": {
                "s": {
                    "kind": "scale",
                    "method": "marginal",
                    "input_unit": "yuan",
                    "values": [
                        {
                            "from": "2012-01-01",
                            "brackets": [
                                {"up_to": 10, "rate": "0%"},
                                {"over": 10, "rate": "0.123457"},
                            ],
                        }
                    ],
                }
            },
            "formulas": {"y": "scale(s, x)"},
        },
    )
    x = np.array([0, 10, 10.01, 12345.67, 10**9, 10**12 - 0.01])
    result = module.evaluate_batch({"x": x}, ON)
    expected = [format(module.evaluate({"x": repr(v)}, ON)["y"], "f") for v in x.tolist()]
    assert result.text("y") == expected
    assert result.exact_path_rows >= 1


@pytest.fixture(scope="module", params=[1000, 10_000], ids=lambda n: f"{n}-brackets")
def big_policy(request, tmp_path_factory):
    """demo.big: a marginal scale of N brackets (100 yuan wide) with two dated versions, and
    a whole-amount scale of N brackets (50 yuan wide), both on x; N = 1,000 and 10,000."""
    size = request.param
    chance = random.Random(13)
    marginal_versions = []
    for start in ("2011-01-01", "2012-01-01"):
        brackets = [{"up_to": 100, "rate": "0%"}]
        for i in range(1, size - 1):
            brackets.append(
                {"over": i * 100, "up_to": (i + 1) * 100, "rate": f"{chance.randint(0, 99)}%"}
            )
        brackets.append({"over": (size - 1) * 100, "rate": "45%"})
        marginal_versions.append({"from": start, "brackets": brackets})
    whole = [{"below": 50, "amount": 7}]
    for i in range(1, size - 1):
        whole.append({"at_least": i * 50, "below": (i + 1) * 50, "amount": chance.randint(0, 5000)})
    whole.append({"at_least": (size - 1) * 50, "amount": 1})
    with pytest.MonkeyPatch.context() as patch:
        # 30,000 brackets pass the 1 MiB and the 200,000 YAML nodes a policy file may have;
        # the limits are not what this checks
        patch.setattr(limits, "POLICY_FILE_MAX_BYTES", 8 * 2**20)
        patch.setattr(limits, "YAML_MAX_NODES", 1_000_000)
        made = build(
            tmp_path_factory.mktemp("big"),
            "demo.big",
            {
                "inputs": {"x": {"type": "number", "unit": "yuan", "min": 0}},
                "outputs": {
                    "marginal": {
                        "type": "number",
                        "unit": "yuan",
                        "rounding": {"places": 2, "mode": "half_up"},
                    },
                    "whole": {
                        "type": "number",
                        "unit": "yuan",
                        "rounding": {"places": 2, "mode": "half_up"},
                    },
                },
                "parameters": {
                    "m": {
                        "kind": "scale",
                        "method": "marginal",
                        "input_unit": "yuan",
                        "values": marginal_versions,
                    },
                    "w": {
                        "kind": "scale",
                        "method": "whole_amount",
                        "input_unit": "yuan",
                        "output_unit": "yuan",
                        "values": [{"from": "2011-01-01", "brackets": whole}],
                    },
                },
                "formulas": {"marginal": "scale(m, x)", "whole": "scale(w, x)"},
            },
        )
    return size, *made


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_policy_of_thousands_of_brackets_gives_each_row_its_one_case_value(big_policy, data):
    """Rows on (a fen either side of) every kind of edge and anywhere up to past the top
    bracket, dated into either version: the batch value is the one-case value, in int64."""
    size, _, module = big_policy
    n = 40
    cents = data.draw(
        st.lists(
            st.one_of(
                st.integers(0, size * 12_000),
                st.builds(lambda e, d: e * 5000 + d, st.integers(0, 2 * size), st.integers(-1, 1)),
            ),
            min_size=n,
            max_size=n,
        )
    )
    days = data.draw(
        st.lists(
            st.sampled_from(["2011-06-01", "2012-06-01", "2011-12-31", "2012-01-01"]),
            min_size=n,
            max_size=n,
        )
    )
    x = [abs(c) / 100 for c in cents]
    on = np.array(days, dtype="datetime64[D]")
    result = module.evaluate_batch({"x": np.array(x)}, on)
    for name in ("marginal", "whole"):
        expected = [
            format(module.evaluate({"x": repr(v)}, dt.date.fromisoformat(d))[name], "f")
            for v, d in zip(x, days, strict=True)
        ]
        assert result.text(name) == expected, name
    assert result.exact_path_rows == 0


@st.composite
def sorted_starts(draw):
    """Sorted int64 starts as scales give them: even widths (the guided search), widths of
    every size (the binary search), repeated starts, and starts near the ends of int64."""
    size = draw(st.one_of(st.integers(1, 70), st.sampled_from([1000, 10_000])))
    chance = random.Random(draw(st.integers(0, 2**32)))
    shape = draw(st.sampled_from(["even", "jittered", "any", "repeats"]))
    first = draw(st.one_of(st.integers(-(10**12), 10**12), st.sampled_from([-(2**62), 2**62])))
    width = draw(st.integers(1, 10**6))
    starts, at = [], first
    for _ in range(size):
        starts.append(at)
        if shape == "even":
            at += width
        elif shape == "jittered":
            at += width + chance.randint(-(width // 3), width // 3)
        elif shape == "any":
            at += chance.choice([1, width, width * 1000])
        else:
            at += chance.choice([0, width])
    return np.array(starts, dtype=np.int64)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), starts=sorted_starts())
def test_the_guided_search_counts_the_starts_as_the_binary_search_does(data, starts):
    from generator.batch_runtime import SortedSearch

    edges = [int(s) + d for s in starts[:: max(1, len(starts) // 50)] for d in (-1, 0, 1)]
    x = data.draw(
        st.lists(
            st.one_of(
                st.sampled_from(edges + [int(starts[-1]) + 1, int(starts[0]) - 1]),
                st.integers(-(2**63), 2**63 - 1),
                st.integers(int(starts[0]) - 10, int(starts[-1]) + 10),
            ),
            min_size=1,
            max_size=200,
        )
    )
    column = np.array(x, dtype=np.int64)
    search = SortedSearch(starts)
    assert search.right(column).tolist() == np.searchsorted(starts, column, side="right").tolist()
    if len(starts) >= 1000 and np.all(np.diff(starts) == starts[1] - starts[0]):
        assert search.guide is not None  # even widths take the guided search
