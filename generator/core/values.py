"""What a spreadsheet cell holds, read exactly or refused with a reason.

Officers type numbers and dates in many ways, and spreadsheet programs store them in more.
Each function here takes a cell's value as openpyxl gives it (None, str, int, float, bool,
datetime) and returns the one value it means, or raises `CellProblem` with a message that
quotes the cell and says what is allowed. Nothing is guessed: a form that could mean two
things (`1,5`, `7/1/2012`, a bare 2012 in a date column) is refused, not read one way.

Accepted, beyond plain numbers and dates:
- numbers as text, with surrounding spaces, full-width digits (`２００００`), thousands
  separators in groups of three (`20,000`), a trailing `%` (`30%` is 0.3) or `万` (`2万` is
  20000), and the minus signs `-`, `－`, `−`;
- a float as Excel stores it, kept to Excel's own 15 significant digits (so a cached
  0.1+0.2 reads as 0.3, exactly);
- dates as date cells (no time of day), serial numbers between 1950 and 2099, and the text
  forms 2012-07-01, 2012/7/1, 2012.7.1 and 2012年7月1日.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Context, Decimal, InvalidOperation
from typing import overload

EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number
FIRST_DATE, LAST_DATE = dt.date(1950, 1, 1), dt.date(2099, 12, 31)
_NUMBER = re.compile(
    r"^(?P<sign>[-+]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d*)(?P<fraction>\.\d+)?(?P<suffix>%|万)?$"
)
_DATE = re.compile(
    r"^(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)$"
)
_YEAR_MONTH = re.compile(r"^(\d{4})\s*(?:-\s*(\d{1,2})|年\s*(\d{1,2})\s*月)$")
_YEAR = re.compile(r"^(\d{4})\s*年?$")
_SPACES = "\u00a0\u3000\u2002\u2003\u2009\ufeff"
TRUE_WORDS, FALSE_WORDS = ("true", "yes", "是"), ("false", "no", "否")
NUMBER_FORMS = "digits such as 20000, 0.3, 30%, 20,000 or 2万"
DATE_FORMS = "2012-07-01 (also 2012/7/1, 2012年7月1日, or a date cell)"


class CellProblem(Exception):
    """A cell whose value cannot be read as what its column needs."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def shown(value) -> str:
    """A cell value as quoted in a message."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float):
        return f"{value!r}"
    return f"'{value}'"


def clean_text(text: str) -> str:
    """Surrounding spaces (including no-break and full-width ones) removed."""
    return text.strip(" \t\r\n" + _SPACES)


def _ascii(text: str) -> str:
    """Full-width digits and signs made plain; the Unicode minus made a hyphen."""
    return unicodedata.normalize("NFKC", clean_text(text)).replace("\u2212", "-").strip()


# -- text ------------------------------------------------------------------------------------


def text(value) -> str | None:
    """Text as typed (trimmed); numbers written out; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        return clean_text(value) or None
    if isinstance(value, bool):
        raise CellProblem(f"{shown(value)} is a TRUE/FALSE cell; text is expected here")
    if isinstance(value, (int, float)):
        return plain(number(value))
    if isinstance(value, dt.datetime):
        return _date_of(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise CellProblem(f"{shown(value)} is not text")


def plain(value: Decimal) -> str:
    """20000, 0.3, 1.5: no exponent, no trailing zeros."""
    text_ = format(value.normalize(), "f")
    return text_


# -- numbers ---------------------------------------------------------------------------------


@overload
def number(value: int | float) -> Decimal: ...
@overload
def number(value: object) -> Decimal | None: ...
def number(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellProblem(
            f"{shown(value)} is a TRUE/FALSE cell, not a number; write {NUMBER_FORMS}"
        )
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return from_float(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise CellProblem(
            f"{shown(value)} is a date cell, not a number; format the cell as a number"
        )
    if isinstance(value, str):
        return number_text(value)
    raise CellProblem(f"{shown(value)} is not a number; write {NUMBER_FORMS}")


def from_float(value: float) -> Decimal:
    if value != value or value in (float("inf"), float("-inf")):
        raise CellProblem(f"{value!r} is not a finite number")
    if value.is_integer() and abs(value) < 1e15:
        return Decimal(int(value))
    exact = Decimal(repr(value))
    if len(exact.as_tuple().digits) <= EXCEL_DIGITS:
        return exact
    rounded = Context(prec=EXCEL_DIGITS).create_decimal(exact).normalize()
    return Decimal(int(rounded)) if rounded == rounded.to_integral_value() else rounded


def number_text(raw: str) -> Decimal | None:
    """A number typed as text; see the module docstring for the accepted forms."""
    typed = _ascii(raw)
    if not typed:
        return None
    compact = re.sub(r"\s+(?=[%万])", "", typed)
    match = _NUMBER.match(compact)
    if not match or not (match.group("whole") or match.group("fraction")):
        raise CellProblem(_number_hint(raw, compact))
    digits = (match.group("whole") or "0").replace(",", "") + (match.group("fraction") or "")
    try:
        value = Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise CellProblem(_number_hint(raw, compact)) from None
    if match.group("sign") == "-":
        value = -value
    suffix = match.group("suffix")
    if suffix == "%":
        value = value / 100
    elif suffix == "万":
        value = value * 10000
        if value == value.to_integral_value():
            value = Decimal(int(value))
    return value


def _number_hint(raw: str, typed: str) -> str:
    quoted = f"'{clean_text(raw)}'"
    if re.search(r"[0-9.]\s*(万?元|yuan|m2|㎡|平方米|人|名|个月|月|年|person|month|year)$", typed):
        return f"{quoted} is not a number: write it without its unit (the unit has its own column)"
    if "," in typed:
        return f"{quoted} is not a number: a comma is read only between groups of three digits (20,000); write a decimal point as ."
    if re.search(r"\d[eE][-+]?\d", typed):
        return f"{quoted} is not a number: write it out in full, without an exponent"
    if re.search(r"\d\s+\d", typed):
        return f"{quoted} is not a number: remove the spaces between the digits"
    return f"{quoted} is not a number; write {NUMBER_FORMS}"


def integer(value) -> int | None:
    parsed = number(value)
    if parsed is None:
        return None
    if parsed != parsed.to_integral_value():
        raise CellProblem(f"{shown(value)} is not a whole number")
    return int(parsed)


# -- TRUE / FALSE ------------------------------------------------------------------------------


def flag(value) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = _ascii(value).casefold()
        if not word:
            return None
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise CellProblem(
        f"{shown(value)} is not TRUE or FALSE; write TRUE or FALSE (also yes/no, 是/否)"
    )


# -- dates -----------------------------------------------------------------------------------


def _date_of(value: dt.datetime) -> dt.date:
    if value.time() != dt.time(0, 0):
        raise CellProblem(f"{shown(value)} has a time of day; a date alone is expected")
    return value.date()


def _serial(value, epoch: dt.datetime) -> dt.date:
    from openpyxl.utils.datetime import from_excel

    if isinstance(value, float) and not value.is_integer():
        raise CellProblem(
            f"{shown(value)} is a number with a fraction, not a date; write {DATE_FORMS}"
        )
    serial = int(value)
    try:
        day = from_excel(serial, epoch)
    except (ValueError, OverflowError):
        day = None
    day = day.date() if isinstance(day, dt.datetime) else day
    if day is None or not FIRST_DATE <= day <= LAST_DATE:
        raise CellProblem(
            f"'{serial}' is a number, not a date (as a date serial it is outside "
            f"{FIRST_DATE.year}–{LAST_DATE.year}); write {DATE_FORMS}"
        )
    return day


def date(value, epoch: dt.datetime | None = None) -> str | None:
    """'YYYY-MM-DD' for a date in any accepted form; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellProblem(f"{shown(value)} is not a date; write {DATE_FORMS}")
    if isinstance(value, dt.datetime):
        return _date_of(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return _serial(value, epoch or _default_epoch()).isoformat()
    if isinstance(value, str):
        typed = _ascii(value)
        if not typed:
            return None
        match = _DATE.match(typed)
        if not match:
            raise CellProblem(
                f"'{clean_text(value)}' is not a date ratebook reads; write {DATE_FORMS}"
            )
        year, month, day = (
            match.group(1),
            match.group(2) or match.group(4),
            match.group(3) or match.group(5),
        )
        try:
            return dt.date(int(year), int(month), int(day)).isoformat()
        except ValueError:
            raise CellProblem(f"'{clean_text(value)}' is not a real date") from None
    raise CellProblem(f"{shown(value)} is not a date; write {DATE_FORMS}")


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
                raise CellProblem(f"'{clean_text(value)}' is not a real month")
            return f"{month.group(1)}-{number_:02d}"
    try:
        return date(value, epoch)
    except CellProblem:
        raise CellProblem(
            f"{shown(value)} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD "
            "(also 2012年, 2012年8月, 2012年8月14日)"
        ) from None


def _default_epoch() -> dt.datetime:
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900

    return CALENDAR_WINDOWS_1900


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
        raise CellProblem(f"{shown(value)} is not a list of values; write them separated by commas")
    if isinstance(value, (int, float)):
        return [integer(value)]
    typed = clean_text(str(value))
    if not typed:
        return None
    items: list = []
    position = 0
    while position < len(typed):
        match = _ITEM.match(typed, position)
        if match is None or match.end() == position:
            raise CellProblem(
                f"'{typed}' is not a list of values; separate them with commas, "
                'and quote a value only as a whole ("a, b")'
            )
        quoted, bare = match.group(1), match.group(2)
        position = match.end()
        if quoted is not None:
            items.append(quoted)
            continue
        item = _ascii(bare)
        if not item:
            raise CellProblem(
                f"'{typed}' has an empty item; separate the values with single commas"
            )
        items.append(int(item) if re.fullmatch(r"-?\d+", item) else item)
    return items


def is_plain_number_text(text_: str) -> bool:
    """ASCII text that the evaluator itself reads as a number (as it would from YAML)."""
    if not text_.isascii() or "%" in text_:
        return False
    try:
        return Decimal(text_).is_finite()
    except InvalidOperation:
        return False


def case_value(value, field_type: str | None, epoch: dt.datetime | None = None):
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
        parsed = number(value)
        return (
            int(parsed)
            if parsed == parsed.to_integral_value() and isinstance(value, int)
            else parsed
        )
    typed = clean_text(str(value))
    if not typed:
        return None
    if field_type in ("number", "integer") and not is_plain_number_text(typed):
        return number_text(typed)
    if field_type == "date":
        canonical = date(typed, epoch)
        return typed if typed == canonical else canonical
    return typed
