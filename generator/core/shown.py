"""Names and columns as a person reads them, in the current language.

In English a policy, an input or an output is named by its id, as before. In Chinese it is
named by its Chinese label with the id beside it, `政策范围内个人自付费用（out_of_pocket）`, so
an officer reads the words of the policy and can still type the id into `--set` or a case
file. Chinese characters take two columns of a terminal: `pad` aligns tables by that width.
Standard library only (the one-case `eval` path uses it).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from generator.core.messages import CHINESE, current_language


def named(name: str, labels: Mapping[str, object] | None) -> str:
    """`name` as shown: in Chinese `label（name）` when a Chinese label is known, else the name."""
    if current_language() != CHINESE or not labels:
        return name
    label = labels.get(CHINESE) if isinstance(labels, Mapping) else getattr(labels, CHINESE, "")
    return f"{label}（{name}）" if label and label != name else name


def label_of(thing: object) -> Mapping[str, str] | None:
    """The `{zh, en}` labels of a model object (an input, output or parameter), if it has any."""
    label = getattr(thing, "label", None) or getattr(thing, "title", None)
    if label is None or isinstance(label, str):
        return None
    return {"zh": getattr(label, "zh", ""), "en": getattr(label, "en", "")}


def named_field(thing: object) -> str:
    """An input, output or parameter of the model, named as `named` does."""
    return named(str(getattr(thing, "name", "")), label_of(thing))


def width(text: str) -> int:
    """Columns `text` takes on a terminal: two for each wide (Chinese) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """`text` padded with spaces to `columns` terminal columns (on the left when `right`)."""
    space = " " * max(columns - width(text), 0)
    return space + text if right else text + space


class Named:
    """A name that is shown as `named` shows it when a message is rendered (so a finding made
    before the language is known still speaks the language it is shown in); equal to others
    by its name alone."""

    __slots__ = ("name", "labels")

    def __init__(self, name: str, labels: Mapping[str, object] | None = None):
        self.name = name
        self.labels = labels

    @classmethod
    def of(cls, thing: object) -> Named:
        """An input, output or parameter of the model."""
        return cls(str(getattr(thing, "name", "")), label_of(thing))

    def __str__(self) -> str:
        return named(self.name, self.labels)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return repr(self.name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Named):
            return self.name == other.name
        return self.name == other

    def __hash__(self) -> int:
        return hash(self.name)
