"""A bounded load run: AsyncClient with 64 concurrent calls against the HTTP emulator.

The emulator serves over aiohttp on 127.0.0.1 from a background thread of this process, on a
SQLite ledger file (WAL, full sync), with real keys on both sides (merchant RSA-4096 as in
2C2P's guides, gateway RSA-2048). Half the calls are refunds (each a ledger write), half are
inquiries. Reported: throughput, p50/p99 latency of one whole call (encode, HTTP, decode),
errors (must be zero), and the process RSS after a warm-up of four waves, after the first half
and after the second half of the run (flat: the run holds no per-call state). The table goes into
``benchmarks/README.md`` (section ``load``).

Everything is bounded: ``-n`` calls in all, and a hard time limit on the whole run.

Usage: ``python benchmarks/bench_load.py [-n 2048] [-c 64] [--no-write]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from _report import machine_line, write_table
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.client import AsyncClient, RetryPolicy
from c2p_action.emulator import Emulator
from c2p_action.plugins import PluginManager

MID = "JT01"
INVOICES = 256
TIME_LIMIT = 300.0  # seconds for the whole run, whatever -n says
WARM_UP_WAVES = 4


def rss_mib() -> float:
    """Resident set size of this process (Linux ``/proc``), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Tally:
    """Latencies of successful calls and the errors met."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def _one(client: AsyncClient, number: int, tally: Tally) -> None:
    invoice = f"INV-L{number % INVOICES:04d}"
    start = time.perf_counter()
    try:
        if number % 2:
            await client.inquiry(invoice)
        else:
            await client.refund(invoice, Decimal("0.01"))
    except Exception as error:  # a load run counts every failure, whatever its type
        tally.errors.append(f"{type(error).__name__}: {error}")
        return
    tally.latencies.append(time.perf_counter() - start)


async def _wave(client: AsyncClient, numbers: range, concurrency: int, tally: Tally) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def guarded(number: int) -> None:
        async with gate:
            await _one(client, number, tally)

    await asyncio.gather(*(guarded(number) for number in numbers))


async def _run(url: str, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey], calls: int,
               concurrency: int) -> tuple[Tally, float, list[float]]:
    tally = Tally()
    async with AsyncClient(
        MID, keys[0], keys[1], environment=url, timeout=60, max_connections=concurrency,
        retry=RetryPolicy.never(), plugins=PluginManager(allow=()),
    ) as client:
        # Warm-up, not counted: pools, caches and allocator arenas reach their working size.
        await _wave(client, range(WARM_UP_WAVES * concurrency), concurrency, Tally())
        memory = [rss_mib()]
        half = calls // 2
        start = time.perf_counter()
        async with asyncio.timeout(TIME_LIMIT):
            await _wave(client, range(half), concurrency, tally)
            memory.append(rss_mib())
            await _wave(client, range(half, calls), concurrency, tally)
        elapsed = time.perf_counter() - start
        memory.append(rss_mib())
    return tally, elapsed, memory


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    """Run the load test, print the table, write it into README.md; 1 if any call failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--calls", type=int, default=2048, help="calls in all")
    parser.add_argument("-c", "--concurrency", type=int, default=64)
    parser.add_argument("--no-write", action="store_true", help="do not update README.md")
    args = parser.parse_args(argv)
    if not 0 < args.calls <= 100_000 or not 0 < args.concurrency <= 1024:
        parser.error("calls must be 1..100000 and concurrency 1..1024")

    merchant = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    gateway = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with tempfile.TemporaryDirectory() as folder:
        emulator = Emulator(gateway, {MID: merchant.public_key()}, ledger=Path(folder) / "l.db")
        for n in range(INVOICES):
            emulator.seed(f"INV-L{n:04d}", "1000.00", status="S")
        with emulator.start_server() as server:
            keys = (merchant, gateway.public_key())
            tally, elapsed, memory = asyncio.run(
                _run(server.base_url, keys, args.calls, args.concurrency)
            )
        refunds = sum(len(emulator.ledger.refunds(MID, f"INV-L{n:04d}")) for n in range(INVOICES))
        emulator.close()

    ms = [value * 1000 for value in tally.latencies]
    lines = [
        machine_line(),
        "",
        "| calls | concurrency | seconds | calls/s | p50 ms | p99 ms | mean ms | errors"
        " | RSS after warm-up MiB | RSS at half MiB | RSS at end MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {args.calls} | {args.concurrency} | {elapsed:.2f} | {args.calls / elapsed:.0f}"
        f" | {_percentile(ms, 0.50):.1f} | {_percentile(ms, 0.99):.1f}"
        f" | {statistics.fmean(ms):.1f} | {len(tally.errors)}"
        f" | {memory[0]:.1f} | {memory[1]:.1f} | {memory[2]:.1f} |",
        "",
        f"AsyncClient (aiohttp) -> emulator over HTTP on 127.0.0.1 in the same process; half"
        f" refunds ({refunds} recorded in the SQLite ledger), half inquiries; merchant"
        f" RSA-4096, gateway RSA-2048; no retries. RSS includes the emulator, whose SQLite page"
        f" cache (2 MiB default) fills as the ledger grows. Run: `python benchmarks/bench_load.py"
        f" -n {args.calls} -c {args.concurrency}`.",
    ]
    print("\n".join(lines))
    for error in tally.errors[:10]:
        print("error:", error, file=sys.stderr)
    if not args.no_write:
        write_table("load", lines)
    # Even call numbers are refunds, in the warm-up wave and in the run.
    expected = (WARM_UP_WAVES * args.concurrency + 1) // 2 + (args.calls + 1) // 2
    return 1 if tally.errors or refunds != expected else 0


if __name__ == "__main__":
    sys.exit(main())
