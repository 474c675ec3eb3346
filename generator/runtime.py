"""What generated modules and the interpreter share at evaluation time.

Kept to the standard library (decimal, datetime, bisect, and `generator.core.values`, the one
reader of values, itself standard library only) so that importing a generated module for one
case costs milliseconds. Both paths call these same primitives for dated lookups,
scales, rounding and input checks, so they can only differ in how formulas are walked,
which is exactly what the agreement tests compare.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from itertools import pairwise

from generator.core import values as _V

D = Decimal
MISSING = object()
INPUT_SCALE = (
    4  # the batch path reads number inputs in units of 0.0001; more decimals take the exact path
)
INPUT_LIMIT = 10**12  # |value| of a number input on the batch fast path (a trillion yuan)
LARGEST = Decimal(10) ** 15  # no amount, count or area of a case comes near; keeps arithmetic exact
ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}


class Problem:
    """One reason a case cannot be evaluated: the field it concerns ("" for the whole case), a
    catalogue key and its parameters (see `generator.core.messages`).

    Generated modules build and read plain `(field, message)` pairs, so a Problem unpacks,
    indexes, compares and prints as that pair. Its words are rendered from the catalogue only
    when they are read, so evaluating a valid case never loads the catalogue, and a reason can
    fill in another message (`{problem}`) in that message's language.
    """

    __slots__ = ("field", "key", "params")

    def __init__(self, field: str, key: str, /, **params: object):
        self.field = field
        self.key = key
        self.params = params

    @property
    def message(self) -> str:
        from generator.core.messages import render

        return render(self.key, self.params)

    def __str__(self) -> str:
        return self.message

    def __format__(self, spec: str) -> str:
        return format(self.message, spec)

    def pair(self) -> tuple[str, str]:
        return (self.field, self.message)

    def __iter__(self):
        return iter(self.pair())

    def __len__(self) -> int:
        return 2

    def __getitem__(self, index):
        return self.pair()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, Problem)):
            return self.pair() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.pair())

    def __repr__(self) -> str:
        return repr(self.pair())

    def __reduce__(self):
        return (_problem, (self.field, self.key, self.params))


def _problem(field: str, key: str, params: dict) -> Problem:
    return Problem(field, key, **params)


class EvaluationError(Exception):
    """A case that cannot be evaluated; `problems` is a list of (field, message) pairs
    (Problems, or plain pairs from a generated module's cross-field rules)."""

    def __init__(self, problems: list):
        self.problems = problems
        super().__init__(problems)

    def __str__(self) -> str:
        return "; ".join(f"{f}: {m}" if f else m for f, m in self.problems)


class InvalidCase(EvaluationError):
    """The case's inputs break a declared type, bound, enum or cross-field rule."""


class NotInForce(EvaluationError):
    """No value of a parameter is in force on the evaluation date."""


# -- dated values --------------------------------------------------------------------------


def at(starts: tuple, values: tuple, on: dt.date, name: str):
    """The value in force on `on`: the last one whose start is on or before it."""
    index = bisect_right(starts, on) - 1
    if index < 0:
        raise NotInForce(
            [Problem(name, "not-in-force", on=on.isoformat(), first=starts[0].isoformat())]
        )
    return values[index]


# -- scales ----------------------------------------------------------------------------------
# A bracket is (lower, lower_inclusive, upper, upper_inclusive, rate, amount); None = open.


class Scale:
    """A scale's brackets with what finds a value's bracket by bisection: a scale of thousands
    of brackets costs a few comparisons per case, not one per bracket.

    Built once (a generated module holds one per dated value, the interpreter one per value of
    a policy), it gives exactly what walking the brackets in order gives: the marginal total
    is the same sums in the same order (the whole brackets below x, then x's part), and a
    whole-amount lookup still answers with the first bracket, in order, that holds x. Brackets
    in any other shape (an invalid policy) are walked one by one as before.
    """

    __slots__ = ("brackets", "lows", "uppers", "below", "marginal_ready", "whole_ready")

    def __init__(self, brackets: tuple):
        self.brackets = brackets
        # where each bracket starts for a marginal scale (open below = 0) ...
        self.lows = [D(0) if b[0] is None else b[0] for b in brackets]
        # ... and where each ends for a whole-amount one (open above = after every number)
        self.uppers = [(1, D(0)) if b[2] is None else (0, b[2]) for b in brackets]
        self.below: list = []  # the marginal total of the whole brackets before each one
        total = D(0)
        for (_, _, upper, _, rate, _), low in zip(brackets, self.lows, strict=True):
            self.below.append(total)
            if upper is not None and rate is not None:
                total += (upper - low) * rate
        try:
            self.marginal_ready = all(
                b[2] is not None and b[2] <= next_low and low <= next_low
                for b, low, next_low in zip(brackets, self.lows, self.lows[1:], strict=False)
            )
            lowers = [(0, D(0)) if b[0] is None else (1, b[0]) for b in brackets]
            self.whole_ready = all(a <= b for a, b in pairwise(lowers)) and all(
                a <= b for a, b in pairwise(self.uppers)
            )
        except (ArithmeticError, TypeError):  # a bound that is not a number: walk them
            self.marginal_ready = self.whole_ready = False


def _scale(brackets) -> Scale:
    return brackets if isinstance(brackets, Scale) else Scale(brackets)


def marginal(brackets, x: Decimal) -> Decimal:
    """Each part of x within a bracket at that bracket's rate (segments, like tax brackets).

    `brackets` is a Scale or its plain tuple of brackets."""
    scale = _scale(brackets)
    if not scale.marginal_ready:
        return _marginal_walk(scale.brackets, x)
    # the last bracket starting below x: every one before it lies whole below x
    index = bisect_left(scale.lows, x) - 1
    if index < 0:
        return D(0)
    _, _, upper, _, rate, _ = scale.brackets[index]
    low = scale.lows[index]
    high = x if upper is None or x < upper else upper
    return scale.below[index] + (high - low) * rate


def _marginal_walk(brackets: tuple, x: Decimal) -> Decimal:
    total = D(0)
    for lower, _, upper, _, rate, _ in brackets:
        low = D(0) if lower is None else lower
        if x <= low:
            break
        high = x if upper is None or x < upper else upper
        total += (high - low) * rate
    return total


def whole_amount(brackets, x: Decimal, name: str) -> Decimal:
    """The amount (or rate × x) of the one bracket x falls in; none is an error, not zero.

    `brackets` is a Scale or its plain tuple of brackets."""
    scale = _scale(brackets)
    # in order, the brackets ending below x cannot hold it, nor can those starting above it
    start = bisect_left(scale.uppers, (0, x)) if scale.whole_ready else 0
    for index in range(start, len(scale.brackets)):
        lower, lower_inclusive, upper, upper_inclusive, rate, amount = scale.brackets[index]
        if lower is not None and (x < lower or (x == lower and not lower_inclusive)):
            if scale.whole_ready and x < lower:
                break
            continue
        if upper is not None and (x > upper or (x == upper and not upper_inclusive)):
            continue
        return amount if amount is not None else x * rate
    raise EvaluationError([Problem(name, "no-bracket", value=x)])


def table(rows: dict, key, name: str) -> Decimal:
    try:
        return rows[key]
    except KeyError:
        raise EvaluationError([Problem(name, "no-table-row", key=key)]) from None


# -- arithmetic ------------------------------------------------------------------------------


def divide(a: Decimal, b: Decimal, where: str) -> Decimal:
    if b == 0:
        raise EvaluationError([Problem(where, "division-by-zero")])
    return a / b


def clamp(x: Decimal, low: Decimal, high: Decimal, where: str) -> Decimal:
    if low > high:
        raise EvaluationError([Problem(where, "clamp-crossed", low=low, high=high)])
    return low if x < low else high if x > high else x


def round_to(x: Decimal, places: int, mode: str = "half_up") -> Decimal:
    """`x` to `places` decimals; a result of 10^15 or more (which no amount, count or area
    reaches, and which the batch path could not hold exactly) makes the case invalid: its
    inputs, each within bounds, are together beyond what the policy can pay."""
    if not abs(x) < LARGEST:
        raise InvalidCase([Problem("", "result-too-large", value=f"{x:.6g}")])
    return x.quantize(D(1).scaleb(-places), rounding=ROUNDING_MODES[mode])


def floor(x: Decimal) -> Decimal:
    return x.to_integral_value(rounding=ROUND_FLOOR)


def ceil(x: Decimal) -> Decimal:
    return x.to_integral_value(rounding=ROUND_CEILING)


def as_integer(x: Decimal | int, name: str) -> int:
    if isinstance(x, int):  # an integer output that is an integer input as it is
        return x
    if x != x.to_integral_value():
        raise EvaluationError([Problem(name, "not-whole-result", value=x)])
    return int(x)


# -- inputs ------------------------------------------------------------------------------------
# Each reader of a case field appends a Problem to `problems` and returns the typed value (or
# None), so one call reports every bad field of a case at once. What a text means is decided
# by `generator.core.values`, the one reader shared with policy workbooks, YAML policies and
# case files; a refusal's code and parameters become the Problem's.


def _refused(name: str, refusal: _V.Refusal) -> Problem:
    """A value the reader refused, as the case's problem with the same code and words."""
    return Problem(name, refusal.code, **refusal.params)


def _given(case: dict, name: str, default, problems: list):
    value = case.get(name, MISSING)
    if value is MISSING or value is None or (type(value) is str and not value.strip(_V.SPACES)):
        if default is MISSING:
            problems.append(Problem(name, "input-required"))
            return MISSING
        return default
    return value


def _bounds(name: str, value, minimum, maximum, problems: list):
    if minimum is not None and value < minimum:
        problems.append(Problem(name, "input-below-minimum", value=value, minimum=minimum))
    elif maximum is not None and value > maximum:
        problems.append(Problem(name, "input-above-maximum", value=value, maximum=maximum))
    return value


def number(
    case: dict, name: str, minimum=None, maximum=None, default=MISSING, problems=None, unit=None
):
    """The number input `name` (in `unit`, when the policy declares one: `35000元` reads on a
    yuan field, `30%` only on a ratio)."""
    return _numeric(case, name, minimum, maximum, default, problems, unit, whole=False)


def integer(
    case: dict, name: str, minimum=None, maximum=None, default=MISSING, problems=None, unit=None
):
    return _numeric(case, name, minimum, maximum, default, problems, unit, whole=True)


def _numeric(case: dict, name: str, minimum, maximum, default, problems, unit, whole: bool):
    """A number or integer input: read, refused when empty or past LARGEST, then bounded."""
    value = _given(case, name, default, problems)
    if value is MISSING:
        return None
    try:
        parsed = _V.read_integer(value, unit) if whole else _V.read_number(value, unit)
    except _V.Refusal as refusal:
        problems.append(_refused(name, refusal))
        return None
    if parsed is None:  # a value that reads as empty is not given
        problems.append(Problem(name, "input-required"))
        return None
    if not -LARGEST < parsed < LARGEST:  # abs(parsed) >= LARGEST
        key = "integer.not_whole" if whole else "input-too-large"
        problems.append(Problem(name, key, value=_V.shown(value)))
        return None
    return _bounds(name, parsed, minimum, maximum, problems)


def choice(case: dict, name: str, allowed: tuple, default=MISSING, problems=None, labels=None):
    """The enum value a case gives by its id or by its label (`labels`: text → value)."""
    value = _given(case, name, default, problems)
    if value is MISSING:
        return None
    try:
        return _V.choice(value, allowed, labels)
    except _V.Refusal as refusal:
        problems.append(_refused(name, refusal))
        return None


def boolean(case: dict, name: str, default=MISSING, problems=None):
    value = _given(case, name, default, problems)
    if value is MISSING:
        return None
    try:
        return _V.flag(value)
    except _V.Refusal as refusal:
        problems.append(_refused(name, refusal))
        return None


def date(case: dict, name: str, default=MISSING, problems=None):
    value = _given(case, name, default, problems)
    if value is MISSING:
        return None
    try:
        return _V.read_date(value)
    except _V.Refusal as refusal:
        problems.append(_refused(name, refusal))
        return None


def typed_inputs(case: dict, types: dict, labels: dict) -> dict:
    """The inputs a case gives, each as the value it was read as, in the JSON types of the
    policy's published case schema: a number as a JSON number, an integer as an integer, a flag
    as true/false, an enum value as the policy declares it (a label read as its id), a date as
    YYYY-MM-DD; for `eval --json`, whose echo then validates against that schema.

    `types`: input name -> (type, detail), the generated module's INPUT_TYPES (detail: the unit
    of a number or integer, the values of an enum). A value that does not read (the case was
    not evaluated) stays as given.
    """
    typed = {}
    for name, given in case.items():
        kind, detail = types.get(name, ("", None))
        problems: list = []
        if kind == "enum":
            value = choice(case, name, tuple(detail), problems=problems, labels=labels.get(name))
        elif kind == "number":
            value = number(case, name, problems=problems, unit=detail)
        elif kind == "integer":
            value = integer(case, name, problems=problems, unit=detail)
        elif kind == "boolean":
            value = boolean(case, name, problems=problems)
        elif kind == "date":
            value = date(case, name, problems=problems)
        else:
            value = None
        typed[name] = given if value is None or problems else _json_value(value)
    return typed


def _json_value(value):
    """A read value as JSON holds it: a Decimal as an integer when whole, else as the float
    whose shortest form is its digits (exact for the up to 15 significant digits of any
    amount a case gives); a date as YYYY-MM-DD."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def unknown_fields(case: dict, known: tuple, problems: list) -> None:
    for name in case:
        if name not in known:
            hint = _V.did_you_mean(name, known)  # only for a name that is refused
            problems.append(Problem(name, "input-unknown", allowed=", ".join(known), hint=hint))


def evaluation_date(on) -> dt.date:
    """The date a case is evaluated on, read as every other date (2012-07-01, 2012/7/1, …)."""
    if isinstance(on, dt.date) and not isinstance(on, dt.datetime):
        return on
    try:
        day = _V.read_date(on if isinstance(on, (str, dt.date)) else str(on))  # numpy's too
    except _V.Refusal as refusal:
        raise InvalidCase([_refused("on", refusal)]) from None
    if day is None:
        raise InvalidCase([Problem("on", "input-not-date", value=on)])
    return day


# -- advisory thresholds ---------------------------------------------------------------------


def keeps(comparator: str, figure, value) -> bool:
    """Whether `figure` keeps an advisory threshold `comparator value` (at_least 200: 200 does)."""
    if comparator == "at_least":
        return figure >= value
    if comparator == "above":
        return figure > value
    if comparator == "at_most":
        return figure <= value
    return figure < value  # below


# the words of what an advisory threshold asks, by its comparator (catalogue keys)
ADVICE_BOUNDS = {
    "at_least": "bound.at_least",
    "above": "bound.above",
    "at_most": "bound.at_most",
    "below": "bound.below",
}


def advice_bound(row: tuple):
    """What an advisory threshold (an ADVICE row) asks, in words: `at least 200 m² (不少于)`."""
    from generator.core.messages import Message
    from generator.core.unit_words import amount

    comparator, word, value, unit = row[2], row[3], row[4], row[5]
    return Message(ADVICE_BOUNDS[comparator], value=amount(value, unit), word=word)


def advice_line(row: tuple):
    """An advisory threshold (an ADVICE row) as one line without a case's figure, in the
    language current when it is shown: `[code] 三(四) asks for at least 200 m² (不少于): …`.
    What a batch file's advice column, the rule book and the desk's policy page give."""
    from generator.core.messages import CHINESE, Message, current_language

    code, clause, zh, en = row[0], row[6], row[7], row[8]
    return Message(
        "advice.column",
        code=code,
        clause=clause or "-",
        bound=advice_bound(row),
        message=(zh if current_language() == CHINESE else en) or zh or en,
    )


class Advice:
    """An advisory threshold a case breaks: its result stands, and this is shown beside it.

    `row` is the threshold as the generated module's ADVICE holds it (`Advisory.row`): code,
    field, comparator, word, value, unit, clause and the policy's message in Chinese and
    English; `figure` the case's value of the field. Words are rendered from the catalogue
    only when shown, in the language of that moment."""

    __slots__ = ("row", "figure")

    def __init__(self, row: tuple, figure):
        self.row = row
        self.figure = figure

    @property
    def code(self) -> str:
        return self.row[0]

    @property
    def field(self) -> str:
        return self.row[1]

    def shown(self, labels: dict | None = None) -> str:
        """One line for a person: the field (by its label in Chinese), its figure, what the
        source asks and the policy's message, in the current language."""
        from generator.core.messages import CHINESE, Message, current_language
        from generator.core.shown import named
        from generator.core.unit_words import amount

        code, field, _comparator, _word, _value, unit, clause, zh, en = self.row
        chinese = current_language() == CHINESE
        bound = advice_bound(self.row)
        return str(
            Message(
                "advice",
                field=named(field, (labels or {}).get(field)),
                figure=amount(self.figure, unit),
                bound=bound,
                clause=clause or "-",
                message=(zh if chinese else en) or zh or en,
                code=code,
            )
        )

    def document(self, labels: dict | None = None) -> dict:
        """The advice as JSON holds it: its stable code, the field, the case's figure, the
        threshold (comparator, the source's word, value and unit id), clause and message."""
        code, field, comparator, word, value, unit, clause, _zh, _en = self.row
        return {
            "code": code,
            "field": field,
            "figure": _json_value(self.figure),
            "comparator": comparator,
            "word": word,
            "value": _json_value(value),
            "unit": unit,
            "clause": clause,
            "message": self.shown(labels),
        }


def advise(
    thresholds: tuple, case: dict, outputs: dict, types: dict, defaults: dict | None = None
) -> list:
    """The advisory thresholds an evaluated case breaks, as Advice, in the order declared.
    An input's figure is read as `evaluate` read it (`types`: the module's INPUT_TYPES;
    `defaults`: the value of an input the case may leave out)."""
    found = []
    for row in thresholds:
        field, comparator, value = row[1], row[2], row[4]
        if field in outputs:
            figure = outputs[field]
        else:
            kind, unit = types.get(field, ("number", None))
            read = integer if kind == "integer" else number
            default = (defaults or {}).get(field, MISSING)
            figure = read(case, field, default=default, problems=[], unit=unit)
        if (
            figure is not None
            and not isinstance(figure, bool)
            and not keeps(comparator, figure, value)
        ):
            found.append(Advice(row, figure))
    return found
