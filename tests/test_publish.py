"""`ratebook publish`: deterministic, validated, complete, and current after a change."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import cli

from .conftest import REPO, ROOT


def publish(out: Path, *args, root: Path = ROOT):
    return CliRunner().invoke(cli.main, ["--root", str(root), "publish", "--out", str(out), *args])


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("full")
    result = publish(out)
    assert result.exit_code == 0, result.output
    return out


def test_publish_writes_every_format_for_every_policy_with_a_manifest(full, project):
    files = tree(full)
    for policy in project.policies:
        for path in (
            f"json/{policy.id}.json",
            f"xlsx/{policy.id}.xlsx",
            f"dmn/{policy.id}.dmn",
            f"md/zh/{policy.id}.md",
            f"md/en/{policy.id}.md",
        ):
            assert path in files
        for parameter in policy.parameters:
            assert (f"csv/{policy.id}/{parameter.name}.csv" in files) == bool(parameter.values)
    assert {
        "manifest.json",
        "md/zh/index.md",
        "md/en/index.md",
        "schemas/published-policy.schema.json",
    } <= set(files)
    # the flat file of advisory thresholds is written only when a policy has one
    assert ("csv/advice.csv" in files) == any(p.advice for p in project.policies)


def test_publishing_an_unchanged_tree_twice_gives_byte_identical_files(full, tmp_path):
    again = publish(tmp_path / "again")
    assert again.exit_code == 0, again.output
    assert tree(tmp_path / "again") == tree(full)
    into_the_same = publish(tmp_path / "again")
    assert "0 changed, 0 new, 0 removed" in into_the_same.output


def test_a_publisher_in_a_chinese_locale_publishes_the_same_bytes(full, tmp_path):
    out = tmp_path / "zh"
    chinese = {"RATEBOOK_LANG": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "zh_CN.UTF-8"}
    result = CliRunner().invoke(
        cli.main, ["--root", str(ROOT), "publish", "--out", str(out)], env=chinese
    )
    assert result.exit_code == 0, result.output
    assert "发布到" in result.output  # the summary speaks Chinese; the files do not change
    assert tree(out) == tree(full)


def test_no_published_file_carries_the_date_it_was_made(full):
    today = dt.date.today()
    stamps = {today.isoformat(), today.strftime("%Y%m%d")}
    for path, data in tree(full).items():
        if path.endswith(".xlsx"):
            import io
            import zipfile

            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                data = b"".join(archive.read(n) for n in archive.namelist())
                assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert not any(s.encode() in data for s in stamps), path


def test_the_published_schema_is_the_one_in_the_schemas_folder_and_a_valid_draft_2020_12_schema(
    full,
):
    published = (full / "schemas/published-policy.schema.json").read_bytes()
    assert published == (REPO / "schemas/published-policy.schema.json").read_bytes()
    jsonschema.Draft202012Validator.check_schema(json.loads(published))


@pytest.mark.parametrize("on", [None, "2012-02-29", "2012-09-01"])
def test_every_published_json_document_is_valid_against_the_published_schema(tmp_path, on):
    result = publish(tmp_path, *(["--on", on] if on else []), "--format", "json")
    assert result.exit_code == 0, result.output
    schema = json.loads(
        (tmp_path / "schemas/published-policy.schema.json").read_text(encoding="utf-8")
    )
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    documents = sorted((tmp_path / "json").glob("*.json"))
    assert documents
    for path in documents:
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(json.loads(path.read_text()))
        ]
        assert not errors, f"{path.name}: {errors[:5]}"


def test_the_schema_rejects_a_document_with_a_value_that_is_not_an_exact_decimal(full):
    schema = json.loads((full / "schemas/published-policy.schema.json").read_text(encoding="utf-8"))
    document = json.loads((full / "json/pension.death_benefits.json").read_text(encoding="utf-8"))
    document["parameters"]["funeral_grant_by_cause"]["values"][0]["rows"][0]["value"] = 5200.0
    assert not jsonschema.Draft202012Validator(schema).is_valid(document)


def test_a_consumer_reads_the_value_in_force_on_a_date_from_the_json(full):
    document = json.loads((full / "json/pension.death_benefits.json").read_text(encoding="utf-8"))

    def in_force(parameter: str, day: str) -> dict:
        return next(
            v
            for v in document["parameters"][parameter]["values"]
            if v["from"] <= day and (v["to"] is None or day <= v["to"])
        )

    assert in_force("survivor_lump_sum_by_cause", "2012-02-29")["rows"] == [
        {"key": "illness", "value": "5200"},
        {"key": "non_work_injury", "value": "5200"},
    ]
    assert in_force("survivor_lump_sum_by_cause", "2012-03-01")["rows"][0] == {
        "key": "illness",
        "value": "15000",
    }
    assert document["versions"] == [
        {"from": "2011-01-01", "to": "2012-02-29"},
        {"from": "2012-03-01", "to": None},
    ]


def test_the_manifest_gives_the_sha256_of_every_other_file(full):
    manifest = json.loads((full / "manifest.json").read_text(encoding="utf-8"))
    files = tree(full)
    del files["manifest.json"]
    assert manifest["files"] == {
        path: hashlib.sha256(data).hexdigest() for path, data in files.items()
    }


def test_the_manifest_names_each_policys_source_hash_value_ranges_files_and_dmn_gaps(full, project):
    manifest = json.loads((full / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "ratebook-publication" and manifest["on"] is None
    assert sorted(manifest["policies"]) == sorted(p.id for p in project.policies)
    for policy in project.policies:
        entry = manifest["policies"][policy.id]
        assert entry["source"] == {"file": policy.file, "sha256": policy.sha256}
        assert all(path in manifest["files"] for path in entry["files"])
        assert f"dmn/{policy.id}.dmn" in entry["files"]
    death = manifest["policies"]["pension.death_benefits"]
    assert {
        "parameter": "funeral_grant_by_cause",
        "kind": "table",
        "from": "2011-01-01",
        "to": "2012-02-29",
    } in death["values"]
    assert {
        "parameter": "funeral_grant_by_cause",
        "kind": "table",
        "from": "2012-03-01",
        "to": None,
    } in death["values"]
    gaps = {
        g["what"]: g["reason"]
        for g in manifest["policies"]["unemployment.benefit"]["dmn_not_expressed"]
    }
    assert "check_1" in gaps["check min_wage >= floor_factor * min_living_standard"]
    retiree = {
        g["what"]
        for g in manifest["policies"]["pension.retiree_adjustment_2012"]["dmn_not_expressed"]
    }
    assert {"parameter age_70_extra", "parameter senior_title_extra"} <= retiree
    inpatient = {
        g["what"] for g in manifest["policies"]["medical.resident_inpatient"]["dmn_not_expressed"]
    }
    assert "input fund_paid_this_year default" in inpatient


def test_on_publishes_only_the_values_in_force_that_day_and_names_the_policies_not_yet_in_force(
    tmp_path,
):
    result = publish(tmp_path, "--on", "2012-02-29")
    assert result.exit_code == 0, result.output
    assert "platform.staffing is not in force on 2012-02-29" in result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["on"] == "2012-02-29"
    assert {"policy": "platform.staffing", "in_force_from": "2012-08-14"} in manifest[
        "not_in_force"
    ]
    assert "platform.staffing" not in manifest["policies"]
    document = json.loads(
        (tmp_path / "json/pension.death_benefits.json").read_text(encoding="utf-8")
    )
    values = document["parameters"]["survivor_lump_sum_by_cause"]["values"]
    assert [(v["from"], v["to"]) for v in values] == [("2011-01-01", "2012-02-29")]
    assert document["in_force"] == {"from": "2011-01-01", "to": "2012-02-29"}
    assert {c["on"] for c in document["cases"]} <= {"2011-01-01", "2012-02-29"}
    csv_text = (tmp_path / "csv/pension.death_benefits/survivor_lump_sum_by_cause.csv").read_text(
        encoding="utf-8"
    )
    assert "15000" not in csv_text and "5200" in csv_text
    assert "<text>15000</text>" not in (tmp_path / "dmn/pension.death_benefits.dmn").read_text(
        encoding="utf-8"
    )


def test_naming_policies_publishes_only_those(tmp_path):
    result = publish(tmp_path, "--format", "json,md", "pension.death_benefits", "platform.staffing")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "json").iterdir()) == [
        "pension.death_benefits.json",
        "platform.staffing.json",
    ]
    assert not (tmp_path / "dmn").exists()
    assert (
        "dmn_not_expressed"
        not in json.loads((tmp_path / "manifest.json").read_text())["policies"]["platform.staffing"]
    )


@pytest.mark.parametrize(
    "args, code, fragment",
    [
        (["--format", "json,pdf"], 2, "unknown format 'pdf'; formats: json, csv, xlsx, dmn, md"),
        (["--on", "2012-13-01"], 2, "--on '2012-13-01' is not a date"),
        (
            ["medical.nothing"],
            1,
            "unknown policy 'medical.nothing'; policies: medical.resident_inpatient",
        ),
        (["--on", "2010-01-01"], 1, "no policy is in force on 2010-01-01"),
    ],
)
def test_a_request_publish_cannot_carry_out_is_refused_with_a_message_and_nothing_written(
    tmp_path, args, code, fragment
):
    result = publish(tmp_path / "out", *args)
    assert result.exit_code == code
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_publish_refuses_a_folder_holding_other_files_and_deletes_nothing(tmp_path):
    (tmp_path / "notes.md").write_text("mine")
    result = publish(tmp_path)
    assert result.exit_code == 1
    assert "is not empty and holds no earlier ratebook publication" in result.output
    assert tree(tmp_path) == {"notes.md": b"mine"}


@pytest.fixture
def copy_of_policies(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "policies", root / "policies")
    return root


def test_an_invalid_policy_publishes_nothing(copy_of_policies, tmp_path):
    path = copy_of_policies / "policies/pension/death_benefits.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("illness: 6000", "illness: 6OOO"), encoding="utf-8"
    )
    result = publish(tmp_path / "out", root=copy_of_policies)
    assert result.exit_code == 1
    assert "policies/pension/death_benefits.yaml:" in result.output
    assert not (tmp_path / "out").exists()


def test_a_changed_rate_shows_up_in_every_format_after_a_rebuild(copy_of_policies, tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    assert publish(before, root=copy_of_policies).exit_code == 0
    path = copy_of_policies / "policies/pension/death_benefits.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("15000") >= 3
    path.write_text(
        text.replace("15000", "16500"), encoding="utf-8"
    )  # the rate, its quote and the cases
    result = publish(after, root=copy_of_policies)
    assert result.exit_code == 0, result.output

    changed = {p for p, data in tree(after).items() if tree(before).get(p) != data}
    policy_files = {
        "json/pension.death_benefits.json",
        "csv/pension.death_benefits/survivor_lump_sum_by_cause.csv",
        "xlsx/pension.death_benefits.xlsx",
        "dmn/pension.death_benefits.dmn",
        "md/zh/pension.death_benefits.md",
        "md/en/pension.death_benefits.md",
    }
    assert changed == policy_files | {"manifest.json"}

    document = json.loads((after / "json/pension.death_benefits.json").read_text(encoding="utf-8"))
    assert (
        document["parameters"]["survivor_lump_sum_by_cause"]["values"][1]["rows"][0]["value"]
        == "16500"
    )
    assert (
        "pension.death_benefits,survivor_lump_sum_by_cause,2012-03-01,,cause,illness,16500,yuan"
        in (after / "csv/pension.death_benefits/survivor_lump_sum_by_cause.csv").read_text(
            encoding="utf-8"
        )
    )
    from openpyxl import load_workbook

    sheet = load_workbook(after / "xlsx/pension.death_benefits.xlsx", read_only=True)[
        "survivor_lump_sum_by_cause"
    ]
    assert [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        5200,
        5200,
        16500,
        16500,
    ]
    assert "<text>16500</text>" in (after / "dmn/pension.death_benefits.dmn").read_text(
        encoding="utf-8"
    )
    assert "| illness | 16500 |" in (after / "md/en/pension.death_benefits.md").read_text(
        encoding="utf-8"
    )
    manifest = json.loads((after / "manifest.json").read_text(encoding="utf-8"))
    assert (
        manifest["policies"]["pension.death_benefits"]["source"]["sha256"]
        == hashlib.sha256(path.read_bytes()).hexdigest()
    )
    for path in policy_files - {"xlsx/pension.death_benefits.xlsx"}:
        assert "15000" in (before / path).read_text(encoding="utf-8")
        assert "15000" not in (after / path).read_text(encoding="utf-8"), path


def test_publishing_less_into_an_earlier_publication_removes_what_is_no_longer_published(tmp_path):
    assert publish(tmp_path).exit_code == 0
    result = publish(tmp_path, "--format", "json", "pension.death_benefits")
    assert result.exit_code == 0, result.output
    assert "published 1 policy (json)" in result.output
    assert sorted(tree(tmp_path)) == [
        "json/pension.death_benefits.json",
        "manifest.json",
        "schemas/published-policy.schema.json",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["json", "manifest.json", "schemas"]
