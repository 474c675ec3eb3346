"""The rules of a higher jurisdiction: floors and ceilings on local policies, and year targets.

A province (or a city above a district) sets bounds a local rate must keep, the 70 yuan
minimum basic pension of Jiangsu's 2012 work plan, and targets its figures must reach by a
deadline. A document of such rules is kept apart from the policies (`constraints/`), because
it computes nothing: it bounds what policies compute, and scores what actually happened.
Each bound keeps the source's own word (不低于, 以上, 左右) beside the comparator it reads as,
so a reader can see how the word was read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from generator.core import values as V
from generator.core.findings import Finding, finding
from generator.core.location import Location
from generator.core.messages import Message
from generator.model.policy import Label, Source, sha256_of

# The comparator each boundary word of Chinese drafting reads as: 以上, 不低于, 不少于 and
# 达到 include the number; 超过 and 高于 exclude it; 以下, 以内, 不超过 include it; 低于 and
# 不满 exclude it; 左右 is "about". A word not listed (提高到, 稳定在, 控制在) says nothing of the
# boundary by itself, so the comparator the officer gives is taken as written.
WORD_COMPARATORS = {
    "以上": "at_least",
    "不低于": "at_least",
    "不少于": "at_least",
    "不低於": "at_least",
    "超过": "above",
    "超過": "above",
    "高于": "above",
    "高於": "above",
    "以下": "at_most",
    "以内": "at_most",
    "以內": "at_most",
    "不超过": "at_most",
    "不超過": "at_most",
    "低于": "below",
    "低於": "below",
    "不满": "below",
    "不滿": "below",
    "左右": "about",
}


@dataclass(frozen=True)
class Bound:
    """A number a figure is compared with: `value` in `unit`, by `comparator`."""

    comparator: str  # at_least | above | at_most | below | about
    word: str  # the source's own word
    value: Decimal
    unit: str
    tolerance: Decimal | None = None  # for about: the distance the officer accepts

    def holds(self, figure: Decimal) -> bool | None:
        """Whether `figure` keeps the bound; None for "about" without a tolerance."""
        if self.comparator == "at_least":
            return figure >= self.value
        if self.comparator == "above":
            return figure > self.value
        if self.comparator == "at_most":
            return figure <= self.value
        if self.comparator == "below":
            return figure < self.value
        if self.tolerance is None:  # "about" the figure itself, and nothing else, is sure
            return True if figure == self.value else None
        return abs(figure - self.value) <= self.tolerance


@dataclass(frozen=True)
class Binding:
    """Which local figure a constraint bounds: a parameter's dated values, or an output (on
    its own, or relative to an input: the increase is at least 10 % of the pension)."""

    policy: str
    parameter: str = ""
    output: str = ""
    relative_to: str = ""
    note: str = ""
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class Constraint:
    document: str  # the id of the document that sets it
    name: str
    rule: str  # the rule's id in the list of the seeds' rules (P2)
    label: Label
    clause: str
    quote: str
    bound: Bound
    start: dt.date
    end: dt.date | None  # the last day in force, included; None: no end given
    measure: str  # each_case | average
    binds: tuple[Binding, ...]
    note: str = ""
    location: Location = field(default=Location(""), compare=False)

    @property
    def id(self) -> str:
        return f"{self.document}.{self.name}"


@dataclass(frozen=True)
class Target:
    document: str
    name: str
    rule: str
    label: Label
    clause: str
    quote: str
    bound: Bound
    deadline: dt.date
    note: str = ""
    location: Location = field(default=Location(""), compare=False)

    @property
    def id(self) -> str:
        return f"{self.document}.{self.name}"


@dataclass(frozen=True)
class ConstraintDocument:
    id: str
    title: Label
    jurisdiction: str
    source: Source
    notes: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    targets: tuple[Target, ...]
    file: str = field(default="", compare=False)
    sha256: str = field(default="", compare=False)


def build_constraints(doc) -> tuple[ConstraintDocument, list[Finding]]:
    """The model of one schema-valid constraints document, and the problems of its values."""
    findings: list[Finding] = []
    data = doc.data

    def read(value, kind: str, path: tuple, unit: str | None = None):
        try:
            parsed = V.read(value, kind, unit=unit)
        except V.Refusal as refusal:
            key = "bad-date" if kind == "date" else "bad-number"
            findings.append(finding(key, doc.place(path), reason=refusal.reason))
            return None
        if parsed is None:
            key = "bad-date" if kind == "date" else "bad-number"
            reason = Message("value-empty", value=V.shown(value), kind=kind)
            findings.append(finding(key, doc.place(path), reason=reason))
        return parsed

    def bound(spec: dict, path: tuple) -> Bound:
        unit = str(spec["unit"])
        value = read(spec["value"], "number", path + ("value",), unit)
        tolerance = None
        if "tolerance" in spec:
            tolerance = read(spec["tolerance"], "number", path + ("tolerance",), unit)
        word = spec["word"]
        expected = WORD_COMPARATORS.get(word)
        if expected and expected != spec["comparator"]:
            findings.append(
                finding(
                    "constraint-word",
                    doc.place(path + ("comparator",)),
                    word=word,
                    comparator=spec["comparator"],
                    expected=expected,
                )
            )
        if tolerance is not None and spec["comparator"] != "about":
            findings.append(finding("constraint-tolerance", doc.place(path + ("tolerance",))))
        return Bound(spec["comparator"], word, value or Decimal(0), unit, tolerance)

    def common(kind: str, name: str, spec: dict) -> dict:
        """What a constraint and a target both say: the rule, label, source, bound, note."""
        path = (kind, name)
        return dict(
            document=data["id"],
            name=name,
            rule=spec.get("rule", ""),
            label=Label(**spec["label"]),
            clause=spec["source"]["clause"],
            quote=spec["source"]["quote"],
            bound=bound(spec, path),
            note=spec.get("note", ""),
            location=doc.place(path),
        )

    constraints = []
    for name, spec in data.get("constraints", {}).items():
        path = ("constraints", name)
        start = read(spec["from"], "date", path + ("from",))
        end = read(spec["to"], "date", path + ("to",)) if "to" in spec else None
        if start and end and end < start:
            findings.append(
                finding("constraint-dates", doc.place(path + ("to",)), start=start, end=end)
            )
        binds = tuple(
            Binding(
                b["policy"],
                b.get("parameter", ""),
                b.get("output", ""),
                b.get("relative_to", ""),
                b.get("note", ""),
                doc.place(path + ("binds", i)),
            )
            for i, b in enumerate(spec.get("binds", []))
        )
        constraints.append(
            Constraint(
                **common("constraints", name, spec),
                start=start or dt.date.min,
                end=end,
                measure=spec.get("measure", "each_case"),
                binds=binds,
            )
        )
    targets = []
    for name, spec in data.get("targets", {}).items():
        deadline = read(spec["deadline"], "date", ("targets", name, "deadline"))
        targets.append(Target(**common("targets", name, spec), deadline=deadline or dt.date.max))
    source = data["source"]
    try:
        source_date = V.source_date(source["date"]) or ""
    except V.Refusal as refusal:
        findings.append(finding("bad-date", doc.place(("source", "date")), reason=refusal.reason))
        source_date = str(source["date"])
    document = ConstraintDocument(
        id=data["id"],
        title=Label(**data["title"]),
        jurisdiction=data["jurisdiction"],
        source=Source(
            source["title"],
            source.get("number"),
            source_date,
            source.get("clause", ""),
            source.get("seed", ""),
        ),
        notes=tuple(data.get("notes", [])),
        constraints=tuple(constraints),
        targets=tuple(targets),
        file=doc.file,
        sha256=sha256_of(doc.raw),
    )
    return document, findings
