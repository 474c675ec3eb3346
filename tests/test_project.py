"""What any correct project must pass, whatever its numbers (marker `project`).

These read the project at `--project-root` (default: this repository) and pin no value of it:
its policies validate, `generated/` is current, every example case and every generated
test-table row holds through the one-case path, the batch path gives the same on each of those
rows, and each policy survives YAML → workbook → YAML. `tests/test_yearly_update.py` runs them
on a copy of the project after the README's yearly update: an officer's correct change to a
policy must leave them green.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from click.testing import CliRunner

import cli
from generator import runtime as rt
from generator.checks.project import load_project
from generator.convert.to_workbook import emit_workbook
from generator.evaluate.modules import load_policy_module
from generator.regress.case_files import read_cases
from generator.sources.excel.reader import read_excel_bytes

from . import conftest

pytestmark = pytest.mark.project


def ratebook(*args: str):
    return CliRunner().invoke(cli.main, ["--root", str(conftest.PROJECT_ROOT), *args])


@pytest.fixture(scope="module")
def loaded():
    project = load_project(conftest.PROJECT_ROOT)
    assert project.ok, "\n".join(str(f) for f in project.findings.errors)
    return project


def test_the_policies_validate():
    result = ratebook("validate")
    assert result.exit_code == 0, result.output


def test_generated_is_current():
    result = ratebook("build", "--check")
    assert result.exit_code == 0, result.output


def test_every_example_case_and_test_table_row_holds():
    result = ratebook("test", str(conftest.PROJECT_ROOT / "generated" / "tables"))
    assert result.exit_code == 0, result.output


def _one_case(module, inputs: dict, on):
    try:
        return module.evaluate(dict(inputs), on)
    except rt.EvaluationError:
        return "refused"


def _batch(module, cases: list[dict], on) -> list:
    names = sorted({name for case in cases for name in case})
    result = module.evaluate_batch({n: [case.get(n) for case in cases] for n in names}, on)
    rows = []
    for i in range(len(cases)):
        if not result.valid[i]:
            rows.append("refused")
            continue
        outputs = {}
        for name, places in result.places.items():
            value = result.outputs[name][i]
            if places is None:
                is_flag = result.outputs[name].dtype == bool
                outputs[name] = bool(value) if is_flag else int(value)
            else:
                outputs[name] = Decimal(int(value)).scaleb(-places)
        rows.append(outputs)
    return rows


def test_the_batch_path_gives_what_the_one_case_path_gives_on_every_test_table_row(loaded):
    cases, findings = read_cases(
        [conftest.PROJECT_ROOT / "generated" / "tables"],
        conftest.PROJECT_ROOT,
        policies=loaded.policies,
    )
    assert not findings, [str(f) for f in findings]
    groups: dict = defaultdict(list)
    for case in cases:
        if case.source.endswith(".csv"):  # the .xlsx tables hold the same rows
            groups[case.policy, case.on].append(dict(case.inputs))
    assert {policy for policy, _ in groups} == {p.id for p in loaded.policies}
    for (policy_id, on), rows in sorted(groups.items()):
        module = load_policy_module(conftest.PROJECT_ROOT / "generated", policy_id)
        expected = [_one_case(module, row, on) for row in rows]
        assert _batch(module, rows, on) == expected, (policy_id, on)


def test_every_policy_survives_yaml_to_workbook_and_back(loaded):
    from generator.convert.to_yaml import emit_yaml
    from generator.model.build import build_policy
    from generator.sources.yaml_reader import read_yaml_text

    for policy in loaded.policies:
        document, findings = read_excel_bytes(emit_workbook(policy), "exported.xlsx")
        assert not [f for f in findings if f.severity == "error"], policy.id
        assert build_policy(document).policy == policy, policy.id
        document, findings = read_yaml_text(emit_yaml(policy), "exported.yaml")
        assert build_policy(document).policy == policy, policy.id
