"""`ratebook diff`: the rule changes between two versions in words, and their effect on cases,
checked on small trees (a few shipped YAML policies and the demo.copay fixture) with numbers
worked by hand."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from generator.checks.project import load_project
from generator.compile.test_tables import table_rows
from generator.regress.diff import compare
from generator.regress.report import terminal_lines

from .conftest import ROOT

SHIPPED = ("unemployment/benefit.yaml", "pension/death_benefits.yaml", "platform/staffing.yaml")
COPAY = Path(__file__).parent / "diff_fixtures" / "demo" / "copay.yaml"


def tree(folder: Path) -> Path:
    """A small project: three shipped YAML policies and the demo.copay fixture."""
    for relative in SHIPPED:
        (folder / "policies" / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "policies" / relative, folder / "policies" / relative)
    (folder / "policies" / "demo").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(COPAY, folder / "policies" / "demo" / "copay.yaml")
    return folder


def edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / "policies" / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def trees(tmp_path):
    return tree(tmp_path / "base"), tree(tmp_path / "head")


def cases_file(folder: Path, header: str, *rows: str) -> Path:
    path = folder / "cases.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def impact_of(report, policy: str, output: str):
    return next(
        o
        for p in report.impact.policies
        if p.policy == policy
        for o in p.outputs
        if o.output == output
    )


def words(report) -> list[str]:
    return [c.words() for c in report.rules]


def run(*args, root: Path):
    return CliRunner().invoke(cli.main, ["--root", str(root), *args])


# -- the four kinds of change the issue names ---------------------------------------------------------


def test_a_changed_rate_is_named_with_its_bracket_and_its_effect_on_real_cases(trees, tmp_path):
    base, head = trees
    edit(head, "demo/copay.yaml", "{over: 5000, rate: 20%}", "{over: 5000, rate: 25%}")
    given = cases_file(
        tmp_path,
        "policy,on,in:scheme,in:cost",
        "demo.copay,2012-06-01,employee,3000",  # below 5000: 200 both
        "demo.copay,2012-06-01,employee,7000",  # 400 + 2000 × 20% = 800 → 400 + 2000 × 25% = 900
        "demo.copay,2012-06-01,employee,10000",  # 400 + 5000 × 20% = 1400 → 1650
        "demo.copay,2012-06-01,resident,10000",
    )  # 5% of 10000 = 500 both
    report = compare(head, str(base), [given])
    assert words(report) == [
        "demo.copay: employee_scale bracket over 5,000 rate 20% → 25% from 2012-01-01"
    ]
    o = impact_of(report, "demo.copay", "copay")
    assert (o.cases, o.compared, o.changed, o.up, o.down) == (4, 4, 2, 2, 0)
    assert [o.stat(s) for s in ("min", "median", "max", "total")] == [
        Decimal(100),
        Decimal(175),
        Decimal(250),
        Decimal(350),
    ]
    biggest = o.biggest()[0]
    assert (biggest.base, biggest.head, biggest.change) == (
        Decimal("1400.00"),
        Decimal("1650.00"),
        Decimal("250.00"),
    )
    assert biggest.case.inputs_text() == "scheme=employee, cost=10000"


def test_a_moved_bracket_edge_is_named_and_the_cases_between_the_old_and_new_edge_change(trees):
    base, head = trees
    edit(head, "platform/staffing.yaml", "{below: 3000, amount: 1}", "{below: 2500, amount: 1}")
    edit(
        head, "platform/staffing.yaml", "{at_least: 3000, amount: 2}", "{at_least: 2500, amount: 2}"
    )
    report = compare(head, str(base))
    assert words(report) == [
        "platform.staffing: village_staff boundary 3,000 → 2,500 from 2012-08-14"
    ]
    o = impact_of(report, "platform.staffing", "min_staff")
    changed = sorted(
        (c.case.on.isoformat(), dict(c.case.inputs)["registered_population"], c.base, c.head)
        for c in o.listed
    )
    # the test tables of both versions hold 2499/2500/2501 and 2999/3000/3001 on 2012-08-14, and the
    # policy's example of 2,999 villagers on 2012-09-01: those from 2,500 up to 2,999 now get 2 staff
    assert changed == [
        ("2012-08-14", 2500, 1, 2),
        ("2012-08-14", 2501, 1, 2),
        ("2012-08-14", 2999, 1, 2),
        ("2012-09-01", 2999, 1, 2),
    ]
    assert (o.changed, o.up, o.down, o.stat("total")) == (4, 4, 0, Decimal(4))
    assert any(
        "case 'village of 2,999 residents': min_staff expected 1, the formulas give 2" in line
        for line in report.failing_examples
    )


def raise_the_standard_in_2013(head: Path) -> None:
    """The unemployment benefit's standard: 520 from 2012-07-01, then 560 from 2013-01-01."""
    edit(
        head,
        "unemployment/benefit.yaml",
        "      - {from: 2012-07-01, value: 520}\n",
        "      - {from: 2012-07-01, value: 520}\n      - {from: 2013-01-01, value: 560}\n",
    )


def test_a_new_dated_value_is_named_with_its_date_and_only_later_cases_change(trees, tmp_path):
    base, head = trees
    raise_the_standard_in_2013(head)
    given = cases_file(
        tmp_path,
        "policy,on,in:min_living_standard,in:min_wage",
        "unemployment.benefit,2012-12-31,300,1140",  # still 520
        "unemployment.benefit,2013-01-01,300,1140",  # 520 → 560
        "unemployment.benefit,2013-06-01,420,1140",  # 1.3 × 420 = 546 → 560
        "unemployment.benefit,2013-06-01,300,500",
    )  # capped at the minimum wage: 500
    report = compare(head, str(base), [given])
    assert words(report) == ["unemployment.benefit: standard 520 → 560 from 2013-01-01"]
    o = impact_of(report, "unemployment.benefit", "monthly_benefit")
    assert (o.compared, o.changed, o.up, o.down) == (4, 2, 2, 0)
    assert [o.stat(s) for s in ("min", "median", "max", "total")] == [
        Decimal(14),
        Decimal(27),
        Decimal(40),
        Decimal(54),
    ]
    tables = compare(head, str(base))
    o = impact_of(tables, "unemployment.benefit", "monthly_benefit")
    assert [(c.case.label, c.base, c.head) for c in o.listed] == [
        ("2013-01-01: new values of standard", Decimal("520.00"), Decimal("560.00"))
    ]


def test_a_removed_policy_is_named_and_its_cases_are_counted_as_no_longer_evaluated(trees):
    base, head = trees
    (head / "policies" / "pension" / "death_benefits.yaml").unlink()
    report = compare(head, str(base))
    assert words(report) == ["pension.death_benefits: policy removed"]
    removed = next(p for p in report.impact.policies if p.policy == "pension.death_benefits")
    policy = load_project(base).policy("pension.death_benefits")
    assert (removed.status, removed.cases) == ("removed", len(table_rows(policy)))
    assert report.any_change
    lines = "\n".join(terminal_lines(report))
    assert (
        f"pension.death_benefits: {len(table_rows(policy))} case(s) no longer evaluated (policy removed)"
        in lines
    )


def test_an_added_policy_is_named_as_new(trees):
    base, head = trees
    (base / "policies" / "demo" / "copay.yaml").unlink()
    report = compare(head, str(base))
    assert words(report) == [
        "demo.copay: new policy (Test co-payment (a fixture for diff and table tests))"
    ]


def test_the_diff_of_two_identical_trees_is_empty(trees):
    base, head = trees
    report = compare(head, str(base))
    assert report.rules == []
    assert not report.impact.any_change and not report.any_change
    assert report.impact.cases > 0
    result = run("diff", "--base", str(base), "--fail-on-change", root=head)
    assert result.exit_code == 0, result.output
    assert "no policy changed" in result.output and "no case changed" in result.output


# -- words for other changes of dated values ----------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            "{from: 2012-07-01, value: 520}",
            "{from: 2012-07-01, value: 530}",
            "standard 520 → 530 from 2012-07-01",
        ),
        (
            "{from: 2012-07-01, value: 520}",
            "{from: 2012-07-01, value: 520}\n      - {from: 2013-01-01, value: 520}",
            None,
        ),
        (
            "{from: 2012-07-01, value: 520}",
            "{from: 2012-06-01, value: 520}",
            "standard (not in force) → 520 from 2012-06-01 to 2012-06-30",
        ),
        (
            "{from: 2012-07-01, value: 520}",
            "{from: 2012-07-01, value: 530}\n      - {from: 2013-01-01, value: 520}",
            "standard 520 → 530 from 2012-07-01 to 2012-12-31",
        ),
    ],
)
def test_dated_values_are_compared_as_what_is_in_force_on_each_day(trees, old, new, expected):
    base, head = trees
    edit(head, "unemployment/benefit.yaml", old, new)
    report = compare(head, str(base))
    change = next((c for c in report.rules if c.policy == "unemployment.benefit"), None)
    if expected is None:
        assert change is None or not change.is_rule_change
    else:
        assert expected in change.changes


def test_a_table_row_and_a_boundary_given_to_the_other_side_are_named(trees):
    base, head = trees
    edit(
        head,
        "pension/death_benefits.yaml",
        "rows: {illness: 6000, non_work_injury: 6000}",
        "rows: {illness: 6500, non_work_injury: 6000}",
    )
    edit(head, "platform/staffing.yaml", "{below: 3000, amount: 1}", "{up_to: 3000, amount: 1}")
    edit(head, "platform/staffing.yaml", "{at_least: 3000, amount: 2}", "{over: 3000, amount: 2}")
    report = compare(head, str(base))
    assert words(report) == [
        "pension.death_benefits: funeral_grant_by_cause[illness] 6,000 → 6,500 from 2012-03-01",
        "platform.staffing: village_staff boundary 3,000 now belongs to the bracket below it from 2012-08-14",
    ]


def test_a_change_of_notes_only_is_not_a_rule_change(trees):
    base, head = trees
    edit(
        head,
        "unemployment/benefit.yaml",
        "  - The standard is 520 yuan a month",
        "  - The standard is 520 yuan per month",
    )
    report = compare(head, str(base))
    assert words(report) == [
        "unemployment.benefit: no rule changed (titles, notes, sources or examples only)"
    ]
    assert not report.any_change


# -- the command --------------------------------------------------------------------------------------


def test_diff_prints_a_summary_writes_the_reports_and_fails_on_change_when_asked(trees, tmp_path):
    base, head = trees
    raise_the_standard_in_2013(head)
    outs = [tmp_path / "report.md", tmp_path / "report.xlsx", tmp_path / "report.csv"]
    result = run(
        "diff", "--base", str(base), *[a for o in outs for a in ("--out", str(o))], root=head
    )
    assert result.exit_code == 0, result.output
    assert "unemployment.benefit: standard 520 → 560 from 2013-01-01" in result.output
    assert "+40.00  520.00 → 560.00  on 2013-01-01" in result.output
    markdown = outs[0].read_text(encoding="utf-8")
    assert "# Rule changes:" in markdown and "- standard 520 → 560 from 2013-01-01" in markdown
    assert "| unemployment.benefit | monthly_benefit | yuan/month |" in markdown
    from openpyxl import load_workbook

    book = load_workbook(outs[1], read_only=True)
    assert book.sheetnames == ["rules", "impact", "changes", "not compared"]
    changes = list(book["changes"].iter_rows(values_only=True))
    assert (
        changes[1][:3] == ("unemployment.benefit", "monthly_benefit", "yuan/month")
        and changes[1][8] == 40
    )
    # for Excel: UTF-8 with a byte-order mark, which utf-8-sig skips
    assert outs[2].read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(outs[2].read_text(encoding="utf-8-sig"))))
    assert [(r["policy"], r["base"], r["new"], r["change"]) for r in rows if r["output"]] == [
        ("unemployment.benefit", "520.00", "560.00", "+40.00")
    ]  # then the table cases neither version has in force, output left empty
    failing = run("diff", "--base", str(base), "--fail-on-change", root=head)
    assert failing.exit_code == 1


def test_a_git_ref_is_read_without_touching_the_working_tree(tmp_path):
    repo = tree(tmp_path / "repo")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(git + ["init", "-q", "-b", "main"], check=True)
    subprocess.run(git + ["add", "policies"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "rules of 2012"], check=True)
    edit(repo, "unemployment/benefit.yaml", "value: 520}", "value: 530}")
    edited = (repo / "policies/unemployment/benefit.yaml").read_bytes()
    result = run("diff", "--base", "main", root=repo)
    assert result.exit_code == 0, result.output
    assert "rules: main (" in result.output
    assert "unemployment.benefit: standard 520 → 530 from 2012-07-01" in result.output
    assert (repo / "policies/unemployment/benefit.yaml").read_bytes() == edited
    status = subprocess.run(
        git + ["status", "--porcelain"], capture_output=True, text=True, check=True
    ).stdout
    assert status.strip() == "M policies/unemployment/benefit.yaml"


def test_a_base_that_is_neither_a_folder_nor_a_ref_is_a_usage_error(trees):
    _, head = trees
    result = run("diff", "--base", "no-such-ref", root=head)
    assert result.exit_code == 2
    assert "--base no-such-ref: neither a folder nor a git ref" in result.output


def test_an_invalid_tree_is_an_error_showing_its_findings(trees):
    base, head = trees
    edit(base, "unemployment/benefit.yaml", "value: 520}", "value: 52O}")
    result = run("diff", "--base", str(base), root=head)
    assert result.exit_code == 1
    assert "policies/unemployment/benefit.yaml:" in result.output and "'52O'" in result.output
    assert f"error(s) in the policies of base {base}" in result.output


def test_diff_with_case_files_ignores_their_expected_outputs_and_names_unknown_policies(
    trees, tmp_path
):
    base, head = trees
    given = cases_file(
        tmp_path,
        "policy,on,in:min_living_standard,in:min_wage,out:monthly_benefit",
        "unemployment.benefit,2013-01-01,300,1140,999.00",
        "gone.policy,2013-01-01,,,",
    )
    report = compare(head, str(base), [given])
    assert report.impact.cases == 2 and report.impact.unknown == 1
    assert not report.any_change


def test_a_report_file_of_an_unknown_kind_is_a_usage_error(trees, tmp_path):
    base, head = trees
    result = run("diff", "--base", str(base), "--out", str(tmp_path / "report.pdf"), root=head)
    assert result.exit_code == 2
    assert "write a .md, .xlsx or .csv file" in result.output


def test_a_bad_case_file_stops_the_diff_with_its_place(trees, tmp_path):
    base, head = trees
    given = cases_file(tmp_path, "policy,on,in:min_wage", "unemployment.benefit,2013-02-30,1140")
    result = run("diff", "--base", str(base), "--cases", str(given), root=head)
    assert result.exit_code == 1
    assert "cases.csv:2: on: '2013-02-30' is not a real date" in result.output


# -- nothing dropped silently -------------------------------------------------------------------------


def test_every_case_not_compared_is_listed_with_its_reason_and_the_counts_add_up(trees, tmp_path):
    base, head = trees
    # the new version: the employee scale in force from March, costs below 100 refused, a new
    # policy demo.copay2, platform.staffing removed
    edit(
        head,
        "demo/copay.yaml",
        "      - from: 2012-01-01\n        brackets:",
        "      - from: 2012-03-01\n        brackets:",
    )
    edit(head, "demo/copay.yaml", "    min: 0\n", "    min: 100\n")
    added = (head / "policies" / "demo" / "copay.yaml").read_text(encoding="utf-8")
    (head / "policies" / "demo" / "copay2.yaml").write_text(
        added.replace("id: demo.copay\n", "id: demo.copay2\n"), encoding="utf-8"
    )
    (head / "policies" / "platform" / "staffing.yaml").unlink()
    given = cases_file(
        tmp_path,
        "policy,on,in:scheme,in:cost,in:level,in:registered_population",
        "demo.copay,2012-06-01,employee,3000,,",  # compared: 200 both
        "demo.copay,2012-06-01,resident,10000,,",  # compared: 500 both
        "demo.copay,2011-06-01,employee,3000,,",  # neither version in force
        "demo.copay,2012-02-01,employee,3000,,",  # in force in the base only
        "demo.copay,2012-06-01,resident,50,,",  # below the new minimum
        "demo.copay2,2012-06-01,employee,3000,,",  # only the new version has it
        "platform.staffing,2013-01-01,,,township,10000",  # only the base has it
        "gone.policy,2013-01-01,,,,",  # neither has it
    )
    report = compare(head, str(base), [given])
    impact = report.impact
    assert (impact.cases, impact.compared) == (8, 2)
    assert impact.counts() == [
        ("refused-both", 1),
        ("not-in-force-new", 1),
        ("refused-new", 1),
        ("policy-added", 1),
        ("policy-removed", 1),
        ("policy-unknown", 1),
    ]
    assert impact.compared + sum(n for _, n in impact.counts()) == impact.cases
    listed = {(u.case.policy, u.case.on.isoformat(), u.reason) for u in impact.uncompared}
    assert listed == {
        ("demo.copay", "2011-06-01", "refused-both"),
        ("demo.copay", "2012-02-01", "not-in-force-new"),
        ("demo.copay", "2012-06-01", "refused-new"),
        ("demo.copay2", "2012-06-01", "policy-added"),
        ("platform.staffing", "2013-01-01", "policy-removed"),
        ("gone.policy", "2013-01-01", "policy-unknown"),
    }
    total = (
        "8 case(s) = 2 compared + 1 refused by both versions + 1 evaluated under the base, "
        "not in force now + 1 evaluated under the base, refused now + 1 of a policy the base "
        "does not have + 1 of a policy the new version does not have + 1 of a policy neither "
        "version has"
    )
    refusal = "not in force: employee_scale: not in force on 2011-06-01"

    terminal = "\n".join(terminal_lines(report))
    assert total in terminal
    assert "not compared, refused by both versions:" in terminal
    assert "demo.copay  2011-06-01  scheme=employee, cost=3000" in terminal
    assert refusal in terminal and "gone.policy  2013-01-01" in terminal

    outs = [tmp_path / "report.md", tmp_path / "report.xlsx", tmp_path / "report.csv"]
    result = run(
        "diff",
        "--base",
        str(base),
        "--cases",
        str(given),
        *[a for o in outs for a in ("--out", str(o))],
        root=head,
    )
    assert result.exit_code == 0, result.output
    assert total in result.output

    markdown = outs[0].read_text(encoding="utf-8")
    assert total + "." in markdown and "### Cases not compared (6)" in markdown
    table = [line for line in markdown.splitlines() if line.startswith("| demo.copay |")]
    assert any("refused by both versions" in line and refusal in line for line in table)
    assert "| gone.policy |" in markdown and "of a policy neither version has" in markdown

    from openpyxl import load_workbook

    book = load_workbook(outs[1], read_only=True)
    assert book.sheetnames == ["rules", "impact", "changes", "not compared"]
    sheet = list(book["not compared"].iter_rows(values_only=True))
    assert sheet[0][0] == total and sheet[1][:5] == ("policy", "case", "on", "inputs", "reason")
    assert sorted((r[0], r[2], r[4]) for r in sheet[2:]) == sorted(
        (p, on, w)
        for p, on, w in [
            ("demo.copay", "2011-06-01", "refused by both versions"),
            ("demo.copay", "2012-02-01", "evaluated under the base, not in force now"),
            ("demo.copay", "2012-06-01", "evaluated under the base, refused now"),
            ("demo.copay2", "2012-06-01", "of a policy the base does not have"),
            ("platform.staffing", "2013-01-01", "of a policy the new version does not have"),
            ("gone.policy", "2013-01-01", "of a policy neither version has"),
        ]
    )
    assert list(book["impact"].iter_rows(values_only=True))[0][1] == total

    rows = list(csv.DictReader(io.StringIO(outs[2].read_text(encoding="utf-8-sig"))))
    not_compared = [r for r in rows if not r["output"]]
    assert len(not_compared) == 6
    both = next(r for r in not_compared if r["on"] == "2011-06-01")
    assert both["note"].startswith("refused by both versions: " + refusal)
