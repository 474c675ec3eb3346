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
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from generator.core.findings import Finding
    from generator.core.location import Location

DOMAIN = "ratebook"
ENGLISH = "en"


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


def render(key: str, params: Mapping[str, object], locale: str = ENGLISH) -> str:
    """The sentence for `key` with its parameters filled in."""
    return catalogue(locale)[key].format_map(params)


class Message:
    """A problem's words not yet placed: a catalogue key and its parameters.

    `str()` renders it in English; as a parameter of another message it renders in place, so a
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
