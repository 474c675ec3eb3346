"""The prover of bounds and directions, on small policies worked by hand."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from generator.checks.proofs import Shape
from generator.formula.syntax import parse
from generator.model.build import build_policy
from generator.sources.yaml_reader import read_yaml_text

DAY = dt.date(2012, 7, 1)

POLICY = """\
ratebook: 1
id: demo.benefit
title: {{zh: 示例, en: Demo}}
source: {{title: 示例, date: "2012", clause: 第1项}}
inputs:
  wage: {{type: number, unit: yuan/month, min: 0}}
  living: {{type: number, unit: yuan/month, min: 0}}
  free: {{type: number, unit: yuan/month}}
outputs:
  out: {{type: number, unit: yuan/month}}
parameters:
  standard: {{kind: amount, unit: yuan/month, values: [{{from: 2012-07-01, value: 520}}]}}
  factor: {{kind: amount, unit: "1", values: [{{from: 2012-07-01, value: {factor}}}]}}
  steps:
    kind: scale
    method: marginal
    input_unit: yuan/month
    values:
      - from: 2012-07-01
        brackets:
          - {{over: 0, up_to: 100, rate: {rate1}}}
          - {{over: 100, rate: {rate2}}}
formulas:
  out: {formula}
"""


def shape(formula: str, factor="1.3", rate1="10%", rate2="20%") -> Shape:
    doc, findings = read_yaml_text(
        POLICY.format(formula=formula, factor=factor, rate1=rate1, rate2=rate2), "demo.yaml"
    )
    assert not findings
    built = build_policy(doc)
    assert not built.findings, [str(f) for f in built.findings]
    return Shape(built.policy, DAY)


@pytest.mark.parametrize(
    ("formula", "x", "expected"),
    [
        ("clamp(standard, factor * living, wage)", "wage", 1),
        ("clamp(standard, factor * living, wage)", "living", 1),
        ("standard - wage", "wage", -1),
        ("min(wage, standard) + max(living, 0)", "wage", 1),
        ("standard * 2", "wage", 0),
        ("scale(steps, wage)", "wage", 1),
        ("round(wage * 0.5, 2)", "wage", 1),
        ("wage - living", "living", -1),
        ("wage * free", "wage", None),  # free has no lower bound: its sign is unknown
        ("if wage > 100 then 0 else wage", "wage", None),  # the condition moves with wage
        ("if living > 100 then wage else 2 * wage", "wage", 1),
    ],
)
def test_a_direction_is_proved_by_composition_or_not_claimed(formula, x, expected):
    s = shape(formula)
    assert s.direction(s.trees["out"], x) == expected


def test_a_negative_factor_turns_the_direction_round():
    s = shape("factor * wage", factor="-2")
    assert s.direction(s.trees["out"], "wage") == -1


def test_a_marginal_scale_with_rates_of_both_signs_proves_nothing():
    s = shape("scale(steps, wage)", rate1="10%", rate2="-5%")
    assert s.direction(s.trees["out"], "wage") is None


@pytest.mark.parametrize(
    ("formula", "bound", "proved"),
    [
        ("max(wage * 0.1, 190)", "0.1 * wage", True),  # P4's form: 10% or 190, whichever more
        ("min(wage * 0.1, 190)", "0.1 * wage", False),  # above 1900 the 190 wins
        ("wage * 0.1 + 5", "0.1 * wage", True),  # 5 >= 0 on the whole box
        ("wage * 0.1 - 5", "0.1 * wage", False),
        # clamp = min(max(520, 1.3·living), wage) and max(520, …) >= 520: at least min(520, wage)
        ("clamp(standard, factor * living, wage)", "min(standard, wage)", True),
        ("clamp(standard, factor * living, wage)", "standard", False),  # a low wage caps it
        ("max(standard, wage)", "standard", True),
        ("if living > 10 then wage + 1 else wage + 2", "wage", True),
        ("free", "0", False),  # free has no lower bound
        ("wage", "0", True),  # min 0
    ],
)
def test_a_lower_bound_is_proved_only_where_it_holds_on_every_case(formula, bound, proved):
    s = shape(formula)
    assert s.at_least(s.trees["out"], parse(bound)) is proved


def test_the_least_value_of_a_linear_form_is_taken_at_a_corner_of_the_bounds():
    s = shape("wage")
    # 3·wage − 2·living + 7 over wage ≥ 0, living ≥ 0 has no least value (living unbounded)
    assert s.least(({"wage": Fraction(3), "living": Fraction(-2)}, Fraction(7))) is None
    assert s.least(({"wage": Fraction(3), "living": Fraction(2)}, Fraction(7))) == 7
