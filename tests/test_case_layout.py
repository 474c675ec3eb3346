"""One case-file layout for `eval --cases`, `test` and `diff`.

Plain columns headed by an input's id or its Chinese or English label (what a payment system
exports), with optional `policy`, `on`, `case` and expected-output columns (an output's id or
label); `in:`/`out:` stay accepted. The policy is the tests' own `ALLOWANCE`
(tests/made_policies.py): 40 yuan per square metre for the employee scheme, 60 for the
resident scheme.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli

from .made_policies import ALLOWANCE, built_with_the_cli

# the layout a payment system exports: labels for headers, an expected output, no prefixes
PLAIN = """\
policy,case,on,参保类别,Service area,建设补助
test.allowance,employee by label,2012-07-01,职工,10,400.00
test.allowance,resident by English label,2012-07-01,Resident,10,600.00
test.allowance,resident by id,2012-07-01,resident,2.5,150.00
"""


def run(root: Path, *args: str):
    return CliRunner().invoke(cli.main, ["--root", str(root), *args])


@pytest.fixture
def project(tmp_path) -> Path:
    return built_with_the_cli(tmp_path / "project", "test.allowance", ALLOWANCE)


def eval_cases(root: Path, cases: Path, out: Path, errors: Path):
    return run(
        root, "eval", "test.allowance", "--cases", str(cases), "--out", str(out),
        "--errors", str(errors),
    )  # fmt: skip


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rows_of(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_the_same_plain_file_works_for_eval_cases_test_and_diff(project, tmp_path):
    cases = write(tmp_path / "cases.csv", PLAIN)
    out, errors = tmp_path / "out.csv", tmp_path / "errors.csv"
    result = eval_cases(project, cases, out, errors)
    assert result.exit_code == 0, result.output
    assert [r["subsidy"] for r in rows_of(out)] == ["400.00", "600.00", "150.00"]
    assert rows_of(errors) == []

    result = run(project, "test", str(cases), "-v")
    assert result.exit_code == 0, result.output
    assert "ok: 3 case(s) passed" in result.output

    base = tmp_path / "base"
    shutil.copytree(project, base)
    result = run(project, "diff", "--base", str(base), "--cases", str(cases))
    assert result.exit_code == 0, result.output
    assert "cases: 3" in result.output
    assert "refused" not in result.output


def test_an_expected_output_under_its_label_is_checked(project, tmp_path):
    cases = write(tmp_path / "cases.csv", PLAIN.replace(",10,400.00", ",10,401.00"))
    result = run(project, "test", str(cases))
    assert result.exit_code == 1
    assert "subsidy: expected 401.00, got 400.00" in result.output


def test_a_row_of_another_policy_is_refused_in_eval_cases_never_evaluated(project, tmp_path):
    cases = write(
        tmp_path / "cases.csv",
        PLAIN + "medical.secondary_compensation,other,2012-07-01,职工,10,\n",
    )
    out, errors = tmp_path / "out.csv", tmp_path / "errors.csv"
    result = eval_cases(project, cases, out, errors)
    assert "rows in: 4  =  rows out: 3  +  rows rejected: 1" in result.output
    assert [r["case"] for r in rows_of(out)] == [
        "employee by label",
        "resident by English label",
        "resident by id",
    ]
    [refused] = rows_of(errors)
    assert (refused["row"], refused["field"]) == ("4", "policy")
    assert "for policy 'medical.secondary_compensation', not test.allowance" in refused["reason"]


def test_a_file_without_a_policy_column_needs_the_policy_option_for_test_and_diff(
    project, tmp_path
):
    plain = "\n".join(line.split(",", 1)[1] for line in PLAIN.splitlines()) + "\n"
    cases = write(tmp_path / "cases.csv", plain)
    refused = run(project, "test", str(cases))
    assert refused.exit_code == 1
    assert "the file has no policy column: give the policy with --policy ID" in refused.output
    result = run(project, "test", "--policy", "test.allowance", str(cases))
    assert result.exit_code == 0, result.output
    assert "ok: 3 case(s) passed" in result.output
    base = tmp_path / "base"
    shutil.copytree(project, base)
    result = run(
        project, "diff", "--base", str(base), "--cases", str(cases), "--policy", "test.allowance"
    )
    assert result.exit_code == 0, result.output
    assert "cases: 3" in result.output


def test_the_prefixed_layout_is_still_read(project, tmp_path):
    cases = write(
        tmp_path / "cases.csv",
        "policy,on,in:scheme,in:area,out:subsidy\ntest.allowance,2012-07-01,居民,1,60.00\n",
    )
    assert run(project, "test", str(cases)).exit_code == 0
    out, errors = tmp_path / "out.csv", tmp_path / "errors.csv"
    assert eval_cases(project, cases, out, errors).exit_code == 0
    assert [r["subsidy"] for r in rows_of(out)] == ["60.00"]


def test_a_header_that_could_name_two_fields_is_refused_with_the_candidates(project, tmp_path):
    policy = project / "policies" / "test" / "allowance.yaml"
    policy.write_text(ALLOWANCE.replace("en: Construction subsidy", "en: Service area"), "utf-8")
    assert run(project, "build").exit_code == 0
    cases = write(tmp_path / "cases.csv", PLAIN)
    result = run(project, "test", str(cases))
    assert result.exit_code == 1
    assert "column 'Service area' could be in:area, out:subsidy" in result.output
    out, errors = tmp_path / "out.csv", tmp_path / "errors.csv"
    result = eval_cases(project, cases, out, errors)
    assert result.exit_code != 0
    assert "column 'Service area' could be in:area, out:subsidy" in result.output
    assert "Traceback" not in result.output


def test_a_header_that_names_no_field_of_the_policy_is_refused_listing_the_columns(
    project, tmp_path
):
    cases = write(tmp_path / "cases.csv", "policy,on,income\ntest.allowance,2012-07-01,1\n")
    result = run(project, "test", str(cases))
    assert result.exit_code == 1
    assert (
        "cases.csv:1: unknown column 'income'; allowed: policy, case, on, error, why, "
        "in:<input>, out:<output>"
    ) in result.output


def test_a_gbk_file_with_label_headers_gives_what_the_utf8_id_file_gives(project, tmp_path):
    """What Chinese Excel saves (GBK, Chinese headers, 2012/7/1) is the same cases as the
    id-headed UTF-8 file a machine writes."""
    by_id = write(
        tmp_path / "ids.csv",
        "policy,on,scheme,area\ntest.allowance,2012-07-01,employee,10\n"
        "test.allowance,2012-07-01,resident,2.5\n",
    )
    by_label = tmp_path / "labels.csv"
    by_label.write_bytes(
        "policy,on,参保类别,服务场地面积\ntest.allowance,2012/7/1,职工,10\n"
        "test.allowance,2012年7月1日,居民,2.5\n".encode("gbk")
    )
    results = []
    for cases in (by_id, by_label):
        out, errors = tmp_path / f"{cases.stem}.out.csv", tmp_path / f"{cases.stem}.errors.csv"
        result = eval_cases(project, cases, out, errors)
        assert result.exit_code == 0, result.output
        results.append([r["subsidy"] for r in rows_of(out)])
    assert results == [["400.00", "150.00"], ["400.00", "150.00"]]


def test_yaml_and_json_lines_cases_may_name_fields_by_label_too(project, tmp_path):
    cases = write(
        tmp_path / "cases.yaml",
        "policy: test.allowance\ncases:\n"
        "  - on: 2012-07-01\n    inputs: {参保类别: 职工, Service area: 10}\n"
        "    expected: {建设补助: 400.00}\n",
    )
    result = run(project, "test", str(cases))
    assert result.exit_code == 0, result.output
    lines = write(
        tmp_path / "cases.jsonl",
        '{"on": "2012-07-01", "Scheme": "Resident", "服务场地面积": "2.5"}\n',
    )
    out, errors = tmp_path / "out.csv", tmp_path / "errors.csv"
    result = eval_cases(project, lines, out, errors)
    assert result.exit_code == 0, result.output
    assert [r["subsidy"] for r in rows_of(out)] == ["150.00"]


# what a payment system exports: no policy column, no dates (the run names both)
EXPORT = """\
参保类别,服务场地面积,建设补助
职工,10,400.00
居民,2.5,150.00
"""


def test_a_file_without_policy_and_on_columns_works_for_eval_test_and_diff_given_both(
    project, tmp_path
):
    cases = write(tmp_path / "export.csv", EXPORT)
    out = tmp_path / "out.csv"
    result = run(
        project, "eval", "test.allowance", "--cases", str(cases), "--out", str(out),
        "--on", "2012/7/1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [r["subsidy"] for r in rows_of(out)] == ["400.00", "150.00"]

    refused = run(project, "test", "--policy", "test.allowance", str(cases))
    assert refused.exit_code == 1
    assert "no 'on' column: add it, or give the date of every case with --on DATE" in refused.output

    result = run(project, "test", "--policy", "test.allowance", "--on", "2012/7/1", str(cases))
    assert result.exit_code == 0, result.output
    assert "ok: 2 case(s) passed" in result.output

    early = run(project, "test", "--policy", "test.allowance", "--on", "2011-07-01", str(cases))
    assert early.exit_code == 1  # before the policy's 2012-01-01: the date given is the one used

    base = tmp_path / "base"
    shutil.copytree(project, base)
    result = run(
        project, "diff", "--base", str(base), "--policy", "test.allowance", "--on", "2012-07-01",
        "--cases", str(cases),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "cases: 2" in result.output


def test_on_gives_every_case_its_date_in_test_as_in_eval_cases(project, tmp_path):
    dated = write(tmp_path / "dated.csv", PLAIN.replace("2012-07-01", "2011-07-01"))
    assert run(project, "test", str(dated)).exit_code == 1  # 2011: not yet in force
    result = run(project, "test", "--on", "2012-07-01", str(dated))
    assert result.exit_code == 0, result.output
    assert "ok: 3 case(s) passed" in result.output
