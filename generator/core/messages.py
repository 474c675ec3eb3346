"""The words of every problem, kept in one gettext catalogue per language and keyed by code.

A problem travels as data: a key (its stable code, or `code.variant` where one code has
several wordings), and named parameters. The sentence is made only when it is shown, from
`locale/<language>/LC_MESSAGES/ratebook.po`, whose msgid is the key and whose msgstr is a
template with `{named}` placeholders (`str.format` syntax, so `{value!r}` quotes a value).
Adding a language is adding one `.po` file beside the English one.

The `.po` file is the source a person edits; `pybabel compile -d generator/core/locale -D
ratebook` compiles it into the `.mo` beside it, which is what runs: the standard library's
gettext reads it in about a millisecond the first time a message is shown, with no Babel
import (a batch's summary line, or a rejected row, would otherwise pay ~70 ms for parsing the
`.po`). `tests/test_messages.py` fails when a `.mo` is not the compiled form of its `.po`.

The language is one setting of the process (`current_language()`): the `ratebook --lang`
option sets it, else `RATEBOOK_LANG`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`: one
starting with `zh` is Chinese); anything else is English. Inside `in_language(...)` the
language is that block's alone: a context variable, so the service answers each request in
its own `Accept-Language` while other requests, in other threads or tasks, keep theirs. Text written into files that
machines compare (generated modules, test tables, manifests) is rendered `in_language("en")`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    from generator.core.findings import Finding
    from generator.core.location import Location

DOMAIN = "ratebook"
ENGLISH = "en"
CHINESE = "zh"
LANGUAGES = (ENGLISH, CHINESE)

_chosen: list[str | None] = [None]  # the language set for this process; None: from the environment
# the language of the current `in_language` block (a request, a file for machines); None: none
_block: ContextVar[str | None] = ContextVar("ratebook_language", default=None)


def language_of(name: str | None) -> str | None:
    """`zh`, `zh_CN.UTF-8`, `zh-Hans` -> zh; `en`, `C`, `en_US.UTF-8`, `de_DE` -> en; empty -> None."""
    if not name:
        return None
    return CHINESE if name.strip().lower().startswith("zh") else ENGLISH


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """`RATEBOOK_LANG` if set, else the locale's language (`LC_ALL`, `LC_MESSAGES`, `LANG`)."""
    environ = os.environ if environ is None else environ
    for variable in ("RATEBOOK_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        language = language_of(environ.get(variable))
        if language is not None:
            return language
    return ENGLISH


def set_language(language: str | None) -> None:
    """Speak `language` (en or zh) from now on; None: follow the environment again."""
    _chosen[0] = language_of(language)


def current_language() -> str:
    """The language every message, table and help text is shown in."""
    return _block.get() or _chosen[0] or environment_language()


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Render in `language` inside the block (text for files that machines compare, one
    request's answer); other threads and tasks keep their own language meanwhile."""
    token = _block.set(language_of(language) or ENGLISH)
    try:
        yield
    finally:
        _block.reset(token)


def catalogue_path(locale: str = ENGLISH) -> Path:
    """`locale/<language>/LC_MESSAGES/ratebook.po` beside this module (the source)."""
    from pathlib import Path

    return Path(__file__).resolve().parent / "locale" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(locale: str = ENGLISH) -> dict[str, str]:
    """Key -> template of one language, read once per process from the compiled `.mo`."""
    import gettext

    with open(catalogue_path(locale).with_suffix(".mo"), "rb") as file:
        compiled = gettext.GNUTranslations(file)
    # GNUTranslations keeps the entries in `_catalog`; the header entry has the empty key
    entries: dict[object, str] = compiled._catalog  # type: ignore[attr-defined]
    return {key: text for key, text in entries.items() if isinstance(key, str) and key}


def source_catalogue(po_path: Path) -> dict[str, str]:
    """Key -> template as the `.po` source says (tests compare it with the compiled `.mo`)."""
    from babel.messages.pofile import read_po

    with open(po_path, "rb") as file:
        return {
            message.id: message.string
            for message in read_po(file)
            if isinstance(message.id, str) and message.id and isinstance(message.string, str)
        }


def compiled_catalogue(po_path: Path) -> bytes:
    """The `.mo` bytes `pybabel compile` writes for a `.po` (its header carries the time)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po_path, "rb") as file:
        source = read_po(file)
    out = io.BytesIO()
    write_mo(out, source)
    return out.getvalue()


def render(key: str, params: Mapping[str, object], locale: str | None = None) -> str:
    """The sentence for `key` with its parameters filled in, in `locale` (default: the current
    language). A key that a language lacks falls back to English."""
    language = locale or current_language()
    template = catalogue(language).get(key) if language != ENGLISH else None
    if locale is None or locale == current_language():
        return (template or catalogue(ENGLISH)[key]).format_map(params)
    # a parameter that is rendered when shown (a reason, a unit by its label) speaks `locale` too
    with in_language(locale):
        return (template or catalogue(ENGLISH)[key]).format_map(params)


def words(key: str, /, **params: object) -> str:
    """A line or label a command shows (a table's header, a summary), in the current language."""
    return render(key, params)


class Message:
    """A problem's words not yet placed: a catalogue key and its parameters.

    `str()` renders it in the current language; as a parameter of another message it renders in place, so a
    reason can quote a reason ("default 'x' is not a number") and still come from the
    catalogue. `at(location)` places it, giving a `Finding`.
    """

    __slots__ = ("key", "params")

    def __init__(self, key: str, /, **params: object):
        self.key = key
        self.params = params

    @property
    def code(self) -> str:
        return self.key.partition(".")[0]

    def __str__(self) -> str:
        return render(self.key, self.params)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Message({self.key!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash(self.key)

    def at(self, location: Location, severity: str = "error") -> Finding:
        """This message as a finding at `location`."""
        from generator.core.findings import Finding

        return Finding(self.key, location, self.params, severity)
