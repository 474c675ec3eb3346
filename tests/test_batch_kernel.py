"""The per-row kernel (`evaluate_rows`) gives, row for row, what the numpy form of
`evaluate_batch` and the one-case `evaluate` give: the same outputs to the fen, the same
rejected rows with the same field and reason. Compiled by numba (skipped where numba is not
installed) on thousands of typed rows of every fixture policy, and run as plain Python on a
few hundred; bracket edges, half fens, too many decimals, NaN, huge values, invalid enum
values and rows dated before a rule is in force included; then scales of 1,000 brackets,
an enum of 300 keys and products that could overflow int64."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli
from generator import row_runtime
from generator import runtime as rt
from generator.checks.project import load_project

from .conftest import ROOT, load_generated
from .made_policies import build, key_rate, keyed_table
from .test_agreement import boundary_values, case_strategy
from .test_batch_scales import big_policy  # noqa: F401  (a fixture used below)

PROJECT = load_project(ROOT)
POLICY_IDS = sorted(p.id for p in PROJECT.policies)
ON = dt.date(2012, 6, 1)

needs_numba = pytest.mark.skipif(
    not row_runtime.numba_available(), reason="numba is not installed (the fast extra)"
)


def typed_columns(policy, n: int, rng) -> dict:
    """Columns as a case file gives them: floats (edges, half fens, a fifth decimal, NaN,
    negative and huge values among them), enum values as text (labels and an unknown value
    too), booleans, dates."""
    columns = {}
    edges = [float(e) for e in boundary_values(policy)]
    for f in policy.inputs:
        if f.type in ("number", "integer"):
            low = float(f.minimum) if f.minimum is not None else -1000.0
            high = float(f.maximum) if f.maximum is not None else 2_000_000.0
            cents = rng.integers(int(low * 100) - 100, int(min(high, 2e6) * 100) + 100, n)
            values = cents / 100.0
            if f.type == "integer":
                values = np.round(values)
            odd = rng.random(n)
            values[odd < 0.05] += 0.005  # half a fen
            values[(odd >= 0.05) & (odd < 0.07)] += 0.00001  # more decimals than 10**-4
            values[(odd >= 0.07) & (odd < 0.09)] = np.nan
            values[(odd >= 0.09) & (odd < 0.10)] = 1e13  # beyond the fast path's inputs
            if edges:
                at_edge = (odd >= 0.10) & (odd < 0.25)
                values[at_edge] = rng.choice(edges, at_edge.sum())
            columns[f.name] = values
        elif f.type == "enum":
            texts = [str(v) for v in f.values] + list(f.label_values or {}) + ["unknown"]
            columns[f.name] = np.array(texts, dtype=object)[rng.integers(0, len(texts), n)]
        elif f.type == "boolean":
            columns[f.name] = rng.random(n) < 0.5
        else:
            days = rng.integers(0, 365 * 25, n)
            columns[f.name] = (np.datetime64("2003-01-01") + days).astype("datetime64[D]")
    return columns


def dates(n: int, rng) -> np.ndarray:
    """Evaluation dates from 2008 (before most rules are in force) to 2026."""
    return (np.datetime64("2008-01-01") + rng.integers(0, 365 * 19, n)).astype("datetime64[D]")


def rows_of(result) -> list:
    """Each row as ("ok", outputs as Python values) or ("rejected", its (field, reason)s)."""
    rows = []
    for i, ok in enumerate(result.valid.tolist()):
        if ok:
            rows.append(("ok", {name: values[i].item() for name, values in result.outputs.items()}))
        else:
            rows.append(("rejected", sorted((f, m) for r, f, m in result.errors if r == i)))
    return rows


def one_case_rows(module, columns: dict, on: np.ndarray, places: dict) -> list:
    """What `evaluate` says of each row, in the form of rows_of (numerators over 10**places)."""
    rows = []
    for i in range(len(on)):
        case = {}
        for name, column in columns.items():
            value = column[i]
            value = value.item() if isinstance(value, np.generic) else value
            if isinstance(value, float) and value != value:
                continue  # NaN: missing
            case[name] = value
        try:
            outputs = module.evaluate(case, on[i].item())
        except rt.EvaluationError as error:
            rows.append(("rejected", sorted((f or "", m) for f, m in error.problems)))
            continue
        rows.append(
            (
                "ok",
                {
                    name: value
                    if places[name] is None
                    else int(Decimal(value).scaleb(places[name]))
                    for name, value in outputs.items()
                },
            )
        )
    return rows


def test_every_fixture_policy_has_a_row_kernel():
    for policy_id in POLICY_IDS:
        assert load_generated(policy_id).ROW_KERNEL, policy_id


@needs_numba
@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_the_compiled_kernel_equals_the_numpy_form_and_the_one_case_path(policy_id):
    policy, module = PROJECT.policy(policy_id), load_generated(policy_id)
    rng = np.random.default_rng(sum(map(ord, policy_id)))
    n = 3000
    columns, on = typed_columns(policy, n, rng), dates(n, rng)
    compiled = module.evaluate_batch(columns, on, engine="numba")
    numpy_form = module.evaluate_batch(columns, on, engine="numpy")
    assert rows_of(compiled) == rows_of(numpy_form)
    assert rows_of(compiled) == one_case_rows(module, columns, on, compiled.places)
    # every row accounted for; the kernel computes only the branch a row takes, so it never
    # sends more rows to the exact path than the numpy form does
    assert compiled.valid.sum() + len({r for r, _, _ in compiled.errors}) == n
    assert 0 < compiled.exact_path_rows <= numpy_form.exact_path_rows
    # one date for every row: the versions found once for the whole chunk
    day = dt.date(2013, 3, 1)
    assert rows_of(module.evaluate_batch(columns, day, engine="numba")) == rows_of(
        module.evaluate_batch(columns, day, engine="numpy")
    )


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_the_kernel_as_plain_python_equals_the_numpy_form(policy_id):
    """Without numba the same function runs as it is (slowly): the tests of its logic do
    not depend on the extra."""
    policy, module = PROJECT.policy(policy_id), load_generated(policy_id)
    rng = np.random.default_rng(7 + sum(map(ord, policy_id)))
    n = 300
    columns, on = typed_columns(policy, n, rng), dates(n, rng)
    python = module.evaluate_batch(columns, on, engine="python")
    assert rows_of(python) == rows_of(module.evaluate_batch(columns, on, engine="numpy"))
    assert rows_of(python) == one_case_rows(module, columns, on, python.places)


@needs_numba
@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_cases_as_text_and_decimals_read_by_numpy_then_computed_by_the_kernel(policy_id):
    """Columns of text, Decimals and mixed values are read by numpy (`_n_` numerators), the
    kernel computes the rest."""
    policy, module = PROJECT.policy(policy_id), load_generated(policy_id)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        cases=st.lists(case_strategy(policy), min_size=1, max_size=40),
        on=st.dates(dt.date(2010, 6, 1), dt.date(2026, 12, 31)),
    )
    def agree(cases, on):
        columns = {f.name: [case.get(f.name) for case in cases] for f in policy.inputs}
        days = np.full(len(cases), np.datetime64(on, "D"))
        compiled = module.evaluate_batch(columns, on, engine="numba")
        assert rows_of(compiled) == one_case_rows(module, columns, days, compiled.places)

    agree()


@needs_numba
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_scales_of_1000_brackets_in_two_versions_give_the_one_case_value(big_policy, data):  # noqa: F811
    """A binary search over 1,000 segments, the version found by each row's date."""
    _, module = big_policy
    n = 200
    cents = data.draw(
        st.lists(
            st.one_of(
                st.integers(0, 12_000_000),
                st.builds(lambda e, d: e * 5000 + d, st.integers(0, 2000), st.integers(-1, 1)),
            ),
            min_size=n,
            max_size=n,
        )
    )
    days = data.draw(
        st.lists(
            st.sampled_from(["2010-06-01", "2011-06-01", "2012-06-01", "2012-01-01"]),
            min_size=n,
            max_size=n,
        )
    )
    columns = {"x": np.array([c / 100 for c in cents])}
    on = np.array(days, dtype="datetime64[D]")
    compiled = module.evaluate_batch(columns, on, engine="numba")
    assert rows_of(compiled) == one_case_rows(module, columns, on, compiled.places)
    assert rows_of(compiled) == rows_of(module.evaluate_batch(columns, on, engine="numpy"))


@needs_numba
def test_an_enum_of_300_keys_reads_its_table_by_code(tmp_path):
    _, module = keyed_table(tmp_path, 300)
    rng = np.random.default_rng(3)
    keys = rng.integers(1, 302, 5000)  # 301: no such key
    amounts = rng.integers(0, 10**8, 5000) / 100.0
    columns = {"key": keys, "amount": amounts}
    compiled = module.evaluate_batch(columns, ON, engine="numba")
    for i in (0, 1, 2, 3, 4):
        if keys[i] <= 300:
            expected = Decimal(str(amounts[i])) * key_rate(int(keys[i]))
            assert abs(Decimal(int(compiled.outputs["pay"][i])) / 100 - expected) <= Decimal(
                "0.005"
            )
    assert rows_of(compiled) == rows_of(module.evaluate_batch(columns, ON, engine="numpy"))
    assert not compiled.valid[keys == 301].any()


@needs_numba
def test_products_that_could_overflow_int64_take_the_exact_path(tmp_path):
    """Six-decimal rates times amounts up to 10**12 yuan: past int64 for the largest rows,
    which go to the one-case path in both forms."""
    _, module = build(
        tmp_path,
        "demo.steep",
        {
            "inputs": {"x": {"type": "number", "unit": "yuan", "min": 0}},
            "outputs": {
                "y": {
                    "type": "number",
                    "unit": "yuan",
                    "rounding": {"places": 2, "mode": "half_up"},
                },
                "z": {
                    "type": "number",
                    "unit": "yuan",
                    "rounding": {"places": 2, "mode": "half_even"},
                },
            },
            "parameters": {
                "s": {
                    "kind": "scale",
                    "method": "marginal",
                    "input_unit": "yuan",
                    "values": [
                        {
                            "from": "2012-01-01",
                            "brackets": [
                                {"up_to": 10, "rate": "0%"},
                                {"over": 10, "rate": "0.123457"},
                            ],
                        }
                    ],
                },
                "r": {"kind": "rate", "values": [{"from": "2012-01-01", "value": "0.000005"}]},
            },
            "formulas": {"y": "scale(s, x)", "z": "x * r * 1000"},
        },
    )
    x = np.array([0, 10, 10.01, 12345.67, 10**9, 10**12 - 0.01, 0.5, 1.5, 2.5, 0.15])
    compiled = module.evaluate_batch({"x": x}, ON, engine="numba")
    expected = one_case_rows(module, {"x": x}, np.full(len(x), np.datetime64(ON)), compiled.places)
    assert rows_of(compiled) == expected
    assert compiled.exact_path_rows >= 1


def test_the_engine_is_numpy_when_asked_or_when_the_batch_is_small(monkeypatch):
    module = load_generated("medical.secondary_compensation")
    assert row_runtime.kernel(module.evaluate_rows, "numpy", 10**7) is None
    assert row_runtime.kernel(None, "auto", 10**7) is None  # a policy without a kernel
    fresh = type(module.evaluate_rows)(
        module.evaluate_rows.__code__, module.evaluate_rows.__globals__, "never_compiled"
    )
    assert row_runtime.kernel(fresh, "auto", 10) is None  # not worth compiling for 10 rows
    with pytest.raises(ValueError, match="engine"):
        row_runtime.kernel(module.evaluate_rows, "gpu", 10)
    monkeypatch.setattr(row_runtime, "numba_available", lambda: False)
    assert row_runtime.kernel(fresh, "auto", 10**7) is None  # missing numba: numpy, quietly
    with pytest.raises(row_runtime.NumbaMissing, match=r"\.\[fast\]"):
        module.evaluate_batch({"scheme": ["employee"], "out_of_pocket": [1.0]}, ON, "numba")


def test_asking_for_numba_where_it_is_missing_is_a_usage_error(tmp_path, monkeypatch):
    cases = tmp_path / "cases.csv"
    cases.write_text("scheme,out_of_pocket\nemployee,35000\n", encoding="utf-8")
    monkeypatch.setitem(__import__("sys").modules, "numba", None)
    args = ["--root", str(ROOT), "eval", "medical.secondary_compensation", "--cases"]
    result = CliRunner().invoke(
        cli.main, [*args, str(cases), "--out", str(tmp_path / "out.csv"), "--engine", "numba"]
    )
    assert result.exit_code == 2, result.output
    assert "pip install -e '.[fast]'" in result.output
    assert not (tmp_path / "out.csv").exists()
    # without numba the default engine still evaluates the file, with numpy
    result = CliRunner().invoke(
        cli.main, [*args, str(cases), "--out", str(tmp_path / "out.csv"), "--on", "2012-06-01"]
    )
    assert result.exit_code == 0, result.output
    assert "5000.00" in (tmp_path / "out.csv").read_text(encoding="utf-8")


@needs_numba
def test_evaluate_columns_gives_the_same_columns_with_either_engine_on_threads():
    from generator.batch.run import evaluate_columns

    policy = PROJECT.policy("medical.secondary_compensation")
    module = load_generated("medical.secondary_compensation")
    rng = np.random.default_rng(11)
    n = 120_000
    columns, on = typed_columns(policy, n, rng), dates(n, rng)
    results = {
        engine: evaluate_columns(module, columns, on, chunk_rows=25_000, threads=2, engine=engine)
        for engine in ("numpy", "numba", "auto")
    }
    outputs, places, valid, errors = results["numpy"]
    assert 0 < valid.sum() < n
    for engine in ("numba", "auto"):
        got_outputs, got_places, got_valid, got_errors = results[engine]
        assert got_places == places
        assert np.array_equal(got_valid, valid), engine
        assert np.array_equal(got_outputs["compensation"][valid], outputs["compensation"][valid])
        assert sorted(got_errors) == sorted(errors), engine


@needs_numba
def test_eval_cases_writes_the_same_files_with_numba_and_numpy(tmp_path):
    cases = tmp_path / "cases.csv"
    rows = ["scheme,out_of_pocket,on"]
    for i in range(400):
        scheme = ("employee", "resident", "职工", "farmer")[i % 4]
        amount = ("35000", "20000.005", "12000.10", "abc", "50000.00001", "")[i % 6]
        day = ("2012-06-01", "2010-01-01", "2014-03-01")[i % 3]
        rows.append(f"{scheme},{amount},{day}")
    cases.write_text("\n".join(rows) + "\n", encoding="utf-8")
    written = {}
    for engine in ("numpy", "numba"):
        out = tmp_path / f"{engine}.csv"
        result = CliRunner().invoke(
            cli.main,
            ["--root", str(ROOT), "eval", "medical.secondary_compensation", "--cases"]
            + [str(cases), "--out", str(out), "--engine", engine],
        )
        assert result.exit_code == 0, result.output
        errors = tmp_path / f"{engine}.errors.csv"
        written[engine] = (out.read_text(encoding="utf-8"), errors.read_text(encoding="utf-8"))
    assert written["numba"] == written["numpy"]
    assert "5000.00" in written["numba"][0] and "abc" in written["numba"][1]


def test_a_policy_beyond_the_kernel_takes_the_numpy_form_with_any_engine(tmp_path):
    """÷ 3 has no decimal that ends: no kernel, and every row takes the exact path."""
    _, module = build(
        tmp_path,
        "demo.third",
        {
            "inputs": {"x": {"type": "number", "unit": "yuan", "min": 0}},
            "outputs": {
                "y": {
                    "type": "number",
                    "unit": "yuan",
                    "rounding": {"places": 2, "mode": "half_up"},
                }
            },
            "parameters": {
                "r": {"kind": "rate", "values": [{"from": "2012-01-01", "value": "100%"}]}
            },
            "formulas": {"y": "x * r / 3"},
        },
    )
    assert module.ROW_KERNEL is False
    assert not hasattr(module, "evaluate_rows")
    x = np.array([0.0, 1.0, 100.0, 0.02])
    for engine in ("auto", "numpy", "python") + (
        ("numba",) if row_runtime.numba_available() else ()
    ):
        result = module.evaluate_batch({"x": x}, ON, engine=engine)
        assert result.text("y") == ["0.00", "0.33", "33.33", "0.01"]
        assert result.exact_path_rows == 4
