"""Policy workbooks read exactly like YAML, and every problem in one is located at its Sheet!cell.

Each row of the tables below is one small broken (or messy but accepted) workbook: a shipped
policy exported by ratebook, opened with openpyxl as an officer's spreadsheet program would,
one thing changed, saved, and read back through the same `load_source` that
`ratebook validate` uses. The committed files in tests/excel/ were saved by LibreOffice Calc
(see tests/excel/make_fixtures.py); LibreOffice is not needed to run these tests.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import pytest

from generator.checks.project import load_project, load_source
from generator.convert.to_workbook import emit_workbook
from generator.sources.excel.reader import read_excel, read_excel_bytes

from .conftest import REPO, ROOT

FIXTURES = Path(__file__).resolve().parent / "excel"
SUBSIDY = "policies/platform/construction_subsidy.xlsx"
SCALES, CASES, INPUTS = "分段 Scales", "案例 Cases", "输入 Inputs"


def shipped(relative: str):
    policy, findings = load_source(ROOT / relative, ROOT)
    assert policy is not None, findings
    return policy


def edited(tmp_path: Path, source: str, edit, target: str | None = None):
    """Export `source`, apply `edit(book)`, save it into a fresh project; return (policy, findings, display)."""
    policy = shipped(source)
    book = openpyxl.load_workbook(io.BytesIO(emit_workbook(policy)))
    edit(book)
    area, name = policy.id.split(".")
    path = tmp_path / "policies" / area / (target or f"{name}.xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    loaded, findings = load_source(path, tmp_path)
    return loaded, findings, f"policies/{area}/{target or name + '.xlsx'}"


def cell(sheet: str, ref: str, value, number_format: str | None = None):
    def edit(book):
        book[sheet][ref].value = value
        if number_format:
            book[sheet][ref].number_format = number_format

    return edit


def errors(findings):
    return [f for f in findings if f.severity == "error"]


# -- messy but exact: accepted, the same model as before ------------------------------------------

ACCEPTED = [
    ("amount as text", cell(SCALES, "H3", "80000")),
    ("amount with thousands separators", cell(SCALES, "H3", "80,000")),
    ("amount in full-width digits", cell(SCALES, "H3", "８００００")),
    ("amount as 8万", cell(SCALES, "H3", "8万")),
    ("amount with trailing spaces", cell(SCALES, "H3", "80000  ")),
    ("bound as a float cell", cell(SCALES, "D3", 100.0)),
    ("date as ISO text", cell(SCALES, "B3", "2012-08-14")),
    ("date as 年月日 text", cell(SCALES, "B3", "2012年8月14日")),
    ("date as a serial number", cell(SCALES, "B3", 41135, "General")),
    ("bracket word in Chinese", cell(SCALES, "C3", "以上")),
    ("bracket word with spaces and capitals", cell(SCALES, "C3", " At Least ")),
    ("case input as full-width text", cell(CASES, "C2", "５０")),
    ("an empty row between brackets", lambda book: book[SCALES].insert_rows(3)),
    (
        "a merged title row above the header",
        lambda book: (
            book[SCALES].insert_rows(1),
            book[SCALES].merge_cells("A1:J1"),
            book[SCALES].cell(row=1, column=1, value="补助标准"),
        ),
    ),
    ("the parameter merged down its rows", lambda book: book[SCALES].merge_cells("A2:A4")),
    ("a Chinese-only sheet name", lambda book: setattr(book[SCALES], "title", "分段")),
    ("an English-only sheet name", lambda book: setattr(book[SCALES], "title", "Scales")),
]


@pytest.mark.parametrize("why, edit", ACCEPTED, ids=[row[0] for row in ACCEPTED])
def test_a_messy_but_unambiguous_workbook_reads_as_the_same_policy(tmp_path, why, edit):
    policy, findings, _ = edited(tmp_path, SUBSIDY, edit)
    assert errors(findings) == []
    assert policy == shipped(SUBSIDY)


# -- refused: each problem at its exact cell --------------------------------------------------------

REFUSED = [
    (
        "a letter O in an amount",
        cell(SCALES, "H3", "9000O"),
        "分段 Scales!H3",
        "amount (金额): '9000O' is not a number; write digits such as 20000, 0.3, 30%, 20,000 or 2万",
    ),
    (
        "a decimal comma",
        cell(SCALES, "H3", "80000,5"),
        "分段 Scales!H3",
        "a comma is read only between groups of three digits",
    ),
    (
        "a unit that is not the column's in a number cell",
        cell(SCALES, "H3", "80000平方米"),
        "分段 Scales!H3",
        "'80000平方米': 平方米 is not the unit of this field, which is yuan",
    ),
    (
        "a percentage in an amount",
        cell(SCALES, "H3", "56000%"),
        "分段 Scales!H3",
        "'56000%': a percentage is read only on a ratio (unit 1); this field is in yuan",
    ),
    (
        "a day-first date",
        cell(SCALES, "B3", "14/8/2012"),
        "分段 Scales!B3",
        "'14/8/2012' is not a date ratebook reads",
    ),
    (
        "a date that does not exist",
        cell(SCALES, "B3", "2012-02-30"),
        "分段 Scales!B3",
        "'2012-02-30' is not a real date",
    ),
    (
        "a year where a date belongs",
        cell(SCALES, "B3", 2012, "General"),
        "分段 Scales!B3",
        "'2012' is a number, not a date",
    ),
    (
        "a date with a time of day",
        cell(SCALES, "B3", dt.datetime(2012, 8, 14, 9, 0)),
        "分段 Scales!B3",
        "has a time of day",
    ),
    (
        "an unknown bracket word",
        cell(SCALES, "C3", "above"),
        "分段 Scales!C3",
        "lower word (下限方式): 'above' is not one of: over, at_least, 超过",
    ),
    (
        "a bound without its word",
        cell(SCALES, "C3", None),
        "分段 Scales!C3",
        "lower (下限) is given but lower word (下限方式) is empty",
    ),
    (
        "a spreadsheet error value",
        cell(SCALES, "H3", "#DIV/0!"),
        "分段 Scales!H3",
        "the cell shows the error #DIV/0!",
    ),
    (
        "a formula without a saved result",
        cell(SCALES, "H3", "=70000+10000"),
        "分段 Scales!H3",
        "holds the Excel formula =70000+10000 but the file has no saved result for it; open the workbook in Excel or LibreOffice Calc and save it",
    ),
    (
        "an Excel formula in the Formulas sheet",
        cell("公式 Formulas", "B2", "=A2"),
        "公式 Formulas!B2",
        "the cell holds the Excel formula =A2 but the file has no saved result",
    ),
    (
        "a TRUE/FALSE column with another word",
        cell(INPUTS, "G2", "maybe"),
        "输入 Inputs!G2",
        "ordered (有序): 'maybe' is not TRUE or FALSE",
    ),
    ("a row with no name", cell(INPUTS, "A2", None), "输入 Inputs!A2", "this input has no name"),
    (
        "two rows with one name",
        lambda book: book[INPUTS].append(["service_area_m2", "number", "m2"]),
        "输入 Inputs!A3",
        "input 'service_area_m2' is listed twice (also at A2)",
    ),
    (
        "a bracket naming an unknown parameter",
        cell(SCALES, "A3", "subsidy_by_aera"),
        "分段 Scales!A3",
        "unknown parameter 'subsidy_by_aera'; parameters listed on the Parameters sheet whose values go here: subsidy_by_area",
    ),
    (
        "a scale's value on the Values sheet",
        lambda book: book["数值 Values"].append(["subsidy_by_area", dt.date(2013, 1, 1), 1]),
        "数值 Values!A2",
        "parameter 'subsidy_by_area' is a scale: its values go on sheet '分段 Scales'",
    ),
    (
        "an unknown About field",
        lambda book: book["概况 About"].append(["version", 2]),
        "概况 About!A17",
        "unknown field 'version'",
    ),
    (
        "a hidden policy sheet",
        lambda book: setattr(book[CASES], "sheet_state", "hidden"),
        "案例 Cases",
        "sheet '案例 Cases' is hidden; every sheet that makes up the policy must be visible",
    ),
    (
        "a missing sheet",
        lambda book: book.remove(book["公式 Formulas"]),
        "",
        "has no sheet '公式 Formulas' (named Formulas or 公式)",
    ),
    (
        "a header merged across two columns",
        lambda book: book[SCALES].merge_cells("C1:D1"),
        "分段 Scales!C1",
        "header cell C1 is merged across C1:D1; unmerge it",
    ),
    (
        "a value merged across two columns",
        lambda book: book[SCALES].merge_cells("G3:H3"),
        "分段 Scales!G3",
        "cells G3:H3 are merged across columns",
    ),
    (
        "a header row missing",
        lambda book: book[SCALES].delete_rows(1),
        "分段 Scales!A1",
        "has no header row naming its columns",
    ),
    (
        "the same sheet twice",
        lambda book: book.copy_worksheet(book[CASES]).__setattr__("title", "Cases"),
        "Cases",
        "sheet 'Cases' is the same sheet as '案例 Cases'",
    ),
    # the rules after the reader point at cells too
    (
        "a boundary claimed by two brackets",
        cell(SCALES, "E3", "up_to"),
        "分段 Scales!C4",
        "boundary 200 is claimed by two brackets ('at least 100 up to 200' and 'at least 200')",
    ),
    (
        "a gap between brackets",
        cell(SCALES, "D4", 250),
        "分段 Scales!C4",
        "gap between 200 and 250",
    ),
    (
        "an example case that no longer holds",
        cell(SCALES, "H3", 85000),
        "案例 Cases!A4",
        "subsidy expected 80000.00, the formulas give 85000.00",
    ),
    (
        "an unknown input in a case",
        lambda book: (
            book[CASES].cell(row=1, column=6, value="in:area"),
            book[CASES].cell(row=2, column=6, value=5),
        ),
        "案例 Cases!A2",
        "area: unknown field",
    ),
    (
        "a name that is not lower case",
        cell(INPUTS, "A2", "ServiceArea"),
        "输入 Inputs!A2",
        "name 'ServiceArea' in inputs is not a lower-case name",
    ),
]


@pytest.mark.parametrize("why, edit, place, message", REFUSED, ids=[row[0] for row in REFUSED])
def test_a_broken_workbook_is_refused_with_the_problem_at_its_cell(
    tmp_path, why, edit, place, message
):
    policy, findings, display = edited(tmp_path, SUBSIDY, edit)
    shown = [str(f) for f in errors(findings)]
    expected_place = f"{display}!{place}" if place else display
    assert any(s.startswith(expected_place + ": ") and message in s for s in shown), shown


def test_a_number_typed_with_its_columns_unit_reads_as_the_number(tmp_path):
    def edit(book):
        book[SCALES]["H3"] = "80000元"
        book[SCALES]["D3"] = "100平方米"

    policy, findings, _ = edited(tmp_path, SUBSIDY, edit)
    assert errors(findings) == []
    assert policy == shipped(SUBSIDY)


def test_a_column_without_a_known_header_is_a_warning_naming_it(tmp_path):
    def edit(book):
        book[SCALES]["K1"] = "remark"
        book[SCALES]["K2"] = "checked by Wang"

    policy, findings, display = edited(tmp_path, SUBSIDY, edit)
    assert policy == shipped(SUBSIDY)
    assert [str(f) for f in findings] == [
        f"{display}!分段 Scales!K1: warning: column 'remark' is not read (its cells are ignored); the columns of "
        "sheet '分段 Scales' are: 参数 parameter, 起始日期 from, 下限方式 lower word, 下限 lower, 上限方式 upper word, "
        "上限 upper, 比例 rate, 金额 amount, 备注 note, 本期说明 period note"
    ]


def test_an_unknown_sheet_is_a_warning_and_a_hidden_one_too(tmp_path):
    def edit(book):
        book.create_sheet("Sheet1")["A1"] = "scratch"

    policy, findings, display = edited(tmp_path, SUBSIDY, edit)
    assert policy == shipped(SUBSIDY)
    assert len(findings) == 1 and findings[0].severity == "warning"
    assert str(findings[0]).startswith(
        f"{display}!Sheet1: warning: sheet 'Sheet1' is not part of a policy workbook"
    )


# -- files that are not workbooks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, fragment",
    [
        (
            lambda: (FIXTURES / "construction_subsidy.xls").read_bytes(),
            "is an old-format Excel file (.xls, Excel 97-2003)",
        ),
        (
            lambda: (FIXTURES / "construction_subsidy.ods").read_bytes(),
            "is an OpenDocument spreadsheet (.ods) renamed .xlsx",
        ),
        (
            lambda: b"ratebook: 1\nid: x.y\n",
            "is not an Excel workbook (.xlsx): its content is not a zip package",
        ),
        (lambda: (ROOT / SUBSIDY).read_bytes()[:4000], "is not an Excel workbook (.xlsx)"),
        (lambda: b"", "is empty (0 bytes)"),
    ],
)
def test_a_file_named_xlsx_that_is_no_workbook_is_refused_with_what_it_is(
    tmp_path, content, fragment
):
    path = tmp_path / "policies" / "platform" / "construction_subsidy.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(content())
    policy, findings = load_source(path, tmp_path)
    assert policy is None
    assert [f.code for f in findings] == ["workbook-format"]
    assert str(findings[0]).startswith("policies/platform/construction_subsidy.xlsx: ")
    assert fragment in findings[0].message


def test_a_damaged_zip_inside_is_refused_without_a_traceback():
    raw = bytearray((ROOT / SUBSIDY).read_bytes())
    start = raw.index(b"xl/worksheets/sheet1.xml") + 200
    raw[start : start + 400] = b"\0" * 400
    doc, findings = read_excel_bytes(bytes(raw), "x.xlsx")
    assert doc is None
    assert "open it in Excel or LibreOffice Calc and save it again as .xlsx" in findings[0].message


@pytest.mark.parametrize(
    "name, fragment",
    [
        (
            "construction_subsidy.xls",
            "is an old-format Excel file (.xls, Excel 97-2003), which ratebook does not read",
        ),
        (
            "construction_subsidy.ods",
            "is an OpenDocument spreadsheet (.ods), which ratebook does not read",
        ),
    ],
)
def test_an_xls_or_ods_in_policies_is_an_error_saying_how_to_save_it_as_xlsx(
    tmp_path, name, fragment
):
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    shutil.copy(FIXTURES / name, tmp_path / "policies" / "platform" / name)
    project = load_project(tmp_path)
    found = [str(f) for f in project.findings.errors]
    assert found == [f"policies/platform/{name}: {fragment}" + found[0].split(fragment, 1)[1]]
    assert "save it as" in found[0] or "Save As" in found[0]


@pytest.mark.parametrize(
    "lock, program",
    [("~$nstruction_subsidy.xlsx", "Excel"), (".~lock.construction_subsidy.xlsx#", "LibreOffice")],
)
def test_a_workbook_open_in_a_spreadsheet_program_is_read_with_a_warning(tmp_path, lock, program):
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    (tmp_path / "policies" / "platform" / lock).write_bytes(b"\x05Wang  ")
    project = load_project(tmp_path)
    assert project.ok
    assert len(project.policies) == 13
    assert [str(f) for f in project.findings.warnings if f.code == "workbook-open"] == [
        f"policies/platform/construction_subsidy.xlsx: warning: is open in {program} (lock file {lock} beside it): "
        "ratebook reads the last saved version; save your changes and close the workbook before building"
    ]


# -- saved by a real spreadsheet program ----------------------------------------------------------------


def test_a_workbook_saved_by_libreoffice_reads_as_the_same_policy_with_the_same_cells():
    ours = shipped(SUBSIDY)
    doc_ours, _ = read_excel(ROOT / SUBSIDY, "w.xlsx")
    doc_lo, findings = read_excel(FIXTURES / "construction_subsidy_libreoffice.xlsx", "w.xlsx")
    assert findings == []
    assert doc_lo.data == doc_ours.data
    assert doc_lo.places == doc_ours.places
    policy, _ = load_source(FIXTURES / "construction_subsidy_libreoffice.xlsx", REPO)
    assert policy == ours


def test_the_messy_workbook_saved_by_libreoffice_reads_exactly_as_the_shipped_policy():
    policy, findings = load_source(FIXTURES / "messy_libreoffice.xlsx", REPO)
    assert errors(findings) == []
    assert [f.code for f in findings] == ["sheet-unknown"]  # the hidden sheet of notes, not read
    assert policy == shipped("policies/medical/secondary_compensation.xlsx")


def test_the_messy_workbook_saved_by_openpyxl_lacks_only_the_formula_result():
    policy, findings = load_source(FIXTURES / "messy_openpyxl.xlsx", REPO)
    assert policy is None
    assert [str(f) for f in errors(findings)] == [
        "tests/excel/messy_openpyxl.xlsx!分段!G5: rate (比例): the cell holds the Excel formula =0.25+0.25 but "
        "the file has no saved result for it; open the workbook in Excel or LibreOffice Calc and save it (ratebook "
        "never calculates spreadsheet formulas), or type the value itself"
    ]


def test_the_places_of_the_messy_workbook_point_at_the_cells_typed_in():
    doc, _ = read_excel(FIXTURES / "messy_libreoffice.xlsx", "m.xlsx")
    scale = ("parameters", "employee_scale", "values", 0)
    assert str(doc.places[scale + ("brackets", 0, "over")]) == "m.xlsx!分段!D3"
    assert str(doc.places[scale + ("brackets", 2, "rate")]) == "m.xlsx!分段!G5"
    assert str(doc.places[("cases", 0, "inputs", "out_of_pocket")]) == "m.xlsx!案例!D2"
