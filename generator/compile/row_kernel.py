"""Emit `evaluate_rows`: the whole of a policy for one row after another, in int64 integers.

Why: the numpy form of `evaluate_batch` makes a pass over the chunk for every operation, and
between passes Python holds the GIL, so it neither reaches the machine's speed on one core
nor gains from a second. `evaluate_rows` does a row's every step in one loop body — reading
a float input exactly, finding each scale's segment, the formulas, half-up rounding, the
policy's checks — with the same integer numerators, scales and bounds as the numpy form (it
is a subclass of its compiler). It is plain Python that imports nothing: numba compiles it
to machine code without the GIL when installed (`generator.row_runtime`), and it runs as it
is, slowly, where numba is not, so the tests compare it with both other paths anywhere.

A row the kernel cannot do exactly (a float with more decimals than 10**-4, a product that
could overflow int64, a value out of bounds, an invalid enum code read by numpy before) is
marked in `exact` and goes to the one-case `evaluate`, exactly as in the numpy form. A
policy with a formula the kernel does not cover (a division whose decimal does not end)
gets no kernel: `ROW_KERNEL = False`, and every engine takes the numpy form.
"""

from __future__ import annotations

from decimal import Decimal

from generator import segments
from generator.compile.batch_kernel import (
    SAFE,
    V,
    _BatchCompiler,
    _reader,
    decimals,
    numerator,
    terminating_reciprocal,
)
from generator.core.naming import constant, local
from generator.formula.syntax import Binary, Boolean, Call, Conditional, Number, Unary, names_in
from generator.model.plan import formula_order
from generator.model.policy import Policy
from generator.runtime import INPUT_LIMIT, INPUT_SCALE, LARGEST

OVERFLOW = float(2**62)  # as batch_runtime.OVERFLOW: |a × b| at or above it may not fit int64
LINEAR_SEARCH = 16  # up to this many segments a branch-free count beats a binary search
ROW = " " * 8  # the indentation of the row loop's body


class Unsupported(Exception):
    """A formula the row kernel cannot compute exactly in int64 (the numpy form is used)."""


class _RowCompiler(_BatchCompiler):
    """Typed formula tree → Python statements over one row's int64 numerators.

    Values are expressions over locals; what needs a statement (a checked product, a
    scale's search, a rounding) is appended to `self.lines` as a temporary `_tN`, so every
    expression stays free of side effects. Tables and scales become int64 arrays passed to
    the kernel (`self.constants`, in its parameters' order)."""

    def __init__(self, policy: Policy):
        super().__init__(policy)
        self.count = 0
        self.constants: dict[str, tuple] = {}  # parameter name of the kernel → values
        self.sites: dict[tuple, str] = {}  # (what, parameter, scale) → its constants' prefix

    # -- statements --------------------------------------------------------------------------

    def temp(self, code: str) -> str:
        self.count += 1
        name = f"_t{self.count}"
        self.lines.append(f"{ROW}{name} = {code}")
        return name

    def simple(self, code: str) -> str:
        """A name or a literal as it is, anything else in a temporary."""
        if code.lstrip("-").isdigit() or code.isidentifier():
            return code
        return self.temp(code)

    def guarded(self, risky: str, code: str) -> str:
        """`code`, or 0 with the row marked for the exact path where `risky` holds."""
        self.count += 1
        name = f"_t{self.count}"
        self.lines += [
            f"{ROW}if {risky}:",
            f"{ROW}    _bad = True",
            f"{ROW}    {name} = 0",
            f"{ROW}else:",
            f"{ROW}    {name} = {code}",
        ]
        return name

    def constant(self, key: tuple, values: dict[str, tuple]) -> str:
        """The prefix of a call site's constant arrays (made once per site)."""
        prefix = self.sites.get(key)
        if prefix is None:
            prefix = self.sites[key] = f"_k{len(self.sites) + 1}"
            for suffix, array in values.items():
                self.constants[prefix + suffix] = array
        return prefix

    # -- scales and bounds ------------------------------------------------------------------

    def align(self, v: V, scale: int) -> V:
        if v.scale == scale:
            return v
        factor = 10 ** (scale - v.scale)
        bound = v.bound * factor
        if v.code.lstrip("-").isdigit():
            return V("num", str(int(v.code) * factor), scale, bound)
        if bound >= SAFE:
            return V("num", self.checked_multiply(v.code, str(factor)), scale, bound)
        return V("num", f"({v.code} * {factor})", scale, bound)

    def checked_multiply(self, a: str, b: str) -> str:
        a, b = self.simple(a), self.simple(b)
        return self.guarded(f"abs(float({a}) * float({b})) >= {OVERFLOW!r}", f"{a} * {b}")

    # -- nodes ------------------------------------------------------------------------------

    def visit_boolean(self, node: Boolean) -> V:
        return V("bool", repr(bool(node.value)))

    def visit_unary(self, node: Unary) -> V:
        operand = self.visit(node.operand)
        if node.op == "not":
            return V("bool", f"(not {operand.code})")
        return V("num", f"(-{operand.code})", operand.scale, operand.bound)

    def name(self, name: str) -> V:
        if name in self.env:
            return self.env[name]
        p = self.params[name]
        values = [v.number for v in p.values]
        scale = max(decimals(v) for v in values)
        nums = tuple(numerator(v, scale) for v in values)
        prefix = self.constant(("value", name, scale), {"": nums})
        return V("num", f"{prefix}[{self.version(name)}]", scale, max(abs(n) for n in nums))

    def version(self, name: str) -> str:
        return f"_ver_{name}"

    def visit_binary(self, node: Binary) -> V:
        op = node.op
        if op in ("and", "or"):
            left, right = self.visit(node.left), self.visit(node.right)
            return V("bool", f"({left.code} {op} {right.code})")
        if op in ("=", "!=", "<", "<=", ">", ">=", "*"):
            return super().visit_binary(node)
        if op in ("+", "-"):
            x, y = self.aligned([self.visit(node.left), self.visit(node.right)])
            bound = x.bound + y.bound
            if bound < SAFE:
                return V("num", f"({x.code} {op} {y.code})", x.scale, bound)
            a, b = self.simple(x.code), self.simple(y.code)
            code = self.guarded(
                f"abs(float({a})) + abs(float({b})) >= {OVERFLOW!r}", f"{a} {op} {b}"
            )
            return V("num", code, x.scale, bound)
        if isinstance(node.right, Number):
            reciprocal = terminating_reciprocal(node.right.value)
            if reciprocal is not None:
                left = self.visit(node.left)
                places = decimals(reciprocal)
                n = numerator(reciprocal, places)
                return self.multiply(left, V("num", str(n), places, abs(n)))
        raise Unsupported("a division whose decimal does not end")

    def multiply(self, left: V, right: V) -> V:
        bound = left.bound * right.bound
        if bound < SAFE:
            return V("num", f"({left.code} * {right.code})", left.scale + right.scale, bound)
        code = self.checked_multiply(left.code, right.code)
        return V("num", code, left.scale + right.scale, bound)

    def visit_conditional(self, node: Conditional) -> V:
        """Only the branch the row takes is computed (an if statement): a choice between
        two scales costs one scale, and a branch not taken cannot send the row to the
        exact path."""
        condition = self.visit(node.condition)
        outer = self.lines
        self.lines = []
        then = self.visit(node.then)
        then_lines = self.lines
        self.lines = []
        otherwise = self.visit(node.otherwise)
        otherwise_lines = self.lines
        number = node.type is not None and node.type.kind == "number"
        if number:
            scale = max(then.scale, otherwise.scale)
            self.lines = then_lines
            then = self.align(then, scale)
            self.lines = otherwise_lines
            otherwise = self.align(otherwise, scale)
        self.lines = outer
        if not then_lines and not otherwise_lines:
            code = f"({then.code} if {condition.code} else {otherwise.code})"
        else:
            self.count += 1
            code = f"_t{self.count}"
            self.lines.append(f"{ROW}if {condition.code}:")
            self.lines += ["    " + line for line in then_lines]
            self.lines += [f"{ROW}    {code} = {then.code}", f"{ROW}else:"]
            self.lines += ["    " + line for line in otherwise_lines]
            self.lines.append(f"{ROW}    {code} = {otherwise.code}")
        if number:
            return V("num", code, then.scale, max(then.bound, otherwise.bound))
        return V(then.kind, code, enum=then.enum)

    # -- functions --------------------------------------------------------------------------------

    EXTREMES = {"minimum": "min", "maximum": "max"}

    def call_clamp(self, node: Call) -> V:
        x, low, high = self.aligned([self.visit(a) for a in node.args])
        low_code, high_code = self.simple(low.code), self.simple(high.code)
        self.lines += [f"{ROW}if {low_code} > {high_code}:", f"{ROW}    _bad = True"]
        return V(
            "num",
            f"min(max({x.code}, {low_code}), {high_code})",
            x.scale,
            max(x.bound, low.bound, high.bound),
        )

    def floor_divide(self, code: str, unit: int) -> str:
        return f"({code} // {unit})"

    def rounded(self, x: V, places: int, mode: str) -> V:
        """x to `places` by `mode`, in integers: the magnitude's quotient and remainder."""
        if x.scale <= places:
            return x
        unit = 10 ** (x.scale - places)
        value = self.simple(x.code)
        self.count += 1
        q, r, name = f"_q{self.count}", f"_r{self.count}", f"_t{self.count}"
        if mode == "half_up":
            self.lines.append(f"{ROW}{q} = (abs({value}) + {unit // 2}) // {unit}")
        else:
            self.lines.append(f"{ROW}{q} = abs({value}) // {unit}")
            self.lines.append(f"{ROW}{r} = abs({value}) - {q} * {unit}")
            if mode == "half_even":
                up = f"{r} * 2 > {unit} or ({r} * 2 == {unit} and {q} % 2 == 1)"
                self.lines += [f"{ROW}if {up}:", f"{ROW}    {q} += 1"]
            elif mode == "up":
                self.lines += [f"{ROW}if {r} > 0:", f"{ROW}    {q} += 1"]
        self.lines.append(f"{ROW}{name} = {q} if {value} >= 0 else -{q}")
        return V("num", name, places, x.bound // unit + 1)

    def scale(self, name: str, x: V) -> V:
        """The row's segment in the version in force (a branch-free count over a few edges,
        a binary search over many), then rate × x + offset, as batch_runtime.scale."""
        plan = self.scale_plan(name, x)
        starts, rates, offsets, covered, blocks = [], [], [], [], [0]
        for piece_starts, piece_rates, piece_offsets, piece_covered in plan.pieces:
            # the first segment has no start (from −∞); other starts beyond what int64 holds
            # are beyond every row's x too (rows past `limit` take the exact path)
            starts += [0] + [max(-SAFE, min(SAFE, s)) for s in piece_starts[1:]]
            rates += [segments.wrapped(r) for r in piece_rates]
            offsets += [segments.wrapped(o) for o in piece_offsets]
            covered += [int(c) for c in piece_covered]
            blocks.append(len(starts))
        size = max(b - a for a, b in zip(blocks, blocks[1:], strict=False))
        literal = len(plan.pieces) == 1 and size <= LINEAR_SEARCH  # edges written in the code
        arrays = {"_rates": tuple(rates), "_offsets": tuple(offsets)}
        everywhere = all(covered)
        if not everywhere:
            arrays["_covered"] = tuple(covered)
        if not literal:
            arrays["_starts"] = tuple(starts)
            arrays["_blocks"] = tuple(blocks)
        k = self.constant(("scale", name, plan.x.scale), arrays)
        version = self.version(name)
        x_code = self.temp(plan.x.code) if plan.limit is not None else self.simple(plan.x.code)
        if plan.limit is not None:
            self.lines += [
                f"{ROW}if abs({x_code}) > {plan.limit}:",
                f"{ROW}    _bad = True",
                f"{ROW}    {x_code} = 0",
            ]
        self.count += 1
        s, high = f"_s{self.count}", f"_h{self.count}"
        if literal:
            # one version, a few edges: count the edges at or below x, no branch
            count = " + ".join(f"int({x_code} >= {start})" for start in starts[1:]) or "0"
            self.lines.append(f"{ROW}{s} = {count}")
        elif size <= LINEAR_SEARCH:
            self.lines += [
                f"{ROW}{s} = {k}_blocks[{version}]",
                f"{ROW}for _j in range({s} + 1, {k}_blocks[{version} + 1]):",
                f"{ROW}    {s} += {x_code} >= {k}_starts[_j]",
            ]
        else:
            middle = f"_m{self.count}"
            self.lines += [
                f"{ROW}{s} = {k}_blocks[{version}]",
                f"{ROW}{high} = {k}_blocks[{version} + 1] - 1",
                f"{ROW}while {s} < {high}:",
                f"{ROW}    {middle} = ({s} + {high} + 1) // 2",
                f"{ROW}    if {k}_starts[{middle}] <= {x_code}:",
                f"{ROW}        {s} = {middle}",
                f"{ROW}    else:",
                f"{ROW}        {high} = {middle} - 1",
            ]
        if not everywhere:
            self.lines += [f"{ROW}if {k}_covered[{s}] == 0:", f"{ROW}    _bad = True"]
        code = self.temp(f"{k}_rates[{s}] * {x_code} + {k}_offsets[{s}]")
        return V("num", code, plan.scale, plan.bound)

    def table(self, name: str, key: V) -> V:
        p = self.params[name]
        enum = self.inputs[p.key]
        scale = max(decimals(value) for v in p.values for _, value in v.rows)
        flat: list[int] = []
        for version in p.values:
            lookup = dict(version.rows)
            flat += [numerator(lookup[value], scale) for value in enum.values]
        k = self.constant(("table", name, scale), {"": tuple(flat)})
        width = len(enum.values)
        bound = max((abs(n) for n in flat), default=0)
        return V("num", f"{k}[{self.version(name)} * {width} + {key.code}]", scale, bound)


def _scaled(value, scale: int) -> int:
    return int(Decimal(str(value)).scaleb(scale))


def _number_lines(f) -> list[str]:
    """A number input read from its float column exactly as Batch.number reads one (the
    float's value times 10**scale must be a whole number below the input limit; NaN is
    missing), or taken from the numerators numpy read from any other column."""
    name = local(f.name)
    scale = 0 if f.type == "integer" else INPUT_SCALE
    unit = float(10**scale)
    limit = float(INPUT_LIMIT * 10**scale)
    floats, numerators = f"_f_{f.name}", f"_n_{f.name}"
    lines = [
        f"{ROW}# {f.name}: numerators numpy read, or read here from the float column",
        f"{ROW}if {floats}.shape[0] == 0:",
        f"{ROW}    {name} = {numerators}[_i]",
        f"{ROW}else:",
        f"{ROW}    _x = {floats}[_i] * {unit!r}",
        f"{ROW}    if abs(_x) < {limit!r}:",
        f"{ROW}        {name} = round(_x)",
        f"{ROW}        if {name} / {unit!r} != {floats}[_i]:",
        f"{ROW}            _bad = True",
    ]
    if f.has_default:
        lines += [
            f"{ROW}    elif {floats}[_i] != {floats}[_i]:  # NaN: missing, the default",
            f"{ROW}        {name} = {_scaled(f.default, scale)}",
        ]
    lines += [f"{ROW}    else:", f"{ROW}        _bad = True", f"{ROW}        {name} = 0"]
    for word, value, op in (("minimum", f.minimum, "<"), ("maximum", f.maximum, ">")):
        if value is not None:
            lines += [
                f"{ROW}    if {name} {op} {_scaled(value, scale)}:  # {word}",
                f"{ROW}        _bad = True",
            ]
    return lines


def emit_row_kernel(policy: Policy) -> tuple[bool, list[str]]:
    """(whether the policy has a kernel, the lines of `ROW_KERNEL`, `ROW_CONSTANTS`,
    `evaluate_rows` and `_batch_by_rows`, appended to the policy's module); only
    `ROW_KERNEL = False` when a formula is beyond the kernel."""
    try:
        return True, _emit(policy)
    except Unsupported as why:
        return False, [f"ROW_KERNEL = False  # no per-row kernel: {why}"]


def _emit(policy: Policy) -> list[str]:
    c = _RowCompiler(policy)
    arrays: list[str] = []  # the kernel's array parameters, in order
    prepare: list[str] = []  # how _batch_by_rows makes each
    body: list[str] = []
    readers: dict[str, str] = {}  # each input's numpy reader (for advisory thresholds)
    for f in policy.inputs:
        code, value = _reader(f)
        readers[f.name] = code
        name = local(f.name)
        if f.type in ("number", "integer"):
            arrays += [f"_f_{f.name}", f"_n_{f.name}"]
            reader = code.replace("b.number(", "_r.number(b, ", 1)
            prepare.append(f"    _f_{f.name}, _n_{f.name} = {reader}")
            body += _number_lines(f)
        else:
            arrays.append(f"_c_{f.name}")
            prepare.append(f"    _c_{f.name} = {code}")
            body.append(f"{ROW}{name} = _c_{f.name}[_i]")
        c.env[f.name] = V(value.kind, name, value.scale, value.bound, value.enum)
    used: set[str] = set()
    for tree in [f.tree for f in policy.formulas] + [ch.tree for ch in policy.checks]:
        if tree is not None:
            used |= names_in(tree)
    for p in policy.parameters:
        if p.name in used and not p.unnumbered:
            arrays.append(f"_v_{p.name}")
            prepare.append(f"    _v_{p.name} = _r.per_row(b.version({constant(p.name)}_FROM), b.n)")
            body.append(f"{ROW}{c.version(p.name)} = _v_{p.name}[_i]")
    for index, check in enumerate(policy.checks):
        c.lines = []
        tree = policy.types.check_tree(index, check)
        assert tree is not None  # only a valid policy is compiled: its checks parse
        value = c.compile(tree)
        body += c.lines
        body += [
            f"{ROW}if not {value.code}:  # {' '.join(check.rule.split())}",
            f"{ROW}    _bad = True",
        ]
    order, _ = formula_order(policy)
    outputs = {o.name: o for o in policy.outputs}
    places: dict[str, int | None] = {}
    results: list[str] = []
    for name in order:
        formula = policy.formula(name)
        assert formula is not None  # the order lists the policy's formulas
        c.lines = []
        tree = policy.types.formula_tree(formula)
        assert tree is not None  # only a valid policy is compiled: its formulas parse
        value = c.compile(tree)
        body.append(f"{ROW}# {name} = {' '.join(formula.text.split())}")
        body += c.lines
        output = outputs.get(name)
        target = local(name)
        if output is None:
            body.append(f"{ROW}{target} = {value.code}")
            c.env[name] = V(value.kind, target, value.scale, value.bound, value.enum)
            continue
        if output.type == "boolean":
            body.append(f"{ROW}{target} = {value.code}")
            c.env[name] = V("bool", target)
            places[name] = None
            dtype = "bool"
        elif output.type == "integer":
            c.lines = []
            if output.places is not None:
                value = c.rounded(value, 0, output.mode)
            if value.scale:
                unit = 10**value.scale
                whole = c.simple(value.code)
                c.lines += [
                    f"{ROW}if {whole} % {unit} != 0:  # not whole: the exact path says so",
                    f"{ROW}    _bad = True",
                    f"{ROW}{target} = {whole} // {unit}",
                ]
            else:
                c.lines.append(f"{ROW}{target} = {value.code}")
            body += c.lines
            c.env[name] = V("num", target, 0, value.bound // 10**value.scale + 1)
            places[name] = None
            dtype = "np.int64"
        else:
            goal = output.places
            assert goal is not None  # a valid number output has its places (checks.rules)
            c.lines = []
            if value.scale > goal:
                value = c.rounded(value, goal, output.mode)
            elif value.scale < goal:
                value = c.align(value, goal)
            body += c.lines
            body.append(f"{ROW}{target} = {value.code}")
            c.env[name] = V("num", target, goal, value.bound)
            places[name] = goal
            dtype = "np.int64"
        arrays.append(f"_o_{name}")
        prepare.append(f"    _o_{name} = np.empty(b.n, dtype={dtype})")
        results.append(f"{ROW}_o_{name}[_i] = {target}")
        shown = places[name]
        if shown is not None:
            largest = int(LARGEST) * 10**shown
            body += [
                f"{ROW}if abs({target}) >= {largest}:  # beyond what a case can be paid",
                f"{ROW}    _bad = True",
            ]
    constants = list(c.constants)
    parameters = ["_n", *arrays, *constants, "_exact"]
    lines = [
        "ROW_KERNEL = True",
        "# the tables and scales of evaluate_rows, as int64 arrays in its parameters' order",
        "ROW_CONSTANTS = (",
    ]
    for name, values in c.constants.items():
        lines.append(f"    {values!r},  # {name}")
    lines += [
        ")",
        "",
        "",
        f"def evaluate_rows({', '.join(parameters)}):",
        '    """Rows 0.._n-1, each wholly in int64 numerators as evaluate_batch computes them;',
        "    a row that needs the exact one-case path is set in _exact. Plain Python, compiled",
        '    by numba when installed (generator.row_runtime)."""',
        "    for _i in range(_n):",
        f"{ROW}_bad = False",
        *body,
        *results,
        f"{ROW}if _bad:",
        f"{ROW}    _exact[_i] = True",
        "",
        "",
        "def _batch_by_rows(b, kernel):",
        '    """evaluate_batch through `kernel` (evaluate_rows, compiled or not): enum codes',
        "    and dated versions are found by numpy for the whole chunk, then one call does",
        '    every row."""',
        "    import numpy as np",
        "",
        "    from generator import row_runtime as _r",
        "",
        *prepare,
        f"    kernel(b.n, {', '.join(arrays)}, *_r.arrays(ROW_CONSTANTS), b.exact)",
    ]
    result = ", ".join(f"{o.name!r}: _o_{o.name}" for o in policy.outputs)
    if not policy.advice:
        lines.append(
            f"    return b.finish({{{result}}}, {places!r}, evaluate, INPUTS, sizes_checked=True)"
        )
        return lines
    # the advisory thresholds on inputs compare their numerators, read as the numpy path
    # reads them (the kernel reads a float column itself and keeps none)
    read = {}
    for f in policy.inputs:
        if any(a.field_name == f.name for a in policy.advice):
            lines.append(f"    _a_{f.name} = {readers[f.name]}")
            read[f.name] = (f"_a_{f.name}", 0 if f.type == "integer" else INPUT_SCALE)
    arrays_read = ", ".join(f"{n!r}: ({code}, {scale})" for n, (code, scale) in read.items())
    lines.append(
        f"    return b.finish({{{result}}}, {places!r}, evaluate, INPUTS, sizes_checked=True, "
        f"advice=(ADVICE, advise, {{{arrays_read}}}))"
    )
    return lines
