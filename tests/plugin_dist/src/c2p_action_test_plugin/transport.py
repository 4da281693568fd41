"""The ``stdlib-http`` transport: the standard library's ``http.client``, sync and async.

A complete transport in one file, written to be copied: it keeps every point of the contract in
``c2p_action.transports.base`` and passes ``c2p_action.testing.transports.TransportContract``.

- ``https://`` goes over TLS with one ``ssl.SSLContext`` per transport: the system trust store,
  or ``options.ca_file`` instead of it; certificate and host name checked unless
  ``options.verify_tls`` is false. The default ports are 80 and 443.
- ``request.timeout`` bounds the whole exchange. ``http.client`` only has a timeout per socket
  operation, which a server sending one byte at a time never trips, so a watchdog timer shuts
  the socket down when the deadline passes; whatever was blocked on it then fails at once.
- An answer over ``options.max_response_bytes`` is refused: by its ``Content-Length`` before
  reading, or as soon as the bytes read pass the limit.
- Redirects are returned, never followed (``http.client`` never follows them); one call sends
  one request (no retries); any status is returned.
- One connection per call: simple and thread-safe, but a production transport would keep a
  pool of connections per host.
- ``options.proxy`` (an HTTP proxy) is honoured with a ``CONNECT`` tunnel
  (``set_tunnel``), its credentials in ``Proxy-Authorization``; the deadline covers the
  tunnel too. A proxy that refuses the tunnel is not retryable; one that cannot be reached is.
- ``asend`` runs ``send`` in a worker thread, so the async client gets the same behaviour.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import re
import socket
import ssl
import threading
from urllib.parse import urlsplit

from c2p_action.errors import TransportError
from c2p_action.plugins import RegisterTransport, hookimpl
from c2p_action.transports import TransportOptions, TransportRequest, TransportResponse

__all__ = ["StdlibHttpTransport", "register_transports"]

_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
# http.client's words when a proxy answers CONNECT with anything but 200.
_TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (\d{3})")


def _ssl_context(options: TransportOptions) -> ssl.SSLContext:
    # cafile replaces the system store (create_default_context loads the defaults only
    # when it is given no CA of its own).
    context = ssl.create_default_context(cafile=options.ca_file)
    if not options.verify_tls:
        context.check_hostname = False  # must be switched off before verify_mode
        context.verify_mode = ssl.CERT_NONE
    return context


class _Deadline:
    """Shuts a connection's socket down when the deadline passes (and says whether it did)."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sock = self._connection.sock
        if sock is not None:
            # socket.socket's own shutdown, also for an SSLSocket: end the TCP stream under
            # the TLS layer, so a read blocked in another thread returns now.
            with contextlib.suppress(OSError):  # already closed
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class StdlibHttpTransport:
    """A :class:`~c2p_action.transports.base.Transport` and ``AsyncTransport`` on http.client."""

    def __init__(self, options: TransportOptions) -> None:
        self._options = options
        self._context = _ssl_context(options)

    def __repr__(self) -> str:
        return f"StdlibHttpTransport(verify_tls={self._options.verify_tls})"

    def send(self, request: TransportRequest) -> TransportResponse:
        """POST the body and read the whole answer before the request's deadline."""
        connection, target = self._connect(request)
        host = connection.host
        with _Deadline(connection, request.timeout) as deadline:
            try:
                connection.connect()
                if deadline.expired:  # it passed while connecting, before there was a socket
                    raise TimeoutError
                connection.request("POST", target, body=request.body, headers=dict(request.headers))
                response = connection.getresponse()
                body = self._read_body(response, host)
                if deadline.expired:  # the last bytes came in just as the deadline passed
                    raise TimeoutError
                return TransportResponse(response.status, body, dict(response.getheaders()))
            except TransportError:
                raise
            except (OSError, http.client.HTTPException) as exc:
                if deadline.expired:
                    raise TransportError(
                        f"{host} did not answer within {request.timeout:g}s", retryable=True
                    ) from None
                raise _failure(exc, host, request.timeout) from None
            finally:
                connection.close()

    def _connect(self, request: TransportRequest) -> tuple[http.client.HTTPConnection, str]:
        """A fresh, not yet connected connection for the URL, and the request target."""
        try:
            parts = urlsplit(request.url)
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        except ValueError:  # a malformed URL or port
            raise TransportError("endpoint URL is not usable", retryable=False) from None
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or port is None:
            raise TransportError("endpoint URL is not usable", retryable=False)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        # Through a proxy the socket goes to the proxy, and connect() opens a CONNECT tunnel
        # to the gateway (TLS and its host name check then run through the tunnel).
        proxy = self._options.proxy_url
        host, dial_port = (parts.hostname, port) if proxy is None else (proxy.host, proxy.port)
        # The socket timeout bounds connect() and each read; the deadline bounds their sum.
        if parts.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, dial_port, timeout=request.timeout, context=self._context
            )
        else:
            connection = http.client.HTTPConnection(host, dial_port, timeout=request.timeout)
        if proxy is not None:
            connection.set_tunnel(parts.hostname, port, headers=proxy.headers)
        return connection, target

    def _read_body(self, response: http.client.HTTPResponse, host: str) -> bytes:
        limit = self._options.max_response_bytes
        header = (response.getheader("Content-Length") or "").strip()
        announced = int(header) if header.isdigit() else None
        if announced is not None and announced > limit:
            raise TransportError(f"{host} answered more than {limit} bytes", retryable=False)
        parts: list[bytes] = []
        size = 0
        while chunk := response.read1(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise TransportError(f"{host} answered more than {limit} bytes", retryable=False)
            parts.append(chunk)
        if announced is not None and size < announced:
            # http.client ends a short Content-Length body quietly; it is a broken connection.
            raise http.client.IncompleteRead(b"", announced - size)
        return b"".join(parts)

    async def asend(self, request: TransportRequest) -> TransportResponse:
        """``send`` in a worker thread (its own deadline ends it on time)."""
        return await asyncio.to_thread(self.send, request)

    def close(self) -> None:
        """Nothing pooled: each call closes its own connection."""

    async def aclose(self) -> None:
        """Nothing pooled: each call closes its own connection."""


def _failure(exc: BaseException, host: str, timeout: float) -> TransportError:
    """Map one http.client/socket/ssl failure to the contract's error."""
    refused = _TUNNEL_REFUSED.match(str(exc)) if type(exc) is OSError else None
    if refused is not None:
        # The proxy said no (407, 403 ...): a policy, which the same request does not change.
        status = refused.group(1)
        return TransportError(f"proxy {host} refused the tunnel (HTTP {status})", retryable=False)
    if isinstance(exc, ssl.SSLError):
        return TransportError(f"TLS handshake with {host} failed", retryable=False)
    if isinstance(exc, TimeoutError):
        return TransportError(f"{host} did not answer within {timeout:g}s", retryable=True)
    if isinstance(exc, http.client.IncompleteRead | ConnectionError):
        # Refused, reset, or closed before the answer was complete (RemoteDisconnected).
        return TransportError(f"connection to {host} failed or broke", retryable=True)
    if isinstance(exc, http.client.HTTPException):
        return TransportError(f"{host} did not answer in HTTP", retryable=False)
    # Other OSErrors: name resolution, unreachable network; a later attempt may get through.
    return TransportError(f"could not reach {host}: {type(exc).__name__}", retryable=True)


@hookimpl
def register_transports(register: RegisterTransport) -> None:
    """Offer ``stdlib-http`` to both clients."""
    register("stdlib-http", sync_factory=StdlibHttpTransport, async_factory=StdlibHttpTransport)
