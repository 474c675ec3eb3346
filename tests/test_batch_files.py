"""`ratebook eval --cases FILE --out FILE`: every row accounted for, in every file format."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cli
from generator import runtime as rt

from .conftest import ROOT, load_generated

POLICY = "medical.secondary_compensation"
ROWS = [
    {"scheme": "employee", "out_of_pocket": "35000"},
    {"scheme": "resident", "out_of_pocket": "35000"},
    {"scheme": "farmer", "out_of_pocket": "100"},  # bad enum
    {"scheme": "employee", "out_of_pocket": "abc"},  # not a number
    {"scheme": "employee", "out_of_pocket": ""},  # missing
    {"scheme": "employee", "out_of_pocket": "-3"},  # below the minimum
    {"scheme": "employee", "out_of_pocket": "20000.02"},
    {"scheme": "resident", "out_of_pocket": "50000.005"},
]
EXPECTED_REJECTED = {3: "scheme", 4: "out_of_pocket", 5: "out_of_pocket", 6: "out_of_pocket"}


def run(*args):
    return CliRunner().invoke(cli.main, ["--root", str(ROOT), *args])


def one_case(row: dict, on=dt.date(2012, 6, 1)):
    case = {k: v for k, v in row.items() if v != ""}
    try:
        return load_generated(POLICY).evaluate(case, on)["compensation"]
    except rt.EvaluationError as error:
        return error


def read_errors(path: Path) -> list[dict]:
    """The errors file: for a person in Excel, so UTF-8 with a byte-order mark."""
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(path, newline="", encoding="utf-8-sig") as stream:
        return list(csv.DictReader(stream))


def write_cases(path: Path, rows: list[dict]) -> None:
    suffix = path.suffix
    if suffix == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    elif suffix == ".jsonl":
        path.write_text(
            "".join(json.dumps({k: v for k, v in r.items() if v != ""}) + "\n" for r in rows),
            encoding="utf-8",
        )
    elif suffix == ".parquet":
        pq.write_table(
            pa.Table.from_pylist(
                [{k: (v if v != "" else None) for k, v in r.items()} for r in rows]
            ),
            path,
        )
    else:
        import openpyxl

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(list(rows[0]))
        for r in rows:
            sheet.append([v if v != "" else None for v in r.values()])
        workbook.save(path)


def read_results(path: Path) -> dict[int, Decimal]:
    suffix = path.suffix
    if suffix == ".parquet":
        table = pq.read_table(path)
        return dict(
            zip(
                table.column("row").to_pylist(),
                table.column("compensation").to_pylist(),
                strict=True,
            )
        )
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as stream:
            return {int(r["row"]): Decimal(r["compensation"]) for r in csv.DictReader(stream)}
    if suffix == ".jsonl":
        return {
            r["row"]: Decimal(r["compensation"])
            for r in map(json.loads, path.read_text().splitlines())
        }
    import openpyxl

    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    index = {name: i for i, name in enumerate(rows[0])}
    return {
        r[index["row"]]: Decimal(str(r[index["compensation"]])).quantize(Decimal("0.01"))
        for r in rows[1:]
    }


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl", ".xlsx"])
def test_every_row_is_either_in_the_results_or_in_the_errors_file_with_its_reason(tmp_path, suffix):
    cases, out = tmp_path / f"cases{suffix}", tmp_path / f"results{suffix}"
    write_cases(cases, ROWS)
    result = run("eval", POLICY, "--cases", str(cases), "--out", str(out), "--on", "2012-06-01")
    assert result.exit_code == 0, result.output
    assert "rows in: 8  =  rows out: 4  +  rows rejected: 4" in result.output
    errors = read_errors(tmp_path / "results.errors.csv")
    assert {int(e["row"]): e["field"] for e in errors} == EXPECTED_REJECTED
    for e in errors:
        assert e["reason"] in str(one_case(ROWS[int(e["row"]) - 1]))
    results = read_results(out)
    assert set(results) == {1, 2, 7, 8}
    for row, value in results.items():
        assert value == one_case(ROWS[row - 1]), row
    assert results[1] == Decimal("5000.00") and results[7] == Decimal("0.01")


def test_a_column_of_dates_applies_each_rows_rules_and_rejects_bad_dates(tmp_path):
    cases, out = tmp_path / "cases.csv", tmp_path / "out.csv"
    rows = [
        {"on": "2012-02-29", "cause": "illness"},
        {"on": "2012-03-01", "cause": "illness"},
        {"on": "2012-02-30", "cause": "illness"},
        {"on": "2010-12-31", "cause": "illness"},
        {"on": "", "cause": "illness"},
    ]
    write_cases(cases, rows)
    result = run("eval", "pension.death_benefits", "--cases", str(cases), "--out", str(out))
    assert result.exit_code == 0, result.output
    with open(out, newline="") as stream:
        got = {
            int(r["row"]): (r["funeral_grant"], r["survivor_lump_sum"])
            for r in csv.DictReader(stream)
        }
    assert got == {1: ("5200.00", "5200.00"), 2: ("6000.00", "15000.00")}
    errors = {
        int(e["row"]): (e["field"], e["reason"]) for e in read_errors(tmp_path / "out.errors.csv")
    }
    assert errors[3] == ("on", "'2012-02-30' is not a real date")
    assert errors[4][0] == "funeral_grant_by_cause" and "not in force on 2010-12-31" in errors[4][1]
    assert errors[5][0] == "on"


def test_a_broken_json_line_is_rejected_not_lost(tmp_path):
    cases, out = tmp_path / "cases.jsonl", tmp_path / "out.jsonl"
    cases.write_text(
        '{"scheme": "employee", "out_of_pocket": 35000}\n{not json\n[1, 2]\n', encoding="utf-8"
    )
    result = run("eval", POLICY, "--cases", str(cases), "--out", str(out), "--on", "2012-06-01")
    assert result.exit_code == 0, result.output
    assert "rows in: 3  =  rows out: 1  +  rows rejected: 2" in result.output
    errors = read_errors(tmp_path / "out.errors.csv")
    assert [(e["row"], e["reason"]) for e in errors][1] == ("3", "not a JSON object")
    assert json.loads(out.read_text().splitlines()[0])["compensation"] == "5000.00"


def test_a_file_bigger_than_one_chunk_numbers_rows_across_chunks(tmp_path):
    cases, out = tmp_path / "cases.csv", tmp_path / "out.parquet"
    rows = [{"scheme": "employee", "out_of_pocket": str(20000 + i)} for i in range(1000)]
    rows[777]["out_of_pocket"] = "bad"
    write_cases(cases, rows)
    result = run(
        "eval",
        POLICY,
        "--cases",
        str(cases),
        "--out",
        str(out),
        "--on",
        "2012-06-01",
        "--chunk-rows",
        "64",
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.num_rows == 999
    assert table.column("row").to_pylist() == [r for r in range(1, 1001) if r != 778]
    assert table.column("compensation").to_pylist()[10] == Decimal("3.00")  # 20010 → 10 × 30%
    assert [e["row"] for e in read_errors(tmp_path / "out.errors.csv")] == ["778"]


def test_an_unreadable_case_file_fails_cleanly_and_writes_nothing(tmp_path):
    cases, out = tmp_path / "cases.parquet", tmp_path / "out.csv"
    cases.write_bytes(b"this is not parquet")
    result = run("eval", POLICY, "--cases", str(cases), "--out", str(out), "--on", "2012-06-01")
    assert result.exit_code == 1
    assert "not a readable Parquet file" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == [cases]


def test_the_summary_is_printed_without_progress_noise_when_piped(tmp_path):
    cases, out = tmp_path / "cases.csv", tmp_path / "out.csv"
    write_cases(cases, ROWS)
    result = run("eval", POLICY, "--cases", str(cases), "--out", str(out), "--on", "2012-06-01")
    assert "\r" not in result.output


def test_dask_on_a_local_cluster_of_two_workers_gives_the_single_machine_result(tmp_path):
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("dask.distributed")
    from generator.batch.dask_engine import run_dask
    from generator.batch.run import run_file

    dataset = tmp_path / "cases"
    dataset.mkdir()
    rows = [
        {
            "scheme": ("employee", "resident")[i % 2],
            "out_of_pocket": f"{(i * 7919) % 90000}.{i % 100:02d}",
        }
        for i in range(3000)
    ]
    rows[1234]["scheme"] = "farmer"
    for part in range(3):
        pq.write_table(
            pa.Table.from_pylist(rows[part * 1000 : (part + 1) * 1000]),
            dataset / f"part-{part}.parquet",
        )
    module_path = ROOT / "generated" / "medical" / "secondary_compensation.py"
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        summary = run_dask(
            module_path,
            dataset,
            tmp_path / "dask_out",
            tmp_path / "dask_errors.csv",
            dt.date(2012, 6, 1),
            client,
        )
    assert (summary.rows_in, summary.rows_out, summary.rows_rejected) == (3000, 2999, 1)
    single = tmp_path / "single.parquet"
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "all.parquet")
    run_file(
        load_generated(POLICY),
        tmp_path / "all.parquet",
        single,
        tmp_path / "single_errors.csv",
        dt.date(2012, 6, 1),
    )
    dask_table = pq.read_table(tmp_path / "dask_out").sort_by("row")
    single_table = pq.read_table(single)
    assert dask_table.column("row").to_pylist() == single_table.column("row").to_pylist()
    assert (
        dask_table.column("compensation").to_pylist()
        == single_table.column("compensation").to_pylist()
    )
    assert read_errors(tmp_path / "dask_errors.csv") == read_errors(tmp_path / "single_errors.csv")


def test_the_progress_line_shows_rows_per_second_and_eta_on_a_terminal_only():
    import io

    from generator.batch.run import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    class Source:
        total_rows = 1000
        total_bytes = 0

        @staticmethod
        def bytes_read():
            return 0

    screen, pipe = Terminal(), io.StringIO()
    for stream in (screen, pipe):
        progress = Progress(Source, stream)
        progress.last = -1.0
        progress.update(250)
        progress.close()
    assert (
        "250 rows" in screen.getvalue()
        and "rows/s" in screen.getvalue()
        and "ETA" in screen.getvalue()
    )
    assert "25.0%" in screen.getvalue()
    assert pipe.getvalue() == ""


def test_the_summary_states_the_date_the_rows_were_evaluated_on(tmp_path):
    dated, plain = tmp_path / "dated.csv", tmp_path / "plain.csv"
    write_cases(dated, [{"on": "2010-12-31", "cause": "illness"}])  # not in force that day
    write_cases(plain, [{"cause": "illness"}])
    out = tmp_path / "out.csv"

    given = run(
        "eval",
        "pension.death_benefits",
        "--cases",
        str(plain),
        "--out",
        str(out),
        "--on",
        "2012-03-01",
    )
    assert given.exit_code == 0, given.output
    assert "on 2012-03-01 (--on)\n" in given.output

    column = run("eval", "pension.death_benefits", "--cases", str(dated), "--out", str(out))
    assert "on each row's date (the file's `on` column)" in column.output
    assert "rows out: 0  +  rows rejected: 1" in column.output  # 2010-12-31 was used

    over = run(
        "eval",
        "pension.death_benefits",
        "--cases",
        str(dated),
        "--out",
        str(out),
        "--on",
        "2012-03-01",
    )
    assert "on 2012-03-01 (--on; the file's `on` column is not used)" in over.output
    assert "rows out: 1  +  rows rejected: 0" in over.output  # 2012-03-01 was used

    today = run("eval", "pension.death_benefits", "--cases", str(plain), "--out", str(out))
    assert today.exit_code == 0, today.output
    assert f"on {dt.date.today().isoformat()} (today; give --on to choose)" in today.output


def test_the_summary_names_the_columns_no_input_reads_with_the_input_they_may_mean(tmp_path):
    cases, out = tmp_path / "cases.csv", tmp_path / "out.csv"
    write_cases(cases, [{"schem": "employee", "out_of_pocket": "35000", "note": "x"}])
    result = run("eval", POLICY, "--cases", str(cases), "--out", str(out), "--on", "2012-06-01")
    assert result.exit_code == 0, result.output
    assert (
        "columns that are no input (copied to the results, not read): "
        "'schem' (did you mean 'scheme'?), 'note'"
    ) in result.output
    assert "rows rejected: 1" in result.output  # scheme is required
    plain = tmp_path / "plain.csv"
    write_cases(plain, [{"scheme": "employee", "out_of_pocket": "35000"}])
    clean = run("eval", POLICY, "--cases", str(plain), "--out", str(out), "--on", "2012-06-01")
    assert "no input" not in clean.output
