"""A real deadline for blocking urllib3 exchanges: connect, send, status line, headers, body.

A socket timeout bounds each ``recv()``, not the exchange: a server that sends its status line
one byte every 1.5 s never trips a 2 s timeout and holds the caller for as long as it likes.
So every exchange runs inside :func:`deadline`, and one shared watchdog thread keeps the
deadlines of all exchanges in progress in a heap. When one passes, the watchdog shuts that
exchange's socket down (``shutdown(2)`` wakes a ``recv``/``send`` blocked in another thread),
the blocked call returns, and the caller reports a timeout. The watchdog costs a lock, a heap
push and one small object per exchange (``benchmarks/bench_deadline.py`` measures it); it sleeps
until the earliest deadline and no thread is started per call.

Connecting and the TLS handshake happen before there is a socket to shut down, so they run
with the socket timeout set to the time left: CPython applies that timeout to ``connect()`` and
to the whole handshake as a single deadline. Name resolution (``getaddrinfo``) cannot be
interrupted; it is the system resolver's to bound.

The hooks live in urllib3 connection subclasses (:class:`DeadlineHTTPConnection`,
:class:`DeadlineHTTPSConnection`), which :func:`use_deadlines` installs in a ``PoolManager``.
Outside :func:`deadline` they behave exactly like urllib3's own.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import os
import socket
import threading
import time
from typing import Any

import urllib3
from urllib3 import exceptions as u3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = [
    "DeadlineHTTPConnection",
    "DeadlineHTTPSConnection",
    "Exchange",
    "Watchdog",
    "current_exchange",
    "deadline",
    "use_deadlines",
]

_RUNNING, _FINISHED, _EXPIRED = range(3)


class Exchange:
    """One exchange's deadline (``time.monotonic()`` seconds) and the connection it uses."""

    __slots__ = ("_connection", "_state", "deadline")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._connection: HTTPConnection | None = None
        self._state = _RUNNING

    def __repr__(self) -> str:
        state = ("running", "finished", "expired")[self._state]
        return f"Exchange({state}, {self.remaining():.3f}s left)"

    def remaining(self) -> float:
        """Seconds left before the deadline (negative once it has passed)."""
        return self.deadline - time.monotonic()

    @property
    def expired(self) -> bool:
        """Whether the watchdog ended this exchange at its deadline."""
        return self._state == _EXPIRED

    def attach(self, connection: HTTPConnection) -> None:
        """Make ``connection`` the one whose socket is shut down at the deadline."""
        self._connection = connection


class Watchdog:
    """Shuts down the socket of each exchange still running at its deadline.

    One daemon thread, started on first use (and again in a forked child), sleeps until the
    earliest deadline in a heap. Finished exchanges are not searched for and removed: they are
    dropped when they reach the top, and the heap is rebuilt when they make up most of it.
    """

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):
            # The thread does not survive fork(), and its lock may be held at that moment.
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Exchange]] = []
        self._order = itertools.count()
        self._running = 0  # exchanges in the heap still running
        self._wake_at = math.inf  # when the thread means to wake up next
        self._thread: threading.Thread | None = None

    def watch(self, exchange: Exchange) -> None:
        """Start watching ``exchange``: its socket is shut down if it runs past its deadline."""
        with self._condition:
            heapq.heappush(self._heap, (exchange.deadline, next(self._order), exchange))
            self._running += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="c2p-deadline-watchdog", daemon=True
                )
                self._thread.start()
            elif exchange.deadline < self._wake_at:
                self._condition.notify()

    def finish(self, exchange: Exchange) -> bool:
        """Stop watching ``exchange``; ``True`` if the watchdog already ended it.

        After this returns, the watchdog never touches the exchange's connection again, so the
        connection can go back to its pool.
        """
        with self._condition:
            if exchange._state != _RUNNING:
                return exchange._state == _EXPIRED
            exchange._state = _FINISHED
            self._running -= 1
            heap = self._heap
            if len(heap) > 64 and self._running * 2 < len(heap):
                self._heap = [entry for entry in heap if entry[2]._state == _RUNNING]
                heapq.heapify(self._heap)
            return False

    def _run(self) -> None:
        condition = self._condition
        with condition:
            while True:
                now = time.monotonic()
                heap = self._heap
                while heap and (heap[0][0] <= now or heap[0][2]._state != _RUNNING):
                    exchange = heapq.heappop(heap)[2]
                    if exchange._state == _RUNNING:
                        self._running -= 1
                        self._expire(exchange)
                self._wake_at = heap[0][0] if heap else math.inf
                condition.wait(None if not heap else self._wake_at - now)

    @staticmethod
    def _expire(exchange: Exchange) -> None:
        # The state changes before the socket is read: a caller that attaches a socket after
        # this point sees the state and gives up itself (see DeadlineHTTPConnection.connect).
        exchange._state = _EXPIRED
        connection = exchange._connection
        sock = getattr(connection, "sock", None) if connection is not None else None
        if isinstance(sock, socket.socket):
            # Already closed, or detached while a TLS handshake takes over: nothing to do.
            with contextlib.suppress(OSError):
                # The plain socket method, also for an SSLSocket: it acts on the descriptor
                # and leaves the TLS object alone while another thread is inside it.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


WATCHDOG = Watchdog()
_local = threading.local()


def current_exchange() -> Exchange | None:
    """The exchange this thread is running inside :func:`deadline`, if any."""
    exchange: Exchange | None = getattr(_local, "exchange", None)
    return exchange


def deadline(seconds: float) -> _Watched:
    """Run one exchange on this thread that must end within ``seconds`` from now.

    ``with deadline(timeout) as exchange: ...``. Call ``WATCHDOG.finish(exchange)`` before
    trusting what was read: ``True`` means the socket was shut down and the answer may be cut
    short. Leaving the block finishes the exchange too.
    """
    return _Watched(seconds)


class _Watched:
    """The context manager :func:`deadline` returns (a class: cheaper than a generator)."""

    __slots__ = ("_exchange", "_previous")

    def __init__(self, seconds: float) -> None:
        self._exchange = Exchange(time.monotonic() + seconds)

    def __enter__(self) -> Exchange:
        self._previous = current_exchange()
        _local.exchange = self._exchange
        WATCHDOG.watch(self._exchange)
        return self._exchange

    def __exit__(self, *exc_info: object) -> None:
        WATCHDOG.finish(self._exchange)
        _local.exchange = self._previous


class DeadlineHTTPConnection(HTTPConnection):
    """urllib3's HTTP connection, bound by the :func:`deadline` of the exchange using it."""

    def connect(self) -> None:
        exchange = current_exchange()
        if exchange is None:
            super().connect()
            return
        exchange.attach(self)
        left = exchange.remaining()
        if left <= 0 or exchange.expired:
            raise u3.ConnectTimeoutError(self, "the exchange's deadline passed before connecting")
        self.timeout = left
        super().connect()
        if exchange.expired:
            # The watchdog fired while there was no socket yet to shut down.
            self.close()
            raise u3.ConnectTimeoutError(self, "the exchange's deadline passed while connecting")

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        exchange = current_exchange()
        if exchange is not None:
            # The TLS handshake that follows gets only the time left, as one deadline.
            sock.settimeout(max(exchange.remaining(), 0.001))
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        exchange = current_exchange()
        if exchange is not None:
            exchange.attach(self)
        super().request(*args, **kwargs)


class DeadlineHTTPSConnection(DeadlineHTTPConnection, HTTPSConnection):
    """urllib3's HTTPS connection, bound by the :func:`deadline` of the exchange using it."""


class _DeadlineHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class _DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection


def use_deadlines(pool: urllib3.PoolManager) -> urllib3.PoolManager:
    """Make ``pool`` open deadline-aware connections; returns it.

    Pools it already holds are closed (their connections would not be deadline-aware).
    """
    pool.pool_classes_by_scheme = {
        "http": _DeadlineHTTPConnectionPool,
        "https": _DeadlineHTTPSConnectionPool,
    }
    pool.clear()
    return pool
