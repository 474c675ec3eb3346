"""The `ratebook` command group and what every command shares: the project root, exits, findings.

Each command group lives in its own module of this package and registers itself on `main`;
`cli.py` at the top imports them all. Heavy libraries load inside the commands, so a one-case
`ratebook eval` imports only click, the generated module and `generator.runtime`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

import click

GENERATED = "generated"


def _root(ctx: click.Context) -> Path:
    return Path(ctx.obj["root"])


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _show_findings(findings) -> None:
    for finding in findings:
        click.echo(str(finding), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="The project folder holding policies/ and generated/.",
)
@click.pass_context
def main(ctx: click.Context, root: str) -> None:
    """Keep social-insurance rule tables as data; validate, build and evaluate them."""
    ctx.ensure_object(dict)
    ctx.obj["root"] = root


def _load_index(root: Path) -> dict:
    from generator.evaluate.modules import read_index

    path = root / GENERATED / "index.json"
    try:
        return read_index(root / GENERATED)
    except FileNotFoundError:
        _fail(f"{path} is missing: run `ratebook build` first")
    except (OSError, ValueError) as exc:
        _fail(f"{path} is unreadable ({exc}): run `ratebook build`")


def _import_generated(root: Path, entry: dict):
    from generator.evaluate.modules import load_module

    return load_module(root / GENERATED / entry["module"])


def _source_is_current(root: Path, entry: dict) -> bool:
    try:
        return (
            hashlib.sha256((root / entry["source"]).read_bytes()).hexdigest()
            == entry["source_sha256"]
        )
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
