"""Measure the peers' speed on the two benchmark rules and print a Markdown table.

Why: issue 5 quotes OpenFisca at 1.3-1.7 million cases/s and zen-engine at 5,000-53,000
cases/s for these rules; this script measures both on this machine, on the same kind of
cases check_peers.py checks (fen amounts, bracket and cap edges included). The setup of each
peer (building the tax-benefit system, loading the decision graphs) is done before timing;
what is timed is one call of the peer's run function on the whole input:

- OpenFisca: run_secondary / run_inpatient, i.e. building one simulation for the N cases,
  setting the inputs for 2012 and calculating the output (the simulation build is reported
  separately too), best and median of --repeat calls;
- zen-engine: one ZenEngine.evaluate per case over a sample of --zen-sample cases, and the
  same sample through ZenEngine.evaluate_batch for reference.

Run from the repository root: ``python benchmarks/peers/measure_peers.py`` (about a minute).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.peers import openfisca_peer, zen_peer  # noqa: E402
from benchmarks.peers.check_peers import inpatient_cases, secondary_cases  # noqa: E402


def machine() -> list[str]:
    """Lines naming the machine and the versions, for the results file."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("numpy", "openfisca-core", "zen-engine")
    )
    return [
        f"- CPU: {model}, nproc = {os.cpu_count()}",
        f"- Python {platform.python_version()} ({platform.machine()}, {platform.system()}); {versions}",
        f"- OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}",
    ]


def timed(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def row(peer: str, rule: str, n: int, times: list[float], note: str = "") -> str:
    best, median = min(times), statistics.median(times)
    return (
        f"| {peer} | {rule} | {n:,} | {best * 1000:,.0f} ms | {n / best:,.0f} | "
        f"{n / median:,.0f} | {note} |"
    )


def openfisca_rows(size: int, precisions, repeat: int, rng: np.random.Generator) -> list[str]:
    """Table rows for OpenFisca on `size` cases of each rule, for each stored precision."""
    schemes, oop_fen = secondary_cases(size, rng)
    levels, cost_fen, paid_fen = inpatient_cases(size, rng)
    oop, cost, paid = oop_fen / 100.0, cost_fen / 100.0, paid_fen / 100.0
    rows = []
    for precision in precisions:
        openfisca_peer.setup(precision)
        openfisca_peer.run_secondary(schemes[:1000], oop[:1000])  # warm up
        openfisca_peer.run_inpatient(levels[:1000], cost[:1000], paid[:1000])
        build = timed(lambda: openfisca_peer._simulation(size), repeat)
        note = f"{precision}; simulation build alone {min(build) * 1000:,.0f} ms"
        rows.append(
            row(
                "OpenFisca",
                "secondary_compensation",
                size,
                timed(lambda: openfisca_peer.run_secondary(schemes, oop), repeat),
                note,
            )
        )
        rows.append(
            row(
                "OpenFisca",
                "resident_inpatient",
                size,
                timed(lambda: openfisca_peer.run_inpatient(levels, cost, paid), repeat),
                note + "; enum-keyed rate by fancy indexing",
            )
        )
        if precision == "float32":
            rows.append(
                row(
                    "OpenFisca",
                    "resident_inpatient",
                    size,
                    timed(
                        lambda: openfisca_peer.run_inpatient(
                            levels, cost, paid, fancy_indexing=False
                        ),
                        repeat,
                    ),
                    note + "; rate by numpy.select (reference only)",
                )
            )
    return rows


def zen_slow_paths_rows(schemes, oop) -> list[str]:
    """Two other zen-engine call paths, timed on a small sample, to show what the API choice costs."""
    import asyncio
    import json

    import zen

    names = [zen_peer.SCHEME_NAMES[s] for s in schemes.tolist()]
    values = oop.tolist()
    decision = zen.ZenEngine().create_decision(zen_peer._graph_text("secondary"))
    decision.evaluate({"scheme": "employee", "out_of_pocket": 0})

    def per_decision():
        for s, x in zip(names, values, strict=True):
            decision.evaluate({"scheme": s, "out_of_pocket": x})

    engine = zen.ZenEngine(
        {
            "loader": {
                "type": "static",
                "content": {"secondary": json.loads(zen_peer._graph_text("secondary"))},
            }
        }
    )

    async def awaited_one_by_one():
        for s, x in zip(names, values, strict=True):
            await engine.async_evaluate("secondary", {"scheme": s, "out_of_pocket": x})

    n = len(names)
    return [
        row(
            "zen-engine",
            "secondary_compensation",
            n,
            timed(per_decision, 1),
            "create_decision(...).evaluate per case: the slow sync path (reference only)",
        ),
        row(
            "zen-engine",
            "secondary_compensation",
            n,
            timed(lambda: asyncio.run(awaited_one_by_one()), 1),
            "async_evaluate awaited one by one (reference only)",
        ),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="OpenFisca vector sizes")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--zen-sample", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    lines = [
        "| peer | rule | cases | best time | cases/s (best) | cases/s (median) | note |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    sizes = [int(s) for s in args.sizes.split(",")]
    for size in sizes:
        precisions = ("float32", "float64") if size == max(sizes) else ("float32",)
        lines += openfisca_rows(size, precisions, args.repeat, rng)
    openfisca_peer.setup("float32")

    n = args.zen_sample
    schemes, oop_fen = secondary_cases(n, rng)
    levels, cost_fen, paid_fen = inpatient_cases(n, rng)
    oop, cost, paid = oop_fen / 100.0, cost_fen / 100.0, paid_fen / 100.0
    zen_peer.setup()
    repeat = max(1, min(args.repeat, 3))
    lines.append(
        row(
            "zen-engine",
            "secondary_compensation",
            n,
            timed(lambda: zen_peer.run_secondary_per_case(schemes, oop), repeat),
            "ZenEngine.evaluate per case (sync)",
        )
    )
    lines.append(
        row(
            "zen-engine",
            "resident_inpatient",
            n,
            timed(lambda: zen_peer.run_inpatient_per_case(levels, cost, paid), repeat),
            "ZenEngine.evaluate per case (sync)",
        )
    )
    lines.append(
        row(
            "zen-engine",
            "secondary_compensation",
            n,
            timed(lambda: zen_peer.run_secondary_batch_api(schemes, oop), repeat),
            "ZenEngine.evaluate_batch (reference only)",
        )
    )
    lines.append(
        row(
            "zen-engine",
            "resident_inpatient",
            n,
            timed(lambda: zen_peer.run_inpatient_batch_api(levels, cost, paid), repeat),
            "ZenEngine.evaluate_batch (reference only)",
        )
    )

    lines += zen_slow_paths_rows(schemes[:2000], oop[:2000])

    print("\n".join(machine()))
    print()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
