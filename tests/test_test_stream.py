"""`ratebook test` on case files through the batch kernels, a chunk at a time, tells the same
as the one-case path: the same table, the same failures in the same words, the same JUnit
bytes and the same problems, for passing and failing cases, refusals, labels, GBK text, Excel
cells, dates and enum labels. A long file holds no more than the cases it lists.

The policy is this file's own: a grant of 50% of the cost for the employee scheme (职工) and
40% for the resident scheme (居民) from 2020-01-01, 60% and 45% from 2021-01-01, nothing in
force before 2020; a claim is large from 1,000 yuan; bed days are twice the days."""

from __future__ import annotations

import datetime as dt
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from openpyxl import Workbook

import cli
from generator.checks.project import load_project
from generator.core.messages import words
from generator.core.shown import label_of, named, pad
from generator.core.shown import width as shown_width
from generator.regress import case_stream
from generator.regress.case_files import read_cases
from generator.regress.case_run import LISTED, Tally, example_cases, run_cases, summary_lines
from generator.regress.junit import JunitSpool, _bytes, _clean, _problem, is_error, junit_xml

from .conftest import REPO

POLICY = """\
ratebook: 1
id: demo.grant
title: {zh: 测试补助, en: Test grant}
jurisdiction: a fixture of the tests
source: {title: 示例文件, date: "2020", clause: 第1条, seed: none.txt}
notes:
  - A fixture of the tests.

inputs:
  scheme:
    type: enum
    values: [employee, resident]
    value_labels:
      employee: {zh: 职工, en: Employee}
      resident: {zh: 居民, en: Resident}
    label: {zh: 参保类别, en: Insurance scheme}
  cost: {type: number, unit: yuan, min: 0, label: {zh: 自付费用, en: Out-of-pocket cost}}
  days: {type: integer, unit: day, min: 0, default: 0, label: {zh: 住院天数, en: Days in hospital}}

outputs:
  subsidy:
    type: number
    unit: yuan
    rounding: {places: 2, mode: half_up}
    label: {zh: 补助金额, en: Subsidy}
  large: {type: boolean, label: {zh: 是否大额, en: Large claim}}
  bed_days: {type: integer, unit: day, label: {zh: 床日数, en: Bed days}}

parameters:
  ratio:
    kind: table
    key: scheme
    unit: "1"
    label: {zh: 补助比例, en: Subsidy ratio}
    values:
      - from: 2020-01-01
        rows: {employee: 50%, resident: 40%}
      - from: 2021-01-01
        rows: {employee: 60%, resident: 45%}

formulas:
  subsidy: cost * table(ratio, scheme)
  large: cost >= 1000
  bed_days: days * 2

cases:
  - name: employee
    on: 2020-06-01
    inputs: {scheme: employee, cost: 1000}
    expected: {subsidy: "500.00", large: true, bed_days: 0}
"""

PASSING = """\
policy,case,on,in:scheme,in:cost,in:days,out:subsidy,out:large,out:bed_days
demo.grant,employee,2020-06-01,employee,1000,,500.00,true,0
demo.grant,,2021-03-01,resident,200,3,90,false,6
demo.grant,label,2021-03-01,职工,10.01,,6.01,,
demo.grant,english label,2020-12-31,Resident,2000.5,1,800.20,yes,2
demo.subsidy,other policy,2020-06-01,employee,1000,,,,
demo.grant,not checked,2020-06-01,employee,1,,,,
"""

FAILING = """\
policy,case,on,in:scheme,in:cost,in:days,out:subsidy,out:large,out:bed_days,error,why
demo.grant,wrong amount,2020-06-01,employee,1000,,450.00,,,,1000 x 50% is 500
demo.grant,,2021-06-01,employee,1000,,500.00,,,,the rate rose in 2021
demo.grant,wrong flag,2020-06-01,resident,999.99,,,true,,,below 1000
demo.grant,wrong days,2020-06-01,resident,1,4,,,9,,
demo.grant,not a number,2020-06-01,resident,1,,abc,,,,
demo.grant,too many places,2020-06-01,employee,0.01,,0.001,,,,
demo.grant,before the policy,2019-06-01,employee,1000,,500.00,,,,
demo.grant,negative,2020-06-01,employee,-5,,0.00,,,,
demo.grant,refused as expected,2020-06-01,employee,-5,,,,,cost,
demo.grant,refused otherwise,2020-06-01,employee,-5,,,,,scheme,
demo.grant,not refused,2020-06-01,employee,5,,,,,cost,
demo.grant,unknown scheme,2020-06-01,farmer,5,,2.50,,,,
demo.nope,unknown policy,2020-06-01,employee,5,,,,,,
demo.grant,passes among failures,2020-06-01,employee,5,,2.50,false,0,,
demo.subsidy,other policy fails,2020-06-01,resident,1000,,450.00,,,,
"""

LABELS = """\
# 参保人员补助核对表
case,on,参保类别,自付费用,补助金额,是否大额
甲,2020-06-01,职工,100,50.00,否
乙,2021-06-01,居民,100,45,否
丙,2021-06-01,居民,100,44.99,否
"""

BAD_ROWS = """\
policy,on,in:scheme,in:cost,out:subsidy
demo.grant,2020-06-01,employee,1000,500.00
demo.grant,2020-13-01,employee,1000,500.00
,2020-06-01,employee,1000,500.00
demo.grant,2020-06-01,employee,1000,500.00
"""

YAML_CASES = """\
policy: demo.grant
cases:
  - name: yaml case
    on: 2020-06-01
    inputs: {scheme: 居民, cost: 100}
    expected: {subsidy: "40.00"}
  - name: yaml failure
    on: 2020-06-01
    inputs: {scheme: employee, cost: 100}
    expected: {补助金额: "40.00"}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(case_stream, "ARROW_MIN_BYTES", 0)  # small files read as long ones are
    (tmp_path / "policies" / "demo").mkdir(parents=True)
    (tmp_path / "policies" / "demo" / "grant.yaml").write_text(POLICY, encoding="utf-8")
    shutil.copyfile(REPO / "tests/chinese/subsidy.yaml", tmp_path / "policies/demo/subsidy.yaml")
    (tmp_path / "pass.csv").write_text(PASSING, encoding="utf-8")
    (tmp_path / "fail.csv").write_text(FAILING, encoding="utf-8-sig")
    plain = "".join(line + "\n" for line in FAILING.splitlines() if "demo.nope" not in line)
    (tmp_path / "plain-fail.csv").write_text(plain, encoding="utf-8")
    (tmp_path / "labels-gbk.csv").write_bytes(LABELS.encode("gbk"))
    (tmp_path / "bad.csv").write_text(BAD_ROWS, encoding="utf-8")
    (tmp_path / "cases.yaml").write_text(YAML_CASES, encoding="utf-8")
    book = Workbook()
    sheet = book.active
    sheet.append(["policy", "case", "on", "in:scheme", "in:cost", "out:subsidy", "out:large"])
    sheet.append(["demo.grant", "cell date", dt.datetime(2020, 6, 1), "居民", 1000, 400, False])
    sheet.append(["demo.grant", "float", dt.datetime(2021, 6, 1), "employee", 0.1, 0.06, False])
    sheet.append(["demo.grant", "wrong", dt.datetime(2021, 6, 1), "employee", 10.5, 6.31, None])
    sheet.append(["demo.grant", "text date", "2020-06-01", "employee", 3, "1.50", "no"])
    book.save(tmp_path / "cases.xlsx")
    return tmp_path


def junit_tree(results) -> bytes:
    """The JUnit report as `ratebook test` wrote it before it streamed: one tree, in memory."""

    def counts(items):
        errors = sum(is_error(r) for r in items)
        failures = sum(not r.passed for r in items) - errors
        return {"tests": str(len(items)), "failures": str(failures), "errors": str(errors)}

    suites: dict[str, list] = {}
    for result in results:
        suites.setdefault(result.case.source, []).append(result)
    root = ET.Element("testsuites", {"name": "ratebook test", **counts(results)})
    for source, items in suites.items():
        suite = ET.SubElement(
            root, "testsuite", {"name": _clean(source), **counts(items), "skipped": "0"}
        )
        if source:
            suite.set("file", _clean(source))
            properties = ET.SubElement(suite, "properties")
            ET.SubElement(properties, "property", name="file", value=_clean(source))
        for result in items:
            case = result.case
            element = ET.SubElement(
                suite,
                "testcase",
                classname=_clean(case.policy),
                name=_clean(f"{case.name or case.location} (on {case.on.isoformat()})"),
            )
            if not result.passed:
                kind = "error" if is_error(result) else "failure"
                _problem(element, kind, str(case.location), result.differences)
    return _bytes(root)


def summary_before(results, verbose: bool, policies) -> list[str]:
    """The terminal report as `ratebook test` wrote it before it streamed (every case held)."""
    sources: dict[str, list] = {}
    for result in results:
        sources.setdefault(result.case.source, []).append(result)
    headers = [words(key) for key in ("test.source", "test.cases", "test.passed", "test.failed")]
    width = max([shown_width(headers[0])] + [shown_width(s) for s in sources])
    counts = [max(6, shown_width(h)) for h in headers[1:]]

    def row(first: str, *numbers: object) -> str:
        cells = [pad(str(n), w, right=True) for n, w in zip(numbers, counts, strict=True)]
        return "  ".join([pad(first, width), *cells])

    lines = [row(*headers)]
    for source, items in sources.items():
        failed = sum(not r.passed for r in items)
        lines.append(row(source, len(items), len(items) - failed, failed))
    shown = [r for r in results if verbose or not r.passed]
    if shown:
        lines.append("")
    by_id = {p.id: p for p in policies}
    for result in shown:
        case = result.case
        policy = by_id.get(case.policy)
        lines.append(
            words(
                "test.case",
                status=words("test.pass" if result.passed else "test.fail"),
                location=case.location,
                policy=named(case.policy, label_of(policy)) if policy else case.policy,
                name=words("test.case-name", name=case.name) if case.name else "",
                on=case.on.isoformat(),
            )
        )
        for difference in result.differences:
            lines.append(f"      {difference}")
    failed = sum(not r.passed for r in results)
    lines.append("")
    lines.append(
        words("test.some-failed", failed=failed, total=len(results))
        if failed
        else words("test.all-passed", total=len(results))
    )
    return lines


def one_case(root: Path, paths, verbose: bool, **options):
    """What `ratebook test` said before it streamed: every case read, then run one by one,
    reported from the list of every result (the summary and JUnit of today are checked to say
    the same of it)."""
    policies = load_project(root).policies
    cases, problems = read_cases(paths, root, policies=policies, **options)
    results = run_cases(policies, example_cases(policies) + cases)
    lines = summary_before(results, verbose, policies)
    junit = junit_tree(results)
    assert summary_lines(results, verbose, policies) == lines
    assert junit_xml(results) == junit
    if problems:  # the run stops with them: no result is reported
        return sorted(map(str, problems)), None, None
    return sorted(map(str, problems)), lines, junit


def streamed(root: Path, paths, verbose: bool, chunk_rows: int, **options):
    """The same through case_stream, every policy's part of a chunk through the batch."""
    policies = load_project(root).policies
    said = []
    for spool in (None, JunitSpool()):  # with --junit every case is kept in full; without, not
        tally = Tally(verbose, also=spool)
        for result in run_cases(policies, example_cases(policies)):
            tally.add(result)
        problems = case_stream.run_file_cases(
            paths, root, tally, policies, chunk_rows=chunk_rows, batch_min=1, **options
        )
        said.append((sorted(map(str, problems)), tally.lines(policies)))
        if spool is not None:
            junit = spool.bytes()
            spool.close()
    assert said[0] == said[1]
    if said[0][0]:  # the run stops with its problems: no result is reported
        return said[0][0], None, None
    return (*said[0], junit)


FILES = [
    ["pass.csv"],
    ["fail.csv"],
    ["plain-fail.csv"],
    ["pass.csv", "plain-fail.csv", "pass.csv"],
    ["cases.xlsx"],
    ["cases.yaml"],
    ["pass.csv", "fail.csv", "cases.xlsx", "cases.yaml"],
    ["bad.csv"],
    ["bad.csv", "pass.csv", "labels-gbk.csv"],
    ["pass.csv", "bad.csv", "plain-fail.csv"],
]


@pytest.mark.parametrize("names", FILES, ids=lambda n: "+".join(n))
@pytest.mark.parametrize("verbose", [False, True])
@pytest.mark.parametrize("chunk_rows", [1, 4, 1000])
def test_the_batch_tells_what_the_one_case_path_tells(project, names, verbose, chunk_rows):
    paths = [project / n for n in names]
    expected = one_case(project, paths, verbose)
    assert streamed(project, paths, verbose, chunk_rows) == expected


def test_labels_gbk_and_the_policy_option_read_alike(project):
    paths = [project / "labels-gbk.csv"]
    expected = one_case(project, paths, False, policy="demo.grant")
    assert streamed(project, paths, False, 2, policy="demo.grant") == expected
    problems, lines, _ = expected
    assert problems == []
    assert "3 of 5 case(s) failed" not in lines  # the example cases pass
    assert lines[-1] == "1 of 5 case(s) failed"  # 丙: 100 × 45% is 45.00, not 44.99


def test_a_plain_gbk_file_with_labels_is_read_by_arrow_and_tells_the_same(project, monkeypatch):
    plain = "".join(line + "\n" for line in LABELS.splitlines()[1:])  # no comment line
    (project / "plain-gbk.csv").write_bytes(plain.encode("gbk"))
    paths = [project / "plain-gbk.csv"]
    expected = one_case(project, paths, True, policy="demo.grant")

    def not_here(*args, **kwargs):
        raise AssertionError("read cell by cell")

    monkeypatch.setattr(case_stream, "stream_cases", not_here)
    assert streamed(project, paths, True, 2, policy="demo.grant") == expected
    assert expected[1][-1] == "1 of 5 case(s) failed"


def test_the_on_option_reads_alike(project):
    paths = [project / "pass.csv", project / "fail.csv"]
    on = dt.date(2021, 6, 1)
    assert streamed(project, paths, True, 3, on=on) == one_case(project, paths, True, on=on)


def test_the_failures_are_found_and_said_in_their_words(project):
    paths = [project / "fail.csv"]
    problems, lines, junit = streamed(project, paths, False, 1000)
    text = "\n".join(lines)
    assert "subsidy: expected 450.00, got 500.00 (difference +50.00 yuan)" in text
    assert "subsidy: expected 500.00, got 600.00 (difference +100.00 yuan)" in text  # 2021: 60%
    assert "large: expected true, got false" in text
    assert "bed_days: expected 9, got 8" in text
    assert lines[-1] == "13 of 17 case(s) failed"  # 15 rows of fail.csv, 2 example cases
    schema = etree.XMLSchema(etree.parse(str(REPO / "tests" / "consumers" / "junit-10.xsd")))
    assert schema.validate(etree.fromstring(junit)), schema.error_log


def test_the_cli_says_the_same_streamed_or_one_by_one(project, monkeypatch):
    runner = CliRunner()
    paths = [str(project / n) for n in ("pass.csv", "fail.csv", "cases.xlsx", "cases.yaml")]
    said = []
    for batch_min in (1, 10**9):
        monkeypatch.setattr(case_stream, "BATCH_MIN", batch_min)
        report = project / f"junit-{batch_min}.xml"
        for language in ("zh", "en"):
            result = runner.invoke(
                cli.main,
                ["--root", str(project), "--lang", language, "test", "-v", *paths]
                + ["--junit", str(report)],
            )
            said.append((language, result.exit_code, result.output, report.read_bytes()))
    assert said[:2] == said[2:]
    assert [exit_code for _, exit_code, _, _ in said] == [1, 1, 1, 1]
    assert "未通过" in said[0][2]
    bad = runner.invoke(cli.main, ["--root", str(project), "test", str(project / "bad.csv")])
    assert bad.exit_code == 1
    assert "bad.csv:3: " in bad.output and "bad.csv:4: " in bad.output


def test_a_long_file_holds_only_the_cases_it_lists(project, monkeypatch):
    """200,000 rows, every seventh wrong: every row counted, the first LISTED failures listed
    in full, the rest counted and said to be; only the listed ones go the one-case way."""
    rows = 200_000
    with open(project / "long.csv", "w", encoding="utf-8") as out:
        out.write("policy,on,in:scheme,in:cost,out:subsidy\n")
        for i in range(rows):
            cost = i % 5000
            wanted = f"{cost * 50 // 100}.{cost * 50 % 100:02d}"
            out.write(f"demo.grant,2020-06-01,employee,{cost},{'0.01' if i % 7 == 3 else wanted}\n")
    one_by_one = []
    original = case_stream.differences

    def counted(by_id, case):
        one_by_one.append(case)
        return original(by_id, case)

    monkeypatch.setattr(case_stream, "differences", counted)
    result = CliRunner().invoke(
        cli.main, ["--root", str(project), "test", str(project / "long.csv")]
    )
    assert result.exit_code == 1
    lines = result.output.splitlines()
    failed = len([i for i in range(rows) if i % 7 == 3])
    (row,) = [line for line in lines[:4] if "long.csv" in line]
    assert row.split()[1:] == [str(rows), str(rows - failed), str(failed)]
    assert sum(line.startswith("FAIL") for line in lines) == LISTED
    assert f"… and {failed - LISTED} more case(s) not listed" in result.output
    assert lines[-1] == f"{failed} of {rows + 2} case(s) failed"  # and 2 example cases
    assert "long.csv:5  " in result.output  # the first failure: row 3, the file's line 5
    assert len(one_by_one) == LISTED


@pytest.mark.parametrize("name", ["pass.csv", "plain-fail.csv"])
def test_a_plain_file_is_read_by_arrow_and_tells_the_same(project, monkeypatch, name):
    paths = [project / name]
    expected = one_case(project, paths, True)

    def not_here(*args, **kwargs):
        raise AssertionError("read cell by cell")

    monkeypatch.setattr(case_stream, "stream_cases", not_here)
    assert streamed(project, paths, True, 2) == expected
    assert streamed(project, paths, False, 1000) == one_case(project, paths, False)


@pytest.mark.parametrize("verbose", [False, True])
@pytest.mark.parametrize("names", [["plain-fail.csv", "pass.csv"], ["fail.csv"]])
def test_past_its_bound_the_report_counts_the_same_cases(project, verbose, names):
    """With room for 3 cases, the streamed run lists the 3 the one-case run lists first and
    says how many more there were."""
    paths = [project / n for n in names]
    policies = load_project(project).policies
    cases, _ = read_cases(paths, project, policies=policies)
    before = Tally(verbose, listed=3)
    for result in run_cases(policies, example_cases(policies) + cases):
        before.add(result)
    now = Tally(verbose, listed=3)
    for result in run_cases(policies, example_cases(policies)):
        now.add(result)
    case_stream.run_file_cases(paths, project, now, policies, chunk_rows=4, batch_min=1)
    assert now.lines(policies) == before.lines(policies)
    shown = [
        r for r in run_cases(policies, example_cases(policies) + cases) if verbose or not r.passed
    ]
    assert before.unlisted == len(shown) - 3 > 0
    assert any("more case(s) not listed" in line for line in now.lines(policies))


def test_a_junit_report_of_thousands_of_cases_has_the_bytes_of_the_whole_tree(project):
    """More cases than JunitSpool serialises at once, across chunks of Arrow and of case_files."""
    lines = ["policy,case,on,in:scheme,in:cost,out:subsidy"]
    for i in range(3000):
        wanted = f"{i * 50 // 100}.{i * 50 % 100:02d}" if i % 11 else "1.00"
        lines.append(f"demo.grant,c{i},2020-06-01,employee,{i},{wanted}")
    (project / "many.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (project / "many.yaml").write_text(YAML_CASES, encoding="utf-8")
    paths = [project / "many.csv", project / "pass.csv", project / "many.yaml"]
    expected = one_case(project, paths, False)
    assert streamed(project, paths, False, 700) == expected
    assert expected[2].count(b"<testcase ") == 3000 + 6 + 2 + 2


def test_a_long_gbk_file_read_a_chunk_at_a_time_says_where_its_bytes_stop_being_text(project):
    """Past the first megabyte the encoding is not looked at again: a byte no GBK text holds is
    refused with its line, and no case is reported."""
    rows = ["# 核对表", "policy,on,参保类别,自付费用,补助金额"]
    rows += [
        f"demo.grant,2020-06-01,职工,{i},{i * 50 // 100}.{i * 50 % 100:02d}" for i in range(40_000)
    ]
    data = ("\n".join(rows) + "\n").encode("gbk")
    assert len(data) > 1 << 20
    bad = b"demo.grant,2020-06-01,\xff\xff,1,0.50\n"
    (project / "long-gbk.csv").write_bytes(data + bad)
    result = CliRunner().invoke(
        cli.main, ["--root", str(project), "test", str(project / "long-gbk.csv")]
    )
    assert result.exit_code == 1
    assert f"long-gbk.csv:{len(rows) + 1}: " in result.output
    assert "case(s) passed" not in result.output and "case(s) failed" not in result.output
    (project / "long-gbk.csv").write_bytes(data)
    result = CliRunner().invoke(
        cli.main, ["--root", str(project), "--lang", "zh", "test", str(project / "long-gbk.csv")]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "ok：40002 个案例全部通过"
