"""How ratebook's costs grow with the size of the work: brackets, table keys, dated values,
policies, case rows.

Each size is a made-up project written into a temporary folder (never the shipped
policies) and timed in a fresh process as an officer runs it:

- `ratebook build` of one marginal scale of N brackets, one table of N keys, one amount
  with N dated values, and of N small policies; with the one-case `evaluate` speed of the
  generated module for the scale and the table (evaluations per second, in process);
- `ratebook eval --cases`, `ratebook diff --cases` and `ratebook test` on case files of N
  rows: wall time and peak memory of the process (`test` on the same rows with an expected
  output column, every row passing).

The table printed shows time against size, and the ratio to the size before it, so growth
is seen at a glance: ×10 in size and ×10 in time is linear.

    python benchmarks/bench_scaling.py            # the sizes of the README table
    python benchmarks/bench_scaling.py --quick    # smaller sizes, about a minute
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ON = "2020-06-01"
HEAD = """ratebook: 1
id: demo.{name}
title: {{zh: 测试, en: A made-up policy for the scaling benchmark}}
source: {{title: Benchmark, date: "2020", clause: "1"}}
"""


def scale_policy(n: int) -> str:
    brackets = "\n".join(
        f"          - {{over: {i * 100}, up_to: {(i + 1) * 100}, rate: {i % 50 + 1}%}}"
        for i in range(n - 1)
    )
    brackets += f"\n          - {{over: {(n - 1) * 100}, rate: 51%}}"
    return (
        HEAD.format(name="big")
        + f"""inputs:
  cost: {{type: number, unit: yuan, min: 0}}
outputs:
  paid: {{type: number, unit: yuan, rounding: {{places: 2, mode: half_up}}}}
parameters:
  big_scale:
    kind: scale
    method: marginal
    input_unit: yuan
    values:
      - from: 2020-01-01
        brackets:
{brackets}
formulas:
  paid: scale(big_scale, cost)
"""
    )


def table_policy(n: int) -> str:
    codes = ", ".join(f"k{i}" for i in range(n))
    rows = ", ".join(f"k{i}: {i % 90 + 1}%" for i in range(n))
    return (
        HEAD.format(name="big")
        + f"""inputs:
  code: {{type: enum, values: [{codes}]}}
  cost: {{type: number, unit: yuan, min: 0}}
outputs:
  paid: {{type: number, unit: yuan, rounding: {{places: 2, mode: half_up}}}}
parameters:
  ratio:
    kind: table
    key: code
    unit: "1"
    values:
      - from: 2020-01-01
        rows: {{{rows}}}
formulas:
  paid: cost * table(ratio, code)
"""
    )


def dated_policy(n: int) -> str:
    start = dt.date(1990, 1, 1)
    values = "\n".join(
        f"      - {{from: {(start + dt.timedelta(days=3 * i)).isoformat()}, value: {1000 + i}}}"
        for i in range(n)
    )
    return (
        HEAD.format(name="big")
        + f"""inputs:
  cost: {{type: number, unit: yuan, min: 0}}
outputs:
  paid: {{type: number, unit: yuan, rounding: {{places: 2, mode: half_up}}}}
parameters:
  cap:
    kind: amount
    unit: yuan
    values:
{values}
formulas:
  paid: min(cost, cap)
"""
    )


def copay_policy(name: str, rate: str) -> str:
    return (
        HEAD.format(name=name)
        + f"""inputs:
  scheme: {{type: enum, values: [employee, resident]}}
  cost: {{type: number, unit: yuan, min: 0}}
outputs:
  copay: {{type: number, unit: yuan, rounding: {{places: 2, mode: half_up}}}}
parameters:
  employee_scale:
    kind: scale
    method: marginal
    input_unit: yuan
    values:
      - from: 2020-01-01
        brackets:
          - {{over: 1000, up_to: 5000, rate: 10%}}
          - {{over: 5000, rate: {rate}}}
  resident_share:
    kind: rate
    values:
      - {{from: 2020-01-01, value: 5%}}
formulas:
  copay: if scheme = "employee" then scale(employee_scale, cost) else cost * resident_share
"""
    )


def project(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / "policies" / "demo" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def timed(args: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of `ratebook ARGS` in a fresh process."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "RATEBOOK_LANG": "en"},
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = child.stderr.read().decode() if child.stderr else ""
    if child.returncode not in (0, 1):
        raise SystemExit(f"ratebook {' '.join(args)} failed:\n{errors}")
    # the child's own peak (KiB on Linux); it starts as a copy of this small process
    return seconds, usage.ru_maxrss / 1024


SPEED = """
import datetime as dt, random, sys, time
from pathlib import Path
from generator.evaluate.modules import load_policy_module
folder, kind, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
module = load_policy_module(folder / "generated", "demo.big")
pick = random.Random(n)
if kind == "table":
    cases = [{"code": f"k{pick.randrange(n)}", "cost": "1000"} for _ in range(20_000)]
else:
    cases = [{"cost": str(pick.randrange(0, n * 100 + 1000))} for _ in range(20_000)]
on = dt.date(2020, 6, 1)
start = time.perf_counter()
for case in cases:
    module.evaluate(case, on)
print(len(cases) / (time.perf_counter() - start))
"""


def one_case_speed(folder: Path, kind: str, n: int) -> float:
    """Evaluations per second of the generated module's one-case `evaluate`, measured in a
    process of its own (this one stays small, so the memory of the ones it starts is theirs)."""
    done = subprocess.run(
        [sys.executable, "-c", SPEED, str(folder), kind, str(n)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip())


def build_rows(kind: str, sizes: list[int], scratch: Path) -> list[list[str]]:
    rows = []
    for n in sizes:
        folder = scratch / f"{kind}-{n}"
        if kind == "policies":
            files = {f"p{i}": copay_policy(f"p{i}", f"{i % 50 + 1}%") for i in range(n)}
        else:
            maker = {"brackets": scale_policy, "keys": table_policy, "dated values": dated_policy}
            files = {"big": maker[kind](n)}
        project(folder, files)
        seconds, mib = timed(["--root", str(folder), "build"])
        speed = ""
        if kind in ("brackets", "keys"):
            speed = f"{one_case_speed(folder, 'table' if kind == 'keys' else 'scale', n):,.0f}/s"
        rows.append([kind, f"{n:,}", "build", f"{seconds:.2f} s", f"{mib:.0f} MiB", speed])
    return rows


def head_copay(scheme: str, cost: float) -> Decimal:
    """The copay the head version gives (`copay_policy` at 25%), worked out here by hand, so
    `ratebook test` has an expected value to compare on every row (each row passes)."""
    amount = Decimal(str(cost))
    if scheme == "employee":
        owed = (min(amount, Decimal(5000)) - 1000).max(Decimal(0)) * Decimal("0.10")
        owed += (amount - 5000).max(Decimal(0)) * Decimal("0.25")
    else:
        owed = amount * Decimal("0.05")
    return owed.quantize(Decimal("0.01"), ROUND_HALF_UP)


def case_rows(sizes: list[int], scratch: Path, test_limit: int) -> list[list[str]]:
    base = project(scratch / "base", {"copay": copay_policy("copay", "20%")})
    head = project(scratch / "head", {"copay": copay_policy("copay", "25%")})
    timed(["--root", str(head), "build"])
    rows = []
    for n in sizes:
        pick = random.Random(n)
        cases = scratch / f"cases-{n}.csv"
        checked = scratch / f"expected-{n}.csv"  # the same rows, with the copay they give
        with (
            open(cases, "w", encoding="utf-8") as out,
            open(checked, "w", encoding="utf-8") as expected,
        ):
            out.write("policy,on,in:scheme,in:cost\n")
            expected.write("policy,on,in:scheme,in:cost,out:copay\n")
            for _ in range(n):
                scheme = pick.choice(("employee", "resident"))
                cost = pick.randrange(0, 2_000_000) / 100
                out.write(f"demo.copay,{ON},{scheme},{cost}\n")
                expected.write(f"demo.copay,{ON},{scheme},{cost},{head_copay(scheme, cost)}\n")
        runs = {
            "eval --cases": [
                "--root",
                str(head),
                "eval",
                "demo.copay",
                "--cases",
                str(cases),
                "--out",
                str(scratch / "results.csv"),
            ],
            "diff --cases": [
                "--root",
                str(head),
                "diff",
                "--base",
                str(base),
                "--cases",
                str(cases),
            ],
            "test": ["--root", str(head), "test", str(checked)],
        }
        first = None
        for what, args in runs.items():
            if what == "test" and n > test_limit:
                rows.append(
                    ["case rows", f"{n:,}", what, "-", "-", f"not run above {test_limit:,} rows"]
                )
                continue
            seconds, mib = timed(args)
            first = first or seconds
            note = "" if what == "eval --cases" else f"{seconds / first:.1f}× eval --cases"
            rows.append(["case rows", f"{n:,}", what, f"{seconds:.2f} s", f"{mib:.0f} MiB", note])
    return rows


def growth(rows: list[list[str]]) -> list[list[str]]:
    """A column with each time's ratio to the same measure at the size before."""
    previous: dict[tuple[str, str], tuple[int, float]] = {}
    out = []
    for row in rows:
        key = (row[0], row[2])
        size = int(row[1].replace(",", ""))
        seconds = float(row[3].split()[0]) if row[3] != "-" else None
        ratio = ""
        if seconds is not None and key in previous:
            size_before, seconds_before = previous[key]
            ratio = f"×{seconds / seconds_before:.1f} for ×{size / size_before:g} size"
        if seconds is not None:
            previous[key] = (size, seconds)
        out.append(row[:4] + [ratio] + row[4:])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    parser.add_argument(
        "--test-rows", type=int, default=1_000_000, help="largest file `ratebook test` is run on"
    )
    args = parser.parse_args()
    if args.quick:
        sizes = {
            "brackets": [10, 100, 1000],
            "keys": [10, 100, 1000],
            "dated values": [10, 100, 1000],
            "policies": [10, 100],
        }
        case_sizes = [10_000, 100_000]
    else:
        sizes = {
            "brackets": [10, 100, 1000, 10_000],
            "keys": [10, 100, 1000, 10_000],
            "dated values": [10, 100, 1000, 5000],
            "policies": [10, 100, 1000],
        }
        case_sizes = [10_000, 100_000, 1_000_000]
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="ratebook-scaling-") as scratch:
        for kind, values in sizes.items():
            rows += build_rows(kind, values, Path(scratch))
        rows += case_rows(case_sizes, Path(scratch), args.test_rows)
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}"
    )
    header = ["what", "size", "run", "time", "growth", "peak memory", "note"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in growth(rows):
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
