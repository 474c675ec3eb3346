"""`ratebook export-xlsx` and `import-xlsx`, and the README's walk-through of an officer editing a workbook."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import cli
from generator.checks.project import load_source

from .conftest import REPO, ROOT


def run(*args, root: Path = ROOT):
    return CliRunner().invoke(cli.main, ["--root", str(root), *args])


def test_export_then_import_gives_back_the_same_policy(tmp_path):
    workbook, yaml_file = tmp_path / "inpatient.xlsx", tmp_path / "inpatient.yaml"
    exported = run("export-xlsx", "medical.resident_inpatient", "-o", str(workbook))
    assert exported.exit_code == 0, exported.output
    assert exported.output.startswith(
        f"wrote {workbook} (medical.resident_inpatient, 2 parameters, 9 cases)"
    )
    imported = run("import-xlsx", str(workbook), "-o", str(yaml_file))
    assert imported.exit_code == 0, imported.output
    original, _ = load_source(ROOT / "policies/medical/resident_inpatient.yaml", ROOT)
    back, findings = load_source(yaml_file, tmp_path)
    assert [f for f in findings if f.severity == "error"] == []
    assert back == original


def test_a_shipped_workbook_exports_by_path_and_imports_to_yaml_that_validates(copy_of_project):
    yaml_file = copy_of_project / "policies" / "platform" / "construction_subsidy.yaml"
    result = run(
        "import-xlsx",
        str(copy_of_project / "policies/platform/construction_subsidy.xlsx"),
        "-o",
        str(yaml_file),
        root=copy_of_project,
    )
    assert result.exit_code == 0, result.output
    assert (
        "policies/platform/construction_subsidy.xlsx is another source of platform.construction_subsidy"
        in result.output
    )
    (copy_of_project / "policies/platform/construction_subsidy.xlsx").unlink()
    assert run("validate", root=copy_of_project).exit_code == 0
    text = yaml_file.read_text(encoding="utf-8")
    assert "- {at_least: 100, below: 200, amount: 80000, note:" in text
    assert 'expected: {subsidy: "80000.00"}' in text
    assert (
        run("build", "--check", root=copy_of_project).exit_code == 1
    )  # only the source file name changed
    assert run("build", root=copy_of_project).exit_code == 0


def test_export_refuses_an_invalid_policy_and_writes_nothing(copy_of_project, tmp_path):
    policy = copy_of_project / "policies" / "pension" / "resident_basic.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("value: 70}", "value: 7O}"), encoding="utf-8"
    )
    target = tmp_path / "out.xlsx"
    result = run("export-xlsx", "pension.resident_basic", "-o", str(target), root=copy_of_project)
    assert result.exit_code == 1
    assert "policies/pension/resident_basic.yaml:" in result.output and "'7O'" in result.output
    assert "not exported" in result.output
    assert not target.exists()


@pytest.mark.parametrize(
    "args, code, fragment",
    [
        (["export-xlsx", "platform.staffing", "-o", "out.csv"], 2, "must end in .xlsx"),
        (["export-xlsx", "platform.nothing", "-o", "out.xlsx"], 1, "no policy 'platform.nothing'"),
        (
            ["import-xlsx", str(REPO / "tests/excel/construction_subsidy.ods"), "-o", "out.yaml"],
            1,
            "is an OpenDocument spreadsheet (.ods), which ratebook does not read",
        ),
        (
            ["import-xlsx", str(REPO / "tests/excel/messy_openpyxl.xlsx"), "-o", "out.yaml"],
            1,
            "!分段!G5: rate (比例): the cell holds",
        ),
        (
            [
                "import-xlsx",
                str(ROOT / "policies/platform/construction_subsidy.xlsx"),
                "-o",
                "out.txt",
            ],
            2,
            "must end in .yaml",
        ),
    ],
)
def test_bad_conversions_fail_with_a_message_and_no_traceback(
    tmp_path, monkeypatch, args, code, fragment
):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == code, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def _scales_rows(lower_of_second: int):
    day = dt.date(2013, 1, 1)
    return [
        ["employee_scale", day, "over", 20000, "up_to", 32000, 0.35],
        ["employee_scale", day, "over", lower_of_second, "up_to", 50000, 0.4],
        ["employee_scale", day, "over", 50000, None, None, 0.5],
    ]


def test_the_readme_walk_through_a_new_rate_and_tier_boundary_in_the_workbook(copy_of_project):
    """From 2013 the employee scheme pays 35% on the first segment, which now ends at 32,000."""
    path = copy_of_project / "policies" / "medical" / "secondary_compensation.xlsx"
    book = openpyxl.load_workbook(path)
    for row in _scales_rows(lower_of_second=30000):  # a slip: the second tier still starts at 30000
        book["分段 Scales"].append(row)
    book["案例 Cases"].append(
        [
            "employee, 35,000 yuan under the 2013 standard",
            dt.date(2013, 1, 1),
            "employee",
            35000,
            "5400.00",
            "12000 × 35% + 3000 × 40% = 4200 + 1200 = 5400",
        ]
    )
    book.save(path)

    slip = run("validate", root=copy_of_project)
    assert slip.exit_code == 1
    assert (
        "policies/medical/secondary_compensation.xlsx!分段 Scales!C9: brackets overlap between 30000 and 32000: "
        "'over 20000 up to 32000' and 'over 30000 up to 50000' both cover it"
    ) in slip.output

    book = openpyxl.load_workbook(path)
    book["分段 Scales"]["D9"] = 32000
    book.save(path)
    assert run("validate", root=copy_of_project).exit_code == 0
    built = run("build", root=copy_of_project)
    assert built.exit_code == 0, built.output

    def compensation(on: str) -> str:
        result = run(
            "eval",
            "medical.secondary_compensation",
            "--set",
            "scheme=employee",
            "--set",
            "out_of_pocket=35000",
            "--on",
            on,
            "--json",
            root=copy_of_project,
        )
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["outputs"]["compensation"]

    assert compensation("2012-12-31") == "5000.00"
    assert compensation("2013-01-01") == "5400.00"
