"""At build time, each generated module must give every row of its test table.

The table's outputs come from the interpreter, the reference; the module is what other
systems run, one case at a time (`evaluate`) and in columns (`evaluate_batch`, exact int64
numpy code compiled separately, and its row kernel `evaluate_rows`, run here as the plain
Python numba would compile, so the code `--engine numba` runs is checked on every build
even where numba is not installed). Any disagreement of any of them (a different amount, or
a refusal on one side only) stops the build and names the policy, the case and the table
row, so a compiler bug in any path never ships.
"""

from __future__ import annotations

from decimal import Decimal

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
        rows = evaluated_rows(policy)
        cases = [row for row, _ in rows]
        in_columns = batch_outcomes(module, cases)
        by_rows = (
            batch_outcomes(module, cases, engine="python")
            if getattr(module, "ROW_KERNEL", False)
            else [None] * len(cases)
        )
        first = first_row_line(policy)
        for number, ((row, expected), batch, kernel) in enumerate(
            zip(rows, in_columns, by_rows, strict=True), start=first
        ):
            where = Location(f"generated/{table_path(policy, 'csv')}", number)
            got = run(module.evaluate, dict(row.inputs), row.on)
            checked = [("table-disagreement", got), ("table-disagreement.batch", batch)]
            if kernel is not None:
                checked.append(("table-disagreement.rows", kernel))
            for key, other in checked:
                if not same(expected, other):
                    findings.append(
                        finding(
                            key,
                            where,
                            policy=policy.id,
                            case=row.label,
                            on=row.on.isoformat(),
                            expected=describe(policy, expected),
                            got=describe(policy, other),
                        )
                    )
    return findings


def batch_outcomes(module, rows: list, engine: str = "auto") -> list[Outcome]:
    """Every table row through `module.evaluate_batch` at once (on `engine`), as Outcomes to
    compare with the interpreter's: a column per input (None where a row leaves it out), a
    column of dates.
    A refused row's words are those of the one-case path the batch hands it to, which is
    checked on its own."""
    import numpy as np

    if not rows:
        return []
    names = [name for name in module.INPUTS if any(name in dict(r.inputs) for r in rows)]
    columns = {name: [dict(r.inputs).get(name) for r in rows] for name in names}
    on = np.array([r.on.isoformat() for r in rows], dtype="datetime64[D]")
    result = module.evaluate_batch(columns, on, engine=engine)
    outcomes = []
    for i, row in enumerate(rows):
        if not result.valid[i]:  # refused by the one-case path the batch handed the row to
            outcomes.append(run(module.evaluate, dict(row.inputs), row.on))
            continue
        outputs = {}
        for name, values in result.outputs.items():
            places = result.places[name]
            value = values[i].item()
            if places is None:
                outputs[name] = value
            else:
                outputs[name] = Decimal(value).scaleb(-places)
        outcomes.append(Outcome(outputs))
    return outcomes


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
