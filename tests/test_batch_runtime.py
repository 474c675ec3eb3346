"""The batch runtime's fast selections against plain Python integers.

Why: `pick` (a branch-free np.where) and `marginal_pick` (two marginal scales fused into one
table lookup) are rewrites made for speed; each must give exactly what the plain form gives,
including rows on an edge, below the first edge, negative amounts and wrapped differences.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.batch_runtime import Batch

ON = dt.date(2012, 6, 1)
LIMIT = 10**16  # an input's largest numerator (INPUT_LIMIT × 10**INPUT_SCALE)


def batch_of(n: int) -> Batch:
    return Batch({"x": np.zeros(n)}, ON, ("x",))


def marginal_by_hand(x: int, steps) -> int:
    return sum(change * max(x - edge, 0) for edge, change in steps)


steps_strategy = st.lists(
    st.tuples(st.integers(-(10**12), 10**12), st.integers(-9, 9).filter(bool)),
    min_size=0,
    max_size=6,
    unique_by=lambda step: step[0],
).map(lambda steps: tuple(sorted(steps)))


@st.composite
def rows_near_edges(draw, steps_a, steps_b, n):
    edges = [edge for edge, _ in steps_a + steps_b] or [0]
    near = st.builds(lambda e, d: e + d, st.sampled_from(edges), st.integers(-2, 2))
    return draw(st.lists(st.one_of(near, st.integers(-(10**13), 10**13)), min_size=n, max_size=n))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), steps_a=steps_strategy, steps_b=steps_strategy, n=st.integers(1, 40))
def test_marginal_pick_equals_the_chosen_scale_row_by_row(data, steps_a, steps_b, n):
    x = data.draw(rows_near_edges(steps_a, steps_b, n))
    condition = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    b = batch_of(n)
    result = b.marginal_pick(
        np.array(condition), np.array(x, dtype=np.int64), (0, (steps_a,)), (0, (steps_b,))
    )
    expected = [
        marginal_by_hand(v, steps_a if c else steps_b) for v, c in zip(x, condition, strict=True)
    ]
    assert result.tolist() == expected


def test_marginal_pick_uses_each_rows_version_when_dates_differ():
    old, new = ((100, 1),), ((100, 2), (300, 1))
    b = Batch({"x": np.zeros(4)}, np.array(["2011-06-01", "2013-06-01"] * 2), ("x",))
    version = b.version((dt.date(2011, 1, 1), dt.date(2013, 1, 1)))
    x = np.array([250, 250, 400, 400], dtype=np.int64)
    condition = np.array([True, True, False, False])
    result = b.marginal_pick(condition, x, (version, (old, new)), (0, (((0, 5),),)))
    assert result.tolist() == [150, 300, 2000, 2000]


def test_marginal_pick_with_one_condition_for_the_batch():
    b = batch_of(3)
    x = np.array([0, 150, 500], dtype=np.int64)
    assert b.marginal_pick(np.bool_(True), x, (0, (((100, 3),),)), (0, (((0, 1),),))).tolist() == [
        0,
        150,
        1200,
    ]
    assert b.marginal_pick(np.bool_(False), x, (0, (((100, 3),),)), (0, (((0, 1),),))).tolist() == [
        0,
        150,
        500,
    ]


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.booleans(), st.integers(-(2**63), 2**63 - 1), st.integers(-(2**63), 2**63 - 1)
        ),
        min_size=1,
        max_size=30,
    )
)
def test_pick_is_exactly_where_even_when_the_difference_wraps(rows):
    condition, then, otherwise = (np.array(column) for column in zip(*rows, strict=True))
    then, otherwise = then.astype(np.int64), otherwise.astype(np.int64)
    picked = batch_of(len(rows)).pick(condition, then, otherwise)
    assert picked.dtype == np.int64
    assert picked.tolist() == np.where(condition, then, otherwise).tolist()


def test_pick_takes_constants_on_either_side():
    b = batch_of(3)
    condition = np.array([True, False, True])
    assert b.pick(condition, 7, np.array([1, 2, 3], dtype=np.int64)).tolist() == [7, 2, 7]
    assert b.pick(condition, np.array([1, 2, 3], dtype=np.int64), -4).tolist() == [1, -4, 3]
    assert b.pick(condition, 5, 6).tolist() == [5, 6, 5]
    assert b.pick(np.bool_(False), 5, 6) == 6
