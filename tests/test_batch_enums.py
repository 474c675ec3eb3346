"""Enums of any size give the same payout in the batch path as one case at a time.

Why: the batch path once stored enum codes in int8, so with 300 values a CSV row of key 300
was paid key 44's amount (300 wraps to 44) while `eval` paid key 300's, and NumPy or Arrow
input raised. Codes are now as wide as the enum needs; these tests check every way a column
reaches the batch (NumPy arrays of numbers or text, Python lists, Arrow integers, text and
dictionaries, CSV and Parquet files through `ratebook eval --cases`) against the one-case
path row by row, for enums on either side of int8's width (1, 127, 128, 129, 300 values), and the
runtime's reading of codes for an enum of 70,000 values.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import runtime as rt
from generator.batch.run import run_file
from generator.batch_runtime import Batch, code_dtype
from generator.core import values as V

from .made_policies import VERSION_STARTS, key_rate, keyed_table

ON = dt.date(2012, 6, 1)
SIZES = (1, 127, 128, 129, 300)


@pytest.fixture(scope="module", params=SIZES, ids=lambda n: f"{n}-values")
def keyed(request, tmp_path_factory):
    keys = request.param
    policy, module = keyed_table(tmp_path_factory.mktemp(f"keyed{keys}"), keys)
    return keys, module


def one_case(module, key, amount):
    """The one-case path's pay as text ("90.00"), or None when it refuses the case."""
    case = {"amount": amount}
    if key is not None:
        case["key"] = key
    try:
        return format(module.evaluate(case, ON)["pay"], "f")
    except rt.EvaluationError:
        return None


def rows(keys: int):
    """Keys of the enum (the first, the last, each side of 127/128/255/256), keys it does not
    have, and amounts with up to two decimals."""
    edges = [
        k for k in (1, 2, 44, 127, 128, 129, 255, 256, 257, 300, keys - 1, keys) if 1 <= k <= keys
    ]
    key = st.one_of(
        st.sampled_from(edges), st.integers(1, keys), st.sampled_from([0, keys + 1, keys + 256])
    )
    amount = st.decimals(0, 100000, places=2)
    return st.lists(st.tuples(key, amount), min_size=1, max_size=30)


def expected(module, drawn) -> list:
    return [one_case(module, key, str(amount)) for key, amount in drawn]


def columns(drawn, kind: str):
    keys = [key for key, _ in drawn]
    amounts = np.array([float(amount) for _, amount in drawn])
    if kind == "numpy int":
        key_column = np.array(keys, dtype=np.int64)
    elif kind == "numpy text":
        key_column = np.array([str(k) for k in keys])
    elif kind == "list":
        key_column = [k if i % 2 else str(k) for i, k in enumerate(keys)]
    elif kind == "arrow int":
        key_column = pa.array(keys, type=pa.int32())
    elif kind == "arrow text":
        key_column = pa.array([str(k) for k in keys])
    else:  # arrow dictionary, its values in the order drawn
        key_column = pa.array([str(k) for k in keys]).dictionary_encode()
    return {"key": key_column, "amount": amounts}


@pytest.mark.parametrize(
    "kind", ["numpy int", "numpy text", "list", "arrow int", "arrow text", "arrow dictionary"]
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_key_pays_the_same_in_columns_as_one_case_at_a_time(keyed, kind, data):
    keys, module = keyed
    drawn = data.draw(rows(keys))
    result = module.evaluate_batch(columns(drawn, kind), ON)
    assert result.text("pay") == expected(module, drawn)


def test_key_300_is_paid_its_own_amount_not_that_of_key_44(tmp_path):
    """The payout of the report: 300 wrapped in int8 to 44."""
    _, module = keyed_table(tmp_path, 300)
    result = module.evaluate_batch(
        {"key": np.array([300, 44]), "amount": np.array([1000.0, 1000.0])}, ON
    )
    # 300 % 97 = 9 → 9% of 1000 = 90.00; 44 % 97 = 44 → 440.00
    assert result.text("pay") == ["90.00", "440.00"]
    assert key_rate(300) * 1000 == Decimal("90")


def test_an_enum_in_declared_order_as_a_dictionary_keeps_its_stored_codes(tmp_path):
    _, module = keyed_table(tmp_path, 300)
    stored = np.array([299, 43, 0, 127, 128], dtype=np.int16)
    column = pa.DictionaryArray.from_arrays(
        pa.array(stored), pa.array([str(k) for k in range(1, 301)])
    )
    result = module.evaluate_batch({"key": column, "amount": np.full(5, 100.0)}, ON)
    assert result.text("pay") == [one_case(module, int(s) + 1, "100") for s in stored]
    assert result.exact_path_rows == 0


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_csv_and_parquet_files_pay_each_row_as_one_case_does(keyed, tmp_path_factory, data):
    keys, module = keyed
    drawn = data.draw(rows(keys))
    folder = tmp_path_factory.mktemp("files")
    csv_path, parquet_path = folder / "cases.csv", folder / "cases.parquet"
    with open(csv_path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["key", "amount"])
        writer.writerows([key, amount] for key, amount in drawn)
    pq.write_table(
        pa.table(
            {
                "key": pa.array([key for key, _ in drawn], type=pa.int64()),
                "amount": pa.array([str(amount) for _, amount in drawn]),
            }
        ),
        parquet_path,
    )
    want = expected(module, drawn)
    for source in (csv_path, parquet_path):
        out = folder / f"results-{source.suffix[1:]}.csv"
        run_file(module, source, out, folder / "errors.csv", ON)
        with open(out, newline="", encoding="utf-8-sig") as stream:
            paid = {int(r["row"]): r["pay"] for r in csv.DictReader(stream)}
        got = [paid.get(row) for row in range(1, len(drawn) + 1)]
        assert [None if g is None else Decimal(g) for g in got] == [
            None if w is None else Decimal(w) for w in want
        ], source.suffix


@pytest.mark.parametrize("count", [1, 127, 128, 129, 300, 32768, 32769, 70_000])
def test_codes_of_an_enum_of_any_size_name_the_value_the_one_case_path_reads(count):
    """Batch.choice against the one-case reader (values.choice), for every column kind, up
    to an enum of 70,000 values (int32 codes)."""
    allowed = tuple(range(1, count + 1))
    given_keys = [1, count, count // 2 + 1, 128, 129, 300, 0, count + 1, -1]
    texts = [str(k) for k in given_keys] + [" 7 ", "x", ""]
    for column in (
        np.array(given_keys),
        np.array(texts),
        texts,
        [*given_keys, None, 1.0, True],
        pa.array(given_keys),
        pa.array(texts),
        pa.array(texts).dictionary_encode(),
    ):
        cells = column.to_pylist() if isinstance(column, pa.Array) else list(column)
        codes = Batch({"key": column}, ON, ("key",)).choice("key", allowed)
        assert codes.dtype == code_dtype(count)
        for cell, code in zip(cells, codes.tolist(), strict=True):
            try:
                one = V.choice(cell.item() if isinstance(cell, np.generic) else cell, allowed)
            except V.Refusal:
                one = None
            # -1: the row goes to the one-case path, which gives its own answer
            assert code == -1 or allowed[code] == one, (count, cell, code, one)
            if one is not None and not isinstance(cell, str):
                assert code >= 0 or isinstance(column, list), (count, cell)


def test_the_code_type_is_the_narrowest_that_holds_every_code():
    """Codes run from -1 (not a value) to count - 1: int8 holds 128 values, int16 32,768."""
    assert [code_dtype(n) for n in (1, 128, 129, 32768, 32769, 70_000)] == [
        np.int8,
        np.int8,
        np.int16,
        np.int16,
        np.int32,
        np.int32,
    ]


def test_build_names_the_table_row_where_the_batch_path_pays_another_amount(tmp_path, monkeypatch):
    """`ratebook build` runs every test-table row through evaluate_batch too: with codes
    wrapped into int8 as they once were, key 300 reads as key 44 and the build names that row."""
    from generator import batch_runtime
    from generator.checks.project import load_project
    from generator.compile.build import emit_all
    from generator.compile.table_check import check_tables

    keyed_table(tmp_path, 300)
    project = load_project(tmp_path)
    files = emit_all(project)
    assert check_tables(project, files) == []
    choice = batch_runtime.Batch.choice
    monkeypatch.setattr(
        batch_runtime.Batch,
        "choice",
        lambda self, *args, **kwargs: choice(self, *args, **kwargs).astype(np.int8),
    )
    findings = check_tables(project, files)
    # both batch engines read the enum codes from Batch.choice: both are caught
    assert findings and {f.key for f in findings} == {
        "table-disagreement.batch",
        "table-disagreement.rows",
    }
    findings = [f for f in findings if f.key == "table-disagreement.batch"]
    cases = {f.params["case"]: f for f in findings}
    wrapped = [f for case, f in cases.items() if case.endswith("key = 300")]
    assert len(wrapped) == 1, list(cases)
    assert wrapped[0].location.file == "generated/tables/demo.keyed.csv"
    # 1,000 yuan at key 300's rate (300 % 97 = 9%) by the interpreter, at key 44's (44%) by
    # the wrapped batch
    assert (wrapped[0].params["expected"], wrapped[0].params["got"]) == ("pay 90.00", "pay 440.00")


@pytest.fixture(scope="module")
def large_dated_table(tmp_path_factory):
    """demo.keyed with 5,000 keys in five dated versions (VERSION_STARTS)."""
    return keyed_table(tmp_path_factory.mktemp("keyed_large"), 5000, versions=5)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_table_of_thousands_of_keys_in_several_versions_pays_each_row_as_one_case(
    large_dated_table, data
):
    """Rows of any key, dated into any version (the day before a version starts, its first
    day, and before the first version, which is refused): the batch pays what `evaluate`
    pays on the row's own date, and what the table says (key + version) % 97 percent."""
    _, module = large_dated_table
    starts = [dt.date.fromisoformat(s) for s in VERSION_STARTS]
    days = [d + dt.timedelta(days=shift) for d in starts for shift in (-1, 0, 200)]
    key = st.one_of(st.sampled_from([1, 2, 96, 97, 4999, 5000]), st.integers(1, 5000))
    drawn = data.draw(
        st.lists(
            st.tuples(key, st.decimals(0, 10**6, places=2), st.sampled_from(days)),
            min_size=1,
            max_size=40,
        )
    )
    result = module.evaluate_batch(
        {
            "key": np.array([k for k, _, _ in drawn]),
            "amount": np.array([float(a) for _, a, _ in drawn]),
        },
        np.array([d.isoformat() for _, _, d in drawn], dtype="datetime64[D]"),
    )
    expected = []
    for k, amount, day in drawn:
        try:
            one = format(module.evaluate({"key": k, "amount": str(amount)}, day)["pay"], "f")
        except rt.EvaluationError:
            one = None
        version = sum(1 for s in starts if s <= day) - 1
        by_hand = (
            (amount * key_rate(k, version)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if version >= 0
            else None
        )
        assert one == (None if by_hand is None else format(by_hand, "f")), (k, amount, day)
        expected.append(one)
    assert result.text("pay") == expected
