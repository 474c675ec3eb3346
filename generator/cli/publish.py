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
        kept_documents,
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
    publication = publish_files(
        policies,
        chosen_formats,
        date,
        documents=kept_documents(project.documents, policies) if policy_ids else project.documents,
        every_policy=project.policies,
    )
    if date is not None:
        show(skipped_notes(publication, date))
    drift = output.write(target, publication.files)
    prune_empty_folders(target)
    gaps = sum(len(g) for g in publication.dmn_gaps.values())
    count = len(publication.policies)
    from generator.core.messages import words

    click.echo(
        words(
            "publish.done-one" if count == 1 else "publish.done",
            count=count,
            formats=", ".join(chosen_formats),
            target=target,
            files=len(publication.files),
            changed=len(drift.changed),
            new=len(drift.missing),
            removed=len(drift.extra),
        )
        + (words("publish.gaps", gaps=gaps) if gaps else "")
    )
