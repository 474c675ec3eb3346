"""The service under load on 127.0.0.1, side by side with OpenFisca's Web API, in one run.

What is measured:
- one-case evaluate of `medical.secondary_compensation` (employee, 35,000 yuan out of pocket,
  2012-06-01 → 5000.00) at concurrency 1, 16 and 64: requests/s, p50 and p99 latency;
  the same rule, the same case, on OpenFisca's Web API (`/calculate`, the peer of
  benchmarks/peers/openfisca_peer.py served by benchmarks/peers/openfisca_web.py);
- the batch endpoint: a Parquet file of `--batch-rows` cases in, Parquet out, rows/s from
  the first byte sent to the last byte received (the median of three runs, after a small
  warm-up batch).

How: each server runs alone in its own subprocess (uvicorn for ratebook via `ratebook serve`,
gunicorn for OpenFisca as `openfisca serve` runs it), with the same number of worker
processes, and is stopped before the next starts. The load is made by an aiohttp client
(PyPI: aiohttp) in this process: `concurrency` tasks, each with its own keep-alive
connection, sending the next request when the previous answer has been read (closed loop),
for `--seconds` after one second of warm-up. Every answer is checked (status 200 and the
amount 5000). The client shares the machine's cores with the server, as it would on one
host; the numbers are for this machine only.

    pip install -e ".[bench]"
    python benchmarks/bench_serve.py                 # ~1 minute
    python benchmarks/bench_serve.py --seconds 3 --batch-rows 200000
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = "medical.secondary_compensation"
RATEBOOK_CASE = {"on": "2012-06-01", "inputs": {"scheme": "employee", "out_of_pocket": 35000}}
OPENFISCA_CASE = {
    "insureds": {
        "p": {
            "scheme": {"2012": "employee"},
            "out_of_pocket": {"2012": 35000},
            "compensation": {"2012": None},
        }
    }
}
EXPECTED = 5000  # 35,000 yuan: 10,000 × 30% + 5,000 × 40% (RULES.md, the employee scale)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} ended with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server on port {port} did not start in {timeout} s")


def start(command: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its workers too are stopped with it
    )
    wait_ready(port, process)
    time.sleep(1.0)  # every worker up, not only the first
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def load(url: str, body: bytes, check, concurrency: int, seconds: float) -> dict:
    """Closed-loop load: `concurrency` connections, each sending the next request as soon as
    the previous answer is read; one second of warm-up, then `seconds` measured."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    headers = {"Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        warm_until = time.perf_counter() + 1.0
        end = warm_until + seconds

        async def worker() -> None:
            nonlocal errors
            while True:
                begin = time.perf_counter()
                if begin >= end:
                    return
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        answer = await response.read()
                    ok = response.status == 200 and check(answer)
                except aiohttp.ClientError:
                    ok = False
                done = time.perf_counter()
                if not ok:
                    errors += 1
                elif begin >= warm_until:
                    latencies.append(done - begin)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    latencies.sort()
    if not latencies:
        return {"requests": 0, "rps": 0.0, "p50_ms": 0.0, "p99_ms": 0.0, "errors": errors}
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "errors": errors,
    }


def ratebook_ok(answer: bytes) -> bool:
    return json.loads(answer)["outputs"]["compensation"] == "5000.00"


def openfisca_ok(answer: bytes) -> bool:
    return json.loads(answer)["insureds"]["p"]["compensation"]["2012"] == EXPECTED


def batch_run(port: int, rows: int) -> dict:
    """One Parquet batch of `rows` cases through the batch endpoint, Parquet back."""
    import urllib.request

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(5)
    cases = pa.table(
        {
            "scheme": pa.array(np.where(rng.random(rows) < 0.5, "employee", "resident")),
            "out_of_pocket": pa.array(np.round(rng.uniform(0, 120_000, rows), 2)),
        }
    )
    sink = io.BytesIO()
    pq.write_table(cases, sink)
    body = sink.getvalue()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/policies/{POLICY}/batch?format=parquet&out=parquet&on=2012-06-01",
        data=body,
        headers={"Content-Type": "application/vnd.apache.parquet"},
        method="POST",
    )
    begin = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = response.read()
    seconds = time.perf_counter() - begin
    table = pq.read_table(io.BytesIO(answer))
    assert table.num_rows == rows, (table.num_rows, rows)
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "mb_in": len(body) / 1e6,
        "mb_out": len(answer) / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured per run")
    parser.add_argument("--workers", type=int, default=2, help="server processes, both servers")
    parser.add_argument("--concurrency", default="1,16,64")
    parser.add_argument("--batch-rows", type=int, default=1_000_000)
    parser.add_argument("--no-openfisca", action="store_true")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    results: dict[str, dict[int, dict]] = {}

    port = free_port()
    ratebook = start(
        [sys.executable, "cli.py", "serve", "--port", str(port), "--workers", str(args.workers)],
        port,
    )
    try:
        body = json.dumps(RATEBOOK_CASE).encode()
        url = f"http://127.0.0.1:{port}/api/policies/{POLICY}/evaluate"
        results["ratebook"] = {}
        for c in levels:
            results["ratebook"][c] = asyncio.run(load(url, body, ratebook_ok, c, args.seconds))
            print("ratebook", c, results["ratebook"][c], file=sys.stderr)
        batch = None
        if args.batch_rows:
            batch_run(port, 10_000)  # warm-up: the first batch loads the Parquet code
            runs = [batch_run(port, args.batch_rows) for _ in range(3)]
            batch = sorted(runs, key=lambda r: r["seconds"])[1]  # the median of three
    finally:
        stop(ratebook)

    if not args.no_openfisca:
        port = free_port()
        openfisca = start(
            [
                *(sys.executable, "-m", "benchmarks.peers.openfisca_web"),
                *("--port", str(port), "--workers", str(args.workers)),
            ],
            port,
        )
        try:
            body = json.dumps(OPENFISCA_CASE).encode()
            url = f"http://127.0.0.1:{port}/calculate"
            results["OpenFisca Web API"] = {}
            for c in levels:
                run = asyncio.run(load(url, body, openfisca_ok, c, args.seconds))
                results["OpenFisca Web API"][c] = run
                print("OpenFisca", c, run, file=sys.stderr)
        finally:
            stop(openfisca)

    print(
        f"one-case evaluate of {POLICY}, {args.workers} worker processes each, "
        f"{args.seconds:g} s per run, {os.cpu_count()} cores"
    )
    print(f"{'server':<20} {'conc':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for server, runs in results.items():
        for c, r in runs.items():
            print(
                f"{server:<20} {c:>5} {r['rps']:>9,.0f} {r['p50_ms']:>8.2f} "
                f"{r['p99_ms']:>8.2f} {r['errors']:>7}"
            )
    if "OpenFisca Web API" in results:
        for c in levels:
            ratio = results["ratebook"][c]["rps"] / results["OpenFisca Web API"][c]["rps"]
            print(f"ratebook / OpenFisca requests/s at {c}: {ratio:.1f}×")
    if batch:
        print(
            f"batch (median of 3), Parquet in and out: {batch['rows']:,} rows in {batch['seconds']:.2f} s "
            f"= {batch['rows_per_s']:,.0f} rows/s ({batch['mb_in']:.1f} MB in, "
            f"{batch['mb_out']:.1f} MB out)"
        )


if __name__ == "__main__":
    main()
