"""YAML → workbook → YAML loses nothing: the same model every way round, for every shipped policy
and for policies generated at random."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.checks.structure import check_structure
from generator.convert.to_workbook import emit_workbook
from generator.convert.to_yaml import emit_yaml
from generator.model.build import build_policy
from generator.sources.excel.reader import read_excel_bytes
from generator.sources.yaml_reader import SourceDocument, read_yaml_text

from .conftest import REPO, ROOT


def from_workbook(data: bytes):
    doc, findings = read_excel_bytes(data, "roundtrip.xlsx")
    assert findings == [], [str(f) for f in findings]
    assert check_structure(doc) == []
    return build_policy(doc).policy


def from_yaml(text: str):
    doc, findings = read_yaml_text(text, "roundtrip.yaml")
    assert findings == [], [str(f) for f in findings]
    assert check_structure(doc) == [], text
    return build_policy(doc).policy


def test_every_shipped_policy_survives_yaml_to_workbook_to_yaml(project):
    for policy in project.policies:
        workbook = emit_workbook(policy)
        assert from_workbook(workbook) == policy, policy.id
        text = emit_yaml(from_workbook(workbook))
        assert from_yaml(text) == policy, policy.id
        assert from_workbook(emit_workbook(from_yaml(text))) == policy, policy.id


EXPORT_ALL = """\
import hashlib, sys
from pathlib import Path
from generator.checks.project import load_project
from generator.convert.to_workbook import emit_workbook
from generator.convert.to_yaml import emit_yaml
for policy in load_project(Path(sys.argv[1])).policies:
    data = emit_workbook(policy) + emit_yaml(policy).encode()
    print(policy.id, hashlib.sha256(data).hexdigest())
"""


def test_exporting_twice_gives_the_same_bytes(project):
    """The same bytes in another interpreter, started later with another hash seed: no
    timestamp, set order or object address reaches the files."""
    here = {
        policy.id: hashlib.sha256(emit_workbook(policy) + emit_yaml(policy).encode()).hexdigest()
        for policy in project.policies
    }
    other = subprocess.run(
        [sys.executable, "-c", EXPORT_ALL, str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    there = dict(line.split() for line in other.stdout.splitlines())
    assert len(here) > 1 and here == there


def test_the_shipped_workbooks_read_as_their_former_yaml_did(project):
    """The two workbooks were exported from YAML files; their numbers and cases are unchanged."""
    subsidy = project.policy("platform.construction_subsidy")
    assert subsidy.file == "policies/platform/construction_subsidy.xlsx"
    assert [(b.lower, b.amount) for b in subsidy.parameter("subsidy_by_area").values[0].value] == [
        (None, Decimal(60000)),
        (Decimal(100), Decimal(80000)),
        (Decimal(200), Decimal(100000)),
    ]
    assert len(subsidy.cases) == 6
    compensation = project.policy("medical.secondary_compensation")
    assert compensation.file == "policies/medical/secondary_compensation.xlsx"
    assert [b.rate for b in compensation.parameter("resident_scale").values[0].value] == [
        Decimal("0.4"),
        Decimal("0.5"),
        Decimal("0.6"),
    ]
    assert len(compensation.cases) == 16


# -- generated policies -----------------------------------------------------------------------------

_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"), blacklist_characters="\ufeff"
)
TEXT = st.text(_CHARS, min_size=1, max_size=24).map(str.strip).filter(bool)
LONG_TEXT = st.one_of(
    TEXT,
    st.lists(TEXT, min_size=2, max_size=3).map("\n".join),
    st.lists(TEXT, min_size=8, max_size=16).map(" ".join),
)
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
WORDS = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True) | st.sampled_from(
    ["一级", "城镇职工", "村"]
)
UNITS = st.sampled_from(["yuan", "yuan/month", "m2", "person", "1", "yuan/person/month"])
DATES = st.dates(dt.date(1950, 1, 1), dt.date(2099, 12, 31))
AMOUNTS = st.decimals(
    min_value=-(10**6), max_value=10**9, places=2, allow_nan=False, allow_infinity=False
) | st.integers(0, 10**9).map(Decimal)
RATES = st.decimals(
    min_value=0, max_value=Decimal("1.5"), places=6, allow_nan=False, allow_infinity=False
)


def label():
    return st.fixed_dictionaries({"zh": TEXT, "en": TEXT})


def optional(key, strategy):
    return st.one_of(st.just({}), strategy.map(lambda v: {key: v}))


@st.composite
def inputs(draw):
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    result = {}
    for name in names:
        kind = draw(st.sampled_from(["number", "integer", "enum", "boolean", "date"]))
        spec = {"type": kind}
        if kind in ("number", "integer"):
            spec["unit"] = draw(UNITS)
            spec.update(draw(optional("min", AMOUNTS)))
            spec.update(draw(optional("max", AMOUNTS)))
        if kind == "enum":
            spec["values"] = draw(
                st.one_of(
                    st.lists(WORDS, min_size=1, max_size=4, unique=True),
                    st.lists(st.integers(-5, 99), min_size=1, max_size=4, unique=True),
                    st.lists(st.integers(0, 99).map(str), min_size=1, max_size=3, unique=True),
                )
            )
            spec.update(draw(optional("ordered", st.booleans())))
            words = TEXT.filter(lambda t: '"' not in t)  # a label in a cell is never quoted text
            labels = {
                value: draw(
                    st.one_of(
                        words,
                        st.fixed_dictionaries({"zh": words}, optional={"en": words}),
                        st.fixed_dictionaries({"en": words}),
                    )
                )
                for value in spec["values"]
                if draw(st.booleans())
            }
            if labels:
                spec["value_labels"] = labels
        if draw(st.booleans()):
            spec["default"] = draw(value_of(kind, spec.get("values")))
        spec.update(draw(optional("label", label())))
        spec.update(draw(optional("note", LONG_TEXT)))
        result[name] = spec
    return result


def value_of(kind, values=None):
    if kind == "number":
        return st.one_of(AMOUNTS, st.integers(0, 10**6), AMOUNTS.map(lambda d: f"{d:.2f}"))
    if kind == "integer":
        return st.integers(-(10**6), 10**6)
    if kind == "enum":
        return st.sampled_from(values)
    if kind == "boolean":
        return st.booleans()
    return DATES.map(dt.date.isoformat)


@st.composite
def outputs(draw):
    names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    result = {}
    for name in names:
        kind = draw(st.sampled_from(["number", "integer", "boolean"]))
        spec = {"type": kind}
        if kind != "boolean":
            spec["unit"] = draw(UNITS)
        if kind == "number" and draw(st.booleans()):
            spec["rounding"] = {
                "places": draw(st.integers(0, 6)),
                **draw(optional("mode", st.sampled_from(["half_up", "half_even", "down", "up"]))),
            }
        spec.update(draw(optional("label", label())))
        spec.update(draw(optional("note", LONG_TEXT)))
        result[name] = spec
    return result


@st.composite
def parameter(draw, enum_inputs: dict):
    kinds = ["amount", "rate", "scale"] + (["table"] if enum_inputs else [])
    kind = draw(st.sampled_from(kinds))
    spec = {"kind": kind}
    spec.update(draw(optional("label", label())))
    if draw(st.booleans()):
        spec["source"] = {"clause": draw(TEXT), "quote": draw(LONG_TEXT)}
    spec.update(draw(optional("note", LONG_TEXT)))
    if draw(st.integers(0, 5)) == 0:
        spec["unnumbered"] = True
        if kind != "rate":
            spec["unit"] = draw(UNITS)
        return spec
    starts = sorted(draw(st.lists(DATES, min_size=1, max_size=3, unique=True)))
    entries = []
    if kind in ("amount", "rate"):
        if kind == "amount":
            spec["unit"] = draw(UNITS)
        else:
            spec.update(draw(optional("max", st.sampled_from([Decimal("1.5"), Decimal(2)]))))
        for start in starts:
            entry = {"from": start.isoformat(), "value": draw(RATES if kind == "rate" else AMOUNTS)}
            entry.update(draw(optional("note", TEXT)))
            entries.append(entry)
    elif kind == "scale":
        spec["method"] = draw(st.sampled_from(["marginal", "whole_amount"]))
        spec["input_unit"] = draw(UNITS)
        uses_amount = draw(st.booleans())
        if uses_amount:
            spec["output_unit"] = draw(UNITS)
        for start in starts:
            brackets = []
            for _ in range(draw(st.integers(1, 4))):
                bracket = {}
                if draw(st.booleans()):
                    bracket[draw(st.sampled_from(["over", "at_least"]))] = draw(AMOUNTS)
                if draw(st.booleans()):
                    bracket[draw(st.sampled_from(["up_to", "below"]))] = draw(AMOUNTS)
                bracket["amount" if uses_amount else "rate"] = draw(
                    AMOUNTS if uses_amount else RATES
                )
                bracket.update(draw(optional("note", TEXT)))
                brackets.append(bracket)
            entry = {"from": start.isoformat(), "brackets": brackets}
            entry.update(draw(optional("note", TEXT)))
            entries.append(entry)
    else:
        key = draw(st.sampled_from(sorted(enum_inputs)))
        spec["key"] = key
        spec["unit"] = draw(UNITS)
        for start in starts:
            keys = draw(st.lists(st.sampled_from(enum_inputs[key]), min_size=1, unique=True))
            entry = {"from": start.isoformat(), "rows": {k: draw(RATES) for k in keys}}
            entry.update(draw(optional("note", TEXT)))
            entries.append(entry)
    spec["values"] = entries
    return spec


@st.composite
def policies(draw):
    ins = draw(inputs())
    outs = draw(outputs())
    enums = {n: s["values"] for n, s in ins.items() if s["type"] == "enum"}
    names = draw(st.lists(NAMES.filter(lambda n: n not in ins), max_size=4, unique=True))
    data = {
        "ratebook": 1,
        "id": "test.generated",
        "title": draw(label()),
        "source": {
            "title": draw(TEXT),
            "number": draw(st.none() | TEXT),
            "clause": draw(TEXT),
            "date": draw(st.sampled_from(["2012", "2012-08", "2012-08-14"])),
            **draw(optional("seed", TEXT)),
        },
        "inputs": ins,
        "outputs": outs,
        "parameters": {n: draw(parameter(enums)) for n in names},
        "formulas": {
            n: draw(st.sampled_from(["1", "a + b * 30%", 'if x = "a" then 1 else 2']) | TEXT)
            for n in outs
        },
    }
    data.update(draw(optional("jurisdiction", TEXT)))
    data.update(draw(optional("notes", st.lists(LONG_TEXT, max_size=3))))
    data.update(
        draw(
            optional(
                "checks",
                st.lists(st.fixed_dictionaries({"rule": TEXT, "message": TEXT}), max_size=2),
            )
        )
    )
    cases = []
    for _ in range(draw(st.integers(0, 3))):
        given = {
            n: draw(value_of(s["type"], s.get("values")))
            for n, s in ins.items()
            if draw(st.booleans())
        }
        expected = {
            n: draw(value_of({"boolean": "boolean", "integer": "integer"}.get(s["type"], "number")))
            for n, s in outs.items()
            if draw(st.booleans())
        }
        case = {
            "name": draw(TEXT),
            "on": draw(DATES).isoformat(),
            "inputs": given,
            "expected": expected,
        }
        case.update(draw(optional("why", LONG_TEXT)))
        cases.append(case)
    if cases:
        data["cases"] = cases
    return data


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(policies())
def test_any_policy_survives_yaml_to_workbook_to_yaml(data):
    doc = SourceDocument("generated.yaml", data)
    assert check_structure(doc) == []
    policy = build_policy(doc).policy
    workbook = emit_workbook(policy)
    assert from_workbook(workbook) == policy
    text = emit_yaml(policy)
    assert from_yaml(text) == policy
    assert from_yaml(emit_yaml(from_workbook(workbook))) == policy


@pytest.mark.parametrize(
    "text",
    [
        "8000.00",
        "2012",
        "true",
        "null",
        "no",
        "on",
        "30%",
        "a: b",
        "#x",
        "-",
        "'q'",
        "=A1",
        "#N/A",
        "x\ny",
        " padded ",
        "2012-07-01",
        "1_000",
        ".5",
        "é",
        "中文，全角",
    ],
)
def test_awkward_text_comes_back_as_the_same_text_from_yaml_and_from_a_workbook(project, text):
    from dataclasses import replace

    from generator.core.values import is_plain_number_text

    base = project.policy("platform.construction_subsidy")
    expected = (
        text if is_plain_number_text(text) else "8000.00"
    )  # a number field keeps number text as written
    policy = replace(
        base,
        notes=(text,) if text.strip() == text else (),
        jurisdiction=text.strip(),
        cases=(replace(base.cases[0], why=text.strip(), expected=(("subsidy", expected),)),),
    )
    assert from_yaml(emit_yaml(policy)) == policy
    assert from_workbook(emit_workbook(policy)) == policy
