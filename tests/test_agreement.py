"""The interpreter and the generated module agree on random cases of every shipped policy:
same outputs to the fen, or the same refusal (invalid case, not in force)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import runtime as rt
from generator.checks.project import load_project
from generator.evaluate.interpreter import evaluate as interpret

from .conftest import ROOT, load_generated

PROJECT = load_project(ROOT)
POLICY_IDS = sorted(p.id for p in PROJECT.policies)


def value_strategy(field):
    if field.type == "number":
        low = field.minimum if field.minimum is not None else Decimal("-1000000")
        high = field.maximum if field.maximum is not None else Decimal("2000000")
        halves = st.integers(int(low * 1000), int(high * 1000)).map(lambda n: Decimal(n) / 1000)
        return st.one_of(
            st.decimals(low, high, places=2), halves, st.decimals(low, high, places=3).map(str)
        )
    if field.type == "integer":
        low = int(field.minimum) if field.minimum is not None else -10
        high = int(field.maximum) if field.maximum is not None else 100000
        return st.one_of(st.integers(low, high), st.integers(low, high).map(str))
    if field.type == "enum":
        return st.sampled_from(field.values)
    if field.type == "boolean":
        return st.booleans()
    return st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))


def boundary_values(policy):
    """Each bracket edge and the fen on either side, so random draws hit the edges."""
    edges = set()
    for p in policy.parameters:
        for v in p.values:
            if p.kind == "scale":
                for b in v.value:
                    for edge in (b.lower, b.upper):
                        if edge is not None:
                            edges |= {
                                edge - Decimal("0.01"),
                                edge,
                                edge + Decimal("0.01"),
                                edge + Decimal("0.005"),
                            }
    return sorted(e for e in edges if e >= 0)


def case_strategy(policy):
    fields = {}
    edges = boundary_values(policy)
    for f in policy.inputs:
        strategy = value_strategy(f)
        if f.type == "number" and edges:
            strategy = st.one_of(strategy, st.sampled_from(edges))
        if f.has_default:
            fields[f.name] = st.one_of(st.none(), strategy)
        else:
            fields[f.name] = strategy
    return st.fixed_dictionaries(fields).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )


def outcome(run):
    try:
        return ("ok", run())
    except rt.NotInForce as error:
        return ("not in force", error.problems)
    except rt.InvalidCase as error:
        return ("invalid", error.problems)
    except rt.EvaluationError as error:
        # a result of 10^15 or more, among others: refused the same way by both
        return ("refused", error.problems)


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_the_interpreter_and_the_generated_module_agree_on_random_cases(policy_id):
    policy = PROJECT.policy(policy_id)
    module = load_generated(policy_id)
    dates = st.dates(dt.date(2010, 1, 1), dt.date(2027, 12, 31))

    @settings(max_examples=300, deadline=None)
    @given(case=case_strategy(policy), on=dates)
    def agree(case, on):
        expected = outcome(lambda: interpret(policy, dict(case), on))
        got = outcome(lambda: module.evaluate(dict(case), on))
        assert got == expected

    agree()


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_money_outputs_are_whole_fen(policy_id):
    policy = PROJECT.policy(policy_id)
    module = load_generated(policy_id)
    money = [o.name for o in policy.outputs if o.is_money]

    @settings(max_examples=100, deadline=None)
    @given(case=case_strategy(policy), on=st.dates(dt.date(2012, 9, 1), dt.date(2026, 1, 1)))
    def whole_fen(case, on):
        kind, result = outcome(lambda: module.evaluate(dict(case), on))
        if kind == "ok":
            for name in money:
                assert result[name] == result[name].quantize(Decimal("0.01"))
                assert result[name].as_tuple().exponent == -2

    whole_fen()
