"""Write DMN 1.3 XML: the decisions `publish_dmn` derives from a policy, as a `definitions` document.

Kept apart from the derivation so that one module decides *what* DMN says and this one only
*how* it is spelled: element order as the OMG XML Schema requires (description, variable,
informationRequirement, then the expression), ids that are valid XML names, and text escaped
by ElementTree. Attribute order and indentation are fixed, so the same decisions give the same
bytes.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from generator.core.version import __version__
from generator.model.policy import Policy, fmt
from generator.publish.dmn.diagram import layout

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMNDI_NS = "https://www.omg.org/spec/DMN/20191111/DMNDI/"
DC_NS = "http://www.omg.org/spec/DMN/20180521/DC/"
DI_NS = "http://www.omg.org/spec/DMN/20180521/DI/"
for _prefix, _uri in (("dmndi", DMNDI_NS), ("dc", DC_NS), ("di", DI_NS)):
    ET.register_namespace(_prefix, _uri)


@dataclass
class Rule:
    """One rule of a decision table: a unary test per input column, one output expression."""

    tests: list[str]
    output: str
    description: str = ""


@dataclass
class Decision:
    """One decision: a FEEL literal expression, or a decision table when `literal` is None."""

    name: str
    type_ref: str
    requires: list[str]
    description: str = ""
    literal: str | None = None  # a FEEL literal expression, or else a decision table:
    hit_policy: str = "UNIQUE"
    aggregation: str = ""
    columns: list[tuple[str, str]] = field(default_factory=list)  # (variable, typeRef)
    rules: list[Rule] = field(default_factory=list)


def feel_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def feel_literal(value) -> str:
    """An enum value, key or number as a FEEL literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return feel_string(value)
    return fmt(value)


def input_type_ref(f) -> str:
    if f.type in ("number", "integer"):
        return "number"
    if f.type == "enum":
        return (
            "number"
            if all(isinstance(v, int) and not isinstance(v, bool) for v in f.values)
            else "string"
        )
    return f.type  # boolean, date


def definitions_xml(
    policy: Policy, date_var: str, decisions: list[Decision], on: dt.date | None
) -> str:
    """The DMN 1.3 document: item definitions, input data, then the decisions in order."""
    root = ET.Element(
        "definitions",
        {
            "xmlns": DMN_NS,
            "id": "ratebook_" + policy.module_name,
            "name": policy.id,
            "namespace": f"urn:ratebook:{policy.id}",
        },
    )
    src = policy.source
    _text(
        root,
        "description",
        f"{policy.title.zh} — {policy.title.en}. Source: {src.title}"
        + (f" ({src.number})" if src.number else "")
        + f", {src.clause}, {src.date}."
        + (f" Published for {on.isoformat()} only." if on else ""),
    )
    for f in policy.inputs:
        allowed = allowed_values(f)
        if allowed:
            item = ET.SubElement(
                root, "itemDefinition", {"id": f"type_{f.name}", "name": f"{f.name}_type"}
            )
            _text(item, "typeRef", input_type_ref(f))
            values = ET.SubElement(item, "allowedValues")
            _text(values, "text", allowed)
    for name, type_ref, label in [
        (f.name, f"{f.name}_type" if allowed_values(f) else input_type_ref(f), f.label)
        for f in policy.inputs
    ] + [(date_var, "date", None)]:
        data = ET.SubElement(root, "inputData", {"id": f"input_{name}", "name": name})
        _text(
            data,
            "description",
            " — ".join(x for x in (label.zh, label.en) if x)
            if label
            else "The date the case is evaluated on: each dated value applies from its first day to its last.",
        )
        ET.SubElement(
            data, "variable", {"id": f"input_{name}_variable", "name": name, "typeRef": type_ref}
        )
    decision_names = {d.name for d in decisions}
    for d in decisions:
        element = ET.SubElement(root, "decision", {"id": f"decision_{d.name}", "name": d.name})
        if d.description:
            _text(element, "description", d.description)
        ET.SubElement(
            element,
            "variable",
            {"id": f"decision_{d.name}_variable", "name": d.name, "typeRef": d.type_ref},
        )
        for required in d.requires:
            requirement = ET.SubElement(
                element, "informationRequirement", {"id": f"decision_{d.name}_needs_{required}"}
            )
            kind = "requiredDecision" if required in decision_names else "requiredInput"
            prefix = "decision_" if required in decision_names else "input_"
            ET.SubElement(requirement, kind, {"href": f"#{prefix}{required}"})
        if d.literal is not None:
            literal = ET.SubElement(
                element,
                "literalExpression",
                {"id": f"decision_{d.name}_expression", "typeRef": d.type_ref},
            )
            _text(literal, "text", d.literal)
            continue
        attributes = {"id": f"table_{d.name}", "hitPolicy": d.hit_policy}
        if d.aggregation:
            attributes["aggregation"] = d.aggregation
        table = ET.SubElement(element, "decisionTable", attributes)
        for index, (variable, type_ref) in enumerate(d.columns, start=1):
            clause = ET.SubElement(
                table, "input", {"id": f"table_{d.name}_input_{index}", "label": variable}
            )
            expression = ET.SubElement(
                clause,
                "inputExpression",
                {"id": f"table_{d.name}_input_{index}_expression", "typeRef": type_ref},
            )
            _text(expression, "text", variable)
        ET.SubElement(
            table,
            "output",
            {
                "id": f"table_{d.name}_output",
                "name": d.name,
                "label": d.name,
                "typeRef": d.type_ref,
            },
        )
        for index, rule in enumerate(d.rules, start=1):
            rule_element = ET.SubElement(table, "rule", {"id": f"table_{d.name}_rule_{index}"})
            if rule.description:
                _text(rule_element, "description", rule.description)
            for column, test in enumerate(rule.tests, start=1):
                entry = ET.SubElement(
                    rule_element,
                    "inputEntry",
                    {"id": f"table_{d.name}_rule_{index}_input_{column}"},
                )
                _text(entry, "text", test)
            entry = ET.SubElement(
                rule_element, "outputEntry", {"id": f"table_{d.name}_rule_{index}_output"}
            )
            _text(entry, "text", rule.output)
    _diagram(root, policy, [f.name for f in policy.inputs] + [date_var], decisions)
    ET.indent(root, "  ")
    header = (
        f"Generated by ratebook {__version__} from {policy.file} (sha256 {policy.sha256}). DO NOT EDIT: "
        "change the policy and run `ratebook publish`."
    ).replace("--", "- -")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- {header} -->\n'
        + ET.tostring(root, encoding="unicode")
        + "\n"
    )


def _diagram(root, policy: Policy, inputs: list[str], decisions: list[Decision]) -> None:
    """The DMNDI section: a shape for each input data and decision, an edge for each
    information requirement, laid out by `diagram.layout`."""
    boxes, lines = layout(inputs, [(d.name, d.requires) for d in decisions])
    section = ET.SubElement(root, f"{{{DMNDI_NS}}}DMNDI")
    diagram = ET.SubElement(
        section,
        f"{{{DMNDI_NS}}}DMNDiagram",
        {"id": f"diagram_{policy.module_name}", "name": policy.id},
    )
    for box in boxes:
        shape = ET.SubElement(
            diagram,
            f"{{{DMNDI_NS}}}DMNShape",
            {"id": f"shape_{box.element}", "dmnElementRef": box.element},
        )
        ET.SubElement(
            shape,
            f"{{{DC_NS}}}Bounds",
            {"x": _n(box.x), "y": _n(box.y), "width": _n(box.width), "height": _n(box.height)},
        )
    for line in lines:
        edge = ET.SubElement(
            diagram,
            f"{{{DMNDI_NS}}}DMNEdge",
            {"id": f"edge_{line.requirement}", "dmnElementRef": line.requirement},
        )
        for x, y in line.points:
            ET.SubElement(edge, f"{{{DI_NS}}}waypoint", {"x": _n(x), "y": _n(y)})


def _n(value: float) -> str:
    """A coordinate as DMNDI writes it: 120, or 62.5."""
    return str(int(value)) if value == int(value) else str(value)


def _text(parent, tag: str, text: str):
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def allowed_values(f) -> str:
    """The allowedValues unary tests of an input: its enum values or its bounds."""
    if f.type == "enum":
        return ",".join(feel_literal(v) for v in f.values)
    if f.type in ("number", "integer"):
        if f.minimum is not None and f.maximum is not None:
            return f"[{fmt(f.minimum)}..{fmt(f.maximum)}]"
        if f.minimum is not None:
            return f">= {fmt(f.minimum)}"
        if f.maximum is not None:
            return f"<= {fmt(f.maximum)}"
    return ""
