"""What one case gives when evaluated, as data that tables, tests and diffs compare.

A case either yields its outputs or is refused (an invalid case, a rule not in force, a
value no bracket holds). A refusal is an outcome like any other: test tables record it with
its message rather than drop the row, and a diff counts cases that became refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from generator import runtime as rt
from generator.core.messages import ENGLISH, Message, in_language


@dataclass(frozen=True)
class Outcome:
    outputs: dict | None  # output name -> typed value; None when the case was refused
    error: str = ""  # "not in force: standard: not in force on 2012-06-30: …" (in English: test
    # tables write it, and it is compared between the interpreter and a generated module)
    refusal: str = ""  # why it was refused: "not-in-force", "invalid" or "cannot"

    @property
    def ok(self) -> bool:
        return self.outputs is not None


def run(evaluate, case: dict, on: dt.date) -> Outcome:
    """Call `evaluate(case, on)` (interpreter or generated module) and keep what happened."""
    try:
        return Outcome(dict(evaluate(dict(case), on)))
    except rt.EvaluationError as error:
        kind = (
            "not-in-force"
            if isinstance(error, rt.NotInForce)
            else "invalid"
            if isinstance(error, rt.InvalidCase)
            else "cannot"
        )
        return Outcome(None, refusal(error, kind), kind)


def refusal(error: rt.EvaluationError, kind: str) -> str:
    """Why a case was refused, in English (the words test tables keep and compare)."""
    key = {
        "not-in-force": "outcome.not-in-force",
        "invalid": "outcome.invalid",
        "cannot": "outcome.cannot",
    }[kind]
    with in_language(ENGLISH):
        return str(Message(key, reasons=str(error)))


def text(value, places: int | None = None) -> str:
    """A value as a table cell shows it: 520.00 (with `places`), 29999.99, 2, true, village."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if places is not None:  # half-up, like money (format() alone would round half-even)
            return format(rt.round_to(value, places), "f")
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)


def grouped(value: Decimal) -> str:
    """A number with thousands separated, as officers write them: 30000 → 30,000; 1.3 → 1.3."""
    text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    sign = "-" if text.startswith("-") else ""
    whole, _, part = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}" + (f".{part}" if part else "")


def output_text(output, value) -> str:
    """An output value in the form the policy rounds it to (money with two decimals)."""
    return text(value, output.places if output.type == "number" else None)
