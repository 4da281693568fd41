"""What the whole-exchange deadline costs per call of the urllib3 transport.

``Urllib3Transport.send`` runs every exchange inside ``deadline()``: a heap push and pop under a
lock in the shared watchdog, a thread-local, and connection hooks. The **floor** is the same
POST, read and release with a plain urllib3 ``PoolManager`` (no deadline, per-read timeouts
only), which is what the transport did before. Both talk to a tiny keep-alive HTTP server in a
separate process on 127.0.0.1, so that the server's CPU does not share this process's GIL. Batches
of each case alternate; the best batch of each is compared (interference only adds time), and
the same with 8 threads calling at once. ``deadline()`` alone is also timed.

Usage: ``python benchmarks/bench_deadline.py [--rounds 15] [--calls 300] [--no-write]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import urllib3
from _report import machine_line, write_table

from c2p_action.transports._deadline import deadline
from c2p_action.transports._urllib3 import Urllib3Transport
from c2p_action.transports.base import TransportOptions, TransportRequest, TransportResponse

# A keep-alive HTTP server that answers every POST with a fixed 1.5 KB body (about the size of
# a sealed PaymentProcessResponse), printing its port first.
_SERVER = r"""
import asyncio, sys
BODY = b"t" * 1500
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (
    len(BODY), BODY)

class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""
    def data_received(self, data):
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, rest = self.buffer.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if len(rest) < length:
                return
            self.buffer = rest[length:]
            self.transport.write(ANSWER)

async def main():
    server = await asyncio.get_running_loop().create_server(Echo, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""

BODY = b"r" * 1700  # about a sealed PaymentProcessRequest
HEADERS = {"Content-Type": "text/plain"}


def floor_call(pool: urllib3.PoolManager, request: TransportRequest) -> TransportResponse:
    """What the transport did before the deadline: POST, read by chunks, release."""
    response = pool.request(
        "POST",
        request.url,
        body=request.body,
        headers=dict(request.headers),
        timeout=urllib3.Timeout(connect=request.timeout, read=request.timeout),
        retries=False,
        redirect=False,
        preload_content=False,
    )
    parts = []
    while chunk := response.read1(64 * 1024):
        parts.append(chunk)
    response.release_conn()
    return TransportResponse(response.status, b"".join(parts), dict(response.headers))


def best_per_call(run: Any, calls: int, threads: int) -> float:
    """Seconds per call of one batch of ``calls`` calls spread over ``threads`` threads."""
    start = time.perf_counter()
    if threads == 1:
        for _ in range(calls):
            run()
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: run(), range(calls)))
    return (time.perf_counter() - start) / calls


def main(argv: list[str] | None = None) -> int:
    """Run the comparison, print the table and write it into README.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--no-write", action="store_true", help="do not update README.md")
    args = parser.parse_args(argv)

    with subprocess.Popen(  # noqa: S603 - this interpreter, running the server above
        [sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, text=True
    ) as server:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/action"
        try:
            rows = measure(url, args.rounds, args.calls)
        finally:
            server.terminate()

    micro = float("inf")
    for _ in range(args.rounds):
        start = time.perf_counter()
        for _ in range(10_000):
            with deadline(60):
                pass
        micro = min(micro, (time.perf_counter() - start) / 10_000)

    lines = [
        machine_line(),
        "",
        "| threads | floor: plain urllib3 (best) | transport with deadline (best)"
        " | ratio | overhead per call |",
        "|---:|---:|---:|---:|---:|",
    ]
    for threads, floor, transport in rows:
        lines.append(
            f"| {threads} | {floor * 1e6:,.1f} µs | {transport * 1e6:,.1f} µs"
            f" | {transport / floor:.3f}x | {(transport - floor) * 1e6:+.1f} µs |"
        )
    lines += [
        "",
        f"`with deadline(60): pass` alone (watch + finish in the shared watchdog):"
        f" {micro * 1e6:.2f} µs. POST of 1.7 KB, answer of 1.5 KB, keep-alive, to a server in"
        f" another process on 127.0.0.1; {args.rounds} alternating batches of {args.calls}"
        f" calls per case. A real call also spends ~1.5 ms in RSA, which the floor leaves out."
        f" Run: `python benchmarks/bench_deadline.py`.",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_table("deadline", lines)
    return 0


def measure(url: str, rounds: int, calls: int) -> list[tuple[int, float, float]]:
    """(threads, best floor seconds per call, best transport seconds per call) rows."""
    rows = []
    for threads in (1, 8):
        plain = urllib3.PoolManager(maxsize=threads, retries=False)
        transport = Urllib3Transport(TransportOptions(max_connections=threads))
        request = TransportRequest(url, BODY, HEADERS, 60.0)

        def with_deadline(
            transport: Urllib3Transport = transport, request: TransportRequest = request
        ) -> bytes:
            return transport.send(request).body

        def floor(plain: urllib3.PoolManager = plain, request: TransportRequest = request) -> bytes:
            return floor_call(plain, request).body

        assert with_deadline() == floor()
        best_floor = best_transport = float("inf")
        for number in range(rounds):
            # Alternating which case goes first, so neither always runs on a warmer cache.
            if number % 2:
                best_transport = min(best_transport, best_per_call(with_deadline, calls, threads))
            best_floor = min(best_floor, best_per_call(floor, calls, threads))
            if not number % 2:
                best_transport = min(best_transport, best_per_call(with_deadline, calls, threads))
        rows.append((threads, best_floor, best_transport))
        transport.close()
        plain.clear()
    return rows


if __name__ == "__main__":
    sys.exit(main())
