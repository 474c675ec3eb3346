"""The `ratebook` command: a thin shell over the generator that turns results into exit codes.

0 ok; 1 an invalid policy, a failed check or a case that cannot be evaluated; 2 wrong usage.
`ratebook eval` for one case imports only the generated module and `generator.runtime`, so it
starts fast; the YAML reader, jsonschema and the interpreter load only when needed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from decimal import Decimal
from pathlib import Path

import click

GENERATED = "generated"


def _root(ctx: click.Context) -> Path:
    return Path(ctx.obj["root"])


def _fail(message: str, code: int = 1):
    click.echo(message, err=True)
    sys.exit(code)


def _show_findings(findings) -> None:
    for finding in findings:
        click.echo(str(finding), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", default=".", show_default=True, type=click.Path(file_okay=False),
              help="The project folder holding policies/ and generated/.")
@click.pass_context
def main(ctx: click.Context, root: str) -> None:
    """Keep social-insurance rule tables as data; validate, build and evaluate them."""
    ctx.ensure_object(dict)
    ctx.obj["root"] = root


@main.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Check every policy; print "ok" or every problem with its place."""
    from generator.pipeline import load_project

    project = load_project(_root(ctx))
    _show_findings(project.findings.warnings)
    errors = project.findings.errors
    if errors:
        _show_findings(errors)
        _fail(f"{len(errors)} error(s) in policies")
    click.echo(f"ok: {len(project.policies)} policies valid" +
               (f", {len(project.findings.warnings)} warning(s)" if project.findings.warnings else ""))


@main.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and name the files if generated/ is stale.")
@click.pass_context
def build(ctx: click.Context, check: bool) -> None:
    """Regenerate generated/ from the policies (only when every policy is valid)."""
    from generator import output
    from generator.pipeline import emit_all, load_project

    root = _root(ctx)
    project = load_project(root)
    errors = project.findings.errors
    if errors:
        _show_findings(errors)
        _fail(f"{len(errors)} error(s) in policies; generated/ left as it was")
    files = emit_all(project)
    from generator.table_check import check_tables

    disagreements = check_tables(project, files)  # every test-table row, module vs interpreter
    if disagreements:
        _show_findings(disagreements)
        _fail(f"{len(disagreements)} test case(s) where the generated module disagrees with the interpreter; "
              "generated/ left as it was")
    target = root / GENERATED
    if check:
        drift = output.compare(target, files)
        if drift:
            for line in drift.lines(prefix=f"{GENERATED}/"):
                click.echo(line, err=True)
            _fail("generated/ is stale: run `ratebook build` and commit the result")
        click.echo(f"ok: generated/ is up to date ({len(files)} files)")
        return
    drift = output.write(target, files)
    click.echo(f"built {len(project.policies)} policies into generated/: "
               f"{len(drift.changed)} changed, {len(drift.missing)} new, {len(drift.extra)} removed")


def _load_index(root: Path) -> dict:
    from generator.generated_modules import read_index

    path = root / GENERATED / "index.json"
    try:
        return read_index(root / GENERATED)
    except FileNotFoundError:
        _fail(f"{path} is missing: run `ratebook build` first")
    except (OSError, ValueError) as exc:
        _fail(f"{path} is unreadable ({exc}): run `ratebook build`")


def _import_generated(root: Path, entry: dict):
    from generator.generated_modules import load_module

    return load_module(root / GENERATED / entry["module"])


def _source_is_current(root: Path, entry: dict) -> bool:
    try:
        return hashlib.sha256((root / entry["source"]).read_bytes()).hexdigest() == entry["source_sha256"]
    except OSError:
        return False


def _parse_sets(pairs) -> dict:
    case = {}
    for pair in pairs:
        if "=" not in pair:
            _fail(f"--set {pair!r}: write NAME=VALUE", 2)
        name, value = pair.split("=", 1)
        case[name.strip()] = value.strip()
    return case


def _parse_on(on: str | None) -> dt.date:
    if on is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(on)
    except ValueError:
        _fail(f"--on {on!r} is not a date (YYYY-MM-DD)", 2)


def _show_value(value) -> object:
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


@main.command(name="eval")
@click.argument("policy_id", metavar="POLICY")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="An input of the case; repeat for each.")
@click.option("--on", "on", metavar="YYYY-MM-DD", help="Evaluation date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--explain", is_flag=True, help="Show each step and the source clause of each number.")
@click.option("--cases", "cases_file", type=click.Path(), metavar="FILE",
              help="Evaluate every row of a case file (.csv, .parquet, .jsonl, .xlsx) instead of --set.")
@click.option("--out", "out_file", type=click.Path(), metavar="FILE",
              help="With --cases: the results file (.csv, .parquet, .jsonl, .xlsx; a folder with --engine dask).")
@click.option("--errors", "errors_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="With --cases: the rejected rows (CSV; default: OUT with .errors.csv).")
@click.option("--chunk-rows", default=262_144, show_default=True, type=click.IntRange(1), help="Rows per chunk.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: evaluate a Parquet dataset with Dask (pip install -e '.[dask]').")
@click.pass_context
def eval_(ctx: click.Context, policy_id: str, sets, on, as_json: bool, explain: bool,
          cases_file, out_file, errors_file, chunk_rows: int, engine: str) -> None:
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
        _eval_file(root, entry, Path(cases_file), Path(out_file), errors_file, date, chunk_rows, engine)
        return
    from generator import runtime as rt

    trace = None
    if explain or not _source_is_current(root, entry):
        if not explain:
            click.echo(f"warning: {entry['source']} changed since the last build; evaluating it directly "
                       "(run `ratebook build` to refresh generated/)", err=True)
        policy = _load_policy(root, entry["source"])
        from generator.interpreter import Trace, evaluate

        trace = Trace() if explain else None
        run = lambda: evaluate(policy, case, date, trace)  # noqa: E731
    else:
        module = _import_generated(root, entry)
        run = lambda: module.evaluate(case, date)  # noqa: E731
    try:
        outputs = run()
    except rt.NotInForce as error:
        _fail(f"{policy_id} is not in force on {date.isoformat()}: " + "; ".join(f"{f}: {m}" for f, m in error.problems))
    except rt.EvaluationError as error:
        lines = [f"  {f}: {m}" if f else f"  {m}" for f, m in error.problems]
        _fail(f"{policy_id}: the case cannot be evaluated:\n" + "\n".join(lines))
    shown = {name: _show_value(value) for name, value in outputs.items()}
    if as_json:
        click.echo(json.dumps({"policy": policy_id, "on": date.isoformat(), "inputs": case, "outputs": shown,
                               **({"explain": [{"step": s, "source": src} for s, src in trace.steps]} if trace else {})},
                              ensure_ascii=False))
        return
    click.echo(f"{policy_id} on {date.isoformat()}")
    if trace is not None:
        for step, source in trace.steps:
            click.echo(f"  {step}" + (f"\n      source: {source}" if source else ""))
    for name, value in shown.items():
        click.echo(f"{name} = {value}")


def _eval_file(root: Path, entry: dict, cases: Path, out: Path, errors_file, date, chunk_rows: int, engine: str) -> None:
    if not _source_is_current(root, entry):
        _fail(f"{entry['source']} changed since the last build: run `ratebook build` before evaluating a file")
    module = _import_generated(root, entry)
    errors = Path(errors_file) if errors_file else out.with_name(out.name.split(".")[0] + ".errors.csv")
    from generator.batch_io import CaseFileError

    try:
        if engine == "dask":
            try:
                from generator.batch_dask import run_dask
                import dask.dataframe  # noqa: F401  (the optional extra)
            except ImportError as error:
                _fail(f"{error}; install the extra: pip install -e '.[dask]'")
            summary = run_dask(root / GENERATED / entry["module"], cases, out, errors, date, chunk_rows)
        else:
            from generator.batch_run import run_file

            summary = run_file(module, cases, out, errors, date, chunk_rows)
    except CaseFileError as error:
        _fail(str(error))
    for line in summary.lines():
        click.echo(line)
    click.echo(f"results: {out}\nrejected rows: {errors}")


def _load_policy(root: Path, source: str):
    from generator.pipeline import load_source

    policy, findings = load_source(root / source, root)
    errors = [f for f in findings if f.severity == "error"]
    if policy is None or errors:
        _show_findings(errors)
        _fail(f"{source} is not valid; fix it and run `ratebook validate`")
    return policy


@main.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--junit", "junit_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write the results as JUnit XML.")
@click.option("-v", "--verbose", is_flag=True, help="List every case, not only the failures.")
@click.pass_context
def run_tests(ctx: click.Context, paths, junit_file, verbose: bool) -> None:
    """Run the policies' example cases and the cases in PATHS (CSV, XLSX, YAML files or folders)."""
    from generator.case_files import read_cases
    from generator.case_run import blocking_errors, example_cases, run_cases, summary_lines
    from generator.pipeline import load_project

    project = load_project(_root(ctx))
    blocking = blocking_errors(project)
    if blocking:
        _show_findings(blocking)
        _fail(f"{len(blocking)} error(s) in policies; fix them first (`ratebook validate`)")
    cases, problems = read_cases(paths, Path.cwd())
    if problems:
        _show_findings(sorted(problems, key=lambda f: f.sort_key()))
        _fail(f"{len(problems)} problem(s) in case files; no case was run")
    results = run_cases(project.policies, example_cases(project.policies) + cases)
    for line in summary_lines(results, verbose):
        click.echo(line)
    if junit_file:
        from generator.junit import junit_xml

        Path(junit_file).write_bytes(junit_xml(results))
    if any(not r.passed for r in results):
        sys.exit(1)


@main.command()
@click.option("--base", required=True, metavar="REF",
              help="The version to compare with: a git ref (main, v2012, HEAD~1) or a project folder.")
@click.option("--cases", "case_paths", multiple=True, type=click.Path(), metavar="FILE",
              help="Case files (CSV, XLSX, YAML) to compare on; default: the test tables of both versions.")
@click.option("--out", "out_files", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the report: .md, .xlsx or .csv (changed cases); repeat for several.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 if a rule or any case changed (for CI).")
@click.pass_context
def diff(ctx: click.Context, base: str, case_paths, out_files, fail_on_change: bool) -> None:
    """Compare the policies with another version: the rule changes in words and their effect on cases."""
    from generator.diff import BaseError, InvalidTree, compare, save
    from generator.findings import RatebookError
    from generator.report import report_file, terminal_lines

    for out in out_files:
        if Path(out).suffix.lower() not in (".md", ".csv", ".xlsx"):
            _fail(f"--out {out}: write a .md, .xlsx or .csv file", 2)
    try:
        report = compare(_root(ctx), base, case_paths)
    except BaseError as error:
        _fail(str(error), 2)
    except InvalidTree as error:
        _show_findings(error.findings)
        _fail(f"{len(error.findings)} error(s) in the policies of {error.which}; fix them to compare")
    except RatebookError as error:
        _show_findings(error.findings)
        _fail(f"{len(error.findings)} problem(s) in case files")
    for line in terminal_lines(report):
        click.echo(line)
    for out in out_files:
        save(Path(out), report_file(report, Path(out).suffix.lower()))
        click.echo(f"report written to {out}")
    if fail_on_change and report.any_change:
        sys.exit(1)


@main.command()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="The folder to publish into (new, empty, or an earlier publication).")
@click.option("--format", "formats", default="json,csv,xlsx,dmn,md", show_default=True, metavar="LIST",
              help="Comma-separated formats: json, csv, xlsx, dmn, md.")
@click.option("--on", "on", metavar="YYYY-MM-DD", help="Publish only the values in force on this date.")
@click.argument("policy_ids", nargs=-1, metavar="[POLICY]...")
@click.pass_context
def publish(ctx: click.Context, out: str, formats: str, on, policy_ids) -> None:
    """Publish the rule tables for other systems and people (JSON + schema, CSV, XLSX, DMN, Markdown, manifest)."""
    from generator import output
    from generator.pipeline import load_project
    from generator.publish import PublishError, check_target, parse_formats, prune_empty_folders, select
    from generator.publish import publish as publish_files

    date = _parse_on(on) if on else None
    try:
        chosen_formats = parse_formats(formats)
    except PublishError as error:
        _fail(str(error), 2)
    project = load_project(_root(ctx))
    errors = project.findings.errors
    if errors:
        _show_findings(errors)
        _fail(f"{len(errors)} error(s) in policies; nothing published")
    target = Path(out)
    try:
        policies = select(project.policies, policy_ids)
        check_target(target)
        publication = publish_files(policies, chosen_formats, date)
    except PublishError as error:
        _fail(str(error))
    for policy in publication.not_in_force:
        click.echo(f"note: {policy.id} is not in force on {date.isoformat()} (from "
                   f"{policy.in_force_from.isoformat() if policy.in_force_from else 'never'}); not published", err=True)
    drift = output.write(target, publication.files)
    prune_empty_folders(target)
    gaps = sum(len(g) for g in publication.dmn_gaps.values())
    count = len(publication.policies)
    click.echo(f"published {count} {'policy' if count == 1 else 'policies'} ({', '.join(chosen_formats)}) into {target}: "
               f"{len(publication.files)} files, {len(drift.changed)} changed, {len(drift.missing)} new, "
               f"{len(drift.extra)} removed" + (f"; {gaps} thing(s) DMN does not express are listed in manifest.json" if gaps else ""))


@main.command(name="export-xlsx")
@click.argument("policy_ref", metavar="POLICY")
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False), metavar="FILE.xlsx",
              help="The workbook to write (replaced if it exists).")
@click.pass_context
def export_xlsx(ctx: click.Context, policy_ref: str, out: str) -> None:
    """Write POLICY (an id or a .yaml/.xlsx file) as an officer-friendly workbook."""
    from generator import output
    from generator.convert import export_workbook, other_sources
    from generator.findings import RatebookError

    if not out.lower().endswith(".xlsx"):
        _fail(f"-o {out!r}: the workbook's name must end in .xlsx", 2)
    root = _root(ctx)
    try:
        policy, data, warnings = export_workbook(root, policy_ref)
    except RatebookError as error:
        _show_findings(error.findings)
        _fail(f"{policy_ref}: not exported; fix the errors above first")
    _show_findings(warnings)
    output.write_file(Path(out), data)
    _wrote(out, policy, other_sources(root, policy, Path(out)))


def _wrote(out: str, policy, others) -> None:
    click.echo(f"wrote {out} ({policy.id}, {len(policy.parameters)} parameters, {len(policy.cases)} cases)")
    for other in others:
        click.echo(f"note: {other} is another source of {policy.id}; delete one of the two "
                   "(ratebook refuses two sources for one policy)", err=True)


@main.command(name="import-xlsx")
@click.argument("workbook", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False), metavar="FILE.yaml",
              help="The YAML file to write (replaced if it exists).")
@click.pass_context
def import_xlsx(ctx: click.Context, workbook: str, out: str) -> None:
    """Write the policy in WORKBOOK as YAML in the documented format."""
    from generator import output
    from generator.convert import import_workbook, other_sources
    from generator.findings import RatebookError

    if not out.lower().endswith((".yaml", ".yml")):
        _fail(f"-o {out!r}: the file's name must end in .yaml", 2)
    root = _root(ctx)
    try:
        policy, text, warnings = import_workbook(root, Path(workbook))
    except RatebookError as error:
        _show_findings(error.findings)
        _fail(f"{workbook}: not imported; fix the errors above first")
    _show_findings(warnings)
    output.write_file(Path(out), text)
    _wrote(out, policy, other_sources(root, policy, Path(out)))


@main.command(name="list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """The policies of generated/, with their inputs and outputs."""
    index = _load_index(_root(ctx))
    for policy_id, entry in sorted(index.items()):
        click.echo(f"{policy_id}: {entry['title']['en']} ({entry['title']['zh']})")
        click.echo(f"    inputs: {', '.join(entry['inputs'])} → outputs: {', '.join(entry['outputs'])}")


if __name__ == "__main__":
    main()
