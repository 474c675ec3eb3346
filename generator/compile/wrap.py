"""Break long lines of generated code inside their brackets, so a formula reads like code a
person wrote: each argument, and each part of an `a if c else b`, on a line of its own.

Works on Python tokens, never on raw text, so a comma or bracket inside a string literal is
left alone; the result parses to the same tree as the input (a test checks every module).
"""

from __future__ import annotations

import io
import tokenize

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
    """One logical line as several, broken at the outermost bracket that holds the length."""
    stripped = line.lstrip(" ")
    indent = line[: len(line) - len(stripped)]
    comment = ""
    try:
        tokens = [
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
    if tokens and tokens[-1].type == tokenize.COMMENT:
        comment = "  " + tokens[-1].string
        tokens = tokens[:-1]
    if not tokens or any(t.start[0] != 1 for t in tokens):
        return [line]
    opening = _widest_bracket(tokens)
    if opening is None:
        return [line]
    start, end = opening
    head = stripped[: tokens[start].end[1]]
    tail = stripped[tokens[end].start[1] : tokens[-1].end[1]].rstrip() + comment
    parts = _split_top_level(stripped, tokens, start, end)
    inner = indent + "    "
    lines = [indent + head]
    for part in parts:
        lines.extend(
            wrap_line(inner + part, limit) if len(inner + part) > limit else [inner + part]
        )
    lines.append(indent + tail)
    return lines


def _widest_bracket(tokens) -> tuple[int, int] | None:
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


def _split_top_level(text: str, tokens, start: int, end: int) -> list[str]:
    """The pieces between brackets `start` and `end`, cut after each comma at their level and
    before each `if`/`else` of a conditional expression at that level."""
    pieces, depth, begin = [], 0, tokens[start].end[1]
    for token in tokens[start + 1 : end]:
        if token.type == tokenize.OP and token.string in _OPEN:
            depth += 1
        elif token.type == tokenize.OP and token.string in _CLOSE:
            depth -= 1
        elif depth == 0 and token.type == tokenize.OP and token.string == ",":
            pieces.append(text[begin : token.end[1]].strip())
            begin = token.end[1]
        elif depth == 0 and token.type == tokenize.NAME and token.string in ("if", "else", "for"):
            piece = text[begin : token.start[1]].strip()
            if piece:
                pieces.append(piece)
            begin = token.start[1]
    last = text[begin : tokens[end].start[1]].strip()
    if last:
        pieces.append(last)
    return pieces
