"""Publish a policy as DMN 1.3 decision tables and FEEL expressions, for decision engines.

One `definitions` document per policy. Each input of a case is an `inputData`, plus one more,
`evaluation_date`, the date the case is evaluated on. Then, in computing order:
- every amount or rate becomes a decision table on `evaluation_date` (one rule per dated value,
  `[date("2011-01-01")..date("2011-12-31")]`, hit policy UNIQUE);
- every scale becomes a decision table on `evaluation_date` and the value it is applied to:
  a whole-amount scale has one rule per bracket (`[100..200)`, UNIQUE); a marginal scale has
  one rule per dated value whose output adds up the segments as one FEEL expression,
  `max(0, min(x, 30000) - 20000) * 0.3 + max(0, min(x, 50000) - 30000) * 0.4 + …`. (A
  COLLECT SUM table of one rule per segment says the same, but pyDMNrules, the engine the
  tests use, hands the last segment's part rather than the sum to the decisions that read it);
- every lookup table becomes a decision table on `evaluation_date` and its key (UNIQUE);
- every formula becomes a FEEL literal expression. `if … then … else` is not part of the
  simple FEEL most engines evaluate, so each one becomes a decision table on a boolean
  decision holding the condition (rules `true` and `false`); a comparison of an ordered enum
  (`education >= "college"`) becomes `list contains([...], education)`;
- every output with rounding becomes a decision table on the unrounded value that rounds it
  the policy's way (half up: `floor(x * 100 + 0.5) / 100` for x ≥ 0, mirrored below 0);
- every cross-field check becomes a boolean decision `check_N`.

What DMN cannot say (a default input, refusing a case, a number the source does not give) is
returned beside the document as `gaps`, which the manifest lists per policy: nothing is
dropped silently. Pure: model in, text out; same model, same bytes.
"""

from __future__ import annotations

import datetime as dt

from generator.core.findings import NOTE, Finding
from generator.core.location import Location
from generator.core.messages import Message
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
    children,
    names_in,
)
from generator.formula.visitor import FormulaVisitor
from generator.model.plan import formula_order
from generator.model.policy import Bracket, Parameter, Policy, fmt
from generator.publish.dmn.xml import (
    Decision,
    Rule,
    definitions_xml,
    feel_literal,
    feel_string,
    input_type_ref,
)
from generator.publish.view import bracket_condition, periods

DATE_INPUT = "evaluation_date"


def dmn_path(policy: Policy) -> str:
    return f"dmn/{policy.id}.dmn"


def emit_dmn(policy: Policy, on: dt.date | None = None) -> dict[str, str]:
    """{dmn/<id>.dmn: XML text} for one policy."""
    text, _ = build_dmn(policy, on)
    return {dmn_path(policy): text}


def date_input_name(policy: Policy) -> str:
    """The inputData holding the evaluation date (renamed only if a policy input took the name)."""
    taken = {f.name for f in policy.inputs}
    name, n = DATE_INPUT, 1
    while name in taken:
        n += 1
        name = f"{DATE_INPUT}_{n}"
    return name


def build_dmn(policy: Policy, on: dt.date | None = None) -> tuple[str, list[Finding]]:
    """The DMN text of `policy`, and a note for each thing it does not express (the note's
    `what` param names the thing; `generator.publish.manifest.gap_record` lists it)."""
    builder = _Builder(policy, on)
    builder.build()
    return definitions_xml(policy, builder.date_var, builder.decisions, on), builder.gaps


# when the advice is given: the comparator says what the figure should keep
ADVICE_GIVEN = {"at_least": "<", "above": "<=", "at_most": ">", "below": ">="}


class _Unexpressible(Exception):
    """A formula (or a part of one) DMN cannot state; `reason` (a catalogue message) says why."""

    def __init__(self, key: str, /, **params: object):
        super().__init__(key, params)
        self.reason = Message(key, **params)


def feel_date(day: dt.date) -> str:
    return f'date("{day.isoformat()}")'


def period_test(start: dt.date, end: dt.date | None) -> str:
    """The unary test of a period, both days included: [date(a)..date(b)] or >= date(a)."""
    if end is None:
        return f">= {feel_date(start)}"
    return f"[{feel_date(start)}..{feel_date(end)}]"


def bracket_test(bracket: Bracket) -> str:
    """The unary test of a bracket: [100..200), (20000..30000], >= 200, < 100, or - (any)."""
    low, high = bracket.lower, bracket.upper
    if low is not None and high is not None:
        return f"{'[' if bracket.lower_inclusive else '('}{fmt(low)}..{fmt(high)}{']' if bracket.upper_inclusive else ')'}"
    if low is not None:
        return f"{'>=' if bracket.lower_inclusive else '>'} {fmt(low)}"
    if high is not None:
        return f"{'<=' if bracket.upper_inclusive else '<'} {fmt(high)}"
    return "-"


class _Builder:
    def __init__(self, policy: Policy, on: dt.date | None):
        self.policy = policy
        self.on = on
        self.date_var = date_input_name(policy)
        self.decisions: list[Decision] = []
        self.by_key: dict[tuple, str] = {}  # (kind, parameter, argument) -> decision name
        self.gaps: list[Finding] = []
        self.omitted: dict[str, Message] = {}  # formula name -> why it is not in the DMN
        self.formula_names: dict[str, str] = {}  # formula -> decision that holds its final value
        self.taken = (
            {f.name for f in policy.inputs}
            | {p.name for p in policy.parameters}
            | {f.name for f in policy.formulas}
            | {self.date_var}
        )
        self.params = {p.name: p for p in policy.parameters}

    # -- naming -------------------------------------------------------------------------------

    def fresh(self, base: str) -> str:
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    def snapshot(self) -> tuple:
        return len(self.decisions), dict(self.by_key)

    def restore(self, saved: tuple) -> None:
        """Forget the decisions made while translating something DMN then could not state."""
        count, by_key = saved
        del self.decisions[count:]
        self.by_key = by_key

    def gap(self, what: Message, key: str, /, **params: object) -> None:
        """Note that `what` is not expressed in the DMN; the catalogue's `key` says why."""
        self.gaps.append(Finding(key, Location(self.policy.file), {"what": what, **params}, NOTE))

    # -- the whole policy ---------------------------------------------------------------------

    def build(self) -> None:
        policy = self.policy
        order, _ = formula_order(policy)
        for name in order:
            self.define_formula(name)
        for index, check in enumerate(policy.checks, start=1):
            name = self.fresh(f"check_{index}")
            saved = self.snapshot()
            try:
                tree = policy.types.check_tree(index - 1, check)
                if tree is None:
                    raise _Unexpressible("dmn-unexpressible.rule-unparsed")
                text, requires = self.feel(tree, name)
            except _Unexpressible as why:
                self.restore(saved)
                self.gap(
                    Message("dmn-what.check", rule=check.rule),
                    "dmn-gap.not-expressed",
                    reason=why.reason,
                )
                continue
            self.decisions.append(
                Decision(
                    name,
                    "boolean",
                    requires,
                    f"check: {check.rule} — {check.message}",
                    literal=text,
                )
            )
            self.gap(
                Message("dmn-what.check", rule=check.rule),
                "dmn-gap.check",
                name=name,
                message=check.message,
            )
        self.define_advice()
        self.note_gaps()

    def define_advice(self) -> None:
        """Each advisory threshold as a boolean decision `advice_<code>`, true where a case
        breaks it: the outputs stand, as in ratebook, and a system running the DMN can show
        the advice ratebook shows (its words in both languages are the description)."""
        for advisory in self.policy.advice:
            if advisory.value is None:
                continue
            name = self.fresh(f"advice_{advisory.name}")
            try:
                field, requires = self.name(advisory.field_name)
            except _Unexpressible as why:
                self.gap(
                    Message("dmn-what.advice", code=advisory.name),
                    "dmn-gap.not-expressed",
                    reason=why.reason,
                )
                continue
            given = ADVICE_GIVEN[advisory.comparator]
            words = " / ".join(x for x in (advisory.message.zh, advisory.message.en) if x)
            self.decisions.append(
                Decision(
                    name,
                    "boolean",
                    requires,
                    f"advice: {advisory.name} ({advisory.clause}) — {words}",
                    literal=f"{field} {given} {fmt(advisory.value)}",
                )
            )

    def note_gaps(self) -> None:
        policy = self.policy
        used = set()
        for f in policy.formulas:
            used |= names_in(f.tree) if f.tree is not None else set()
        for c in policy.checks:
            used |= names_in(c.tree) if c.tree is not None else set()
        for p in policy.parameters:
            if p.unnumbered:
                self.gap(Message("dmn-what.parameter", name=p.name), "dmn-gap.unnumbered")
            elif p.name not in used:
                self.gap(Message("dmn-what.parameter", name=p.name), "dmn-gap.unused")
        for f in policy.inputs:
            if f.has_default:
                self.gap(
                    Message("dmn-what.default", name=f.name),
                    "dmn-gap.default",
                    name=f.name,
                    value=fmt(f.default) if not isinstance(f.default, str) else f.default,
                )
        if any(
            f.minimum is not None or f.maximum is not None or f.type == "enum"
            for f in policy.inputs
        ):
            self.gap(Message("dmn-what.bounds"), "dmn-gap.bounds")
        for output in policy.outputs:
            if output.type == "integer" and output.places is None:
                self.gap(Message("dmn-what.whole", name=output.name), "dmn-gap.whole")
        calls = {
            n.function
            for f in policy.formulas
            if f.tree is not None
            for n in walk(f.tree)
            if isinstance(n, Call)
        }
        if "clamp" in calls:
            self.gap(Message("dmn-what.clamp"), "dmn-gap.clamp")
        divisions = [
            n
            for f in policy.formulas
            if f.tree is not None
            for n in walk(f.tree)
            if isinstance(n, Binary)
            and n.op == "/"
            and not (isinstance(n.right, Number) and n.right.value != 0)
        ]
        if divisions:
            self.gap(Message("dmn-what.division"), "dmn-gap.division")
        first = policy.in_force_from
        if first is not None:
            self.gap(Message("dmn-what.before", date=first.isoformat()), "dmn-gap.before")
        for name, why in self.omitted.items():
            self.gap(Message("dmn-what.formula", name=name), "dmn-gap.not-expressed", reason=why)

    # -- formulas -------------------------------------------------------------------------------

    def define_formula(self, name: str) -> None:
        formula = self.policy.formula(name)
        assert formula is not None  # the order lists the policy's formulas
        output = self.policy.output(name)
        saved = self.snapshot()
        try:
            tree = self.policy.types.formula_tree(formula)
            if tree is None:
                raise _Unexpressible("dmn-unexpressible.unparsed")
            rounding = (
                (output.places, output.mode)
                if output is not None
                and output.places is not None
                and output.type in ("number", "integer")
                else None
            )
            target = self.fresh(f"{name}_unrounded") if rounding else name
            self.define(target, tree, self.type_of(tree), f"{name} = {formula.text}", owner=name)
            if rounding is not None:
                places, mode = rounding
                self.round_decision(
                    name,
                    target,
                    places,
                    mode,
                    f"{name}: {target} rounded {mode.replace('_', ' ')} to {places} places",
                )
        except _Unexpressible as why:
            self.restore(saved)
            self.omitted[name] = why.reason
            return
        self.formula_names[name] = name

    def define(self, target: str, node: Node, type_ref: str, description: str, owner: str) -> None:
        """Put the value of `node` in a decision named `target`."""
        if isinstance(node, Conditional):
            self.conditional(target, node, type_ref, description, owner)
            return
        text, requires = self.feel(node, owner)
        self.decisions.append(Decision(target, type_ref, requires, description, literal=text))

    def conditional(
        self, target: str, node: Conditional, type_ref: str, description: str, owner: str
    ) -> None:
        condition = self.variable_for(node.condition, owner, "condition")
        then_text, then_requires = self.feel(node.then, owner)
        else_text, else_requires = self.feel(node.otherwise, owner)
        self.decisions.append(
            Decision(
                target,
                type_ref,
                _merge([condition], then_requires, else_requires),
                description,
                columns=[(condition, "boolean")],
                rules=[
                    Rule(["true"], then_text, "when the condition holds"),
                    Rule(["false"], else_text, "otherwise"),
                ],
            )
        )

    def variable_for(self, node: Node, owner: str, role: str) -> str:
        """A variable holding `node`: the input or decision it names, or a new decision."""
        if isinstance(node, Name):
            text, _ = self.feel(node, owner)
            return text
        name = self.fresh(f"{owner}_{role}")
        self.define(name, node, self.type_of(node), f"{role.replace('_', ' ')} of {owner}", owner)
        return name

    def round_decision(
        self, name: str, source: str, places: int, mode: str, description: str
    ) -> None:
        factor = fmt(10**places) if places else ""
        scaled = f"{source} * {factor}" if factor else source
        negative = f"-({source}) * {factor}" if factor else f"-({source})"

        def back(text: str) -> str:
            return f"{text} / {factor}" if factor else text

        if mode == "half_even":
            self.decisions.append(
                Decision(
                    name, "number", [source], description, literal=f"decimal({source}, {places})"
                )
            )
            return
        if mode == "half_up":
            up, down = back(f"floor({scaled} + 0.5)"), f"-({back(f'floor({negative} + 0.5)')})"
        elif mode == "down":
            up, down = back(f"floor({scaled})"), back(f"ceiling({scaled})")
        else:  # up: away from zero
            up, down = back(f"ceiling({scaled})"), back(f"floor({scaled})")
        self.decisions.append(
            Decision(
                name,
                "number",
                [source],
                description,
                columns=[(source, "number")],
                rules=[Rule([">= 0"], up, "zero or above"), Rule(["< 0"], down, "below zero")],
            )
        )

    # -- FEEL text of an expression -----------------------------------------------------------

    def feel(self, node: Node, owner: str) -> tuple[str, list[str]]:
        """(FEEL text, names of the inputs and decisions it reads)."""
        return _Feel(self, owner).visit(node)

    def name(self, name: str) -> tuple[str, list[str]]:
        if self.policy.input(name) is not None:
            return name, [name]
        if self.policy.formula(name) is not None:
            if name in self.omitted or name not in self.formula_names:
                raise _Unexpressible("dmn-unexpressible.omitted", name=name)
            return name, [name]
        parameter = self.params.get(name)
        if parameter is None or parameter.kind not in ("amount", "rate"):
            raise _Unexpressible("dmn-unexpressible.unknown-name", name=name)
        return self.dated_value(parameter), [self.dated_value(parameter)]

    # -- parameters as dated decision tables ----------------------------------------------------

    def describe(self, parameter: Parameter) -> str:
        label = " — ".join(x for x in (parameter.label.zh, parameter.label.en) if x)
        source = "; ".join(x for x in (parameter.clause, parameter.quote) if x)
        return f"{parameter.name}: {label}" + (f" (source: {source})" if source else "")

    def dated_value(self, parameter: Parameter) -> str:
        key = ("value", parameter.name, "")
        if key in self.by_key:
            return self.by_key[key]
        name = parameter.name
        self.taken.add(name)
        rules = [
            Rule([period_test(p.start, p.end)], fmt(p.value), f"from {p.start.isoformat()}")
            for p in periods(parameter, self.on)
        ]
        self.decisions.append(
            Decision(
                name,
                "number",
                [self.date_var],
                self.describe(parameter),
                columns=[(self.date_var, "date")],
                rules=rules,
            )
        )
        self.by_key[key] = name
        return name

    def applied_name(self, parameter: Parameter, variable: str) -> str:
        """The name of a scale or table applied to `variable`: the parameter's own the first
        time it is applied, a fresh `<parameter>_of_<variable>` after that."""
        name = (
            parameter.name
            if not any(k[1] == parameter.name for k in self.by_key)
            else self.fresh(f"{parameter.name}_of_{variable}")
        )
        self.taken.add(name)
        return name

    def scale(self, parameter: Parameter, variable: str) -> str:
        key = ("scale", parameter.name, variable)
        if key in self.by_key:
            return self.by_key[key]
        name = self.applied_name(parameter, variable)
        rules = []
        for p in periods(parameter, self.on):
            when = period_test(p.start, p.end)
            if parameter.method == "marginal":
                parts = []
                for b in p.value:
                    low = b.lower if b.lower is not None else 0
                    top = variable if b.upper is None else f"min({variable}, {fmt(b.upper)})"
                    parts.append(f"max(0, {top} - {fmt(low)}) * {fmt(b.rate)}")
                segments = "; ".join(
                    f"{bracket_condition(b)} at {fmt(b.rate * 100)}%" for b in p.value
                )
                rules.append(
                    Rule([when], " + ".join(parts), f"from {p.start.isoformat()}: {segments}")
                )
            else:
                for b in p.value:
                    output = (
                        fmt(b.amount) if b.amount is not None else f"{variable} * {fmt(b.rate)}"
                    )
                    rules.append(
                        Rule(
                            [when, bracket_test(b)],
                            output,
                            f"from {p.start.isoformat()}: {bracket_condition(b)}",
                        )
                    )
        how = (
            "segments: each part of the value at its own segment's rate, added up"
            if parameter.method == "marginal"
            else "one amount for the bracket the value falls in"
        )
        columns = [(self.date_var, "date")] + (
            [] if parameter.method == "marginal" else [(variable, "number")]
        )
        self.decisions.append(
            Decision(
                name,
                "number",
                [self.date_var, variable],
                f"{self.describe(parameter)}; applied to {variable}: {how}",
                columns=columns,
                rules=rules,
            )
        )
        self.by_key[key] = name
        return name

    def table(self, parameter: Parameter, variable: str) -> str:
        key = ("table", parameter.name, variable)
        if key in self.by_key:
            return self.by_key[key]
        name = self.applied_name(parameter, variable)
        key_field = self.policy.input(parameter.key)
        rules = []
        for p in periods(parameter, self.on):
            for row_key, value in p.value:
                rules.append(
                    Rule(
                        [period_test(p.start, p.end), feel_literal(row_key)],
                        fmt(value),
                        f"from {p.start.isoformat()}: {parameter.key} = {row_key}",
                    )
                )
        self.decisions.append(
            Decision(
                name,
                "number",
                [self.date_var, variable],
                self.describe(parameter),
                columns=[
                    (self.date_var, "date"),
                    (variable, input_type_ref(key_field) if key_field else "string"),
                ],
                rules=rules,
            )
        )
        self.by_key[key] = name
        return name

    # -- types --------------------------------------------------------------------------------------

    def type_of(self, node: Node) -> str:
        """The typeRef of a node, from the type the checker gave it (number when unknown)."""
        t = node.type
        if t is None:
            return "number"
        if t.kind == "enum":
            field_ = self.policy.input(t.origin)
            return input_type_ref(field_) if field_ is not None else "string"
        return {"text": "string"}.get(t.kind, t.kind)


class _Feel(FormulaVisitor[tuple[str, list[str]]]):
    """A typed formula tree as (FEEL text, the inputs and decisions it reads), for `owner`.

    Parts FEEL cannot hold inline (a choice, a scale or table lookup, a rounding) become
    decisions of their own through the builder, and the text names them."""

    def __init__(self, builder: _Builder, owner: str):
        self.builder = builder
        self.owner = owner

    def visit_number(self, node: Number) -> tuple[str, list[str]]:
        return fmt(node.value), []

    def visit_text(self, node: Text) -> tuple[str, list[str]]:
        return feel_string(node.value), []

    def visit_enum_value(self, node: EnumValue) -> tuple[str, list[str]]:
        return feel_literal(node.value), []

    def visit_boolean(self, node: Boolean) -> tuple[str, list[str]]:
        return ("true" if node.value else "false"), []

    def visit_name(self, node: Name) -> tuple[str, list[str]]:
        return self.builder.name(node.name)

    def visit_unary(self, node: Unary) -> tuple[str, list[str]]:
        text, requires = self.visit(node.operand)
        return (f"not({text})" if node.op == "not" else f"-({text})"), requires

    def visit_binary(self, node: Binary) -> tuple[str, list[str]]:
        left, left_requires = self.visit(node.left)
        right, right_requires = self.visit(node.right)
        return f"({left} {node.op} {right})", _merge(left_requires, right_requires)

    def visit_enum_test(self, node: EnumTest) -> tuple[str, list[str]]:
        """Equality as it is; `education >= "college"` on an ordered enum as the list of the
        values that pass, `list contains([...], education)`."""
        if not node.ranked:
            return self.visit_binary(Binary(node.offset, node.op, node.left, node.right))
        if isinstance(node.right, EnumValue) and not isinstance(node.left, EnumValue):
            subject, literal, op = node.left, node.right, node.op
        elif isinstance(node.left, EnumValue) and not isinstance(node.right, EnumValue):
            flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
            subject, literal, op = node.right, node.left, flipped[node.op]
        else:
            raise _Unexpressible("dmn-unexpressible.enum-rank")
        pivot = literal.rank
        keep = {
            "<": lambda r: r < pivot,
            "<=": lambda r: r <= pivot,
            ">": lambda r: r > pivot,
            ">=": lambda r: r >= pivot,
        }[op]
        chosen = ", ".join(feel_literal(v) for i, v in enumerate(node.values) if keep(i))
        text, requires = self.visit(subject)
        return f"list contains([{chosen}], {text})", requires

    def visit_conditional(self, node: Conditional) -> tuple[str, list[str]]:
        builder = self.builder
        name = builder.fresh(f"{self.owner}_choice")
        builder.conditional(
            name, node, builder.type_of(node), f"a choice inside {self.owner}", self.owner
        )
        return name, [name]

    # -- functions --------------------------------------------------------------------------------

    def call_date(self, node: Call) -> tuple[str, list[str]]:
        return f"date({feel_string(node.args[0].value)})", []

    def call_scale(self, node: Call) -> tuple[str, list[str]]:
        builder = self.builder
        name = builder.scale(
            builder.params[node.args[0].name],
            builder.variable_for(node.args[1], self.owner, "scale_input"),
        )
        return name, [name]

    def call_table(self, node: Call) -> tuple[str, list[str]]:
        builder = self.builder
        name = builder.table(
            builder.params[node.args[0].name],
            builder.variable_for(node.args[1], self.owner, "table_key"),
        )
        return name, [name]

    def call_round(self, node: Call) -> tuple[str, list[str]]:
        builder = self.builder
        if not isinstance(node.args[1], Number):
            raise _Unexpressible("dmn-unexpressible.round-places")
        source = builder.variable_for(node.args[0], self.owner, "to_round")
        name = builder.fresh(f"{self.owner}_rounded")
        builder.round_decision(
            name, source, int(node.args[1].value), "half_up", f"{source} rounded half up"
        )
        return name, [name]

    def arguments(self, node: Call) -> tuple[list[str], list[str]]:
        parts = [self.visit(a) for a in node.args]
        return [t for t, _ in parts], _merge(*[r for _, r in parts])

    def call_min(self, node: Call) -> tuple[str, list[str]]:
        texts, requires = self.arguments(node)
        return f"min({', '.join(texts)})", requires

    def call_max(self, node: Call) -> tuple[str, list[str]]:
        texts, requires = self.arguments(node)
        return f"max({', '.join(texts)})", requires

    def call_clamp(self, node: Call) -> tuple[str, list[str]]:
        texts, requires = self.arguments(node)
        return f"min(max({texts[0]}, {texts[1]}), {texts[2]})", requires

    def call_floor(self, node: Call) -> tuple[str, list[str]]:
        texts, requires = self.arguments(node)
        return f"floor({texts[0]})", requires

    def call_ceil(self, node: Call) -> tuple[str, list[str]]:
        texts, requires = self.arguments(node)
        return f"ceiling({texts[0]})", requires


def _merge(*lists) -> list[str]:
    seen: list[str] = []
    for names in lists:
        for name in names:
            if name not in seen:
                seen.append(name)
    return seen


def walk(node: Node):
    """Every node of a formula tree, the root first."""
    yield node
    for child in children(node):
        yield from walk(child)
