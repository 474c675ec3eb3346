"""Numbers read from text columns (CSV, JSON Lines) on the batch fast path.

A text cell takes the fast path only when it is a plain decimal (`_PLAIN_DECIMAL`: at most 11
integer digits and 4 decimals, or a whole number of at most 12 digits); every other cell is
flagged for the one-case path, which reads it or says why not. The fast path tells plain
cells from their bytes and reads them through Arrow's float parser; these tests hold it to
the pattern and to exact decimal arithmetic, cell by cell.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.batch_runtime import _PLAIN_DECIMAL, _arrow_numbers, _plain_rows

WHOLE = r"^-?[0-9]{1,12}$"

digits = st.text("0123456789", min_size=0, max_size=14)
plain_like = st.builds(
    lambda sign, whole, dot, decimals: sign + whole + (("." + decimals) if dot else ""),
    st.sampled_from(["", "", "-"]),
    digits,
    st.booleans(),
    st.text("0123456789", max_size=6),
)
cells = st.one_of(
    st.none(),
    plain_like,
    st.text("0123456789.-", max_size=8),  # stray signs and dots
    st.text("0123456789.- /元e+\u3000", max_size=8),  # spaces, units, exponents: the slow path
)


def expected(cell: str | None, scale: int) -> int | None:
    """The numerator of a plain cell (after trimming, as the pattern reads it), None otherwise."""
    if cell is None:
        return None
    text = cell.strip()
    if not re.match(_PLAIN_DECIMAL if scale else WHOLE, text):
        return None
    return int(Decimal(text).scaleb(scale))


@settings(max_examples=400, deadline=None)
@given(values=st.lists(cells, max_size=30), scale=st.sampled_from([0, 4]), cut=st.booleans())
def test_text_numbers_are_exact_and_flag_every_other_cell(values, scale, cut):
    column = pa.array(values, pa.string())
    if cut and len(values) > 2:  # a slice, as a chunk of a larger batch is
        column, values = column.slice(1, len(values) - 2), values[1:-1]
    numerators, flagged = _arrow_numbers(column, scale)
    for cell, numerator, bad in zip(values, numerators.tolist(), flagged.tolist(), strict=True):
        want = expected(cell, scale)
        assert bad == (want is None), cell
        if want is not None:
            assert numerator == want, cell


def test_a_plain_column_is_read_without_the_pattern():
    """Digits, one "." and a leading "-" only: told from the bytes (not None)."""
    column = pa.array(["35000", "-0.5", "99999999999.9999", None, "7.", ".5", "123456789012.1"])
    plain = _plain_rows(column, 4)
    assert plain is not None
    assert plain.tolist() == [True, True, True, False, False, False, False]
    numerators, flagged = _arrow_numbers(column, 4)
    assert numerators[:3].tolist() == [350_000_000, -5_000, 999_999_999_999_999]
    assert flagged.tolist() == [False, False, False, True, True, True, True]


def test_a_column_with_any_other_character_goes_through_trim_and_pattern():
    column = pa.array([" 12.5 ", "35000元", "1e5", "12.5"])
    assert _plain_rows(column, 4) is None
    numerators, flagged = _arrow_numbers(column, 4)
    assert flagged.tolist() == [False, True, True, False]
    assert numerators[[0, 3]].tolist() == [125_000, 125_000]


def test_largest_plain_amounts_stay_exact():
    """Up to 15 digits the float reading is exact: no off-by-one numerator at the top."""
    values = ["99999999999.9999", "-99999999999.9999", "12345678901.2345", "0.0001", "-0"]
    numerators, flagged = _arrow_numbers(pa.array(values), 4)
    assert not flagged.any()
    assert numerators.tolist() == [int(Decimal(v).scaleb(4)) for v in values]
    whole = ["999999999999", "-999999999999", "0"]
    numerators, flagged = _arrow_numbers(pa.array(whole), 0)
    assert not flagged.any()
    assert numerators.tolist() == [999_999_999_999, -999_999_999_999, 0]
