"""`ratebook test` and `ratebook diff`: example cases, case files and regression reports."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.app import _parse_on, _root, checked_encoding, failure, main, usage_error
from generator.core.errors import RatebookError


def _case_file_options(command):
    """`--encoding`, `--policy` and `--on`: how `test` and `diff` read case files, said once."""
    command = click.option(
        "--on",
        "on",
        metavar="DATE",
        help="The date of every case (the files' on columns are then not read).",
    )(command)
    command = click.option(
        "--policy",
        "policy_id",
        default="",
        metavar="ID",
        help="The policy of case files that have no policy column.",
    )(command)
    return click.option(
        "--encoding",
        metavar="NAME",
        help="The encoding of the CSV case files (utf-8, gbk, gb18030, …); default: UTF-8 with or without BOM, or GBK/GB18030, told from each file.",
    )(command)


@main.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--junit",
    "junit_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Also write the results as JUnit XML.",
)
@click.option("-v", "--verbose", is_flag=True, help="List every case, not only the failures.")
@_case_file_options
@click.pass_context
def run_tests(
    ctx: click.Context, paths, junit_file, verbose: bool, encoding, policy_id: str, on
) -> None:
    """Run the policies' example cases and the cases in PATHS (CSV, XLSX, YAML files or folders)."""
    from generator.checks.project import load_project
    from generator.regress.case_run import Tally, blocking_errors, example_cases, run_cases
    from generator.regress.case_stream import run_file_cases

    encoding = checked_encoding(encoding) if encoding is not None else None
    project = load_project(_root(ctx))
    blocking = blocking_errors(project)
    if blocking:
        raise _reported(
            junit_file, failure("policies-invalid.test", *blocking, count=len(blocking))
        )
    spool = None
    if junit_file:
        from generator.regress.junit import JunitSpool

        spool = JunitSpool()
    try:
        # the example cases one by one, then the files' a chunk at a time: what is kept is
        # bounded (Tally), every case of the JUnit report spooled to disk
        tally = Tally(verbose, also=spool)
        for result in run_cases(project.policies, example_cases(project.policies)):
            tally.add(result)
        problems = run_file_cases(
            paths,
            Path.cwd(),
            tally,
            project.policies,
            encoding,
            policy=policy_id,
            on=_parse_on(on) if on else None,
        )
        if problems:
            problems = sorted(problems, key=lambda f: f.sort_key())
            raise _reported(
                junit_file, failure("case-files-invalid.test", *problems, count=len(problems))
            )
        for line in tally.lines(project.policies):
            click.echo(line)
        if spool is not None:
            spool.write(Path(junit_file))
    finally:
        if spool is not None:
            spool.close()
    if tally.failed:
        raise RatebookError([], exit_code=1)  # the failures are in the summary above


def _reported(junit_file, error: RatebookError) -> RatebookError:
    """`error`, after writing it as the JUnit report when one is asked for: CI then shows why
    no case ran instead of "no report". The run's summary names the one test case, each
    problem is an <error> of it."""
    if junit_file:
        from generator.regress.junit import junit_problems

        *problems, closing = error.findings
        Path(junit_file).write_bytes(junit_problems(closing.message, problems or [closing]))
    return error


@main.command()
@click.option(
    "--base",
    required=True,
    metavar="REF",
    help="The version to compare with: a git ref (main, v2012, HEAD~1) or a project folder.",
)
@click.option(
    "--cases",
    "case_paths",
    multiple=True,
    type=click.Path(),
    metavar="FILE",
    help="Case files (CSV, XLSX, YAML) to compare on; default: the test tables of both versions.",
)
@click.option(
    "--out",
    "out_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write the report: .md, .xlsx or .csv (changed cases); repeat for several.",
)
@click.option(
    "--fail-on-change", is_flag=True, help="Exit 1 if a rule or any case changed (for CI)."
)
@_case_file_options
@click.pass_context
def diff(
    ctx: click.Context,
    base: str,
    case_paths,
    out_files,
    fail_on_change: bool,
    encoding,
    policy_id: str,
    on,
) -> None:
    """Compare the policies with another version: the rule changes in words and their effect on cases."""
    from generator.regress.diff import compare, save
    from generator.regress.report import report_file, terminal_lines

    for out in out_files:
        if Path(out).suffix.lower() not in (".md", ".csv", ".xlsx"):
            raise usage_error("usage.report-format", out=out)
    encoding = checked_encoding(encoding) if encoding is not None else None
    report = compare(
        _root(ctx),
        base,
        case_paths,
        encoding=encoding,
        policy=policy_id,
        on=_parse_on(on) if on else None,
    )
    for line in terminal_lines(report):
        click.echo(line)
    for out in out_files:
        save(Path(out), report_file(report, Path(out).suffix.lower()))
        from generator.core.messages import words

        click.echo(words("diff.written", out=out))
    if fail_on_change and report.any_change:
        raise RatebookError([], exit_code=1)  # the changes are in the report above
