"""`ratebook eval`: one case from `--set`, or a whole case file with `--cases`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.cli.app import (
    _parse_on,
    _parse_sets,
    _root,
    checked_encoding,
    main,
    show,
    usage_error,
    without_pandas,
)
from generator.evaluate.modules import policy_entry, project_index


@main.command(name="eval")
@click.argument("policy_id", metavar="POLICY")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="NAME=VALUE",
    help="An input of the case; repeat for each.",
)
@click.option("--on", "on", metavar="YYYY-MM-DD", help="Evaluation date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--explain", is_flag=True, help="Show each step and the source clause of each number."
)
@click.option(
    "--cases",
    "cases_file",
    type=click.Path(),
    metavar="FILE",
    help="Evaluate every row of a case file (.csv, .parquet, .jsonl, .xlsx) instead of --set.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(),
    metavar="FILE",
    help="With --cases: the results file (.csv, .parquet, .jsonl, .xlsx; a folder with --engine dask).",
)
@click.option(
    "--errors",
    "errors_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="With --cases: the rejected rows (CSV; default: OUT with .errors.csv).",
)
@click.option(
    "--encoding",
    metavar="NAME",
    help="With --cases: the CSV's encoding (utf-8, gbk, gb18030, …); default: UTF-8 with or without BOM, or GBK/GB18030, told from the file.",
)
@click.option(
    "--bom",
    is_flag=True,
    help="With --cases: start a .csv results file with a UTF-8 BOM, so that Excel opens it as UTF-8 (the errors file always has one).",
)
@click.option(
    "--chunk-rows",
    default=262_144,
    show_default=True,
    type=click.IntRange(1),
    help="Rows per chunk.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "numpy", "numba", "dask"]),
    default="local",
    show_default=True,
    help="local: this machine, with numpy, or with the kernel numba compiles (pip install -e "
    "'.[fast]') on a Parquet file of 50 million rows or more; numpy or numba: "
    "that one; dask: a Parquet dataset with Dask (pip install -e '.[dask]').",
)
@click.pass_context
def eval_(
    ctx: click.Context,
    policy_id: str,
    sets,
    on,
    as_json: bool,
    explain: bool,
    cases_file,
    out_file,
    errors_file,
    encoding,
    bom: bool,
    chunk_rows: int,
    engine: str,
) -> None:
    """Evaluate one case of POLICY, e.g. `ratebook eval platform.construction_subsidy --set service_area_m2=150`,
    or a whole file of cases with --cases FILE --out FILE."""
    root = _root(ctx)
    case = _parse_sets(sets)
    date = _parse_on(on) if (on is not None or not cases_file) else None
    entry = policy_entry(project_index(root), policy_id)
    if not cases_file and (encoding is not None or bom):
        raise usage_error("usage.cases-option", option="--encoding" if encoding else "--bom")
    if cases_file:
        if sets or explain or as_json:
            raise usage_error("usage.cases-alone")
        if not out_file:
            raise usage_error("usage.cases-out")
        from generator.batch.case_file import evaluate_case_file

        out = Path(out_file)
        if encoding is not None:
            encoding = checked_encoding(encoding)
            if Path(cases_file).suffix.lower() != ".csv":
                raise usage_error("usage.encoding-csv", file=cases_file)
        if bom and out.suffix.lower() != ".csv":
            raise usage_error("usage.bom", out=out_file)
        if engine == "local":
            without_pandas()
        summary, errors = evaluate_case_file(
            root,
            entry,
            Path(cases_file),
            out,
            Path(errors_file) if errors_file else None,
            date,
            chunk_rows,
            engine,
            encoding=encoding,
            bom=bom,
        )
        from generator.core.messages import words

        for line in summary.lines():
            click.echo(line)
        click.echo(words("eval.results", out=out))
        click.echo(words("eval.rejected", errors=errors))
        return
    assert date is not None  # one case is always evaluated on a date
    from generator.core.messages import words
    from generator.core.shown import named
    from generator.core.unit_words import amount
    from generator.evaluate.case import document, run_case, shown_value

    run = run_case(root, policy_id, entry, case, date, explain)
    show(run.warnings)
    labels = entry.get("labels", {})
    if as_json:
        click.echo(json.dumps(document(run, labels), ensure_ascii=False))
        return
    click.echo(words("eval.heading", policy=named(policy_id, entry["title"]), on=date.isoformat()))
    for step, source in run.steps or ():
        click.echo(f"  {step}")
        if source:
            click.echo(words("eval.source", source=source))
    for name, value in run.outputs.items():
        click.echo(
            words(
                "eval.output",
                name=named(name, labels.get(name)),
                value=amount(shown_value(value), run.units.get(name)),
            )
        )
    for advice in run.advice:
        click.echo(advice.shown(labels))
