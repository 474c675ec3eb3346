"""The exported workbook is made for officers: frozen headers, sized columns, both languages,
money and percentage formats, drop-downs and bounds, a protected About sheet citing the source."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from generator.convert.to_workbook import emit_workbook, list_cell, money_format, percent_format


@pytest.fixture(scope="module")
def books(project):
    return {p.id: openpyxl.load_workbook(io.BytesIO(emit_workbook(p))) for p in project.policies}


def validations(sheet) -> dict:
    """{first cell of each range: (type, formula1, formula2)}."""
    found = {}
    for check in sheet.data_validations.dataValidation:
        for cell_range in str(check.sqref).split():
            found[cell_range.split(":")[0]] = (check.type, check.formula1, check.formula2)
    return found


def test_every_sheet_has_its_header_frozen_and_chinese_and_english_headers(books):
    book = books["medical.secondary_compensation"]
    assert book.sheetnames == [
        "概况 About",
        "输入 Inputs",
        "输出 Outputs",
        "参数 Parameters",
        "数值 Values",
        "分段 Scales",
        "对照表 Tables",
        "公式 Formulas",
        "校验 Checks",
        "上级规定 Subject to",
        "性质 Properties",
        "提示 Advice",
        "案例 Cases",
        "填写说明 Help",
    ]
    for sheet in book.worksheets:
        assert sheet.freeze_panes in ("A2", "B2"), sheet.title
        assert sheet["A1"].font.bold
    assert book["分段 Scales"]["C1"].value == "下限方式\nlower word"
    assert book["案例 Cases"]["C1"].value == "in:scheme\n参保类别（城镇职工医保或城镇居民医保）"


def test_columns_are_sized_to_their_content(books):
    sheet = books["medical.secondary_compensation"]["参数 Parameters"]
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABM"}
    assert widths["A"] >= len("resident_scale")
    assert widths["M"] == 60  # the long quotes wrap at a fixed width
    assert sheet["M2"].alignment.wrap_text


def test_the_about_sheet_is_protected_and_cites_the_source(books):
    about = books["platform.construction_subsidy"]["概况 About"]
    assert about.protection.sheet
    rows = {row[0]: row[1] for row in about.iter_rows(min_row=2, values_only=True)}
    assert rows["来源文件 source title"].startswith(
        "桐乡市人民政府《关于进一步加强基层人力社保公共服务平台建设的实施意见》"
    )
    assert rows["条款 source clause"] == "四(一) 一次性平台建设补助"
    assert rows["发文日期 source date"] == "2012-08-14"
    assert about["B9"].number_format == "@"  # the date as the source gives it, kept as text


def test_money_has_two_decimals_and_rates_are_percentages(books):
    scales = books["medical.secondary_compensation"]["分段 Scales"]
    assert scales["G2"].value == 0.3 and scales["G2"].number_format == "0%"
    assert scales["D2"].value == 20000 and scales["D2"].number_format == "#,##0.00"
    subsidy = books["platform.construction_subsidy"]["分段 Scales"]
    assert subsidy["H2"].value == 60000 and subsidy["H2"].number_format == "#,##0.00"
    table = books["medical.resident_inpatient"]["对照表 Tables"]
    assert [table[f"D{r}"].number_format for r in (2, 3, 4)] == ["0%", "0%", "0%"]
    values = books["medical.resident_inpatient"]["数值 Values"]
    assert values["C2"].value == 50000 and values["C2"].number_format == "#,##0.00"
    assert values["B2"].is_date and values["B2"].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("0.3"), "0%"),
        (Decimal("0.125"), "0.0%"),
        (Decimal("1.5"), "0%"),
        (Decimal("0.12345"), "0.000%"),
    ],
)
def test_a_percentage_format_shows_every_digit_of_the_rate(value, expected):
    assert percent_format(value) == expected


def test_a_money_format_shows_at_least_the_fen():
    assert money_format(Decimal(60000)) == "#,##0.00"
    assert money_format(Decimal("0.125")) == "#,##0.000"


def test_enums_and_hospital_levels_get_drop_down_lists(books):
    cases = validations(books["medical.resident_inpatient"]["案例 Cases"])
    assert cases["C2"] == ("list", '"1,2,3"', None)  # hospital level
    tables = validations(books["medical.resident_inpatient"]["对照表 Tables"])
    assert tables["C2"] == ("list", '"1,2,3"', None)
    scales = validations(books["medical.secondary_compensation"]["分段 Scales"])
    assert scales["A2"] == ("list", '"employee_scale,resident_scale"', None)
    assert scales["C2"][0:2] == ("list", '"over,at_least,超过,高于,以上,不少于,不低于"')
    assert scales["E2"][0:2] == ("list", '"up_to,below,以下,以内,不超过,低于,不满,未满"')
    inputs = validations(books["medical.secondary_compensation"]["输入 Inputs"])
    assert inputs["B2"] == ("list", '"number,integer,enum,boolean,date"', None)
    eligibility = validations(books["platform.coordinator_eligibility"]["案例 Cases"])
    assert ("list", '"TRUE,FALSE"', None) in eligibility.values()


def test_rates_and_dates_are_bounded(books):
    scales = validations(books["medical.secondary_compensation"]["分段 Scales"])
    assert scales["G2"] == ("decimal", "0", "1")
    assert scales["B2"] == ("date", "DATE(1950,1,1)", "DATE(2099,12,31)")
    post = validations(books["platform.coordinator_subsidy"]["数值 Values"])
    assert post["C2"] == ("decimal", "0", "1.5")  # this rate declares max 1.5


def test_text_that_looks_like_a_number_or_a_formula_stays_text():
    from openpyxl import Workbook

    from generator.convert.to_workbook import _Writer

    book = Workbook()
    writer = _Writer(None, book)
    sheet = book.active
    writer.put(sheet, 1, 1, "8000.00")
    writer.put(sheet, 1, 2, "=A1")
    writer.put(sheet, 1, 3, Decimal("0.1234567890123456789"))
    assert [(c.value, c.data_type, c.number_format) for c in sheet[1]] == [
        ("8000.00", "s", "@"),
        ("=A1", "s", "@"),
        ("0.1234567890123456789", "s", "@"),
    ]


def test_enum_values_that_are_digits_kept_as_text_are_quoted_in_their_cell():
    assert list_cell(["employee", "resident"]) == "employee, resident"
    assert list_cell([1, 2, 3]) == "1, 2, 3"
    assert list_cell(["1", "a, b"]) == '"1", "a, b"'
