"""How ratebook's costs grow with the size of the work: brackets, table keys, dated values,
policies, case rows.

Each size is a made-up project written into a temporary folder (never the shipped
policies) and timed in a fresh process as an officer runs it:

- `ratebook build` of one marginal scale of N brackets, one table of N keys, one amount
  with N dated values, and of N small policies; with the one-case `evaluate` speed of the
  generated module for the scale and the table (evaluations per second, in process) and
  its `evaluate_batch` speed (rows per second on a million rows, one thread);
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
sys.path.insert(0, str(ROOT))

from tests.made_projects import (  # noqa: E402  (the made-up projects the tests use too)
    copay_policy,
    dated_policy,
    scale_policy,
    table_policy,
    write_project,
)

ON = "2020-06-01"


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


def measured(what: str, n: int, run: str, args: list[str], note: str = "") -> list[str]:
    """The table row of `ratebook ARGS` timed in a fresh process: what, size, run, time,
    peak memory, note (the growth column is added when the table is printed)."""
    seconds, mib = timed(args)
    return [what, f"{n:,}", run, f"{seconds:.2f} s", f"{mib:.0f} MiB", note]


def seconds_of(row: list[str]) -> float:
    return float(row[3].split()[0])


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
one = len(cases) / (time.perf_counter() - start)
import numpy as np
rows = 1_000_000
if kind == "table":
    columns = {"code": np.array([f"k{i % n}" for i in range(rows)]), "cost": np.full(rows, 1000.0)}
else:
    columns = {"cost": np.round(np.random.default_rng(n).uniform(0, n * 100 + 1000, rows), 2)}
module.evaluate_batch({k: v[:1000] for k, v in columns.items()}, on)  # imports, first use
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    module.evaluate_batch(columns, on)
    best = min(best, time.perf_counter() - start)
print(one, rows / best)
"""


def evaluation_speeds(folder: Path, kind: str, n: int) -> tuple[float, float]:
    """Evaluations per second of the generated module's one-case `evaluate` and rows per
    second of its `evaluate_batch` (one call on a million rows, best of three, one thread),
    measured in a process of its own (this one stays small, so the memory of the ones it
    starts is theirs)."""
    done = subprocess.run(
        [sys.executable, "-c", SPEED, str(folder), kind, str(n)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    one, batch = done.stdout.split()
    return float(one), float(batch)


def build_rows(kind: str, sizes: list[int], scratch: Path) -> list[list[str]]:
    rows = []
    for n in sizes:
        folder = scratch / f"{kind}-{n}"
        if kind == "policies":
            files = {f"p{i}": copay_policy(f"p{i}", f"{i % 50 + 1}%") for i in range(n)}
        else:
            maker = {"brackets": scale_policy, "keys": table_policy, "dated values": dated_policy}
            files = {"big": maker[kind](n)}
        row = measured(kind, n, "build", ["--root", str(write_project(folder, files)), "build"])
        if kind in ("brackets", "keys"):
            one, batch = evaluation_speeds(folder, "table" if kind == "keys" else "scale", n)
            row[-1] = f"one case {one:,.0f}/s; batch {batch / 1e6:.1f} M rows/s"
        rows.append(row)
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
    base = write_project(scratch / "base", {"copay": copay_policy("copay", "20%")})
    head = write_project(scratch / "head", {"copay": copay_policy("copay", "25%")})
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
            row = measured("case rows", n, what, args)
            first = first or seconds_of(row)
            if what != "eval --cases":
                row[-1] = f"{seconds_of(row) / first:.1f}× eval --cases"
            rows.append(row)
    return rows


def growth(rows: list[list[str]]) -> list[list[str]]:
    """A column with each time's ratio to the same measure at the size before."""
    previous: dict[tuple[str, str], tuple[int, float]] = {}
    out = []
    for row in rows:
        key = (row[0], row[2])
        size = int(row[1].replace(",", ""))
        seconds = seconds_of(row) if row[3] != "-" else None
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
