"""The provincial rules of the seeds as shipped (the layers): bound, quoted from the seeds, and enforced.

This is the one test of the shipped constraints and declared properties. Its numbers are the
seeds' (RULES.md P2, P4, U3), read from the shipped documents rather than typed here, so a
correct change of a local policy keeps it green while a change below a floor does not.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from generator.checks.project import load_project

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.seed_rules

SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def project():
    """The shipped project itself (this repository), not the frozen fixture project."""
    loaded = load_project(ROOT)
    assert loaded.ok, "\n".join(str(f) for f in loaded.findings.errors)
    return loaded


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_quote_of_the_shipped_constraints_is_the_seeds_own_words(project):
    assert project.documents, "no constraints documents shipped"
    for document in project.documents:
        seed = SEEDS / document.source.seed
        if not seed.exists():  # the seeds live beside the repository, not in it
            continue
        text = _flat(seed.read_text(encoding="utf-8"))
        for rule in document.constraints + document.targets:
            assert _flat(rule.quote) in text, (document.id, rule.name)


def test_the_shipped_bindings_are_accepted_by_the_local_policies(project):
    bound = {(b.policy, c.id) for d in project.documents for c in d.constraints for b in c.binds}
    subject = {(p.id, s.rule) for p in project.policies for s in p.subject_to}
    assert bound == subject
    assert ("pension.resident_basic", "jiangsu.work_plan_2012.basic_pension_minimum") in bound
    # 000 names no province: each binding of its policies says it is an assumption
    for policy in project.policies:
        if policy.source.seed.startswith("000_"):
            assert all(s.assumption for s in policy.subject_to), policy.id


def test_the_p4_rise_and_the_u3_directions_are_proved_exactly(project):
    notes = [str(f) for f in project.findings.notes]
    assert any("retiree_adjustment_minimum" in n and "proved exactly" in n for n in notes), notes
    for field in ("min_wage", "min_living_standard"):
        assert any(
            f"monthly_benefit never falls as {field} rises" in n and "proved exactly" in n
            for n in notes
        ), notes


def test_lowering_the_basic_pension_below_the_provincial_floor_fails_validate(tmp_path):
    copy = tmp_path / "project"
    for folder in ("policies", "constraints"):
        shutil.copytree(ROOT / folder, copy / folder)
    floor = next(
        c
        for d in load_project(ROOT).documents
        for c in d.constraints
        if c.id == "jiangsu.work_plan_2012.basic_pension_minimum"
    )
    lowered = floor.bound.value - Decimal(1)
    path = copy / "policies" / "pension" / "resident_basic.yaml"
    text = path.read_text(encoding="utf-8")
    day = floor.start.isoformat()
    text, count = re.subn(rf"(\{{from: {day}, value: )\d+(\}})", rf"\g<1>{lowered}\2", text)
    assert count == 1
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["--root", str(copy), "validate"])
    assert result.exit_code == 1
    line = next(x for x in result.stderr.splitlines() if "basic_pension_minimum" in x)
    assert line.startswith("policies/pension/resident_basic.yaml:")
    assert f"{lowered} yuan/month from {day} is below the minimum" in line
    assert f"at least {floor.bound.value} yuan/month" in line
    assert "constraints/jiangsu/work_plan_2012.yaml:" in line
    assert "bound by assumption" in line
