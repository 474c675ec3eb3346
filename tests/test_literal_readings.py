"""The literal readings of T2 and T5 overlap (以上 and 以下 both include the number): a policy
that leaves them so must fail, naming each boundary. The shipped policies resolve them."""

from __future__ import annotations

from pathlib import Path

from generator.checks.project import load_source
from generator.convert.commands import import_workbook

from .conftest import ROOT


def errors_of(tmp_path: Path, relative: str, text: str) -> list[str]:
    path = tmp_path / "policies" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    _, findings = load_source(path, tmp_path)
    return [str(f) for f in findings if f.severity == "error"]


def test_t2_read_literally_fails_at_3000(tmp_path):
    text = (ROOT / "policies/platform/staffing.yaml").read_text(encoding="utf-8")
    literal = text.replace("{below: 3000, amount: 1}", "{up_to: 3000, amount: 1}")
    assert literal != text
    errors = errors_of(tmp_path, "platform/staffing.yaml", literal)
    assert any("boundary 3000 is claimed by two brackets" in e for e in errors), errors


def test_t5_read_literally_fails_at_100_and_at_200(tmp_path):
    _, text, _ = import_workbook(ROOT, ROOT / "policies/platform/construction_subsidy.xlsx")
    literal = text.replace("{below: 100, amount: 60000", "{up_to: 100, amount: 60000").replace(
        "{at_least: 100, below: 200, amount: 80000", "{at_least: 100, up_to: 200, amount: 80000"
    )
    assert literal.count("up_to:") == 2
    errors = errors_of(tmp_path, "platform/construction_subsidy.yaml", literal)
    assert any("boundary 100 is claimed by two brackets" in e for e in errors), errors
    assert any("boundary 200 is claimed by two brackets" in e for e in errors), errors


def test_the_shipped_t2_and_t5_resolve_each_boundary_to_the_higher_tier(project):
    t2 = project.policy("platform.staffing").parameter("village_staff").values[0].value
    assert [(b.lower, b.lower_inclusive, b.upper, b.upper_inclusive) for b in t2] == [
        (None, False, 3000, False),
        (3000, True, None, False),
    ]
    t5 = (
        project.policy("platform.construction_subsidy").parameter("subsidy_by_area").values[0].value
    )
    assert [(b.lower_inclusive, b.upper_inclusive) for b in t5] == [
        (False, False),
        (True, False),
        (True, False),
    ]
    assert [b.amount for b in t5] == [60000, 80000, 100000]
