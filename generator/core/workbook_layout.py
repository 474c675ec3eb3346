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
    write: str = ""  # how a value is written: a key of WRITE, for the header's input prompt

    @property
    def header(self) -> str:
        return f"{self.zh}\n{self.en}"

    def prompt(self) -> tuple[str, str]:
        """(title, text) of the input prompt its header cell shows, in Chinese and English."""
        return prompt_text(self.zh, self.en, self.help_zh, self.help_en, self.write)


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


def _c(key, zh, en, help_zh="", help_en="", width=0, write="") -> Column:
    return Column(key, zh, en, help_zh, help_en, width, write)


# The Chinese and English names of an input, an output or a parameter: the same two columns
# on each of those sheets.
LABEL_COLUMNS = (
    _c(
        "label_zh",
        "中文名称",
        "label zh",
        "人们读到的中文名称",
        "the name people read in Chinese",
        width=30,
        write="text",
    ),
    _c(
        "label_en",
        "英文名称",
        "label en",
        "人们读到的英文名称",
        "the name people read in English",
        width=30,
        write="text",
    ),
)


def _name_column(of_zh: str, of_en: str) -> Column:
    """The first column of the sheets of inputs, outputs and parameters: the thing's name."""
    return _c("name", "名称", "name", f"{of_zh}的名称", f"the {of_en}'s name", write="name")


def _parameter_column(kind: str) -> Column:
    """The first column of the sheets of a scale's brackets and a table's rows: which parameter."""
    return _c(
        "parameter", "参数", "parameter", f"{kind} 参数的名称", f"a {kind} parameter", write="list"
    )


# The date a dated row applies from: the same column on the sheets of values, brackets and rows.
FROM_COLUMN = _c(
    "from", "起始日期", "from", "自该日起适用", "in force from this date", write="date"
)

# A remark on one row: the same column on every sheet of rows that may carry one.
NOTE_COLUMN = _c(
    "note", "备注", "note", "说明，可留空", "a remark; may be empty", width=40, write="text"
)


# How a value of each kind is written, shown after a column's meaning in its header's prompt.
# The values are read by generator/core/values.py, which accepts every form named here.
WRITE = {
    "date": (
        "日期写作 2012-07-01、2012/7/1 或 2012年7月1日",
        "dates: 2012-07-01, 2012/7/1 or 2012年7月1日",
    ),
    "rate": ("比例写作 30% 或 0.3", "rates: 30% or 0.3"),
    "amount": ("金额写作 35000、35,000 或 3.5万", "amounts: 35000, 35,000 or 3.5万"),
    "value": (
        "金额写作 35000 或 3.5万；比例写作 30% 或 0.3",
        "amounts: 35000 or 3.5万; rates: 30% or 0.3",
    ),
    "number": ("数字写作 35000、35,000 或 3.5万", "numbers: 35000, 35,000 or 3.5万"),
    "boolean": ("填 TRUE 或 FALSE", "TRUE or FALSE"),
    "list": ("从下拉列表中选择", "pick one from the drop-down list"),
    "name": (
        "小写英文、数字和 _，如 base_rate",
        "lower-case letters, digits and _, e.g. base_rate",
    ),
    "text": ("自由填写", "free text"),
}
PROMPT_TITLE_LIMIT, PROMPT_LIMIT = 32, 255  # what Excel keeps of an input prompt's title and text


def prompt_text(zh: str, en: str, help_zh: str, help_en: str, write: str) -> tuple[str, str]:
    """The input prompt of a header: its names as title; meaning and how to write it, both languages."""
    how_zh, how_en = WRITE.get(write, ("", ""))
    chinese = "；".join(x for x in (help_zh or zh, how_zh) if x)
    english = "; ".join(x for x in (help_en or en, how_en) if x)
    title = f"{zh} {en}"
    return title[:PROMPT_TITLE_LIMIT], f"{chinese}。\n{english}."[:PROMPT_LIMIT]


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
        _c("field", "项目", "field", "本行填写的项目", "what this row gives", width=24),
        _c(
            "value",
            "内容",
            "value",
            "该项目的内容",
            "the value of the field",
            width=90,
            write="text",
        ),
    ),
    required=True,
    row_name="field",
)

INPUTS = Sheet(
    "inputs",
    "输入",
    "Inputs",
    (
        _name_column("输入", "input"),
        _c(
            "type",
            "类型",
            "type",
            "number 数值, integer 整数, enum 可选值, boolean 是否, date 日期",
            "number, integer, enum, boolean or date",
            write="list",
        ),
        _c(
            "unit",
            "单位",
            "unit",
            "如 yuan, yuan/month, m2, person, 1",
            "e.g. yuan, yuan/month, m2, person, 1",
        ),
        _c("min", "最小值", "min", "含本数", "inclusive", write="number"),
        _c("max", "最大值", "max", "含本数", "inclusive", write="number"),
        _c("values", "可选值", "values", "仅 enum：用逗号分隔", "enum only: separated by commas"),
        _c(
            "ordered",
            "有序",
            "ordered",
            "TRUE：可比较大小（从低到高列出）",
            "TRUE: values can be compared (list lowest first)",
            write="boolean",
        ),
        _c(
            "default",
            "默认值",
            "default",
            "案例未填时使用",
            "used when a case leaves the field out",
        ),
        *LABEL_COLUMNS,
        _c(
            "value_labels_zh",
            "可选值中文名称",
            "value labels zh",
            "仅 enum：可选值的名称，按可选值的顺序用逗号分隔；案例中可填名称代替可选值",
            "enum only: the values' names, in the order of the values, separated by commas; "
            "a case may give a name instead of the value",
            width=30,
            write="text",
        ),
        _c(
            "value_labels_en",
            "可选值英文名称",
            "value labels en",
            "仅 enum：可选值的英文名称，按可选值的顺序用逗号分隔",
            "enum only: the values' English names, in the order of the values, separated by commas",
            width=30,
            write="text",
        ),
        NOTE_COLUMN,
    ),
    required=True,
    row_name="input",
)

OUTPUTS = Sheet(
    "outputs",
    "输出",
    "Outputs",
    (
        _name_column("输出", "output"),
        _c(
            "type",
            "类型",
            "type",
            "number 数值, integer 整数, boolean 是否",
            "number, integer or boolean",
            write="list",
        ),
        _c(
            "unit",
            "单位",
            "unit",
            "如 yuan, yuan/month, 1",
            "e.g. yuan, yuan/month, 1",
        ),
        _c("places", "小数位数", "places", "0 至 6；元默认 2 位", "0 to 6; 2 by default for yuan"),
        _c(
            "mode",
            "舍入方式",
            "rounding",
            "half_up 四舍五入, half_even, down 舍去, up 进位",
            "half_up, half_even, down, up",
            write="list",
        ),
        *LABEL_COLUMNS,
        NOTE_COLUMN,
    ),
    required=True,
    row_name="output",
)

PARAMETERS = Sheet(
    "parameters",
    "参数",
    "Parameters",
    (
        _name_column("参数", "parameter"),
        _c(
            "kind",
            "类别",
            "kind",
            "amount 金额, rate 比例, scale 分段, table 对照表",
            "amount, rate, scale or table",
            write="list",
        ),
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
            write="list",
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
            write="list",
        ),
        _c(
            "max",
            "比例上限",
            "max",
            "比例可超过 100% 时填写",
            "only when a rate may exceed 100%",
            write="rate",
        ),
        _c(
            "unnumbered",
            "未给数值",
            "unnumbered",
            "TRUE：原文未给出数字",
            "TRUE: the source gives no number",
            write="boolean",
        ),
        *LABEL_COLUMNS,
        _c("clause", "条款", "clause", "出处条款，如 第三条", "the clause, e.g. art. 3", width=16),
        _c("quote", "原文", "quote", "原文中给出该数字的句子", "the source's sentence", width=60),
        NOTE_COLUMN,
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
            write="list",
        ),
        FROM_COLUMN,
        _c(
            "value",
            "数值",
            "value",
            "该日起的金额或比例",
            "the amount or rate from that date",
            write="value",
        ),
        NOTE_COLUMN,
    ),
    row_name="value",
)

SCALES = Sheet(
    "scales",
    "分段",
    "Scales",
    (
        _parameter_column("scale"),
        FROM_COLUMN,
        _c(
            "lower_word",
            "下限方式",
            "lower word",
            "超过、高于不含本数；以上、不少于、不低于含本数",
            "over (excluded) or at_least (included), or the Chinese word",
            write="list",
        ),
        _c(
            "lower",
            "下限",
            "lower",
            "首段可留空",
            "may be empty in the first bracket",
            write="number",
        ),
        _c(
            "upper_word",
            "上限方式",
            "upper word",
            "以下、以内、不超过含本数；低于、不满、未满不含本数",
            "up_to (included) or below (excluded), or the Chinese word",
            write="list",
        ),
        _c(
            "upper",
            "上限",
            "upper",
            "末段可留空",
            "may be empty in the last bracket",
            write="number",
        ),
        _c("rate", "比例", "rate", "与金额二选一", "a rate or an amount", write="rate"),
        _c("amount", "金额", "amount", "与比例二选一", "an amount or a rate", write="amount"),
        NOTE_COLUMN,
        _c(
            "period_note",
            "本期说明",
            "period note",
            "该日期整套分段的说明，写在首行",
            "a note on this date's brackets, on their first row",
            width=30,
            write="text",
        ),
    ),
    row_name="bracket",
)

TABLES = Sheet(
    "tables",
    "对照表",
    "Tables",
    (
        _parameter_column("table"),
        FROM_COLUMN,
        _c(
            "key",
            "键值",
            "key",
            "对照输入的一个值",
            "one value of the table's key input",
            write="list",
        ),
        _c(
            "value",
            "数值",
            "value",
            "该键值对应的金额或比例",
            "the amount or rate for that key",
            write="value",
        ),
        _c(
            "period_note",
            "本期说明",
            "period note",
            "该日期整张表的说明，写在首行",
            "a note on this date's rows, on their first row",
            width=30,
            write="text",
        ),
    ),
    row_name="table row",
)

FORMULAS = Sheet(
    "formulas",
    "公式",
    "Formulas",
    (
        _c("name", "名称", "name", "输出或辅助名称", "an output or a helper name", write="name"),
        _c(
            "formula",
            "公式",
            "formula",
            "公式语言，开头不要写 =",
            "the formula language; no leading =",
            width=80,
            write="text",
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
            write="text",
        ),
        _c(
            "message",
            "提示",
            "message",
            "不满足时显示的提示",
            "what to show when it fails",
            width=60,
            write="text",
        ),
    ),
    row_name="check",
)

SUBJECT_TO = Sheet(
    "subject_to",
    "上级规定",
    "Subject to",
    (
        _c(
            "rule",
            "规则",
            "rule",
            "本政策须遵守的上级规定，写作 文件编号.规则名，如 jiangsu.work_plan_2012.basic_pension_minimum",
            "a higher jurisdiction's rule this policy keeps, as document.rule",
            width=50,
            write="text",
        ),
        _c(
            "assumption",
            "推定理由",
            "assumption",
            "原文未说明所属省份时，写明为何推定受其约束；不是推定则留空",
            "why the binding is assumed when the source does not name its province; empty if not",
            width=80,
            write="text",
        ),
    ),
    row_name="rule",
)

PROPERTIES = Sheet(
    "properties",
    "性质",
    "Properties",
    (
        _c(
            "kind",
            "类别",
            "kind",
            "monotonic（随输入单调）或 bounded（有上下限）",
            "monotonic or bounded",
            write="text",
        ),
        _c("output", "输出", "output", "所说的输出项", "the output it is about", write="name"),
        _c(
            "input",
            "输入",
            "input",
            "monotonic：随之变化的输入项",
            "monotonic: the input it moves with",
            write="name",
        ),
        _c(
            "direction",
            "方向",
            "direction",
            "monotonic：up（输入提高时不降低）或 down（不提高）",
            "monotonic: up (never falls as the input rises) or down (never rises)",
            write="text",
        ),
        _c(
            "at_most",
            "上限",
            "at most",
            "bounded：输出不超过的公式",
            "bounded: a formula the output never exceeds",
            width=40,
            write="text",
        ),
        _c(
            "at_least",
            "下限",
            "at least",
            "bounded：输出不低于的公式",
            "bounded: a formula the output never falls below",
            width=40,
            write="text",
        ),
        _c("clause", "条款", "clause", "依据的条款", "the clause it comes from", write="text"),
        _c("quote", "原文", "quote", "原文的文字", "the source's words", width=60, write="text"),
        _c("note", "备注", "note", "说明", "a note", width=40, write="text"),
    ),
    row_name="property",
)

ADVICE = Sheet(
    "advice",
    "提示",
    "Advice",
    (
        _c(
            "name",
            "代码",
            "code",
            "提示的代码（小写字母、数字和 _），结果中以此标明",
            "the advice's code (lower-case letters, digits, _), as results name it",
            width=28,
            write="name",
        ),
        _c(
            "field",
            "项目",
            "field",
            "所说的输入项或输出项（数值）",
            "the number input or output it is about",
            write="name",
        ),
        _c(
            "comparator",
            "比较",
            "comparator",
            "应满足：at_least（不低于，含本数）、above（超过）、at_most（不超过，含本数）、below（低于）；不满足时给出提示，结果照常计算",
            "what the figure should keep: at_least, above, at_most, below; a figure that does not gets the advice, and the result is still computed",
            write="text",
        ),
        _c(
            "word",
            "原文用词",
            "word",
            "原文的用词，如 不少于、以上、低于",
            "the source's own word, e.g. 不少于",
            write="text",
        ),
        _c("value", "数值", "value", "界限的数值", "the number of the threshold", write="number"),
        _c(
            "message_zh",
            "中文提示",
            "message zh",
            "结果旁显示的中文提示",
            "what is shown beside the result, in Chinese",
            width=50,
            write="text",
        ),
        _c(
            "message_en",
            "英文提示",
            "message en",
            "结果旁显示的英文提示",
            "what is shown beside the result, in English",
            width=50,
            write="text",
        ),
        _c("clause", "条款", "clause", "依据的条款", "the clause it comes from", write="text"),
        _c("quote", "原文", "quote", "原文的文字", "the source's words", width=60, write="text"),
        _c("note", "备注", "note", "说明", "a note", width=40, write="text"),
    ),
    row_name="advice",
)

CASES = Sheet(
    "cases",
    "案例",
    "Cases",
    (
        _c("name", "名称", "name", "案例的名称", "the case's name", width=40, write="text"),
        _c("on", "日期", "on", "计算日期", "evaluation date", write="date"),
        _c(
            "why", "计算过程", "why", "手工计算过程", "the hand computation", width=60, write="text"
        ),
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
        _c("sheet", "工作表", "sheet", "所说明的工作表", "the sheet explained", width=18),
        _c("column", "列", "column", "所说明的列", "the column explained", width=22),
        _c(
            "meaning",
            "含义",
            "meaning",
            "该列填写什么、如何填写",
            "what goes in it, how to write it",
            width=100,
        ),
    ),
    row_name="line",
)

SHEETS = (
    ABOUT,
    INPUTS,
    OUTPUTS,
    PARAMETERS,
    VALUES,
    SCALES,
    TABLES,
    FORMULAS,
    CHECKS,
    SUBJECT_TO,
    PROPERTIES,
    ADVICE,
    CASES,
)
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
            if column.write:  # the words of the header's prompt: what, and how to write it
                meaning = column.prompt()[1].replace("\n", " / ")
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


def case_prompt(side: str, name: str, zh: str, en: str, write: str) -> tuple[str, str]:
    """The prompt of a Cases column `in:NAME` or `out:NAME` for the field labelled zh / en."""
    if side == "in":
        meaning = (f"输入“{zh or name}”，不填则不给出", f"input {en or name}; empty: not given")
    else:
        meaning = (
            f"预期的“{zh or name}”，不填则不核对",
            f"expected {en or name}; empty: not checked",
        )
    _, text = prompt_text("", "", *meaning, write)
    return f"{side}:{name}"[:PROMPT_TITLE_LIMIT], text


# What a drop-down or a bound says when a typed value breaks it (Excel keeps 255 characters).
REFUSED_TITLE = "ratebook"
REFUSED_LIST = "只能填写下列之一 / one of: {listed}"
REFUSED_DATE = "{first} 至 {last} 之间的日期 / a date from {first} to {last}"
REFUSED_NUMBER = "{low} 至 {high} 之间的数 / a number from {low} to {high}"
REFUSED_RATE = (
    "0% 至 {high}% 之间的比例，如 30% 或 0.3 / a rate from 0% to {high}%, e.g. 30% or 0.3"
)
REFUSED_PLACES = "0 至 6 位小数 / 0 to 6 decimal places"
