"""The `bounded` property on fixture policies shaped as a capped reward: min(multiple × wage,
pay) is proved never above the pay; a formula that forgets the cap is refuted with a case."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks.project import load_project

POLICY = """\
ratebook: 1
id: demo.reward
title: {{zh: 示例奖励, en: Demo reward}}
source: {{title: 示例, date: "2012", clause: 第2条}}
inputs:
  multiple: {{type: number, unit: "1", min: 0, max: 10}}
  wage: {{type: number, unit: yuan, min: 0, max: 5000}}
  pay: {{type: number, unit: yuan, min: 0, max: 20000}}
outputs:
  reward: {{type: number, unit: yuan, rounding: {{places: 2, mode: half_up}}}}
parameters:
  cap: {{kind: rate, values: [{{from: 2012-08-14, value: 100%}}]}}
formulas:
  reward: {formula}
cases:
  - name: an example
    on: 2012-08-14
    inputs: {{multiple: 2, wage: 1000, pay: 3000}}
    expected: {{reward: "{expected}"}}
properties:
  - kind: bounded
    output: reward
    {bound}
    source: {{clause: 四(二)2, quote: 最高不突破实际报酬}}
"""


def findings(tmp_path: Path, formula: str, expected: str, bound: str = "at_most: pay") -> list[str]:
    folder = tmp_path / "policies" / "demo"
    folder.mkdir(parents=True)
    text = POLICY.format(formula=formula, bound=bound, expected=expected)
    (folder / "reward.yaml").write_text(text, encoding="utf-8")
    return [str(f) for f in load_project(tmp_path).findings.sorted()]


def test_a_reward_capped_at_the_pay_is_proved(tmp_path):
    # 2 × 1000 = 2000 below 3000
    found = findings(tmp_path, "min(multiple * wage, cap * pay)", "2000.00")
    assert found == [
        "policies/demo/reward.yaml:21:5: note: the declared property 'reward is never above "
        "pay' (四(二)2) holds on every case from 2012-08-14 on: proved exactly from the form "
        "of the formulas"
    ]


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("multiple * wage", "2000.00"),  # the cap forgotten: 2 × 1000
        ("max(multiple * wage, cap * pay)", "3000.00"),  # the cap read as a floor
        ("min(multiple * wage, cap * pay) + 1", "2001.00"),  # one yuan over
    ],
)
def test_a_reward_that_can_pass_the_pay_is_refuted_with_a_case(tmp_path, formula, expected):
    found = findings(tmp_path, formula, expected)
    errors = [f for f in found if ": note:" not in f and ": warning:" not in f]
    assert len(errors) == 1, found
    assert errors[0].startswith(
        "policies/demo/reward.yaml:21:5: the declared property 'reward is never above pay' "
        "(四(二)2) does not hold from 2012-08-14 on: on 2012-08-14, "
    )
    assert "the bound" in errors[0]


def test_a_floor_is_proved_or_refuted_the_same_way(tmp_path):
    found = findings(tmp_path, "max(multiple * wage, cap * pay)", "3000.00", "at_least: pay")
    assert len(found) == 1 and "'reward is never below pay'" in found[0] and "note:" in found[0]


def test_a_floor_that_does_not_hold_is_refuted(tmp_path):
    found = findings(tmp_path, "min(multiple * wage, cap * pay)", "2000.00", "at_least: pay")
    assert len(found) == 1 and "does not hold from 2012-08-14 on" in found[0], found
