"""`ratebook publish`: the rule tables for other systems and people."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.app import _parse_on, _root, failure, main, show


@main.command()
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="The folder to publish into (new, empty, or an earlier publication).",
)
@click.option(
    "--format",
    "formats",
    default="json,csv,xlsx,dmn,md",
    show_default=True,
    metavar="LIST",
    help="Comma-separated formats: json, csv, xlsx, dmn, md.",
)
@click.option(
    "--on", "on", metavar="YYYY-MM-DD", help="Publish only the values in force on this date."
)
@click.argument("policy_ids", nargs=-1, metavar="[POLICY]...")
@click.pass_context
def publish(ctx: click.Context, out: str, formats: str, on, policy_ids) -> None:
    """Publish the rule tables for other systems and people (JSON + schema, CSV, XLSX, DMN, Markdown, manifest)."""
    from generator.checks.project import load_project
    from generator.core import files as output
    from generator.publish.run import (
        check_target,
        parse_formats,
        prune_empty_folders,
        select,
        skipped_notes,
    )
    from generator.publish.run import publish as publish_files

    date = _parse_on(on) if on else None
    chosen_formats = parse_formats(formats)
    project = load_project(_root(ctx))
    errors = project.findings.errors
    if errors:
        raise failure("policies-invalid.publish", *errors, count=len(errors))
    target = Path(out)
    policies = select(project.policies, policy_ids)
    check_target(target)
    publication = publish_files(policies, chosen_formats, date)
    if date is not None:
        show(skipped_notes(publication, date))
    drift = output.write(target, publication.files)
    prune_empty_folders(target)
    gaps = sum(len(g) for g in publication.dmn_gaps.values())
    count = len(publication.policies)
    click.echo(
        f"published {count} {'policy' if count == 1 else 'policies'} ({', '.join(chosen_formats)}) into {target}: "
        f"{len(publication.files)} files, {len(drift.changed)} changed, {len(drift.missing)} new, "
        f"{len(drift.extra)} removed"
        + (f"; {gaps} thing(s) DMN does not express are listed in manifest.json" if gaps else "")
    )
