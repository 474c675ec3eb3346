"""Generated test tables: boundary cases derived from each policy, outputs from the interpreter,
the same bytes on every build, and a build that stops when a generated module disagrees."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from generator.checks.project import load_project
from generator.compile.build import emit_all, module_path
from generator.compile.table_check import check_tables
from generator.compile.test_tables import emit_tables, evaluated_rows, table_rows

from .conftest import ROOT

FIXTURES = Path(__file__).parent / "diff_fixtures"


@pytest.fixture(scope="module")
def copay(tmp_path_factory):
    """The fixture demo.copay: a marginal scale reached when scheme = employee, a rate otherwise."""
    folder = tmp_path_factory.mktemp("copay")
    (folder / "policies" / "demo").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "demo" / "copay.yaml", folder / "policies" / "demo" / "copay.yaml")
    project = load_project(folder)
    assert project.ok, project.findings.errors
    return project.policy("demo.copay")


def rows_of(policy) -> list[dict]:
    text = emit_tables(policy)[f"tables/{policy.id}.csv"]
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def find(rows, **cells) -> dict:
    found = [r for r in rows if all(r[k] == v for k, v in cells.items())]
    assert len(found) == 1, (cells, found)
    return found[0]


def test_each_bracket_edge_is_tried_a_fen_below_at_and_a_fen_above_under_the_enum_value_that_reaches_the_scale(
    copay,
):
    rows = rows_of(copay)
    for cost, copay_ in (
        ("4999.99", "400.00"),
        ("5000", "400.00"),
        ("5000.01", "400.00"),
        ("999.99", "0.00"),
        ("1000", "0.00"),
        ("1000.01", "0.00"),
    ):
        row = find(rows, **{"in:cost": cost, "on": "2012-01-01"})
        assert row["in:scheme"] == "employee"
        assert row["out:copay"] == copay_
        assert "employee_scale boundary" in row["case"]


def test_whole_number_inputs_are_tried_one_below_at_and_one_above_an_edge(project):
    rows = rows_of(project.policy("platform.staffing"))
    for population, staff in (("2999", "1"), ("3000", "2"), ("3001", "2")):
        row = find(rows, **{"in:registered_population": population, "on": "2012-08-14"})
        assert row["in:level"] == "village", (
            "the scale is reached in the else branch of level = township"
        )
        assert row["out:min_staff"] == staff


def test_a_threshold_an_input_is_compared_with_gives_three_cases(project):
    rows = rows_of(project.policy("pension.resident_basic"))
    got = {
        r["in:age"]: r["out:monthly_basic_pension"]
        for r in rows
        if r["case"].startswith("age >= min_age (60)") or "age >= min_age (60)" in r["case"]
    }
    assert got == {"59": "0.00", "60": "60.00", "61": "60.00"}


def test_every_enum_value_and_both_booleans_appear(project):
    rows = rows_of(project.policy("platform.coordinator_eligibility"))
    assert {r["in:education"] for r in rows} >= {
        "below_high_school",
        "high_school",
        "college",
        "bachelor",
        "master",
        "doctor",
    }
    assert {r["in:computer_skills"] for r in rows} == {"true", "false"}


def test_each_change_date_gives_the_day_before_and_the_day_and_a_refusal_is_kept_with_its_message(
    project,
):
    rows = rows_of(project.policy("pension.death_benefits"))
    before = find(rows, on="2012-02-29", **{"in:cause": "illness"})
    day = find(rows, on="2012-03-01", **{"in:cause": "illness"})
    assert (
        "day before 2012-03-01 (funeral_grant_by_cause, survivor_lump_sum_by_cause change)"
        in before["case"]
    )
    assert (
        "2012-03-01: new values of funeral_grant_by_cause, survivor_lump_sum_by_cause"
        in day["case"]
    )
    assert (before["out:funeral_grant"], before["out:survivor_lump_sum"]) == ("5200.00", "5200.00")
    assert (day["out:funeral_grant"], day["out:survivor_lump_sum"]) == ("6000.00", "15000.00")
    first = find(rows, on="2010-12-31")
    assert first["out:funeral_grant"] == ""
    assert first["error"] == (
        "not in force: funeral_grant_by_cause: not in force on 2010-12-31: "
        "the first value applies from 2011-01-01"
    )


def test_the_policys_own_example_cases_are_in_its_table(project):
    policy = project.policy("unemployment.benefit")
    labels = " | ".join(r["case"] for r in rows_of(policy))
    for case in policy.cases:
        assert f"example: {case.name}" in labels


def test_a_case_found_twice_is_one_row_with_both_reasons(copay):
    rows = rows_of(copay)
    assert (
        find(rows, on="2012-06-01", **{"in:cost": "6000", "in:scheme": "employee"})["case"]
        == "example: employee, 6,000 | scheme = employee"
    )
    keys = [(r["on"], r["in:scheme"], r["in:cost"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_edges_outside_an_inputs_declared_bounds_are_left_out(project):
    policy = project.policy("platform.construction_subsidy")
    assert all(Decimal(dict(r.inputs)["service_area_m2"]) >= 0 for r in table_rows(policy))


def test_two_emissions_give_the_same_bytes_and_the_workbook_carries_no_save_time(project):
    policy = project.policy("unemployment.benefit")
    first, second = emit_tables(policy), emit_tables(policy)
    assert first == second
    book = first["tables/unemployment.benefit.xlsx"]
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        core = archive.read("docProps/core.xml").decode()
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "2000-01-01T00:00:00Z" in core and str(dt.date.today().year) not in core


def test_the_workbook_holds_the_same_cases_as_the_csv(project):
    from openpyxl import load_workbook

    policy = project.policy("medical.secondary_compensation")
    files = emit_tables(policy)
    sheet = load_workbook(io.BytesIO(files[f"tables/{policy.id}.xlsx"]), read_only=True).worksheets[
        0
    ]
    values = [
        r for r in sheet.iter_rows(values_only=True) if r[0] and not str(r[0]).startswith("#")
    ]
    assert len(values) - 1 == len(rows_of(policy))
    assert values[0][:3] == ("policy", "case", "on")


def test_the_tables_are_part_of_the_build_and_current_in_generated(project):
    files = emit_all(project)
    for policy in project.policies:
        assert f"tables/{policy.id}.csv" in files and isinstance(
            files[f"tables/{policy.id}.xlsx"], bytes
        )
        assert (ROOT / "generated" / "tables" / f"{policy.id}.csv").read_text(
            encoding="utf-8"
        ) == files[f"tables/{policy.id}.csv"]


def test_the_generated_modules_agree_with_every_row_of_every_table(project):
    assert check_tables(project, emit_all(project)) == []


def test_a_row_kernel_that_disagrees_is_named_though_numba_is_not_asked_for(project):
    """The build runs each test table through evaluate_rows as plain Python: a kernel whose
    constant is wrong (521 yuan instead of 520) is caught at build, not by the first
    `--engine numba` run of a million rows."""
    files = emit_all(project)
    policy = project.policy("unemployment.benefit")
    text = files[module_path(policy)]
    assert "    (520,),  # _k2\n" in text
    files[module_path(policy)] = text.replace("    (520,),  # _k2\n", "    (521,),  # _k2\n")
    findings = check_tables(project, files)
    assert findings and {f.key for f in findings} == {"table-disagreement.rows"}
    assert str(findings[0].location).startswith("generated/tables/unemployment.benefit.csv:")
    assert "the generated module's row kernel (evaluate_rows" in findings[0].message
    assert "monthly_benefit 521.00" in findings[0].message


def test_a_module_that_disagrees_is_named_with_the_policy_the_case_and_the_table_row(project):
    files = emit_all(project)
    policy = project.policy("unemployment.benefit")
    files[module_path(policy)] = files[module_path(policy)].replace("D('520')", "D('521')")
    findings = check_tables(project, files)
    assert findings
    first = findings[0]
    assert first.code == "table-disagreement"
    assert str(first.location).startswith("generated/tables/unemployment.benefit.csv:")
    assert "unemployment.benefit: case 'example: standard within both bounds" in first.message
    assert (
        "the interpreter gives monthly_benefit 520.00, the generated module monthly_benefit 521.00"
        in first.message
    )
    row_line = first.location.line
    csv_lines = files["tables/unemployment.benefit.csv"].splitlines()
    assert csv_lines[row_line - 1].startswith(
        'unemployment.benefit,"example: standard within both bounds'
    )


def test_ratebook_build_stops_and_writes_nothing_when_a_module_disagrees(
    copy_of_project, monkeypatch
):
    tmp_path = copy_of_project
    before = {p: p.read_bytes() for p in (tmp_path / "generated").rglob("*") if p.is_file()}
    import generator.compile.build as pipeline

    real = pipeline.emit_module
    monkeypatch.setattr(
        pipeline, "emit_module", lambda policy: real(policy).replace("D('0.3')", "D('0.31')")
    )
    result = CliRunner().invoke(cli.main, ["--root", str(tmp_path), "build"])
    assert result.exit_code == 1
    assert "medical.secondary_compensation: case 'example: employee" in result.output
    assert "generated/ left as it was" in result.output
    assert before == {p: p.read_bytes() for p in (tmp_path / "generated").rglob("*") if p.is_file()}


def test_the_interpreter_outcomes_of_the_table_are_what_the_csv_shows(copay):
    shown = rows_of(copay)
    for (row, outcome), cells in zip(evaluated_rows(copay), shown, strict=True):
        assert cells["on"] == row.on.isoformat()
        assert cells["out:copay"] == ("" if not outcome.ok else f"{outcome.outputs['copay']:.2f}")


def test_the_workbook_bytes_do_not_depend_on_whether_lxml_is_installed(project):
    """Whether lxml is installed changes how openpyxl writes XML; the tables are written by
    XlsxWriter, which does not use it, so both give one file."""
    import hashlib
    import os
    import subprocess
    import sys

    policy = project.policy("unemployment.benefit")
    here = hashlib.sha256(emit_tables(policy)["tables/unemployment.benefit.xlsx"]).hexdigest()
    script = (
        "import hashlib, pathlib; from generator.checks.project import load_project; "
        "from generator.compile.test_tables import emit_tables; "
        "p = load_project(pathlib.Path('.')).policy('unemployment.benefit'); "
        "print(hashlib.sha256(emit_tables(p)['tables/unemployment.benefit.xlsx']).hexdigest())"
    )
    without = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPENPYXL_LXML": "False"},
    ).stdout.strip()
    assert without == here
