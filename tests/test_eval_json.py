"""`ratebook eval --json` read as other systems read it: every document, for every row of the
generated test tables, validates against the policy's published case and result schemas
(generated/schemas/*.case.schema.json, *.result.schema.json) with Python's jsonschema and,
where the machine has it, with ajv in strict mode.

The tables are iterated, never pinned: the test project's own fixture policy
(tests/consumers/policies/) and the shipped policies, whose officers may change any value
without turning this red.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from jsonschema import Draft202012Validator, FormatChecker

import cli
from generator.regress.case_files import read_cases

from . import ajv as real_ajv
from .conftest import ROOT


def documents(root: Path) -> list[tuple[str, object, dict | None]]:
    """(policy, case, `eval --json` document or None when refused) for every table row."""
    tables = sorted((root / "generated" / "tables").glob("*.csv"))
    assert tables
    cases, problems = read_cases([str(t) for t in tables], root)
    assert not problems, problems
    found = []
    runner = CliRunner()
    for case in cases:
        sets = [f"--set={name}={value}" for name, value in case.inputs if str(value).strip()]
        result = runner.invoke(
            cli.main,
            [
                "--root",
                str(root),
                "eval",
                case.policy,
                *sets,
                "--on",
                case.on.isoformat(),
                "--json",
            ],
        )
        if case.error:
            assert result.exit_code == 1, (case, result.output)
            found.append((case.policy, case, None))
        else:
            assert result.exit_code == 0, (case, result.output)
            found.append((case.policy, case, json.loads(result.output)))
    return found


def schema(root: Path, policy: str, kind: str) -> dict:
    path = root / "generated" / "schemas" / f"{policy}.{kind}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def check_all(root: Path) -> list:
    found = documents(root)
    evaluated = [(p, c, d) for p, c, d in found if d is not None]
    assert evaluated
    for policy, case, document in evaluated:
        for kind, part in (("case", "inputs"), ("result", "outputs")):
            validator = Draft202012Validator(
                schema(root, policy, kind), format_checker=FormatChecker()
            )
            errors = [e.message for e in validator.iter_errors(document[part])]
            assert not errors, (case.location, kind, document, errors)
    if real_ajv.available():
        policies = sorted({p for p, _, _ in evaluated})
        schemas = {
            f"{p}.{kind}": schema(root, p, kind) for p in policies for kind in ("case", "result")
        }
        pairs = [
            (f"{p}.{kind}", d[part])
            for p, _, d in evaluated
            for kind, part in (("case", "inputs"), ("result", "outputs"))
        ]
        answer = real_ajv.ajv(schemas, pairs)
        assert not any(answer["schemas"].values()), answer["schemas"]
        bad = [
            (pair, errors)
            for pair, errors in zip(pairs, answer["documents"], strict=True)
            if errors
        ]
        assert not bad, bad
    return found


def test_every_row_of_a_fixture_table_echoes_typed_inputs_the_case_schema_accepts(
    consumers_project,
):
    found = check_all(consumers_project)
    by_name = {case.name: document for _, case, document in found}
    # The policy's own example, given with the label 农村 and the text of every value:
    example = by_name["example: rural, disabled, 2021 line"]
    assert example is not None
    assert example["inputs"] == {
        "persons": 1,
        "disabled": True,
        "area": "rural",
        "income": 800.25,
    }
    assert example["outputs"] == {"eligible": True, "allowance": "115.08"}
    assert isinstance(example["inputs"]["persons"], int)


def test_every_row_of_the_shipped_test_tables_gives_documents_the_published_schemas_accept():
    check_all(ROOT)
