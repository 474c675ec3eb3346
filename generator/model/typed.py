"""The types of a policy's formulas and checks, inferred once and kept with the policy.

`Policy.types` runs this on first use and keeps the result: the checks (`checks/rules.py`)
turn its problems into findings, and every backend (interpreter, compilers, DMN writer,
test tables) walks its typed trees, where each node carries its type and each comparison
of enum values is an explicit `EnumTest`. No backend infers a type or decides how enum
values compare on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from generator.core.messages import Message
from generator.core.units import Unit
from generator.formula.syntax import Node
from generator.formula.types import Checker, Type, input_type, number
from generator.model.plan import formula_order

if TYPE_CHECKING:
    from generator.model.policy import Check, Formula, OutputField, Policy


@dataclass(frozen=True)
class Typed:
    """One formula or check after the type checker."""

    tree: Node  # the typed tree
    problems: tuple[tuple[Message, int], ...] = ()  # (message, character offset), in order found

    @property
    def result(self) -> Type | None:
        """The type of the whole tree; None when a problem was reported."""
        return self.tree.type


@dataclass(frozen=True)
class PolicyTypes:
    formulas: dict[str, Typed] = field(default_factory=dict)  # in computing order
    checks: tuple[Typed | None, ...] = ()  # one per check of the policy; None: did not parse
    names: dict[str, Type] = field(default_factory=dict)  # what each name is, for formulas

    def formula_tree(self, formula: Formula) -> Node | None:
        """The typed tree of `formula` (its parsed tree if it is not typed: in a cycle)."""
        typed = self.formulas.get(formula.name)
        return typed.tree if typed is not None else formula.tree

    def check_tree(self, index: int, check: Check) -> Node | None:
        typed = self.checks[index] if index < len(self.checks) else None
        return typed.tree if typed is not None else check.tree


def base_names(policy: Policy) -> dict[str, Type]:
    """The types of the names every formula and check may use: inputs, amounts and rates."""
    names = {f.name: input_type(f) for f in policy.inputs}
    for p in policy.parameters:
        if p.kind in ("amount", "rate") and not p.unnumbered:
            names[p.name] = number(Unit.parse(p.unit or "1"))
    return names


def infer_types(policy: Policy) -> PolicyTypes:
    """Type every formula in computing order (each sees the ones before it), then the checks
    (which see only inputs and parameters)."""
    order, cyclic = formula_order(policy)
    names = base_names(policy)
    parameters = {p.name: p for p in policy.parameters}
    failed: set[str] = set(cyclic)  # broken formulas: a formula using one gets no second message
    outputs = {o.name: o for o in policy.outputs}
    formulas: dict[str, Typed] = {}
    for name in order:
        formula = policy.formula(name)
        if formula is None or formula.tree is None:
            failed.add(name)
            continue
        problems: list[tuple[Message, int]] = []
        checker = Checker(
            names,
            parameters,
            lambda message, offset, sink=problems: sink.append((message, offset)),
            failed,
        )
        typed = Typed(checker.check(formula.tree), tuple(problems))
        formulas[name] = typed
        if typed.result is None:
            failed.add(name)
            continue
        names[name] = as_output_type(outputs.get(name), typed.result)
    checks: list[Typed | None] = []
    check_names = base_names(policy)
    for check in policy.checks:
        if check.tree is None:
            checks.append(None)
            continue
        problems = []
        checker = Checker(check_names, parameters, lambda m, o, sink=problems: sink.append((m, o)))
        checks.append(Typed(checker.check(check.tree), tuple(problems)))
    return PolicyTypes(formulas, tuple(checks), names)


def as_output_type(output: OutputField | None, result: Type) -> Type:
    """A formula as other formulas see it: an output's unit given to a bare number."""
    if output is not None and output.type in ("number", "integer") and result.unit is None:
        return number(Unit.parse(output.unit or "1"))
    return result
