"""`ratebook export-xlsx` and `import-xlsx`: a policy between YAML and an officer's workbook."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.app import _root, main, show, usage_error


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

    if not out.lower().endswith(".xlsx"):
        raise usage_error("usage.workbook-name", out=out)
    root = _root(ctx)
    policy, data, warnings = export_workbook(root, policy_ref)
    show(warnings)
    output.write_file(Path(out), data)
    _wrote(out, policy, other_sources(root, policy, Path(out)))


def _wrote(out: str, policy, others) -> None:
    from generator.core.findings import NOTE, NOWHERE, finding
    from generator.core.messages import words

    click.echo(
        words(
            "convert.wrote",
            out=out,
            policy=policy.id,
            parameters=len(policy.parameters),
            cases=len(policy.cases),
        )
    )
    show(
        finding("another-source", NOWHERE, NOTE, other=other, policy=policy.id) for other in others
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

    if not out.lower().endswith((".yaml", ".yml")):
        raise usage_error("usage.yaml-name", out=out)
    root = _root(ctx)
    policy, text, warnings = import_workbook(root, Path(workbook))
    show(warnings)
    output.write_file(Path(out), text)
    _wrote(out, policy, other_sources(root, policy, Path(out)))
