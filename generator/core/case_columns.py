"""What each column of a case file holds, for `eval --cases`, `test` and `diff` alike.

One layout for all three: plain columns headed by an input's id or its Chinese or English
label (the layout a payment system exports), or by an output's for an expected output; the
`in:NAME` and `out:NAME` prefixes stay accepted; `policy`, `on`, `case`, `error` and `why` are
the case's own columns. A header is the exact text, trimmed. A header that could name two
fields is refused with the candidates, so that no value goes to the wrong field.

Plain Python, no imports beyond the standard library: the batch path and generated modules
use it too.
"""

from __future__ import annotations

CASE_COLUMNS = ("policy", "on", "case", "error", "why")


class Fields:
    """The inputs and outputs of one policy with the labels a header may give."""

    def __init__(self, inputs: dict, outputs: dict):
        self.inputs = inputs  # id -> (label zh, label en)
        self.outputs = outputs

    def names(self, kind: str) -> dict:
        return self.inputs if kind == "in" else self.outputs


def read_header(header: str, fields: Fields) -> tuple[str, str] | list[tuple[str, str]]:
    """('in' | 'out', id) for a field's column, ('', word) for a case column, ('', '') for a
    column that names nothing; a list of the candidates when the header could name several."""
    text = header.strip()
    if text in CASE_COLUMNS:
        return "", text
    for kind in ("in", "out"):
        if text.startswith(f"{kind}:"):
            name = text[len(kind) + 1 :].strip()
            found = _matches(name, fields, (kind,))
            return found[0] if len(found) == 1 else (found or (kind, name))
    found = _matches(text, fields, ("in", "out"))
    if len(found) == 1:
        return found[0]
    return found or ("", "")


def _matches(text: str, fields: Fields, kinds) -> list[tuple[str, str]]:
    """The fields `text` names: by id first (an id is never a label of another field of the
    same kind, see the checks), else by label."""
    by_id = [(kind, text) for kind in kinds if text in fields.names(kind)]
    if by_id:
        return by_id
    return [
        (kind, name)
        for kind in kinds
        for name, labels in fields.names(kind).items()
        if text and text in (label.strip() for label in labels if label)
    ]
