"""The CSV files ratebook writes, read by the readers people and other systems use: pandas'
read_csv with its defaults (a database import or a script), Excel's way of telling UTF-8 (a
byte-order mark on the files people open), openpyxl for the workbook beside each table.
The project is the test's own (tests/consumers/policies/demo/allowance.yaml)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import cli

from .conftest import ROOT
from .layered_project import layered_project


def run(root: Path, *args: str):
    return CliRunner().invoke(cli.main, ["--root", str(root), *args])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "tests/consumers/policies", tmp_path / "policies")
    result = run(tmp_path, "build")
    assert result.exit_code == 0, result.output
    return tmp_path


def test_a_test_table_reads_in_pandas_with_its_defaults_as_in_the_workbook(project):
    tables = project / "generated" / "tables"
    frame = pd.read_csv(tables / "demo.allowance.csv")
    assert list(frame.columns) == [
        "policy",
        "case",
        "on",
        "in:persons",
        "in:disabled",
        "in:area",
        "in:income",
        "out:eligible",
        "out:allowance",
        "error",
    ]
    example = frame[frame["case"].str.startswith("example: urban family of 3")].iloc[0]
    assert example["on"] == "2020-06-01" and example["in:persons"] == 3
    assert example["in:area"] == "urban" and example["out:allowance"] == 360.0

    # the workbook for people holds the same rows under its DO NOT EDIT lines
    sheet = load_workbook(tables / "demo.allowance.xlsx").active
    rows = [r for r in sheet.iter_rows(values_only=True) if not str(r[0]).startswith("#")]
    assert list(rows[0]) == list(frame.columns)
    assert len(rows) - 1 == len(frame)
    assert str(sheet["A1"].value).endswith("DO NOT EDIT.")


def test_the_provenance_of_a_table_is_in_its_note_and_build_check_sees_any_edit(project):
    tables = project / "generated" / "tables"
    note = (tables / "demo.allowance.md").read_text(encoding="utf-8")
    sha = run(project, "build", "--check")
    assert sha.exit_code == 0, sha.output
    assert "from `policies/demo/allowance.yaml`. DO NOT EDIT." in note
    assert "source sha256: `" in note
    csv_file = tables / "demo.allowance.csv"
    csv_file.write_text(csv_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    stale = run(project, "build", "--check")
    assert stale.exit_code == 1
    assert "demo.allowance.csv" in stale.output


def test_published_csv_files_start_with_a_bom_and_read_in_pandas_with_its_defaults(project):
    out = project / "published"
    result = run(project, "publish", "--out", str(out), "--format", "csv")
    assert result.exit_code == 0, result.output
    files = sorted((out / "csv").rglob("*.csv"))
    assert files
    for path in files:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path  # Excel then reads it as UTF-8
        frame = pd.read_csv(path)
        assert frame.columns[0] == "policy", path
        assert len(frame) == len(list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))) - 1
    line = pd.read_csv(out / "csv" / "demo.allowance" / "line.csv")
    assert list(line["value"]) == [800, 850.5]
    assert list(line["from"]) == ["2020-01-01", "2021-01-01"]


def test_the_layers_csv_rows_read_in_pandas_and_the_workbook_in_openpyxl(tmp_path):
    # the made-up plan of tests/layered_project.py: a floor binding one parameter, a floor
    # binding nothing, two targets
    root = layered_project(tmp_path)
    out = root / "published"
    result = run(root, "publish", "--out", str(out), "--format", "csv,xlsx")
    assert result.exit_code == 0, result.output
    constraints_csv = out / "csv" / "constraints" / "constraints.csv"
    targets_csv = out / "csv" / "constraints" / "targets.csv"
    for path in (constraints_csv, targets_csv):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path  # Excel reads it as UTF-8
    rows = pd.read_csv(constraints_csv)
    assert rows.columns[0] == "document"
    # a row per binding; the floor that binds nothing keeps one row with no policy
    assert list(rows["constraint"]) == ["line_floor", "share_floor"]
    floor = rows.iloc[0]
    assert (floor["comparator"], floor["word"], floor["value"], floor["unit"]) == (
        "at_least",
        "不低于",
        800,
        "yuan/month",
    )
    assert (floor["from"], floor["to"], floor["policy"], floor["parameter"]) == (
        "2020-01-01",
        "2020-12-31",
        "demo.allowance",
        "line",
    )
    assert bool(floor["subject_to"]) is True
    assert floor["assumption"] == "the test source names no province"
    assert pd.isna(rows.iloc[1]["policy"]) and pd.isna(rows.iloc[1]["to"])
    assert rows.iloc[1]["value"] == 0.3  # a ratio, unit 1
    targets = pd.read_csv(targets_csv)
    assert list(targets["target"]) == ["helped", "coverage"]
    assert list(targets["deadline"]) == ["2020-12-31", "2021-12-31"]
    assert list(targets["value"]) == [1000, 0.95]
    assert targets.iloc[1]["tolerance"] == 0.01 and pd.isna(targets.iloc[0]["tolerance"])

    book = load_workbook(out / "xlsx" / "constraints.xlsx")
    assert book.sheetnames == ["about", "constraints", "targets"]
    sheet = [list(r) for r in book["constraints"].iter_rows(values_only=True)]
    assert sheet[0] == list(rows.columns)
    assert len(sheet) - 1 == len(rows)
    first = dict(zip(sheet[0], sheet[1], strict=True))
    assert first["value"] == 800 and first["subject_to"] is True
    assert str(first["from"]).startswith("2020-01-01")  # a date cell
    goals = [list(r) for r in book["targets"].iter_rows(values_only=True)]
    assert [dict(zip(goals[0], g, strict=True))["value"] for g in goals[1:]] == [1000, 0.95]
