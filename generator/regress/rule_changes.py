"""What changed in the rules between two versions of the policies, in words an officer reads.

"unemployment.benefit: standard 520 → 560 from 2013-01-01". Dated values are compared as
what is in force on each day, not as lists: adding a value from 2013-01-01, changing one in
place, or moving its start date each read as the value that now applies and from when (and
until when, where the two versions agree again). Scales are compared bracket by bracket
("boundary 30,000 → 35,000", "bracket 30,000–50,000 rate 40% → 45%"), tables row by row.
Changes of wording only (titles, notes, quotes, examples) are noted but are not rule changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from generator.core.messages import words as say
from generator.core.shown import label_of
from generator.evaluate.outcome import grouped
from generator.model.policy import Bracket, Parameter, Policy, fmt

ADDED, REMOVED, CHANGED, WORDING = "added", "removed", "changed", "wording only"


@dataclass(frozen=True)
class PolicyChange:
    policy: str
    status: str  # added | removed | changed | wording only
    changes: tuple = ()  # the changes in words, in the order of the policy
    labels: Mapping[str, str] | None = field(default=None, compare=False)  # title {zh, en}

    @property
    def is_rule_change(self) -> bool:
        return self.status != WORDING

    def words(self) -> str:
        from generator.core.messages import words

        changes = "; ".join(self.changes)
        if self.status == ADDED:
            if changes:
                return words("rules.new-policy-titled", policy=self.policy, changes=changes)
            return words("rules.new-policy", policy=self.policy)
        if self.status == REMOVED:
            return words("rules.removed", policy=self.policy)
        if self.status == WORDING:
            return words("rules.wording", policy=self.policy)
        return words("rules.changed", policy=self.policy, changes=changes)


def rule_changes(base: list[Policy], head: list[Policy]) -> list[PolicyChange]:
    """Every policy added, removed or changed, sorted by id; unchanged policies are left out."""
    before = {p.id: p for p in base}
    after = {p.id: p for p in head}
    changes = []
    for policy_id in sorted(set(before) | set(after)):
        old, new = before.get(policy_id), after.get(policy_id)
        labels = label_of(new or old)
        if new is None:
            changes.append(PolicyChange(policy_id, REMOVED, labels=labels))
        elif old is None:
            title = (new.title.en,) if new.title.en else ()
            changes.append(PolicyChange(policy_id, ADDED, title, labels))
        elif old != new:
            words = tuple(policy_words(old, new))
            changes.append(PolicyChange(policy_id, CHANGED if words else WORDING, words, labels))
    return changes


def policy_words(old: Policy, new: Policy) -> list[str]:
    words: list[str] = []
    words += _fields(INPUT_WORDS, old.inputs, new.inputs, _input_facts)
    words += _fields(OUTPUT_WORDS, old.outputs, new.outputs, _output_facts)
    before = {p.name: p for p in old.parameters}
    after = {p.name: p for p in new.parameters}
    for name in list(after) + [n for n in before if n not in after]:
        words += parameter_words(before.get(name), after.get(name))
    old_formulas = {f.name: f for f in old.formulas}
    new_formulas = {f.name: f for f in new.formulas}
    for name in list(new_formulas) + [n for n in old_formulas if n not in new_formulas]:
        a, b = old_formulas.get(name), new_formulas.get(name)
        if b is None:
            words.append(say("rules.formula-removed", name=name))
        elif a is None:
            words.append(say("rules.formula-new", name=name, formula=_squeeze(b.text)))
        elif _squeeze(a.text) != _squeeze(b.text):
            before, after = _squeeze(a.text), _squeeze(b.text)
            words.append(say("rules.formula-changed", name=name, before=before, after=after))
    old_rules = [_squeeze(c.rule) for c in old.checks]
    new_rules = [_squeeze(c.rule) for c in new.checks]
    words += [say("rules.check-new", rule=r) for r in new_rules if r not in old_rules]
    words += [say("rules.check-removed", rule=r) for r in old_rules if r not in new_rules]
    return words


# -- inputs and outputs ------------------------------------------------------------------------


INPUT_WORDS = ("rules.input-removed", "rules.input-new", "rules.input-changed")
OUTPUT_WORDS = ("rules.output-removed", "rules.output-new", "rules.output-changed")


def _fields(keys: tuple[str, str, str], old: tuple, new: tuple, facts) -> list[str]:
    removed, added, changed = keys
    before = {f.name: f for f in old}
    after = {f.name: f for f in new}
    words = []
    for name in list(after) + [n for n in before if n not in after]:
        a, b = before.get(name), after.get(name)
        if b is None:
            words.append(say(removed, name=name))
        elif a is None:
            words.append(say(added, name=name, type=b.type))
        else:
            fa, fb = facts(a), facts(b)
            for key in fa:
                if fa[key] != fb[key]:
                    words.append(say(changed, name=name, fact=key, before=fa[key], after=fb[key]))
    return words


def _input_facts(f) -> dict:
    return {
        "type": f.type,
        "unit": f.unit or "none",
        "min": _number(f.minimum),
        "max": _number(f.maximum),
        "values": ", ".join(str(v) for v in f.values) or "none",
        "ordered": "yes" if f.ordered else "no",
        "default": str(f.default) if f.has_default else "none",
    }


def _output_facts(o) -> dict:
    rounding = f"{o.places} places {o.mode.replace('_', '-')}" if o.places is not None else "none"
    return {"type": o.type, "unit": o.unit or "none", "rounding": rounding}


def _number(value) -> str:
    return "none" if value is None else grouped(value)


def _squeeze(text: str) -> str:
    return " ".join(text.split())


# -- parameters: what is in force on each day ------------------------------------------------------


def parameter_words(old: Parameter | None, new: Parameter | None) -> list[str]:
    if new is None:
        return [say("rules.parameter-removed", name=old.name)] if old is not None else []
    words = []
    if old is not None:
        for key in ("kind", "method", "unit", "input_unit", "output_unit", "key"):
            a, b = getattr(old, key), getattr(new, key)
            if a != b:
                words.append(
                    say(
                        "rules.parameter-changed",
                        name=new.name,
                        fact=key,
                        before=a or "none",
                        after=b or "none",
                    )
                )
        if words:
            return words
    old_values = old.values if old is not None else ()
    for start, end, a, b in _differences(old_values, new.values):
        for change in _value_words(new, a, b):
            if end is None:
                words.append(say("rules.from", change=change, start=start.isoformat()))
            else:
                words.append(
                    say(
                        "rules.from-to", change=change, start=start.isoformat(), end=end.isoformat()
                    )
                )
    if old is None:
        words = [say("rules.parameter-new", change=w) for w in words] or [
            say("rules.parameter-new-empty", name=new.name)
        ]
    return words


def _differences(old: tuple, new: tuple):
    """(from, to or None, old value, new value) for each stretch of days where the two differ."""
    dates = sorted({v.start for v in old} | {v.start for v in new})
    stretches = []
    current = None  # (start, a, b)
    for day in dates:
        a, b = _in_force(old, day), _in_force(new, day)
        state = None if _same(a, b) else (a, b)
        if current is not None and (
            state is None or not (_same(state[0], current[1]) and _same(state[1], current[2]))
        ):
            stretches.append((current[0], day - dt.timedelta(days=1), current[1], current[2]))
            current = None
        if state is not None and current is None:
            current = (day, a, b)
    if current is not None:
        stretches.append((current[0], None, current[1], current[2]))
    return stretches


def _in_force(values: tuple, day: dt.date):
    found = None
    for entry in values:
        if entry.start <= day:
            found = entry.value
    return found


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a == b
    if a and isinstance(a[0], Bracket) or b and isinstance(b[0], Bracket):
        return [_bracket_key(x) for x in a] == [_bracket_key(x) for x in b]
    return dict(a) == dict(b)


def _bracket_key(b: Bracket) -> tuple:
    return (b.lower, b.lower_inclusive, b.upper, b.upper_inclusive, b.rate, b.amount)


def _value_words(p: Parameter, a, b) -> list[str]:
    if p.kind == "scale":
        return _scale_words(p, a, b)
    if p.kind == "table":
        before, after = dict(a or ()), dict(b or ())
        keys = list(after) + [k for k in before if k not in after]
        return [
            say(
                "rules.row",
                name=p.name,
                key=k,
                before=_shown(p, before.get(k)),
                after=_shown(p, after.get(k)),
            )
            for k in keys
            if before.get(k) != after.get(k)
        ]
    return [say("rules.value", name=p.name, before=_shown(p, a), after=_shown(p, b))]


def _shown(p: Parameter, value) -> str:
    if value is None:
        return say("rules.not-in-force") if p.kind != "table" else say("rules.no-row")
    if p.kind == "rate" or (p.kind == "table" and p.unit == "1"):
        return percent(value)
    return grouped(value)


def _scale_words(p: Parameter, a, b) -> list[str]:
    if a is None or b is None or len(a) != len(b):
        before, after = _all_brackets(a), _all_brackets(b)
        return [say("rules.brackets", name=p.name, before=before, after=after)]
    words = []
    for upper_old, upper_new in zip(a[:-1], b[:-1], strict=True):  # the boundaries between brackets
        if upper_old.upper != upper_new.upper:
            before, after = grouped(upper_old.upper), grouped(upper_new.upper)
            words.append(say("rules.boundary", name=p.name, before=before, after=after))
        elif upper_old.upper_inclusive != upper_new.upper_inclusive:
            side = "rules.boundary-below" if upper_new.upper_inclusive else "rules.boundary-above"
            words.append(say(side, name=p.name, value=grouped(upper_new.upper)))
    ends = (("lower", "rules.lower-end", a[0], b[0]), ("upper", "rules.upper-end", a[-1], b[-1]))
    for edge, key, old_b, new_b in ends:
        if getattr(old_b, edge) != getattr(new_b, edge) or getattr(
            old_b, edge + "_inclusive"
        ) != getattr(new_b, edge + "_inclusive"):
            words.append(say(key, name=p.name, before=old_b.shown(), after=new_b.shown()))
    figures = (("rate", "rules.bracket-rate", _pct), ("amount", "rules.bracket-amount", _number))
    for old_b, new_b in zip(a, b, strict=True):
        for figure, key, shown in figures:
            before, after = getattr(old_b, figure), getattr(new_b, figure)
            if before != after:
                words.append(
                    say(
                        key,
                        name=p.name,
                        range=bracket_range(new_b),
                        before=shown(before),
                        after=shown(after),
                    )
                )
    return words


def _all_brackets(brackets) -> str:
    if brackets is None:
        return "(not in force)"
    parts = []
    for b in brackets:
        what = f"rate {percent(b.rate)}" if b.rate is not None else f"amount {grouped(b.amount)}"
        parts.append(f"{bracket_range(b)} {what}")
    return "[" + ", ".join(parts) + "]"


def bracket_range(b: Bracket) -> str:
    """'30,000–50,000', 'over 50,000', 'below 100', 'at least 200'."""
    if b.lower is not None and b.upper is not None:
        return f"{grouped(b.lower)}–{grouped(b.upper)}"
    if b.lower is not None:
        return say(
            "bracket.at-least" if b.lower_inclusive else "bracket.over", value=grouped(b.lower)
        )
    if b.upper is not None:
        return say(
            "bracket.up-to" if b.upper_inclusive else "bracket.below", value=grouped(b.upper)
        )
    return say("bracket.any")


def _pct(value) -> str:
    return "none" if value is None else percent(value)


def percent(value: Decimal) -> str:
    return fmt(value * 100) + "%"
