"""Made-up projects of any size, written as YAML text: one place for the tests and for
benchmarks/bench_scaling.py (which imports this as `tests.made_projects`).

Why text and not `made_policies.build`: the scaling benchmark times `ratebook build` on the
files as an officer would write them, and the large-scale tests check the generated modules
against sums worked here from the same few rules (`bracket_rate`, `step_amount`, `key_rate`),
so what a test checks and what the benchmark times are the same kind of rule book.
Standard library only: the benchmark imports this before anything of ratebook's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

HEAD = """ratebook: 1
id: {policy_id}
title: {{zh: 测试, en: {title}}}
source: {{title: Test source, date: "2020", clause: "1"}}
"""
MONEY = "{type: number, unit: yuan, rounding: {places: 2, mode: half_up}}"


def bracket_rate(i: int) -> str:
    """The rate of bracket i of a made-up marginal scale: 1% to 50%, rising and falling."""
    return f"{i % 50 + 1}%"


def step_amount(i: int) -> int:
    """The amount of bracket i of a made-up whole-amount scale."""
    return i * 3 + 1


def key_rate(i: int) -> str:
    """The rate of key k<i> of a made-up table (1% to 97%, neighbouring keys differ)."""
    return f"{(i * 13) % 97 + 1}%"


def marginal_scale(
    name: str,
    brackets: int,
    width: int = 100,
    rate: Callable[[int], str] = bracket_rate,
    top_rate: str = "51%",
    start: str = "2020-01-01",
) -> str:
    """A `parameters:` entry: a marginal scale in yuan of `brackets` brackets, each `width`
    wide at `rate(i)`, the last open above at `top_rate`."""
    lines = [
        f"          - {{over: {i * width}, up_to: {(i + 1) * width}, rate: {rate(i)}}}"
        for i in range(brackets - 1)
    ]
    lines.append(f"          - {{over: {(brackets - 1) * width}, rate: {top_rate}}}")
    return (
        f"  {name}:\n    kind: scale\n    method: marginal\n    input_unit: yuan\n"
        f"    values:\n      - from: {start}\n        brackets:\n" + "\n".join(lines) + "\n"
    )


def whole_amount_scale(
    name: str,
    brackets: int,
    width: int = 100,
    amount: Callable[[int], int] = step_amount,
    top_amount: int = 5000,
    start: str = "2020-01-01",
) -> str:
    """A `parameters:` entry: a whole-amount scale on people of `brackets` brackets, each
    `width` wide paying `amount(i)` yuan (at least its lower edge, below its upper one)."""
    lines = [
        f"          - {{at_least: {i * width}, below: {(i + 1) * width}, amount: {amount(i)}}}"
        for i in range(brackets - 1)
    ]
    lines.append(f"          - {{at_least: {(brackets - 1) * width}, amount: {top_amount}}}")
    return (
        f"  {name}:\n    kind: scale\n    method: whole_amount\n    input_unit: person\n"
        f"    output_unit: yuan\n    values:\n      - from: {start}\n        brackets:\n"
        + "\n".join(lines)
        + "\n"
    )


def codes(keys: int) -> str:
    """The values of an enum input of `keys` codes k0 … k<keys-1>, as a YAML flow list."""
    return "[" + ", ".join(f"k{i}" for i in range(keys)) + "]"


def table(
    name: str, key: str, keys: int, rate: Callable[[int], str] = key_rate, start="2020-01-01"
) -> str:
    """A `parameters:` entry: a table of one rate per code of the enum `key` (see `codes`)."""
    rows = ", ".join(f"k{i}: {rate(i)}" for i in range(keys))
    return (
        f'  {name}:\n    kind: table\n    key: {key}\n    unit: "1"\n    values:\n'
        f"      - from: {start}\n        rows: {{{rows}}}\n"
    )


def dated_amount(name: str, values: int) -> str:
    """A `parameters:` entry: an amount in yuan with `values` dated values, three days apart
    from 1990-01-01, the i-th being 1000 + i yuan."""
    start = dt.date(1990, 1, 1)
    lines = [
        f"      - {{from: {(start + dt.timedelta(days=3 * i)).isoformat()}, value: {1000 + i}}}"
        for i in range(values)
    ]
    return f"  {name}:\n    kind: amount\n    unit: yuan\n    values:\n" + "\n".join(lines) + "\n"


def policy(
    policy_id: str,
    inputs: dict[str, str],
    outputs: dict[str, str],
    parameters: list[str],
    formulas: dict[str, str],
    title: str = "A made-up policy",
) -> str:
    """A policy's YAML text from its parts (inputs and outputs as YAML flow mappings)."""
    return (
        HEAD.format(policy_id=policy_id, title=title)
        + "inputs:\n"
        + "".join(f"  {n}: {t}\n" for n, t in inputs.items())
        + "outputs:\n"
        + "".join(f"  {n}: {t}\n" for n, t in outputs.items())
        + "parameters:\n"
        + "".join(parameters)
        + "formulas:\n"
        + "".join(f"  {n}: {f}\n" for n, f in formulas.items())
    )


COST = "{type: number, unit: yuan, min: 0}"


def scale_policy(brackets: int) -> str:
    """demo.big: paid = a marginal scale of `brackets` brackets on cost."""
    return policy(
        "demo.big",
        {"cost": COST},
        {"paid": MONEY},
        [marginal_scale("big_scale", brackets)],
        {"paid": "scale(big_scale, cost)"},
    )


def table_policy(keys: int) -> str:
    """demo.big: paid = cost × a table of `keys` keys."""
    return policy(
        "demo.big",
        {"code": f"{{type: enum, values: {codes(keys)}}}", "cost": COST},
        {"paid": MONEY},
        [table("ratio", "code", keys, rate=lambda i: f"{i % 90 + 1}%")],
        {"paid": "cost * table(ratio, code)"},
    )


def dated_policy(values: int) -> str:
    """demo.big: paid = min(cost, an amount of `values` dated values)."""
    return policy(
        "demo.big",
        {"cost": COST},
        {"paid": MONEY},
        [dated_amount("cap", values)],
        {"paid": "min(cost, cap)"},
    )


COPAY = """ratebook: 1
id: demo.{name}
title: {{zh: 测试共付, en: Test co-payment}}
source: {{title: Test source, date: "2012", clause: "1"}}
inputs:
  scheme:
    type: enum
    values: [employee, resident]
  cost:
    type: number
    unit: yuan
    min: 0
  member:
    type: boolean
    default: true
outputs:
  copay:
    type: number
    unit: yuan
    rounding: {{places: 2, mode: half_up}}
  covered:
    type: boolean
parameters:
  employee_scale:
    kind: scale
    method: marginal
    input_unit: yuan
    values:
      - from: 2012-01-01
        brackets:
          - {{over: 1000, up_to: 5000, rate: 10%}}
          - {{over: 5000, rate: {rate}}}
  resident_share:
    kind: rate
    values:
      - {{from: {start}, value: 5%}}
formulas:
  copay: if scheme = "employee" then scale(employee_scale, cost) else cost * resident_share
  covered: member and cost > {limit}
"""


def copay_policy(
    name: str = "copay", rate: str = "20%", start: str = "2012-01-01", limit: str = "100"
) -> str:
    """demo.<name>: a small co-payment rule (two schemes, a two-bracket scale, a flat share,
    a threshold), the unit of the many-policies and the case-file measures."""
    return COPAY.format(name=name, rate=rate, start=start, limit=limit)


def write_project(folder: Path, files: dict[str, str]) -> Path:
    """`folder` with `files` ({name: YAML text}) as policies/demo/<name>.yaml."""
    for name, text in files.items():
        path = folder / "policies" / "demo" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
