"""Read a policy YAML file into plain data plus a map from each value to its line and column.

PyYAML follows YAML 1.1, where a bare `no`, `on` or `2012-07-01` silently becomes a boolean or
a date. An officer's enum value `no` or a key `on` must keep its meaning, so this reader
resolves only null, integers and decimals written in plain digits, and `true`/`false`;
everything else stays text and is read later, with a located message when it is refused, by
the one value reader that also reads workbook cells and case files (`30%`, `20,000`,
`2012/7/1`). Decimals become `Decimal`, never binary floats, so `0.3` is exact. Duplicate
keys are findings, not a silent last-one-wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from generator.core import limits
from generator.core.findings import Finding, finding
from generator.core.location import Location

# plain digits only: `1e3` or `35_000` stay text, which the one value reader
# (generator.core.values) refuses with a reason, as it does in a workbook or a case file
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?[0-9]*\.[0-9]+$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")

_STR, _INT_TAG, _FLOAT_TAG = (
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
)
_BOOL_TAG, _NULL_TAG = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
_MAP_TAG, _SEQ_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _PlainResolver(yaml.resolver.BaseResolver):
    """Resolves the few scalar kinds a policy needs; all else is text."""


_PlainResolver.yaml_implicit_resolvers = {}
for _tag, _regex, _first in (
    (_BOOL_TAG, _BOOL, "tTfF"),
    (_INT_TAG, _INT, "-+0123456789"),
    (_FLOAT_TAG, _FLOAT, "-+0123456789."),
    (_NULL_TAG, _NULL, ["~", "n", "N", ""]),
):
    _PlainResolver.add_implicit_resolver(_tag, _regex, list(_first))


class _TooBig(yaml.MarkedYAMLError):
    """A document past one of the limits, at the value where it went past: `key` says which."""

    def __init__(self, key: str, mark: Any, **params: object):
        super().__init__(problem=key, problem_mark=mark)
        self.key = key
        self.mark = mark
        self.params = params


class _BoundedComposer(yaml.composer.Composer):
    """PyYAML's composer, counting as it goes: refuses a document nested deeper than
    `limits.YAML_MAX_DEPTH`, or holding more than `limits.YAML_MAX_NODES` values once every
    alias is expanded, and an alias to a collection it is inside of. PyYAML shares an
    aliased node instead of copying it, so composing is cheap; it is walking the composed
    tree (as `_convert` does) that expands aliases, exponentially for a "billion laughs".
    Each node's expanded size is kept, so an alias adds its target's whole size at once and
    the document is refused before anything is expanded."""

    # from yaml.parser.Parser, which _Loader puts beside this class
    check_event: Any
    peek_event: Any

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0
        self._total = 0
        self._sizes: dict[int, int] = {}  # id(node) -> values in it, aliases expanded

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._sizes:
                raise _TooBig("yaml-limit.alias-loop", event.start_mark, alias=event.anchor)
            node = super().compose_node(parent, index)
            self._count(self._sizes.get(id(node), 1), event.start_mark)
            return node
        self._depth += 1
        if self._depth > limits.YAML_MAX_DEPTH:
            raise _TooBig(
                "yaml-limit.depth", self.peek_event().start_mark, limit=limits.YAML_MAX_DEPTH
            )
        before = self._total
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._count(1, node.start_mark if node is not None else None)
        self._sizes[id(node)] = self._total - before
        return node

    def _count(self, size: int, mark) -> None:
        self._total += size
        if self._total > limits.YAML_MAX_NODES:
            raise _TooBig("yaml-limit.nodes", mark, limit=limits.YAML_MAX_NODES)


class _BoundedScanner(yaml.scanner.Scanner):
    """PyYAML's scanner, refusing `[` or `{` nested deeper than `limits.YAML_MAX_DEPTH` as soon
    as it reads one: past that the scanner's look-ahead for keys grows with the square of
    the nesting, and a line of thousands of brackets would take seconds before the composer
    could count anything."""

    get_mark: Any
    flow_level: int

    def fetch_flow_collection_start(self, TokenClass) -> None:
        if self.flow_level >= limits.YAML_MAX_DEPTH:
            raise _TooBig("yaml-limit.depth", self.get_mark(), limit=limits.YAML_MAX_DEPTH)
        super().fetch_flow_collection_start(TokenClass)


class _Loader(
    yaml.reader.Reader,
    _BoundedScanner,
    yaml.parser.Parser,
    _BoundedComposer,
    _PlainResolver,
):
    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        _BoundedScanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _BoundedComposer.__init__(self)
        _PlainResolver.__init__(self)


@dataclass
class SourceDocument:
    """A policy source as plain data, with the place of every value and mapping key."""

    file: str
    data: Any  # plain data (dicts, lists, scalars) that the schema check then examines
    places: dict = field(default_factory=dict)  # path tuple -> Location of the value
    key_places: dict = field(default_factory=dict)  # path tuple -> Location of the key
    raw: bytes = b""
    text_starts: dict = field(
        default_factory=dict
    )  # path tuple -> (style, line0, column0) of text values

    def place(self, path: tuple) -> Location:
        """The location of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path and path not in self.places:
            path = path[:-1]
        return self.places.get(path, Location(self.file))

    def key_place(self, path: tuple) -> Location:
        return self.key_places.get(tuple(path)) or self.place(path)

    def text_place(self, path: tuple, offset: int) -> Location:
        """The line and column of character `offset` inside the text value at `path`.

        Formulas are often written over several lines (folded `>-` blocks or plain text that
        wraps), so the offset is walked over the source lines the value was folded from.
        """
        path = tuple(path)
        base = self.place(path)
        if path not in self.text_starts:
            return base
        style, line0, col0 = self.text_starts[path]
        lines = self.raw.decode("utf-8", "replace").splitlines()
        if style in ("|", ">"):
            body = lines[line0 + 1 :]
            indents = [len(x) - len(x.lstrip(" ")) for x in body if x.strip()]
            indent = indents[0] if indents else 0
            pieces = [
                (number, indent, line[indent:].rstrip())
                for number, line in enumerate(body, start=line0 + 2)
            ]
        else:
            skip = 1 if style in ("'", '"') else 0
            first = lines[line0][col0 + skip :].rstrip() if line0 < len(lines) else ""
            pieces = [(line0 + 1, col0 + skip, first)]
            for number, line in enumerate(lines[line0 + 1 :], start=line0 + 2):
                stripped = line.lstrip(" ")
                if (
                    not stripped
                    or stripped.startswith("#")
                    or (stripped[0] not in "-?:" and ": " in stripped and style is None)
                ):
                    break
                pieces.append((number, len(line) - len(stripped), stripped.rstrip()))
        remaining = offset
        for number, column, content in pieces:
            if not content:
                continue
            if remaining <= len(content):
                return Location(self.file, number, column + 1 + remaining, path=base.path)
            remaining -= len(content) + 1
        return base


try:
    from yaml.cyaml import CParser as _CParser  # type: ignore[attr-defined]
except ImportError:  # PyYAML built without libyaml
    _CLoader = None
else:

    class _CLoader(_CParser, _PlainResolver):  # type: ignore[no-redef]
        """The same as _Loader, read by libyaml."""

        def __init__(self, stream):
            _CParser.__init__(self, stream)
            _PlainResolver.__init__(self)


def _compose(text: str) -> yaml.Node | None:
    """The document's node tree: by libyaml when PyYAML has it (several times faster on a
    policy of thousands of brackets or keys; the same nodes, tags and places), else by
    PyYAML's own parser, as is a document libyaml refuses, one with an alias or one near a
    limit: that parser counts as it goes and words every refusal the findings quote."""
    if _CLoader is not None:
        try:
            node = yaml.compose(text, Loader=_CLoader)
        except yaml.YAMLError:
            node = _UNREAD
        if node is not _UNREAD and (node is None or _plainly_within_limits(node)):
            return node
    # The stubs name only PyYAML's own loaders; _Loader is built from the same parts.
    return yaml.compose(text, Loader=_Loader)  # type: ignore[arg-type]


_UNREAD: Any = object()


def _plainly_within_limits(root: yaml.Node) -> bool:
    """Whether the tree has no shared node (an alias) and stays clear of the depth and size
    limits, so that _Loader would compose it without a finding."""
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if (
            id(node) in seen
            or depth >= limits.YAML_MAX_DEPTH
            or len(seen) >= limits.YAML_MAX_NODES - 1
        ):
            return False
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += [(key, depth + 1), (value, depth + 1)]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(item, depth + 1) for item in node.value]
    return True


def read_yaml(path: Path, display: str) -> tuple[SourceDocument | None, list[Finding]]:
    """Parse one YAML file; return the document (None when unreadable) and the problems."""
    try:
        if path.exists() and not path.is_file():
            return None, [finding("unreadable.not-a-file", Location(display))]
        if path.stat().st_size > limits.POLICY_FILE_MAX_BYTES:
            return None, [
                finding(
                    "file-limit.yaml",
                    Location(display),
                    size=path.stat().st_size,
                    limit=limits.POLICY_FILE_MAX_BYTES,
                )
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [finding("unreadable", Location(display), reason=exc.strerror)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [finding("encoding", Location(display), byte=exc.start)]
    return read_yaml_text(text, display, raw)


def read_yaml_text(
    text: str, display: str, raw: bytes = b""
) -> tuple[SourceDocument | None, list[Finding]]:
    try:
        # The stubs name only PyYAML's own loaders; _Loader is built from the same parts.
        node = _compose(text)
    except _TooBig as exc:
        mark = exc.mark
        where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        return None, [finding(exc.key, where, **exc.params)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        return None, [finding("yaml-syntax", where, reason=exc.problem or exc.context)]
    except yaml.YAMLError as exc:
        return None, [finding("yaml-syntax", Location(display), reason=str(exc))]
    doc = SourceDocument(display, None, raw=raw or text.encode("utf-8"))
    findings: list[Finding] = []
    if node is None:
        return doc, [finding("empty", Location(display))]
    doc.data = _convert(node, (), doc, findings)
    return doc, findings


def _where(doc: SourceDocument, node: yaml.Node, path: tuple, shown: str | None = None) -> Location:
    """The node's place; `shown` is `dotted(path)` when the caller has it already."""
    from generator.core.location import dotted

    mark = node.start_mark
    return Location(
        doc.file, mark.line + 1, mark.column + 1, path=dotted(path) if shown is None else shown
    )


def _convert(
    node: yaml.Node, path: tuple, doc: SourceDocument, findings: list[Finding], shown: str = ""
):
    """The node as plain data, each place recorded; `shown` is the dotted form of `path`,
    grown a part at a time (a document of 10^5 nodes would otherwise spell out each path
    from its root)."""
    doc.places[path] = _where(doc, node, path, shown)
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                findings.append(finding("yaml-key", _where(doc, key_node, path, shown)))
                continue
            key = _scalar(key_node, path, doc, findings)
            inner = (
                f"{shown}[{key}]"
                if isinstance(key, int)
                else f"{shown}.{key}"
                if shown
                else str(key)
            )
            if key in result:
                findings.append(
                    finding("duplicate-key", _where(doc, key_node, path + (key,), inner), key=key)
                )
                continue
            doc.key_places[path + (key,)] = _where(doc, key_node, path + (key,), inner)
            result[key] = _convert(value_node, path + (key,), doc, findings, inner)
        if node.tag not in (_MAP_TAG,):
            findings.append(finding("yaml-tag.collection", doc.places[path], tag=node.tag))
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ_TAG:
            findings.append(finding("yaml-tag.collection", doc.places[path], tag=node.tag))
        return [
            _convert(item, path + (i,), doc, findings, f"{shown}[{i}]")
            for i, item in enumerate(node.value)
        ]
    assert isinstance(node, yaml.ScalarNode)  # the one kind of node left
    return _scalar(node, path, doc, findings)


def _scalar(node: yaml.ScalarNode, path: tuple, doc: SourceDocument, findings: list[Finding]):
    tag, text = node.tag, node.value
    if tag == _STR:
        style = node.style or None  # a plain scalar: None from PyYAML, "" from libyaml
        doc.text_starts[path] = (style, node.start_mark.line, node.start_mark.column)
        return text
    if tag == _NULL_TAG:
        return None
    if tag == _BOOL_TAG and _BOOL.match(text):
        return text.lower() == "true"
    if tag == _INT_TAG and _INT.match(text):
        return int(text)
    if tag == _FLOAT_TAG:
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    if tag in (_BOOL_TAG, _INT_TAG, _FLOAT_TAG):
        kind = tag.rsplit(":", 1)[1]
        findings.append(finding("yaml-tag.scalar", _where(doc, node, path), text=text, kind=kind))
    else:
        findings.append(finding("yaml-tag.other", _where(doc, node, path), tag=tag))
    return text
