"""Every messy form of a cell value: read exactly, or refused with the value quoted and what is allowed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from generator.core import values as V

NUMBERS = [
    (0.3, D("0.3"), "a percentage cell: Excel stores 30% as 0.3"),
    ("30%", D("0.3"), "percent as text"),
    ("0.3", D("0.3"), "a decimal as text"),
    ("30 %", D("0.3"), "a space before the percent sign"),
    ("６０％", D("0.6"), "full-width digits and percent sign"),
    ("20000", D(20000), "a number stored as text"),
    ("２００００", D(20000), "full-width digits"),
    ("20,000", D(20000), "thousands separators"),
    ("1,234,567.5", D("1234567.5"), "several thousands separators and a fraction"),
    ("２０，０００", D(20000), "full-width comma between groups of three"),
    ("2万", D(20000), "2万 is twenty thousand"),
    ("1.5万", D(15000), "1.5万"),
    (" 5万 ", D(50000), "surrounding spaces"),
    ("20000\u3000", D(20000), "a trailing full-width space"),
    ("−5", D(-5), "the Unicode minus sign"),
    (20000, D(20000), "an integer cell"),
    (50000.0, D(50000), "a float cell with a whole value"),
    (0.30000000000000004, D("0.3"), "a cached 0.1+0.2, kept to Excel's 15 digits"),
    (99.99, D("99.99"), "a float cell"),
    (None, None, "an empty cell"),
    ("   ", None, "a cell of spaces"),
]


@pytest.mark.parametrize("value, expected, why", NUMBERS)
def test_a_number_typed_in_any_accepted_form_reads_as_exactly_that_number(value, expected, why):
    assert V.number(value) == expected


REFUSED_NUMBERS = [
    ("9000O", "'9000O' is not a number; write digits such as 20000, 0.3, 30%, 20,000 or 2万"),
    ("1,5", "a comma is read only between groups of three digits"),
    ("20,00", "a comma is read only between groups of three digits"),
    ("60000元", "write it without its unit"),
    ("100 m2", "write it without its unit"),
    ("1e5", "without an exponent"),
    ("20 000", "remove the spaces between the digits"),
    ("(500)", "is not a number"),
    ("2万%", "is not a number"),
    (True, "TRUE is a TRUE/FALSE value, not a number"),
    (dt.datetime(2012, 7, 1), "is a date cell, not a number"),
]


@pytest.mark.parametrize("value, fragment", REFUSED_NUMBERS)
def test_a_value_that_is_not_clearly_a_number_is_refused_with_the_value_quoted(value, fragment):
    with pytest.raises(V.CellProblem) as problem:
        V.number(value)
    assert fragment in problem.value.message


DATES = [
    (dt.datetime(2012, 7, 1), "2012-07-01", "a date cell"),
    (dt.date(2012, 7, 1), "2012-07-01", "a date"),
    (41091, "2012-07-01", "a serial number (a date cell that lost its format)"),
    (41091.0, "2012-07-01", "a serial number as a float"),
    ("2012-07-01", "2012-07-01", "ISO text"),
    ("2012-7-1", "2012-07-01", "ISO text without leading zeros"),
    ("2012/7/1", "2012-07-01", "slashes, year first"),
    ("2012.07.01", "2012-07-01", "dots, year first"),
    ("2012年7月1日", "2012-07-01", "年月日"),
    ("2012 年 7 月 1 日", "2012-07-01", "年月日 with spaces"),
    ("２０１２-０７-０１", "2012-07-01", "full-width digits"),
    (" 2012-07-01 ", "2012-07-01", "surrounding spaces"),
    (None, None, "an empty cell"),
]


@pytest.mark.parametrize("value, expected, why", DATES)
def test_a_date_in_any_accepted_form_reads_as_that_day(value, expected, why):
    assert V.date(value) == expected


REFUSED_DATES = [
    ("7/1/2012", "'7/1/2012' is not a date ratebook reads; write 2012-07-01"),
    ("01/07/2012", "is not a date ratebook reads"),
    ("2012-02-30", "'2012-02-30' is not a real date"),
    ("2012年13月1日", "is not a real date"),
    (2012, "'2012' is a number, not a date"),
    (20120701, "is a number, not a date"),
    (41091.5, "is a number with a fraction, not a date"),
    (dt.datetime(2012, 7, 1, 9, 30), "has a time of day"),
    (True, "is not a date"),
]


@pytest.mark.parametrize("value, fragment", REFUSED_DATES)
def test_a_value_that_is_not_clearly_a_date_is_refused(value, fragment):
    with pytest.raises(V.CellProblem) as problem:
        V.date(value)
    assert fragment in problem.value.message


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2012", "2012"),
        (2012, "2012"),
        ("2012年", "2012"),
        ("2012-08", "2012-08"),
        ("2012年8月", "2012-08"),
        ("2012-08-14", "2012-08-14"),
        (dt.datetime(2012, 8, 14), "2012-08-14"),
        ("2012年8月14日", "2012-08-14"),
    ],
)
def test_a_source_date_keeps_the_precision_the_source_gives(value, expected):
    assert V.source_date(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, True),
        (False, False),
        ("TRUE", True),
        ("false", False),
        ("yes", True),
        ("否", False),
        ("是", True),
        (None, None),
        ("", None),
    ],
)
def test_true_and_false_are_read_from_boolean_cells_and_a_few_words(value, expected):
    assert V.flag(value) is expected


@pytest.mark.parametrize("value", ["maybe", 1, "√"])
def test_anything_else_in_a_true_false_column_is_refused(value):
    with pytest.raises(V.CellProblem, match="is not TRUE or FALSE"):
        V.flag(value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("employee, resident", ["employee", "resident"]),
        ("employee，resident", ["employee", "resident"]),
        ("1、2、3", [1, 2, 3]),
        ("1, 2, 3", [1, 2, 3]),
        ('"1", "2"', ["1", "2"]),
        ("township\nvillage", ["township", "village"]),
        (3, [3]),
    ],
)
def test_enum_values_are_listed_in_one_cell(value, expected):
    assert V.name_list(value) == expected


def test_an_enum_list_with_an_empty_item_is_refused():
    with pytest.raises(V.CellProblem, match="has an empty item"):
        V.name_list("a,,b")


@pytest.mark.parametrize(
    "value, field_type, expected",
    [
        ("8000.00", "number", "8000.00"),  # kept as text, like a quoted YAML value
        ("35,000", "number", D(35000)),
        ("２００", "number", D(200)),
        (35000, "number", 35000),
        (20000.02, "number", D("20000.02")),
        (True, "boolean", True),
        ("employee ", "enum", "employee"),
        (1, "enum", 1),
        (dt.datetime(2012, 7, 1), "date", "2012-07-01"),
        ("2012年7月1日", "date", "2012-07-01"),
        (None, "number", None),
    ],
)
def test_a_case_value_stays_as_written_unless_it_is_a_messy_number_or_date(
    value, field_type, expected
):
    got = V.case_value(value, field_type)
    assert got == expected and type(got) is type(expected)
