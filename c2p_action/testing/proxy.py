"""A real, minimal HTTP ``CONNECT`` proxy on 127.0.0.1, for testing egress through a proxy.

The transport contract (:mod:`c2p_action.testing.transports`) runs its proxy cases through it,
and an integrator can use it to test their own set-up (``proxy=`` / ``C2P_PROXY``).
:func:`connect_proxy` runs one in a background thread. Each connection sends one request head;
``CONNECT host:port`` is answered ``200`` and the bytes are then tunnelled both ways until
either side closes. The proxy records every ``CONNECT`` target (:attr:`ConnectProxy.seen`) and
the ``Proxy-Authorization`` it was sent, so a test can prove the traffic went through it.

Behaviours: ``auth=(user, password)`` answers ``407`` (with ``Proxy-Authenticate``) unless
basic credentials match; ``refuse=403`` (or any status) refuses every tunnel; ``stall=True``
accepts the connection, reads the request and never answers; ``trickle=True`` answers the
``CONNECT`` one byte every 0.3 s (about 12 s in all: a client without a real deadline is held
that long, not forever). Anything but ``CONNECT`` is answered ``405``: this proxy only tunnels.
Standard library only; nothing in the library imports this module.
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ConnectProxy", "connect_proxy"]

_ESTABLISHED = b"HTTP/1.1 200 Connection established\r\n\r\n"
_REASONS = {403: "Forbidden", 405: "Method Not Allowed", 407: "Proxy Authentication Required"}


class ConnectProxy:
    """The proxy's behaviour and what it saw; ``url``/``address`` say where it listens."""

    def __init__(
        self,
        *,
        auth: tuple[str, str] | None = None,
        refuse: int | None = None,
        stall: bool = False,
        trickle: bool = False,
    ) -> None:
        self.auth = auth
        self.refuse = refuse
        self.stall = stall
        self.trickle = trickle
        self.seen: list[str] = []  # CONNECT targets, host:port
        self.authorizations: list[str | None] = []
        self.tunnels = 0  # tunnels opened
        self.closing = threading.Event()
        self.port = 0

    @property
    def address(self) -> str:
        """``127.0.0.1:port``."""
        return f"127.0.0.1:{self.port}"

    def url(self, credentials: str = "") -> str:
        """``http://[credentials@]127.0.0.1:port``."""
        return f"http://{credentials + '@' if credentials else ''}{self.address}"

    def _authorized(self, header: str | None) -> bool:
        if self.auth is None:
            return True
        expected = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
        return header == f"Basic {expected}"

    def serve(self, client: socket.socket) -> None:
        """Handle one client connection (in its own thread)."""
        head = _read_head(client)
        if not head:
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = [*lines[0].split(" "), "", ""][:3]
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        }
        if method != "CONNECT":
            _answer(client, 405)
            return
        self.seen.append(target)
        self.authorizations.append(headers.get("proxy-authorization"))
        if self.stall:
            self.closing.wait()
            return
        if self.refuse is not None:
            _answer(client, self.refuse)
            return
        if not self._authorized(headers.get("proxy-authorization")):
            _answer(client, 407, {"Proxy-Authenticate": 'Basic realm="test proxy"'})
            return
        host, _, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
        except (OSError, ValueError):
            _answer(client, 502)
            return
        with upstream:
            if self.trickle:
                for byte in _ESTABLISHED:
                    if self.closing.wait(0.3):
                        return
                    client.sendall(bytes([byte]))
            else:
                client.sendall(_ESTABLISHED)
            self.tunnels += 1
            _pump(client, upstream, self.closing)


def _read_head(sock: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536:
        try:
            chunk = sock.recv(4096)
        except OSError:
            return b""
        if not chunk:
            return b""
        head += chunk
    return head.split(b"\r\n\r\n", 1)[0]


def _answer(sock: socket.socket, status: int, headers: dict[str, str] | None = None) -> None:
    body = f"{status} from the test proxy".encode()
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}"]
    for name, value in {
        **(headers or {}),
        "Content-Length": str(len(body)),
        "Connection": "close",
    }.items():
        lines.append(f"{name}: {value}")
    with contextlib.suppress(OSError):
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def _pump(a: socket.socket, b: socket.socket, closing: threading.Event) -> None:
    """Copy bytes both ways until either side closes (or the proxy stops)."""
    peers = {a: b, b: a}
    while not closing.is_set():
        try:
            ready, _, _ = select.select(list(peers), [], [], 0.2)
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].sendall(data)
        except OSError:
            return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, proxy: ConnectProxy) -> None:
        self.proxy = proxy
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.proxy.serve(self.request)


@contextmanager
def connect_proxy(**behaviour: object) -> Iterator[ConnectProxy]:
    """Run a :class:`ConnectProxy` (keyword arguments: its behaviour) until the block ends."""
    proxy = ConnectProxy(**behaviour)  # type: ignore[arg-type]
    server = _Server(proxy)
    proxy.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield proxy
    finally:
        proxy.closing.set()
        server.shutdown()
        server.server_close()
        thread.join()
