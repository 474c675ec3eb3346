"""One way to walk a formula tree: a method per node kind and a method per function.

Every backend (type checker, interpreter, Python and batch compilers, DMN writer, test-table
probes) is a subclass of `FormulaVisitor`. `visit` finds `visit_<kind>` by the node's class
and `visit_call` finds `call_<name>` by the function's name, both through tables built once
per class, so a walk costs a dictionary lookup per node. A backend that lacks a method fails
loudly (`NotImplementedError` naming the method), never by a silent fallback, and
`tests/test_formula_registry.py` finds the gap before any formula reaches it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from generator.formula.registry import NAMES
from generator.formula.syntax import NODE_KINDS, Call, Node

R = TypeVar("R")


def method_name(kind: type[Node]) -> str:
    """`EnumTest` → `visit_enum_test`: the method a visitor has for a node class."""
    return "visit_" + re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()


NODE_METHODS: dict[type[Node], str] = {kind: method_name(kind) for kind in NODE_KINDS}
CALL_METHODS: dict[str, str] = {name: f"call_{name}" for name in NAMES}


class FormulaVisitor(Generic[R]):
    """Base of every formula backend; subclasses define `visit_<kind>` and `call_<name>`."""

    _node_table: ClassVar[dict[type, Callable[..., Any]]] = {}
    _call_table: ClassVar[dict[str, Callable[..., Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._node_table = {
            kind: getattr(cls, name) for kind, name in NODE_METHODS.items() if hasattr(cls, name)
        }
        cls._call_table = {
            function: getattr(cls, name)
            for function, name in CALL_METHODS.items()
            if hasattr(cls, name)
        }

    @classmethod
    def required_call_methods(cls) -> list[str]:
        """What covers the functions: `call_<name>` for each (the checker overrides this)."""
        return list(CALL_METHODS.values())

    def visit(self, node: Node) -> R:
        method = self._node_table.get(type(node))
        if method is None:
            raise NotImplementedError(
                f"{type(self).__name__} has no {NODE_METHODS.get(type(node), type(node).__name__)}"
            )
        return method(self, node)

    def visit_call(self, node: Call) -> R:
        method = self._call_table.get(node.function)
        if method is None:
            raise NotImplementedError(f"{type(self).__name__} has no call_{node.function}")
        return method(self, node)


def missing_methods(visitor: type[FormulaVisitor[Any]]) -> list[str]:
    """The node and function methods `visitor` does not define (its type rules for the checker)."""
    wanted = list(NODE_METHODS.values()) + list(visitor.required_call_methods())
    return [name for name in wanted if not callable(getattr(visitor, name, None))]
