"""Lay out the decision requirements diagram of a published DMN document (its DMNDI).

A modeller (dmn-js, Camunda Modeler) draws a DMN file's decision requirements graph only from
the shapes and edges of its DMNDI section; without them it shows an empty canvas. The layout is
layered and deterministic, so the same decisions give the same bytes: the input data on the
bottom row, each decision one row above the highest element it requires, the elements of a
row left to right in the document's order, every edge a straight line from the top middle of
the required element to the bottom middle of the decision that requires it.
"""

from __future__ import annotations

from dataclasses import dataclass

DECISION_SIZE = (180, 80)  # width, height: the sizes dmn-js gives a new decision
INPUT_SIZE = (125, 45)  # … and a new input data
COLUMN = 220  # from the left of one element to the next in a row
ROW = 150  # from the top of one row to the next
MARGIN = 40


@dataclass(frozen=True)
class Box:
    element: str  # the id of the decision or input data the shape draws
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Line:
    requirement: str  # the id of the informationRequirement the edge draws
    points: tuple[tuple[float, float], ...]


def layout(
    inputs: list[str], decisions: list[tuple[str, list[str]]]
) -> tuple[list[Box], list[Line]]:
    """The shapes and edges of the graph. `inputs`: the input data's names; `decisions`: each
    decision's name and the names it requires (inputs or decisions before it in the list).
    Ids are spelled as the document spells them (input_<name>, decision_<name>,
    decision_<name>_needs_<required>)."""
    level = dict.fromkeys(inputs, 0)
    for name, requires in decisions:
        level[name] = 1 + max((level.get(r, 0) for r in requires), default=0)
    top = max(level.values(), default=0)
    ids = {name: f"input_{name}" for name in inputs} | {
        name: f"decision_{name}" for name, _ in decisions
    }
    sizes = {name: INPUT_SIZE for name in inputs} | {name: DECISION_SIZE for name, _ in decisions}
    boxes: dict[str, Box] = {}
    taken: dict[int, int] = {}
    for name in [*inputs, *(name for name, _ in decisions)]:
        row = top - level[name]
        column = taken.get(row, 0)
        taken[row] = column + 1
        width, height = sizes[name]
        boxes[name] = Box(
            ids[name],
            MARGIN + column * COLUMN + (DECISION_SIZE[0] - width) // 2,
            MARGIN + row * ROW + (DECISION_SIZE[1] - height) // 2,
            width,
            height,
        )
    lines = []
    for name, requires in decisions:
        target = boxes[name]
        for required in requires:
            source = boxes[required]
            lines.append(
                Line(
                    f"decision_{name}_needs_{required}",
                    (
                        (source.x + source.width / 2, source.y),
                        (target.x + target.width / 2, target.y + target.height),
                    ),
                )
            )
    return list(boxes.values()), lines
