"""The shape of a policy workbook: its sheets, their columns and the names they go by.

The reader (`excel_source`) and the exporter (`emit_xlsx`) both work from these tables, so a
workbook the exporter writes is always one the reader understands. A person fills rows, not a
tree: each sheet is a table with one header row, and each row is one input, one dated value,
one bracket, one example case. Sheets and columns are recognised by their English or Chinese
name or both together ("分段 Scales", "下限 lower"), in any letter case, with any spacing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    help_zh: str = ""
    help_en: str = ""
    width: int = 0  # 0: sized from the content

    @property
    def header(self) -> str:
        return f"{self.zh}\n{self.en}"


@dataclass(frozen=True)
class Sheet:
    key: str
    zh: str
    en: str
    columns: tuple  # Column, in the order the exporter writes them
    required: bool = False
    row_name: str = "row"  # what one row is, for messages

    @property
    def title(self) -> str:
        """The name the exporter gives the sheet."""
        return f"{self.zh} {self.en}"

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def _c(key, zh, en, help_zh="", help_en="", width=0) -> Column:
    return Column(key, zh, en, help_zh, help_en, width)


# A lower bound is over (excluded) or at_least (included); an upper bound up_to (included) or
# below (excluded). The Chinese words follow the drafting convention of ../shared/RULES.md:
# 以上, 以下, 以内, 不少于, 不超过 include the number; 超过, 不满, 低于 exclude it.
LOWER_WORDS = {
    "over": "over",
    "at_least": "at_least",
    "超过": "over",
    "高于": "over",
    "以上": "at_least",
    "不少于": "at_least",
    "不低于": "at_least",
}
UPPER_WORDS = {
    "up_to": "up_to",
    "below": "below",
    "以下": "up_to",
    "以内": "up_to",
    "不超过": "up_to",
    "低于": "below",
    "不满": "below",
    "未满": "below",
}

ABOUT_FIELDS = (
    _c("ratebook", "格式版本", "format version", "总是 1", "always 1"),
    _c("id", "编号", "id", "领域.名称，与文件位置一致", "area.name, matching the file's place"),
    _c("title_zh", "标题（中文）", "title zh"),
    _c("title_en", "标题（英文）", "title en"),
    _c("jurisdiction", "适用地区", "jurisdiction"),
    _c(
        "source_title",
        "来源文件",
        "source title",
        "每个数字所出自的文件",
        "the document every number comes from",
    ),
    _c(
        "source_number",
        "文号",
        "source number",
        "没有文号时留空",
        "empty when the document has none",
    ),
    _c(
        "source_date",
        "发文日期",
        "source date",
        "YYYY、YYYY-MM 或 YYYY-MM-DD",
        "YYYY, YYYY-MM or YYYY-MM-DD",
    ),
    _c("source_clause", "条款", "source clause"),
    _c(
        "source_seed",
        "原文文件",
        "source seed",
        "shared/seeds 中的文件",
        "the file in shared/seeds",
    ),
    _c(
        "note",
        "说明",
        "note",
        "每条说明一行：原文未定之处及本政策的读法",
        "one row per note: what the source leaves open and how this policy reads it",
    ),
)

ABOUT = Sheet(
    "about",
    "概况",
    "About",
    (
        _c("field", "项目", "field", width=24),
        _c("value", "内容", "value", width=90),
    ),
    required=True,
    row_name="field",
)

INPUTS = Sheet(
    "inputs",
    "输入",
    "Inputs",
    (
        _c("name", "名称", "name", "小写英文、数字和 _", "lower-case letters, digits and _"),
        _c("type", "类型", "type", "number, integer, enum, boolean, date"),
        _c(
            "unit",
            "单位",
            "unit",
            "如 yuan, yuan/month, m2, person, 1",
            "e.g. yuan, yuan/month, m2, person, 1",
        ),
        _c("min", "最小值", "min", "含本数", "inclusive"),
        _c("max", "最大值", "max", "含本数", "inclusive"),
        _c("values", "可选值", "values", "仅 enum：用逗号分隔", "enum only: separated by commas"),
        _c(
            "ordered",
            "有序",
            "ordered",
            "TRUE：可比较大小（从低到高列出）",
            "TRUE: values can be compared (list lowest first)",
        ),
        _c(
            "default",
            "默认值",
            "default",
            "案例未填时使用",
            "used when a case leaves the field out",
        ),
        _c("label_zh", "中文名称", "label zh", width=30),
        _c("label_en", "英文名称", "label en", width=30),
        _c("note", "备注", "note", width=40),
    ),
    required=True,
    row_name="input",
)

OUTPUTS = Sheet(
    "outputs",
    "输出",
    "Outputs",
    (
        _c("name", "名称", "name"),
        _c("type", "类型", "type", "number, integer, boolean"),
        _c("unit", "单位", "unit"),
        _c("places", "小数位数", "places", "元默认 2 位", "2 by default for yuan"),
        _c("mode", "舍入方式", "rounding", "half_up, half_even, down, up"),
        _c("label_zh", "中文名称", "label zh", width=30),
        _c("label_en", "英文名称", "label en", width=30),
        _c("note", "备注", "note", width=40),
    ),
    required=True,
    row_name="output",
)

PARAMETERS = Sheet(
    "parameters",
    "参数",
    "Parameters",
    (
        _c("name", "名称", "name"),
        _c("kind", "类别", "kind", "amount 金额, rate 比例, scale 分段, table 对照表"),
        _c(
            "unit",
            "单位",
            "unit",
            "amount 和 table 的单位；rate 为 1",
            "unit of an amount or table; a rate is 1",
        ),
        _c(
            "method",
            "计算方式",
            "method",
            "分段：marginal 超额累进，whole_amount 全额",
            "scales: marginal or whole_amount",
        ),
        _c(
            "input_unit",
            "分段依据单位",
            "input unit",
            "分段：被分段的数的单位",
            "scales: the unit of the value looked up",
        ),
        _c(
            "output_unit",
            "金额单位",
            "output unit",
            "分段给出金额时的单位",
            "scales that give amounts: their unit",
        ),
        _c(
            "key",
            "对照输入",
            "key",
            "对照表：作为行键的 enum 输入",
            "tables: the enum input whose values key the rows",
        ),
        _c("max", "比例上限", "max", "比例可超过 100% 时填写", "only when a rate may exceed 100%"),
        _c(
            "unnumbered",
            "未给数值",
            "unnumbered",
            "TRUE：原文未给出数字",
            "TRUE: the source gives no number",
        ),
        _c("label_zh", "中文名称", "label zh", width=30),
        _c("label_en", "英文名称", "label en", width=30),
        _c("clause", "条款", "clause", width=16),
        _c("quote", "原文", "quote", width=60),
        _c("note", "备注", "note", width=40),
    ),
    required=True,
    row_name="parameter",
)

VALUES = Sheet(
    "values",
    "数值",
    "Values",
    (
        _c(
            "parameter",
            "参数",
            "parameter",
            "amount 或 rate 参数的名称",
            "an amount or rate parameter",
        ),
        _c("from", "起始日期", "from", "自该日起适用", "in force from this date"),
        _c("value", "数值", "value", "比例可写 30% 或 0.3", "a rate may be written 30% or 0.3"),
        _c("note", "备注", "note", width=40),
    ),
    row_name="value",
)

SCALES = Sheet(
    "scales",
    "分段",
    "Scales",
    (
        _c("parameter", "参数", "parameter", "scale 参数的名称", "a scale parameter"),
        _c("from", "起始日期", "from", "自该日起适用", "in force from this date"),
        _c(
            "lower_word",
            "下限方式",
            "lower word",
            "over（超过，不含）或 at_least（以上，含）",
            "over (excluded) or at_least (included)",
        ),
        _c("lower", "下限", "lower", "首段可留空", "may be empty in the first bracket"),
        _c(
            "upper_word",
            "上限方式",
            "upper word",
            "up_to（以下，含）或 below（低于，不含）",
            "up_to (included) or below (excluded)",
        ),
        _c("upper", "上限", "upper", "末段可留空", "may be empty in the last bracket"),
        _c("rate", "比例", "rate", "与金额二选一", "a rate or an amount"),
        _c("amount", "金额", "amount", "与比例二选一", "an amount or a rate"),
        _c("note", "备注", "note", width=40),
        _c(
            "period_note",
            "本期说明",
            "period note",
            "该日期整套分段的说明，写在首行",
            "a note on this date's brackets, on their first row",
            width=30,
        ),
    ),
    row_name="bracket",
)

TABLES = Sheet(
    "tables",
    "对照表",
    "Tables",
    (
        _c("parameter", "参数", "parameter", "table 参数的名称", "a table parameter"),
        _c("from", "起始日期", "from", "自该日起适用", "in force from this date"),
        _c("key", "键值", "key", "对照输入的一个值", "one value of the table's key input"),
        _c("value", "数值", "value"),
        _c(
            "period_note",
            "本期说明",
            "period note",
            "该日期整张表的说明，写在首行",
            "a note on this date's rows, on their first row",
            width=30,
        ),
    ),
    row_name="table row",
)

FORMULAS = Sheet(
    "formulas",
    "公式",
    "Formulas",
    (
        _c("name", "名称", "name", "输出或辅助名称", "an output or a helper name"),
        _c(
            "formula",
            "公式",
            "formula",
            "公式语言，开头不要写 =",
            "the formula language; no leading =",
            width=80,
        ),
    ),
    required=True,
    row_name="formula",
)

CHECKS = Sheet(
    "checks",
    "校验",
    "Checks",
    (
        _c(
            "rule",
            "规则",
            "rule",
            "每个案例必须满足的条件",
            "a condition every case must meet",
            width=60,
        ),
        _c("message", "提示", "message", width=60),
    ),
    row_name="check",
)

CASES = Sheet(
    "cases",
    "案例",
    "Cases",
    (
        _c("name", "名称", "name", width=40),
        _c("on", "日期", "on", "计算日期", "evaluation date"),
        _c("why", "计算过程", "why", "手工计算过程", "the hand computation", width=60),
    ),
    row_name="case",
)

# Cases also have one column per input ("in:NAME") and per expected output ("out:NAME").
CASE_INPUT_PREFIX, CASE_OUTPUT_PREFIX = "in:", "out:"
_CASE_COLUMN = re.compile(r"^(in|输入|out|输出|expected|预期)[:：]\s*([A-Za-z][A-Za-z0-9_]*)")

HELP = Sheet(
    "help",
    "填写说明",
    "Help",
    (
        _c("sheet", "工作表", "sheet", width=18),
        _c("column", "列", "column", width=22),
        _c("meaning", "含义", "meaning", width=100),
    ),
    row_name="line",
)

SHEETS = (ABOUT, INPUTS, OUTPUTS, PARAMETERS, VALUES, SCALES, TABLES, FORMULAS, CHECKS, CASES)
ALL_SHEETS = SHEETS + (HELP,)  # Help is written for people and never read


@lru_cache(maxsize=4096)
def squeeze(text: str) -> str:
    """Text reduced for matching names: NFKC, lower case, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return "".join(ch for ch in text if ch.isalnum())


@cache
def _forms(zh: str, en: str, key: str = "") -> frozenset[str]:
    parts = {squeeze(zh), squeeze(en), squeeze(key)} - {""}
    combined = {squeeze(zh) + squeeze(x) for x in (en, key)} | {
        squeeze(x) + squeeze(zh) for x in (en, key)
    }
    return frozenset(parts | combined)


def sheet_named(title: str) -> Sheet | None:
    wanted = squeeze(title)
    return next((s for s in ALL_SHEETS if wanted in _forms(s.zh, s.en, s.key)), None)


def column_named(sheet: Sheet, header: str) -> Column | None:
    wanted = squeeze(header)
    return next((c for c in sheet.columns if wanted and wanted in _forms(c.zh, c.en, c.key)), None)


def about_field(text: str) -> Column | None:
    wanted = squeeze(text)
    return next((c for c in ABOUT_FIELDS if wanted and wanted in _forms(c.zh, c.en, c.key)), None)


def case_column(header: str) -> tuple[str, str] | None:
    """('in', name) or ('out', name) for a Cases column header such as 'in:scheme\\n参保类别'."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    match = _CASE_COLUMN.match(text)
    if not match:
        return None
    side = "in" if match.group(1) in ("in", "输入") else "out"
    return side, match.group(2)


def help_rows() -> list[tuple[str, str, str]]:
    """(sheet, column, meaning) lines for the Help sheet, from the tables above."""
    rows = []
    for sheet in SHEETS:
        columns = ABOUT_FIELDS if sheet is ABOUT else sheet.columns
        for column in columns:
            meaning = " / ".join(x for x in (column.help_zh, column.help_en) if x)
            rows.append((sheet.title, f"{column.zh} {column.en}", meaning))
    rows.append(
        (
            CASES.title,
            "in:NAME / out:NAME",
            "每个输入一列 in:名称，每个预期输出一列 out:名称；空格表示不填 / "
            "one column per input (in:NAME) and per expected output (out:NAME); an empty cell leaves it out",
        )
    )
    return rows
