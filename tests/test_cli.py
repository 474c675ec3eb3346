"""The `ratebook` command as an officer and another system use it, through click's runner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli

from .conftest import ROOT


def run(*args, root: Path = ROOT):
    result = CliRunner().invoke(cli.main, ["--root", str(root), *args])
    return result


def test_eval_json_prints_the_policy_the_date_and_money_as_two_decimal_strings():
    result = run(
        "eval",
        "medical.secondary_compensation",
        "--set",
        "scheme=employee",
        "--set",
        "out_of_pocket=35000",
        "--on",
        "2012-06-01",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["policy"] == "medical.secondary_compensation"
    assert data["on"] == "2012-06-01"
    assert data["outputs"] == {"compensation": "5000.00"}


def test_eval_json_prints_integers_and_booleans_as_json_values():
    staff = json.loads(
        run(
            "eval",
            "platform.staffing",
            "--set",
            "level=village",
            "--set",
            "registered_population=3000",
            "--on",
            "2012-09-01",
            "--json",
        ).output
    )
    assert staff["outputs"] == {"min_staff": 2}
    eligible = json.loads(
        run(
            "eval",
            "platform.coordinator_eligibility",
            "--set",
            "age=35",
            "--set",
            "education=college",
            "--set",
            "computer_skills=true",
            "--on",
            "2012-09-01",
            "--json",
        ).output
    )
    assert eligible["outputs"] == {"eligible": True}


def test_eval_explain_shows_each_step_and_the_source_clause():
    result = run(
        "eval",
        "medical.secondary_compensation",
        "--set",
        "scheme=employee",
        "--set",
        "out_of_pocket=35000",
        "--on",
        "2012-06-01",
        "--explain",
    )
    assert result.exit_code == 0, result.output
    assert "10000 × 0.3 = 3000" in result.output
    assert "5000 × 0.4 = 2000" in result.output
    assert "第5项" in result.output
    assert "compensation = 5000.00" in result.output


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["eval", "medical.nothing", "--set", "a=1"], "unknown policy 'medical.nothing'"),
        (
            [
                "eval",
                "medical.secondary_compensation",
                "--set",
                "scheme=farmer",
                "--set",
                "out_of_pocket=1",
                "--on",
                "2012-06-01",
            ],
            "scheme: 'farmer' is not one of: employee (职工, Employee), resident (居民, Resident)",
        ),
        (
            [
                "eval",
                "medical.secondary_compensation",
                "--set",
                "scheme=employee",
                "--set",
                "out_of_pocket=-5",
                "--on",
                "2012-06-01",
            ],
            "out_of_pocket: -5 is below the minimum 0",
        ),
        (
            [
                "eval",
                "medical.secondary_compensation",
                "--set",
                "scheme=employee",
                "--set",
                "wrong=1",
                "--on",
                "2012-06-01",
            ],
            "wrong: unknown field",
        ),
        (
            [
                "eval",
                "medical.secondary_compensation",
                "--set",
                "scheme=employee",
                "--set",
                "out_of_pocket=1",
                "--on",
                "2010-12-31",
            ],
            "not in force on 2010-12-31",
        ),
        (
            [
                "eval",
                "platform.staffing",
                "--set",
                "level=village",
                "--set",
                "registered_population=many",
                "--on",
                "2012-09-01",
            ],
            "registered_population: 'many' is not a whole number",
        ),
    ],
)
def test_eval_refuses_a_bad_case_with_a_message_naming_the_field_and_no_traceback(args, fragment):
    result = run(*args)
    assert result.exit_code == 1
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_eval_with_a_malformed_date_is_a_usage_error():
    result = run("eval", "platform.staffing", "--on", "2012-13-01")
    assert result.exit_code == 2
    assert "not a date" in result.output


@pytest.mark.parametrize("on", ["2012-09-01", "2012/9/1", "2012年9月1日", "２０１２-０９-０１"])
def test_eval_reads_the_on_date_as_every_other_date_is_read(on):
    result = run(
        "eval",
        "platform.staffing",
        "--set",
        "level=village",
        "--set",
        "registered_population=3000",
        "--on",
        on,
    )
    assert result.exit_code == 0, result.output
    assert result.output == "platform.staffing on 2012-09-01\nmin_staff = 2 persons\n"


@pytest.mark.parametrize(
    "on, reason",
    [
        ("7/1/2012", "'7/1/2012' is not a date ratebook reads"),
        ("2012-02-30", "'2012-02-30' is not a real date"),
    ],
)
def test_eval_refuses_an_on_date_with_the_reason_every_reader_gives(on, reason):
    result = run("eval", "platform.staffing", "--on", on)
    assert result.exit_code == 2
    assert f"--on '{on}' is not a date: {reason}" in result.output


@pytest.mark.parametrize("second", ["registered_population=4000", " registered_population = 3000"])
def test_a_repeated_set_is_a_usage_error_naming_the_input(second):
    result = run(
        "eval",
        "platform.staffing",
        "--set",
        "level=village",
        "--set",
        "registered_population=3000",
        "--set",
        second,
        "--on",
        "2012-09-01",
    )
    assert result.exit_code == 2
    given = second.split("=")[1].strip()
    assert (
        f"--set registered_population is given more than once (3000, {given}); give each input once"
        in result.output
    )
    assert "min_staff" not in result.output


def test_validate_says_ok_for_the_shipped_policies():
    result = run("validate")
    assert result.exit_code == 0
    assert "ok: 13 policies valid" in result.output


def test_build_check_passes_on_the_committed_generated_folder():
    result = run("build", "--check")
    assert result.exit_code == 0, result.output


def _edit_workbook(path: Path, sheet: str, change) -> int:
    """Open a workbook as an officer would, change cells with `change(value) -> new or None`, save."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    changed = 0
    for row in book[sheet].iter_rows():
        for cell in row:
            new = change(cell.value)
            if new is not None:
                cell.value = new
                changed += 1
    book.save(path)
    return changed


def test_changing_a_rate_shows_in_build_check_then_in_eval_after_build(copy_of_project: Path):
    policy = copy_of_project / "policies" / "platform" / "construction_subsidy.xlsx"
    # an officer changes the middle tier and the example cases that show it
    assert _edit_workbook(policy, "分段 Scales", lambda v: 85000 if v == 80000 else None) == 1
    assert (
        _edit_workbook(policy, "案例 Cases", lambda v: "85000.00" if v == "80000.00" else None) == 2
    )

    stale = run("build", "--check", root=copy_of_project)
    assert stale.exit_code == 1
    assert "generated/platform/construction_subsidy.py" in stale.output

    args = [
        "eval",
        "platform.construction_subsidy",
        "--set",
        "service_area_m2=150",
        "--on",
        "2012-09-01",
        "--json",
    ]
    before_build = run(*args, root=copy_of_project)
    assert "changed since the last build" in before_build.output
    assert '"subsidy": "85000.00"' in before_build.output

    assert run("build", root=copy_of_project).exit_code == 0
    assert run("build", "--check", root=copy_of_project).exit_code == 0
    after = json.loads(run(*args, root=copy_of_project).output)
    assert after["outputs"]["subsidy"] == "85000.00"


def test_build_refuses_an_invalid_policy_and_leaves_generated_untouched(copy_of_project: Path):
    policy = copy_of_project / "policies" / "medical" / "secondary_compensation.xlsx"
    assert _edit_workbook(policy, "分段 Scales", lambda v: 1.3 if v == 0.3 else None) == 1
    before = {p: p.read_bytes() for p in (copy_of_project / "generated").rglob("*") if p.is_file()}
    result = run("build", root=copy_of_project)
    assert result.exit_code == 1
    assert (
        "policies/medical/secondary_compensation.xlsx!分段 Scales!G2: rate 1.3 is above 1"
        in result.output
    )
    after = {p: p.read_bytes() for p in (copy_of_project / "generated").rglob("*") if p.is_file()}
    assert before == after


def run_in_a_fresh_python(args: list[str], then: str) -> list[str]:
    """The lines a new interpreter prints running `ratebook --root ROOT *args` in-process, then
    printing `then` (an expression over `sys`): what one command imports, seen from outside."""
    code = (
        "import sys, cli\n"
        "try:\n"
        f"    cli.main(['--root', sys.argv[1], *{args!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print({then})\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return out.stdout.strip().splitlines()


def test_the_one_case_path_imports_neither_yaml_nor_jsonschema_nor_numpy_nor_babel():
    args = ["eval", "platform.construction_subsidy", "--set", "service_area_m2=150"]
    heavy = "('yaml', 'jsonschema', 'numpy', 'pyarrow', 'openpyxl', 'babel')"
    lines = run_in_a_fresh_python(
        [*args, "--on", "2012-09-01", "--json"],
        f"sorted(m for m in {heavy} if m in sys.modules)",
    )
    assert '"subsidy": "80000.00"' in "\n".join(lines)
    assert lines[-1] == "[]"


# -- did you mean ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, fragment",
    [
        (
            ["eval", "secondary_compensaton"],
            "unknown policy 'secondary_compensaton' (did you mean "
            "'medical.secondary_compensation'?); policies: ",
        ),
        (
            ["eval", "staffing"],  # matched on the part after the dot
            "unknown policy 'staffing' (did you mean 'platform.staffing'?)",
        ),
        (
            ["eval", "medical.secondary_compensation", "--set", "schem=employee"],
            "schem: unknown field (did you mean 'scheme'?); allowed: scheme, out_of_pocket",
        ),
        (
            ["eval", "medical.secondary_compensation", "--set", "scheme=employe"],
            "scheme: 'employe' is not one of: employee (职工, Employee), resident (居民, Resident) (did you mean 'employee'?)",
        ),
    ],
)
def test_an_unknown_policy_field_or_enum_value_is_refused_with_the_close_names(args, fragment):
    result = run(*args, "--set", "out_of_pocket=1000", "--on", "2013-01-01")
    assert result.exit_code in (1, 2)
    assert fragment in result.output


def test_a_name_close_to_none_is_refused_without_a_guess():
    result = run(
        "eval",
        "medical.secondary_compensation",
        "--set",
        "scheme=farmer",
        "--set",
        "out_of_pocket=1",
    )
    assert (
        "scheme: 'farmer' is not one of: employee (职工, Employee), resident (居民, Resident)\n"
        in result.output
    )
    assert "did you mean" not in run("eval", "xyz").output


def test_a_valid_case_computes_no_suggestion():
    args = ["eval", "medical.secondary_compensation", "--set", "scheme=employee"]
    lines = run_in_a_fresh_python(
        [*args, "--set", "out_of_pocket=35000", "--on", "2013-01-01"], "'difflib' in sys.modules"
    )
    assert "compensation" in "\n".join(lines)
    assert lines[-1] == "False"
