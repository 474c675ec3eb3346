"""Broken, huge and hostile inputs: each is refused with its message code and place, and none
ends in a traceback, a RecursionError, a MemoryError or a hang (generator/core/limits.py).

Every fixture is this file's own tiny policy in tmp_path; big or hostile files are made here,
never committed.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import cli
from generator.checks.project import load_project
from generator.core import limits
from generator.core import workbook_layout as L

POLICY = """\
ratebook: 1
id: test.tiny
title: {zh: 测试, en: Test}
jurisdiction: nowhere
source: {title: t, number: null, date: "2012", clause: c, seed: none.txt}
inputs:
  amount:
    type: number
    unit: yuan
    min: 0
    label: {zh: 金额, en: Amount}
outputs:
  paid:
    type: number
    unit: yuan
    label: {zh: 支付, en: Paid}
parameters:
  rate:
    kind: rate
    label: {zh: 比例, en: Rate}
    source: {clause: c, quote: q}
    values:
      - {from: 2012-01-01, value: 0.5}
  cap:
    kind: amount
    unit: yuan
    label: {zh: 上限, en: Cap}
    source: {clause: c, quote: q}
    values:
      - {from: 2012-01-01, value: 1000}
formulas:
  paid: min(amount * rate, cap)
cases:
  - name: half
    on: 2012-06-01
    inputs: {amount: 100}
    expected: {paid: 50}
"""
FORMULA_LINE = 32  # the line of `paid:` under formulas
SHOWN = "policies/test/tiny.yaml"


def project(root: Path, text: str = POLICY) -> Path:
    folder = root / "policies" / "test"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny.yaml").write_text(text, encoding="utf-8")
    return root


def built_project(root: Path, text: str = POLICY) -> Path:
    """`project`, built: what every test of the batch path starts from."""
    project(root, text)
    assert run(root, "build").exit_code == 0
    return root


def with_formula(formula: str) -> str:
    return POLICY.replace("  paid: min(amount * rate, cap)", f"  paid: {formula}")


def run(root: Path, *args: str):
    result = CliRunner().invoke(cli.main, ["--root", str(root), *args])
    assert "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, (RecursionError, MemoryError)), result.exception
    return result


def eval_cases(root: Path, cases: Path, out: Path, errors: Path | None = None):
    """`ratebook eval test.tiny --cases` on the day of the policy's example."""
    more = ["--errors", str(errors)] if errors else []
    return run(
        root, "eval", "test.tiny", "--cases", str(cases), "--out", str(out), *more,
        "--on", "2012-06-01",
    )  # fmt: skip


def codes(root: Path) -> list[tuple[str, str]]:
    found = load_project(root).findings.errors
    return [(f.key, str(f.location)) for f in found]


# -- formulas ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "formula, key, column",
    [
        ("(" * 3000 + "amount" + ")" * 3000, "formula-limit.length", 4009),
        ("+".join(["amount"] * 1000), "formula-limit.length", 4009),
        ("(" * 60 + "amount" + ")" * 60, "formula-limit.depth", 9 + 50),
        ("+".join(["amount"] * 60), "formula-limit.depth", None),
        ("-" * 60 + "amount", "formula-limit.depth", 9 + 49),
        ("not " * 60 + "true", "formula-limit.depth", None),
    ],
)
def test_a_formula_past_a_limit_is_a_finding_at_its_place(tmp_path, formula, key, column):
    root = project(tmp_path, with_formula(formula))
    ((found, where),) = codes(root)
    assert found == key
    assert where.startswith(f"{SHOWN}:{FORMULA_LINE}:")
    if column is not None:
        assert where == f"{SHOWN}:{FORMULA_LINE}:{column}"
    result = run(root, "validate")
    assert result.exit_code == 1 and "FORMULA_MAX" in result.output


@pytest.mark.parametrize(
    "formula",
    [
        "+".join(["amount"] * limits.FORMULA_MAX_DEPTH),
        "min(" * (limits.FORMULA_MAX_DEPTH - 1)
        + "amount"
        + ", cap)" * (limits.FORMULA_MAX_DEPTH - 1),
        "(" * (limits.FORMULA_MAX_DEPTH - 1)
        + "amount * rate"
        + ")" * (limits.FORMULA_MAX_DEPTH - 1),
        "if amount > 1 then " * 24 + "amount" + " else cap" * 24,
    ],
    ids=["chain", "calls", "parentheses", "conditions"],
)
def test_a_formula_at_the_depth_limit_goes_through_every_backend(tmp_path, formula):
    text = with_formula(formula)
    root = project(tmp_path, text[: text.index("cases:")] + "cases: []\n")
    (root / "cases.csv").write_text("amount\n100\n0.5\n", encoding="utf-8")
    assert run(root, "validate").exit_code == 0
    assert run(root, "build").exit_code == 0
    on = ["--on", "2012-06-01"]
    assert run(root, "eval", "test.tiny", "--set", "amount=100", "--explain", *on).exit_code == 0
    out, errors = root / "out.csv", root / "errors.csv"
    assert eval_cases(root, root / "cases.csv", out, errors).exit_code == 0
    assert run(root, "test").exit_code == 0
    formats = "json,csv,xlsx,dmn,md"
    assert run(root, "publish", "--out", str(root / "pub"), "--format", formats).exit_code == 0


# -- YAML ---------------------------------------------------------------------------------------


def billion_laughs() -> str:
    text = 'lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for i in range(1, 10):
        text += f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n"
    return POLICY + text


@pytest.mark.parametrize(
    "text, key, where",
    [
        ("x: " + "[" * 5000 + "]" * 5000 + "\n", "yaml-limit.depth", f"{SHOWN}:1:68"),
        (
            POLICY + "deep:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 200)),
            "yaml-limit.depth",
            None,
        ),
        (billion_laughs(), "yaml-limit.nodes", None),
        (
            POLICY + "loop: &a [1, *a]\n",
            "yaml-limit.alias-loop",
            f"{SHOWN}:{POLICY.count(chr(10)) + 1}:14",
        ),
    ],
    ids=["deep-flow", "deep-block", "billion-laughs", "alias-loop"],
)
def test_hostile_yaml_is_refused_before_it_is_expanded(tmp_path, text, key, where):
    root = project(tmp_path, text)
    ((found, place),) = codes(root)
    assert found == key
    assert place.startswith(SHOWN + ":")
    if where:
        assert place == where
    assert run(root, "validate").exit_code == 1


def test_a_policy_file_past_the_size_limit_is_refused_unread(tmp_path):
    root = project(tmp_path, POLICY + "# " + "x" * limits.POLICY_FILE_MAX_BYTES + "\n")
    assert codes(root) == [("file-limit.yaml", SHOWN)]


def test_a_folder_named_like_a_policy_is_a_finding(tmp_path):
    root = project(tmp_path)
    (root / "policies" / "test" / "x.yaml").mkdir()
    assert codes(root) == [("unreadable.not-a-file", "policies/test/x.yaml")]
    assert run(root, "validate").exit_code == 1


# -- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, key, line",
    [
        ("value: 1000}", "value: 1" + "0" * 308 + "}", "number-limit.large", 30),
        ("value: 1000}", "value: 1000000000000000}", "number-limit.large", 30),
        ("value: 0.5}", "value: 0." + "0" * 307 + "1}", "number-limit.places", 23),
        ("value: 0.5}", "value: 0.12345678901}", "number-limit.places", 23),
        ("expected: {paid: 50}", "expected: {paid: 1" + "0" * 30 + "}", "number-limit.large", 34),
    ],
    ids=["1e308-parameter", "1e15-parameter", "1e-308-rate", "11-decimals", "1e30-expected"],
)
def test_an_extreme_number_in_a_policy_is_a_finding_at_its_place(tmp_path, old, new, key, line):
    root = project(tmp_path, POLICY.replace(old, new))
    found = codes(root)
    assert [k for k, _ in found] == [key], found
    assert found[0][1].startswith(f"{SHOWN}:{line}:")
    assert run(root, "validate").exit_code == 1


@pytest.mark.parametrize("value", [".inf", ".nan", "-.inf", "1e308", "NaN"])
def test_yaml_infinity_and_nan_spellings_are_refused_where_a_number_belongs(tmp_path, value):
    root = project(tmp_path, POLICY.replace("value: 1000}", f"value: '{value}'}}"))
    found = codes(root)
    assert len(found) == 1 and found[0][1].startswith(f"{SHOWN}:30:"), found


def test_a_case_input_of_1e30_is_refused_at_the_case(tmp_path):
    root = project(
        tmp_path, POLICY.replace("inputs: {amount: 100}", "inputs: {amount: 1" + "0" * 30 + "}")
    )
    assert codes(root) == [("case-error", f"{SHOWN}:34:5")]


def test_one_case_and_batch_refuse_the_same_extreme_inputs_and_results(tmp_path):
    text = with_formula("amount * 100000000000000")
    text = text.replace("{amount: 100}", "{amount: 0.1}")
    root = built_project(tmp_path, text.replace("{paid: 50}", "{paid: 10000000000000}"))
    values = ["1", "10", "99999999999999", "1000000000000000", "1e30", "0." + "0" * 300 + "1"]
    one_case = {}
    for value in values:
        result = run(root, "eval", "test.tiny", "--set", f"amount={value}", "--on", "2012-06-01")
        assert result.exit_code in (0, 1)
        one_case[value] = result.exit_code == 0
    assert one_case == {
        values[0]: True,
        values[1]: False,
        values[2]: False,
        values[3]: False,
        values[4]: False,
        values[5]: True,
    }
    (root / "cases.csv").write_text("amount\n" + "\n".join(values) + "\n", encoding="utf-8")
    out, errors = root / "out.csv", root / "errors.csv"
    result = eval_cases(root, root / "cases.csv", out, errors)
    assert result.exit_code == 0, result.output
    passed = [line.split(",")[1].strip('"') for line in out.read_text().splitlines()[1:]]
    assert passed == [v for v in values if one_case[v]]
    assert "NUMBER_MAX_DIGITS" in errors.read_text(encoding="utf-8-sig")


# -- workbooks ----------------------------------------------------------------------------------


def workbook_project(root: Path, text: str = POLICY) -> Path:
    """`project` with its policy exported to a workbook and the YAML removed."""
    project(root, text)
    book = root / "policies" / "test" / "tiny.xlsx"
    assert run(root, "export-xlsx", "test.tiny", "-o", str(book)).exit_code == 0
    (root / "policies" / "test" / "tiny.yaml").unlink()
    return book


def rewrite(book: Path, change) -> None:
    with zipfile.ZipFile(book) as package:
        parts = {info.filename: package.read(info.filename) for info in package.infolist()}
    parts = change(parts)
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)


def cases_sheet(parts: dict) -> str:
    return next(n for n, d in parts.items() if n.startswith("xl/worksheets/") and b"in:amount" in d)


def test_a_row_below_the_declared_dimension_is_read(tmp_path):
    book = workbook_project(tmp_path)
    row = (
        '<row r="9"><c r="A9" t="inlineStr"><is><t>below</t></is></c>'
        '<c r="B9" t="inlineStr"><is><t>2012-06-01</t></is></c>'
        '<c r="C9" t="inlineStr"><is><t>abc</t></is></c></row>'
    )

    def change(parts):
        name = cases_sheet(parts)
        data = parts[name].replace(b"</sheetData>", row.encode() + b"</sheetData>")
        parts[name] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', data)
        return parts

    rewrite(book, change)
    found = codes(tmp_path)
    assert found and all(where.endswith("!C9") for _, where in found), found
    assert run(tmp_path, "validate").exit_code == 1


def test_a_value_past_the_row_limit_is_refused_at_its_cell(tmp_path):
    book = workbook_project(tmp_path)
    far = limits.POLICY_SHEET_MAX_ROWS + 1
    row = f'<row r="{far}"><c r="A{far}" t="inlineStr"><is><t>x</t></is></c></row>'

    def change(parts):
        name = cases_sheet(parts)
        parts[name] = parts[name].replace(b"</sheetData>", row.encode() + b"</sheetData>")
        return parts

    rewrite(book, change)
    ((key, where),) = codes(tmp_path)
    assert key == "workbook-limit.rows" and where.endswith(f"!A{far}")


def test_a_zip_bomb_workbook_is_refused_before_it_is_read(tmp_path):
    book = workbook_project(tmp_path)
    size = limits.POLICY_WORKBOOK_MAX_INFLATED_BYTES + 1

    def change(parts):
        parts["xl/media/pad.bin"] = b"\0" * size
        return parts

    rewrite(book, change)
    assert book.stat().st_size < limits.POLICY_WORKBOOK_MAX_BYTES
    assert codes(tmp_path) == [("workbook-limit.inflated", "policies/test/tiny.xlsx")]


def test_a_zip_whose_directory_understates_a_part_is_refused(tmp_path):
    book = workbook_project(tmp_path)
    rewrite(book, lambda parts: {**parts, "xl/media/pad.bin": b"\0" * (1 << 20)})
    raw = bytearray(book.read_bytes())
    entry = raw.rfind(b"PK\x01\x02", 0, raw.rfind(b"xl/media/pad.bin"))
    raw[entry + 24 : entry + 28] = (10).to_bytes(4, "little")  # the declared inflated size
    book.write_bytes(bytes(raw))
    assert codes(tmp_path) == [("workbook-format.damaged-zip", "policies/test/tiny.xlsx")]


def test_a_workbook_past_the_file_limit_is_refused_unread(tmp_path):
    book = workbook_project(tmp_path)
    with book.open("ab") as stream:
        stream.write(b"\0" * limits.POLICY_WORKBOOK_MAX_BYTES)
    assert codes(tmp_path) == [("workbook-limit.file", "policies/test/tiny.xlsx")]


def test_a_repeated_date_in_a_scale_is_reported_on_its_own_row(tmp_path):
    scale = POLICY.replace(
        "  cap:\n    kind: amount\n    unit: yuan\n",
        "  cap:\n    kind: scale\n    method: whole_amount\n    input_unit: yuan\n"
        "    output_unit: yuan\n",
    ).replace(
        "      - {from: 2012-01-01, value: 1000}\n",
        "      - from: 2012-01-01\n        brackets:\n          - {below: 100, amount: 1}\n"
        "          - {at_least: 100, below: 200, amount: 2}\n          - {at_least: 200, amount: 3}\n",
    )
    scale = scale.replace("min(amount * rate, cap)", "min(amount * rate, scale(cap, amount))")
    scale = scale[: scale.index("cases:")] + "cases: []\n"
    book = workbook_project(tmp_path, scale)
    workbook = openpyxl.load_workbook(book)
    sheet = workbook[L.SCALES.title]
    first = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2, max_row=4)]
    # rows 2-4: 2012-01-01; rows 5-7: 2013-01-01; rows 8-10: 2012-01-01 again
    for offset, date in ((3, dt.datetime(2013, 1, 1)), (6, None)):
        for i, values in enumerate(first):
            for j, value in enumerate(values):
                sheet.cell(2 + offset + i, j + 1, value)
            if date:
                sheet.cell(2 + offset + i, 2, date)
    workbook.save(book)
    found = codes(tmp_path)
    assert [(k, w.rsplit("!", 1)[1]) for k, w in found] == [("date-order.before", "B8")], found


# -- case files ---------------------------------------------------------------------------------


def test_a_case_file_of_too_many_columns_is_refused_at_its_line(tmp_path):
    root = project(tmp_path)
    wide = ",".join(f"c{i}" for i in range(limits.CASE_FILE_MAX_COLUMNS + 1))
    (root / "cases.csv").write_text(f"policy,{wide}\n", encoding="utf-8")
    result = run(root, "test", str(root / "cases.csv"))
    assert result.exit_code == 1 and "cases.csv:1: " in result.output
    assert "CASE_FILE_MAX_COLUMNS" in result.output
    assert run(root, "build").exit_code == 0
    result = eval_cases(root, root / "cases.csv", root / "o.csv")
    assert result.exit_code == 1 and "CASE_FILE_MAX_COLUMNS" in result.output


def test_a_hostile_json_lines_file_rejects_its_rows_not_the_run(tmp_path):
    root = built_project(tmp_path)
    lines = [
        '{"amount": "100"}',
        "[" * 100_000 + "]" * 100_000,
        '{"amount": "' + "9" * (limits.CASE_LINE_MAX_BYTES + 10) + '"}',
        '{"amount": "1e308"}',
        '{"amount": 1e308}',
        '{"amount": "200"}',
    ]
    (root / "cases.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, errors = root / "out.csv", root / "errors.csv"
    result = eval_cases(root, root / "cases.jsonl", out, errors)
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 1 + 2
    rejected = errors.read_text(encoding="utf-8-sig").splitlines()[1:]
    assert sorted(int(line.split(",")[0]) for line in rejected) == [2, 3, 4, 5]
    assert "CASE_LINE_MAX_BYTES" in errors.read_text(encoding="utf-8-sig")


def test_a_zip_bomb_case_workbook_is_refused(tmp_path, monkeypatch):
    root = built_project(tmp_path)
    monkeypatch.setattr(limits, "CASE_WORKBOOK_MAX_INFLATED_BYTES", 1 << 20)
    book = root / "cases.xlsx"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
        package.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 << 20))
    for result in (run(root, "test", str(book)), eval_cases(root, book, root / "o.csv")):
        assert result.exit_code == 1 and "CASE_WORKBOOK_MAX_INFLATED_BYTES" in result.output


# -- encodings ----------------------------------------------------------------------------------


def test_a_big5_case_file_is_refused_unless_named_never_read_as_gbk(tmp_path):
    root = built_project(tmp_path)
    cases = root / "cases.csv"
    text = "policy,case,on,in:amount,out:paid\ntest.tiny,醫療補償測試（繁體）,2012-06-01,100,50\n"
    cases.write_bytes(text.encode("big5"))
    result = run(root, "test", str(cases))
    assert result.exit_code == 1
    assert "cases.csv:2: " in result.output and "--encoding big5" in result.output
    result = run(root, "test", str(cases), "--encoding", "big5", "-v")
    assert result.exit_code == 0, result.output
    assert "醫療補償測試（繁體）" in result.output
    batch = root / "batch.csv"
    batch.write_bytes("amount,備註\n100,醫療補償\n".encode("big5"))
    out = ["--out", str(root / "o.csv"), "--on", "2012-06-01"]
    result = run(root, "eval", "test.tiny", "--cases", str(batch), *out)
    assert result.exit_code == 1 and "--encoding big5" in result.output
    result = run(root, "eval", "test.tiny", "--cases", str(batch), "--encoding", "big5", *out)
    assert result.exit_code == 0, result.output
