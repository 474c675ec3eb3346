"""Policies made by the tests themselves (in a tmp_path project), never the shipped ones.

Why: the batch tests need shapes the shipped policies do not have (an enum of 300 values, a
scale of 10,000 brackets), and a test must not depend on a shipped policy's current numbers.
Each function writes one policy as YAML, loads it like `ratebook build` does and returns the
policy and its generated module (from the same emitter `ratebook build` runs).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml
from click.testing import CliRunner

import cli
from generator.checks.project import load_project
from generator.compile.python_module import emit_module
from generator.evaluate.modules import module_from_text

SOURCE = {"title": "Test source", "number": None, "date": "2012", "clause": "1"}

# test.allowance: a subsidy per square metre by scheme, 40 yuan for the employee scheme and 60
# for the resident scheme. Every field has labels in both languages, and so do the enum's
# values, written out of the values' order (the reader keeps the values' order): the policy
# of the tests of case-file headers and of value labels.
ALLOWANCE = """\
ratebook: 1
id: test.allowance
title: {zh: 测试补助, en: Test allowance}
source: {title: Test source, date: "2012", clause: "1"}

inputs:
  scheme:
    type: enum
    values: [employee, resident]
    value_labels:
      resident: {zh: 居民, en: Resident}
      employee: {zh: 职工, en: Employee}
    label: {zh: 参保类别, en: Scheme}
  area:
    type: number
    unit: m2
    min: 0
    label: {zh: 服务场地面积, en: Service area}

outputs:
  subsidy:
    type: number
    unit: yuan
    label: {zh: 建设补助, en: Construction subsidy}

parameters:
  per_m2:
    kind: table
    key: scheme
    unit: yuan/m2
    values:
      - from: 2012-01-01
        rows: {employee: 40, resident: 60}

formulas:
  subsidy: area * table(per_m2, scheme)
"""


def built_with_the_cli(root: Path, policy_id: str, text: str) -> Path:
    """`root` as a project of one policy, `text` written as its YAML, after `ratebook build`."""
    area, name = policy_id.split(".")
    (root / "policies" / area).mkdir(parents=True, exist_ok=True)
    (root / "policies" / area / f"{name}.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["--root", str(root), "build"])
    assert result.exit_code == 0, result.output
    return root


def build(folder: Path, policy_id: str, document: dict):
    """(policy, generated module) of one policy written to `folder`/policies."""
    area, name = policy_id.split(".")
    (folder / "policies" / area).mkdir(parents=True, exist_ok=True)
    document = {"ratebook": 1, "id": policy_id, "title": {"zh": "测试", "en": "Test"}, **document}
    document.setdefault("source", SOURCE)
    (folder / "policies" / area / f"{name}.yaml").write_text(
        yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    project = load_project(folder)
    assert project.ok, [str(f) for f in project.findings.errors][:5]
    policy = project.policy(policy_id)
    # the module `ratebook build` writes (without the test table, which these tests do not need)
    return policy, module_from_text(emit_module(policy), "made_" + policy.module_name)


VERSION_STARTS = ("2012-01-01", "2013-01-01", "2014-07-01", "2016-01-01", "2020-01-01")


def keyed_table(folder: Path, keys: int, versions: int = 1):
    """demo.keyed: pay = amount × rate[key], an enum of the whole numbers 1..keys, each key
    its own rate ((key + version) % 97 percent, so neighbouring codes pay different amounts),
    in `versions` dated versions from VERSION_STARTS; its example (key 1, 1,000 yuan) makes
    the test table try every key on 1,000 yuan."""
    return build(
        folder,
        "demo.keyed",
        {
            "inputs": {
                "key": {"type": "enum", "values": list(range(1, keys + 1))},
                "amount": {"type": "number", "unit": "yuan", "min": 0},
            },
            "outputs": {
                "pay": {
                    "type": "number",
                    "unit": "yuan",
                    "rounding": {"places": 2, "mode": "half_up"},
                }
            },
            "parameters": {
                "rate": {
                    "kind": "table",
                    "key": "key",
                    "unit": "1",
                    "values": [
                        {
                            "from": VERSION_STARTS[version],
                            "rows": {k: f"{(k + version) % 97}%" for k in range(1, keys + 1)},
                        }
                        for version in range(versions)
                    ],
                }
            },
            "formulas": {"pay": "amount * table(rate, key)"},
            "cases": [
                {
                    "name": "key 1, 1,000 yuan",
                    "on": "2012-06-01",
                    "inputs": {"key": 1, "amount": 1000},
                    "expected": {"pay": "10.00"},
                    "why": "1 % 97 = 1: 1000 × 1% = 10",
                }
            ],
        },
    )


def key_rate(key: int, version: int = 0) -> Decimal:
    """The rate keyed_table gives `key` in its version number `version`."""
    return Decimal((key + version) % 97) / 100
