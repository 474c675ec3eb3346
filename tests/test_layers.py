"""Rules of a higher jurisdiction checked against local policies, on fixture projects.

Each test writes a tiny project (a local policy and a constraints document) into tmp_path,
with numbers chosen for the test, and checks what `ratebook validate` and the project loader
say; the shipped rules are checked in tests/test_seed_rules.py.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from generator.checks.boundary_cases import table_rows
from generator.checks.project import load_project
from generator.checks.sampling import RANDOM_CASES, samples
from generator.core.messages import in_language

POLICY = """\
ratebook: 1
id: demo.pension
title: {{zh: 示例养老金, en: Demo pension}}
source: {{title: 示例, date: "2012", clause: 第1项}}
{subject_to}
inputs:
  pension:
    type: number
    unit: yuan/month
    min: 0
outputs:
  amount:
    type: number
    unit: yuan/month
  increase:
    type: number
    unit: yuan/month
parameters:
  basic:
    kind: amount
    unit: yuan/month
    values:
      - {{from: 2011-01-01, value: {old}}}
      - {{from: 2012-07-01, value: {new}}}
  rate:
    kind: rate
    values:
      - {{from: 2011-01-01, value: 10%}}
  least:
    kind: amount
    unit: yuan/month
    values:
      - {{from: 2011-01-01, value: 100}}
formulas:
  amount: basic
  increase: {increase}
"""

CONSTRAINTS = """\
ratebook: 1
kind: constraints
id: prov.plan
title: {{zh: 省计划, en: Provincial plan}}
jurisdiction: a province
source: {{title: 省计划, number: 省发〔2012〕1号, date: 2012-05-14, clause: 二}}
constraints:
  floor:
    rule: X1
    label: {{zh: 最低标准, en: Minimum}}
    source: {{clause: 二(四), quote: 最低标准不低于每人每月70元}}
    comparator: {comparator}
    word: {word}
    value: 70
    unit: yuan/month
{tolerance}    from: 2012-01-01
    to: 2012-12-31
    binds:
      - {{policy: demo.pension, parameter: basic}}
  rise:
    label: {{zh: 提高幅度, en: Rise}}
    source: {{clause: 二(四), quote: 提高10%以上}}
    comparator: at_least
    word: 以上
    value: 10%
    unit: "1"
    from: 2012-01-01
    binds:
      - {{policy: demo.pension, output: increase, relative_to: pension}}
"""

SUBJECT = """\
subject_to:
  - rule: prov.plan.floor
    assumption: the source names no province
  - rule: prov.plan.rise
"""


def make(
    root: Path,
    *,
    old="60",
    new="70",
    comparator="at_least",
    word="不低于",
    tolerance="",
    subject=SUBJECT,
    increase="max(pension * rate, least)",
) -> Path:
    (root / "policies" / "demo").mkdir(parents=True, exist_ok=True)
    (root / "constraints" / "prov").mkdir(parents=True, exist_ok=True)
    (root / "policies" / "demo" / "pension.yaml").write_text(
        POLICY.format(subject_to=subject, old=old, new=new, increase=increase), encoding="utf-8"
    )
    (root / "constraints" / "prov" / "plan.yaml").write_text(
        CONSTRAINTS.format(comparator=comparator, word=word, tolerance=tolerance),
        encoding="utf-8",
    )
    return root


def problems(root: Path, severity: str = "error") -> list[str]:
    project = load_project(root)
    return [str(f) for f in project.findings.sorted() if f.severity == severity]


def test_a_value_below_the_floor_names_both_places_both_numbers_and_the_days_both_apply(
    tmp_path,
):
    # 60 from 2011-01-01 ends on 2012-06-30; the floor starts 2012-01-01: both apply for the
    # first half of 2012, and 60 < 70
    errors = problems(make(tmp_path))
    assert errors == [
        "policies/demo/pension.yaml:27:35: 60 yuan/month from 2011-01-01 is below the minimum of "
        "prov.plan.floor, at least 70 yuan/month (不低于) (省发〔2012〕1号 二(四), X1; "
        "constraints/prov/plan.yaml:9:5), in force from 2012-01-01 to 2012-12-31; both apply "
        "from 2012-01-01 to 2012-06-30; this policy is bound by assumption: the source names "
        "no province"
    ]


def test_validate_fails_with_the_finding_and_exit_code_1(tmp_path):
    result = CliRunner().invoke(cli.main, ["--root", str(make(tmp_path)), "validate"])
    assert result.exit_code == 1
    assert "60 yuan/month from 2011-01-01 is below the minimum of prov.plan.floor" in result.stderr
    assert "constraints/prov/plan.yaml:9:5" in result.stderr


def test_the_finding_reads_in_chinese(tmp_path):
    with in_language("zh"):
        errors = problems(make(tmp_path))
    assert len(errors) == 1
    assert "自 2011-01-01 起的 60元/月 低于 prov.plan.floor 规定的下限：不低于 70元/月" in errors[0]
    assert "两者同时适用的期间：自 2012-01-01 起至 2012-06-30 止" in errors[0]


def test_a_value_in_force_only_before_the_floor_is_not_compared(tmp_path):
    # 60 in force 2011-01-01 .. 2011-12-31 would not overlap; here the new value starts 2012-01-01
    root = make(tmp_path)
    path = root / "policies" / "demo" / "pension.yaml"
    path.write_text(path.read_text().replace("2012-07-01", "2012-01-01"), encoding="utf-8")
    assert problems(root) == []


@pytest.mark.parametrize(
    ("comparator", "word", "value", "broken"),
    [
        ("at_least", "不低于", "70", False),  # 不低于 includes the number
        ("at_least", "以上", "69.99", True),
        ("above", "超过", "70", True),  # 超过 excludes it
        ("above", "超过", "70.01", False),
        ("at_most", "以下", "70", False),  # 以下 includes it
        ("at_most", "不超过", "70.01", True),
        ("below", "低于", "70", True),  # 低于 excludes it
        ("below", "低于", "69.99", False),
    ],
)
def test_the_boundary_word_decides_whether_the_number_itself_keeps_the_bound(
    tmp_path, comparator, word, value, broken
):
    root = make(tmp_path, old=value, new=value, comparator=comparator, word=word)
    errors = problems(root)
    assert len(errors) == (2 if broken else 0), errors  # both dated values are in force in 2012


def test_about_without_a_tolerance_is_only_a_warning(tmp_path):
    root = make(tmp_path, old="75", new="75", comparator="about", word="左右")
    assert problems(root) == []
    warnings = [w for w in problems(root, "warning") if "no tolerance is stated" in w]
    assert len(warnings) == 2


def test_about_with_a_tolerance_is_checked_within_it(tmp_path):
    # |72 - 70| = 2 <= 2 keeps it; |73 - 70| = 3 > 2 breaks it
    root = make(
        tmp_path,
        old="72",
        new="73",
        comparator="about",
        word="左右",
        tolerance="    tolerance: 2\n",
    )
    errors = problems(root)
    assert len(errors) == 1
    assert "73 yuan/month from 2012-07-01 is not within the stated tolerance" in errors[0]


def test_a_comparator_that_contradicts_its_word_is_refused_at_the_comparator(tmp_path):
    root = make(tmp_path, comparator="at_most", word="不低于")
    # the document is not used until it is fixed, and its rules are not reported unknown
    assert problems(root) == [
        "constraints/prov/plan.yaml:12:17: the source's word '不低于' reads as at_least, not at_most"
    ]


def test_a_binding_the_policy_does_not_accept_is_a_warning_and_not_checked(tmp_path):
    root = make(tmp_path, subject="")
    assert problems(root) == []
    warnings = [w for w in problems(root, "warning") if "subject_to" in w]
    assert len(warnings) == 2
    assert warnings[0].startswith("constraints/prov/plan.yaml:")


def test_subject_to_an_unknown_rule_or_one_that_does_not_bind_the_policy_is_an_error(tmp_path):
    root = make(tmp_path, subject="subject_to:\n  - rule: prov.plan.flor\n")
    assert "subject_to: there is no rule 'prov.plan.flor' under constraints/" in problems(root)[0]
    other = (root / "constraints" / "prov" / "plan.yaml").read_text()
    other = other.replace(
        "{policy: demo.pension, parameter: basic}", "{policy: demo.other, parameter: basic}"
    )
    (root / "constraints" / "prov" / "plan.yaml").write_text(other, encoding="utf-8")
    make_subject = "subject_to:\n  - rule: prov.plan.floor\n"
    path = root / "policies" / "demo" / "pension.yaml"
    text = path.read_text().replace("subject_to:\n  - rule: prov.plan.flor\n", make_subject)
    path.write_text(text, encoding="utf-8")
    found = problems(root)
    assert any("binds the policy 'demo.other', which does not exist" in f for f in found)
    assert any("the rule 'prov.plan.floor' does not bind demo.pension" in f for f in found)


def test_a_binding_in_another_unit_is_refused(tmp_path):
    root = make(tmp_path)
    path = root / "constraints" / "prov" / "plan.yaml"
    path.write_text(
        path.read_text().replace("unit: yuan/month", "unit: yuan/year"), encoding="utf-8"
    )
    assert any(
        "the bound is in yuan/year, but basic of demo.pension is in yuan/month" in f
        for f in problems(root)
    )


def test_an_output_bound_proved_from_the_form_of_the_formulas_is_a_note(tmp_path):
    # max(pension × 10%, 100) >= 10% × pension for every pension: proved, no sampling
    root = make(tmp_path, old="70")
    notes = problems(root, "note")
    assert any(
        "increase keeps prov.plan.rise, at least 10% × pension (以上)" in n
        and "proved exactly from the form of the formulas" in n
        for n in notes
    )


def test_an_output_that_breaks_its_bound_is_an_error_with_a_counterexample(tmp_path):
    # min(pension × 10%, 100) is below 10% × pension once pension > 1000
    root = make(tmp_path, old="70", increase="min(pension * rate, least)")
    errors = problems(root)
    assert len(errors) == 1
    assert "increase breaks prov.plan.rise, at least 10% × pension (以上)" in errors[0]
    # no boundary case is above 1000 (the input has no maximum, no edge): a random case is
    assert (
        "a counterexample found among 300 random cases (drawn with the policy's id as seed)"
        in errors[0]
    )
    pension = errors[0].split("the case pension=")[1].split(" ")[0]
    assert float(pension) > 1000


def test_an_output_the_prover_cannot_decide_is_sampled_and_says_so(tmp_path):
    # ceil() is outside the forms the prover reads; ceil(x) >= x, so sampling finds nothing
    root = make(tmp_path, old="70", increase="ceil(pension * rate)")
    warnings = [w for w in problems(root, "warning") if "not proved" in w]
    assert len(warnings) == 1
    # the only boundary case is pension = 0 (the baseline, the input's minimum; no edges)
    assert "checked on the boundary table (1 cases: " in warnings[0]
    assert warnings[0].endswith("plus 300 random cases, none breaks it")
    assert problems(root) == []


def test_a_non_linear_output_is_refuted_by_a_boundary_case_random_cases_miss(tmp_path):
    # a flat 99.99 (a slip for 100) up to a pension of 1000, floor(10%) + 1 above it:
    # floor() is outside the prover's forms. Only pensions in (999.90, 1000] break the 10 %
    # floor (10% × 999.99 = 99.999, 100.00 rounded to the fen as the output is, above 99.99);
    # the test table's edge 1000 - 0.01 lands there.
    root = make(
        tmp_path, old="70", increase="if pension > 1000 then floor(pension * rate) + 1 else 99.99"
    )
    errors = problems(root)
    assert len(errors) == 1
    assert errors[0].startswith(
        "policies/demo/pension.yaml:40:13: increase breaks prov.plan.rise, at least 10% × pension (以上)"
    )
    assert (
        "the case pension=999.99 on 2012-01-01 gives 99.99, the bound is 100 "
        "(a counterexample found among the cases of the boundary table;" in errors[0]
    )
    # the 300 random cases alone would not have found it
    policy = load_project(root).policy("demo.pension")
    drawn = [s.inputs["pension"] for s in samples(policy) if s.random]
    assert len(drawn) == RANDOM_CASES
    assert not [p for p in drawn if Decimal("999.90") < p <= 1000]


def test_an_unproved_output_bound_says_it_was_checked_on_the_boundary_table_and_random_cases(
    tmp_path,
):
    # the same shape without the slip holds: checked on the boundary cases 0 (the baseline
    # and the input's minimum), 999.99, 1000 and 1000.01 (the edge of `pension > 1000`),
    # then on 300 random cases
    root = make(
        tmp_path, old="70", increase="if pension > 1000 then floor(pension * rate) + 1 else 100"
    )
    assert problems(root) == []
    warnings = [w for w in problems(root, "warning") if "not proved" in w]
    assert len(warnings) == 1
    assert warnings[0].endswith(
        "not proved from the form of the formulas; checked on the boundary table (4 cases: the "
        "test table's rows and each input at its bounds) plus 300 random cases, none breaks it"
    )
    with in_language("zh"):
        warnings = [w for w in problems(root, "warning") if "无法由公式形式证明" in w]
    assert (
        "已用边界案例表（4 个案例：测试表各行及各输入项取上下限）加 300 个随机案例校验"
        in warnings[0]
    )


def test_the_boundary_cases_are_the_rows_of_the_test_table_the_build_writes(tmp_path):
    root = make(
        tmp_path, old="70", increase="if pension > 1000 then floor(pension * rate) + 1 else 100"
    )
    policy = load_project(root).policy("demo.pension")
    table = {dict(row.inputs)["pension"] for row in table_rows(policy)}
    boundary = [s.inputs["pension"] for s in samples(policy) if not s.random]
    assert table == {Decimal(0), Decimal("999.99"), Decimal(1000), Decimal("1000.01")}
    assert set(boundary) == table and len(boundary) == len(table)  # each once, min 0 included


def test_a_bound_on_an_average_binds_no_policy(tmp_path):
    root = make(tmp_path)
    path = root / "constraints" / "prov" / "plan.yaml"
    text = path.read_text().replace(
        "    from: 2012-01-01\n    to:", "    measure: average\n    from: 2012-01-01\n    to:", 1
    )
    path.write_text(text, encoding="utf-8")
    assert any("an indicator scored with `ratebook indicators`" in f for f in problems(root))


def test_a_constraints_file_is_checked_against_its_schema_with_places(tmp_path):
    root = make(tmp_path)
    path = root / "constraints" / "prov" / "plan.yaml"
    path.write_text(path.read_text().replace("word: 不低于", "wrod: 不低于"), encoding="utf-8")
    found = problems(root)
    assert any(f.startswith("constraints/prov/plan.yaml:13:5: unknown key 'wrod'") for f in found)
    assert not any("subject_to" in f for f in found)


def test_a_constraints_id_must_name_its_file(tmp_path):
    root = make(tmp_path)
    path = root / "constraints" / "prov" / "plan.yaml"
    path.write_text(path.read_text().replace("id: prov.plan", "id: prov.other"), encoding="utf-8")
    assert any("constraints/prov/plan.yaml:3:5" in f and "prov.plan" in f for f in problems(root))


def test_subject_to_survives_a_workbook_and_back(tmp_path):
    from generator.convert.to_workbook import emit_workbook
    from generator.convert.to_yaml import emit_yaml
    from generator.model.build import build_policy
    from generator.sources.yaml_reader import read_yaml_text
    from tests.test_excel_roundtrip import from_workbook

    project = load_project(make(tmp_path, old="70"))
    policy = project.policy("demo.pension")
    assert policy is not None and len(policy.subject_to) == 2
    assert from_workbook(emit_workbook(policy)) == policy
    doc, _ = read_yaml_text(emit_yaml(policy), "x.yaml")
    assert build_policy(doc).policy == policy


def test_a_binding_names_exactly_one_of_parameter_and_output(tmp_path):
    root = make(tmp_path)
    path = root / "constraints" / "prov" / "plan.yaml"
    text = path.read_text().replace(
        "{policy: demo.pension, parameter: basic}",
        "{policy: demo.pension, parameter: basic, output: amount}",
    )
    path.write_text(text, encoding="utf-8")
    assert any("exactly one of parameter and output" in f for f in problems(root))
