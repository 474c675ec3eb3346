"""ratebook in Chinese: what an officer reads when the locale is Chinese, and English with --lang en.

The project here is a fixture of its own (tests/chinese/subsidy.yaml: a ratio by insurance
scheme, 职工 50%, 居民 40%), built into a temporary folder once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli

FIXTURE = Path(__file__).resolve().parent / "chinese" / "subsidy.yaml"
CHINESE = {"RATEBOOK_LANG": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "zh_CN.UTF-8"}
CASE = ["--set", "scheme=resident", "--set", "out_of_pocket=1000", "--on", "2020-07-01"]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "policies" / "demo").mkdir(parents=True)
    shutil.copy(FIXTURE, root / "policies" / "demo" / "subsidy.yaml")
    built = run(root, "build", env={"RATEBOOK_LANG": "en"})
    assert built.exit_code == 0, built.output
    return root


def run(root: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(cli.main, ["--root", str(root), *args], env=env or CHINESE)


def test_eval_names_the_policy_and_outputs_by_their_chinese_labels_with_the_id_beside(project):
    result = run(project, "eval", "demo.subsidy", *CASE)
    assert result.exit_code == 0, result.output
    # 1000 yuan out of pocket × 40% for a resident = 400.00
    assert (
        result.output
        == "示例补助（demo.subsidy），计算日期 2020-07-01\n补助金额（subsidy） = 400.00元\n"
    )


def test_lang_en_gives_the_english_of_before_whatever_the_locale(project):
    result = run(project, "--lang", "en", "eval", "demo.subsidy", *CASE)
    assert result.exit_code == 0, result.output
    assert result.output == "demo.subsidy on 2020-07-01\nsubsidy = 400.00 yuan\n"
    english = run(project, "eval", "demo.subsidy", *CASE, env={**CHINESE, "RATEBOOK_LANG": "en"})
    assert english.output == result.output


def test_explain_shows_each_step_in_chinese(project):
    result = run(project, "eval", "demo.subsidy", *CASE, "--explain")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "示例补助（demo.subsidy），计算日期 2020-07-01",
        "  补助比例（ratio） = 对照表（自 2020-01-01 起施行）",
        "      依据：第1条; 职工补助50%，居民补助40%",
        "  补助比例（ratio）[resident] = 0.4",
        "  补助金额（subsidy） = out_of_pocket * table(ratio, scheme) = 400元（四舍五入，保留 2 位小数）",
        "补助金额（subsidy） = 400.00元",
    ]


def test_a_bad_case_is_refused_in_chinese_naming_each_field_by_its_label(project):
    result = run(
        project, "eval", "demo.subsidy", "--set", "scheme=worker", "--set", "out_of_pocket=3千"
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "示例补助（demo.subsidy）：该案例无法计算：",
        "  参保类别（scheme）：'worker' 不在可选值之列：employee, resident",
        "  政策范围内个人自付费用（out_of_pocket）：'3千' 不是数字；"
        "请写成 20000、0.3、30%、20,000 或 2万 这样的数字",
    ]


def test_a_bad_set_and_a_bad_date_are_usage_errors_in_chinese(project):
    result = run(project, "eval", "demo.subsidy", "--set", "scheme")
    assert (result.exit_code, result.output) == (2, "--set 'scheme'：请写成 名称=值\n")
    result = run(project, "eval", "demo.subsidy", *CASE[:4], "--on", "2020-13-01")
    assert result.exit_code == 2
    assert result.output.startswith("--on '2020-13-01' 不是日期：")


def test_a_broken_policy_is_reported_in_chinese(tmp_path):
    broken = FIXTURE.read_text(encoding="utf-8").replace("employee: 50%", "employee: 150%")
    (tmp_path / "policies" / "demo").mkdir(parents=True)
    (tmp_path / "policies" / "demo" / "subsidy.yaml").write_text(broken, encoding="utf-8")
    result = run(tmp_path, "validate")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[-1] == "政策中有 1 个错误"
    assert "比例 1.5 高于 1" in lines[0] and lines[0].startswith("policies/demo/subsidy.yaml:")
    assert run(tmp_path, "--lang", "en", "validate").output.splitlines()[-1] == (
        "1 error(s) in policies"
    )


def test_a_batch_run_sums_up_in_chinese(project, tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text("scheme,out_of_pocket\nemployee,1000\nworker,1000\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run(
        project, "eval", "demo.subsidy", "--cases", str(cases), "--out", str(out), *CASE[4:]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "读入 2 行  =  输出 1 行  +  拒绝 1 行"
    assert "计算日期 2020-07-01（--on 指定）" in lines
    assert lines[-3].startswith("用时 ") and "每秒" in lines[-3]
    assert lines[-2:] == [f"结果文件：{out}", f"被拒绝的行：{tmp_path / 'out.errors.csv'}"]
    assert "500.00" in out.read_text(encoding="utf-8")  # 1000 × 50% for an employee


def test_ratebook_test_prints_its_table_and_verdict_in_chinese(project):
    result = run(project, "test", "-v")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["来源", "案例数", "通过", "未通过"]
    assert lines[1].split() == ["policies/demo/subsidy.yaml", "1", "1", "0"]
    assert "示例补助（demo.subsidy）  “employee” 计算日期 2020-06-01" in lines[3]
    assert lines[3].startswith("通过  policies/demo/subsidy.yaml:")
    assert lines[-1] == "ok：1 个案例全部通过"


def write_base_and_head(tmp_path: Path) -> None:
    """tmp_path/base and tmp_path/head: the fixture with the employee ratio at 50%, then 60%."""
    for version, ratio in (("base", "50%"), ("head", "60%")):
        (tmp_path / version / "policies" / "demo").mkdir(parents=True)
        text = FIXTURE.read_text(encoding="utf-8").replace("employee: 50%", f"employee: {ratio}")
        (tmp_path / version / "policies" / "demo" / "subsidy.yaml").write_text(text, "utf-8")


def test_diff_reports_in_chinese(tmp_path):
    write_base_and_head(tmp_path)
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "policy,on,in:scheme,in:out_of_pocket\n"
        "demo.subsidy,2020-06-01,employee,1000\n"  # 1000 × 50% = 500 → 1000 × 60% = 600
        "demo.subsidy,2020-06-01,resident,1000\n",  # 1000 × 40% = 400 both
        encoding="utf-8",
    )
    base = str(tmp_path / "base")
    result = run(tmp_path / "head", "diff", "--base", base, "--cases", str(cases))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"规则：{base} → 工作区"
    assert lines[1] == "  demo.subsidy：ratio[employee] 50% → 60%，自 2020-01-01 起"
    assert f"案例：2 个（{cases}）" in lines
    header = next(line for line in lines if line.strip().startswith("政策"))
    assert (
        header.split() == "政策 输出项 单位 案例数 有变化 增加 减少 最小 中位数 最大 合计".split()
    )
    assert "变化最大的案例，demo.subsidy subsidy：" in lines
    assert "+100.00  500.00 → 600.00  计算日期 2020-06-01" in result.output


def _diff_reports(tmp_path, lang_args: tuple[str, ...] = ()):
    """Base 职工 50%, head 60%: one case changes (1000 × 50% = 500 → 1000 × 60% = 600), one
    stays (居民 1000 × 40% = 400), one is refused by both (2019, before the ratio applies), one
    names a policy neither version has. The .md and .xlsx reports are written and read back."""
    write_base_and_head(tmp_path)
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "policy,on,in:scheme,in:out_of_pocket\n"
        "demo.subsidy,2020-06-01,employee,1000\n"
        "demo.subsidy,2020-06-01,resident,1000\n"
        "demo.subsidy,2019-06-01,resident,1000\n"
        "other.policy,2020-06-01,resident,1\n",
        encoding="utf-8",
    )
    md, xlsx = tmp_path / "report.md", tmp_path / "report.xlsx"
    args = ("diff", "--base", str(tmp_path / "base"), "--cases", str(cases))
    result = run(tmp_path / "head", *lang_args, *args, "--out", str(md), "--out", str(xlsx))
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    book = load_workbook(xlsx, read_only=True)
    sheets = {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}
    return md.read_text(encoding="utf-8").splitlines(), sheets


def test_the_markdown_diff_report_is_written_in_chinese_naming_by_label(tmp_path):
    lines, _ = _diff_reports(tmp_path)
    assert lines[0].startswith("# 规则变化：") and lines[0].endswith(" → 工作区")
    assert "- **示例补助（demo.subsidy）**" in lines
    assert "  - ratio[employee] 50% → 60%，自 2020-01-01 起" in lines
    assert "## 对 4 个案例的影响" in lines
    # the cases add up, in words: 4 = 2 compared + 1 refused by both + 1 of no policy
    assert (
        "共 4 个案例 = 已比对 2 个 + 新旧版本均不予计算 1 个 + 新旧版本均无此政策 1 个。" in lines
    )
    assert (
        "| 政策 | 输出项 | 单位 | 案例数 | 已比对 | 有变化 | 增加 | 减少 | 现在不予计算 "
        "| 现在可以计算 | 最小 | 中位数 | 最大 | 合计 |" in lines
    )
    assert (
        "| 示例补助（demo.subsidy） | 补助金额（subsidy） | 元 | 3 | 2 | 1 | 1 | 0 | 0 | 0 "
        "| +100.00 | +100.00 | +100.00 | +100.00 |" in lines
    )
    assert "### 变化最大的案例：示例补助（demo.subsidy） 补助金额（subsidy）（元）" in lines
    assert "| 案例 | 计算日期 | 输入 | 原值 | 新值 | 变化 | 备注 |" in lines
    assert any(
        line.endswith(
            "| 2020-06-01 | scheme=employee, out_of_pocket=1000 | 500.00 | 600.00 | +100.00 |  |"
        )
        for line in lines
    )
    assert "### 未比对的案例（2 个）" in lines
    assert "| 政策 | 案例 | 计算日期 | 输入 | 原因 | 不予计算的理由 |" in lines
    refused = next(line for line in lines if "2019-06-01" in line)
    assert (
        refused.startswith("| 示例补助（demo.subsidy） |") and "| 新旧版本均不予计算 |" in refused
    )
    assert any(
        line.startswith("| other.policy |") and "新旧版本均无此政策" in line for line in lines
    )


def test_the_xlsx_diff_report_is_written_in_chinese_naming_by_label(tmp_path):
    _, sheets = _diff_reports(tmp_path)
    assert list(sheets) == ["规则变化", "影响", "变化明细", "未比对"]
    assert sheets["规则变化"][1] == ("政策", "状态", "变化")
    assert sheets["规则变化"][2][:2] == ("示例补助（demo.subsidy）", "修改")
    assert sheets["影响"][0][0] == f"案例 4 个：{tmp_path / 'cases.csv'}"
    assert sheets["影响"][1][:6] == ("政策", "输出项", "单位", "案例数", "已比对", "有变化")
    assert sheets["影响"][2][:4] == ("示例补助（demo.subsidy）", "补助金额（subsidy）", "yuan", 3)
    assert sheets["影响"][2][-1] == 100  # 600 − 500, a number people can sum
    assert sheets["变化明细"][0][6:9] == ("原值", "新值", "变化")
    assert sheets["变化明细"][1][:2] == ("示例补助（demo.subsidy）", "补助金额（subsidy）")
    assert sheets["变化明细"][1][6:9] == (500, 600, 100)
    assert sheets["未比对"][1] == ("政策", "案例", "计算日期", "输入", "原因", "不予计算的理由")
    assert [row[4] for row in sheets["未比对"][2:]] == ["新旧版本均不予计算", "新旧版本均无此政策"]


def test_lang_en_writes_the_diff_reports_in_english_by_id(tmp_path):
    lines, sheets = _diff_reports(tmp_path, ("--lang", "en"))
    assert lines[0].startswith("# Rule changes: ") and "- **demo.subsidy**" in lines
    assert (
        "4 case(s) = 2 compared + 1 refused by both versions + 1 of a policy neither version has."
        in lines
    )
    assert (
        "| demo.subsidy | subsidy | yuan | 3 | 2 | 1 | 1 | 0 | 0 | 0 | +100.00 | +100.00 | +100.00 | +100.00 |"
        in lines
    )
    assert "### Biggest changes: demo.subsidy subsidy (yuan)" in lines
    assert list(sheets) == ["rules", "impact", "changes", "not compared"]
    assert sheets["changes"][0] == (
        "policy",
        "output",
        "unit",
        "case",
        "on",
        "inputs",
        "base",
        "new",
        "change",
        "note",
    )
    assert sheets["changes"][1][:2] == ("demo.subsidy", "subsidy")


def test_a_schema_problem_is_worded_in_chinese_hints_and_all(tmp_path):
    broken = FIXTURE.read_text(encoding="utf-8").replace("id: demo.subsidy", "id: Demo.Subsidy")
    (tmp_path / "policies" / "demo").mkdir(parents=True)
    (tmp_path / "policies" / "demo" / "subsidy.yaml").write_text(broken, encoding="utf-8")
    lines = run(tmp_path, "validate").output.splitlines()
    assert lines[0] == (
        "policies/demo/subsidy.yaml:2:5: id：“Demo.Subsidy”不是“领域.名称”的形式，"
        "如 medical.secondary_compensation"
    )
    english = run(tmp_path, "--lang", "en", "validate").output.splitlines()
    assert english[0] == (
        "policies/demo/subsidy.yaml:2:5: id: 'Demo.Subsidy' is not area.name, "
        "e.g. medical.secondary_compensation"
    )


def test_a_batch_does_not_call_a_column_headed_by_an_input_label_unused(project, tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "case,参保类别,政策范围内个人自付费用,note\n张三,employee,1000,x\n", encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    result = run(
        project,
        "eval",
        "demo.subsidy",
        "--cases",
        str(cases),
        "--out",
        str(out),
        *CASE[4:],
        env={"RATEBOOK_LANG": "en"},
    )
    assert result.exit_code == 0, result.output
    assert "rows out: 1  +  rows rejected: 0" in result.output  # both label headers were read
    assert "500.00" in out.read_text(encoding="utf-8")  # 1000 × 50% for an employee
    unused = "columns that are no input (copied to the results, not read): "
    assert f"{unused}'note'\n" in result.output  # not the label headers, not `case`


def test_clicks_own_words_speak_the_language_too(project):
    shown = run(project, "--help")
    assert shown.exit_code == 0
    assert shown.output.startswith("用法： main [OPTIONS] COMMAND [ARGS]...")
    assert "\n选项:\n" in shown.output and "\n命令:\n" in shown.output
    wrong = run(project, "bogus")
    assert wrong.exit_code == 2
    assert "输入 'main --help' 查看帮助。" in wrong.output
    assert "错误：没有命令 'bogus'。" in wrong.output
    english = run(project, "--lang", "en", "bogus")
    assert english.exit_code == 2
    assert "Try 'main --help' for help." in english.output
    assert "Error: No such command 'bogus'." in english.output
