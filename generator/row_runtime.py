"""Choose and run the engine of a generated `evaluate_batch`: numpy columns, or the per-row
kernel `evaluate_rows` compiled by numba.

Why numba: the numpy form passes over a chunk once per operation and holds the GIL between
passes, so it stays well below what one core can do and a second thread adds little; the
compiled kernel does a row's whole policy in registers, without the GIL (`nogil`), so
threads scale with cores. numba is optional (`pip install -e '.[fast]'`): without it
`auto` takes the numpy form, and asking for `numba` is refused with a clear message.
Compiled kernels are cached on disk (`cache=True`: in the generated module's __pycache__,
or numba's user cache where that is not writable), so only the first run pays the compile.

Imported only by `evaluate_batch`, so the one-case path never loads numpy or numba.
"""

from __future__ import annotations

import builtins
import hashlib
import marshal
import threading
import types

import numpy as np

from generator.batch_runtime import _as_array, _is_arrow

ENGINES = ("auto", "numpy", "numba", "python")
# `auto` compiles a kernel only for a batch of this many rows or more; a kernel compiled
# already in this process is used for any batch. Why so many: importing numba and loading a
# cached kernel cost about a second on a loaded 2-core machine (compiling it the first time,
# two), and the kernel saves a few nanoseconds a row over numpy (measured: 53 against
# 87 M rows/s on one thread under the same load), so it repays its start only from tens of
# millions of rows. A long-running process (the service, a notebook) that has asked for
# numba once keeps it for every batch.
AUTO_ROWS = 50_000_000

NO_FLOATS = np.zeros(0, dtype=np.float64)
NO_NUMERATORS = np.zeros(0, dtype=np.int64)


class NumbaMissing(ImportError):
    """engine='numba' where numba cannot be imported."""


_LOCK = threading.Lock()
_COMPILED: dict[int, tuple[object, object]] = {}  # id(function) → (function, compiled)
_ARRAYS: dict[int, tuple[tuple, tuple]] = {}  # id(constants) → (constants, arrays)


def numba_available() -> bool:
    try:
        import numba  # noqa: F401  (the optional extra)
    except ImportError:
        return False
    return True


def engine_for(engine: str, rows: int) -> str:
    """`auto` as `numba` for a run of `rows` rows in all that repays compiling (numba
    installed); any other engine as it is. For callers that see the whole run in chunks."""
    if engine == "auto" and rows >= AUTO_ROWS and numba_available():
        return "numba"
    return engine


def kernel(function, engine: str, rows: int):
    """The callable that runs `function` (a module's evaluate_rows; None when the policy
    has none) for `engine`, or None for the numpy form."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "numba" and not numba_available():
        raise NumbaMissing("numba is not installed; install the extra: pip install -e '.[fast]'")
    if function is None or engine == "numpy":
        return None
    if engine == "python":
        return _uncompiled(function)
    found = _COMPILED.get(id(function))
    if found is not None and found[0] is function:
        return found[1]
    if engine == "auto" and (rows < AUTO_ROWS or not numba_available()):
        return None
    return _compiled(function)


def _compiled(function):
    import numba

    with _LOCK:
        found = _COMPILED.get(id(function))
        if found is not None and found[0] is function:
            return found[1]
        kernel = _standalone(function)
        try:
            compiled = numba.njit(nogil=True, cache=True)(kernel)
        except RuntimeError:  # no file to cache beside (a module made from text): compile only
            compiled = numba.njit(nogil=True)(kernel)
        _COMPILED[id(function)] = (function, compiled)  # the function is kept: its id stays its
        return compiled


def _standalone(function):
    """`function` with this module's name for its globals and a name of its own code.

    Why: a generated module is loaded from its file without a place in sys.modules, and
    numba's disk cache re-imports the function's module by name when it loads a compiled
    kernel; the kernel uses builtins only, so this importable module serves. Its cache file
    is named after the function beside the generated file, so each kernel gets a name from
    a hash of its code (two policies' kernels in one folder never share a cache entry)."""
    digest = hashlib.sha256(marshal.dumps(function.__code__)).hexdigest()[:16]
    standalone = types.FunctionType(
        function.__code__, {"__name__": __name__, "__builtins__": builtins}, function.__name__
    )
    standalone.__qualname__ = f"{function.__name__}_{digest}"
    return standalone


def _uncompiled(function):
    """evaluate_rows as plain Python over numpy scalars, whose int64 arithmetic wraps as the
    compiled code's does (a scale's far offsets rely on it); slow, for the tests."""

    def run(*args):
        with np.errstate(over="ignore"):
            return function(*args)

    return run


def arrays(constants: tuple) -> tuple:
    """A module's ROW_CONSTANTS as int64 arrays, made once per module."""
    found = _ARRAYS.get(id(constants))
    if found is not None and found[0] is constants:
        return found[1]
    made = tuple(np.array(values, dtype=np.int64) for values in constants)
    _ARRAYS[id(constants)] = (constants, made)
    return made


def per_row(version, n: int) -> np.ndarray:
    """A version index for every row: Batch.version's array, or its one index repeated
    without copying (a stride-0 view)."""
    if isinstance(version, np.ndarray):
        return version.astype(np.int64, copy=False)
    return np.broadcast_to(np.int64(version), (n,))


def number(b, name: str, **reader) -> tuple[np.ndarray, np.ndarray]:
    """(float64 column for the kernel to read, or empty; numerators Batch.number read, or
    empty). A float64 column — the common case, what CSV and Parquet give — is read by the
    kernel in its row loop; any other (text, decimals, integers) by numpy as before."""
    raw = b.columns.get(name)
    if raw is not None and not (_is_arrow(raw) and not _arrow_float(raw)):
        column = _as_array(raw)
        if column.dtype == np.float64 and column.ndim == 1:
            return column, NO_NUMERATORS
    return NO_FLOATS, b.number(name, **reader)


def _arrow_float(raw) -> bool:
    import pyarrow as pa

    return pa.types.is_float64(raw.type)
