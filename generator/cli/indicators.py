"""`ratebook indicators`: actual figures scored against the targets of higher documents."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.app import _root, checked_encoding, failure, main


@main.command()
@click.option(
    "--actuals",
    "actuals_file",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="The actual figures (CSV or XLSX): indicator, value, as-of date.",
)
@click.option(
    "--encoding",
    metavar="NAME",
    help="The encoding of a CSV file (utf-8, gbk, gb18030, …); default: told from the file.",
)
@click.pass_context
def indicators(ctx: click.Context, actuals_file: str, encoding: str | None) -> None:
    """Score actual figures against the year targets in constraints/: met, not met, not yet due."""
    from generator.checks.layers import bound_words, citation, shown_figure
    from generator.checks.project import load_project
    from generator.core.messages import current_language, words
    from generator.regress.case_files import display
    from generator.regress.indicators import STATUS_KEYS, read_actuals

    encoding = checked_encoding(encoding) if encoding is not None else None
    root = _root(ctx)
    project = load_project(root)
    errors = project.findings.errors
    if errors:
        raise failure("policies-invalid", *errors, count=len(errors))
    path = Path(actuals_file)
    actuals, problems = read_actuals(path, display(path, root), project.documents, encoding)
    if problems:
        raise failure("indicators.unread", *problems, count=len(problems))
    counts = dict.fromkeys(STATUS_KEYS, 0)
    for actual in actuals:
        target = actual.target
        status = actual.status
        counts[status] += 1
        label = target.label.zh if current_language() == "zh" else target.label.en
        click.echo(
            words(
                "indicators.row",
                place=str(actual.place),
                label=label,
                id=target.id,
                value=shown_figure(actual.value, target.bound.unit),
                as_of=actual.as_of.isoformat(),
                target=bound_words(target.bound),
                deadline=target.deadline.isoformat(),
                status=words(STATUS_KEYS[status]),
                citation=citation(actual.document, target),
            )
        )
    click.echo(
        words(
            "indicators.summary",
            count=len(actuals),
            met=counts["met"],
            not_met=counts["not_met"],
            not_yet_due=counts["not_yet_due"],
            unscored=counts["unscored"],
        )
    )
