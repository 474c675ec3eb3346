"""Declared properties of a policy, proved, refuted or only sampled, on fixture policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks.project import load_project
from generator.core.messages import in_language

POLICY = """\
ratebook: 1
id: demo.benefit
title: {{zh: 示例失业金, en: Demo benefit}}
source: {{title: 示例, date: "2012", clause: 第6项}}
inputs:
  wage: {{type: number, unit: yuan/month, min: 0, max: 5000}}
  living: {{type: number, unit: yuan/month, min: 0, max: 2000}}
  pay: {{type: number, unit: yuan/month, min: 0, max: 9000}}
outputs:
  benefit: {{type: number, unit: yuan/month, rounding: {{places: 2, mode: half_up}}}}
parameters:
  standard: {{kind: amount, unit: yuan/month, values: [{{from: 2012-07-01, value: 520}}]}}
formulas:
  benefit: {formula}
cases:
  - name: an example
    on: 2012-07-01
    inputs: {{wage: 1000, living: 300, pay: 2000}}
    expected: {{benefit: "{expected}"}}
properties:
{properties}
"""

RISES = """\
  - kind: monotonic
    output: benefit
    input: wage
    direction: up
    source: {clause: 三(八), quote: 隨最低工資標準的調整而提高}
"""
AT_MOST = """\
  - kind: bounded
    output: benefit
    at_most: pay
    source: {clause: 四(二)2, quote: 最高不超過崗位實際工資}
"""


def load(tmp_path: Path, formula: str, expected: str, properties: str):
    folder = tmp_path / "policies" / "demo"
    folder.mkdir(parents=True)
    text = POLICY.format(formula=formula, expected=expected, properties=properties)
    (folder / "benefit.yaml").write_text(text, encoding="utf-8")
    found = load_project(tmp_path).findings.sorted()
    return [str(f) for f in found if f.code != "unused-input"]


def test_a_direction_proved_from_the_form_of_the_formulas_is_a_note(tmp_path):
    # clamp(520, 1.3 × 300, 1000) = 520
    found = load(tmp_path, "clamp(standard, 1.3 * living, wage)", "520.00", RISES)
    assert found == [
        "policies/demo/benefit.yaml:21:5: note: the declared property 'benefit never falls as "
        "wage rises' (三(八)) holds on every case from 2012-07-01 on: proved exactly from the "
        "form of the formulas"
    ]


def test_a_direction_that_does_not_hold_is_an_error_with_the_counterexample(tmp_path):
    # 1000 - 1000/2 = 500 at the example; the benefit falls as the wage rises past 520
    found = load(tmp_path, "max(0, standard - wage / 2)", "20.00", RISES)
    assert len(found) == 1
    assert found[0].startswith(
        "policies/demo/benefit.yaml:21:5: the declared property 'benefit never falls as wage "
        "rises' (三(八)) does not hold from 2012-07-01 on: on 2012-07-01, "
    )
    # a step of 0.01 moves it by half a fen, which rounds back to 20.00; a step of 1 does not
    assert "wage 1000 → 1001 gives benefit 20 → 19.5" in found[0]


def test_a_bound_proved_from_the_form_of_the_formulas_is_a_note(tmp_path):
    # min(2 × 520, pay) <= pay for every case
    found = load(tmp_path, "min(2 * standard, pay)", "1040.00", AT_MOST)
    assert (
        len(found) == 1 and "note: the declared property 'benefit is never above pay'" in found[0]
    )


def test_a_bound_that_does_not_hold_is_an_error_with_the_counterexample(tmp_path):
    # 2 × 520 = 1040 is above a pay below 1040: the example's pay of 2000 keeps it, the
    # bounds of the inputs (pay = 0) do not
    found = load(tmp_path, "2 * standard", "1040.00", AT_MOST)
    assert len(found) == 1
    assert "does not hold from 2012-07-01 on" in found[0]
    assert "benefit is 1040, the bound 0" in found[0]
    assert found[0].endswith("(found among the cases of the boundary table)")


def test_a_property_the_prover_cannot_decide_is_sampled_and_says_so(tmp_path):
    # ceil() is outside the forms the prover reads for a bound; ceil(pay / 2) <= pay for pay > 520
    found = load(tmp_path, "if pay > standard then ceil(pay / 2) else pay", "1000.00", AT_MOST)
    assert len(found) == 1
    assert "warning: the declared property 'benefit is never above pay'" in found[0]
    # the boundary cases: the example (wage 1000, living 300, pay 2000), pay just below, at
    # and just above the standard 520 (the edge of `pay > standard`), and each of the three
    # inputs at its min and max (6 cases): 10; then 300 random cases
    assert found[0].endswith(
        "not proved from the form of the formulas; checked on the boundary table (10 cases: the "
        "test table's rows and each input at its bounds) plus 300 random cases, none breaks it"
    )


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        (RISES.replace("input: wage", "input: wages"), "the input 'wages'"),
        (RISES.replace("output: benefit", "output: benefits"), "the output 'benefits'"),
        (AT_MOST.replace("at_most: pay", "at_most: salary"), "the formula 'salary'"),
        (RISES.replace("    direction: up\n", ""), "needs direction: up or down"),
    ],
)
def test_a_property_naming_what_the_policy_lacks_is_an_error(tmp_path, properties, message):
    found = load(tmp_path, "clamp(standard, 1.3 * living, wage)", "520.00", properties)
    assert len(found) == 1 and message in found[0], found


def test_a_property_reads_in_chinese_with_the_kind_of_field_as_an_id(tmp_path):
    """In Chinese the field's kind stands in parentheses after its name, like every id, and a
    refuted property gives its counterexample's date and case after the period."""
    with in_language("zh"):
        missing = load(
            tmp_path / "missing",
            "clamp(standard, 1.3 * living, wage)",
            "520.00",
            RISES.replace("input: wage", "input: wages"),
        )
        refuted = load(tmp_path / "refuted", "max(0, standard - wage / 2)", "20.00", RISES)
    assert len(missing) == 1
    assert missing[0].endswith(
        "该性质引用的“wages”（input）不是本政策的数值项；现有：wage, living, pay"
    )
    assert len(refuted) == 1
    assert "（三(八)）自 2012-07-01 起不成立。反例（计算日期 2012-07-01，取自" in refuted[0]
    assert "wage 由 1000 提高到 1001，benefit 由 20 变为 19.5" in refuted[0]
