"""A real TCP server on 127.0.0.1 that answers HTTP requests slowly (this module holds no tests).

Each connection reads the request head, then, depending on ``phase``, trickles one byte every
``interval`` seconds of the status line, of the headers, or of the body; or answers nothing
(``silent``, also for a TLS client stuck in its handshake); or never reads the request body
(``no-read``, so a large upload blocks in ``send``). The trickle is finite: a client without a
real deadline is held for ``len(part) * interval`` seconds, not forever, so a test against it
fails instead of hanging.

:class:`ScriptedServer` plays any answer instead: a list of (pause, bytes) steps, then a close.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

STATUS = b"HTTP/1.1 200 OK\r\n"
HEADERS = b"Content-Type: text/plain\r\nX-Padding: slow-slow-slow\r\nContent-Length: 24\r\n\r\n"
BODY = b"0123456789abcdefghijklmn"
PHASES = ("status", "headers", "body")


class SlowServer:
    """Listens on an ephemeral port; ``url`` is where to POST."""

    def __init__(self, phase: str, interval: float) -> None:
        self.phase = phase
        self.interval = interval
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/slow"
        self.stop = threading.Event()
        self.accepted = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                if self.phase == "no-read":
                    self.stop.wait()
                    return
                self._read_head(conn)
                if self.phase == "silent":
                    self.stop.wait()
                    return
                for part, slow in (
                    (STATUS, self.phase == "status"),
                    (HEADERS, self.phase == "headers"),
                    (BODY, self.phase == "body"),
                ):
                    if not slow:
                        conn.sendall(part)
                        continue
                    for byte in part:
                        if self.stop.wait(self.interval):
                            return
                        conn.sendall(bytes([byte]))
            except OSError:
                return  # the client gave up: what a deadline is for

    @staticmethod
    def _read_head(conn: socket.socket) -> None:
        """Read the request head and its Content-Length body (so closing sends no reset)."""
        data = b""
        conn.settimeout(10)
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and value.strip().isdigit():
                length = int(value)
        while len(body) < length and (chunk := conn.recv(65536)):
            body += chunk

    def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # close() alone does not wake accept()
        self.listener.close()
        self._thread.join(timeout=5)


class ScriptedServer(SlowServer):
    """Answers every request with ``script``: pause, send, pause, send..., then closes."""

    def __init__(self) -> None:
        self.script: list[tuple[float, bytes]] = []
        super().__init__("scripted", 0.0)

    def _serve(self, conn: socket.socket) -> None:
        script = list(self.script)
        with conn:
            try:
                self._read_head(conn)
                for pause, data in script:
                    if self.stop.wait(pause):
                        return
                    conn.sendall(data)
            except OSError:
                return


@contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    """A :class:`ScriptedServer` for the duration of a ``with`` block."""
    server = ScriptedServer()
    try:
        yield server
    finally:
        server.close()


@contextmanager
def slow_server(phase: str, interval: float = 0.3) -> Iterator[SlowServer]:
    """A :class:`SlowServer` for the duration of a ``with`` block."""
    server = SlowServer(phase, interval)
    try:
        yield server
    finally:
        server.close()


def elapsed_since(start: float) -> float:
    """Seconds since ``start`` (``time.monotonic()``)."""
    return time.monotonic() - start
