"""Fuzzing the real CLI with mutated policies, workbooks and case files.

Each example mutates one input of a small project in tmp_path (YAML text, workbook bytes,
workbook cells, a case file), runs `ratebook` in process, and checks what any input must
give: exit 0 or 1 (2 for a usage error), no traceback, no exception escaping the command,
and `generated/` exactly as it was whenever the command failed.

CI runs a few examples of each kind (about 30 s in all). A longer run raises the number of
examples per test with an environment variable:

    RATEBOOK_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py -p no:cacheprovider
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli
from tests.test_limits import POLICY

EXAMPLES = int(os.environ.get("RATEBOOK_FUZZ_EXAMPLES", "8"))
FUZZ = settings(
    max_examples=EXAMPLES,
    # bounded time per example: every input is refused or read well within this
    deadline=timedelta(seconds=30),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)

# pieces that break YAML, numbers, formulas and workbooks in the ways people and programs do
HOSTILE = [
    "&a [1, 2]",
    "*a",
    "*undefined",
    "!!python/object:os.system",
    "[" * 200,
    "{a: " * 100,
    ".inf",
    "-.inf",
    ".nan",
    "1e308",
    "1" + "0" * 400,
    "0." + "0" * 300 + "1",
    "9" * 30,
    "-0",
    "'",
    '"',
    "\t",
    "\x00",
    "\ufeff",
    "\u202e",
    "医疗",
    "#",
    ": ",
    "- ",
    "? ",
    "|",
    ">-",
    "%YAML 1.1",
    "---",
    "...",
    "(" * 300,
    "amount + " * 100,
    "if then else",
    "min(",
    "=1/0",
    "2012-02-30",
    "1,5",
    "3.5万",
    "30%",
    "x" * 5000,
]


def snapshot(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def invoke(root: Path, *args: str) -> int:
    """Runs one command; checks what every command must give, whatever the input."""
    before = snapshot(root / "generated")
    result = CliRunner().invoke(cli.main, ["--root", str(root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    assert "Traceback" not in result.output, result.output
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
    if result.exit_code != 0:
        assert snapshot(root / "generated") == before, (args, result.output)
    return result.exit_code


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A project of one small policy, built, with its workbook beside it for the cell tests."""
    root = tmp_path_factory.mktemp("fuzz")
    (root / "policies" / "test").mkdir(parents=True)
    (root / "policies" / "test" / "tiny.yaml").write_text(POLICY, encoding="utf-8")
    assert CliRunner().invoke(cli.main, ["--root", str(root), "build"]).exit_code == 0
    book = root / "tiny.xlsx"
    result = CliRunner().invoke(
        cli.main, ["--root", str(root), "export-xlsx", "test.tiny", "-o", str(book)]
    )
    assert result.exit_code == 0, result.output
    return root


def copy(built: Path, tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(built, root)
    return root


@st.composite
def mutated_text(draw, original: str) -> str:
    """The text with a few pieces replaced, inserted or deleted at random places."""
    text = original
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        end = min(len(text), at + draw(st.integers(0, 40)))
        piece = draw(
            st.one_of(
                st.sampled_from(HOSTILE),
                st.text(max_size=20),
                st.just(text[at:end] * draw(st.integers(2, 50))),
            )
        )
        text = text[:at] + piece + text[end if draw(st.booleans()) else at :]
    return text


@st.composite
def mutated_bytes(draw, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=50))
        else:
            del data[at:]
        if not data:
            break
    return bytes(data)


@FUZZ
@given(data=st.data())
def test_a_mutated_yaml_policy_is_read_or_refused_cleanly(built, tmp_path, data):
    root = copy(built, tmp_path, "yaml")
    text = data.draw(mutated_text(POLICY))
    (root / "policies" / "test" / "tiny.yaml").write_text(text, encoding="utf-8")
    invoke(root, "validate")
    invoke(root, "build")


@FUZZ
@given(data=st.data())
def test_mutated_workbook_bytes_are_read_or_refused_cleanly(built, tmp_path, data):
    root = copy(built, tmp_path, "bytes")
    (root / "policies" / "test" / "tiny.yaml").unlink()
    raw = data.draw(mutated_bytes((built / "tiny.xlsx").read_bytes()))
    (root / "policies" / "test" / "tiny.xlsx").write_bytes(raw)
    invoke(root, "validate")
    invoke(root, "build")


CELL_VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=30),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.datetimes(),
)


@FUZZ
@given(data=st.data())
def test_mutated_workbook_cells_are_read_or_refused_cleanly(built, tmp_path, data):
    root = copy(built, tmp_path, "cells")
    (root / "policies" / "test" / "tiny.yaml").unlink()
    book = openpyxl.load_workbook(built / "tiny.xlsx")
    for _ in range(data.draw(st.integers(1, 5))):
        sheet = data.draw(st.sampled_from(book.worksheets))
        row = data.draw(st.integers(1, (sheet.max_row or 1) + 2))
        column = data.draw(st.integers(1, (sheet.max_column or 1) + 1))
        value = data.draw(CELL_VALUES)
        if isinstance(value, str):
            value = "".join(c for c in value if c >= " " or c in "\t\n")  # what a cell can hold
        sheet.cell(row, column).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    (root / "policies" / "test" / "tiny.xlsx").write_bytes(buffer.getvalue())
    invoke(root, "validate")
    invoke(root, "build")


CASES = "policy,case,on,in:amount,out:paid\ntest.tiny,half,2012-06-01,100,50\n"
BATCH = "amount\n100\n0.5\n35000\n"


@FUZZ
@given(data=st.data())
def test_a_mutated_case_file_is_read_or_refused_cleanly(built, tmp_path, data):
    root = copy(built, tmp_path, "cases")
    kind = data.draw(st.sampled_from(["csv", "jsonl", "bytes"]))
    if kind == "csv":
        raw = data.draw(mutated_text(CASES)).encode("utf-8")
        batch = data.draw(mutated_text(BATCH)).encode(
            data.draw(st.sampled_from(["utf-8", "gbk"])), "replace"
        )
    elif kind == "jsonl":
        raw = data.draw(mutated_text(CASES)).encode("utf-8")
        batch = data.draw(mutated_text('{"amount": "100"}\n{"amount": 0.5}\n')).encode()
    else:
        raw = data.draw(mutated_bytes(CASES.encode("utf-8")))
        batch = data.draw(mutated_bytes(BATCH.encode("utf-8")))
    (root / "cases.csv").write_bytes(raw)
    batch_file = root / ("batch.jsonl" if kind == "jsonl" else "batch.csv")
    batch_file.write_bytes(batch)
    invoke(root, "test", str(root / "cases.csv"))
    invoke(
        root,
        "eval",
        "test.tiny",
        "--cases",
        str(batch_file),
        "--out",
        str(root / "out.csv"),
        "--errors",
        str(root / "errors.csv"),
        "--on",
        "2012-06-01",
    )
    value = data.draw(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30)))
    if "\x00" not in value:
        invoke(root, "eval", "test.tiny", "--set", f"amount={value}", "--on", "2012-06-01")
