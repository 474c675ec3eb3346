"""The small formula language of policies: tokenizer and parser to a tree.

Formulas come from files officers edit, so they are never handed to Python's `eval`: this
module reads them character by character into a closed set of node types, and the checker
and the compilers walk only those. Every node keeps its character offset so an error can
point at the exact column in the policy file.

The parser gives an untyped tree. The type checker (`formula/types.py`) gives a typed copy:
each node's `type` set, and each comparison of enum values rewritten into an `EnumTest`,
which is the tree every backend reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from generator.core import limits
from generator.core.messages import Message
from generator.formula.registry import NAMES

if TYPE_CHECKING:
    from generator.formula.types import Type

FUNCTIONS = NAMES  # the parser accepts exactly the registered functions
KEYWORDS = ("if", "then", "else", "and", "or", "not", "true", "false")
_OPERATOR_SPELLINGS = {
    "×": "*",
    "÷": "/",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "<>": "!=",
    "==": "=",
}
_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<number>[0-9]+(?:\.[0-9]+)?%?)
      | (?P<string>"[^"\n]*"|'[^'\n]*')
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op><=|>=|!=|==|<>|[-+*/×÷=<>≤≥≠(),])
    """,
    re.VERBOSE,
)


class FormulaError(Exception):
    """A problem in a formula, at a character offset of its text: a catalogue message."""

    def __init__(self, key: str, offset: int, /, **params: object):
        super().__init__(key, offset, params)
        self.reason = Message(key, **params)
        self.offset = offset

    @property
    def message(self) -> str:
        return str(self.reason)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Node:
    offset: int
    # set by the type checker on the typed tree; None on a parsed tree or where typing failed
    type: Type | None = field(default=None, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True)
class Number(Node):
    value: Decimal
    text: str


@dataclass(frozen=True)
class Text(Node):
    value: str


@dataclass(frozen=True)
class Boolean(Node):
    value: bool


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-" or "not"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * / = != < <= > >= and or
    left: Node
    right: Node


@dataclass(frozen=True)
class Conditional(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class Call(Node):
    function: str
    args: tuple


@dataclass(frozen=True)
class EnumValue(Node):
    """A text literal the type checker found to name a value of an enum: `"2"` as 2, rank 1."""

    value: object  # the enum's own value, as declared
    rank: int  # its place in the declared order, from 0
    text: str  # as written in the formula


@dataclass(frozen=True)
class EnumTest(Node):
    """A comparison of enum values, made once by the type checker from a `Binary`.

    `scheme = "employee"` or `education >= "college"`: the backends read here whether to
    compare values or ranks instead of each deciding it again. One side may be an EnumValue.
    """

    op: str  # = != < <= > >=
    left: Node
    right: Node
    values: tuple  # the enum's values in declared order (a value's rank is its index)
    enum: str  # the input the values belong to
    ranked: bool  # compare ranks: an ordering of an ordered enum; else compare values

    def rank_of(self, value: object) -> int:
        """The rank of a value of the enum (values are matched as text, as in case files)."""
        text = str(value)
        return next(i for i, v in enumerate(self.values) if str(v) == text)


# every node class; each backend has one visit_<kind> method per class (see visitor.py)
NODE_KINDS: tuple[type[Node], ...] = (
    Number,
    Text,
    Boolean,
    Name,
    Unary,
    Binary,
    Conditional,
    Call,
    EnumValue,
    EnumTest,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, name, op, keyword, end
    text: str
    offset: int


def tokenize(text: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise FormulaError("syntax.unexpected-character", position, character=text[position])
        kind = match.lastgroup or ""  # every alternative of _TOKEN is a named group
        value = match.group()
        if kind == "op":
            value = _OPERATOR_SPELLINGS.get(value, value)
        if kind == "name" and value in KEYWORDS:
            kind = "keyword"
        if kind != "space":
            tokens.append(_Token(kind, value, position))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def parse(text: str) -> Node:
    """Parse one formula; raise FormulaError at the first syntax problem, or where it goes past
    `limits.FORMULA_MAX_CHARS` or `limits.FORMULA_MAX_DEPTH` (every backend walks the tree
    recursively: a formula within the limit is one each of them can walk)."""
    if len(text) > limits.FORMULA_MAX_CHARS:
        raise FormulaError(
            "formula-limit.length",
            limits.FORMULA_MAX_CHARS,
            length=len(text),
            limit=limits.FORMULA_MAX_CHARS,
        )
    parser = _Parser(tokenize(text))
    node = parser.expression()
    if parser.peek.kind != "end":
        raise FormulaError("syntax.trailing", parser.peek.offset, text=parser.peek.text)
    deepest = _deepest(node)
    if deepest is not None:
        raise FormulaError("formula-limit.depth", deepest.offset, limit=limits.FORMULA_MAX_DEPTH)
    return node


def _deepest(root: Node) -> Node | None:
    """The first node deeper than `limits.FORMULA_MAX_DEPTH` in the tree, found without
    recursion (a chain `a + b + c + ...` of any length is a tree that deep), or None."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.FORMULA_MAX_DEPTH:
            return node
        stack.extend((child, depth + 1) for child in children(node))
    return None


class _Parser:
    """Recursive descent, lowest precedence first: if, or, and, not, comparison, +-, */, unary."""

    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.index = 0
        self.depth = 0  # nested expressions, parentheses, `not` and minus signs being read

    def deeper(self, offset: int) -> None:
        """One more level of nesting; refused past the limit before the recursion goes on."""
        self.depth += 1
        if self.depth > limits.FORMULA_MAX_DEPTH:
            raise FormulaError("formula-limit.depth", offset, limit=limits.FORMULA_MAX_DEPTH)

    @property
    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> _Token:
        if self.peek.text != text or self.peek.kind not in ("op", "keyword"):
            if not self.peek.text:
                raise FormulaError("syntax.expected-at-end", self.peek.offset, text=text)
            raise FormulaError("syntax.expected", self.peek.offset, text=text, found=self.peek.text)
        return self.take()

    def expression(self) -> Node:
        self.deeper(self.peek.offset)
        node = self._expression()
        self.depth -= 1
        return node

    def _expression(self) -> Node:
        if self.peek.kind == "keyword" and self.peek.text == "if":
            start = self.take()
            condition = self.expression()
            self.expect("then")
            then = self.expression()
            self.expect("else")
            otherwise = self.expression()
            return Conditional(start.offset, condition, then, otherwise)
        return self.logical_or()

    def logical_or(self) -> Node:
        node = self.logical_and()
        while self.peek.kind == "keyword" and self.peek.text == "or":
            token = self.take()
            node = Binary(token.offset, "or", node, self.logical_and())
        return node

    def logical_and(self) -> Node:
        node = self.logical_not()
        while self.peek.kind == "keyword" and self.peek.text == "and":
            token = self.take()
            node = Binary(token.offset, "and", node, self.logical_not())
        return node

    def logical_not(self) -> Node:
        if self.peek.kind == "keyword" and self.peek.text == "not":
            token = self.take()
            self.deeper(token.offset)
            node = Unary(token.offset, "not", self.logical_not())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        node = self.additive()
        if self.peek.kind == "op" and self.peek.text in ("=", "!=", "<", "<=", ">", ">="):
            token = self.take()
            node = Binary(token.offset, token.text, node, self.additive())
            if self.peek.kind == "op" and self.peek.text in ("=", "!=", "<", "<=", ">", ">="):
                raise FormulaError("syntax.chained-comparison", self.peek.offset)
        return node

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.peek.kind == "op" and self.peek.text in ("+", "-"):
            token = self.take()
            node = Binary(token.offset, token.text, node, self.multiplicative())
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while self.peek.kind == "op" and self.peek.text in ("*", "/"):
            token = self.take()
            node = Binary(token.offset, token.text, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek.kind == "op" and self.peek.text == "-":
            token = self.take()
            self.deeper(token.offset)
            node = Unary(token.offset, "-", self.unary())
            self.depth -= 1
            return node
        if self.peek.kind == "op" and self.peek.text == "+":
            self.deeper(self.take().offset)
            node = self.unary()
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "number":
            text = token.text
            value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
            return Number(token.offset, value, text)
        if token.kind == "string":
            return Text(token.offset, token.text[1:-1])
        if token.kind == "keyword" and token.text in ("true", "false"):
            return Boolean(token.offset, token.text == "true")
        if token.kind == "keyword" and token.text == "if":
            self.index -= 1
            return self.expression()
        if token.kind == "op" and token.text == "(":
            node = self.expression()
            self.expect(")")
            return node
        if token.kind == "name":
            if self.peek.kind == "op" and self.peek.text == "(":
                return self.call(token)
            return Name(token.offset, token.text)
        if not token.text:
            raise FormulaError("syntax.value-at-end", token.offset)
        raise FormulaError("syntax.value", token.offset, found=token.text)

    def call(self, name: _Token) -> Node:
        if name.text not in FUNCTIONS:
            raise FormulaError(
                "syntax.unknown-function", name.offset, name=name.text, allowed=", ".join(FUNCTIONS)
            )
        self.expect("(")
        args = []
        if not (self.peek.kind == "op" and self.peek.text == ")"):
            args.append(self.expression())
            while self.peek.kind == "op" and self.peek.text == ",":
                self.take()
                args.append(self.expression())
        self.expect(")")
        return Call(name.offset, name.text, tuple(args))


def names_in(node: Node) -> set[str]:
    """Every bare name a formula refers to (scale and table names included)."""
    if isinstance(node, Name):
        return {node.name}
    found: set[str] = set()
    for child in children(node):
        found |= names_in(child)
    return found


def children(node: Node) -> tuple:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, (Binary, EnumTest)):
        return (node.left, node.right)
    if isinstance(node, Conditional):
        return (node.condition, node.then, node.otherwise)
    if isinstance(node, Call):
        return node.args
    return ()
