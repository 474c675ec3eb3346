"""One text, one meaning: every path that reads a value reads it the same way, or refuses it
with the same reason.

The same texts go through every reader ratebook has: a policy workbook (a parameter's value,
its start date, an enum's `ordered` flag, and an example case's input cell), a YAML policy
(the same places), a CSV and an Excel case file run as `ratebook test` runs them, `--set`
through the generated module's `evaluate`, `evaluate_batch` on a text column (a Python list
and an Arrow array), and `ratebook eval --cases` on a CSV file. Each row of TABLE names one
outcome: the value read, EMPTY (the field is not given, its default applies) or the code of
the refusal, whose English sentence every path must show.

What each reader accepted before they shared `generator.core.values` (for the record; the
last column is what every path does now):

    kind     text             policy workbook   YAML policy  case files, --set,   now
                                                             batch (runtime)
    number   30%              0.3               0.3          refused              0.3
    number   35,000           35000             refused      refused              35000
    number   3.5万            35000             refused      refused              35000
    number   ３５０００       35000             refused      35000                35000
    number   −5               -5                refused      refused              -5
    number   ' 35000 '        35000             refused      35000                35000
    number   1e3              refused           1000 (bare)  1000                 refused
    number   1_000            refused           1000 (bare)  1000                 refused
    number   5.               refused           refused      5                    refused
    number   5²               52                refused      refused              refused
    number   ¥35,000.00       refused           refused      refused              refused
    number   '  '             empty             refused      refused              empty
    integer  35,000 / 3.5万   35000             -            refused              35000
    boolean  TRUE / true      true              true (bare)  true                 true
    boolean  是 / yes / 否    true/true/false   refused      refused              true/true/false
    boolean  ＴＲＵＥ         true              refused      refused              true
    date     2012-07-01       2012-07-01        2012-07-01   2012-07-01           2012-07-01
    date     2012/7/1         2012-07-01        refused      refused              2012-07-01
    date     2012年7月1日     2012-07-01        refused      refused              2012-07-01
    date     2012-7-1         2012-07-01        refused      refused              2012-07-01
    date     20120701         refused           refused      2012-07-01           refused
    date     2012-W26-7       refused           refused      2012-07-01           refused
    enum     ' resident '     resident          -            resident             resident

Where they disagreed, a text is read as a policy workbook reads it when that is exact and
unambiguous (Chinese officers type these forms in Excel), and refused otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import cli
from generator import batch_runtime
from generator.batch.run import _dates
from generator.checks.project import load_source
from generator.convert.to_workbook import emit_workbook
from generator.core import values as V
from generator.evaluate.interpreter import evaluate as interpret
from generator.evaluate.modules import load_policy_module
from generator.regress.case_files import read_cases
from generator.regress.case_run import run_cases

ON = dt.date(2012, 7, 1)
EMPTY = object()  # the field is not given: its default applies


@dataclass(frozen=True)
class Refused:
    code: str


# inputs of the probe policy by kind, and the output that shows what the input was read as
FIELD = {"number": "n", "integer": "i", "boolean": "b", "enum": "e", "date": "d"}
OUTPUT = {
    "number": "n_out",
    "integer": "i_out",
    "boolean": "b_out",
    "enum": "e_out",
    "date": "d_out",
}
ALLOWED = {"enum": ("employee", "resident")}
UNITS = {"number": "1", "integer": "person"}  # the probe's number fields: a ratio, a head count
DEFAULT_OUTPUT = {"n_out": D(0), "i_out": 0, "b_out": False, "e_out": False, "d_out": False}

TABLE = [
    ("number", "35000", D(35000)),
    ("number", "30%", D("0.3")),
    ("number", "６０％", D("0.6")),
    ("number", "35,000", D(35000)),
    ("number", " 35000 ", D(35000)),
    ("number", "3.5万", D(35000)),
    ("number", "３５０００", D(35000)),
    ("number", "−5", D(-5)),
    ("number", "+5", D(5)),
    ("number", "0.1", D("0.1")),
    ("number", "1e3", Refused("number.exponent")),
    ("number", "1_000", Refused("number.form")),
    ("number", "5.", Refused("number.form")),
    ("number", "5²", Refused("number.form")),
    ("number", "1,5", Refused("number.comma")),
    ("number", "20 000", Refused("number.spaces")),
    ("number", "¥35,000.00", Refused("number.unit-mismatch")),  # yuan on a ratio
    ("number", "35000元", Refused("number.unit-mismatch")),
    ("number", "NaN", Refused("number.form")),
    ("number", "N/A", Refused("number.form")),
    ("number", "null", Refused("number.form")),
    ("number", "TRUE", Refused("number.form")),
    ("number", "", EMPTY),
    ("number", "  ", EMPTY),
    ("integer", "35000", 35000),
    ("integer", "35,000", 35000),
    ("integer", "3.5万", 35000),
    ("integer", "2.0", 2),
    ("integer", "３", 3),
    ("integer", "2.5", Refused("integer.not_whole")),
    ("integer", "30%", Refused("number.percent")),  # a head count is no ratio
    ("integer", "3人", 3),
    ("integer", "３ 名", 3),
    ("integer", "3个月", Refused("number.unit-mismatch")),
    ("integer", "many", Refused("integer.not_whole")),
    ("integer", "1e3", Refused("number.exponent")),
    ("integer", "", EMPTY),
    ("boolean", "TRUE", True),
    ("boolean", "true", True),
    ("boolean", "True", True),
    ("boolean", "是", True),
    ("boolean", "yes", True),
    ("boolean", "ＴＲＵＥ", True),
    ("boolean", "FALSE", False),
    ("boolean", "否", False),
    ("boolean", "no", False),
    ("boolean", "1", Refused("boolean.form")),
    ("boolean", "maybe", Refused("boolean.form")),
    ("boolean", "  ", EMPTY),
    ("enum", "resident", "resident"),
    ("enum", " resident ", "resident"),
    ("enum", "employee", "employee"),
    ("enum", "Resident", Refused("enum.not_allowed")),
    ("enum", "farmer", Refused("enum.not_allowed")),
    ("enum", "", EMPTY),
    ("date", "2012-07-01", ON),
    ("date", "2012/7/1", ON),
    ("date", "2012年7月1日", ON),
    ("date", "2012 年 7 月 1 日", ON),
    ("date", "2012-7-1", ON),
    ("date", "2012.7.1", ON),
    ("date", "２０１２-０７-０１", ON),
    ("date", " 2012-07-01 ", ON),
    ("date", "20120701", Refused("date.form")),
    ("date", "7/1/2012", Refused("date.form")),
    ("date", "2012-W26-7", Refused("date.form")),
    ("date", "2012-02-30", Refused("date.not_real")),
    ("date", "2012年13月1日", Refused("date.not_real")),
    ("date", "", EMPTY),
]
IDS = [f"{kind}:{text!r}" for kind, text, _ in TABLE]

PROBE = """\
ratebook: 1
id: probe.values
title: {zh: 读值, en: Reading values}
source: {title: Test source, date: "2012", clause: "1"}

inputs:
  n: {type: number, unit: "1", default: 0}
  i: {type: integer, unit: person, default: 0}
  b: {type: boolean, default: false}
  e: {type: enum, values: [employee, resident], ordered: ORDERED, default: employee}
  d: {type: date, default: "2000-01-01"}

outputs:
  n_out: {type: number, unit: "1", rounding: {places: 4}}
  i_out: {type: integer, unit: person}
  b_out: {type: boolean}
  e_out: {type: boolean}
  d_out: {type: boolean}
  p_out: {type: number, unit: "1", rounding: {places: 4}}

parameters:
  p:
    kind: amount
    unit: "1"
    values:
      - {from: FROM, value: VALUE}

formulas:
  n_out: n
  i_out: i + 0
  b_out: b
  e_out: e = "resident"
  d_out: d = date("2012-07-01")
  p_out: p

cases:
CASES
"""


def probe_yaml(value="0.25", start="2012-01-01", ordered="false", cases=None) -> str:
    """The probe policy with the given texts in its value, start date and `ordered` flag."""
    cases = cases or [{"name": "defaults", "on": "2012-07-01", "inputs": {}, "expected": {}}]
    return (
        PROBE.replace("VALUE", json.dumps(value, ensure_ascii=False))
        .replace("FROM", json.dumps(start, ensure_ascii=False))
        .replace("ORDERED", json.dumps(ordered, ensure_ascii=False))
        .replace("CASES", "\n".join(f"  - {json.dumps(c, ensure_ascii=False)}" for c in cases))
    )


def refusal(kind: str, text: str) -> V.Refusal:
    """The one reader's refusal of `text` as `kind`: every path must show its sentence."""
    try:
        V.read(text, kind, ALLOWED.get(kind, ()), UNITS.get(kind))
    except V.Refusal as refused:
        return refused
    raise AssertionError(f"{text!r} is read as a {kind}")


def output_of(kind: str, outcome):
    """The probe's output for an input read as `outcome`."""
    if outcome is EMPTY:
        return DEFAULT_OUTPUT[OUTPUT[kind]]
    if kind == "enum":
        return outcome == "resident"
    if kind == "date":
        return outcome == ON
    return outcome


def written(value) -> str:
    """An expected output as a case file writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Seen:
    """What one path made of one text: the output it gave, or the message it refused with."""

    output: object = None
    message: str | None = None


# -- the paths ---------------------------------------------------------------------------------


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project holding only the probe policy, built."""
    root = tmp_path_factory.mktemp("probe")
    write(root, "policies/probe/values.yaml", probe_yaml())
    result = CliRunner().invoke(cli.main, ["--root", str(root), "build"])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="module")
def policy(project):
    loaded, findings = load_source(project / "policies/probe/values.yaml", project)
    assert loaded is not None, findings
    return loaded


@pytest.fixture(scope="module")
def workbook(policy) -> bytes:
    """The probe policy as a workbook, as `ratebook convert` writes it."""
    return emit_workbook(policy)


@pytest.fixture(scope="module")
def module(project):
    return load_policy_module(project / "generated", "probe.values")


def errors_of(findings) -> str:
    return "\n".join(f.message for f in findings if f.severity == "error")


def policy_value_yaml(tmp_path: Path, kind: str, text: str) -> Seen:
    """A YAML policy with the text as a rate's value, its start date or an enum's `ordered`."""
    given = {"number": {"value": text}, "date": {"start": text}, "boolean": {"ordered": text}}
    path = write(tmp_path, "policies/probe/values.yaml", probe_yaml(**given[kind]))
    loaded, findings = load_source(path, tmp_path)
    return _policy_value(loaded, findings, kind)


def policy_value_workbook(tmp_path: Path, workbook: bytes, kind: str, text: str) -> Seen:
    """The same, typed as text into the cell of a policy workbook."""
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    sheet, ref = {"number": ("数值 Values", "C2"), "date": ("数值 Values", "B2")}.get(
        kind, ("输入 Inputs", "G5")
    )
    book[sheet][ref].value = text
    path = tmp_path / "policies/probe/values.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    loaded, findings = load_source(path, tmp_path)
    return _policy_value(loaded, findings, kind)


def _policy_value(loaded, findings, kind: str) -> Seen:
    if loaded is None or errors_of(findings):
        return Seen(message=errors_of(findings))
    if kind == "number":
        return Seen(loaded.parameters[0].values[0].value)
    if kind == "date":
        return Seen(loaded.parameters[0].values[0].start)
    return Seen(next(f for f in loaded.inputs if f.name == "e").ordered)


def example_case_yaml(tmp_path: Path, kind: str, text: str) -> Seen:
    """A YAML policy whose example case gives the text as an input."""
    case = {"name": "probe", "on": "2012-07-01", "inputs": {FIELD[kind]: text}, "expected": {}}
    path = write(tmp_path, "policies/probe/values.yaml", probe_yaml(cases=[case]))
    return _example_case(*load_source(path, tmp_path), kind)


def example_case_workbook(tmp_path: Path, workbook: bytes, kind: str, text: str) -> Seen:
    """A policy workbook whose example case has the text typed into the input's cell."""
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    sheet = book["案例 Cases"]
    header = [c.value for c in sheet[1]]
    for column, name in enumerate(header, start=1):
        if isinstance(name, str) and name.startswith("out:"):
            sheet.cell(row=2, column=column).value = None
    sheet.cell(row=2, column=header.index(f"in:{FIELD[kind]}") + 1).value = text
    path = tmp_path / "policies/probe/values.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return _example_case(*load_source(path, tmp_path), kind)


def _example_case(loaded, findings, kind: str) -> Seen:
    if loaded is None or errors_of(findings):
        return Seen(message=errors_of(findings))
    case = loaded.cases[0]
    return Seen(interpret(loaded, dict(case.inputs), case.on)[OUTPUT[kind]])


@pytest.fixture(scope="module")
def case_file_results(project, policy, tmp_path_factory) -> dict:
    """Every row of TABLE as a case of a CSV and of an Excel case file, run as `ratebook test`
    runs them: each case expects the output its text means, or a refusal with its sentence."""
    folder = tmp_path_factory.mktemp("case_files")
    header = ["policy", "case", "on", *(f"in:{n}" for n in FIELD.values())]
    header += [*(f"out:{o}" for o in OUTPUT.values()), "error"]
    rows = []
    for index, (kind, text, outcome) in enumerate(TABLE):
        row = {h: "" for h in header}
        row.update({"policy": "probe.values", "case": f"row{index}", "on": "2012-07-01"})
        row[f"in:{FIELD[kind]}"] = text
        if isinstance(outcome, Refused):
            row["error"] = refusal(kind, text).message
        else:
            row[f"out:{OUTPUT[kind]}"] = written(output_of(kind, outcome))
        rows.append(row)
    with open(folder / "cases.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, header)
        writer.writeheader()
        writer.writerows(rows)
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append([row[h] or None for h in header])
    book.save(folder / "cases.xlsx")
    results = {}
    for name in ("cases.csv", "cases.xlsx"):
        cases, findings = read_cases([folder / name], folder)
        assert findings == []
        assert len(cases) == len(TABLE)
        results[name] = {r.case.name: r for r in run_cases([policy], cases)}
    return results


def by_set(project: Path, kind: str, text: str) -> Seen:
    """`ratebook eval probe.values --set NAME=TEXT --json`, through the generated module."""
    result = CliRunner().invoke(
        cli.main,
        ["--root", str(project), "eval", "probe.values", "--set", f"{FIELD[kind]}={text}"]
        + ["--on", "2012-07-01", "--json"],
    )
    if result.exit_code != 0:
        return Seen(message=result.output)
    shown = json.loads(result.output)["outputs"][OUTPUT[kind]]
    return Seen(D(shown) if isinstance(shown, str) else shown)


@pytest.fixture(scope="module")
def batch_results(module) -> dict:
    """`evaluate_batch` on each kind's texts at once, as a Python list and as an Arrow array."""
    results = {}
    for kind, name in FIELD.items():
        rows = [(i, text) for i, (k, text, _) in enumerate(TABLE) if k == kind]
        texts = [text for _, text in rows]
        for form, column in (("list", texts), ("arrow", pa.array(texts, pa.string()))):
            result = module.evaluate_batch({name: column}, ON)
            shown = result.text(OUTPUT[kind])
            for position, (index, _) in enumerate(rows):
                messages = [m for row, _, m in result.errors if row == position]
                if messages:
                    results[form, index] = Seen(message="\n".join(messages))
                else:
                    value = shown[position]
                    results[form, index] = Seen(D(value) if isinstance(value, str) else value)
    return results


@pytest.fixture(scope="module")
def eval_cases_results(project, tmp_path_factory) -> dict:
    """`ratebook eval probe.values --cases cases.csv --out out.csv` over every row of TABLE."""
    folder = tmp_path_factory.mktemp("eval_cases")
    names = list(FIELD.values())
    with open(folder / "cases.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(names)
        for kind, text, _ in TABLE:
            writer.writerow([text if name == FIELD[kind] else "" for name in names])
    result = CliRunner().invoke(
        cli.main,
        ["--root", str(project), "eval", "probe.values", "--on", "2012-07-01"]
        + ["--cases", str(folder / "cases.csv"), "--out", str(folder / "out.csv")],
    )
    assert result.exit_code == 0, result.output
    with open(folder / "out.csv", newline="", encoding="utf-8") as stream:
        outputs = {int(r["row"]): r for r in csv.DictReader(stream)}
    with open(folder / "out.errors.csv", newline="", encoding="utf-8-sig") as stream:
        refused: dict[int, list[str]] = {}
        for r in csv.DictReader(stream):
            refused.setdefault(int(r["row"]), []).append(r["reason"])
    seen = {}
    for index, (kind, _, _) in enumerate(TABLE):
        if index + 1 in refused:
            seen[index] = Seen(message="\n".join(refused[index + 1]))
        else:
            shown = outputs[index + 1][OUTPUT[kind]]
            if kind in ("boolean", "enum", "date"):
                seen[index] = Seen(shown == "true")
            else:
                seen[index] = Seen(int(shown) if kind == "integer" else D(shown))
    return seen


# -- one outcome per text, on every path ----------------------------------------------------------


def agrees(kind: str, text: str, outcome, seen: Seen, path: str, expected_output=None) -> None:
    wanted = output_of(kind, outcome) if expected_output is None else expected_output
    if isinstance(outcome, Refused):
        assert seen.message is not None, f"{path}: {text!r} was read as {seen.output!r}"
        assert refusal(kind, text).message in seen.message, f"{path}: {seen.message}"
    else:
        assert seen.message is None, f"{path}: {text!r} was refused: {seen.message}"
        assert seen.output == wanted and type(seen.output) is type(wanted), (
            f"{path}: {text!r} gave {seen.output!r}, not {wanted!r}"
        )


@pytest.mark.parametrize("kind, text, outcome", TABLE, ids=IDS)
def test_the_one_reader_gives_the_outcome_of_the_table(kind, text, outcome):
    if isinstance(outcome, Refused):
        assert refusal(kind, text).code == outcome.code
    else:
        got = V.read(text, kind, ALLOWED.get(kind, ()), UNITS.get(kind))
        assert (got is None) if outcome is EMPTY else (got == outcome), got


@pytest.mark.parametrize("kind, text, outcome", TABLE, ids=IDS)
def test_a_text_means_the_same_in_a_policy_workbook_and_a_yaml_policy(
    tmp_path, workbook, kind, text, outcome
):
    if kind in ("number", "date", "boolean") and outcome is not EMPTY:
        wanted = outcome
        for path, seen in (
            ("YAML policy value", policy_value_yaml(tmp_path / "yaml", kind, text)),
            ("workbook cell", policy_value_workbook(tmp_path / "xlsx", workbook, kind, text)),
        ):
            agrees(kind, text, outcome, seen, path, expected_output=wanted)
    for path, seen in (
        ("YAML example case", example_case_yaml(tmp_path / "case_yaml", kind, text)),
        (
            "workbook example case",
            example_case_workbook(tmp_path / "case_xlsx", workbook, kind, text),
        ),
    ):
        agrees(kind, text, outcome, seen, path)


@pytest.mark.parametrize("kind, text, outcome", TABLE, ids=IDS)
def test_a_text_means_the_same_in_case_files_set_and_the_batch(
    project, case_file_results, batch_results, eval_cases_results, kind, text, outcome
):
    index = next(i for i, row in enumerate(TABLE) if row == (kind, text, outcome))
    for name, results in case_file_results.items():
        result = results[f"row{index}"]
        assert result.passed, f"{name} (ratebook test): {result.differences}"
    agrees(kind, text, outcome, by_set(project, kind, text), "--set")
    agrees(kind, text, outcome, batch_results["list", index], "evaluate_batch (list)")
    agrees(kind, text, outcome, batch_results["arrow", index], "evaluate_batch (Arrow)")
    agrees(kind, text, outcome, eval_cases_results[index], "ratebook eval --cases")


# -- the batch's vectorised fast paths read what the one reader reads -------------------------------

PIECES = [
    *"0123456789",
    *"-+.,%万eE_:/年月日aT",
    " ",
    "\u3000",  # full-width space
    "\xa0",  # no-break space
    "\x85",  # next line: whitespace to Python
    "\u200b",  # zero-width space
    "\ufeff",  # byte-order mark
    "\u180e",  # Mongolian vowel separator: whitespace to some, not to Python
    "\u2060",  # word joiner
    *"０５９－．，％ＴＲＵＥ",
    "true",
    "FALSE",
    "是",
    "2012",
    "-07-01",
]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
SPACE = st.sampled_from(["", " ", "  ", "\t", "\u3000", "\xa0", "\u200b", "\ufeff", "\u180e"])
PLAIN_NUMBERS = st.builds(
    lambda before, number, after: f"{before}{number}{after}",
    SPACE,
    st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False).map(str),
    SPACE,
)
NEAR_NUMBERS = st.builds(
    lambda *parts: "".join(parts),
    SPACE,
    st.sampled_from(["", "", "-", "+", "−", "－"]),
    st.text("0123456789", max_size=13) | st.sampled_from(["1,000", "12,345,678", "1,00", "０５"]),
    st.sampled_from(["", "", ".", "．", ","]),
    st.text("0123456789", max_size=6),
    st.sampled_from(["", "", "", "%", " %", "万", "e3", "_0", "元"]),
    SPACE,
)
SHORT = st.text("0123.-+ ", max_size=6)  # the edges of the plain form, densely
DATE_TEXTS = st.builds(
    lambda before, day, form, after: f"{before}{day.strftime(form)}{after}",
    SPACE,
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d", "%d/%m/%Y"]),
    SPACE,
)

ISO_SHAPED = st.builds(  # YYYY-MM-DD, real or not (2012-02-30, 2012-13-01)
    lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
)


# What the vectorised paths must read themselves (never leave to the exact path): a plain
# number of up to nine whole digits and four decimals (a whole number, for an integer input),
# and true/false or an enum value written in ASCII as given. Without these the tests below
# would pass if every row were sent to the exact path.
PLAIN_FORM = re.compile(r"-?[0-9]{1,9}(\.[0-9]{1,4})?")
WHOLE_FORM = re.compile(r"-?[1-9][0-9]{0,8}|0")
PLAIN_FLAGS = ("true", "false", "TRUE", "FALSE")


def one_reading(read, text: str):
    """What the one reader makes of `text`: ("value", v), ("empty",) or ("refused", code)."""
    try:
        value = read(text)
    except V.Refusal as refused:
        return ("refused", refused.code)
    return ("empty",) if value is None else ("value", value)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TEXTS, SHORT, PLAIN_NUMBERS, NEAR_NUMBERS), min_size=10, max_size=60))
def test_the_batch_reads_a_number_column_as_the_one_reader_or_leaves_the_row_to_it(texts):
    """Rows the vectorised path reads hold exactly the one reader's value; every other row is
    flagged for the exact path, which reads it with the one reader itself."""
    for column, integer in itertools.product((pa.array(texts, pa.string()), texts), (False, True)):
        scale = 0 if integer else batch_runtime.INPUT_SCALE
        batch = batch_runtime.Batch({"x": column}, ON, ("x",))
        numerators = batch.number("x", integer=integer)
        for text, numerator, flagged in zip(
            texts, numerators.tolist(), batch.exact.tolist(), strict=True
        ):
            if not flagged:
                assert one_reading(V.read_number, text) == ("value", D(numerator).scaleb(-scale))
            else:
                assert not (WHOLE_FORM if integer else PLAIN_FORM).fullmatch(text), text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TEXTS, DATE_TEXTS, ISO_SHAPED), min_size=10, max_size=60))
def test_the_batch_reads_the_date_column_as_the_one_reader(texts):
    """The `on` column: YYYY-MM-DD read vectorised, the rest row by row, all as the one reader."""
    days, bad = _dates(pa.array(texts, pa.string()))
    refused = dict(bad)
    for row, text in enumerate(texts):
        reading = one_reading(V.read_date, text)
        if row in refused:
            assert reading[0] != "value", (text, reading)
            if reading[0] == "refused":
                assert refused[row] == refusal("date", text).message
        else:
            assert reading == ("value", days[row].astype(dt.date)), text


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXTS, min_size=10, max_size=60))
def test_the_batch_reads_true_false_and_enum_columns_as_the_one_reader(texts):
    """Booleans and enums: rows read vectorised mean what the one reader says they mean."""
    for column in (pa.array(texts, pa.string()), texts):
        _true_false_and_enum_agree(texts, column)


def _true_false_and_enum_agree(texts: list, column) -> None:
    allowed = ("true", "是", "2012", "0")
    batch = batch_runtime.Batch({"b": column, "e": column}, ON, ("b", "e"))
    flags = batch.boolean("b")
    flagged = batch.exact.copy()
    for text, value, off_path in zip(texts, flags.tolist(), flagged.tolist(), strict=True):
        if not off_path:
            assert one_reading(V.flag, text) == ("value", value), text
        else:
            assert text not in PLAIN_FLAGS, text
    batch = batch_runtime.Batch({"b": column, "e": column}, ON, ("b", "e"))
    codes = batch.choice("e", allowed)
    for text, code, off_path in zip(texts, codes.tolist(), batch.exact.tolist(), strict=True):
        if not off_path:
            assert one_reading(lambda t: V.choice(t, allowed), text) == ("value", allowed[code])
        else:
            assert text not in ("true", "2012", "0"), text


# -- typed files: a number of the file's own syntax is a number ------------------------------------


def test_a_json_number_and_an_excel_number_cell_are_numbers_not_text(project, tmp_path):
    """JSON's 1e-05 is a number written in JSON, not text with an exponent, and an Excel float
    cell is the number Excel shows (15 significant digits), in a batch file as in a policy."""
    (tmp_path / "cases.jsonl").write_text(
        '{"n": 1e-05}\n{"n": 35000}\n{"n": "1e3"}\n', encoding="utf-8"
    )
    book = openpyxl.Workbook()
    book.active.append(["n"])
    for value in (123456789012.34567, 1e-05, "30%"):
        book.active.append([value])
    book.save(tmp_path / "cases.xlsx")
    for name, wanted in (
        ("cases.jsonl", {1: "0.0000", 2: "35000.0000"}),  # n_out keeps 4 places
        ("cases.xlsx", {1: "123456789012.3460", 2: "0.0000", 3: "0.3000"}),
    ):
        out = tmp_path / f"{name.replace('.', '_')}.csv"
        result = CliRunner().invoke(
            cli.main,
            ["--root", str(project), "eval", "probe.values", "--on", "2012-07-01"]
            + ["--cases", str(tmp_path / name), "--out", str(out)],
        )
        assert result.exit_code == 0, result.output
        with open(out, newline="", encoding="utf-8") as stream:
            assert {int(r["row"]): r["n_out"] for r in csv.DictReader(stream)} == wanted
    errors = (tmp_path / "cases_jsonl.errors.csv").read_text(encoding="utf-8-sig")
    assert refusal("number", "1e3").message in errors


def test_an_excel_float_cell_in_a_case_workbook_is_read_as_in_a_policy_workbook(policy, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["policy", "on", "in:n", "out:n_out"])
    book.active.append(
        ["probe.values", dt.datetime(2012, 7, 1), 123456789012.34567, "123456789012.346"]
    )
    book.save(tmp_path / "cases.xlsx")
    cases, findings = read_cases([tmp_path / "cases.xlsx"], tmp_path)
    excel_shows = D("123456789012.346")  # Excel's 15 significant digits
    assert findings == [] and dict(cases[0].inputs) == {"n": excel_shows}
    assert run_cases([policy], cases)[0].passed


@pytest.mark.parametrize(
    "word, candidates, close",
    [
        ("schem", ("scheme", "cost"), ["scheme"]),
        (
            "secondary_compensaton",
            ("medical.secondary_compensation", "medical.inpatient"),
            ["medical.secondary_compensation"],
        ),
        (
            "inpatient",
            ("medical.resident_inpatient", "pension.basic"),
            ["medical.resident_inpatient"],
        ),
        ("employe", ("employee", "resident"), ["employee"]),
        ("farmer", ("employee", "resident"), []),
    ],
)
def test_close_names_are_offered_from_the_candidates_a_dotted_id_also_by_its_last_part(
    word, candidates, close
):
    from generator.core.values import close_names, did_you_mean

    assert close_names(word, candidates) == close
    hint = did_you_mean(word, candidates)
    assert (str(hint) == f" (did you mean '{close[0]}'?)") if close else hint == ""


# -- a number and its field's unit ----------------------------------------------------------------

UNITS_POLICY = """\
ratebook: 1
id: probe.units
title: {zh: 单位, en: Units}
source: {title: Test source, date: "2012", clause: "1"}

inputs:
  area: {type: number, unit: m2, min: 0}
  cost: {type: number, unit: yuan, min: 0}

outputs:
  total: {type: number, unit: yuan}

parameters:
  grant:
    kind: amount
    unit: yuan
    values:
      - {from: 2012-01-01, value: GRANT}
  share:
    kind: rate
    values:
      - {from: 2012-01-01, value: SHARE}
  by_area:
    kind: scale
    method: whole_amount
    input_unit: m2
    output_unit: yuan
    values:
      - from: 2012-01-01
        brackets:
          - {below: BOUND, amount: 100}
          - {at_least: BOUND, amount: 200}

formulas:
  total: grant + cost * share + scale(by_area, area)
"""


def units_policy(tmp_path: Path, grant="35000", share="30%", bound="100"):
    text = (
        UNITS_POLICY.replace("GRANT", json.dumps(grant, ensure_ascii=False))
        .replace("SHARE", json.dumps(share, ensure_ascii=False))
        .replace("BOUND", json.dumps(bound, ensure_ascii=False))
    )
    path = write(tmp_path, "policies/probe/units.yaml", text)
    return load_source(path, tmp_path)


@pytest.mark.parametrize(
    "grant, share, bound",
    [
        ("35000元", "30%", "100平方米"),
        ("3.5万元", "0.3", "100㎡"),
        ("¥35,000", "30%", "100 m2"),
    ],
)
def test_a_yaml_policy_reads_a_number_written_with_its_fields_unit(tmp_path, grant, share, bound):
    policy, findings = units_policy(tmp_path, grant, share, bound)
    assert errors_of(findings) == ""
    plain, _ = units_policy(tmp_path / "plain")
    assert policy == plain
    assert policy.parameter("grant").values[0].value == D(35000)


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            {"grant": "56000%"},
            "'56000%': a percentage is read only on a ratio (unit 1); this field is in yuan",
        ),
        ({"grant": "35000平方米"}, "平方米 is not the unit of this field, which is yuan"),
        ({"share": "30元"}, "'30元': 元 is not the unit of this field, which is 1"),
        ({"bound": "100元"}, "'100元': 元 is not the unit of this field, which is m²"),
        ({"grant": "35000块"}, "'35000块' is not a number; write digits such as 20000"),
    ],
)
def test_a_yaml_policy_refuses_a_unit_or_percentage_that_does_not_fit_the_field(
    tmp_path, edit, message
):
    _, findings = units_policy(tmp_path, **edit)
    assert message in errors_of(findings)
    placed = [f.location for f in findings if f.severity == "error"]
    assert placed and all(p.file.endswith("units.yaml") and p.line for p in placed)


@pytest.mark.parametrize(
    "value, same_as",
    [("35000元", "35000"), ("3.5万元", "35000"), ("35,000 元", "35000")],
)
def test_set_reads_an_amount_written_with_its_unit_as_the_plain_amount(value, same_as):
    def outputs(cost):
        args = ["eval", "medical.secondary_compensation", "--set", "scheme=employee"]
        return CliRunner().invoke(
            cli.main, [*args, "--set", f"out_of_pocket={cost}", "--on", "2013-01-01", "--json"]
        )

    written, plain = outputs(value), outputs(same_as)
    assert written.exit_code == 0, written.output
    assert json.loads(written.output)["outputs"] == json.loads(plain.output)["outputs"]


@pytest.mark.parametrize(
    "value, reason",
    [
        (
            "56000%",
            "'56000%': a percentage is read only on a ratio (unit 1); this field is in yuan",
        ),
        ("35000人", "'35000人': 人 is not the unit of this field, which is yuan"),
    ],
)
def test_set_refuses_a_percentage_or_another_unit_on_an_amount(value, reason):
    result = CliRunner().invoke(
        cli.main,
        [
            "eval",
            "medical.secondary_compensation",
            "--set",
            "scheme=employee",
            "--set",
            f"out_of_pocket={value}",
            "--on",
            "2013-01-01",
        ],
    )
    assert result.exit_code == 1
    assert f"out_of_pocket: {reason}" in result.output
