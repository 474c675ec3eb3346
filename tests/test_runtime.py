"""The evaluation primitives shared by the interpreter and the generated modules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import runtime as rt

D = Decimal
EMPLOYEE = (
    (D(20000), False, D(30000), True, D("0.3"), None),
    (D(30000), False, D(50000), True, D("0.4"), None),
    (D(50000), False, None, False, D("0.5"), None),
)
T5 = (
    (None, False, D(100), False, None, D(60000)),
    (D(100), True, D(200), False, None, D(80000)),
    (D(200), True, None, False, None, D(100000)),
)


@pytest.mark.parametrize(
    "x, expected",
    [
        ("0", "0"),
        ("20000", "0"),
        ("25000", "1500"),
        ("30000", "3000"),
        ("35000", "5000"),
        ("50000", "11000"),
        ("60000", "16000"),
    ],
)
def test_a_marginal_scale_pays_each_segment_at_its_own_rate(x, expected):
    assert rt.marginal(EMPLOYEE, D(x)) == D(expected)


@pytest.mark.parametrize(
    "x, expected",
    [
        ("0", 60000),
        ("99.99", 60000),
        ("100", 80000),
        ("199.99", 80000),
        ("200", 100000),
        ("5000", 100000),
    ],
)
def test_a_whole_amount_scale_gives_the_bracket_amount(x, expected):
    assert rt.whole_amount(T5, D(x), "t5") == D(expected)


def test_a_value_outside_every_whole_amount_bracket_is_an_error_not_zero():
    with pytest.raises(rt.EvaluationError, match="no bracket"):
        rt.whole_amount(((D(0), True, D(10), False, None, D(1)),), D(10), "small")


@given(st.decimals(0, 10**7, places=2))
def test_a_marginal_scale_is_continuous_and_never_decreasing(x):
    step = D("0.01")
    here, next_ = rt.marginal(EMPLOYEE, x), rt.marginal(EMPLOYEE, x + step)
    assert D(0) <= next_ - here <= step * D("0.5")
    assert here <= x


@given(st.decimals(0, 10**7, places=2))
def test_a_marginal_scale_equals_the_sum_of_its_segments_written_out(x):
    segments = [
        (D(20000), D(30000), D("0.3")),
        (D(30000), D(50000), D("0.4")),
        (D(50000), None, D("0.5")),
    ]
    total = sum(
        ((min(x, hi) if hi is not None else x) - lo) * r for lo, hi, r in segments if x > lo
    )
    assert rt.marginal(EMPLOYEE, x) == D(total)


@pytest.mark.parametrize(
    "x, mode, expected",
    [
        ("0.005", "half_up", "0.01"),
        ("0.015", "half_up", "0.02"),
        ("-0.005", "half_up", "-0.01"),
        ("0.005", "half_even", "0.00"),
        ("0.015", "half_even", "0.02"),
        ("0.019", "down", "0.01"),
        ("0.011", "up", "0.02"),
    ],
)
def test_rounding_modes_are_the_named_ones(x, mode, expected):
    assert rt.round_to(D(x), 2, mode) == D(expected)


def test_the_value_in_force_is_the_last_one_started_on_or_before_the_date():
    starts = (dt.date(2011, 1, 1), dt.date(2012, 3, 1))
    values = (D(5200), D(6000))
    assert rt.at(starts, values, dt.date(2012, 2, 29), "grant") == D(5200)
    assert rt.at(starts, values, dt.date(2012, 3, 1), "grant") == D(6000)
    with pytest.raises(rt.NotInForce, match="2011-01-01"):
        rt.at(starts, values, dt.date(2010, 12, 31), "grant")


@pytest.mark.parametrize(
    "given_value, expected",
    [
        (35000, D(35000)),
        ("35000.5", D("35000.5")),
        (0.1, D("0.1")),
        (D("2.50"), D("2.50")),
        ("1,000", D(1000)),  # read as a policy workbook reads it (generator.core.values)
        ("30%", D("0.3")),
    ],
)
def test_numbers_are_read_exactly_whatever_their_python_type(given_value, expected):
    problems: list = []
    assert rt.number({"x": given_value}, "x", problems=problems) == expected
    assert problems == []


@pytest.mark.parametrize("given_value", [True, "1e999999", "NaN", "Infinity", [1], "1,00", "1e3"])
def test_things_that_are_not_plain_numbers_are_refused(given_value):
    problems: list = []
    rt.number({"x": given_value}, "x", problems=problems)
    assert problems and problems[0][0] == "x"


def test_an_integer_enum_accepts_its_value_written_as_text():
    problems: list = []
    assert rt.choice({"level": "2"}, "level", (1, 2, 3), problems=problems) == 2
    assert rt.choice({"level": True}, "level", (1, 2, 3), problems=problems) is None
    assert problems == [("level", "TRUE is not one of: 1, 2, 3")]


def test_an_integer_output_may_be_an_integer_value_as_it_is():
    assert rt.as_integer(3, "n") == 3
    assert rt.as_integer(Decimal("3.0"), "n") == 3
    with pytest.raises(rt.EvaluationError):
        rt.as_integer(Decimal("2.5"), "n")


def test_an_integer_output_that_is_an_integer_input_evaluates_in_the_interpreter_and_module(
    tmp_path,
):
    from generator.checks.project import load_source
    from generator.compile.python_module import emit_module
    from generator.evaluate.interpreter import evaluate
    from generator.evaluate.modules import module_from_text

    path = tmp_path / "policies" / "test" / "rooms.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(
        "ratebook: 1\nid: test.rooms\ntitle: {zh: 测试, en: Test policy}\n"
        'source: {title: Test source, date: "2012", clause: "1"}\n'
        'inputs:\n  rooms: {type: integer, unit: "1", min: 0}\n'
        'outputs:\n  same_rooms: {type: integer, unit: "1"}\n'
        "parameters: {}\n"
        "formulas:\n  same_rooms: rooms\n",
        encoding="utf-8",
    )
    policy, findings = load_source(path, tmp_path)
    assert policy is not None, findings
    on = dt.date(2012, 6, 1)
    assert evaluate(policy, {"rooms": "7"}, on) == {"same_rooms": 7}
    assert module_from_text(emit_module(policy), "test_rooms").evaluate({"rooms": "7"}, on) == {
        "same_rooms": 7
    }
