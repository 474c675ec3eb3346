"""Case files written by people (CSV, Excel, YAML) and `ratebook test`, which runs them with the
policies' own example cases: a pass/fail table, every difference, JUnit XML, exit 1 on failure."""

from __future__ import annotations

import datetime as dt
import shutil
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from generator.regress.case_files import read_cases

from .conftest import ROOT

CSV_TEXT = """# cases for the 2013 review
policy,case,on,in:min_living_standard,in:min_wage,out:monthly_benefit,why
unemployment.benefit,within both bounds,2012-07-01,300,1140,520.00,the standard
unemployment.benefit,lower bound above the standard,2012-07-01,420,1140,546.00,420 x 1.3
"""

YAML_TEXT = """policy: unemployment.benefit
cases:
  - name: within both bounds
    on: 2012-07-01
    inputs: {min_living_standard: 300, min_wage: 1140}
    expected: {monthly_benefit: "520.00"}
    why: the standard
  - name: lower bound above the standard
    on: 2012-07-01
    inputs: {min_living_standard: 420, min_wage: 1140}
    expected: {monthly_benefit: "546.00"}
    why: 420 x 1.3
"""


def run(*args, root: Path = ROOT):
    return CliRunner().invoke(cli.main, ["--root", str(root), *args])


def write_xlsx(path: Path, rows: list, sheet: str = "cases") -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def xlsx_rows() -> list:
    return [
        [
            "policy",
            "case",
            "on",
            "in:min_living_standard",
            "in:min_wage",
            "out:monthly_benefit",
            "why",
        ],
        [
            "unemployment.benefit",
            "within both bounds",
            dt.datetime(2012, 7, 1),
            300,
            1140,
            520,
            "the standard",
        ],
        [
            "unemployment.benefit",
            "lower bound above the standard",
            "2012-07-01",
            420.0,
            1140,
            546.0,
            "420 x 1.3",
        ],
    ]


@pytest.mark.parametrize("name", ["cases.csv", "cases.yaml", "cases.xlsx"])
def test_the_three_formats_give_the_same_cases(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text(CSV_TEXT, encoding="utf-8")
    elif name.endswith(".yaml"):
        path.write_text(YAML_TEXT, encoding="utf-8")
    else:
        write_xlsx(path, xlsx_rows())
    cases, findings = read_cases([path], tmp_path)
    assert findings == []
    assert [(c.policy, c.name, c.on, c.why) for c in cases] == [
        ("unemployment.benefit", "within both bounds", dt.date(2012, 7, 1), "the standard"),
        (
            "unemployment.benefit",
            "lower bound above the standard",
            dt.date(2012, 7, 1),
            "420 x 1.3",
        ),
    ]
    second = cases[1]
    assert {k: Decimal(str(v)) for k, v in second.inputs} == {
        "min_living_standard": 420,
        "min_wage": 1140,
    }
    assert {k: Decimal(str(v)) for k, v in second.expected} == {"monthly_benefit": 546}


@pytest.mark.parametrize(
    "name, text, place, fragment",
    [
        (
            "no_on.csv",
            "policy,in:min_wage\nunemployment.benefit,1\n",
            "no_on.csv:1",
            "no 'on' column",
        ),
        (
            "bad_date.csv",
            "policy,on\nunemployment.benefit,2012-07-01\nunemployment.benefit,2012-13-01\n",
            "bad_date.csv:3",
            "on: '2012-13-01' is not a real date",
        ),
        ("twice.csv", "policy,on,in:a,in:a\n", "twice.csv:1", "column 'in:a' appears twice"),
        ("no_policy.csv", "policy,on\n,2012-07-01\n", "no_policy.csv:2", "no policy given"),
        ("empty.csv", "# only a comment\n", "empty.csv", "no header row"),
        (
            "unknown_key.yaml",
            "- policy: x\n  on: 2012-07-01\n  input: {a: 1}\n",
            "unknown_key.yaml:3:3",
            "unknown key 'input'; allowed: policy, name, on, inputs, expected",
        ),
        (
            "bad_date.yaml",
            "- policy: x\n  on: July\n",
            "bad_date.yaml:2:7",
            "on: 'July' is not a date",
        ),
        (
            "not_a_list.yaml",
            "policy: x\ncases: 3\n",
            "not_a_list.yaml:2:8",
            "write a list of cases",
        ),
        ("syntax.yaml", "- policy: [x\n", "syntax.yaml:2:1", "not valid YAML"),
    ],
)
def test_problems_of_form_are_reported_with_their_place(tmp_path, name, text, place, fragment):
    (tmp_path / name).write_text(text, encoding="utf-8")
    _, findings = read_cases([tmp_path / name], tmp_path)
    assert any(str(f.location) == place and fragment in f.message for f in findings), [
        str(f) for f in findings
    ]


def test_a_workbook_problem_names_the_sheet_and_the_cell(tmp_path):
    rows = xlsx_rows()
    rows[2][2] = "2012-02-30"
    write_xlsx(tmp_path / "book.xlsx", rows, sheet="2013")
    _, findings = read_cases([tmp_path / "book.xlsx"], tmp_path)
    assert [str(f) for f in findings] == ["book.xlsx!2013!C3: on: '2012-02-30' is not a real date"]


def test_a_folder_is_searched_for_case_files_in_sorted_order(tmp_path):
    (tmp_path / "b.csv").write_text(CSV_TEXT, encoding="utf-8")
    (tmp_path / "a.yaml").write_text(YAML_TEXT, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not cases", encoding="utf-8")
    cases, findings = read_cases([tmp_path], tmp_path)
    assert findings == []
    assert [c.source for c in cases] == ["a.yaml", "a.yaml", "b.csv", "b.csv"]


def test_ratebook_test_runs_the_example_cases_of_every_policy_and_passes():
    result = run("test")
    assert result.exit_code == 0, result.output
    assert "policies/unemployment/benefit.yaml" in result.output
    assert result.output.rstrip().endswith("case(s) passed")


def test_a_failing_case_is_reported_with_its_place_and_its_difference_and_exits_1(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(
        CSV_TEXT + "unemployment.benefit,expects the old 442,2012-07-01,300,1140,442.00,\n",
        encoding="utf-8",
    )
    result = run("test", str(cases))
    assert result.exit_code == 1
    assert "cases.csv:5  unemployment.benefit  'expects the old 442' on 2012-07-01" in result.output
    assert (
        "monthly_benefit: expected 442.00, got 520.00 (difference +78.00 yuan/month)"
        in result.output
    )
    assert "1 of " in result.output and "case(s) failed" in result.output


def test_a_failing_example_case_inside_a_policy_is_reported_with_its_difference(tmp_path):
    (tmp_path / "policies" / "unemployment").mkdir(parents=True)
    text = (ROOT / "policies/unemployment/benefit.yaml").read_text(encoding="utf-8")
    broken = text.replace(
        'expected: {monthly_benefit: "546.00"}', 'expected: {monthly_benefit: "545.00"}'
    )
    assert broken != text
    (tmp_path / "policies/unemployment/benefit.yaml").write_text(broken, encoding="utf-8")
    result = run("test", root=tmp_path)
    assert result.exit_code == 1
    assert "FAIL  policies/unemployment/benefit.yaml:" in result.output
    assert "'lower bound above the standard' on 2012-07-01" in result.output
    assert (
        "monthly_benefit: expected 545.00, got 546.00 (difference +1.00 yuan/month)"
        in result.output
    )


@pytest.mark.parametrize(
    "row, passes",
    [
        ("unemployment.benefit,too early,2012-06-30,300,1140,,not in force", True),
        (
            "unemployment.benefit,check broken,2012-07-01,500,600,,the minimum wage is below 1.3",
            True,
        ),
        ("unemployment.benefit,wrongly refused,2012-07-01,300,1140,,not in force", False),
        ("unemployment.benefit,not a number,2012-07-01,abc,1140,520.00,", False),
    ],
)
def test_an_error_column_expects_a_refusal_with_that_text(tmp_path, row, passes):
    (tmp_path / "refusals.csv").write_text(
        "policy,case,on,in:min_living_standard,in:min_wage,out:monthly_benefit,error\n"
        + row
        + "\n",
        encoding="utf-8",
    )
    result = run("test", str(tmp_path / "refusals.csv"))
    assert (result.exit_code == 0) == passes, result.output


def test_an_unknown_policy_or_output_fails_the_case_with_the_names_allowed(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "- {policy: unemployment.benfit, on: 2012-07-01}\n"
        "- {policy: unemployment.benefit, on: 2012-07-01, inputs: {min_living_standard: 300, min_wage: 1140},"
        " expected: {benefit: 520}}\n",
        encoding="utf-8",
    )
    result = run("test", str(tmp_path / "c.yaml"))
    assert result.exit_code == 1
    assert (
        "unknown policy 'unemployment.benfit' (did you mean 'unemployment.benefit'?); policies: "
        in result.output
    )
    assert (
        "unknown output 'benefit' (did you mean 'monthly_benefit'?); outputs of "
        "unemployment.benefit: monthly_benefit" in result.output
    )


def test_a_case_file_with_problems_of_form_stops_before_any_case_runs(tmp_path):
    (tmp_path / "bad.csv").write_text("policy,when\n", encoding="utf-8")
    result = run("test", str(tmp_path / "bad.csv"))
    assert result.exit_code == 1
    assert "bad.csv:1: unknown column 'when'" in result.output
    assert "no case was run" in result.output


def test_junit_xml_is_well_formed_and_counts_each_case_and_failure(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(
        CSV_TEXT + "unemployment.benefit,wrong <&> \x01 name,2012-07-01,300,1140,442.00,\n",
        encoding="utf-8",
    )
    report = tmp_path / "junit.xml"
    result = run("test", str(cases), "--junit", str(report))
    assert result.exit_code == 1
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites"
    total = sum(1 for _ in root.iter("testcase"))
    assert root.get("tests") == str(total) and root.get("failures") == "1"
    suite = next(s for s in root.iter("testsuite") if s.get("name").endswith("cases.csv"))
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    failure = next(root.iter("failure"))
    assert (
        failure.get("message")
        == "monthly_benefit: expected 442.00, got 520.00 (difference +78.00 yuan/month)"
    )
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None][0]
    assert failed.get("classname") == "unemployment.benefit" and "<&>" in failed.get("name")


def test_the_generated_test_tables_are_case_files_that_pass(tmp_path):
    for name in (
        "unemployment.benefit.csv",
        "unemployment.benefit.xlsx",
        "pension.death_benefits.csv",
    ):
        shutil.copyfile(ROOT / "generated" / "tables" / name, tmp_path / name)
    result = run("test", str(tmp_path), "-v")
    assert result.exit_code == 0, result.output
    assert "pass  " in result.output
    assert "'day before 2012-07-01 (standard, floor_factor change)' on 2012-06-30" in result.output
