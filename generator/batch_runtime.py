"""Vectorised, exact evaluation support for the generated `evaluate_batch` functions.

Every number is a numpy int64 array of numerators over a power of ten fixed when the code is
generated (money in fen, rates as tenths or hundredths), so sums, products, comparisons and
half-up rounding are exact integer operations: no float ever decides a half fen. What the
fast path cannot do exactly — a value with more decimals than the column scale, a product
that could overflow int64, a division that does not terminate, a date before a rule is in
force, an invalid input — is flagged per row, and those rows alone go through the one-case
`evaluate`, which gives the exact answer or the exact error message. The batch and one-case
paths therefore agree by construction, and the property tests check it.

Imported only by `evaluate_batch`, so the one-case path never loads numpy.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np

from generator import runtime as rt
from generator import segments
from generator.core import values as V
from generator.runtime import INPUT_LIMIT, INPUT_SCALE  # noqa: E402  (shared with the compiler, which must not import numpy)
from generator.segments import wrapped

OVERFLOW = float(2**62)
EPOCH = dt.date(1970, 1, 1)
SMALL_SCALE = 10  # up to this many rate changes, summing beats searching (measured)
SHIFT = (
    2 * segments.SHIFT_LIMIT
)  # each version's block of a PiecewiseTable (|x|, |edges| below 2**55)


def keep_chunk_memory() -> None:
    """Ask glibc to keep chunk-sized arrays on its heap instead of mapping fresh pages each time.

    A chunk's arrays are a megabyte or two; by default glibc maps each one from the kernel and
    unmaps it when freed, so every new array costs hundreds of page faults (measured: the
    batch spent most of its time there). Raising the mmap threshold to 32 MB (its maximum) and
    the trim threshold keeps that memory for reuse. Process-wide, idempotent, and a no-op
    where the C library is not glibc."""
    global _TUNED
    if _TUNED:
        return
    _TUNED = True
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 256 * 1024 * 1024)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


_TUNED = False


def days(value) -> int:
    return (value - EPOCH).days


@dataclass
class BatchResult:
    """Outputs by name (int64 numerators over 10**places, int64 integers or bool arrays),
    which rows were evaluated, and every rejected row's (row, field, reason)."""

    outputs: dict
    places: dict
    valid: np.ndarray
    errors: list = field(default_factory=list)
    exact_path_rows: int = 0
    # advisory thresholds broken: (ADVICE row, bool mask of the rows that break it), in order
    advice: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.valid)

    def text(self, name: str) -> list:
        """An output as the strings `eval --json` prints ("5000.00"), None for rejected rows."""
        values, places = self.outputs[name], self.places[name]
        shown: list[object] = []
        for ok, value in zip(self.valid.tolist(), values.tolist(), strict=True):
            if not ok:
                shown.append(None)
            elif places is None:
                shown.append(value)
            else:
                shown.append(format(Decimal(value).scaleb(-places), "f"))
        return shown


class Batch:
    """One call of `evaluate_batch`: the columns, the dates, and the rows needing the exact path."""

    def __init__(self, columns: dict, on, inputs: tuple):
        keep_chunk_memory()
        self.columns = {name: columns[name] for name in inputs if name in columns}
        lengths = {len(c) for c in self.columns.values()}
        if isinstance(on, (list, tuple, np.ndarray)) or hasattr(on, "to_numpy"):
            lengths.add(len(on))
        if len(lengths) > 1:
            raise ValueError(f"columns have different lengths: {sorted(lengths)}")
        self.n = lengths.pop() if lengths else 0
        self.inputs = inputs
        self.exact = np.zeros(self.n, dtype=bool)
        self.on_raw = on
        self.on = self._dates(on)

    # -- rows for the exact path -------------------------------------------------------------

    def flag(self, mask) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.ndim == 0:
            if mask:
                self.exact[:] = True
            return
        self.exact |= mask

    @property
    def single_date(self) -> bool:
        return isinstance(self.on_raw, (dt.date, str))

    def _dates(self, on) -> np.ndarray:
        if isinstance(on, dt.date) or isinstance(on, str):
            return np.int64(days(rt.evaluation_date(on)))
        values = _as_array(on)
        if np.issubdtype(values.dtype, np.datetime64):
            result = values.astype("datetime64[D]").astype(np.int64)
            self.flag(np.isnat(values))
            return result
        result = np.zeros(self.n, dtype=np.int64)
        for i, value in enumerate(values.tolist()):
            try:
                result[i] = days(rt.evaluation_date(value))
            except rt.EvaluationError:
                self.flag(_row(self.n, i))
        return result

    # -- inputs --------------------------------------------------------------------------------

    def _missing_or(self, name: str):
        if name not in self.columns:
            return None
        return _as_array(self.columns[name])

    def number(
        self, name: str, minimum=None, maximum=None, default=None, integer=False
    ) -> np.ndarray:
        """Numerators over 10**INPUT_SCALE (integers: whole numbers); odd rows flagged."""
        scale = 0 if integer else INPUT_SCALE
        raw = self.columns.get(name)
        if raw is not None and _is_arrow(raw):
            converted = _arrow_numbers(raw, scale)
            if converted is not None:
                values, bad = converted
                if default is not None:
                    missing = np.asarray(raw.is_null().to_numpy(zero_copy_only=False), dtype=bool)
                    if missing.any():
                        values[missing] = _scaled(Decimal(str(default)), scale)
                        bad &= ~missing
                return self._bounded(values, bad, minimum, maximum, scale)
        column = self._missing_or(name)
        if column is None:
            if default is None:
                self.flag(np.ones(self.n, dtype=bool))
                return np.zeros(self.n, dtype=np.int64)
            return np.full(self.n, _scaled(Decimal(str(default)), scale), dtype=np.int64)
        if column.dtype.kind in "iu":
            values = column.astype(np.int64) * (10**scale)
            bad = np.abs(column) >= INPUT_LIMIT
        elif column.dtype.kind == "f":
            # exact when the float's shortest decimal has at most `scale` places, which is
            # what the one-case path reads (Decimal(repr(x))); anything else is flagged
            unit = float(10**scale)
            multiplied = np.multiply(column, unit)
            np.rint(multiplied, out=multiplied)
            bad = np.divide(multiplied, unit) != column  # more decimals than `scale`; NaN too
            low, high = multiplied.min(initial=0.0), multiplied.max(initial=0.0)
            if not (
                -INPUT_LIMIT * unit < low and high < INPUT_LIMIT * unit
            ):  # rare: look row by row
                bad |= ~(np.abs(multiplied) < INPUT_LIMIT * unit)
            with np.errstate(invalid="ignore"):  # NaN/huge rows are flagged just above
                values = multiplied.astype(np.int64)
            if bad.any():
                values[bad] = 0
                if default is not None:
                    missing = np.isnan(column)
                    values[missing] = _scaled(Decimal(str(default)), scale)
                    bad &= ~missing
        elif column.dtype.kind == "b":
            bad = np.ones(self.n, dtype=bool)
            values = np.zeros(self.n, dtype=np.int64)
        else:
            values, bad = _parse_numbers(column.tolist(), scale, default)
        return self._bounded(values, bad, minimum, maximum, scale)

    def _bounded(self, values, bad, minimum, maximum, scale: int):
        if minimum is not None and values.min(initial=0) < _scaled(minimum, scale):
            bad |= values < _scaled(minimum, scale)
        if maximum is not None and values.max(initial=0) > _scaled(maximum, scale):
            bad |= values > _scaled(maximum, scale)
        self.flag(bad)
        return values

    def choice(self, name: str, allowed: tuple, default=None, labels=None) -> np.ndarray:
        """Codes 0..k-1 in the declared order (the rank of an ordered enum); -1 flagged.

        The codes' dtype is the narrowest that holds every code of this enum (`code_dtype`):
        int8 up to 127 values, int16, then int32, so a large enum never wraps onto another
        value's code. A value is an enum value's id or one of its labels (`labels`: text →
        value, 职工 → employee): the few distinct texts are mapped once, never row by row in
        Python."""
        dtype = code_dtype(len(allowed))
        # each text a value may be written as, with its code: the ids, then the labels
        texts = [(str(a), i) for i, a in enumerate(allowed)] + [
            (text, allowed.index(value)) for text, value in (labels or {}).items()
        ]
        code_of = dict(reversed(texts))  # an id wins over a label of the same text
        raw = self.columns.get(name)
        if raw is None:
            if default is None:
                self.flag(np.ones(self.n, dtype=bool))
                return np.zeros(self.n, dtype=dtype)
            return np.full(self.n, allowed.index(default), dtype=dtype)
        if _is_arrow(raw):
            codes = _arrow_codes(raw, allowed, texts, code_of, dtype)
        else:
            codes = _array_codes(_as_array(raw), allowed, code_of, dtype)
        self.flag(codes < 0)
        return codes

    def boolean(self, name: str, default=None) -> np.ndarray:
        column = self._missing_or(name)
        if column is None:
            if default is None:
                self.flag(np.ones(self.n, dtype=bool))
            return np.full(self.n, bool(default), dtype=bool)
        if column.dtype.kind == "b":
            return column.astype(bool)
        text = np.array(
            [
                str(v).strip().lower() if isinstance(v, (str, bool, np.bool_)) else ""
                for v in column.tolist()
            ],
            dtype=object,
        )
        result = text == "true"
        self.flag(~(result | (text == "false")))
        return result

    def date(self, name: str, default=None) -> np.ndarray:
        column = self._missing_or(name)
        if column is None:
            if default is None:
                self.flag(np.ones(self.n, dtype=bool))
                return np.zeros(self.n, dtype=np.int64)
            return np.full(self.n, days(rt.evaluation_date(default)), dtype=np.int64)
        if np.issubdtype(column.dtype, np.datetime64):
            self.flag(np.isnat(column))
            return column.astype("datetime64[D]").astype(np.int64)
        result = np.zeros(self.n, dtype=np.int64)
        for i, value in enumerate(column.tolist()):
            problems: list = []
            parsed = rt.date({name: value}, name, problems=problems)
            if problems or parsed is None:
                self.flag(_row(self.n, i))
            else:
                result[i] = days(parsed)
        return result

    # -- dated values ----------------------------------------------------------------------------

    def version(self, starts: tuple):
        """Index of the value in force on each row's date (one int when the batch has one date);
        rows before the first value are flagged for the exact path, which says 'not in force'."""
        boundaries = np.array([days(s) for s in starts], dtype=np.int64)
        if self.single_date:
            index = int(np.searchsorted(boundaries, self.on, side="right")) - 1
            if index < 0:
                self.flag(np.ones(self.n, dtype=bool))
            return max(index, 0)
        index = np.searchsorted(boundaries, self.on, side="right") - 1
        self.flag(index < 0)
        return np.maximum(index, 0)

    def by_version(self, index, variants: tuple):
        """The value of the version in force: one call for a one-date batch, a select otherwise."""
        if not isinstance(index, np.ndarray):
            return variants[index]()
        if len(variants) == 1:
            return variants[0]()
        result = variants[0]()
        for i, variant in enumerate(variants[1:], start=1):
            chosen = index == i
            if np.any(chosen):
                result = self.pick(chosen, variant(), result)
        return result

    def pick(self, condition, then, otherwise):
        """`np.where(condition, then, otherwise)` for int64 numerators, without branches.

        Why: np.where branches per row, and on a condition that flips at random (a scheme
        column, say) the mispredictions make it about 3.5× slower than the arithmetic
        otherwise + condition × (then − otherwise). In int64 that arithmetic wraps modulo
        2**64, so the result is exactly `then` or `otherwise` even when the difference wraps.
        """
        condition = np.asarray(condition)
        if condition.ndim == 0:
            return then if condition else otherwise
        difference = np.subtract(then, otherwise, dtype=np.int64)
        if difference.shape == condition.shape:
            np.multiply(difference, condition, out=difference)
        else:
            difference = np.multiply(condition, difference, dtype=np.int64)
        np.add(difference, otherwise, out=difference)
        return difference

    def marginal(self, x, steps: tuple, checked: bool):
        """Σ rate × the part of x in each segment, written as Σ Δrate × max(x − edge, 0):
        `steps` are (edge, change of rate) pairs from contiguous brackets (the validator
        guarantees no gaps), four in-place integer operations per edge."""
        total = None
        part = np.empty(self.n, dtype=np.int64)
        for edge, change in steps:
            np.subtract(x, np.int64(edge), out=part)
            np.maximum(part, 0, out=part)
            if checked:
                part = self.mul(part, change)
            else:
                np.multiply(part, change, out=part)
            if total is None:  # the first segment starts the sum: no zeros to add to
                total, part = part, np.empty(self.n, dtype=np.int64)
            else:
                np.add(total, part, out=total)
        return total if total is not None else np.zeros(self.n, dtype=np.int64)

    def parameter(self, values: tuple, version):
        """An amount or rate parameter's numerator in force on each row: `values` holds one
        per dated value (a constant of the generated function), `version` the index of each
        row's (or of the one date's)."""
        return constant(values)[version]

    def table(self, rows: tuple, version, key):
        """A table parameter's numerator for each row: `rows` holds one tuple per dated
        version with one numerator per enum value in order (a constant of the generated
        function), `key` each row's enum code (its rank), `version` as for `parameter`.
        The array is made once per module, so a table of 10,000 keys costs one gather per
        chunk, not a list of 10,000 turned into an array."""
        return constant(rows)[version, key]

    def scale(self, x, version, kind: str, versions: tuple, limit: int | None = None):
        """A scale's value for every row, in a constant number of passes whatever its size.

        kind "marginal": `versions` holds each dated version's (edge, change of rate) steps;
        kind "whole": each version's brackets (low, low_incl, high, high_incl, rate, amount).
        Both are piecewise linear in x, so a row's value is rate[s] × x + offset[s] for the
        segment s it falls in (one binary search, two gathers, a multiply and an add); rows
        dated into different versions search one table of every version's segments, each
        version's block shifted by its index (see PiecewiseTable), so versions cost nothing
        more either. A small marginal scale of one version is cheaper as Σ Δrate × max(x −
        edge, 0) (a few fused passes, no search): `marginal` takes those.

        Exact in int64: +, − and × wrap modulo 2**64, so the result is exact whenever the true
        value fits, which the emitter's bound guarantees; where it cannot, `limit` is the
        largest |x| whose value surely fits and larger rows take the exact path.
        """
        x = np.asarray(x)
        if limit is not None:
            risky = np.abs(x) > limit
            if np.any(risky):
                self.flag(risky)
                x = np.where(risky, 0, x)
        single = not isinstance(version, np.ndarray)
        if kind == "marginal" and single and len(versions[version]) <= SMALL_SCALE:
            return self.marginal(x, versions[version], False)
        table = piecewise_table(kind, versions)
        if single or len(versions) == 1:
            segment = table.segments(x, None if single else 0, int(version) if single else 0)
        elif table.shifted:
            segment = table.segments(x, version)
        else:  # edges or amounts too large to shift by version: one version at a time
            return self.by_version(
                version,
                tuple((lambda i=i: self.scale(x, i, kind, versions)) for i in range(len(versions))),
            )
        if not table.covered_everywhere:
            self.flag(~np.take(table.covered, segment))
        result = np.take(table.rates, segment)
        np.multiply(result, x, out=result)
        np.add(result, np.take(table.offsets, segment), out=result)
        return result

    def marginal_pick(self, condition, x, then: tuple, otherwise: tuple):
        """`pick(condition, marginal(x, A), marginal(x, B))` as one piecewise-linear lookup.

        Why: choosing between two marginal scales of the same amount (employee or resident
        rates, say) is the commonest shape of a contribution or compensation rule, and
        computing both sums for every row was most of its cost. Over the union of both
        scales' edges each (branch, segment) has one rate and one offset, Σ change × x and
        −Σ change × edge over the edges at or below the segment, so a row costs one compare
        per edge, two gathers, a multiply and an add. A row exactly on an edge gets the same
        value from either neighbouring segment (the scale is continuous there).

        then, otherwise: (version index, steps of every version) as `marginal` takes them;
        the emitter fuses only unchecked scales whose table products stay within int64.
        Rows dated into different versions, or a condition that is one value, take the
        two-sum form.
        """
        (then_version, then_steps), (otherwise_version, otherwise_steps) = then, otherwise
        condition = np.asarray(condition)
        x = np.asarray(x)
        if (
            condition.ndim == 0
            or x.ndim == 0
            or isinstance(then_version, np.ndarray)
            or isinstance(otherwise_version, np.ndarray)
        ):
            return self.pick(
                condition,
                self.scale(x, then_version, "marginal", then_steps),
                self.scale(x, otherwise_version, "marginal", otherwise_steps),
            )
        chosen = (otherwise_steps[otherwise_version], then_steps[then_version])  # branch 0, 1
        edges = sorted({edge for steps in chosen for edge, _ in steps})
        segments = len(edges) + 1
        if 2 * segments > 127:  # int8 indexes
            return self.pick(
                condition,
                self.scale(x, then_version, "marginal", then_steps),
                self.scale(x, otherwise_version, "marginal", otherwise_steps),
            )
        rates = np.zeros(2 * segments, dtype=np.int64)
        offsets = np.zeros(2 * segments, dtype=np.int64)
        for branch, steps in enumerate(chosen):
            for segment in range(1, segments):
                below = [(edge, change) for edge, change in steps if edge <= edges[segment - 1]]
                rates[branch * segments + segment] = sum(change for _, change in below)
                offsets[branch * segments + segment] = wrapped(
                    -sum(change * edge for edge, change in below)
                )
        index = condition.astype(np.int8)
        np.multiply(index, np.int8(segments), out=index)
        above = np.empty(self.n, dtype=bool)
        for edge in edges:
            np.greater_equal(x, np.int64(edge), out=above)
            np.add(index, above.view(np.int8), out=index)
        result = np.take(rates, index)
        np.multiply(result, x, out=result)
        np.add(result, np.take(offsets, index), out=result)
        return result

    # -- checked arithmetic ------------------------------------------------------------------------

    def mul(self, a, b):
        """a × b where the static bound says int64 might overflow: overflowing rows are flagged."""
        approx = np.abs(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64))
        risky = approx >= OVERFLOW
        if np.any(risky):
            self.flag(risky)
            a = np.where(risky, 0, a)
        return np.asarray(a, dtype=np.int64) * b

    def add(self, a, b):
        """a + b where the static bound says int64 might overflow."""
        risky = (
            np.abs(np.asarray(a, dtype=np.float64)) + np.abs(np.asarray(b, dtype=np.float64))
            >= OVERFLOW
        )
        if np.any(risky):
            self.flag(risky)
            a, b = np.where(risky, 0, a), np.where(risky, 0, b)
        return np.asarray(a, dtype=np.int64) + b

    def inexact(self) -> None:
        """The formula divides by something whose decimal does not end: use the exact path."""
        self.flag(np.ones(self.n, dtype=bool))

    def clamp(self, x, low, high):
        self.flag(np.broadcast_to(np.asarray(low > high), (self.n,)))
        return np.minimum(np.maximum(x, low), high)

    def whole_amount(self, x, brackets: tuple):
        """brackets: ((low, low_incl, high, high_incl, rate_num, amount_num), …) at x's scale;
        a row in no bracket is flagged (the exact path reports it)."""
        result = np.zeros(self.n, dtype=np.int64)
        matched = np.zeros(self.n, dtype=bool)
        for low, low_incl, high, high_incl, rate, amount in brackets:
            inside = np.ones(self.n, dtype=bool)
            if low is not None:
                inside &= (x >= low) if low_incl else (x > low)
            if high is not None:
                inside &= (x <= high) if high_incl else (x < high)
            inside &= ~matched
            value = amount if amount is not None else self.mul(x, rate)
            result = self.pick(inside, value, result)
            matched |= inside
        self.flag(~matched)
        return result

    def round(self, x, unit: int, mode: str):
        """x / unit rounded by `mode`, in integers (unit a power of ten ≥ 10)."""
        if mode == "half_up" and np.ndim(x) and x.min(initial=0) >= 0:
            result = np.add(x, unit // 2)
            np.floor_divide(result, unit, out=result)
            return result
        sign = np.where(x < 0, -1, 1)
        magnitude = np.abs(x)
        if mode == "half_up":
            return sign * ((magnitude + unit // 2) // unit)
        quotient, remainder = np.divmod(magnitude, unit)
        if mode == "half_even":
            up = (remainder * 2 > unit) | ((remainder * 2 == unit) & (quotient % 2 == 1))
            return sign * (quotient + up)
        if mode == "down":
            return sign * quotient
        return sign * (quotient + (remainder > 0))

    def integral(self, x, scale: int):
        """A whole-number output: values with a fraction are flagged (the exact path says why)."""
        if scale == 0:
            return x
        unit = 10**scale
        self.flag(x % unit != 0)
        return x // unit

    # -- finishing --------------------------------------------------------------------------------

    def finish(
        self,
        outputs: dict,
        places: dict,
        evaluate,
        inputs: tuple,
        sizes_checked: bool = False,
        advice=None,
    ) -> BatchResult:
        """Run flagged rows through the one-case `evaluate`; collect rejected rows.
        `sizes_checked`: the outputs' sizes were checked row by row (the row kernel).
        `advice`: (the module's ADVICE, its `advise`, input name -> (array, scale)) when the
        policy has advisory thresholds; each one's rows are found on the arrays, and on the
        exact path by `advise`, as one case finds them."""
        valid = np.ones(self.n, dtype=bool)
        arrays = {name: _full(value, self.n) for name, value in outputs.items()}
        errors = []
        for name, array in arrays.items():  # a result the one-case path refuses as too large
            if sizes_checked:
                break
            if places.get(name) is not None and array.dtype.kind in "iu":
                self.flag(np.abs(array) >= int(rt.LARGEST) * 10 ** places[name])
        rows = np.flatnonzero(self.exact)
        masks = _advice_masks(advice, arrays, places, self.n) if advice else []
        for row in rows.tolist():
            case = {
                name: _plain(_as_array(self.columns[name])[row])
                for name in inputs
                if name in self.columns
            }
            case = {k: v for k, v in case.items() if v is not None and v == v}  # None/NaN: missing
            on = (
                self.on_raw
                if isinstance(self.on_raw, (dt.date, str))
                else _plain(_as_array(self.on_raw)[row])
            )
            try:
                result = evaluate(case, _date_of(on))
            except rt.EvaluationError as error:
                valid[row] = False
                for field_name, message in error.problems:
                    errors.append((row, field_name or "", message))
                continue
            for name, value in result.items():
                arrays[name][row] = _numerator(value, places[name])
            if masks:
                broken = {a.code for a in advice[1](case, result)}
                for threshold, mask in masks:
                    mask[row] = threshold[0] in broken
        for _threshold, mask in masks:
            mask &= valid
        return BatchResult(arrays, places, valid, errors, int(len(rows)), masks)


# -- helpers ------------------------------------------------------------------------------------


def _advice_masks(advice, arrays: dict, places: dict, n: int) -> list:
    """Each advisory threshold with the rows whose figure does not keep it, compared exactly
    on the numerators (an input over 10**scale, an output over 10**places)."""
    thresholds, _advise, read = advice
    masks = []
    for row in thresholds:
        field_name, comparator, value = row[1], row[2], row[4]
        if field_name in read:
            values, scale = read[field_name]
        else:
            values, scale = arrays[field_name], places.get(field_name) or 0
        values = _full(values, n)
        masks.append((row, ~_keeps(values, scale, comparator, Decimal(value))))
    return masks


def _keeps(numerators: np.ndarray, scale: int, comparator: str, value: Decimal) -> np.ndarray:
    """numerator / 10**scale `comparator` value, exactly: with an integer numerator x,
    x / 10**s >= v is x >= ceil(v·10**s), and x / 10**s > v is x > floor(v·10**s)."""
    scaled = value.scaleb(scale)
    low, high = (
        int(scaled.to_integral_value(ROUND_FLOOR)),
        int(scaled.to_integral_value(ROUND_CEILING)),
    )
    if comparator == "at_least":
        return numerators >= high
    if comparator == "above":
        return numerators > low
    if comparator == "at_most":
        return numerators <= low
    return numerators < high  # below


def _as_array(values) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    if hasattr(values, "to_numpy"):
        try:
            return values.to_numpy(zero_copy_only=False)
        except TypeError:
            return values.to_numpy()
    return (
        np.asarray(values, dtype=object) if not isinstance(values, (range,)) else np.asarray(values)
    )


_PLAIN_DECIMAL = (
    r"^-?[0-9]{1,11}(\.[0-9]{1,4})?$"  # ≤ 15 digits: exact as a decimal128 and in int64
)


def _arrow_numbers(column, scale: int):
    """Exact numerators of an Arrow column over 10**scale, and the rows needing the exact path;
    None when the column type is better read another way (floats, other types)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        plain = _plain_rows(column, scale) if scale in (0, 4) else None
        if plain is None:  # some cell has other characters: trimmed, then the pattern
            text = pc.utf8_trim_whitespace(column)
            pattern = _PLAIN_DECIMAL if scale else r"^-?[0-9]{1,12}$"
            plain = pc.fill_null(pc.match_substring_regex(text, pattern), False).to_numpy(
                zero_copy_only=False
            )
        else:
            text = column
        chosen = pc.if_else(pa.array(plain), text, pa.scalar(None, text.type))
        if scale in (0, 4):  # the patterns' decimals
            return _plain_numerators(chosen, scale), ~plain
        decimals = pc.cast(chosen, pa.decimal128(38, scale))
        return _decimal_numerators(decimals), ~plain
    if pa.types.is_decimal(kind) and kind.scale <= scale and kind.precision - kind.scale <= 12:
        decimals = pc.cast(column, pa.decimal128(38, scale))
        return _decimal_numerators(decimals), column.is_null().to_numpy(zero_copy_only=False)
    if pa.types.is_integer(kind) and column.null_count == 0:
        values = column.to_numpy().astype(np.int64)
        bad = np.abs(values) >= INPUT_LIMIT
        return values * (10**scale), bad
    return None


def _plain_rows(text, scale: int) -> np.ndarray | None:
    """Which cells of a text column match `_PLAIN_DECIMAL` (scale 4) or a whole number of at
    most 12 digits (scale 0), told from the bytes without a regular expression (which costs
    more than reading the CSV); None when some cell holds any character but digits, "." and
    "-" (a space, a unit, a letter), which the caller then trims and matches as before.

    With only those characters, a cell matches when "-" is at most its first character, "."
    appears at most once, and the digits before and after "." are 1-11 and 1-4 (1-12 and
    none for whole numbers): counted from the cell's length, whether it starts with "-", and
    where its "." is, while the whole chunk's count of each character proves there is no
    other "-" or "."."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(text.type) or len(text) == 0 or text.buffers()[2] is None:
        return None
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[
        text.offset : text.offset + len(text) + 1
    ]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    if len(data) == 0 or data.min() < ord("-") or data.max() > ord("9"):
        return None  # characters outside "-./0123456789"
    if np.count_nonzero(data == ord("/")):
        return None
    lengths = np.diff(offsets)
    negative = pc.starts_with(text, "-").fill_null(False).to_numpy(zero_copy_only=False)
    if np.count_nonzero(data == ord("-")) != np.count_nonzero(negative):
        return None  # a "-" after the first character somewhere
    present = ~text.is_null().to_numpy(zero_copy_only=False)
    if scale == 0:
        if np.count_nonzero(data == ord(".")):
            return None
        digits = lengths - negative
        return present & (digits >= 1) & (digits <= 12)
    dot = pc.find_substring(text, ".").fill_null(-1).to_numpy(zero_copy_only=False)
    has_dot = dot >= 0
    if np.count_nonzero(data == ord(".")) != np.count_nonzero(has_dot & present):
        return None  # two "." in a cell somewhere
    whole = np.where(has_dot, dot, lengths) - negative
    decimals = np.where(has_dot, lengths - dot - 1, 1)
    return present & (whole >= 1) & (whole <= 11) & (decimals >= 1) & (decimals <= 4)


def _plain_numerators(text, scale: int) -> np.ndarray:
    """Exact numerators over 10**scale of text that matched `_PLAIN_DECIMAL` (or whole
    numbers below 10**12; None elsewhere), read through Arrow's float parser, twice as fast
    as its decimal one. Exact: such a number has at most 15 digits, so its numerator N is
    below 10**15 < 2**50; the parsed float is within a relative 2**-53 of it and the product
    by 10**scale within 2**-52 more, so N comes out within a quarter of a unit and rint gives
    N itself."""
    import pyarrow as pa

    floats = text.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
    scaled = np.multiply(floats, float(10**scale))
    np.rint(scaled, out=scaled)
    return scaled.astype(np.int64)


def _decimal_numerators(decimals) -> np.ndarray:
    """The unscaled integers of a decimal128 array (low 64 bits; values here are < 10**16)."""
    words = np.frombuffer(decimals.buffers()[1], dtype=np.int64)
    low = words[2 * decimals.offset : 2 * (decimals.offset + len(decimals)) : 2].copy()
    if decimals.null_count:
        low[decimals.is_null().to_numpy(zero_copy_only=False)] = 0
    return low


class SortedSearch:
    """`np.searchsorted(starts, x, side="right")` for a sorted int64 array, with a guide
    where the starts are spread evenly enough.

    Why: a binary search over 10,000 segment starts is 14 unpredictable steps per row, most
    of the cost of a large scale (about 9 M rows/s). A scale's brackets are usually of like
    widths, so the range of the starts is cut into K equal buckets and `guide[b]` holds how
    many starts lie at or below bucket b's low end; a row's count is then its bucket's guide
    plus at most `steps` comparisons with the next starts (one gather and one compare
    each), several times faster. Where some bucket would hold more than MAX_STEPS starts
    even with 16 buckets per start (widths of very different sizes), or the starts are
    few, it is the binary search. Both give the same counts for every int64 x.
    """

    MAX_STEPS = 3
    MIN_STARTS = 64  # below this the binary search is as fast

    def __init__(self, starts: np.ndarray):
        self.starts = starts
        self.guide: np.ndarray | None = None
        if len(starts) < self.MIN_STARTS:
            return
        low, high = int(starts[0]), int(starts[-1])
        for per_start in (4, 16):
            buckets = per_start * len(starts)
            width = max(1, -(-(high - low) // buckets))  # ceiling: bucket `buckets` is past the top
            top = low + buckets * width
            if top >= 2**63 - 1:
                return
            edges = low + np.arange(buckets + 1, dtype=np.int64) * np.int64(width)
            guide = np.searchsorted(starts, edges, side="right")
            # starts strictly inside bucket b (after its low end, before the next one's)
            inside = np.diff(guide) if buckets else np.zeros(0, dtype=np.int64)
            steps = int(inside.max()) if len(inside) else 0
            if steps <= self.MAX_STEPS:
                self.guide, self.low, self.top, self.width = guide, low, top, width
                self.buckets, self.steps = buckets, steps
                # the starts and, past them, one that no clipped row reaches
                self.padded = np.append(starts, np.int64(2**63 - 1))
                return

    def right(self, x) -> np.ndarray:
        """How many starts are at or below each x (x an int64 array or scalar)."""
        if self.guide is None:
            return np.searchsorted(self.starts, x, side="right")
        x = np.asarray(x, dtype=np.int64)
        clipped = np.clip(x, self.low, self.top)  # no overflow below; every start <= top
        bucket = clipped - self.low
        np.floor_divide(bucket, self.width, out=bucket)
        found = self.guide[bucket]
        for _ in range(self.steps):
            found += self.padded[found] <= clipped
        # below the first start: none (the clipped value sat on it)
        return np.where(x < self.low, 0, found)


class PiecewiseTable:
    """A scale as segments: the value on segment s is rates[s] × x + offsets[s].

    `starts` are the segments' first x (sorted); a row's segment is the last start at or
    below it. With several versions, version v's starts are shifted by v × SHIFT (its block
    begins with a segment from −2**55 on), so one search of x + v × SHIFT finds the segment
    of the version in force on each row's date. Offsets are stored modulo 2**64 (a far
    segment's offset may not fit in int64; the rows that reach it give values that do)."""

    def __init__(self, starts: list, rates: list, offsets: list, covered: list, shifted: bool):
        self.starts = np.array(starts, dtype=np.int64)
        self.rates = np.array([segments.wrapped(r) for r in rates], dtype=np.int64)
        self.offsets = np.array([segments.wrapped(o) for o in offsets], dtype=np.int64)
        self.covered = np.array(covered, dtype=bool)
        self.covered_everywhere = bool(self.covered.all())
        self.shifted = shifted
        self.blocks = [0]  # for an unshifted table of one version
        self.searches: dict[int, SortedSearch] = {}  # per block, made on first use

    def segments(self, x, version=None, block: int = 0):
        """Each row's segment: in the block of `block` (one version for every row), or of
        each row's `version` (an array)."""
        if version is None or not isinstance(version, np.ndarray):
            low, high = self.blocks[block], self.blocks[block + 1]
            search = self.searches.get(block)
            if search is None:
                search = self.searches[block] = SortedSearch(self.starts[low + 1 : high])
            found = search.right(x)
            if low:
                np.add(found, low, out=found)
            return found
        key = np.multiply(version, SHIFT, dtype=np.int64)
        np.add(key, x, out=key)
        found = np.searchsorted(self.starts, key, side="right")
        np.subtract(found, 1, out=found)
        return found


_CONSTANTS: dict[int, tuple] = {}
_CONSTANTS_LOCK = threading.Lock()


def constant(values: tuple) -> np.ndarray:
    """`values` (a tuple of ints, or of tuples of ints: a constant of a generated function,
    the same object on every call) as a read-only int64 array, made once and kept with the
    tuple (so its id cannot be reused). Threads that run chunks at once share it; two that
    miss at the same moment make equal arrays and one is kept."""
    cached = _CONSTANTS.get(id(values))
    if cached is not None and cached[0] is values:
        return cached[1]
    array = np.array(values, dtype=np.int64)
    array.flags.writeable = False
    with _CONSTANTS_LOCK:
        cached = _CONSTANTS.get(id(values))
        if cached is not None and cached[0] is values:
            return cached[1]
        _CONSTANTS[id(values)] = (values, array)
    return array


_TABLES: dict[int, tuple] = {}


def piecewise_table(kind: str, versions: tuple) -> PiecewiseTable:
    """The PiecewiseTable of a scale's versions, made once per scale: the versions tuple is
    a constant of the generated function, the same object on every call (kept here with the
    table, so its id cannot be reused)."""
    cached = _TABLES.get(id(versions))
    if cached is not None and cached[0] is versions:
        return cached[1]
    pieces = [
        segments.marginal(v) if kind == "marginal" else segments.whole_amount(v) for v in versions
    ]
    limit = segments.SHIFT_LIMIT
    shifted = len(versions) < 2**62 // SHIFT and all(
        abs(start) < limit for piece in pieces for start in piece[0][1:]
    )
    starts, rates, offsets, covered, blocks = [], [], [], [], [0]
    for index, (piece_starts, piece_rates, piece_offsets, piece_covered) in enumerate(pieces):
        shift = index * SHIFT if shifted else 0
        starts += [shift - limit] + [shift + start for start in piece_starts[1:]]
        rates += piece_rates
        offsets += piece_offsets
        covered += piece_covered
        blocks.append(len(starts))
    table = PiecewiseTable(starts, rates, offsets, covered, shifted)
    table.blocks = blocks
    _TABLES[id(versions)] = (versions, table)
    return table


def code_dtype(count: int) -> np.dtype:
    """The narrowest signed integer dtype holding the codes -1..count-1 of an enum of `count`
    values (int8 wraps from 128: code 300 would read as 44, another value's)."""
    for dtype in (np.int8, np.int16, np.int32):
        if count - 1 <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def _lookup(distinct: list, code_of: dict, dtype) -> np.ndarray:
    """The code of each distinct cell, read as the one-case path reads it (an id or a label,
    trimmed; -1: no value of the enum, or missing, left to the exact path), then -1 for a
    missing cell."""
    return np.array(
        [
            -1 if v is None or isinstance(v, bool) else code_of.get(V.clean_text(str(v)), -1)
            for v in distinct
        ]
        + [-1],
        dtype=dtype,
    )


def _arrow_codes(raw, allowed: tuple, texts: list, code_of: dict, dtype) -> np.ndarray:
    """Enum codes of an Arrow column: dictionary-encoded (how Parquet stores enums) maps its
    few distinct values once; integers and text are matched against the enum by Arrow (text
    as written: a cell with spaces around takes the exact path)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    if pa.types.is_dictionary(raw.type):
        dictionary = raw.dictionary.to_pylist()
        lookup = _lookup(dictionary, code_of, dtype)
        indices = raw.indices
        if indices.null_count:
            indices = indices.fill_null(len(dictionary))
        stored = indices.to_numpy(zero_copy_only=False)
        if (
            raw.indices.null_count == 0
            and np.array_equal(lookup[:-1], np.arange(len(dictionary)))
            and stored.dtype.kind == "i"
            and stored.dtype.itemsize <= dtype.itemsize
        ):
            return stored.astype(dtype, copy=False)  # the file's dictionary is the enum in order
        return np.take(lookup, stored.astype(np.intp, copy=False))
    if pa.types.is_integer(raw.type):
        wanted = pa.array([v if _whole(v) else -(10**9) for v in allowed], type=pa.int64())
        found = pc.index_in(raw.cast(pa.int64()), value_set=wanted)
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(dtype)
    if not (pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type)):
        return _array_codes(_as_array(raw), allowed, code_of, dtype)
    wanted = pa.array([text for text, _ in texts])
    found = pc.index_in(raw, value_set=wanted)
    positions = found.fill_null(len(texts)).to_numpy(zero_copy_only=False)
    by_position = np.array([code for _, code in texts] + [-1], dtype=dtype)
    return np.take(by_position, positions.astype(np.intp, copy=False))


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _array_codes(column: np.ndarray, allowed: tuple, code_of: dict, dtype) -> np.ndarray:
    """Enum codes of a numpy column: its distinct cells are mapped once (np.unique or a
    binary search), so the cost does not grow with the number of the enum's values.
    Missing cells get -1: the exact path gives them the default or says they are required."""
    if column.dtype.kind in "iu" and all(_whole(v) for v in allowed):
        order = sorted(range(len(allowed)), key=lambda i: allowed[i])
        values = np.array([allowed[i] for i in order], dtype=np.int64)
        codes_in_order = np.array(order, dtype=dtype)
        column = column.astype(np.int64, copy=False)
        position = np.searchsorted(values, column)
        np.minimum(position, len(values) - 1, out=position)
        return np.where(values[position] == column, codes_in_order[position], -1).astype(dtype)
    if column.dtype.kind in "US":
        unique, inverse = np.unique(column, return_inverse=True)
        return np.take(_lookup(unique.tolist(), code_of, dtype), inverse.reshape(-1))
    # anything else (objects, floats: 1.0 is not the enum value 1, as in the one-case path)
    cells = column.tolist()
    missing = len(cells)
    distinct: dict = {}  # (type, text) → its place; a cell's type matters (True is not "True")
    firsts: list = []
    positions = np.empty(len(cells), dtype=np.intp)
    for row, cell in enumerate(cells):
        if cell is None or (isinstance(cell, float) and cell != cell):  # None, NaN: missing
            positions[row] = missing
            continue
        key = (type(cell), str(cell))
        place = distinct.get(key)
        if place is None:
            place = distinct[key] = len(firsts)
            firsts.append(cell)
        positions[row] = place
    lookup = _lookup(firsts, code_of, dtype)
    positions[positions == missing] = len(firsts)
    return np.take(lookup, positions)


def _full(value, n: int) -> np.ndarray:
    """An output as its own array of n rows (computed arrays are fresh temporaries: no copy)."""
    value = np.asarray(value)
    return value if value.shape == (n,) else np.array(np.broadcast_to(value, (n,)))


def _is_arrow(values) -> bool:
    return type(values).__module__.startswith("pyarrow")


def _row(n: int, i: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[i] = True
    return mask


def _scaled(value: Decimal, scale: int) -> int:
    return int(Decimal(value).scaleb(scale))


def _parse_numbers(values: list, scale: int, default) -> tuple[np.ndarray, np.ndarray]:
    numerators = np.zeros(len(values), dtype=np.int64)
    bad = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        if isinstance(value, float) and value != value:
            value = None  # NaN: missing
        if type(value) is str and "%" in value:
            bad[i] = True  # a percentage reads only on a ratio: the exact path knows the unit
            continue
        try:
            number = V.read_number(_plain(value))  # the one-case path's reader
        except V.Refusal:
            bad[i] = True  # the exact path says why
            continue
        if number is None:
            if default is None:
                bad[i] = True
                continue
            number = Decimal(str(default))
        if abs(number) >= INPUT_LIMIT:
            bad[i] = True
            continue
        scaled = number.scaleb(scale)
        if scaled != scaled.to_integral_value():
            bad[i] = True
            continue
        numerators[i] = int(scaled)
    return numerators, bad


def _plain(value):
    """A numpy scalar as the Python value the one-case path reads."""
    if isinstance(value, np.generic):
        if isinstance(value, np.datetime64):
            return None if np.isnat(value) else str(value.astype("datetime64[D]"))
        return value.item()
    return value


def _date_of(on):
    if isinstance(on, dt.datetime):
        return on.date()
    return on


def _numerator(value, places):
    if isinstance(value, bool) or places is None:
        return value
    return int(Decimal(value).scaleb(places))
