"""The workbook an officer edits: formats, drop-downs and bounds cover whole columns (a row added
for next year gets them), every header prompts in Chinese and English what goes below it and
how to write it, and rows are high enough for their wrapped notes. When LibreOffice is
installed, the workbook is also rendered and re-saved by it: the re-saved workbook reads as the
same policy and keeps its drop-downs, prompts and column formats."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from generator.checks.structure import check_structure
from generator.convert.to_workbook import LAST_ROW, emit_workbook
from generator.core import workbook_layout as L
from generator.model.build import build_policy
from generator.sources.excel.reader import read_excel_bytes
from generator.sources.yaml_reader import read_yaml_text

from .conftest import ROOT

PROBE = """\
ratebook: 1
id: probe.workbook
title: {zh: 工作簿试样, en: Workbook probe}
jurisdiction: nowhere
source: {title: 试样文件, number: null, date: "2020", clause: 第一条, seed: probe.txt}
notes:
  - "这是一条很长的说明，用来检验行高是否随换行的说明文字增加。这是一条很长的说明，用来检验行高是否随换行的说明文字增加。这是一条很长的说明，用来检验行高是否随换行的说明文字增加。"
inputs:
  scheme:
    type: enum
    values: [employee, resident]
    label: {zh: 参保类别, en: Scheme}
  cost:
    type: number
    unit: yuan
    min: 0
    label: {zh: 费用, en: Cost}
outputs:
  pay:
    type: number
    unit: yuan
    rounding: {places: 2, mode: half_up}
    label: {zh: 支付金额, en: Payment}
parameters:
  share:
    kind: table
    key: scheme
    unit: "1"
    label: {zh: 支付比例, en: Share}
    values:
      - from: 2020-01-01
        rows: {employee: 50%, resident: 40%}
  extra:
    kind: rate
    label: {zh: 加付比例, en: Extra}
    values:
      - {from: 2020-01-01, value: 12.5%}
  cap:
    kind: amount
    unit: yuan
    label: {zh: 最高支付, en: Cap}
    values:
      - {from: 2020-01-01, value: 10000}
  steps:
    kind: scale
    method: marginal
    input_unit: yuan
    label: {zh: 分段比例, en: Steps}
    values:
      - from: 2020-01-01
        brackets:
          - {up_to: 1000, rate: 10%}
          - {over: 1000, rate: 20%}
formulas:
  pay: min(cap, cost * (table(share, scheme) + extra) + scale(steps, cost))
cases:
  - name: employee, 2000 yuan
    on: 2020-06-01
    inputs: {scheme: employee, cost: 2000}
    expected: {pay: "1550.00"}
    why: 2000 × (50% + 12.5%) = 1250; 1000 × 10% + 1000 × 20% = 300; 1250 + 300 = 1550
"""


def probe_policy():
    doc, findings = read_yaml_text(PROBE, "probe.yaml")
    assert findings == [], [str(f) for f in findings]
    assert check_structure(doc) == []
    return build_policy(doc).policy


@pytest.fixture(scope="module")
def policy():
    return probe_policy()


@pytest.fixture(scope="module")
def data(policy) -> bytes:
    return emit_workbook(policy)


@pytest.fixture(scope="module")
def book(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def checks(sheet) -> dict:
    """{column letter: (type, formula1, rows covered)} of the data validations below the header."""
    found = {}
    for check in sheet.data_validations.dataValidation:
        for cell_range in str(check.sqref).split():
            low_col, low_row, high_col, high_row = range_boundaries(cell_range)
            if low_row >= 2:
                found[get_column_letter(low_col)] = (check.type, check.formula1, low_row, high_row)
    return found


def test_drop_downs_and_bounds_cover_the_whole_column(book):
    scales = checks(book["分段 Scales"])
    assert scales["A"] == ("list", '"steps"', 2, LAST_ROW)
    assert scales["B"][0::3] == ("date", LAST_ROW)
    assert scales["C"] == ("list", '"over,at_least,超过,高于,以上,不少于,不低于"', 2, LAST_ROW)
    assert scales["E"] == ("list", '"up_to,below,以下,以内,不超过,低于,不满,未满"', 2, LAST_ROW)
    assert scales["G"] == ("decimal", "0", 2, LAST_ROW)
    tables = checks(book["对照表 Tables"])
    assert tables["C"] == ("list", '"employee,resident"', 2, LAST_ROW)  # the table keys
    assert tables["D"] == ("decimal", "0", 2, LAST_ROW)  # only rates in the tables
    cases = checks(book["案例 Cases"])
    assert cases["B"][0::3] == ("date", LAST_ROW)
    assert cases["C"] == ("list", '"employee,resident"', 2, LAST_ROW)
    values = checks(book["数值 Values"])
    assert values["B"][0::3] == ("date", LAST_ROW)
    assert values["A"] == ("list", '"extra,cap"', 2, LAST_ROW)
    assert values["C"] == ("decimal", "0", 2, 2)  # amounts share the column: the rate's row only
    assert book["数值 Values"]["A2"].value == "extra"


def test_every_boundary_word_the_reader_takes_is_in_the_drop_down(book):
    scales = checks(book["分段 Scales"])
    assert set(scales["C"][1].strip('"').split(",")) == set(L.LOWER_WORDS)
    assert set(scales["E"][1].strip('"').split(",")) == set(L.UPPER_WORDS)
    assert {"以内", "不满"} <= set(L.UPPER_WORDS)


def test_number_formats_are_set_on_whole_columns(book):
    scales = book["分段 Scales"].column_dimensions
    assert scales["B"].number_format == "yyyy-mm-dd"
    assert scales["D"].number_format == "#,##0.00"  # money bounds
    assert scales["G"].number_format == "0%"
    assert book["对照表 Tables"].column_dimensions["D"].number_format == "0%"
    assert book["数值 Values"].column_dimensions["B"].number_format == "yyyy-mm-dd"
    cases = book["案例 Cases"]
    headers = {cell.value.split("\n")[0]: cell.column_letter for cell in cases[1]}
    assert cases.column_dimensions[headers["日期"]].number_format == "yyyy-mm-dd"
    assert cases.column_dimensions[headers["in:cost"]].number_format == "#,##0.00"
    assert cases.column_dimensions[headers["out:pay"]].number_format == "#,##0.00"
    # a column of amounts and rates together keeps its formats per cell
    values = book["数值 Values"]
    assert values.column_dimensions["C"].number_format == "General"
    assert [values[f"C{r}"].number_format for r in (2, 3)] == ["0.0%", "#,##0.00"]


CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def test_every_header_prompts_what_goes_below_it_in_both_languages(book):
    for sheet in book.worksheets:
        prompts = {}
        for check in sheet.data_validations.dataValidation:
            if str(check.sqref).endswith("1") and ":" not in str(check.sqref):
                prompts[str(check.sqref)] = check
        for cell in sheet[1]:
            check = prompts.get(cell.coordinate)
            assert check is not None, f"{sheet.title}!{cell.coordinate} has no prompt"
            assert check.showInputMessage and check.type is None
            chinese, english = check.prompt.split("\n")
            assert CJK.search(chinese) and LATIN.search(english), (sheet.title, check.prompt)
            assert len(check.prompt) <= L.PROMPT_LIMIT
            assert len(check.promptTitle) <= L.PROMPT_TITLE_LIMIT


def test_a_prompt_says_how_to_write_dates_rates_and_amounts(book):
    def prompt(sheet, coordinate):
        return next(
            c.prompt
            for c in book[sheet].data_validations.dataValidation
            if str(c.sqref) == coordinate
        )

    assert "2012/7/1" in prompt("数值 Values", "B1") and "2012年7月1日" in prompt(
        "数值 Values", "B1"
    )
    assert "30%" in prompt("分段 Scales", "G1")
    assert "3.5万" in prompt("分段 Scales", "H1")
    cases = book["案例 Cases"]
    cost = next(c.coordinate for c in cases[1] if c.value.startswith("in:cost"))
    assert "费用" in prompt("案例 Cases", cost) and "3.5万" in prompt("案例 Cases", cost)
    words = prompt("分段 Scales", "E1")
    assert "以内" in words and "不满" in words


def test_every_layout_column_has_its_meaning_in_both_languages():
    for sheet in L.ALL_SHEETS:
        for column in sheet.columns:
            assert column.help_zh and column.help_en, (sheet.key, column.key)
            assert column.write in L.WRITE or column.write == "", (sheet.key, column.key)


def test_rows_are_high_enough_for_their_wrapped_text(book):
    about = book["概况 About"]
    note_row = next(r for r in range(2, about.max_row + 1) if about[f"A{r}"].value == "说明 note")
    width = about.column_dimensions["B"].width
    text = about[f"B{note_row}"].value
    lines = -(-2 * len(text) // int(width - 1))  # every character of the note is CJK
    assert lines >= 2
    assert about.row_dimensions[note_row].height >= lines * 15
    assert about.row_dimensions[1].height >= 2 * 15  # the two-language headers
    for sheet in book.worksheets:
        assert sheet.row_dimensions[1].height >= 2 * 15, sheet.title
    help_sheet = book["填写说明 Help"]
    assert any((help_sheet.row_dimensions[r].height or 0) > 30 for r in range(2, 40))


def test_the_workbook_reads_back_as_the_same_policy(policy, data):
    doc, findings = read_excel_bytes(data, "probe.xlsx")
    assert findings == []
    assert build_policy(doc).policy == policy


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")


def run_libreoffice(tmp_path: Path, source: Path, target: str) -> Path:
    out = tmp_path / target
    out.mkdir()
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (result,) = out.iterdir()
    return result


@libreoffice
def test_libreoffice_keeps_the_policy_the_drop_downs_prompts_and_formats(tmp_path, policy, data):
    source = tmp_path / "probe.xlsx"
    source.write_bytes(data)
    saved = run_libreoffice(tmp_path, source, "xlsx")
    resaved = saved.read_bytes()
    doc, findings = read_excel_bytes(resaved, "probe.xlsx")
    assert findings == []
    assert build_policy(doc).policy == policy
    book = openpyxl.load_workbook(io.BytesIO(resaved))
    scales = checks(book["分段 Scales"])
    # LibreOffice writes a whole-column range back as the rows in use and 1000 below them
    assert scales["C"][0:3] == ("list", '"over,at_least,超过,高于,以上,不少于,不低于"', 2)
    assert scales["E"][1] == '"up_to,below,以下,以内,不超过,低于,不满,未满"'
    assert all(high >= 1000 for _, _, _, high in scales.values())
    assert checks(book["对照表 Tables"])["C"][1] == '"employee,resident"'
    prompts = [c for c in book["分段 Scales"].data_validations.dataValidation if c.prompt]
    assert len(prompts) == len(L.SCALES.columns)
    assert all("\n" in c.prompt and c.showInputMessage for c in prompts)
    columns = book["分段 Scales"].column_dimensions
    assert columns["G"].number_format == "0%"
    assert columns["D"].number_format == "#,##0.00"
    assert "yyyy" in columns["B"].number_format


@libreoffice
def test_libreoffice_prints_every_sheet_with_its_headers(tmp_path, data):
    source = tmp_path / "probe.xlsx"
    source.write_bytes(data)
    pdf = run_libreoffice(tmp_path, source, "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        for words in ("下限方式", "upper word", "employee", "steps", "12.5%"):
            assert words in text


@pytest.mark.parametrize(
    "relative",
    ["policies/medical/secondary_compensation.xlsx", "policies/platform/construction_subsidy.xlsx"],
)
def test_the_shipped_workbooks_prompt_and_offer_their_lists_below_the_rows_in_use(relative):
    """Officers edit these files: each header prompts, and each drop-down reaches at least
    1000 rows below the last row in use (LibreOffice keeps that many when it saves)."""
    book = openpyxl.load_workbook(ROOT / relative)
    for sheet in book.worksheets:
        prompted = {
            str(c.sqref) for c in sheet.data_validations.dataValidation if c.showInputMessage
        }
        assert {cell.coordinate for cell in sheet[1]} <= prompted, sheet.title
        for letter, (_, _, _, high) in checks(sheet).items():
            assert high >= sheet.max_row + 1000, (sheet.title, letter)
    scales = checks(book["分段 Scales"])
    assert "以内" in scales["E"][1] and "不满" in scales["E"][1]
