"""`ratebook eval`: one case from `--set`, or a whole case file with `--cases`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.cli.app import (
    GENERATED,
    _fail,
    _import_generated,
    _load_index,
    _parse_on,
    _parse_sets,
    _root,
    _show_findings,
    _show_value,
    _source_is_current,
    main,
)


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
    "--chunk-rows",
    default=262_144,
    show_default=True,
    type=click.IntRange(1),
    help="Rows per chunk.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="dask: evaluate a Parquet dataset with Dask (pip install -e '.[dask]').",
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
    chunk_rows: int,
    engine: str,
) -> None:
    """Evaluate one case of POLICY, e.g. `ratebook eval platform.construction_subsidy --set service_area_m2=150`,
    or a whole file of cases with --cases FILE --out FILE."""
    root = _root(ctx)
    case = _parse_sets(sets)
    date = _parse_on(on) if (on is not None or not cases_file) else None
    index = _load_index(root)
    entry = index.get(policy_id)
    if entry is None:
        _fail(f"unknown policy '{policy_id}'; policies: {', '.join(sorted(index))}")
    if cases_file:
        if sets or explain or as_json:
            _fail("--cases evaluates a file: leave out --set, --explain and --json", 2)
        if not out_file:
            _fail("--cases needs --out FILE for the results", 2)
        _eval_file(
            root, entry, Path(cases_file), Path(out_file), errors_file, date, chunk_rows, engine
        )
        return
    assert date is not None  # one case is always evaluated on a date
    from generator import runtime as rt

    trace = None
    if explain or not _source_is_current(root, entry):
        if not explain:
            click.echo(
                f"warning: {entry['source']} changed since the last build; evaluating it directly "
                "(run `ratebook build` to refresh generated/)",
                err=True,
            )
        policy = _load_policy(root, entry["source"])
        from generator.evaluate.interpreter import Trace, evaluate

        trace = Trace() if explain else None
        run = lambda: evaluate(policy, case, date, trace)  # noqa: E731
    else:
        module = _import_generated(root, entry)
        run = lambda: module.evaluate(case, date)  # noqa: E731
    try:
        outputs = run()
    except rt.NotInForce as error:
        _fail(
            f"{policy_id} is not in force on {date.isoformat()}: "
            + "; ".join(f"{f}: {m}" for f, m in error.problems)
        )
    except rt.EvaluationError as error:
        lines = [f"  {f}: {m}" if f else f"  {m}" for f, m in error.problems]
        _fail(f"{policy_id}: the case cannot be evaluated:\n" + "\n".join(lines))
    shown = {name: _show_value(value) for name, value in outputs.items()}
    if as_json:
        click.echo(
            json.dumps(
                {
                    "policy": policy_id,
                    "on": date.isoformat(),
                    "inputs": case,
                    "outputs": shown,
                    **(
                        {"explain": [{"step": s, "source": src} for s, src in trace.steps]}
                        if trace
                        else {}
                    ),
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"{policy_id} on {date.isoformat()}")
    if trace is not None:
        for step, source in trace.steps:
            click.echo(f"  {step}" + (f"\n      source: {source}" if source else ""))
    for name, value in shown.items():
        click.echo(f"{name} = {value}")


def _eval_file(
    root: Path, entry: dict, cases: Path, out: Path, errors_file, date, chunk_rows: int, engine: str
) -> None:
    if not _source_is_current(root, entry):
        _fail(
            f"{entry['source']} changed since the last build: run `ratebook build` before evaluating a file"
        )
    module = _import_generated(root, entry)
    errors = (
        Path(errors_file) if errors_file else out.with_name(out.name.split(".")[0] + ".errors.csv")
    )
    from generator.batch.files import CaseFileError

    try:
        if engine == "dask":
            try:
                import dask.dataframe  # noqa: F401  (the optional extra)

                from generator.batch.dask_engine import run_dask
            except ImportError as error:
                _fail(f"{error}; install the extra: pip install -e '.[dask]'")
            summary = run_dask(root / GENERATED / entry["module"], cases, out, errors, date)
        else:
            from generator.batch.run import run_file

            summary = run_file(module, cases, out, errors, date, chunk_rows)
    except CaseFileError as error:
        _fail(str(error))
    for line in summary.lines():
        click.echo(line)
    click.echo(f"results: {out}\nrejected rows: {errors}")


def _load_policy(root: Path, source: str):
    from generator.checks.project import load_source

    policy, findings = load_source(root / source, root)
    errors = [f for f in findings if f.severity == "error"]
    if policy is None or errors:
        _show_findings(errors)
        _fail(f"{source} is not valid; fix it and run `ratebook validate`")
    return policy
