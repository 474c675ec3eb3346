"""Break long lines of generated code inside their brackets, so a formula reads like code a
person wrote: each argument, and each part of an `a if c else b`, on a line of its own.

Works on Python tokens, never on raw text, so a comma or bracket inside a string literal is
left alone; the result parses to the same tree as the input (a test checks every module).
"""

from __future__ import annotations

import io
import tokenize
from typing import NamedTuple

LIMIT = 100
_OPEN, _CLOSE = "([{", ")]}"


def wrap_code(text: str, limit: int = LIMIT) -> str:
    out = []
    for line in text.split("\n"):
        if len(line) <= limit:
            out.append(line)
        elif line.startswith(" ") and line.lstrip().startswith(
            "# "
        ):  # the header stays one line each
            out.extend(_wrap_comment(line, limit))
        else:
            out.extend(wrap_line(line, limit))
    return "\n".join(out)


def _wrap_comment(line: str, limit: int) -> list[str]:
    import textwrap

    indent = line[: len(line) - len(line.lstrip())]
    return textwrap.wrap(
        line.lstrip()[2:],
        width=limit - len(indent) - 2,
        initial_indent=indent + "# ",
        subsequent_indent=indent + "#     ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def wrap_line(line: str, limit: int = LIMIT) -> list[str]:
    """One logical line as several, broken at the outermost bracket that holds the length.

    The line is tokenized once; each piece is wrapped again with its own tokens, not
    tokenized anew (a formula's scale of thousands of brackets is one line of 10^5 tokens)."""
    stripped = line.lstrip(" ")
    indent = line[: len(line) - len(stripped)]
    comment = ""
    try:
        found = [
            t
            for t in tokenize.generate_tokens(io.StringIO(stripped).readline)
            if t.type
            not in (
                tokenize.NEWLINE,
                tokenize.NL,
                tokenize.ENDMARKER,
                tokenize.INDENT,
                tokenize.DEDENT,
            )
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [line]
    if found and found[-1].type == tokenize.COMMENT:
        comment = "  " + found[-1].string
        found = found[:-1]
    if not found or any(t.start[0] != 1 for t in found):
        return [line]
    tokens = [_Token(t.type, t.string, t.start[1], t.end[1]) for t in found]
    return _wrap(line, indent, stripped, tokens, 0, comment, limit)


class _Token(NamedTuple):
    type: int
    string: str
    start: int  # columns in the line as tokenized
    end: int


def _wrap(
    line: str, indent: str, text: str, tokens: list[_Token], base: int, comment: str, limit: int
) -> list[str]:
    """`line` (`indent` + `text` + `comment`) wrapped; `tokens` are those of `text`, whose
    columns are `base` more than their place in `text`."""
    opening = _widest_bracket(tokens)
    if opening is None:
        return [line]
    start, end = opening
    head = text[: tokens[start].end - base]
    tail = text[tokens[end].start - base : tokens[-1].end - base].rstrip() + comment
    inner = indent + "    "
    lines = [indent + head]
    for part, part_tokens in _split_top_level(text, tokens, base, start, end):
        if len(inner + part) > limit:
            lines.extend(
                _wrap(inner + part, inner, part, part_tokens, part_tokens[0].start, "", limit)
            )
        else:
            lines.append(inner + part)
    lines.append(indent + tail)
    return lines


def _widest_bracket(tokens: list[_Token]) -> tuple[int, int] | None:
    """(index of an opening bracket at depth 0, index of its closing one) spanning the most."""
    depth, best, stack = 0, None, []
    for i, token in enumerate(tokens):
        if token.type == tokenize.OP and token.string in _OPEN:
            stack.append(i)
            depth += 1
        elif token.type == tokenize.OP and token.string in _CLOSE and stack:
            opened = stack.pop()
            depth -= 1
            if depth == 0 and i - opened > 2 and (best is None or i - opened > best[1] - best[0]):
                best = (opened, i)
    return best


def _split_top_level(
    text: str, tokens: list[_Token], base: int, start: int, end: int
) -> list[tuple[str, list[_Token]]]:
    """The pieces between brackets `start` and `end`, with their tokens, cut after each comma
    at their level and before each `if`/`else` of a conditional expression at that level."""
    pieces: list[tuple[str, list[_Token]]] = []
    depth, begin, first = 0, tokens[start].end - base, start + 1
    for i in range(start + 1, end):
        token = tokens[i]
        if token.type == tokenize.OP and token.string in _OPEN:
            depth += 1
        elif token.type == tokenize.OP and token.string in _CLOSE:
            depth -= 1
        elif depth == 0 and token.type == tokenize.OP and token.string == ",":
            pieces.append((text[begin : token.end - base].strip(), tokens[first : i + 1]))
            begin, first = token.end - base, i + 1
        elif depth == 0 and token.type == tokenize.NAME and token.string in ("if", "else", "for"):
            piece = text[begin : token.start - base].strip()
            if piece:
                pieces.append((piece, tokens[first:i]))
            begin, first = token.start - base, i
    last = text[begin : tokens[end].start - base].strip()
    if last:
        pieces.append((last, tokens[first:end]))
    return pieces
