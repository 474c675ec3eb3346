"""One function registry, one visitor, types once: every backend covers every node and function."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal

import pytest

from generator.checks.boundary_cases import _ProbeFinder
from generator.compile.batch_kernel import _BatchCompiler
from generator.compile.python_module import _Compiler, emit_module
from generator.compile.row_kernel import _RowCompiler
from generator.evaluate.interpreter import _Evaluator, evaluate
from generator.evaluate.modules import module_from_text
from generator.formula import syntax
from generator.formula.registry import NAMES, REGISTRY, TYPE_RULES
from generator.formula.syntax import (
    NODE_KINDS,
    Binary,
    EnumTest,
    EnumValue,
    FormulaError,
    Name,
    Node,
    Number,
    children,
    parse,
)
from generator.formula.types import BOOLEAN, DATE, Checker, input_type
from generator.formula.visitor import FormulaVisitor, missing_methods
from generator.model.policy import Formula
from generator.publish.dmn.decisions import _Builder, _Feel, build_dmn

# every walker of formula trees; a new one is added here and found below if it is forgotten
BACKENDS = {
    "type checker": Checker,
    "interpreter": _Evaluator,
    "Python compiler": _Compiler,
    "batch compiler": _BatchCompiler,
    "row kernel compiler": _RowCompiler,
    "DMN/FEEL writer": _Feel,
    "test-table probes": _ProbeFinder,
}


def all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | all_subclasses(sub)
    return found


def test_every_formula_visitor_in_the_code_is_a_listed_backend():
    defined = {c for c in all_subclasses(FormulaVisitor) if c.__module__.startswith("generator.")}
    assert defined == set(BACKENDS.values())


@pytest.mark.parametrize("backend", BACKENDS, ids=list(BACKENDS))
def test_every_backend_has_a_method_for_every_node_kind_and_every_registered_function(backend):
    missing = missing_methods(BACKENDS[backend])
    assert not missing, f"the {backend} lacks {', '.join(missing)}"


def test_the_parser_accepts_exactly_the_registered_functions():
    assert syntax.FUNCTIONS == NAMES
    assert len(set(NAMES)) == len(NAMES)
    for name in NAMES:
        call = parse(f"{name}(1)")
        assert call.function == name
    with pytest.raises(
        FormulaError, match="unknown function 'no_such_function'; allowed: " + ", ".join(NAMES)
    ):
        parse("no_such_function(1)")


@pytest.mark.parametrize("function", REGISTRY, ids=NAMES)
def test_every_function_has_one_line_of_documentation_in_chinese_and_in_english(function):
    assert function.zh.strip() and "\n" not in function.zh
    assert re.search(r"[\u4e00-\u9fff]", function.zh), function.zh
    assert function.en.strip() and "\n" not in function.en
    assert re.search(r"[A-Za-z]{3}", function.en) and not re.search(r"[\u4e00-\u9fff]", function.en)


@pytest.mark.parametrize("function", REGISTRY, ids=NAMES)
def test_every_function_declares_a_known_type_rule_and_a_sensible_arity(function):
    assert function.type_rule in TYPE_RULES
    assert function.min_args >= 1
    assert function.max_args is None or function.max_args >= function.min_args


def test_a_backend_without_a_method_fails_loudly_naming_it():
    class Partial(FormulaVisitor[str]):
        def visit_number(self, node):
            return "n"

    assert "visit_binary" in missing_methods(Partial)
    assert "call_min" in missing_methods(Partial)
    with pytest.raises(NotImplementedError, match="Partial has no visit_binary"):
        Partial().visit(parse("1 + 2"))
    with pytest.raises(NotImplementedError, match="Partial has no call_min"):
        Partial().visit(parse("min(1, 2)"))


def test_every_node_class_of_the_language_is_known_to_the_visitor():
    defined = {
        c
        for c in vars(syntax).values()
        if isinstance(c, type) and issubclass(c, Node) and c is not Node
    }
    assert defined == set(NODE_KINDS)


# -- types once -----------------------------------------------------------------------------------


def nodes(node: Node):
    yield node
    for child in children(node):
        yield from nodes(child)


def test_the_checker_types_every_node_of_a_valid_formula_once_and_keeps_it_on_the_policy(project):
    for policy in project.policies:
        assert policy.types is policy.types  # inferred once, kept with the policy
        for formula in policy.formulas:
            tree = policy.types.formula_tree(formula)
            lookups = {
                id(n.args[0])
                for n in nodes(tree)
                if getattr(n, "function", "") in ("scale", "table", "date")
            }
            untyped = [n for n in nodes(tree) if n.type is None and id(n) not in lookups]
            assert not untyped, f"{policy.id}.{formula.name}: {untyped}"


def test_enum_comparisons_are_rewritten_once_into_enum_tests(project):
    staffing = project.policy("platform.staffing")
    tree = staffing.types.formula_tree(staffing.formula("min_staff"))
    test = tree.condition
    assert isinstance(test, EnumTest) and not test.ranked
    assert test.enum == "level" and test.values == ("township", "village")
    assert isinstance(test.right, EnumValue) and (test.right.value, test.right.rank) == (
        "township",
        0,
    )

    eligibility = project.policy("platform.coordinator_eligibility")
    tree = eligibility.types.formula_tree(eligibility.formula("eligible"))
    ranked = [n for n in nodes(tree) if isinstance(n, EnumTest)]
    assert len(ranked) == 1 and ranked[0].ranked and ranked[0].op == ">="
    assert not any(
        isinstance(n, Binary) and n.op == ">=" and n.left.type.kind == "enum" for n in nodes(tree)
    )
    # the parsed tree stays as written
    assert not any(isinstance(n, EnumTest) for n in nodes(eligibility.formula("eligible").tree))


def with_formulas(policy, *formulas: tuple[str, str]):
    """The policy with these (name, text) formulas before its own."""
    extra = tuple(Formula(name, text, parse(text)) for name, text in formulas)
    own = tuple(
        replace(
            f,
            text=f.text.replace("education", "chosen"),
            tree=parse(f.text.replace("education", "chosen")),
        )
        for f in policy.formulas
    )
    return replace(policy, formulas=extra + own)


def test_an_enum_valued_formula_compares_by_rank_in_every_backend(project):
    """The one EnumTest tells every backend to rank, also when the enum comes from a formula
    (each backend used to decide this itself, and the interpreter and the generated module
    compared such values as text: "high_school" >= "college")."""
    policy = with_formulas(
        project.policy("platform.coordinator_eligibility"),
        ("chosen", "if computer_skills then education else education"),
    )
    module = module_from_text(emit_module(policy), "enum_formula_variant")
    on = dt.date(2013, 1, 1)
    for education in ("high_school", "college", "doctor"):
        case = {"age": 30, "education": education, "computer_skills": True}
        expected = education != "high_school"
        assert evaluate(policy, case, on)["eligible"] is expected
        assert module.evaluate(case, on)["eligible"] is expected
    columns = {"age": [30] * 3, "education": ["high_school", "college", "doctor"]}
    batch = module.evaluate_batch({**columns, "computer_skills": [True] * 3}, on)
    assert list(batch.outputs["eligible"]) == [False, True, True]
    text, _ = build_dmn(policy)
    assert 'list contains(["college", "bachelor", "master", "doctor"], chosen)' in text
    assert '<variable id="decision_chosen_variable" name="chosen" typeRef="string" />' in text


def test_the_dmn_writer_takes_its_types_from_the_checker(project):
    policy = project.policy("platform.coordinator_eligibility")
    builder = _Builder(policy, None)
    # the typeRef follows the type the checker put on the node, not the node's shape
    assert builder.type_of(Number(0, Decimal(1), "1", type=DATE)) == "date"
    assert builder.type_of(Number(0, Decimal(1), "1", type=BOOLEAN)) == "boolean"
    assert builder.type_of(Name(0, "x", type=input_type(policy.input("education")))) == "string"
    tree = policy.types.formula_tree(policy.formula("eligible"))
    assert tree.type == BOOLEAN
    text, _ = build_dmn(policy)
    assert re.search(
        r'<decision id="[^"]*" name="eligible">\s*<description>[^<]*</description>\s*<variable [^>]*typeRef="boolean"',
        text,
    )
