"""One reader of values: what a cell, a text field or a YAML scalar means, read exactly or refused.

The same text reaches ratebook through a policy workbook, a YAML policy, a case file (CSV,
Excel, YAML, JSON Lines, Parquet) and `--set`. Every one of those readers calls this module,
so one text means one value everywhere, or is refused everywhere with the same reason: a
`Refusal` carrying a stable code and named parameters, whose sentence comes from the message
catalogue. Nothing is
guessed: a form that could mean two things (`1,5`, `7/1/2012`, a bare 2012 in a date column)
is refused, not read one way.

What a text may be, beyond the plain forms (`20000`, `0.3`, `2012-07-01`, `true`):
- any field: surrounding spaces (also no-break and full-width ones) are dropped, full-width
  letters, digits and signs (`２００００`, `ＴＲＵＥ`) read as their plain forms, and a text of
  spaces is empty, as if the field were not given;
- a number: thousands separators in groups of three (`20,000`), a trailing `万` (`2万` is
  20000), and the minus signs `-`, `－`, `−`. When the caller gives the field's unit, the
  number may carry that unit (`35000元`, `¥35,000` on yuan, `50平方米` on m2, `3人` on
  person, `6个月` on month; see UNIT_WORDS) and another unit is refused, and `30%` (0.3) is
  read only on a ratio (unit `1`); without a unit, `30%` is read and a unit is refused.
  Refused with a hint: an exponent (`1e3`), spaces or a comma inside the digits (`20 000`,
  `1,5`), a point with no digit after it (`5.`);
- an integer: a number as above whose value is whole (`2.0`, `3.5万`);
- true or false: `true`/`yes`/`是` and `false`/`no`/`否`, in any case;
- a date: 2012-07-01, 2012-7-1, 2012/7/1, 2012.7.1 and 2012年7月1日 (year first, always);
- an enum: one of its values, as written.

Two kinds of caller, which differ only in what a non-text value means:
- a spreadsheet *cell* (`number`, `integer`, `date`, `flag`, `text`, `case_value`): a float
  is what Excel stored and is kept to Excel's own 15 significant digits (a cached 0.1+0.2 is
  0.3), and a whole number in a date column is a date serial between 1950 and 2099;
- a *value* a program or a typed file passes (`read_number`, `read_integer`, `read_date`,
  `flag`, `choice`, or `read` for any kind): a float is its shortest decimal (`repr`), and
  a number is never a date.

Kept to the standard library: `generator.runtime` reads every input of a case through it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Context, Decimal, InvalidOperation
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from generator.core.messages import Message
    from generator.core.unit_words import UnitLabel

EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number
FIRST_DATE, LAST_DATE = dt.date(1950, 1, 1), dt.date(2099, 12, 31)
KINDS = ("number", "integer", "boolean", "enum", "date")

_NUMBER = re.compile(
    r"(?P<sign>[-+]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d*)(?P<fraction>\.\d+)?\s*(?P<suffix>%|万)?"
)
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")  # read by Decimal() alone: the fast path
_DATE = re.compile(
    r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)"
)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*(?:-\s*(\d{1,2})|年\s*(\d{1,2})\s*月)$")
_YEAR = re.compile(r"^(\d{4})\s*年?$")
# what str.strip() drops (every character with isspace()), and the invisible BOM and zero-width
# space that spreadsheets and editors leave at the ends of a field
SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u200b"
)
# full-width ASCII (what a Chinese input method types in full-width mode) and the minus signs
_PLAIN_FORMS: dict[int, int | str] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_PLAIN_FORMS.update({0x3000: " ", 0x2212: "-", 0xFE63: "-"})
TRUE_WORDS, FALSE_WORDS = ("true", "yes", "是"), ("false", "no", "否")


class Refusal(Exception):
    """A value that cannot be read as what is expected.

    `code` is stable (the same text refused anywhere gives the same code) and is the key of
    its sentence in the message catalogue (`generator.core.messages`); `params` names the
    parts of the sentence (`value` is the value as `shown` quotes it). `reason` is the
    catalogue message, `message` its English sentence, rendered only when asked for (so a
    case that reads cleanly never loads the catalogue's module)."""

    def __init__(self, code: str, **params: object):
        self.code = code
        self.params = params
        super().__init__(code, params)

    @property
    def reason(self) -> Message:
        from generator.core.messages import Message

        return Message(self.code, **self.params)

    @property
    def message(self) -> str:
        return str(self.reason)

    def __str__(self) -> str:
        return self.message


CellProblem = Refusal  # the name the workbook reader has always caught


def close_names(word: object, candidates) -> list[str]:
    """The candidates closest to `word` (the standard library's difflib, at most three), for a
    did-you-mean; when none is close as a whole, a dotted id is matched by its part after the
    last dot, so `benefit` finds `unemployment.benefit`. Called only when a name
    is refused, never on the way of a value that reads."""
    import difflib

    written = str(word).strip()
    names = [str(c) for c in candidates]
    found = difflib.get_close_matches(written, names, n=3)
    if found:
        return found
    tails: dict[str, list[str]] = {}
    for name in names:
        tails.setdefault(name.rpartition(".")[2], []).append(name)
    for tail in difflib.get_close_matches(written.rpartition(".")[2], list(tails), n=3):
        found += [name for name in tails[tail] if name not in found]
    return found[:3]


def did_you_mean(word: object, candidates) -> Message | str:
    """ "; did you mean 'scheme'?" as a message to fill in another's `{hint}`, or "" when no
    candidate is close."""
    close = close_names(word, candidates)
    if not close:
        return ""
    from generator.core.messages import Message

    return Message("did-you-mean", names=" / ".join(repr(name) for name in close))


def shown(value) -> str:
    """A value as quoted in a message: text in quotes, TRUE/FALSE as a spreadsheet shows them."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float):
        return f"{value!r}"
    if isinstance(value, str):
        return repr(clean_text(value))
    if isinstance(value, (int, Decimal, dt.date)):
        return f"'{value}'"
    return repr(value)


def clean_text(text: str) -> str:
    """Surrounding spaces (including no-break and full-width ones) removed."""
    return text.strip(SPACES)


def is_blank(value) -> bool:
    """Nothing given: no value, or a text of spaces."""
    return value is None or (isinstance(value, str) and not clean_text(value))


def _ascii(text: str) -> str:
    """Trimmed, with full-width letters, digits and signs and the Unicode minus made plain."""
    return clean_text(clean_text(text).translate(_PLAIN_FORMS))


# -- text ------------------------------------------------------------------------------------


def text(value) -> str | None:
    """Text as typed (trimmed); numbers written out; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        return clean_text(value) or None
    if isinstance(value, bool):
        raise Refusal("text.flag", value=shown(value))
    if isinstance(value, (int, float)):
        return plain(_cell_number(value))
    if isinstance(value, dt.datetime):
        return _date_of(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise Refusal("text.form", value=shown(value))


def plain(value: Decimal) -> str:
    """20000, 0.3, 1.5: no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


# -- numbers ---------------------------------------------------------------------------------


@overload
def number(value: int | float) -> Decimal: ...
@overload
def number(value: object) -> Decimal | None: ...
def number(value: object) -> Decimal | None:
    """A cell as a number (a float kept to Excel's 15 digits); None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, float):
        return from_float(value)
    return read_number(value)


def _cell_number(value: int | float) -> Decimal:
    """A number cell (never empty) as the number Excel shows."""
    return from_float(value) if isinstance(value, float) else Decimal(value)


def read_number(value, unit: str | None = None) -> Decimal | None:
    """A value as a number (a float read as its shortest decimal); None when empty.

    `unit` is the field's unit when the caller knows it (`yuan`, `yuan/month`, `1` for a
    ratio): then a text may carry that unit (`35000元`, `50平方米`, `6个月`) and a unit that
    differs is refused, and `30%` is read only when the unit is a ratio (`1`). Without it a
    text with a unit is refused and `30%` is read as on a ratio."""
    kind = type(value)
    if kind is str:
        if (value.isdigit() and value.isascii()) or _PLAIN_NUMBER.fullmatch(value):
            return Decimal(value)
        return number_text(value, unit)
    if kind is Decimal:
        if not value.is_finite():
            raise Refusal("number.not_finite", value=shown(value))
        return value
    if kind is int:
        return Decimal(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise Refusal("number.flag", value=shown(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise Refusal("number.not_finite", value=shown(value))
        return Decimal(repr(value))
    if isinstance(value, str):  # a subclass, such as numpy's str_
        return read_number(str(value), unit)
    if isinstance(value, int):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return read_number(Decimal(value))
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise Refusal("number.date", value=shown(value))
    raise Refusal("number.form", value=shown(value))


def from_float(value: float) -> Decimal:
    """A float as Excel stored it: its shortest decimal, cut to Excel's 15 significant digits."""
    if value != value or value in (float("inf"), float("-inf")):
        raise Refusal("number.not_finite", value=shown(value))
    if value.is_integer() and abs(value) < 1e15:
        return Decimal(int(value))
    exact = Decimal(repr(value))
    if len(exact.as_tuple().digits) <= EXCEL_DIGITS:
        return exact
    rounded = Context(prec=EXCEL_DIGITS).create_decimal(exact).normalize()
    return Decimal(int(rounded)) if rounded == rounded.to_integral_value() else rounded


def number_text(raw: str, unit: str | None = None) -> Decimal | None:
    """A number typed as text; see the module docstring for the accepted forms."""
    typed = _ascii(raw)
    if not typed:
        return None
    match = _NUMBER.fullmatch(typed)
    if not match or not (match.group("whole") or match.group("fraction")):
        if unit is not None:
            written = _UNIT_SUFFIX.fullmatch(typed) or _CURRENCY_PREFIX.fullmatch(typed)
            if written and written.group("number"):
                return _with_unit(raw, written.group("number"), written.group("unit"), unit)
        raise _number_refusal(raw, typed)
    if match.group("suffix") == "%" and unit is not None and not _is_ratio(unit):
        raise Refusal("number.percent", value=shown(raw), unit=_unit_words(unit))
    digits = match.group("whole").replace(",", "") + (match.group("fraction") or "")
    try:
        value = Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise _number_refusal(raw, typed) from None
    if match.group("sign") == "-":
        value = -value
    suffix = match.group("suffix")
    if suffix:
        exact = Context(prec=len(digits) + 6)  # enough digits that × or ÷ is never rounded
        if suffix == "%":
            value = exact.divide(value, Decimal(100))
        else:
            value = exact.multiply(value, Decimal(10000))
            if value == value.to_integral_value():
                value = Decimal(int(value))
    return value


# the unit words an officer writes after a number, and the unit each one is
UNIT_WORDS = {
    "元": "yuan",
    "yuan": "yuan",
    "平方米": "m2",
    "平米": "m2",
    "㎡": "m2",
    "m2": "m2",
    "m²": "m2",
    "人": "person",
    "名": "person",
    "person": "person",
    "个月": "month",
    "月": "month",
    "month": "month",
    "年": "year",
    "year": "year",
    "岁": "age",  # an age is not a duration: 60岁 is not 60年 of contributions
    "周岁": "age",
    "age": "age",
}
_WORD = "|".join(sorted((re.escape(w) for w in UNIT_WORDS), key=len, reverse=True))
_UNIT_SUFFIX = re.compile(
    rf"(?P<number>.*?[0-9.万])\s*(?P<unit>(?:{_WORD})(?:\s*/\s*(?:{_WORD}))*)", re.IGNORECASE
)
_CURRENCY_PREFIX = re.compile(r"(?P<unit>[¥￥])\s*(?P<number>[-+]?[0-9].*)")


def _is_ratio(unit: str) -> bool:
    return unit.strip() in ("", "1")


def _with_unit(raw: str, number: str, written: str, unit: str) -> Decimal | None:
    """`35000元` on a field in `unit`: the number when the written unit is the field's unit."""
    from generator.core.units import Unit

    words = [w.strip().lower() for w in written.split("/")]
    given = "/".join(UNIT_WORDS.get(w, UNIT_WORDS.get(w.upper(), w)) for w in words)
    given = "yuan" if written in ("¥", "￥") else given
    if _is_ratio(unit) or Unit.parse(given) != Unit.parse(unit):
        raise Refusal(
            "number.unit-mismatch", value=shown(raw), given=written, unit=_unit_words(unit or "1")
        )
    if "%" in number:
        raise Refusal("number.percent", value=shown(raw), unit=_unit_words(unit))
    return number_text(number, unit)


def _unit_words(unit: str) -> UnitLabel:
    """The field's unit as a refusal names it: in words when shown (元, 平方米; yuan, m²).
    Imported here, on a refusal only: reading a plain number loads nothing of the catalogue."""
    from generator.core.unit_words import UnitLabel as Label

    return Label(unit)


def _number_refusal(raw: str, typed: str) -> Refusal:
    """The refusal of a text that is not a number, with a hint when its form shows why."""
    quoted = shown(raw)
    if re.search(
        r"[0-9.]\s*(万?元|yuan|m2|㎡|平方米|人|名|个月|月|年|person|month|year)$", typed
    ) or re.match(r"[¥￥$]|RMB|CNY", typed):
        return Refusal("number.unit", value=quoted)
    if "," in typed:
        return Refusal("number.comma", value=quoted)
    if re.search(r"\d[eE][-+]?\d", typed):
        return Refusal("number.exponent", value=quoted)
    if re.search(r"\d\s+\d", typed):
        return Refusal("number.spaces", value=quoted)
    return Refusal("number.form", value=quoted)


def integer(value) -> int | None:
    """A cell as a whole number; None for an empty cell."""
    return _whole(value, number)


def read_integer(value, unit: str | None = None) -> int | None:
    """A value as a whole number (with its unit as `read_number` reads it); None when empty."""
    if type(value) is int:
        return value
    if unit is None:
        return _whole(value, read_number)
    return _whole(value, lambda v: read_number(v, unit))


def _whole(value, read) -> int | None:
    """`read(value)` if it is whole; 'not a whole number' also for a text that is no number,
    unless its form tells more (a unit, a comma, an exponent)."""
    try:
        parsed = read(value)
    except Refusal as refusal:
        if refusal.code == "number.form":
            raise Refusal("integer.not_whole", value=shown(value)) from None
        raise
    if parsed is None:
        return None
    if parsed != parsed.to_integral_value():
        raise Refusal("integer.not_whole", value=shown(value))
    return int(parsed)


# -- TRUE / FALSE ------------------------------------------------------------------------------


def flag(value) -> bool | None:
    """TRUE or FALSE (also yes/no, 是/否 in any case or width); None when empty."""
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    if isinstance(value, str):
        word = _ascii(value).casefold()
        if not word:
            return None
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise Refusal("boolean.form", value=shown(value))


# -- enum --------------------------------------------------------------------------------------


def choice(value, allowed: tuple, labels: dict | None = None):
    """The one of `allowed` that `value` names (as written, trimmed), or whose label it is
    (`labels`: label text → value, 职工 → employee); None when empty."""
    by_value, by_text = _choices(allowed)
    try:
        found = by_value.get((type(value), value), _ABSENT)
    except TypeError:  # an unhashable value: compared one by one
        found = next((c for c in allowed if value == c and type(value) is type(c)), _ABSENT)
    if found is not _ABSENT:
        return found
    if is_blank(value):
        return None
    if not isinstance(value, bool):
        typed = clean_text(str(value))
        if typed in by_text:
            return by_text[typed]
        if labels and typed in labels:
            return labels[typed]
    raise Refusal(
        "enum.not_allowed",
        value=shown(value),
        allowed=allowed_words(allowed, labels),
        hint=did_you_mean(value, allowed) or did_you_mean(value, tuple(labels or ())),
    )


_CHOICES: dict[int, tuple[tuple, dict, dict]] = {}
_ABSENT = object()


def _choices(allowed: tuple) -> tuple[dict, dict]:
    """`allowed` indexed by (type, value) and by text, each the first of its kind as written,
    so that an enum of thousands of values (a catalogue's codes) is found in one lookup.

    Indexes are kept per tuple object: a generated module and a policy pass the same tuple on
    every call. The tuple is held with its index, so its id cannot name another tuple later;
    the store is emptied when it grows past a few thousand tuples (ones made on the fly).
    """
    found = _CHOICES.get(id(allowed))
    if found is not None and found[0] is allowed:
        return found[1], found[2]
    by_value: dict = {}
    by_text: dict = {}
    for candidate in allowed:
        try:
            by_value.setdefault((type(candidate), candidate), candidate)
        except TypeError:  # an unhashable value (an invalid policy): equal to no hashable one
            pass
        by_text.setdefault(str(candidate), candidate)
    if len(_CHOICES) > 4096:
        _CHOICES.clear()
    _CHOICES[id(allowed)] = (allowed, by_value, by_text)
    return by_value, by_text


def allowed_words(allowed: tuple, labels: dict | None = None) -> str:
    """An enum's values for a message, each with its labels: employee (职工, Employee), …"""
    words: dict[str, list[str]] = {}
    for text, value in (labels or {}).items():
        words.setdefault(str(value), []).append(text)
    return ", ".join(
        f"{a} ({', '.join(words[str(a)])})" if str(a) in words else str(a) for a in allowed
    )


# -- dates -----------------------------------------------------------------------------------


def _date_of(value: dt.datetime) -> dt.date:
    if value.time() != dt.time(0, 0):
        raise Refusal("date.time_of_day", value=shown(value))
    return value.date()


def _serial(value, epoch: dt.datetime) -> dt.date:
    from openpyxl.utils.datetime import from_excel

    if isinstance(value, float) and not value.is_integer():
        raise Refusal("date.serial_fraction", value=shown(value))
    serial = int(value)
    try:
        day = from_excel(serial, epoch)
    except (ValueError, OverflowError):
        day = None
    day = day.date() if isinstance(day, dt.datetime) else day
    if day is None or not FIRST_DATE <= day <= LAST_DATE:
        raise Refusal(
            "date.serial_range",
            value=f"'{serial}'",
            first=str(FIRST_DATE.year),
            last=str(LAST_DATE.year),
        )
    return day


def date(value, epoch: dt.datetime | None = None) -> str | None:
    """A cell as 'YYYY-MM-DD' (a whole number is a date serial); None for an empty cell."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value, epoch or _default_epoch()).isoformat()
    day = read_date(value)
    return None if day is None else day.isoformat()


def read_date(value) -> dt.date | None:
    """A value as a date (a number is never one); None when empty."""
    if isinstance(value, dt.datetime):
        return _date_of(value)
    if isinstance(value, dt.date):
        return value
    if value is None:
        return None
    if not isinstance(value, str):
        raise Refusal("date.form", value=shown(value))
    if _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise Refusal("date.not_real", value=shown(value)) from None
    typed = _ascii(value)
    if not typed:
        return None
    match = _DATE.fullmatch(typed)
    if not match:
        raise Refusal("date.form", value=shown(value))
    year, month, day = (
        match.group(1),
        match.group(2) or match.group(4),
        match.group(3) or match.group(5),
    )
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise Refusal("date.not_real", value=shown(value)) from None


def source_date(value, epoch: dt.datetime | None = None) -> str | None:
    """A source document's date as it gives it: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'."""
    if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2100:
        return str(value)
    if isinstance(value, str):
        typed = _ascii(value)
        year = _YEAR.match(typed)
        if year:
            return year.group(1)
        month = _YEAR_MONTH.match(typed)
        if month:
            number_ = int(month.group(2) or month.group(3))
            if not 1 <= number_ <= 12:
                raise Refusal("source_date.month", value=shown(value))
            return f"{month.group(1)}-{number_:02d}"
    try:
        return date(value, epoch)
    except Refusal:
        raise Refusal("source_date.form", value=shown(value)) from None


def _default_epoch() -> dt.datetime:
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900

    return CALENDAR_WINDOWS_1900


# -- any kind ----------------------------------------------------------------------------------


def read(value, kind: str, allowed: tuple = (), unit: str | None = None):
    """`value` as a `kind` expects it (one of KINDS; `allowed` lists an enum's values; `unit`
    a number's unit, when known): Decimal, int, bool, one of `allowed`, or a date; None when
    empty; Refusal otherwise."""
    if kind == "number":
        return read_number(value, unit)
    if kind == "integer":
        return read_integer(value, unit)
    if kind == "boolean":
        return flag(value)
    if kind == "enum":
        return choice(value, allowed)
    if kind == "date":
        return read_date(value)
    raise ValueError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")


# -- lists and case values -----------------------------------------------------------------------

_ITEM = re.compile(r'\s*(?:"([^"]*)"|([^,，、;\n]*))\s*(?:[,，、;\n]|$)')


def name_list(value) -> list | None:
    """Enum values from one cell: 'employee, resident' or '1, 2, 3'.

    Items are separated by commas (also ， 、 ; or line breaks). An item of digits is a number;
    put it in double quotes ("1") to keep it as text.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise Refusal("list.flag", value=shown(value))
    if isinstance(value, (int, float)):
        return [integer(value)]
    typed = clean_text(str(value))
    if not typed:
        return None
    items: list = []
    for quoted, bare in _items(typed):
        if quoted is not None:
            items.append(quoted)
            continue
        item = _ascii(bare)
        if not item:
            raise Refusal("list.empty_item", value=shown(typed))
        items.append(int(item) if re.fullmatch(r"-?\d+", item) else item)
    return items


def label_list(value) -> list[str] | None:
    """Enum values' labels from one cell, in the order of the values: '职工, 居民'.

    Separated as enum values are (commas, ， 、 ; or line breaks); a label is kept as written
    (trimmed), and one holding a separator is put in double quotes."""
    if value is None:
        return None
    typed = value if isinstance(value, str) else text(value)  # a lone number written out
    typed = clean_text(typed or "")
    if not typed:
        return None
    return [quoted if quoted is not None else clean_text(bare) for quoted, bare in _items(typed)]


def _items(typed: str):
    """(quoted, bare) for each item of a list cell, one of them None; refused as a whole when
    the text is not a list of items."""
    position = 0
    while position < len(typed):
        match = _ITEM.match(typed, position)
        if match is None or match.end() == position:
            raise Refusal("list.form", value=shown(typed))
        position = match.end()
        yield match.group(1), match.group(2)


def is_plain_number_text(text_: str) -> bool:
    """ASCII text that the evaluator itself reads as a number (as it would from YAML)."""
    if not text_.isascii() or "%" in text_:
        return False
    try:
        return Decimal(text_).is_finite()
    except InvalidOperation:
        return False


def case_value(
    value, field_type: str | None, epoch: dt.datetime | None = None, unit: str | None = None
):
    """An input or expected output of an example case, as the case would write it in YAML.

    Numbers stay numbers and TRUE/FALSE stay booleans; text stays text, except that a number
    typed in one of the other accepted forms (20,000, ２００００, 2万) becomes the number it
    means and a date in any accepted form becomes YYYY-MM-DD, as the field's type requires.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime) or isinstance(value, dt.date):
        return date(value, epoch)
    if isinstance(value, (int, float)):
        if field_type == "date":
            return date(value, epoch)
        parsed = _cell_number(value)
        return (
            int(parsed)
            if parsed == parsed.to_integral_value() and isinstance(value, int)
            else parsed
        )
    typed = clean_text(str(value))
    if not typed:
        return None
    if field_type == "integer" and not is_plain_number_text(typed):
        return read_integer(typed, unit)  # refused here as the case reader would, quoting the cell
    if field_type == "number" and not is_plain_number_text(typed):
        return number_text(typed, unit)
    if field_type == "date":
        canonical = date(typed, epoch)
        return typed if typed == canonical else canonical
    return typed
