"""What `ratebook publish` writes of the higher layer, on a project of the tests' own
(tests/layered_project.py: a made-up plan with a floor of 800 yuan/month on the fixture
allowance's `line` for 2020, a 30 % floor binding nothing from 2021, a target of 1000 people by
2020-12-31 and one of about 95 % ± 1 % by 2021-12-31). The readers other systems run read the
files in tests/test_published_readers.py and tests/test_schemas_strict.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli

from .layered_project import SUBJECT_TO, layered_project


def publish(root: Path, *args: str) -> Path:
    out = root / "published"
    result = CliRunner().invoke(
        cli.main, ["--root", str(root), "publish", "--out", str(out), *args]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return layered_project(tmp_path)


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_constraints_document_is_published_as_data_with_its_bindings(project):
    out = publish(project, "--format", "json")
    plan = read(out / "json" / "constraints" / "prov.plan.json")
    assert plan["format"] == "ratebook-published-constraints" and plan["on"] is None
    assert plan["$schema"] == "../../schemas/published-constraints.schema.json"
    assert (out / "schemas" / "published-constraints.schema.json").is_file()
    floor = plan["constraints"]["line_floor"]
    assert floor["id"] == "prov.plan.line_floor" and floor["rule"] == "T1"
    assert (floor["comparator"], floor["word"], floor["value"], floor["unit"]) == (
        "at_least",
        "不低于",
        "800",
        "yuan/month",
    )
    assert (floor["from"], floor["to"], floor["measure"]) == (
        "2020-01-01",
        "2020-12-31",
        "each_case",
    )
    assert floor["shown"] == {
        "zh": "不低于 800元/月（不低于）",
        "en": "at least 800 yuan/month (不低于)",
    }
    assert floor["binds"] == [
        {
            "policy": "demo.allowance",
            "parameter": "line",
            "output": None,
            "relative_to": None,
            "note": None,
            "subject_to": True,
            "assumption": "the test source names no province",
        }
    ]
    share = plan["constraints"]["share_floor"]
    assert (share["value"], share["unit"], share["to"], share["binds"]) == ("0.3", "1", None, [])
    coverage = plan["targets"]["coverage"]
    assert (coverage["comparator"], coverage["value"], coverage["tolerance"]) == (
        "about",
        "0.95",
        "0.01",
    )
    assert coverage["deadline"] == "2021-12-31" and plan["targets"]["helped"]["value"] == "1000"


def test_each_policy_names_the_rules_it_is_subject_to_in_its_json(project):
    out = publish(project, "--format", "json")
    policy = read(out / "json" / "demo.allowance.json")
    assert policy["subject_to"] == [
        {
            "rule": "prov.plan.line_floor",
            "assumption": "the test source names no province",
            "document": "constraints/prov.plan.json",
        }
    ]
    # the path is relative to the policy's document, and names a published file
    assert (out / "json" / policy["subject_to"][0]["document"]).is_file()


def test_the_rule_book_links_the_layers_both_ways_in_both_languages(project):
    out = publish(project, "--format", "md")
    zh_index = (out / "md" / "zh" / "index.md").read_text(encoding="utf-8")
    assert "## 上级规定与目标" in zh_index
    assert "| [prov.plan](constraints/prov.plan.md) | 测试省计划 |" in zh_index
    assert "| 2 | 2 | 测发〔2020〕1号, 二、三 |" in zh_index  # 2 constraints, 2 targets
    page = (out / "md" / "zh" / "demo.allowance.md").read_text(encoding="utf-8")
    assert "## 须遵守的上级规定" in page
    assert (
        "| [生活补贴线下限（`prov.plan.line_floor`）](constraints/prov.plan.md#line_floor) "
        "| 不低于 800元/月（不低于） | 自 2020-01-01 起至 2020-12-31 "
        "| 测发〔2020〕1号 二(一), T1 | the test source names no province |"
    ) in page
    layer = (out / "md" / "zh" / "constraints" / "prov.plan.md").read_text(encoding="utf-8")
    assert '<a id="line_floor"></a>' in layer
    assert (
        "  - [demo.allowance](../demo.allowance.md) 的参数 `line`；该政策已在 subject_to 中列明；"
        "推定：the test source names no province"
    ) in layer
    assert "| 覆盖率 | `coverage` | 95% 左右（左右）；允许偏差 1% | 2021-12-31 |" in layer
    english = (out / "md" / "en" / "constraints" / "prov.plan.md").read_text(encoding="utf-8")
    assert "- Bound: at least 800 yuan/month (不低于)" in english
    assert (
        "  - parameter `line` of [demo.allowance](../demo.allowance.md); the policy lists it"
        in english
    )
    assert "[中文](../../zh/constraints/prov.plan.md)" in english
    assert "(constraints/prov.plan.md#line_floor)" in (
        out / "md" / "en" / "demo.allowance.md"
    ).read_text(encoding="utf-8")


def test_on_a_date_only_the_rules_in_force_and_the_targets_due_are_published(project):
    # 2021-06-01: the 2020 floor has ended, the 30 % floor holds from 2021; the 2020 target's
    # deadline has passed, the 2021 one is due
    out = publish(project, "--on", "2021-06-01", "--format", "json,csv,md")
    plan = read(out / "json" / "constraints" / "prov.plan.json")
    assert plan["on"] == "2021-06-01"
    assert list(plan["constraints"]) == ["share_floor"]
    assert list(plan["targets"]) == ["coverage"]
    assert read(out / "json" / "demo.allowance.json")["subject_to"] == []
    assert "须遵守的上级规定" not in (out / "md" / "zh" / "demo.allowance.md").read_text(
        encoding="utf-8"
    )
    rows = (out / "csv" / "constraints" / "constraints.csv").read_text(encoding="utf-8-sig")
    assert [line.split(",")[1] for line in rows.splitlines()[1:]] == ["share_floor"]
    # 2020-02-01: the floor is in force; the plan is dated 2020-03-01, so no target is due yet
    out = publish(project, "--on", "2020-02-01", "--format", "json")
    plan = read(out / "json" / "constraints" / "prov.plan.json")
    assert list(plan["constraints"]) == ["line_floor"] and plan["targets"] == {}
    assert (
        read(out / "json" / "demo.allowance.json")["subject_to"][0]["rule"]
        == "prov.plan.line_floor"
    )


def test_the_manifest_lists_the_documents_and_the_checksums_of_their_files(project):
    import hashlib

    out = publish(project)
    manifest = read(out / "manifest.json")
    entry = manifest["constraints"]["prov.plan"]
    assert entry["source"]["file"] == "constraints/prov/plan.yaml"
    assert entry["constraints"] == [
        {"id": "prov.plan.line_floor", "from": "2020-01-01", "to": "2020-12-31"},
        {"id": "prov.plan.share_floor", "from": "2021-01-01", "to": None},
    ]
    assert entry["files"] == [
        "json/constraints/prov.plan.json",
        "md/en/constraints/prov.plan.md",
        "md/zh/constraints/prov.plan.md",
    ]
    for path in (
        "json/constraints/prov.plan.json",
        "csv/constraints/constraints.csv",
        "csv/constraints/targets.csv",
        "xlsx/constraints.xlsx",
        "schemas/published-constraints.schema.json",
    ):
        assert manifest["files"][path] == hashlib.sha256((out / path).read_bytes()).hexdigest()


def test_the_same_sources_publish_the_same_bytes(project, tmp_path_factory):
    first = publish(project)
    again = tmp_path_factory.mktemp("again")
    second = publish(layered_project(again))
    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)


def test_naming_policies_publishes_the_documents_of_the_rules_they_keep(project):
    policy = project / "policies" / "demo" / "allowance.yaml"
    other = policy.read_text(encoding="utf-8").replace("id: demo.allowance", "id: demo.other")
    other = other.replace(SUBJECT_TO, "")
    (project / "policies" / "demo" / "other.yaml").write_text(other, encoding="utf-8")
    out = publish(project, "--format", "json", "demo.allowance")
    assert sorted(p.name for p in (out / "json" / "constraints").iterdir()) == ["prov.plan.json"]
    out = publish(project, "--format", "json", "demo.other")  # keeps no rule
    assert not (out / "json" / "constraints").exists()
    assert sorted(p.name for p in (out / "json").iterdir()) == ["demo.other.json"]
