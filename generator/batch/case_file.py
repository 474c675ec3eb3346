"""`ratebook eval --cases`: a whole case file through a policy's generated module.

A file is evaluated only by the generated module (the interpreter would take hours on
millions of rows), so the module must have been built from the source as it is now. The
results go to OUT, the rejected rows to an errors file beside it unless one is named.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator.core.findings import RatebookError, summary
from generator.evaluate.modules import generated_folder, generated_module, source_is_current


def errors_path(out: Path) -> Path:
    """The rejected rows' file beside the results: results.parquet -> results.errors.csv."""
    return out.with_name(out.name.split(".")[0] + ".errors.csv")


def evaluate_case_file(
    root: Path,
    entry: dict,
    cases: Path,
    out: Path,
    errors: Path | None,
    on: dt.date | None,
    chunk_rows: int,
    engine: str,
    encoding: str | None = None,
    bom: bool = False,
):
    """(the run's summary, the errors file written); RatebookError when the module is stale,
    the engine is missing, or a file cannot be read or written."""
    if not source_is_current(root, entry):
        raise RatebookError([summary("source-changed.file", source=entry["source"])])
    module = generated_module(root, entry)
    errors = errors or errors_path(out)
    if engine == "dask":
        try:
            import dask.dataframe  # noqa: F401  (the optional extra)

            from generator.batch.dask_engine import run_dask
        except ImportError as error:
            raise RatebookError([summary("dask-missing", reason=str(error))]) from None
        # Dask partitions by the file's own row groups, not by chunk_rows
        return run_dask(generated_folder(root) / entry["module"], cases, out, errors, on), errors
    if engine == "numba":
        try:
            import numba  # noqa: F401  (the optional extra)
        except ImportError as error:  # asked for by name: a usage error, before anything runs
            raise RatebookError(
                [summary("numba-missing", reason=str(error))], exit_code=2
            ) from None
    from generator.batch.run import run_file

    local = {"local": "auto"}.get(engine, engine)  # this machine: numba when installed
    run = run_file(
        module, cases, out, errors, on, chunk_rows, encoding=encoding, bom=bom, engine=local
    )
    return run, errors
