"""`ratebook validate`, `build` and `list`: check the policies and regenerate `generated/`."""

from __future__ import annotations

import click

from generator.cli.app import _root, failure, main, show
from generator.evaluate.modules import GENERATED, project_index


@main.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Check every policy; print "ok" or every problem with its place."""
    from generator.checks.project import load_project

    project = load_project(_root(ctx))
    show(project.findings.warnings)
    errors = project.findings.errors
    if errors:
        raise failure("policies-invalid", *errors, count=len(errors))
    click.echo(
        f"ok: {len(project.policies)} policies valid"
        + (f", {len(project.findings.warnings)} warning(s)" if project.findings.warnings else "")
    )


@main.command()
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 and name the files if generated/ is stale."
)
@click.pass_context
def build(ctx: click.Context, check: bool) -> None:
    """Regenerate generated/ from the policies (only when every policy is valid)."""
    from generator.checks.project import load_project
    from generator.compile.build import emit_all
    from generator.core import files as output

    root = _root(ctx)
    project = load_project(root)
    errors = project.findings.errors
    if errors:
        raise failure("policies-invalid.build", *errors, count=len(errors))
    files = emit_all(project)
    from generator.compile.table_check import check_tables

    disagreements = check_tables(project, files)  # every test-table row, module vs interpreter
    if disagreements:
        raise failure("build-disagrees", *disagreements, count=len(disagreements))
    target = root / GENERATED
    if check:
        drift = output.compare(target, files)
        if drift:
            raise failure("generated-stale", *drift.findings(prefix=f"{GENERATED}/"))
        click.echo(f"ok: generated/ is up to date ({len(files)} files)")
        return
    drift = output.write(target, files)
    click.echo(
        f"built {len(project.policies)} policies into generated/: "
        f"{len(drift.changed)} changed, {len(drift.missing)} new, {len(drift.extra)} removed"
    )


@main.command(name="list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """The policies of generated/, with their inputs and outputs."""
    index = project_index(_root(ctx))
    for policy_id, entry in sorted(index.items()):
        click.echo(f"{policy_id}: {entry['title']['en']} ({entry['title']['zh']})")
        click.echo(
            f"    inputs: {', '.join(entry['inputs'])} → outputs: {', '.join(entry['outputs'])}"
        )
