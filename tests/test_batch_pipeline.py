"""What makes a whole-file batch run fast keeps its output as it was: the CSV writer's money
columns, and the `ratebook` process that refuses to import pandas."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from generator.batch.files import ResultWriter
from generator.batch.run import money_array

from .conftest import ROOT


def test_csv_results_write_money_as_the_same_text(tmp_path):
    """Money goes to a CSV file as decimal64 where it fits: byte for byte the text a
    decimal128 column gives, negatives, zero, the largest 18 digits and blanks included."""
    fen = np.array([0, -5, 123, -100, 999_999_999_999_999_999, -1, 10**17], dtype=np.int64)
    money = money_array(fen, 2)
    valid = pa.array([True, True, True, True, True, False, True])
    money = pc.if_else(valid, money, pa.scalar(None, money.type))
    batch = pa.RecordBatch.from_pydict(
        {
            "row": pa.array(np.arange(1, 8)),
            "name": pa.array(["a", "b,c", 'd"e', "职工", None, "", "g"]),
            "pay": money,
            "wide": pa.array([Decimal("1.5")] * 7, pa.decimal128(30, 2)),
        }
    )
    out = tmp_path / "out.csv"
    writer = ResultWriter(out)
    writer.write(batch.slice(0, 3))
    writer.write(batch.slice(3))
    writer.commit()
    expected = tmp_path / "expected.csv"
    pcsv.write_csv(batch, expected)
    assert out.read_bytes() == expected.read_bytes()
    with open(out, newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [r["pay"] for r in rows] == [
        "0.00",
        "-0.05",
        "1.23",
        "-1.00",
        "9999999999999999.99",
        "",
        "1000000000000000.00",
    ]


def _run_in_its_own_process(cases, out, *options) -> str:
    """`ratebook eval --cases` as the `ratebook` script runs it (click's own entry), then
    whether pandas was imported."""
    program = (
        "import sys, cli\n"
        "try:\n"
        "    cli.main(sys.argv[1:])\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            program,
            "--root",
            str(ROOT),
            "eval",
            "medical.secondary_compensation",
            "--cases",
            str(cases),
            "--out",
            str(out),
            "--on",
            "2012-06-01",
            *options,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_batch_process_runs_without_pandas(tmp_path):
    """pyarrow would import pandas (half a second) on its first array; a `ratebook` process
    running a local batch refuses it and still writes every row."""
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "scheme,out_of_pocket\nemployee,35000\nresident,35000\nfarmer,1\n", encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    assert _run_in_its_own_process(cases, out) == "False"
    with open(out, newline="") as stream:
        assert [r["compensation"] for r in csv.DictReader(stream)] == ["5000.00", "10500.00"]
    errors = (tmp_path / "out.errors.csv").read_text(encoding="utf-8-sig")
    assert errors.splitlines()[1].startswith("3,scheme,")


def test_pandas_stays_importable_inside_another_program(tmp_path):
    """Run from another program (here click's test runner, as a notebook or a test would),
    the command leaves that program's imports alone."""
    from click.testing import CliRunner

    import cli

    cases = tmp_path / "cases.csv"
    cases.write_text("scheme,out_of_pocket\nemployee,35000\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli.main,
        ["--root", str(ROOT), "eval", "medical.secondary_compensation"]
        + ["--cases", str(cases), "--out", str(tmp_path / "out.csv"), "--on", "2012-06-01"],
    )
    assert result.exit_code == 0, result.output
    import importlib

    assert importlib.util.find_spec("pandas") is not None  # the test extra installs it
    assert not any(type(finder).__name__ == "_NoPandas" for finder in sys.meta_path)
