"""The `ratebook` command group and what every command shares: the project root, how problems
are shown, and the one place where a command that cannot go on ends.

Each command group lives in its own module of this package and registers itself on `main`;
`cli.py` at the top imports them all. Commands never exit themselves: the library (and a
command, for a problem of its own options) raises `RatebookError`, and `RatebookGroup.invoke`
prints its findings and exits with its code. Heavy libraries load inside the commands, so a
one-case `ratebook eval` imports only click, the generated module and `generator.runtime`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.core.errors import RatebookError

if TYPE_CHECKING:
    from generator.core.findings import Finding


class RatebookGroup(click.Group):
    """click's group with the CLI's one catch point.

    A RatebookError raised while a command runs is shown (its findings in order, on stderr)
    and ends the command with the error's exit code. click's own usage errors are not
    RatebookErrors: click shows them as always, with the "Try 'ratebook --help'" line, and
    exits 2.
    """

    def make_context(self, info_name, args, parent=None, **extra):
        """Choose the language before click reads any option, so that `--help` (rendered while
        the options are read) and click's own errors speak it too."""
        if parent is None:
            from generator.core.messages import current_language, set_language

            set_language(_language_option(args))
            _click_speaks(current_language())
            _localise(self)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except RatebookError as error:
            show(error.findings)
            ctx.exit(error.exit_code)

    def __call__(self, *args, **kwargs):
        """The process's own entry (the `ratebook` script, `python cli.py`): the command is then
        the whole process, which `without_pandas` needs to know. click's test runner calls
        `main` instead, inside a process that goes on after the command."""
        global _WHOLE_PROCESS
        _WHOLE_PROCESS = True
        return super().__call__(*args, **kwargs)


_WHOLE_PROCESS = False


class _NoPandas:
    """A finder that refuses to import pandas (see `without_pandas`)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"pandas is not used by this command: {name}", name=name)
        return None


def without_pandas() -> None:
    """Keep pyarrow from importing pandas for the rest of a process that has no use for it.

    pyarrow, when pandas is installed, imports it the first time it makes an array (to ask
    whether the object is a pandas one): half a second or more of a batch run's start, more
    than reading and evaluating a million CSV rows takes. A local batch run never meets a
    pandas object, so its process refuses the import and pyarrow goes on without. Only when
    the command is the whole process (`RatebookGroup.__call__`): inside another program (a
    test, a notebook) pyarrow would stay without pandas after the command returned."""
    import sys

    if _WHOLE_PROCESS and "pandas" not in sys.modules:
        sys.meta_path.insert(0, _NoPandas())


def _click_speaks(language: str) -> None:
    """click's own words ("Usage:", "Options", its usage errors) in `language` too.

    click takes them from the standard library's gettext, in its default domain, in the
    language the environment names: so the domain is bound to ratebook's catalogue of click's
    words (`generator/core/locale/zh/LC_MESSAGES/click.po`) and `LANGUAGE`, which gettext
    reads first, is set to the language ratebook speaks (English needs no catalogue: click's
    words are English)."""
    import gettext
    import os

    os.environ["LANGUAGE"] = language
    gettext.bindtextdomain("click", str(Path(__file__).resolve().parents[1] / "core" / "locale"))
    gettext.textdomain("click")


def _root(ctx: click.Context) -> Path:
    return Path(ctx.obj["root"])


def show(findings: Iterable[Finding]) -> None:
    """Findings (errors, warnings, notes) on stderr, one per line, as the user reads them."""
    for finding in findings:
        click.echo(str(finding), err=True)


def _language_option(args: list[str]) -> str | None:
    """The value of `--lang` among the arguments before the command name (None: not given)."""
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
        if not arg.startswith("-") and (index == 0 or args[index - 1] not in ("--root",)):
            break  # the command's name: what follows is the command's own
    return None


def _localise(group: click.Group) -> None:
    """Every command's and option's help text from the catalogue, in the current language.

    The English words stay in the code (a docstring, a `help=`) and are also the catalogue's
    `cli.<command>` and `cli.<command>.<option>` entries (a test keeps the two the same); the
    first time the language is known, each is replaced by the catalogue's words."""
    from generator.core.messages import catalogue, render

    for path, command in _commands(group):
        original = command.__dict__.setdefault("_english_help", command.help)
        key = "cli." + (path or "ratebook")
        command.help = render(key, {}) if key in catalogue() else original
        command.short_help = None
        context = click.Context(command, help_option_names=SETTINGS["help_option_names"])
        help_option = command.get_help_option(context)
        if help_option is not None:
            help_option.help = render("help-option", {})
        for param in command.params:
            if isinstance(param, click.Option) and param.name and param.help is not None:
                english = param.__dict__.setdefault("_english_help", param.help)
                param_key = f"{key}.{param.name}"
                param.help = render(param_key, {}) if param_key in catalogue() else english


def _commands(group: click.Group, path: str = ""):
    yield path, group
    for name, command in sorted(group.commands.items()):
        sub = f"{path}.{name}" if path else name
        if isinstance(command, click.Group):
            yield from _commands(command, sub)
        else:
            yield sub, command


SETTINGS: dict[str, list[str]] = {"help_option_names": ["-h", "--help"]}


@click.group(cls=RatebookGroup, context_settings=SETTINGS)
@click.option(
    "--root",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="The project folder holding policies/ and generated/.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="The language ratebook speaks: zh (Chinese) or en (English). Default: RATEBOOK_LANG, "
    "else the locale (LANG=zh_CN.UTF-8 is Chinese).",
)
@click.pass_context
def main(ctx: click.Context, root: str, lang: str | None) -> None:
    """Keep social-insurance rule tables as data; validate, build and evaluate them."""
    ctx.ensure_object(dict)
    ctx.obj["root"] = root


def failure(key: str, /, *before: Finding, exit_code: int = 1, **params: object) -> RatebookError:
    """The error that ends a command: the findings `before`, then the catalogue's line `key`
    about the whole run ("3 error(s) in policies")."""
    from generator.core.findings import summary

    return RatebookError([*before, summary(key, **params)], exit_code)


def usage_error(key: str, /, **params: object) -> RatebookError:
    """A problem with how a command was called that click cannot see (exit code 2)."""
    return failure(key, exit_code=2, **params)


def _parse_sets(pairs) -> dict:
    case = {}
    for pair in pairs:
        if "=" not in pair:
            raise usage_error("usage.set", pair=pair)
        name, value = pair.split("=", 1)
        if name.strip() in case:  # the second would silently replace the first
            given = [
                p.split("=", 1)[1].strip()
                for p in pairs
                if "=" in p and p.split("=", 1)[0].strip() == name.strip()
            ]
            raise usage_error("usage.set-repeated", name=name.strip(), values=", ".join(given))
        case[name.strip()] = value.strip()
    return case


def _parse_on(on: str | None) -> dt.date:
    """`--on` read as every other date is read (2012-07-01, 2012/7/1, 2012年7月1日)."""
    if on is None:
        return dt.date.today()
    from generator.core import values

    try:
        date = values.read_date(on)
    except values.Refusal as refusal:
        raise usage_error("usage.on-refused", on=on, reason=refusal.reason) from None
    if date is None:
        raise usage_error("usage.on", on=on)
    return date


def checked_encoding(name: str) -> str:
    """`--encoding NAME` as Python's codec name; a usage error when there is no such encoding."""
    from generator.core.text_encoding import known

    canonical = known(name)
    if canonical is None:
        raise usage_error("usage.encoding", name=name)
    return canonical
