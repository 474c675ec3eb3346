"""The hand-written peer of `ratebook eval medical.secondary_compensation --cases FILE --out FILE`.

What a careful engineer would write for this one rule with pyarrow and numpy, doing the work a
real job needs: exact money (amounts as int64 numerators, half-up to the fen), every row
accounted for (bad rows to an errors file with their row numbers, the rest to the results),
nothing half-written (results and errors under temporary names, renamed at the end). It reads
and writes the same files as ratebook and writes the same result columns (row, the file's own
columns as they were, compensation), so bench_batch.py checks the two outputs are equal.

    python benchmarks/peers/arrow_pipeline.py CASES OUT ERRORS     # .csv or .parquet

Choices a careful engineer makes here, each the fast one that stays exact:
- every CSV column is read as text (pyarrow.csv, its threads, 16 MiB blocks): a typed read
  fails a whole block on one bad cell, and pass-through columns keep what they were (an ID
  with leading zeros stays one);
- an amount is accepted when it is a plain non-negative decimal of at most 11 integer digits
  and 4 decimals (one regular expression); pyarrow's float parser then reads it and
  rint(x × 10**4) is its exact numerator (below 10**15 < 2**53 the float's error stays under
  a quarter unit);
- the rule is the marginal scale as one piecewise-linear lookup (rate and offset per segment
  and scheme), in units of 10**-5 yuan, rounded half up to the fen with integer arithmetic;
- rows with a bad amount or an unknown scheme go to the errors file (row, field, reason), one
  line per problem; the results keep the other rows, in order, with their row numbers;
- a Parquet result is written with the settings ratebook's writer uses (dictionaries for
  text only, no statistics for decimals, row numbers delta-encoded).
Evaluated on 2012-06-01 (both scales are in force from 2011-01-01).
"""

from __future__ import annotations

import csv
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SCHEMES = pa.array(["employee", "resident"])
PLAIN = r"^[0-9]{1,11}(\.[0-9]{1,4})?$"  # non-negative; below 10**11: exact through a float
SCALE = 10_000  # amounts as numerators over 10**4 yuan
# segment edges in 10**-4 yuan; value = rate × x + offset in 10**-5 yuan (rates in tenths)
EDGES = np.array([1, 2, 3, 5], dtype=np.int64) * 100_000_000
RATES = np.array([0, 0, 3, 4, 5, 0, 4, 4, 5, 6], dtype=np.int64)  # employee 0-4, resident 5-9
OFFSETS = (
    np.array([0, 0, -6, -9, -14, 0, -4, -4, -7, -12], dtype=np.int64) * 100_000_000
)  # −rate × edge + the segments below, in 10**-5 yuan


def compensation_fen(codes: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The secondary compensation in fen of each row: scheme code (0/1), amount over 10**4."""
    index = codes.astype(np.int8) * np.int8(5)
    for edge in EDGES:
        index += x >= edge
    value = np.take(RATES, index)
    value *= x
    value += np.take(OFFSETS, index)
    value += 500  # half up: 10**-5 yuan → fen
    value //= 1000
    return value


def money(fen: np.ndarray) -> pa.Array:
    """int64 fen as an exact decimal128(18, 2) column (low word, sign-extended high word)."""
    words = np.empty(len(fen) * 2, dtype=np.int64)
    words[0::2] = fen
    words[1::2] = fen >> 63
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(fen), [None, pa.py_buffer(words)])


def evaluate(batch: pa.RecordBatch, first_row: int, errors: list) -> pa.RecordBatch:
    n = batch.num_rows
    rows = np.arange(first_row, first_row + n, dtype=np.int64)
    code = pc.index_in(batch.column("scheme"), value_set=SCHEMES)
    scheme_bad = code.is_null().to_numpy(zero_copy_only=False)
    codes = code.fill_null(0).to_numpy(zero_copy_only=False)
    amount = batch.column("out_of_pocket")
    if pa.types.is_floating(amount.type):  # Parquet: a float column (NaN, negative, ≥ 10**11 bad)
        floats = amount.fill_null(np.nan).to_numpy(zero_copy_only=False)
        scaled = np.rint(floats * SCALE)
        with np.errstate(invalid="ignore"):
            amount_bad = ~((floats >= 0) & (floats < 1e11) & (scaled / SCALE == floats))
        scaled[amount_bad] = 0
    else:
        plain = pc.fill_null(pc.match_substring_regex(amount, PLAIN), False)
        amount_bad = ~plain.to_numpy(zero_copy_only=False)
        floats = pc.cast(pc.if_else(plain, amount, pa.scalar("0")), pa.float64())
        scaled = np.rint(floats.to_numpy() * SCALE)
    x = scaled.astype(np.int64)
    bad = scheme_bad | amount_bad
    if bad.any():
        for i in np.flatnonzero(bad).tolist():
            if scheme_bad[i]:
                errors.append(
                    (
                        int(rows[i]),
                        "scheme",
                        f"unknown scheme {batch.column('scheme')[i].as_py()!r}",
                    )
                )
            if amount_bad[i]:
                errors.append(
                    (
                        int(rows[i]),
                        "out_of_pocket",
                        f"not an amount of yuan ≥ 0: {amount[i].as_py()!r}",
                    )
                )
    columns = [pa.array(rows), *batch.columns, money(compensation_fen(codes, x))]
    result = pa.RecordBatch.from_arrays(columns, ["row", *batch.schema.names, "compensation"])
    return result.filter(pa.array(~bad)) if bad.any() else result


def batches(path: str):
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        yield from pq.ParquetFile(path).iter_batches(batch_size=262_144)
        return
    import pyarrow.csv as pcsv

    with open(path, encoding="utf-8-sig", newline="") as stream:
        names = next(csv.reader(stream))
    reader = pcsv.open_csv(
        path,
        read_options=pcsv.ReadOptions(block_size=16 << 20),
        convert_options=pcsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    yield from reader


def main(cases: str, out: str, errors_path: str) -> None:
    out_partial, errors_partial = out + ".partial", errors_path + ".partial"
    writer = None
    errors: list = []
    first = 1
    try:
        for batch in batches(cases):
            result = evaluate(batch, first, errors)
            first += batch.num_rows
            if writer is None:
                if out.endswith(".parquet"):
                    import pyarrow.parquet as pq

                    schema = result.schema
                    # the writer settings ratebook uses: dictionaries only for text, no
                    # statistics for decimals (slow to gather), row numbers delta-encoded
                    writer = pq.ParquetWriter(
                        out_partial,
                        schema,
                        use_dictionary=[
                            f.name
                            for f in schema
                            if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
                        ],
                        write_statistics=[
                            f.name for f in schema if not pa.types.is_decimal(f.type)
                        ],
                        column_encoding={"row": "DELTA_BINARY_PACKED"},
                    )
                else:
                    import pyarrow.csv as pcsv

                    writer = pcsv.CSVWriter(out_partial, result.schema)
            writer.write_batch(result)
        if writer is not None:
            writer.close()
        with open(errors_partial, "w", encoding="utf-8-sig", newline="") as stream:
            table = csv.writer(stream)
            table.writerow(["row", "field", "reason"])
            table.writerows(errors)
    except BaseException:
        for path in (out_partial, errors_partial):
            if os.path.exists(path):
                os.remove(path)
        raise
    os.replace(out_partial, out)
    os.replace(errors_partial, errors_path)
    print(f"rows in: {first - 1:,}; rejected: {len({e[0] for e in errors}):,}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
