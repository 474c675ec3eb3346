"""The order in which a policy's formulas are computed, shared by every evaluator.

Formulas may use each other; computing them in one dependency order (ties broken by the
order they are written) keeps the interpreter and the generated code step for step alike.
"""

from __future__ import annotations

from generator.formula.syntax import names_in


def dependencies(policy) -> dict[str, list[str]]:
    formula_names = {f.name for f in policy.formulas}
    return {
        f.name: sorted(names_in(f.tree) & formula_names) if f.tree is not None else []
        for f in policy.formulas
    }


def formula_order(policy) -> tuple[list[str], list[str]]:
    """(names in computing order, names caught in a cycle)."""
    deps = dependencies(policy)
    done: list[str] = []
    state: dict[str, str] = {}
    cyclic: list[str] = []

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cyclic.extend(n for n in trail[trail.index(name) :] if n not in cyclic)
            return
        state[name] = "visiting"
        for dep in deps[name]:
            visit(dep, trail + [dep])
        state[name] = "done"
        done.append(name)

    for formula in policy.formulas:
        visit(formula.name, [formula.name])
    return [n for n in done if n not in cyclic], cyclic


def used_parameters(policy) -> list:
    """The numbered parameters that formulas or checks use, in the order they are written.

    Every evaluator looks all of them up first, so a policy is in force on a date exactly
    when each of these has a value then, whichever branch a case would take."""
    used: set[str] = set()
    for tree in [f.tree for f in policy.formulas] + [c.tree for c in policy.checks]:
        if tree is not None:
            used |= names_in(tree)
    return [p for p in policy.parameters if p.name in used and not p.unnumbered]


def runtime_brackets(brackets) -> tuple:
    """Model brackets as the plain tuples `runtime.marginal`/`whole_amount` take."""
    return tuple(
        (b.lower, b.lower_inclusive, b.upper, b.upper_inclusive, b.rate, b.amount) for b in brackets
    )
