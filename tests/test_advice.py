"""Advisory thresholds on a fixture policy (tests/advice/site.yaml): the case is evaluated
and the advice goes beside its result, the same on the one-case path, the batch path, the
service and the desk. By hand: grant = area × 100 yuan/m2; advice when the area is below
200 m2 (不少于 includes 200), the staff below 2 (default 2), or the grant above 30000 (不超过
includes 30000)."""

from __future__ import annotations

import csv
import datetime
import json
import random
import shutil
from decimal import Decimal
from pathlib import Path

import jsonschema
import numpy as np
import openpyxl
import pyarrow as pa
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

import cli
from generator import runtime as rt
from generator.batch.run import advice_column, evaluate_chunk
from generator.checks.project import load_project
from generator.evaluate.modules import generated_module, policy_entry, project_index
from generator.serve.app import create_app

FIXTURE = Path(__file__).resolve().parent / "advice" / "site.yaml"
POLICY = "demo.site"
ON = "2012-07-01"
ZH = {"Accept-Language": "zh-CN"}


def run(root: Path, *args: str, lang: str = "en"):
    result = CliRunner().invoke(cli.main, ["--root", str(root), "--lang", lang, *args])
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("advice")
    (root / "policies" / "demo").mkdir(parents=True)
    shutil.copy(FIXTURE, root / "policies" / "demo" / "site.yaml")
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    return root


def module_of(root: Path):
    return generated_module(root, policy_entry(project_index(root), POLICY))


def eval_json(root: Path, *sets: str, lang: str = "en") -> dict:
    args = [a for s in sets for a in ("--set", s)]
    result = run(root, "eval", POLICY, "--on", ON, "--json", *args, lang=lang)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_case_below_a_threshold_is_evaluated_with_the_advice_beside_it(project):
    answer = eval_json(project, "area=150")
    assert answer["outputs"] == {"grant": "15000.00"}  # 150 × 100
    assert [a["code"] for a in answer["advice"]] == ["area_small"]
    advice = answer["advice"][0]
    assert advice["figure"] == 150 and advice["value"] == 200 and advice["unit"] == "m2"
    assert (advice["comparator"], advice["word"], advice["clause"]) == (
        "at_least",
        "不少于",
        "三(四)",
    )
    assert advice["message"] == (
        "advice [area_small]: area is 150 m²; 三(四) asks for at least 200 m² (不少于): "
        "the site should in principle reach it"
    )


@pytest.mark.parametrize(
    ("sets", "codes"),
    [
        (("area=200",), []),  # 不少于 includes the number itself
        (("area=199.99",), ["area_small"]),
        (("area=300",), []),  # 30000: 不超过 includes it
        (("area=300.01",), ["grant_large"]),  # 30001.00
        (("area=150", "staff=1"), ["area_small", "staff_few"]),  # in the order declared
        (("area=250", "staff=2"), []),
    ],
)
def test_the_boundary_words_decide_the_number_itself(project, sets, codes):
    assert [a["code"] for a in eval_json(project, *sets)["advice"]] == codes


def test_the_advice_is_shown_in_chinese_with_units_as_words(project):
    result = run(project, "eval", POLICY, "--on", ON, "--set", "area=150", lang="zh")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == "场地补助（grant） = 15000.00元"
    assert lines[2] == (
        "提示 [area_small]：场地面积（area）为 150平方米，三(四) 要求不低于 200平方米（不少于）："
        "场地原则上应达到这一面积"
    )


def test_explain_shows_the_advice_after_the_steps(project):
    result = run(project, "eval", POLICY, "--on", ON, "--set", "area=500", "--explain")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("advice [grant_large]: grant is 50000 yuan;")
    answer = eval_json(project, "area=500")
    assert answer["advice"][0]["figure"] == 50000 and answer["advice"][0]["unit"] == "yuan"


def test_the_batch_path_gives_each_row_the_advice_the_one_case_path_gives(project):
    module = module_of(project)
    rng = random.Random(16)
    areas = ["200", "199.99", "300", "300.01", "150.00001", "0"]  # 150.00001: the exact path
    areas += [str(Decimal(rng.randint(0, 60000)) / 100) for _ in range(300)]
    staff = [str(rng.randint(0, 3)) for _ in areas]
    batch = pa.RecordBatch.from_pydict({"area": areas, "staff": staff})
    evaluated, problems, exact = evaluate_chunk(module, batch, None, 1)
    assert problems == [] and exact >= 1 and evaluated.num_rows == len(areas)
    column = evaluated.column("advice").to_pylist()
    for area, people, text in zip(areas, staff, column, strict=True):
        case = {"area": area, "staff": people}
        outputs = module.evaluate(case, rt.evaluation_date(ON))
        codes = [a.code for a in module.advise(case, outputs)]
        assert [
            c for c in ("area_small", "staff_few", "grant_large") if text and f"[{c}]" in text
        ] == codes


def test_a_batch_file_has_an_advice_column_and_the_summary_counts_its_rows(project, tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text("area,staff\n150,2\n200,2\nabc,2\n400,1\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run(
        project,
        "eval",
        POLICY,
        "--cases",
        str(cases),
        "--out",
        str(out),
        "--on",
        ON,
        "--chunk-rows",
        "2",
    )
    assert result.exit_code == 0, result.output
    assert "2 row(s) with advice" in result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '"row","area","staff","grant","advice"'
    assert lines[1].startswith('1,"150","2",15000.00,"[area_small] 三(四) asks for at least 200 m²')
    assert lines[2] == '2,"200","2",20000.00,'
    assert lines[3].startswith(
        '4,"400","1",40000.00,"[staff_few] 三(五) asks for at least 2 persons'
    )
    assert "; [grant_large] 四(一) asks for at most 30000 yuan (不超过)" in lines[3]
    # every row accounted for: the unreadable one is in the errors file
    assert "3,area," in (tmp_path / "out.errors.csv").read_text(encoding="utf-8-sig")


def test_the_service_and_the_desk_show_the_advice(project):
    client = TestClient(create_app(project), raise_server_exceptions=False)
    answer = client.post(
        f"/api/policies/{POLICY}/evaluate", json={"on": ON, "inputs": {"area": 150}}, headers=ZH
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["outputs"] == {"grant": "15000.00"}
    assert [a["code"] for a in body["advice"]] == ["area_small"]
    assert body["advice"][0]["message"].startswith(
        "提示 [area_small]：场地面积（area）为 150平方米"
    )
    batch = client.post(
        f"/api/policies/{POLICY}/batch?on={ON}&out=jsonl", content=b"area\n150\n250\n"
    )
    assert batch.status_code == 200, batch.text
    rows = [json.loads(line) for line in batch.text.splitlines()]
    assert rows[0]["advice"].startswith("[area_small]") and rows[1]["advice"] is None
    page = client.post(f"/policies/{POLICY}/case", data={"on": ON, "area": "150"}, headers=ZH).text
    assert 'data-advice="area_small"' in page and "提示（以上结果照常计算）" in page
    assert 'data-output="grant">15000.00 元' in page


def test_the_desks_policy_page_lists_the_thresholds_before_any_case(project):
    """An officer reading the policy in the browser sees what the source asks "in principle"
    and that a case below it is paid and told, in the page's language."""
    import html

    client = TestClient(create_app(project), raise_server_exceptions=False)
    chinese = html.unescape(client.get(f"/policies/{POLICY}", headers=ZH).text)
    assert "提示性要求（原则上）" in chinese and "不会被拒绝" in chinese
    assert (
        '<li data-advice="area_small"><strong>场地面积</strong>：[area_small] 三(四) '
        "要求不低于 200平方米（不少于）：场地原则上应达到这一面积"
    ) in chinese
    assert "<q>场地原则上不少于200平方米</q>" in chinese
    assert 'data-advice="grant_large"><strong>场地补助</strong>' in chinese  # on an output
    english = html.unescape(client.get(f"/policies/{POLICY}?lang=en").text)
    assert (
        '<li data-advice="area_small"><strong>Site area</strong>: [area_small] 三(四) '
        "asks for at least 200 m² (不少于): the site should in principle reach it"
    ) in english


def test_the_case_schema_annotates_the_threshold_without_refusing(project):
    schema = json.loads(
        (project / "generated" / "schemas" / f"{POLICY}.case.schema.json").read_text("utf-8")
    )
    area = schema["properties"]["area"]
    assert area["minimum"] == 0  # 150 is valid: the threshold is no "minimum"
    assert area["x-ratebook"]["advice"] == [
        {
            "code": "area_small",
            "comparator": "at_least",
            "word": "不少于",
            "value": 200,
            "clause": "三(四)",
            "quote": "场地原则上不少于200平方米",
            "message": {
                "zh": "场地原则上应达到这一面积",
                "en": "the site should in principle reach it",
            },
        }
    ]
    result = json.loads(
        (project / "generated" / "schemas" / f"{POLICY}.result.schema.json").read_text("utf-8")
    )
    assert [a["code"] for a in result["properties"]["grant"]["x-ratebook"]["advice"]] == [
        "grant_large"
    ]


def test_a_workbook_carries_the_thresholds_both_ways(project, tmp_path):
    book = tmp_path / "site.xlsx"
    assert run(project, "export-xlsx", str(FIXTURE), "-o", str(book)).exit_code == 0
    back = tmp_path / "site.yaml"
    assert run(project, "import-xlsx", str(book), "-o", str(back)).exit_code == 0
    root = tmp_path / "project"
    (root / "policies" / "demo").mkdir(parents=True)
    shutil.copy(back, root / "policies" / "demo" / "site.yaml")
    loaded = load_project(root)
    policy = next(p for p in loaded.policies if p.id == POLICY)
    assert [(a.name, a.field_name, a.comparator, a.word, a.value) for a in policy.advice] == [
        ("area_small", "area", "at_least", "不少于", Decimal(200)),
        ("staff_few", "staff", "at_least", "不少于", Decimal(2)),
        ("grant_large", "grant", "at_most", "不超过", Decimal(30000)),
    ]
    assert policy.advice[0].message.zh == "场地原则上应达到这一面积"
    assert policy.advice[2].clause == "四(一)" and policy.advice[2].quote == "补助原则上不超过3万元"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            "comparator: at_least\n    word: 不少于\n    value: 200平方米",
            "comparator: below\n    word: 不少于\n    value: 200平方米",
        ),
        ("field: area", "field: areas"),
        ("name: staff_few", "name: area_small"),
    ],
)
def test_a_threshold_that_contradicts_itself_or_names_nothing_is_an_error(
    tmp_path, change, message
):
    text = FIXTURE.read_text(encoding="utf-8").replace(change, message, 1)
    (tmp_path / "policies" / "demo").mkdir(parents=True)
    (tmp_path / "policies" / "demo" / "site.yaml").write_text(text, encoding="utf-8")
    errors = [str(f) for f in load_project(tmp_path).findings.sorted() if f.severity == "error"]
    assert len(errors) == 1, errors
    expected = {
        "comparator: below": "the source's word '不少于' reads as at_least, not below",
        "field: areas": "the advice is about 'areas', which is not a number input or output",
        "name: area_small": "the advice 'area_small' is declared twice",
    }
    assert next(v for k, v in expected.items() if k in message) in errors[0]
    assert errors[0].startswith("policies/demo/site.yaml:")


def test_an_input_left_to_its_default_is_advised_on_as_it_was_evaluated(tmp_path):
    # staff defaults to 1 here, below the 2 the source asks for: a case that leaves it out
    # gets the advice on the one-case path, the explain path and the batch path alike
    (tmp_path / "policies" / "demo").mkdir(parents=True)
    text = FIXTURE.read_text(encoding="utf-8").replace("default: 2", "default: 1")
    (tmp_path / "policies" / "demo" / "site.yaml").write_text(text, encoding="utf-8")
    assert run(tmp_path, "build").exit_code == 0
    assert [a["code"] for a in eval_json(tmp_path, "area=250")["advice"]] == ["staff_few"]
    explained = run(tmp_path, "eval", POLICY, "--on", ON, "--set", "area=250", "--explain")
    assert "advice [staff_few]: staff is 1 person;" in explained.output
    batch = pa.RecordBatch.from_pydict({"area": ["250", "250.00001"]})
    evaluated, problems, _ = evaluate_chunk(module_of(tmp_path), batch, None, 1)
    assert problems == []
    assert [t.startswith("[staff_few]") for t in evaluated.column("advice").to_pylist()] == [
        True,
        True,
    ]


def test_many_thresholds_on_one_row_are_joined_in_the_order_declared():
    # nine thresholds (more than the patterns kept whole): rows 0 and 2 break some, row 1 none
    rows = [
        (f"t{i}", "area", "at_least", "不少于", Decimal(i), "m2", f"第{i}条", "中", "en")
        for i in range(9)
    ]
    masks = [(row, np.array([i % 2 == 0, False, i == 8])) for i, row in enumerate(rows)]
    column = advice_column(masks, 3).to_pylist()
    assert column[1] is None
    assert [part.split("]")[0] for part in column[0].split("; ")] == [
        "[t0",
        "[t2",
        "[t4",
        "[t6",
        "[t8",
    ]
    assert column[2].startswith("[t8] 第8条 asks for at least 8 m² (不少于): en")


@pytest.mark.parametrize("engine", ["numpy", "python"])
def test_every_batch_engine_finds_the_same_rows(project, engine):
    # the per-row kernel (python: evaluate_rows uncompiled) and the whole-column numpy path
    module = module_of(project)
    areas = np.array([150.0, 200.0, 199.99, 300.0, 300.01, 150.00001])
    staff = np.array([2, 1, 2, 2, 2, 3])
    result = module.evaluate_batch({"area": areas, "staff": staff}, rt.evaluation_date(ON), engine)
    broken = {row[0]: mask.tolist() for row, mask in result.advice}
    assert broken == {
        "area_small": [True, False, True, False, False, True],
        "staff_few": [False, True, False, False, False, False],
        "grant_large": [False, False, False, False, True, False],  # 30001.00 > 30000
    }


def test_the_published_policy_carries_its_thresholds_for_other_systems_and_readers(
    project, tmp_path
):
    """Another system given the JSON can advise as ratebook does; the rule book says, in both
    languages, that a case below a threshold is paid and told, with units as words."""
    out = tmp_path / "published"
    result = run(project, "publish", "--out", str(out), "--format", "json,md,csv,xlsx")
    assert result.exit_code == 0, result.output
    document = json.loads((out / "json" / f"{POLICY}.json").read_text(encoding="utf-8"))
    schema = json.loads(
        (out / "schemas" / "published-policy.schema.json").read_text(encoding="utf-8")
    )
    jsonschema.Draft202012Validator(schema).validate(document)
    assert [
        (a["code"], a["field"], a["comparator"], a["value"], a["unit"]) for a in document["advice"]
    ] == [
        ("area_small", "area", "at_least", "200", "m2"),
        ("staff_few", "staff", "at_least", "2", "person"),
        ("grant_large", "grant", "at_most", "30000", "yuan"),
    ]
    assert document["advice"][0]["quote"] == "场地原则上不少于200平方米"
    assert document["advice"][2]["message"] == {
        "zh": "补助较高，请复核",
        "en": "a high grant; please review it",
    }
    zh = (out / "md" / "zh" / f"{POLICY}.md").read_text(encoding="utf-8")
    assert "## 提示性要求（原则上）" in zh
    assert "[area_small] 三(四) 要求不低于 200平方米（不少于）：场地原则上应达到这一面积" in zh
    assert "[grant_large] 四(一) 要求不超过 30000元（不超过）" in zh
    en = (out / "md" / "en" / f"{POLICY}.md").read_text(encoding="utf-8")
    assert "- area: [area_small] 三(四) asks for at least 200 m² (不少于)" in en
    # as flat rows, for a spreadsheet or a database: one CSV for every policy, and a sheet
    with open(out / "csv" / "advice.csv", encoding="utf-8-sig", newline="") as handle:
        flat = list(csv.DictReader(handle))
    assert [
        (r["policy"], r["code"], r["field"], r["comparator"], r["word"], r["value"], r["unit"])
        for r in flat
    ] == [
        (POLICY, "area_small", "area", "at_least", "不少于", "200", "m2"),
        (POLICY, "staff_few", "staff", "at_least", "不少于", "2", "person"),
        (POLICY, "grant_large", "grant", "at_most", "不超过", "30000", "yuan"),
    ]
    assert (flat[0]["clause"], flat[0]["quote"], flat[0]["message_en"]) == (
        "三(四)",
        "场地原则上不少于200平方米",
        "the site should in principle reach it",
    )
    book = openpyxl.load_workbook(out / "xlsx" / f"{POLICY}.xlsx")
    sheet = list(book["提示 advice"].iter_rows(values_only=True))
    assert sheet[0][:3] == ("policy", "code", "field") and len(sheet) == 4
    assert sheet[1][:7] == (POLICY, "area_small", "area", "at_least", "不少于", 200, "m2")


ADVICE_CASES = [
    {"area": 200, "staff": 2},  # 不少于 includes the number itself
    {"area": 199.99, "staff": 2},
    {"area": 300, "staff": 2},  # 30000: 不超过 includes it
    {"area": 300.01, "staff": 2},  # 30001.00
    {"area": 150, "staff": 1},
    {"area": 250, "staff": 3},
]


@pytest.fixture(scope="module")
def dmn_engine(project, tmp_path_factory):
    """The published .dmn of the fixture loaded by pyDMNrules, a DMN engine we did not write."""
    import pyDMNrules

    out = tmp_path_factory.mktemp("published")
    result = run(project, "publish", "--out", str(out), "--format", "dmn")
    assert result.exit_code == 0, result.output
    engine = pyDMNrules.DMN()
    status = engine.useXML((out / "dmn" / f"{POLICY}.dmn").read_text(encoding="utf-8"))
    assert not status.get("errors"), status["errors"][:3]
    return engine


@pytest.mark.parametrize("case", ADVICE_CASES, ids=lambda c: f"area={c['area']},staff={c['staff']}")
def test_an_independent_dmn_engine_gives_the_advice_ratebook_gives(project, dmn_engine, case):
    """The published DMN states each threshold as a boolean decision `advice_<code>`, on an
    input (area, staff) or an output (grant); the engine evaluates it from the .dmn file
    and must advise exactly where ratebook does."""
    from generator.publish.dmn.decisions import date_input_name

    policy = load_project(project).policy(POLICY)
    on = datetime.date.fromisoformat(ON)
    status, results = dmn_engine.decide({**case, date_input_name(policy): on})
    assert not status.get("errors"), status["errors"][:3]
    decided = (results[-1] if isinstance(results, list) else results)["Result"]
    codes = ("area_small", "staff_few", "grant_large")
    advised = {code for code in codes if decided[f"advice_{code}"]}
    sets = [f"{name}={value}" for name, value in case.items()]
    assert advised == {a["code"] for a in eval_json(project, *sets)["advice"]}
