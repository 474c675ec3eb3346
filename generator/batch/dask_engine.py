"""`ratebook eval --engine dask`: the same batch function over a Parquet dataset with Dask.

`evaluate_batch` is a pure function of column batches, so a distributed engine only has to
hand it partitions: here `dask.dataframe.map_partitions`. Each partition is evaluated exactly
as `ratebook eval --cases` evaluates a chunk (same code: `batch_run.evaluate_chunk`), valid rows
become a partitioned Parquet result, and each partition's rejected rows are written beside it
and gathered into one errors file. Row numbers are global (1-based, in dataset order).

The same function plugs into Spark (`mapInArrow`, yielding the evaluated record batches) or
Ray Data (`map_batches` with `batch_format="pyarrow"`); see the README.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import time
from pathlib import Path

from generator.batch.files import clear_leftovers
from generator.batch.run import RunSummary, date_used, unused_columns
from generator.core.files import Partial
from generator.evaluate.modules import load_module as _load_module


def evaluate_partition(
    frame, module_path: str, on, offsets: list[int], errors_dir: str, partition_info=None
):
    """One pandas partition in, its valid rows with outputs out; rejected rows to errors_dir."""
    import pandas as pd
    import pyarrow as pa

    from generator.batch.run import evaluate_chunk

    number = partition_info["number"] if partition_info else 0
    module = _load_module(module_path)
    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    batch = (
        table.to_batches()[0]
        if table.num_rows
        else pa.RecordBatch.from_pylist([], schema=table.schema)
    )
    first_row = offsets[number] + 1 if number < len(offsets) else 1
    evaluated, problems, _ = evaluate_chunk(module, batch, on, first_row)
    if partition_info is not None:
        with open(
            Path(errors_dir) / f"part-{number:06d}.csv", "w", newline="", encoding="utf-8"
        ) as stream:
            csv.writer(stream).writerows(problems)
    return pa.Table.from_batches([evaluated]).to_pandas(types_mapper=pd.ArrowDtype)


def run_dask(
    module_path: Path,
    cases: Path,
    out: Path,
    errors: Path,
    on: dt.date | None,
    client=None,
) -> RunSummary:
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    start = time.perf_counter()
    own_cluster = None
    if client is None:
        address = os.environ.get("DASK_SCHEDULER_ADDRESS")
        if address:
            client = Client(address)
        else:
            own_cluster = LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(own_cluster)
    clear_leftovers(out, errors)
    parts = Partial(errors.with_name(f"{errors.name}-parts"), folder=True)  # one file per partition
    errors_dir = parts.temporary
    result = Partial(out, folder=True)
    partial = result.temporary
    try:
        frame = dd.read_parquet(str(cases), dtype_backend="pyarrow")
        on, dated = date_used(on, list(frame.columns), dt.date.today())
        unused = unused_columns(list(frame.columns), _load_module(module_path).INPUTS)
        lengths = frame.map_partitions(len).compute().tolist()
        offsets = [sum(lengths[:i]) for i in range(len(lengths))]
        meta = evaluate_partition(frame._meta, str(module_path), on, [0], str(errors_dir))
        evaluated = frame.map_partitions(
            evaluate_partition, str(module_path), on, offsets, str(errors_dir), meta=meta
        )
        evaluated.to_parquet(str(partial), write_index=False)
        rows_out = sum(pq_rows(p) for p in sorted(partial.glob("*.parquet")))
        rejected = _gather_errors(errors_dir, errors)
        result.commit()
    except BaseException:
        result.abort()
        raise
    finally:
        parts.abort()
        if own_cluster is not None:
            client.close()
            own_cluster.close()
    summary = RunSummary(
        rows_in=sum(lengths),
        rows_out=rows_out,
        rows_rejected=rejected,
        seconds=time.perf_counter() - start,
        dated=dated,
        unused=unused,
    )
    assert summary.rows_in == summary.rows_out + summary.rows_rejected, summary
    return summary


def pq_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _gather_errors(errors_dir: Path, errors: Path) -> int:
    """Concatenate the partitions' rejected rows into one CSV sorted by row; count the rows."""
    rows = []
    for part in sorted(errors_dir.glob("part-*.csv")):
        with open(part, newline="", encoding="utf-8") as stream:
            rows += [(int(r[0]), r[1], r[2]) for r in csv.reader(stream)]
    rows.sort()
    partial = Partial(errors)
    try:
        # for a person in Excel: UTF-8 with a byte-order mark, as the one-machine run writes it
        with open(partial.temporary, "w", newline="", encoding="utf-8-sig") as stream:
            writer = csv.writer(stream)
            writer.writerow(["row", "field", "reason"])
            writer.writerows(rows)
        partial.commit()
    except BaseException:
        partial.abort()
        raise
    return len({r[0] for r in rows})
