"""A small project with both layers for the tests of what `ratebook publish` writes of them:
the published-format fixture policy (tests/consumers/policies/demo/allowance.yaml) and a made-up
provincial plan binding it (tests/consumers/constraints/prov/plan.yaml), the policy accepting the
plan's floor by assumption. Numbers made up, small enough to check by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

CONSUMERS = Path(__file__).resolve().parent / "consumers"
SUBJECT_TO = """\
subject_to:
  - rule: prov.plan.line_floor
    assumption: the test source names no province

"""


def layered_project(root: Path) -> Path:
    """Copy the fixture policy and plan into `root`; the policy lists the plan's floor."""
    shutil.copytree(CONSUMERS / "policies", root / "policies")
    shutil.copytree(CONSUMERS / "constraints", root / "constraints")
    policy = root / "policies" / "demo" / "allowance.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(
        text.replace("\ninputs:\n", "\n" + SUBJECT_TO + "inputs:\n", 1), encoding="utf-8"
    )
    return root
