"""An enum value's labels (`employee` → 职工 / Employee) are read wherever a case gives a value.

The policy is the tests' own `ALLOWANCE` (tests/made_policies.py): a subsidy per square
metre, by scheme, 40 yuan for the employee scheme and 60 for the resident scheme. A case giving 职工, Employee or employee is the
same case, in `--set`, through the interpreter (`--explain`), and in the batch path for every
column form (Python text, NumPy text, Arrow text, Arrow dictionary); `eval --json` echoes the id.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import cli
from generator.checks.project import load_project
from generator.convert.to_workbook import emit_workbook
from generator.core.workbook_layout import INPUTS
from generator.evaluate.modules import load_policy_module
from generator.model.build import build_policy
from generator.sources.excel.reader import read_excel_bytes
from generator.sources.yaml_reader import read_yaml_text

from .conftest import ROOT
from .made_policies import ALLOWANCE as POLICY
from .made_policies import built_with_the_cli

ON = dt.date(2012, 7, 1)


def policy_of(text: str):
    doc, findings = read_yaml_text(text, "allowance.yaml")
    assert findings == []
    return build_policy(doc).policy


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return built_with_the_cli(tmp_path_factory.mktemp("labels"), "test.allowance", POLICY)


def run(root: Path, *args: str):
    return CliRunner().invoke(cli.main, ["--root", str(root), *args])


def test_a_value_has_its_label_in_each_language_and_its_id_when_it_has_none():
    scheme = policy_of(POLICY).input("scheme")
    assert scheme.value_label("employee", "zh") == "职工"
    assert scheme.value_label("resident", "en") == "Resident"
    assert scheme.value_label("farmer", "zh") == "farmer"
    # kept in the order of the values, whatever order the file writes them in
    assert [value for value, _ in scheme.value_labels] == ["employee", "resident"]
    assert scheme.label_values == {
        "职工": "employee",
        "Employee": "employee",
        "居民": "resident",
        "Resident": "resident",
    }


def test_a_label_alone_is_the_chinese_label():
    text = POLICY.replace(
        "      resident: {zh: 居民, en: Resident}\n      employee: {zh: 职工, en: Employee}\n",
        "      employee: 职工\n      resident: 居民\n",
    )
    assert policy_of(text).input("scheme").value_label("resident", "zh") == "居民"


@pytest.mark.parametrize("given", ["employee", "职工", "Employee", " 职工 "])
def test_set_takes_the_id_or_either_label_and_echoes_the_id(project, given):
    for extra in ([], ["--explain"]):  # the generated module, then the interpreter
        result = run(
            project, "eval", "test.allowance", "--set", f"scheme={given}", "--set", "area=10",
            "--on", "2012-07-01", "--json", *extra,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        shown = json.loads(result.output)
        assert shown["outputs"] == {"subsidy": "400.00"}  # 10 m2 × 40 yuan
        assert shown["inputs"]["scheme"] == "employee"


def test_a_word_that_is_neither_id_nor_label_is_refused_listing_both(project):
    result = run(
        project, "eval", "test.allowance", "--set", "scheme=职", "--set", "area=10",
        "--on", "2012-07-01",
    )  # fmt: skip
    assert result.exit_code != 0
    assert (
        "'职' is not one of: employee (职工, Employee), resident (居民, Resident)" in result.output
    )


def columns_of_every_kind():
    words = ["职工", "resident", "Resident", "居民", "employee", "农民"]
    yield np.array(words, dtype=object)
    yield np.array(words)  # NumPy's own text type
    pa = pytest.importorskip("pyarrow")
    yield pa.array(words)
    yield pa.DictionaryArray.from_arrays(
        pa.array([0, 1, 2, 3, 4, 5], type=pa.int8()), pa.array(words)
    )


def test_the_batch_path_reads_labels_in_every_column_form(project):
    module = load_policy_module(project / "generated", "test.allowance")
    for column in columns_of_every_kind():
        result = module.evaluate_batch({"scheme": column, "area": np.array([10.0] * 6)}, ON)
        assert result.text("subsidy") == ["400.00", "600.00", "600.00", "600.00", "400.00", None]
        assert [(r, f) for r, f, _ in result.errors] == [(5, "scheme")]


def test_a_workbook_carries_the_labels_in_two_columns_in_the_order_of_the_values():
    policy = policy_of(POLICY)
    data = emit_workbook(policy)
    sheet = load_workbook(__import__("io").BytesIO(data))[INPUTS.title]
    headers = [cell.value for cell in sheet[1]]
    row = [cell.value for cell in sheet[2]]
    assert row[headers.index(INPUTS.column("value_labels_zh").header)] == "职工, 居民"
    assert row[headers.index(INPUTS.column("value_labels_en").header)] == "Employee, Resident"
    doc, findings = read_excel_bytes(data, "allowance.xlsx")
    assert findings == []
    assert build_policy(doc).policy == policy


def test_a_workbook_listing_fewer_labels_than_values_is_refused_at_the_cell():
    import io

    book = load_workbook(io.BytesIO(emit_workbook(policy_of(POLICY))))
    sheet = book[INPUTS.title]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index(INPUTS.column("value_labels_zh").header) + 1
    sheet.cell(2, column, "职工")
    out = io.BytesIO()
    book.save(out)
    _, findings = read_excel_bytes(out.getvalue(), "allowance.xlsx")
    assert [(f.code, f.location.cell) for f in findings] == [
        ("value-labels-count", sheet.cell(2, column).coordinate)
    ]
    assert "1 labels for 2 values" in findings[0].message


def test_the_shipped_enums_carry_the_sources_words():
    project = load_project(ROOT)
    words = {
        (p.id, f.name, str(value)): label.zh
        for p in project.policies
        for f in p.inputs
        for value, label in f.value_labels
    }
    assert words[("medical.secondary_compensation", "scheme", "employee")] == "职工"
    assert words[("medical.secondary_compensation", "scheme", "resident")] == "居民"
    assert words[("medical.resident_inpatient", "hospital_level", "1")] == "一级医院"
