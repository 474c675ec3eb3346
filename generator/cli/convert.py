"""`ratebook export-xlsx` and `import-xlsx`: a policy between YAML and an officer's workbook."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.app import _fail, _root, _show_findings, main


@main.command(name="export-xlsx")
@click.argument("policy_ref", metavar="POLICY")
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE.xlsx",
    help="The workbook to write (replaced if it exists).",
)
@click.pass_context
def export_xlsx(ctx: click.Context, policy_ref: str, out: str) -> None:
    """Write POLICY (an id or a .yaml/.xlsx file) as an officer-friendly workbook."""
    from generator.convert.commands import export_workbook, other_sources
    from generator.core import files as output
    from generator.core.findings import RatebookError

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
    click.echo(
        f"wrote {out} ({policy.id}, {len(policy.parameters)} parameters, {len(policy.cases)} cases)"
    )
    for other in others:
        click.echo(
            f"note: {other} is another source of {policy.id}; delete one of the two "
            "(ratebook refuses two sources for one policy)",
            err=True,
        )


@main.command(name="import-xlsx")
@click.argument("workbook", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE.yaml",
    help="The YAML file to write (replaced if it exists).",
)
@click.pass_context
def import_xlsx(ctx: click.Context, workbook: str, out: str) -> None:
    """Write the policy in WORKBOOK as YAML in the documented format."""
    from generator.convert.commands import import_workbook, other_sources
    from generator.core import files as output
    from generator.core.findings import RatebookError

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
