"""`ratebook indicators`: actual figures scored against targets, on a fixture project.

The targets and the actual figures below are made up for the test (not the seeds'); each
expected status is worked out by hand from the comparator, the deadline and the as-of date.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import cli
from generator.checks.project import load_project
from generator.regress.indicators import read_actuals

FIXTURES = Path(__file__).resolve().parent / "validation"

DOC = """\
ratebook: 1
kind: constraints
id: prov.targets
title: {zh: 省目标, en: Provincial targets}
jurisdiction: a province (made up for the test)
source: {title: 省计划, number: 省发〔2012〕9号, date: 2012-05-14, clause: 二}
targets:
  jobs:
    label: {zh: 新增就业, en: New jobs}
    source: {clause: 二(一), quote: 新增就业100人以上}
    comparator: at_least
    word: 以上
    value: 100
    unit: person
    deadline: 2012-12-31
  unemployment:
    label: {zh: 失业率, en: Unemployment rate}
    source: {clause: 二(一), quote: 失业率控制在4%以内}
    comparator: at_most
    word: 以内
    value: 4%
    unit: "1"
    deadline: 2012-12-31
  ratio:
    label: {zh: 报销比例, en: Reimbursement ratio}
    source: {clause: 二(四), quote: 报销比例达75%左右}
    comparator: about
    word: 左右
    value: 75%
    unit: "1"
    deadline: 2012-12-31
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "constraints" / "prov").mkdir(parents=True)
    (tmp_path / "constraints" / "prov" / "targets.yaml").write_text(DOC, encoding="utf-8")
    (tmp_path / "policies" / "test").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "valid.yaml", tmp_path / "policies" / "test" / "valid.yaml")
    return tmp_path


def run(root: Path, *args: str):
    return CliRunner().invoke(cli.main, ["--root", str(root), *args])


@pytest.mark.parametrize(
    ("row", "status"),
    [
        ("jobs,100,2012-12-31", "met"),  # 以上 includes 100
        ("jobs,99,2013-01-15", "not met"),
        ("jobs,40,2012-06-30", "not yet due"),  # before the deadline
        ("新增就业,120,2012/12/31", "met"),  # by the Chinese label, a date as officers write it
        ("prov.targets.unemployment,4%,2012-12-31", "met"),  # 以内 includes 4%
        ("Unemployment rate,4.01%,2012-12-31", "not met"),
        ("ratio,75%,2012-12-31", "met"),  # exactly the figure is about it
        ("ratio,76%,2012-12-31", "not scored"),  # 左右 without a tolerance: only a warning
    ],
)
def test_each_figure_is_scored_by_its_comparator_and_deadline(root, row, status):
    (root / "actuals.csv").write_text(f"indicator,value,as_of\n{row}\n", encoding="utf-8")
    result = run(root, "indicators", "--actuals", str(root / "actuals.csv"))
    assert result.exit_code == 0, result.output
    line = result.stdout.splitlines()[0]
    clause = "二(四)" if "ratio" in row else "二(一)"
    assert f": {status} (" in line or f": {status}: " in line
    assert line.endswith(f"(省发〔2012〕9号 {clause})")


def test_the_scores_read_in_chinese_with_the_clause(root):
    (root / "actuals.csv").write_text("指标,数值,截至日期\njobs,100,2012-12-31\n", encoding="utf-8")
    result = run(root, "--lang", "zh", "indicators", "--actuals", str(root / "actuals.csv"))
    assert result.exit_code == 0, result.output
    assert "新增就业（prov.targets.jobs）：截至 2012-12-31 为 100人" in result.stdout
    assert "：达到（省发〔2012〕9号 二(一)）" in result.stdout
    assert result.stdout.endswith("共 1 项：达到 1 项，未达到 0 项，未到期 0 项，未评定 0 项\n")


def test_a_workbook_of_figures_is_read_like_a_csv(root):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (
        ["indicator", "value", "as of"],
        ["jobs", 150, "2012-12-31"],
        ["unemployment", 0.05, "2012-12-31"],
    ):
        sheet.append(row)
    book.save(root / "actuals.xlsx")
    result = run(root, "indicators", "--actuals", str(root / "actuals.xlsx"))
    assert result.exit_code == 0, result.output
    assert "2 figure(s): 1 met, 1 not met, 0 not yet due, 0 not scored" in result.stdout


def test_bad_rows_are_located_and_nothing_is_scored(root):
    (root / "actuals.csv").write_text(
        "indicator,value,as_of\njobs,100,2012-12-31\njbos,1,2012-12-31\njobs,1e3,2012-12-31\n"
        "jobs,,2012-12-31\n",
        encoding="utf-8",
    )
    result = run(root, "indicators", "--actuals", str(root / "actuals.csv"))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].endswith("actuals.csv:3: no target is named 'jbos' (did you mean 'jobs'?)")
    assert "actuals.csv:4: jobs: " in lines[1]
    assert lines[2].endswith("actuals.csv:5: jobs: the value or the as-of date is empty")
    assert lines[3] == "3 problem(s) in the file of actual figures; nothing scored"


def test_a_file_without_the_three_columns_is_refused_at_its_header(root):
    (root / "actuals.csv").write_text("name,amount\njobs,100\n", encoding="utf-8")
    project = load_project(root)
    _, problems = read_actuals(root / "actuals.csv", "actuals.csv", project.documents)
    assert [str(p) for p in problems] == [
        "actuals.csv:1: the header needs the columns indicator, value and as_of "
        "(missing: indicator, value, as_of); found: name, amount"
    ]
