"""`ratebook test --junit` read by the tools CI systems use: validated against Jenkins xUnit's
JUnit schema (tests/consumers/junit-10.xsd, with lxml, as Jenkins validates it) and parsed
with junitparser, the reader GitLab-style report tools build on. The project is the test's
own (tests/chinese/subsidy.yaml: 1000 × 50% = 500 for an employee)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from junitparser import Error, Failure, JUnitXml
from lxml import etree

import cli

from .conftest import ROOT

SCHEMA = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "consumers" / "junit-10.xsd")))

CASES = """policy,case,on,in:scheme,in:out_of_pocket,out:subsidy,why
demo.subsidy,resident,2020-06-01,resident,1000,400.00,1000 x 40%
demo.subsidy,wrong sum,2020-06-01,resident,1000,450.00,should be 400
demo.subsidy,negative cost,2020-06-01,resident,-5,0.00,refused: below the minimum
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "policies" / "demo").mkdir(parents=True)
    shutil.copyfile(ROOT / "tests/chinese/subsidy.yaml", tmp_path / "policies/demo/subsidy.yaml")
    return tmp_path


def run(root: Path, *args: str):
    return CliRunner().invoke(cli.main, ["--root", str(root), "test", *args])


def valid(report: Path) -> None:
    document = etree.parse(str(report))
    assert SCHEMA.validate(document), SCHEMA.error_log


def test_a_wrong_result_is_a_failure_a_refused_case_an_error_both_with_their_place(project):
    (project / "cases.csv").write_text(CASES, encoding="utf-8")
    report = project / "junit.xml"
    result = run(project, str(project / "cases.csv"), "--junit", str(report))
    assert result.exit_code == 1
    valid(report)

    xml = JUnitXml.fromfile(str(report))
    assert (xml.tests, xml.failures, xml.errors) == (4, 1, 1)
    suites = {suite.name: suite for suite in xml}
    cases = suites[str(project / "cases.csv")]
    assert cases.tests == 3
    outcome = {case.name.split(" (on ")[0]: case.result for case in cases}
    assert outcome["resident"] == []
    (failure,) = outcome["wrong sum"]
    assert isinstance(failure, Failure)
    assert failure.message == "subsidy: expected 450.00, got 400.00 (difference -50.00 yuan)"
    assert failure.text.startswith(f"{project / 'cases.csv'}:3\n")
    (error,) = outcome["negative cost"]
    assert isinstance(error, Error)
    assert error.text.startswith(f"{project / 'cases.csv'}:4\n")
    assert "out_of_pocket" in error.message

    # The file of each suite is where the schema allows it: the suite's attribute and property.
    suite = etree.parse(str(report)).find(f"testsuite[@name='{project / 'cases.csv'}']")
    assert suite.get("file") == str(project / "cases.csv")
    assert suite.find("properties/property[@name='file']").get("value") == suite.get("file")


def test_a_case_file_that_cannot_be_read_still_gives_a_report_saying_why(project):
    (project / "bad.csv").write_text("policy,when\n", encoding="utf-8")
    report = project / "junit.xml"
    result = run(project, str(project / "bad.csv"), "--junit", str(report))
    assert result.exit_code == 1
    assert "bad.csv:1: unknown column 'when'" in result.output
    valid(report)
    xml = JUnitXml.fromfile(str(report))
    assert (xml.tests, xml.failures, xml.errors) == (1, 0, 1)
    (suite,) = list(xml)
    (case,) = list(suite)
    assert case.name == f"{len(case.result)} problem(s) in case files; no case was run"
    assert all(isinstance(e, Error) for e in case.result)
    assert any(
        e.message.startswith(f"{project / 'bad.csv'}:1: unknown column 'when'") for e in case.result
    )


def test_invalid_policies_give_a_report_with_an_error_per_problem(project):
    path = project / "policies/demo/subsidy.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("kind: table", "kind: tabel"), encoding="utf-8"
    )
    report = project / "junit.xml"
    result = run(project, "--junit", str(report))
    assert result.exit_code == 1
    valid(report)
    (suite,) = list(JUnitXml.fromfile(str(report)))
    (case,) = list(suite)
    assert "error(s) in policies" in case.name
    assert case.result and all(isinstance(e, Error) for e in case.result)
    assert all("policies/demo/subsidy.yaml:" in e.message for e in case.result)


def test_a_passing_run_is_valid_and_has_nothing_but_test_cases(project):
    report = project / "junit.xml"
    result = run(project, "--junit", str(report))
    assert result.exit_code == 0, result.output
    valid(report)
    xml = JUnitXml.fromfile(str(report))
    assert (xml.tests, xml.failures, xml.errors) == (1, 0, 0)
