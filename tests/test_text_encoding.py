"""Case files in the encodings officers' files really have (UTF-8 with or without BOM, GBK and
GB18030 from Chinese Excel), told from the file or named with --encoding; a byte that is no
text refused with its line; files written for Excel start with UTF-8's byte-order mark."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from generator.core.errors import RatebookError
from generator.core.text_encoding import decide, first_undecodable, read_text

from .conftest import ROOT
from .test_batch_files import one_case
from .test_diff import edit, tree

POLICY = "medical.secondary_compensation"
BOM = b"\xef\xbb\xbf"
# id headers (Chinese headers are read by the labels of the policy), Chinese text in a column
# that is carried to the results, dates as Excel on a Chinese Windows writes them
HEADER = "scheme,out_of_pocket,on,备注"
ROWS = [
    ("employee", "35000", "2012/6/1", "张三 住院"),
    ("resident", "35000", "2012/6/1", "李四 门诊特殊病"),
    ("employee", "20000.02", "2013/1/1", "王五"),
    ("resident", "80000", "2013/1/1", "赵六"),
]


def run(*args, root: Path = ROOT):
    return CliRunner().invoke(cli.main, ["--root", str(root), *args])


def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def rows_text(rows=ROWS, dates=None) -> str:
    lines = [HEADER] + [
        ",".join((s, amount, dates(on) if dates else on, note)) for s, amount, on, note in rows
    ]
    return "\r\n".join(lines) + "\r\n"  # Excel's line ends


def iso(day: str) -> str:
    return dt.datetime.strptime(day, "%Y/%m/%d").date().isoformat()


def results(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def eval_cases(cases: Path, out: Path, *more: str):
    return run("eval", POLICY, "--cases", str(cases), "--out", str(out), *more)


# -- telling the encoding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (BOM + "scheme\n职工\n".encode(), "utf-8-sig"),
        ("scheme\n职工\n".encode(), "utf-8"),
        (b"scheme\nemployee\n", "utf-8"),  # ASCII is UTF-8
        (("scheme,备注\n" + "employee,住院费用\n" * 30).encode("gbk"), "gb18030"),
        (
            "备注\n张三\n".encode("gbk"),
            "gb18030",
        ),  # a short GBK file (the detector's first guess is Korean)
    ],
)
def test_the_encoding_is_told_from_the_file(tmp_path, data, expected):
    path = tmp_path / "cases.csv"
    path.write_bytes(data)
    assert decide(path, None, "cases.csv").name == expected


def test_a_gb18030_only_file_reads_back_as_written(tmp_path):
    # U+20000 and U+2A6A5 (CJK extension B, found in people's names) are not in GBK
    text = "姓名,备注\n" + "𠀀,𪚥 张三\n" * 20
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    path = write(tmp_path / "cases.csv", text, "gb18030")
    assert read_text(path, None, "cases.csv") == text


def test_a_byte_that_is_no_text_is_refused_with_its_line(tmp_path):
    data = ("scheme,备注\n" + "employee,张三\n" * 5).encode("gbk") + b"employee,\xff\xfe\n"
    path = tmp_path / "cases.csv"
    path.write_bytes(data)
    with pytest.raises(RatebookError) as caught:
        read_text(path, None, "cases.csv")
    (problem,) = caught.value.findings
    assert str(problem).startswith("cases.csv:7: ")
    assert (
        "ff" in problem.message
        and "CSV UTF-8" in problem.message
        and "--encoding" in problem.message
    )
    assert first_undecodable(path, "gb18030")[:2] == (7, len(data) - 3)


def test_a_text_in_another_code_page_is_refused_unless_named(tmp_path):
    path = write(tmp_path / "cases.csv", "name,city\nJosé,Zürich\n", "cp1252")
    with pytest.raises(RatebookError) as caught:
        read_text(path, None, "cases.csv")
    assert str(caught.value.findings[0]).startswith("cases.csv:2: not UTF-8, GBK or GB18030 text")
    assert read_text(path, "cp1252", "cases.csv") == "name,city\nJosé,Zürich\n"


# -- eval --cases -----------------------------------------------------------------------------------


def test_a_gbk_file_with_excel_dates_gives_the_results_of_the_utf8_file(tmp_path):
    gbk = write(tmp_path / "gbk.csv", rows_text(), "gbk")
    utf8 = write(tmp_path / "utf8.csv", rows_text(dates=iso), "utf-8")
    bom = write(tmp_path / "bom.csv", rows_text(), "utf-8-sig")
    for cases in (gbk, utf8, bom):
        result = eval_cases(cases, tmp_path / f"{cases.stem}.out.csv")
        assert result.exit_code == 0, result.output
        assert "rows rejected: 0" in result.output
    got = results(tmp_path / "gbk.out.csv")
    assert got == results(tmp_path / "bom.out.csv")
    assert [r["compensation"] for r in got] == [
        r["compensation"] for r in results(tmp_path / "utf8.out.csv")
    ]
    assert [r["备注"] for r in got] == [note for *_, note in ROWS]
    for row, (scheme, amount, on, _) in zip(got, ROWS, strict=True):
        on_day = dt.date.fromisoformat(iso(on))
        expected = one_case({"scheme": scheme, "out_of_pocket": amount}, on_day)
        assert row["compensation"] == format(expected, "f")


def test_a_named_encoding_is_used_as_named(tmp_path):
    cases = write(tmp_path / "cases.csv", rows_text(), "gbk")
    result = eval_cases(cases, tmp_path / "out.csv", "--encoding", "gbk")
    assert result.exit_code == 0, result.output
    assert [r["备注"] for r in results(tmp_path / "out.csv")] == [n for *_, n in ROWS]
    # named otherwise, the same bytes are read as other characters: the name is not guessed over
    result = eval_cases(cases, tmp_path / "latin.csv", "--encoding", "latin-1")
    assert result.exit_code == 0, result.output
    assert "备注" not in results(tmp_path / "latin.csv")[0]


def test_an_undecodable_line_stops_the_run_with_its_line_and_writes_nothing(tmp_path):
    body = rows_text(ROWS * 300).encode("gbk")
    lines = body.split(b"\r\n")
    lines[1000] = b"employee,35000,2012/6/1,\xff\xff"
    cases = tmp_path / "cases.csv"
    cases.write_bytes(b"\r\n".join(lines))
    out = tmp_path / "out.csv"
    # small chunks: the bad line is met after results were already evaluated
    result = eval_cases(cases, out, "--chunk-rows", "100")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{cases}:1001: the bytes ff" in result.output
    assert "not gb18030 text" in result.output and "--encoding" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv"]


def test_a_utf8_file_with_a_bad_byte_late_in_it_is_refused_with_its_line(tmp_path):
    text = "scheme,out_of_pocket\n" + "employee,35000\n" * 70_000
    cases = tmp_path / "cases.csv"
    cases.write_bytes(text.encode() + b"employee,3\xe95\n")  # Latin-1 é after 1 MB of ASCII
    result = eval_cases(cases, tmp_path / "out.parquet", "--on", "2013-01-01")
    assert result.exit_code == 1
    assert f"{cases}:70002: the bytes e9" in result.output and "not utf-8 text" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv"]


def test_chinese_headers_that_name_no_input_are_a_message_not_a_traceback(tmp_path):
    cases = write(tmp_path / "cases.csv", "参保类别,政策范围内个人自付费用\n甲,35000\n", "utf-8")
    result = eval_cases(cases, tmp_path / "out.csv", "--on", "2013-01-01")
    assert result.exit_code == 1
    assert not isinstance(result.exception, ValueError)
    assert (
        f"{cases}:1: no column names an input of {POLICY}; the file's columns: "
        "参保类别, 政策范围内个人自付费用; the inputs: scheme, out_of_pocket"
    ) in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv"]


def test_the_results_csv_is_for_machines_unless_bom_is_asked_and_the_errors_file_has_one(tmp_path):
    cases = write(tmp_path / "cases.csv", rows_text() + "farmer,1,2012/6/1,错\r\n", "gbk")
    assert eval_cases(cases, tmp_path / "plain.csv").exit_code == 0
    assert eval_cases(cases, tmp_path / "excel.csv", "--bom").exit_code == 0
    assert not (tmp_path / "plain.csv").read_bytes().startswith(BOM)
    assert (tmp_path / "excel.csv").read_bytes().startswith(BOM)
    with open(tmp_path / "excel.csv", newline="", encoding="utf-8-sig") as stream:
        assert list(csv.DictReader(stream)) == results(tmp_path / "plain.csv")
    errors = (tmp_path / "plain.errors.csv").read_bytes()
    assert errors.startswith(BOM + b"row,field,reason")
    assert errors.decode("utf-8-sig").splitlines()[1].startswith("5,scheme,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--cases", "{cases}", "--out", "{out}.csv", "--encoding", "nosuch"],
            "--encoding nosuch: no such text encoding",
        ),
        (
            ["--cases", "{cases}", "--out", "{out}.parquet", "--bom"],
            "--bom applies to a .csv results file",
        ),
        (
            ["--set", "scheme=employee", "--bom"],
            "--bom applies to a case file: use it with --cases FILE",
        ),
        (["--set", "scheme=employee", "--encoding", "gbk"], "--encoding applies to a case file"),
    ],
)
def test_wrong_encoding_options_are_usage_errors(tmp_path, args, message):
    cases = write(tmp_path / "cases.csv", rows_text(), "utf-8")
    given = [a.format(cases=cases, out=tmp_path / "out") for a in args]
    result = run("eval", POLICY, *given)
    assert result.exit_code == 2
    assert message in result.output


def test_a_utf16_file_with_its_mark_is_read(tmp_path):
    # Excel's "Unicode text" is UTF-16 with a byte-order mark
    cases = write(tmp_path / "cases.csv", rows_text(), "utf-16")
    assert eval_cases(cases, tmp_path / "out.csv").exit_code == 0
    assert [r["备注"] for r in results(tmp_path / "out.csv")] == [n for *_, n in ROWS]


# -- test and diff ------------------------------------------------------------------------------------


def test_a_gbk_case_file_runs_in_ratebook_test_with_its_chinese_names(tmp_path):
    expected = one_case({"scheme": "employee", "out_of_pocket": "35000"}, dt.date(2012, 6, 1))
    text = (
        "policy,case,on,in:scheme,in:out_of_pocket,out:compensation,why\r\n"
        f"{POLICY},职工 三万五,2012/6/1,employee,35000,{expected},政策范围内个人自付费用\r\n"
        f"{POLICY},职工 错的预期,2012/6/1,employee,35000,{expected + 1},\r\n"
    )
    cases = write(tmp_path / "cases.csv", text, "gbk")
    result = run("test", str(cases))
    assert result.exit_code == 1, result.output
    assert "'职工 错的预期' on 2012-06-01" in result.output
    assert "'职工 三万五'" not in result.output  # it passed
    assert "1 of" in result.output
    forced = run("test", "--encoding", "gb18030", str(cases))
    assert forced.output == result.output


def test_ratebook_test_refuses_an_undecodable_case_file_at_its_line(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_bytes(
        f"policy,on,in:scheme,why\n{POLICY},2012-06-01,employee,ok\n".encode()
        + f"{POLICY},2012-06-01,employee,José\n".encode("cp1252")
    )
    result = run("test", str(cases))
    assert result.exit_code == 1
    assert f"{cases}:3: not UTF-8, GBK or GB18030 text: the bytes e9" in result.output
    assert "--encoding" in result.output and "no case was run" in result.output


def test_diff_reads_a_gbk_case_file_as_its_utf8_twin(tmp_path):
    base, head = tree(tmp_path / "base"), tree(tmp_path / "head")
    edit(
        head,
        "unemployment/benefit.yaml",
        "      - {from: 2012-07-01, value: 520}\n",
        "      - {from: 2012-07-01, value: 520}\n      - {from: 2013-01-01, value: 560}\n",
    )
    text = (
        "policy,case,on,in:min_living_standard,in:min_wage\r\n"
        "unemployment.benefit,失业人员 甲,2013/1/1,300,1140\r\n"
        "unemployment.benefit,失业人员 乙,2012/8/1,300,1140\r\n"
    )
    gbk = write(tmp_path / "gbk.csv", text, "gbk")
    utf8 = write(tmp_path / "utf8.csv", text, "utf-8")
    outputs = []
    for cases in (gbk, utf8):
        report = tmp_path / f"{cases.stem}.report.csv"
        result = run(
            "diff", "--base", str(base), "--cases", str(cases), "--out", str(report), root=head
        )
        assert result.exit_code == 0, result.output
        outputs.append(result.output.replace(str(cases), "CASES").replace(str(report), "OUT"))
        rows = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
        assert [r["case"].split(" (")[0] for r in rows] == ["失业人员 甲"]
    assert outputs[0] == outputs[1]


# -- files written for Excel ----------------------------------------------------------------------------


def test_a_published_csv_starts_with_the_bom_and_opens_with_utf8_sig(tmp_path):
    import json

    import pandas as pd

    result = run("publish", "--out", str(tmp_path), "--format", "csv", "pension.death_benefits")
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "csv").rglob("*.csv"))
    assert files
    for path in files:
        assert path.read_bytes().startswith(BOM)
        with open(path, newline="", encoding="utf-8-sig") as stream:
            header = next(csv.reader(stream))
        assert header[:2] == ["policy", "parameter"]
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
        assert list(frame.columns) == header and set(frame["policy"]) == {"pension.death_benefits"}
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert "utf-8-sig" in manifest["csv"]
