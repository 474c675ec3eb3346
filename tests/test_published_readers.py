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
