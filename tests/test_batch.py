"""The batch path gives, row for row, what the one-case path gives: the same outputs to the
fen, and for a bad row the same field and reason. Random cases of every shipped policy,
bracket edges and half-fen values included, in every column form the batch accepts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import runtime as rt
from generator.checks.project import load_project

from .conftest import ROOT, load_generated
from .test_agreement import case_strategy
from .test_seed_rules import HAND_COMPUTED

PROJECT = load_project(ROOT)
POLICY_IDS = sorted(p.id for p in PROJECT.policies)


def one_case(module, case, on):
    try:
        return ("ok", module.evaluate(dict(case), on))
    except rt.EvaluationError as error:
        return ("rejected", sorted((f or "", m) for f, m in error.problems))


def batch_rows(module, policy, cases, on):
    columns = {f.name: [case.get(f.name) for case in cases] for f in policy.inputs}
    result = module.evaluate_batch(columns, on)
    rows = []
    for i in range(len(cases)):
        if result.valid[i]:
            outputs = {}
            for name, places in result.places.items():
                value = result.outputs[name][i]
                if places is None:
                    outputs[name] = (
                        bool(value) if result.outputs[name].dtype == bool else int(value)
                    )
                else:
                    outputs[name] = Decimal(int(value)).scaleb(-places)
            rows.append(("ok", outputs))
        else:
            rows.append(("rejected", sorted((f, m) for r, f, m in result.errors if r == i)))
    return rows


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_batch_and_one_case_paths_agree_on_random_cases(policy_id):
    policy = PROJECT.policy(policy_id)
    module = load_generated(policy_id)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        cases=st.lists(case_strategy(policy), min_size=1, max_size=40),
        on=st.dates(dt.date(2010, 6, 1), dt.date(2026, 12, 31)),
    )
    def agree(cases, on):
        expected = [one_case(module, case, on) for case in cases]
        assert batch_rows(module, policy, cases, on) == expected

    agree()


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_a_column_of_dates_gives_each_row_its_own_rules(policy_id):
    policy = PROJECT.policy(policy_id)
    module = load_generated(policy_id)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        rows=st.lists(
            st.tuples(case_strategy(policy), st.dates(dt.date(2010, 6, 1), dt.date(2026, 12, 31))),
            min_size=1,
            max_size=30,
        )
    )
    def agree(rows):
        cases = [case for case, _ in rows]
        dates = np.array([on for _, on in rows], dtype="datetime64[D]")
        expected = [one_case(module, case, on) for case, on in rows]
        assert batch_rows(module, policy, cases, dates) == expected

    agree()


@pytest.mark.parametrize(
    "policy_id, case, on, expected, why",
    HAND_COMPUTED,
    ids=[f"{c[0]} {c[4]}" for c in HAND_COMPUTED],
)
def test_the_hand_computed_cases_hold_in_the_batch_path(policy_id, case, on, expected, why):
    policy = PROJECT.policy(policy_id)
    rows = batch_rows(load_generated(policy_id), policy, [case], on)
    assert rows == [("ok", expected)]


def test_typed_numpy_columns_take_the_fast_path_and_stay_exact():
    module = load_generated("medical.secondary_compensation")
    amounts = np.array([20000.0, 20000.01, 20000.02, 33333.33, 35000.0, 50000.005, 1e13, np.nan])
    schemes = np.array(["employee"] * 8)
    result = module.evaluate_batch(
        {"scheme": schemes, "out_of_pocket": amounts}, dt.date(2012, 6, 1)
    )
    assert result.text("compensation")[:6] == [
        "0.00",
        "0.00",
        "0.01",
        "4333.33",
        "5000.00",
        "11000.00",
    ]
    # 33333.33: 3000 + 3333.33 × 40% = 4333.332 → 4333.33; 50000.005: 3000 + 8000 + 0.005 × 50% = 11000.0025 → 11000.00; huge and missing go to the exact path
    # 1e13 is beyond the fast path's int64 range: the exact path computes it; NaN is missing
    assert result.text("compensation")[6] == "4999999986000.00"
    assert result.valid.tolist() == [True] * 7 + [False]
    assert [(r, f) for r, f, _ in result.errors] == [(7, "out_of_pocket")]
    assert result.exact_path_rows == 2


def test_half_fen_values_round_half_up_in_integers():
    module = load_generated("pension.retiree_adjustment_2012")
    pensions = np.array([2345.65, 2345.55, 2345.45, 1900.05])
    result = module.evaluate_batch({"monthly_pension": pensions}, dt.date(2012, 6, 1))
    assert result.text("increase") == ["234.57", "234.56", "234.55", "190.01"]
    assert result.exact_path_rows == 0


def test_arrow_dictionary_columns_are_read_like_text():
    pa = pytest.importorskip("pyarrow")
    module = load_generated("medical.secondary_compensation")
    schemes = pa.DictionaryArray.from_arrays(
        pa.array([0, 1, 2, None], type=pa.int8()), pa.array(["employee", "resident", "farmer"])
    )
    result = module.evaluate_batch(
        {"scheme": schemes, "out_of_pocket": np.array([35000.0] * 4)}, dt.date(2012, 6, 1)
    )
    assert result.text("compensation")[:2] == ["5000.00", "10500.00"]
    assert [(r, f) for r, f, _ in result.errors] == [(2, "scheme"), (3, "scheme")]
