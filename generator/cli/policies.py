"""`ratebook validate`, `build` and `list`: check the policies and regenerate `generated/`."""

from __future__ import annotations

import click

from generator.cli.app import _root, failure, main, show
from generator.core.messages import words
from generator.evaluate.modules import GENERATED, project_index


@main.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Check every policy; print "ok" or every problem with its place."""
    from generator.checks.project import load_project

    project = load_project(_root(ctx))
    show(project.findings.notes + project.findings.warnings)
    errors = project.findings.errors
    if errors:
        raise failure("policies-invalid", *errors, count=len(errors))
    warnings = len(project.findings.warnings)
    if warnings:
        click.echo(words("validate.ok-warnings", count=len(project.policies), warnings=warnings))
    else:
        click.echo(words("validate.ok", count=len(project.policies)))


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
    from generator.core.tree_swap import current as current_tree

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
        target = current_tree(target)  # what a reader reads, even after a killed build
        drift = output.compare(target, files)
        if drift:
            raise failure("generated-stale", *drift.findings(prefix=f"{GENERATED}/"))
        click.echo(words("build.up-to-date", count=len(files)))
        return
    drift = output.replace_tree(target, files)  # all at once: a kill leaves old or new
    click.echo(
        words(
            "build.built",
            count=len(project.policies),
            changed=len(drift.changed),
            new=len(drift.missing),
            removed=len(drift.extra),
        )
    )


@main.command(name="list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """The policies of generated/, with their inputs and outputs."""
    from generator.core.shown import named

    index = project_index(_root(ctx))
    for policy_id, entry in sorted(index.items()):
        title = entry["title"]
        click.echo(
            words("list.policy", policy=policy_id, title_en=title["en"], title_zh=title["zh"])
        )
        labels = entry.get("labels", {})
        shown = {
            part: words("words.separator").join(named(n, labels.get(n)) for n in entry[part])
            for part in ("inputs", "outputs")
        }
        click.echo(words("list.fields", **shown))
