"""Emit `evaluate_batch(columns, on)`: the policy's formulas over whole columns, exactly.

Numbers become int64 numerators over a power of ten that this compiler tracks for every
node (0.3 is 3 over 10; an input is read over 10**4), so the emitted numpy code does only
exact integer work. The compiler also tracks an upper bound of every numerator: where int64
could overflow it emits a checked operation that sends those rows to the exact one-case path
instead. A division whose decimal does not end (÷ 3) cannot be exact in fixed point, so such
a formula sends every row to the one-case path — correct, only slower.

The function lives in the same generated module as `evaluate` but imports numpy inside its
body, so importing the module for one case stays light.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from generator import segments
from generator.core.naming import constant, local
from generator.formula.syntax import (
    Binary,
    Boolean,
    Call,
    Conditional,
    EnumTest,
    EnumValue,
    Name,
    Node,
    Number,
    Text,
    Unary,
    names_in,
)
from generator.formula.visitor import FormulaVisitor
from generator.model.plan import formula_order
from generator.model.policy import InputField, Policy
from generator.runtime import INPUT_LIMIT, INPUT_SCALE

SAFE = segments.SAFE


@dataclass(frozen=True)
class MarginalScale:
    """A compiled marginal scale, kept so that a choice between two scales of the same amount
    can become one table lookup (see _BatchCompiler.marginal_pick)."""

    x_code: str
    version_code: str
    steps: tuple  # (edge, change of rate) pairs of each dated version
    bound: int  # the largest |value| over the rows' x (below SAFE: no row overflows)


@dataclass(frozen=True)
class ScalePlan:
    """A scale call as `_BatchCompiler.scale_plan` works it out (see there)."""

    x: V
    kind: str  # marginal | whole
    versions: tuple
    pieces: tuple  # each version's segments (generator.segments)
    scale: int
    bound: int
    limit: int | None


@dataclass(frozen=True)
class V:
    """A compiled value: its Python code, what it is, and for numbers its scale and bound."""

    kind: str  # num | bool | enum | date
    code: str
    scale: int = 0
    bound: int = 0
    enum: InputField | str | None = None  # the InputField of an enum; a text's literal
    marginal: MarginalScale | None = None  # set when the value is a whole marginal scale


def decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    if not isinstance(exponent, int):  # 'n', 'N', 'F': a policy's numbers are finite
        raise ValueError(f"{value} is not a finite number")
    return max(0, -exponent)


def numerator(value: Decimal, scale: int) -> int:
    return int(value.scaleb(scale))


def terminating_reciprocal(value: Decimal) -> Decimal | None:
    """1/value as an exact decimal, when its decimal ends (value = 2^a·5^b·10^k)."""
    if value == 0:
        return None
    digits = value.normalize()
    mantissa = int(digits.scaleb(decimals(digits)))
    m = abs(mantissa)
    for p in (2, 5):
        while m % p == 0:
            m //= p
    if m != 1:
        return None
    return Decimal(1) / value


def marginal_steps(brackets, bound_num, rate_scale: int) -> tuple:
    """(edge, change of rate) pairs: Σ change × max(x − edge, 0) equals the segment sum
    for contiguous brackets; a closed top bracket ends with a step back down to 0."""
    steps, previous = [], 0
    for bracket in brackets:
        rate = numerator(bracket.rate, rate_scale)
        edge = bound_num(bracket.lower) if bracket.lower is not None else 0
        steps.append((edge, rate - previous))
        previous = rate
    last = brackets[-1]
    if last.upper is not None:
        steps.append((bound_num(last.upper), -previous))
    return tuple((edge, change) for edge, change in steps if change != 0)


class _BatchCompiler(FormulaVisitor[V]):
    """Typed formula tree → numpy code over int64 numerators, with each value's scale and bound."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.params = {p.name: p for p in policy.parameters}
        self.inputs = {f.name: f for f in policy.inputs}
        self.env: dict[str, V] = {}
        self.lines: list[str] = []

    # -- scales and bounds --------------------------------------------------------------------

    def align(self, v: V, scale: int) -> V:
        if v.scale == scale:
            return v
        factor = 10 ** (scale - v.scale)
        bound = v.bound * factor
        if v.code.lstrip("-").isdigit():
            return V("num", str(int(v.code) * factor), scale, bound)
        code = f"b.mul({v.code}, {factor})" if bound >= SAFE else f"({v.code} * {factor})"
        return V("num", code, scale, bound)

    def aligned(self, values: list[V]) -> list[V]:
        scale = max(v.scale for v in values)
        return [self.align(v, scale) for v in values]

    # -- nodes ------------------------------------------------------------------------------

    def compile(self, node: Node) -> V:
        return self.visit(node)

    def visit_number(self, node: Number) -> V:
        places = decimals(node.value)
        n = numerator(node.value, places)
        return V("num", str(n), places, abs(n))

    def visit_boolean(self, node: Boolean) -> V:
        return V("bool", f"np.bool_({node.value})")

    def visit_text(self, node: Text) -> V:
        return V("text", repr(node.value), enum=node.value)

    def visit_enum_value(self, node: EnumValue) -> V:
        return V("num", str(node.rank), 0, node.rank)  # an enum column holds ranks

    def visit_name(self, node: Name) -> V:
        return self.name(node.name)

    def visit_unary(self, node: Unary) -> V:
        operand = self.visit(node.operand)
        if node.op == "not":
            return V("bool", f"(~{operand.code})")
        return V("num", f"(-{operand.code})", operand.scale, operand.bound)

    def name(self, name: str) -> V:
        if name in self.env:
            return self.env[name]
        p = self.params[name]
        values = [v.number for v in p.values]
        scale = max(decimals(v) for v in values)
        nums = [numerator(v, scale) for v in values]
        code = f"b.parameter({tuple(nums)!r}, {self.version(name)})"
        return V("num", code, scale, max(abs(n) for n in nums))

    def version(self, name: str) -> str:
        return f"v_{name}"

    def visit_binary(self, node: Binary) -> V:
        op = node.op
        left, right = self.visit(node.left), self.visit(node.right)
        if op in ("and", "or"):
            return V("bool", f"({left.code} {'&' if op == 'and' else '|'} {right.code})")
        if op in ("=", "!=", "<", "<=", ">", ">="):
            python_op = {"=": "==", "!=": "!="}.get(op, op)
            if node.left.type is not None and node.left.type.kind == "number":
                left, right = self.aligned([left, right])
            return V("bool", f"({left.code} {python_op} {right.code})")
        if op in ("+", "-"):
            x, y = self.aligned([left, right])
            bound = x.bound + y.bound
            if bound >= SAFE:
                code = f"b.add({x.code}, {y.code})" if op == "+" else f"b.add({x.code}, -{y.code})"
            else:
                code = f"({x.code} {op} {y.code})"
            return V("num", code, x.scale, bound)
        if op == "*":
            return self.multiply(left, right)
        if isinstance(node.right, Number):
            reciprocal = terminating_reciprocal(node.right.value)
            if reciprocal is not None:
                places = decimals(reciprocal)
                n = numerator(reciprocal, places)
                return self.multiply(left, V("num", str(n), places, abs(n)))
        self.lines.append(
            "    b.inexact()  # a division whose decimal does not end: every row takes the exact path"
        )
        return V("num", "np.zeros(b.n, dtype=np.int64)", 0, 0)

    def multiply(self, left: V, right: V) -> V:
        bound = left.bound * right.bound
        code = (
            f"b.mul({left.code}, {right.code})"
            if bound >= SAFE
            else f"({left.code} * {right.code})"
        )
        return V("num", code, left.scale + right.scale, bound)

    def visit_enum_test(self, node: EnumTest) -> V:
        """An enum column holds each value's rank, so values and ranks compare alike."""
        left, right = self.visit(node.left), self.visit(node.right)
        python_op = {"=": "==", "!=": "!="}.get(node.op, node.op)
        return V("bool", f"({left.code} {python_op} {right.code})")

    def visit_conditional(self, node: Conditional) -> V:
        condition = self.visit(node.condition)
        then, otherwise = self.visit(node.then), self.visit(node.otherwise)
        if node.type is not None and node.type.kind == "number":
            fused = self.marginal_pick(condition, then, otherwise)
            if fused is not None:
                return fused
            then, otherwise = self.aligned([then, otherwise])
            return V(
                "num",
                f"b.pick({condition.code}, {then.code}, {otherwise.code})",
                then.scale,
                max(then.bound, otherwise.bound),
            )
        return V(
            then.kind, f"np.where({condition.code}, {then.code}, {otherwise.code})", enum=then.enum
        )

    def marginal_pick(self, condition: V, then: V, otherwise: V) -> V | None:
        """`if c then scale(A, x) else scale(B, x)` for two marginal scales as one table
        lookup (b.marginal_pick): one rate and one offset per (branch, segment), so each row
        costs a few compares, two gathers, a multiply and an add instead of both sums.
        Only when both are unchecked scales of the same x at the same scale; otherwise None
        (the general select is used)."""
        a, b = then.marginal, otherwise.marginal
        if a is None or b is None or a.x_code != b.x_code or then.scale != otherwise.scale:
            return None
        # a row's value is rate × x + offset, exact modulo 2**64: exact since both scales'
        # values are bounded below SAFE (a MarginalScale is made only then)
        code = (
            f"b.marginal_pick({condition.code}, {a.x_code}, ({a.version_code}, {a.steps!r}), "
            f"({b.version_code}, {b.steps!r}))"
        )
        return V("num", code, then.scale, max(then.bound, otherwise.bound))

    # -- functions --------------------------------------------------------------------------------

    def call_scale(self, node: Call) -> V:
        return self.scale(node.args[0].name, self.visit(node.args[1]))

    def call_table(self, node: Call) -> V:
        return self.table(node.args[0].name, self.visit(node.args[1]))

    def call_date(self, node: Call) -> V:
        day = dt.date.fromisoformat(node.args[0].value)
        return V("date", str((day - dt.date(1970, 1, 1)).days))

    def call_min(self, node: Call) -> V:
        return self.extreme(node, "minimum")

    def call_max(self, node: Call) -> V:
        return self.extreme(node, "maximum")

    # how this compiler spells min and max of two values (the row kernel: Python's own)
    EXTREMES = {"minimum": "np.minimum", "maximum": "np.maximum"}

    def extreme(self, node: Call, kind: str) -> V:
        values = self.aligned([self.visit(a) for a in node.args])
        code = values[0].code
        for v in values[1:]:
            code = f"{self.EXTREMES[kind]}({code}, {v.code})"
        return V("num", code, values[0].scale, max(v.bound for v in values))

    def call_clamp(self, node: Call) -> V:
        x, low, high = self.aligned([self.visit(a) for a in node.args])
        return V(
            "num",
            f"b.clamp({x.code}, {low.code}, {high.code})",
            x.scale,
            max(x.bound, low.bound, high.bound),
        )

    def call_round(self, node: Call) -> V:
        return self.rounded(self.visit(node.args[0]), int(node.args[1].value), "half_up")

    def floor_divide(self, code: str, unit: int) -> str:
        """How this compiler spells `code // unit` rounded towards minus infinity."""
        return f"np.floor_divide({code}, {unit})"

    def call_floor(self, node: Call) -> V:
        x = self.visit(node.args[0])
        if x.scale == 0:
            return x
        unit = 10**x.scale
        return V("num", self.floor_divide(x.code, unit), 0, x.bound // unit + 1)

    def call_ceil(self, node: Call) -> V:
        x = self.visit(node.args[0])
        if x.scale == 0:
            return x
        unit = 10**x.scale
        return V("num", f"(-{self.floor_divide(f'(-{x.code})', unit)})", 0, x.bound // unit + 1)

    def rounded(self, x: V, places: int, mode: str) -> V:
        if x.scale <= places:
            return x
        unit = 10 ** (x.scale - places)
        return V("num", f"b.round({x.code}, {unit}, {mode!r})", places, x.bound // unit + 1)

    def scale(self, name: str, x: V) -> V:
        plan = self.scale_plan(name, x)
        x, kind, versions, limit = plan.x, plan.kind, plan.versions, plan.limit
        marginal = None
        if kind == "marginal" and limit is None:
            marginal = MarginalScale(x.code, self.version(name), versions, plan.bound)
        code = f"b.scale({x.code}, {self.version(name)}, {kind!r}, {versions!r}, {limit!r})"
        return V("num", code, plan.scale, plan.bound, marginal=marginal)

    def scale_plan(self, name: str, x: V) -> ScalePlan:
        """What any backend needs of a scale call: x aligned to the edges' scale, each dated
        version's steps (marginal) or brackets (whole), their segments, the result's scale and
        exact bound, and the largest |x| computed without overflow (None: every row)."""
        p = self.params[name]
        bounds = [
            e for v in p.values for bk in v.brackets for e in (bk.lower, bk.upper) if e is not None
        ]
        x = self.align(x, max([x.scale] + [decimals(e) for e in bounds]))
        rates = [bk.rate for v in p.values for bk in v.brackets if bk.rate is not None]
        amounts = [bk.amount for v in p.values for bk in v.brackets if bk.amount is not None]
        rate_scale = max([decimals(r) for r in rates], default=0)
        amount_scale = max([decimals(a) for a in amounts], default=0)

        def bound_num(value):
            return None if value is None else numerator(value, x.scale)

        if p.method == "marginal":
            kind = "marginal"
            versions = tuple(
                marginal_steps(version.brackets, bound_num, rate_scale) for version in p.values
            )
            pieces = [segments.marginal(steps) for steps in versions]
            result_scale = x.scale + rate_scale
        else:
            kind = "whole"
            uses_amounts = bool(amounts)
            versions = tuple(
                tuple(
                    (
                        bound_num(bk.lower),
                        bk.lower_inclusive,
                        bound_num(bk.upper),
                        bk.upper_inclusive,
                        None if bk.rate is None else numerator(bk.rate, rate_scale),
                        None if bk.amount is None else numerator(bk.amount, amount_scale),
                    )
                    for bk in version.brackets
                )
                for version in p.values
            )
            pieces = [segments.whole_amount(brackets) for brackets in versions]
            result_scale = amount_scale if uses_amounts else x.scale + rate_scale
        # the exact bound of the value over |x| ≤ x.bound; where it may not fit int64, rows
        # whose |x| is beyond what surely fits take the exact path (and rows beyond 2**55,
        # which the search over every dated version cannot place)
        max_bound = max(segments.value_bound(piece, x.bound) for piece in pieces)
        limit = None
        if max_bound >= SAFE:
            limit = min(segments.safe_limit(piece) for piece in pieces)
            max_bound = max(segments.value_bound(piece, limit) for piece in pieces)
        if x.bound >= segments.SHIFT_LIMIT:
            limit = min(limit if limit is not None else x.bound, segments.SHIFT_LIMIT - 1)
        return ScalePlan(x, kind, versions, tuple(pieces), result_scale, max_bound, limit)

    def table(self, name: str, key: V) -> V:
        p = self.params[name]
        enum = self.inputs[p.key]
        scale = max(decimals(value) for v in p.values for _, value in v.rows)
        rows = []
        for version in p.values:
            lookup = dict(version.rows)
            rows.append(tuple(numerator(lookup[value], scale) for value in enum.values))
        bound = max(abs(n) for row in rows for n in row)
        code = f"b.table({tuple(rows)!r}, {self.version(name)}, {key.code})"
        return V("num", code, scale, bound)


def _reader(f) -> tuple[str, V]:
    if f.type in ("number", "integer"):
        integer = f.type == "integer"
        args = [repr(f.name)]
        for word, value in (("minimum", f.minimum), ("maximum", f.maximum)):
            if value is not None:
                args.append(f"{word}=D({str(value)!r})")
        if f.has_default:
            args.append(f"default={str(f.default)!r}")
        if integer:
            args.append("integer=True")
        scale = 0 if integer else INPUT_SCALE
        return f"b.number({', '.join(args)})", V(
            "num", local(f.name), scale, INPUT_LIMIT * 10**scale
        )
    if f.type == "enum":
        default = f", default={f.default!r}" if f.has_default else ""
        if f.label_values:
            default += f", labels={f.label_values!r}"
        return f"b.choice({f.name!r}, {tuple(f.values)!r}{default})", V(
            "enum", local(f.name), enum=f
        )
    if f.type == "boolean":
        default = f", default={f.default!r}" if f.has_default else ""
        return f"b.boolean({f.name!r}{default})", V("bool", local(f.name))
    default = f", default={str(f.default)!r}" if f.has_default else ""
    return f"b.date({f.name!r}{default})", V("date", local(f.name))


def emit_batch_function(policy: Policy, row_kernel: bool = False) -> list[str]:
    """The lines of `evaluate_batch`, appended to the policy's generated module; with
    `row_kernel`, it hands the rows to `_batch_by_rows` when the engine says so."""
    c = _BatchCompiler(policy)
    lines = [
        "def evaluate_batch(columns: dict, on, engine: str = 'auto'):",
        '    """Every row of `columns` (name -> numpy/Arrow/pandas column or list) on `on` (one date',
        "    or a column of dates), exactly as `evaluate` would: outputs as int64 numerators over",
        "    10**places (money in fen), invalid rows listed with their field and reason.",
        "    engine: 'numpy' (whole columns), 'numba' (evaluate_rows compiled), 'python'",
        "    (evaluate_rows as it is) or 'auto' (numba when installed and the batch is large).",
        "    Imports numpy only when called.",
        '    """',
        "    import numpy as np",
        "",
        "    from generator import batch_runtime as _b",
        "    from generator import row_runtime as _r",
        "",
        "    b = _b.Batch(columns, on, INPUTS)",
        f"    kernel = _r.kernel({'evaluate_rows' if row_kernel else 'None'}, engine, b.n)",
        "    if kernel is not None:",
        "        return _batch_by_rows(b, kernel)",
    ]
    for f in policy.inputs:
        code, value = _reader(f)
        lines.append(f"    {local(f.name)} = {code}")
        c.env[f.name] = value
    used: set[str] = set()
    for tree in [f.tree for f in policy.formulas] + [ch.tree for ch in policy.checks]:
        if tree is not None:
            used |= names_in(tree)
    for p in policy.parameters:
        if p.name in used and not p.unnumbered:
            lines.append(f"    {c.version(p.name)} = b.version({constant(p.name)}_FROM)")
    for index, check in enumerate(policy.checks):
        c.lines = []
        tree = policy.types.check_tree(index, check)
        assert tree is not None  # only a valid policy is compiled: its checks parse
        value = c.compile(tree)
        lines += c.lines
        lines.append(f"    b.flag(~{value.code})  # {' '.join(check.rule.split())}")
    order, _ = formula_order(policy)
    outputs = {o.name: o for o in policy.outputs}
    places: dict[str, int | None] = {}
    for name in order:
        formula = policy.formula(name)
        assert formula is not None  # the order lists the policy's formulas
        c.lines = []
        tree = policy.types.formula_tree(formula)
        assert tree is not None  # only a valid policy is compiled: its formulas parse
        value = c.compile(tree)
        lines += c.lines
        output = outputs.get(name)
        lines.append(f"    # {name} = {' '.join(formula.text.split())}")
        if output is None:
            lines.append(f"    {local(name)} = {value.code}")
            c.env[name] = V(value.kind, local(name), value.scale, value.bound, value.enum)
            continue
        if output.type == "boolean":
            lines.append(f"    {local(name)} = {value.code}")
            c.env[name] = V("bool", local(name))
            places[name] = None
        elif output.type == "integer":
            if output.places is not None:
                value = c.rounded(value, 0, output.mode)
            lines.append(f"    {local(name)} = b.integral({value.code}, {value.scale})")
            c.env[name] = V("num", local(name), 0, value.bound // 10**value.scale + 1)
            places[name] = None
        else:
            target = output.places
            assert target is not None  # a valid number output has its places (checks.rules)
            if value.scale > target:
                value = c.rounded(value, target, output.mode)
            elif value.scale < target:
                value = c.align(value, target)
            lines.append(f"    {local(name)} = {value.code}")
            c.env[name] = V("num", local(name), target, value.bound)
            places[name] = target
    result = ", ".join(f"{o.name!r}: {local(o.name)}" for o in policy.outputs)
    if policy.advice:
        # the advisory thresholds on inputs read their arrays (numerators over 10**scale)
        read = {
            f.name: (local(f.name), 0 if f.type == "integer" else INPUT_SCALE)
            for f in policy.inputs
            if any(a.field_name == f.name for a in policy.advice)
        }
        arrays = ", ".join(f"{name!r}: ({code}, {scale})" for name, (code, scale) in read.items())
        lines.append(
            f"    return b.finish({{{result}}}, {places!r}, evaluate, INPUTS, "
            f"advice=(ADVICE, advise, {{{arrays}}}))"
        )
    else:
        lines.append(f"    return b.finish({{{result}}}, {places!r}, evaluate, INPUTS)")
    return lines
