"""Build the committed workbook fixtures of tests/excel/ (run once by hand; tests never run it).

    python tests/excel/make_fixtures.py      # needs LibreOffice: soffice on PATH

The messy workbook is the shipped secondary-compensation policy exported by ratebook, with
its cells retyped the many ways officers type them (percent text, full-width digits, 2万,
20,000, date text and serial numbers, trailing spaces), a merged title row, merged name
cells, empty rows, Chinese-only sheet names, a hidden note sheet and one cell holding a
spreadsheet formula. openpyxl saves it without the formula's result (messy_openpyxl.xlsx);
LibreOffice Calc, converting it, calculates and saves the result (messy_libreoffice.xlsx).
The shipped construction-subsidy workbook saved by LibreOffice, and the policy saved as
.ods and .xls, are here too.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
# the frozen copies the tests compare these workbooks with (tests/conftest.py)
PROJECT = HERE.parent / "fixtures" / "project"

from generator.checks.project import load_source  # noqa: E402
from generator.convert.to_workbook import emit_workbook  # noqa: E402


def messy_workbook() -> bytes:
    policy, _ = load_source(PROJECT / "policies/medical/secondary_compensation.xlsx", PROJECT)
    book = openpyxl.load_workbook(io.BytesIO(emit_workbook(policy)))
    for sheet in book.worksheets:
        if sheet.title.split()[0] in ("分段", "案例", "输入"):
            sheet.title = sheet.title.split()[0]  # Chinese-only sheet names
    scales = book["分段"]
    # from: a date cell, ISO text, 年月日 text, slashes, a serial number, full-width text
    for row, value in zip(
        range(2, 8),
        [None, "2011-01-01", "2011年1月1日", "2011/1/1", 40544, "２０１１-０１-０１"],
        strict=True,
    ):
        if value is not None:
            scales.cell(row=row, column=2).value = value
            scales.cell(row=row, column=2).number_format = "General"
    # bounds: full-width digits, 2万, thousands separators, trailing spaces, text numbers
    scales["D2"] = "２００００"
    scales["F2"] = "3万"
    scales["D3"] = "30,000"
    scales["F3"] = "50000 "
    scales["D4"] = " 5万 "
    scales["D5"] = "1万"
    scales["F5"] = "30000"
    # rates: a percentage cell, percent text, a decimal as text, a formula
    scales["G2"].number_format = "0%"
    scales["G3"] = "40%"
    scales["G4"] = "=0.25+0.25"
    scales["G5"] = "0.4"
    scales["G6"] = "50 %"
    scales["G7"] = "６０％"
    # a merged title row above the header
    scales.insert_rows(1)
    scales["A1"] = "二次补偿分段比例表"
    scales.merge_cells("A1:J1")
    # the parameter name merged down over the rows that share it
    scales.merge_cells("A3:A5")
    scales.merge_cells("A6:A8")
    cases = book["案例"]
    cases.insert_rows(5, 2)  # two empty rows among the cases
    for row in range(2, cases.max_row + 1):
        cell = cases.cell(row=row, column=4)
        if isinstance(cell.value, int) and cell.value >= 10000:
            cell.value = f"{cell.value:,}"  # 35,000 as text
    cases["E2"] = "0.00 "
    notes = book.create_sheet("备注")
    notes["A1"] = "a sheet of the officer's own notes, hidden"
    notes.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def soffice(source: Path, kind: str, target: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["soffice", "--headless", "--convert-to", kind, "--outdir", folder, str(source)],
            check=True,
            capture_output=True,
        )
        produced = Path(folder) / (source.stem + "." + kind.split(":")[0])
        shutil.move(str(produced), target)


def main() -> None:
    (HERE / "messy_openpyxl.xlsx").write_bytes(messy_workbook())
    with tempfile.TemporaryDirectory() as folder:
        messy = Path(folder) / "messy.xlsx"
        shutil.copy(HERE / "messy_openpyxl.xlsx", messy)
        soffice(messy, "xlsx", HERE / "messy_libreoffice.xlsx")
        shipped = Path(folder) / "construction_subsidy.xlsx"
        shutil.copy(PROJECT / "policies/platform/construction_subsidy.xlsx", shipped)
        soffice(shipped, "xlsx", HERE / "construction_subsidy_libreoffice.xlsx")
        soffice(shipped, "ods", HERE / "construction_subsidy.ods")
        soffice(shipped, "xls", HERE / "construction_subsidy.xls")


if __name__ == "__main__":
    main()
