"""What each published format says: flat tables, the rule book and the DMN decision tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

from openpyxl import load_workbook

from generator.publish.dmn.decisions import build_dmn, emit_dmn
from generator.publish.dmn.xml import DMN_NS
from generator.publish.manifest import gap_record
from generator.publish.markdown import emit_markdown
from generator.publish.tables import emit_csv, emit_xlsx

NS = {"dmn": DMN_NS}


def csv_rows(text: str) -> list[dict]:
    """A published CSV's rows; the text starts with the byte-order mark Excel needs."""
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_a_scale_is_one_flat_csv_row_per_bracket_with_its_bounds_and_dates(project):
    files = emit_csv(project.policy("platform.construction_subsidy"))
    rows = csv_rows(files["csv/platform.construction_subsidy/subsidy_by_area.csv"])
    assert [
        (
            r["condition"],
            r["lower"],
            r["lower_inclusive"],
            r["upper"],
            r["upper_inclusive"],
            r["amount"],
        )
        for r in rows
    ] == [
        ("< 100", "", "false", "100", "false", "60000"),
        ("≥ 100 and < 200", "100", "true", "200", "false", "80000"),
        ("≥ 200", "200", "true", "", "false", "100000"),
    ]
    assert {(r["policy"], r["parameter"], r["from"], r["to"]) for r in rows} == {
        ("platform.construction_subsidy", "subsidy_by_area", "2012-08-14", "")
    }


def test_an_amount_has_a_row_per_dated_value_ending_the_day_before_the_next_starts(project):
    rows = csv_rows(
        emit_csv(project.policy("pension.resident_basic"))[
            "csv/pension.resident_basic/basic_pension.csv"
        ]
    )
    assert [(r["from"], r["to"], r["value"], r["unit"]) for r in rows] == [
        ("2011-01-01", "2011-12-31", "60", "yuan/month"),
        ("2012-01-01", "", "70", "yuan/month"),
    ]


def test_the_workbook_has_a_policy_sheet_and_a_sheet_per_parameter_with_typed_cells(project):
    policy = project.policy("medical.resident_inpatient")
    data = emit_xlsx(policy)["xlsx/medical.resident_inpatient.xlsx"]
    assert data == emit_xlsx(policy)["xlsx/medical.resident_inpatient.xlsx"]
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["policy", "ratio_by_level", "fund_cap"]
    about = {row[0]: row[1] for row in workbook["policy"].iter_rows(values_only=True)}
    assert about["source sha256"] == policy.sha256
    rows = list(workbook["fund_cap"].iter_rows(values_only=True))
    assert rows[0] == ("policy", "parameter", "kind", "from", "to", "value", "unit")
    assert rows[1][3:6] == (dt.datetime(2011, 1, 1), dt.datetime(2011, 12, 31), 50000)
    assert rows[2][3:6] == (dt.datetime(2012, 1, 1), None, 200000)


def test_the_rule_book_has_both_titles_citations_and_explicit_boundaries(project):
    policies = [
        project.policy("platform.construction_subsidy"),
        project.policy("medical.secondary_compensation"),
    ]
    pages = emit_markdown(policies)
    page = pages["md/en/platform.construction_subsidy.md"]
    assert "# 镇（街道）人力社保平台一次性建设补助" in page
    assert (
        "## One-time construction subsidy for township labour and social security platforms" in page
    )
    assert "Source: 四(一) — “服务场地在200平方米以上的补助10万元" in page
    assert "| 2 | ≥ 100 and < 200 | 80000 yuan |" in page
    assert "## Notes" in page and "Worked examples" in page
    marginal = pages["md/en/medical.secondary_compensation.md"]
    assert "| – | ≤ 20000 | nothing |" in marginal
    assert "| 1 | > 20000 and ≤ 30000 | 30% of the part in this bracket |" in marginal
    index = pages["md/en/index.md"]
    assert "[platform.construction_subsidy](platform.construction_subsidy.md)" in index
    assert "重大疾病医疗费用二次补偿" in index and "from 2011-01-01" in index


def test_a_markdown_cell_cannot_break_its_table(project):
    from dataclasses import replace

    policy = project.policy("pension.death_benefits")
    odd = replace(policy, title=replace(policy.title, en="a | b\nc"))
    assert "| a \\| b c |" in emit_markdown([odd])["md/en/index.md"]


def parse(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def decision(root: ET.Element, name: str) -> ET.Element:
    return root.find(f"dmn:decision[@name='{name}']", NS)


def rules(element: ET.Element) -> list[tuple[list[str], str]]:
    return [
        (
            [e.findtext("dmn:text", namespaces=NS) for e in r.findall("dmn:inputEntry", NS)],
            r.findtext("dmn:outputEntry/dmn:text", namespaces=NS),
        )
        for r in element.iter(f"{{{DMN_NS}}}rule")
    ]


def test_a_whole_amount_scale_is_a_unique_decision_table_with_unary_range_tests(project):
    root = parse(
        emit_dmn(project.policy("platform.construction_subsidy"))[
            "dmn/platform.construction_subsidy.dmn"
        ]
    )
    assert root.tag == f"{{{DMN_NS}}}definitions"
    table = decision(root, "subsidy_by_area").find("dmn:decisionTable", NS)
    assert table.get("hitPolicy") == "UNIQUE"
    assert [
        i.findtext("dmn:inputExpression/dmn:text", namespaces=NS)
        for i in table.findall("dmn:input", NS)
    ] == ["evaluation_date", "service_area_m2"]
    assert rules(table) == [
        (['>= date("2012-08-14")', "< 100"], "60000"),
        (['>= date("2012-08-14")', "[100..200)"], "80000"),
        (['>= date("2012-08-14")', ">= 200"], "100000"),
    ]


def test_dated_values_are_rules_on_the_evaluation_date_with_both_days_included(project):
    root = parse(
        emit_dmn(project.policy("pension.resident_basic"))["dmn/pension.resident_basic.dmn"]
    )
    assert rules(decision(root, "basic_pension")) == [
        (['[date("2011-01-01")..date("2011-12-31")]'], "60"),
        (['>= date("2012-01-01")'], "70"),
    ]


def test_a_marginal_scale_adds_up_its_segments_in_feel(project):
    root = parse(
        emit_dmn(project.policy("medical.secondary_compensation"))[
            "dmn/medical.secondary_compensation.dmn"
        ]
    )
    assert rules(decision(root, "employee_scale")) == [
        (
            ['>= date("2011-01-01")'],
            "max(0, min(out_of_pocket, 30000) - 20000) * 0.3 + max(0, min(out_of_pocket, 50000) - 30000) * 0.4"
            " + max(0, out_of_pocket - 50000) * 0.5",
        )
    ]


def test_formulas_are_literal_expressions_and_conditions_decision_tables(project):
    root = parse(
        emit_dmn(project.policy("platform.coordinator_eligibility"))[
            "dmn/platform.coordinator_eligibility.dmn"
        ]
    )
    literal = decision(root, "eligible").findtext("dmn:literalExpression/dmn:text", namespaces=NS)
    assert literal == (
        '(((age <= max_age) and list contains(["college", "bachelor", "master", "doctor"], education))'
        " and computer_skills)"
    )
    root = parse(
        emit_dmn(project.policy("medical.secondary_compensation"))[
            "dmn/medical.secondary_compensation.dmn"
        ]
    )
    assert decision(root, "compensation_condition").findtext(
        "dmn:literalExpression/dmn:text", namespaces=NS
    ) == ('(scheme = "employee")')
    assert rules(decision(root, "compensation_unrounded")) == [
        (["true"], "employee_scale"),
        (["false"], "resident_scale"),
    ]
    assert rules(decision(root, "compensation")) == [
        ([">= 0"], "floor(compensation_unrounded * 100 + 0.5) / 100"),
        (["< 0"], "-(floor(-(compensation_unrounded) * 100 + 0.5) / 100)"),
    ]


def test_every_requirement_points_at_an_element_of_the_document(project):
    for policy in project.policies:
        root = parse(build_dmn(policy)[0])
        ids = {e.get("id") for e in root.iter() if e.get("id")}
        hrefs = [e.get("href") for e in root.iter() if e.get("href")]
        assert hrefs and all(h.startswith("#") and h[1:] in ids for h in hrefs), policy.id


def test_what_dmn_cannot_express_is_listed_not_dropped(project):
    _, gaps = build_dmn(project.policy("unemployment.benefit"))
    whats = {gap_record(g)["what"] for g in gaps}
    assert "check min_wage >= floor_factor * min_living_standard" in whats
    assert "clamp(x, low, high) with low above high" in whats
    assert "dates before 2012-07-01" in whats
    _, gaps = build_dmn(project.policy("platform.coordinator_subsidy"))
    assert {
        "what": "parameter reward_multiple",
        "reason": "the source gives no number for it (unnumbered), so there is nothing to evaluate",
    } in [gap_record(g) for g in gaps]


def test_the_chinese_rule_book_reads_as_an_officer_writes(project):
    policies = [
        project.policy("platform.construction_subsidy"),
        project.policy("medical.secondary_compensation"),
    ]
    pages = emit_markdown(policies)
    page = pages["md/zh/platform.construction_subsidy.md"]
    assert "# 镇（街道）人力社保平台一次性建设补助" in page
    assert "[全部政策](index.md) · [English](../en/platform.construction_subsidy.md)" in page
    assert "## 输入项" in page and "## 输出项" in page and "## 参数数值" in page
    # the brackets in the policy's own words: at_least 100, below 200
    assert "| 档次 | 分段标准（平方米） | 支付 |" in page
    assert "| 2 | 100 及以上、不满 200 | 80000元 |" in page
    # units as words, in each language's own way
    assert "| 数值 | 平方米 | ≥ 0 |" in page and "| 数值 | 元 | 四舍五入" in page
    english = pages["md/en/platform.construction_subsidy.md"]
    assert "| bracket | value (m²) | pays |" in english and "| 80000 yuan |" in english
    marginal = pages["md/zh/medical.secondary_compensation.md"]
    assert "| – | 20000 以内（含） | 不支付 |" in marginal
    assert "| 1 | 超过 20000、30000 以内（含） | 本段部分的 30% |" in marginal
    assert "计算方法：分段累进（" in marginal and "自 2011-01-01 起（无截止日期）：" in marginal
    assert "| 职工（employee）、居民（resident） |" in marginal  # enum values by their labels
    assert "四舍五入，保留 2 位小数" in marginal
    index = pages["md/zh/index.md"]
    assert index.splitlines()[2:5] == ["# 规则手册", "", "[English](../en/index.md)"]
    assert "| 政策 | 名称 | English | 施行期间 | 依据 |" in index


def test_the_rule_book_is_the_same_bytes_whatever_the_language_of_the_publisher(project):
    from generator.core.messages import in_language

    policies = [project.policy("medical.secondary_compensation")]
    with in_language("zh"):
        chinese = emit_markdown(policies)
    with in_language("en"):
        english = emit_markdown(policies)
    assert chinese == english
    assert sorted(chinese) == [
        "md/en/index.md",
        "md/en/medical.secondary_compensation.md",
        "md/zh/index.md",
        "md/zh/medical.secondary_compensation.md",
    ]
