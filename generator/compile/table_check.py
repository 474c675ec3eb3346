"""At build time, each generated module must give every row of its test table.

The table's outputs come from the interpreter, the reference; the module is what other
systems run. Any disagreement (a different amount, or a refusal on one side only) stops the
build and names the policy, the case and the table row, so a compiler bug never ships.
"""

from __future__ import annotations

from generator.checks.project import Project
from generator.compile.build import module_path
from generator.compile.test_tables import evaluated_rows, first_row_line, table_path
from generator.core.findings import Finding, finding
from generator.core.location import Location
from generator.evaluate.modules import module_from_text
from generator.evaluate.outcome import Outcome, output_text, run


def check_tables(project: Project, files: dict) -> list[Finding]:
    """A finding for every table row the generated module (from `files`) gets wrong."""
    findings: list[Finding] = []
    for policy in sorted(project.policies, key=lambda p: p.id):
        text = files.get(module_path(policy))
        if text is None:
            continue
        module = module_from_text(text, "ratebook_check_" + policy.module_name)
        for number, (row, expected) in enumerate(
            evaluated_rows(policy), start=first_row_line(policy)
        ):
            got = run(module.evaluate, dict(row.inputs), row.on)
            if not same(expected, got):
                where = Location(f"generated/{table_path(policy, 'csv')}", number)
                findings.append(
                    finding(
                        "table-disagreement",
                        where,
                        policy=policy.id,
                        case=row.label,
                        on=row.on.isoformat(),
                        expected=describe(policy, expected),
                        got=describe(policy, got),
                    )
                )
    return findings


def same(a: Outcome, b: Outcome) -> bool:
    if a.outputs is None or b.outputs is None:  # refused: the same only if both, for one reason
        return a.outputs is None and b.outputs is None and a.error == b.error
    return a.outputs.keys() == b.outputs.keys() and all(
        type(a.outputs[k]) is type(b.outputs[k]) and a.outputs[k] == b.outputs[k] for k in a.outputs
    )


def describe(policy, outcome: Outcome) -> str:
    if outcome.outputs is None:
        return outcome.error
    return ", ".join(
        f"{o.name} {output_text(o, outcome.outputs[o.name])}"
        for o in policy.outputs
        if o.name in outcome.outputs
    )
