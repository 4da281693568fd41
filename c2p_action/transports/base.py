"""The transport contract: a prepared HTTP request in, status + headers + body out.

Transports do I/O and nothing else: no retries, no codec, no interpretation. A class may
implement both protocols (the in-process transport does). A transport registered through the
``register_transports`` hook is built by a factory that receives :class:`TransportOptions`;
:mod:`c2p_action.testing.transports` is the test suite every transport here passes, for any
third-party transport to run too. The contract, point by point:

One exchange
    ``send``/``asend`` POSTs ``request.body`` to ``request.url`` (path and query as given)
    with exactly ``request.headers`` (plus what HTTP itself needs: ``Host``,
    ``Content-Length``), and returns the status, the whole body and the headers of the
    answer. Any status is an answer: 3xx, 4xx and 5xx come back as a
    :class:`TransportResponse` and are never raised (the client turns them into
    ``HttpStatusError``). Redirects are never followed: a payment POST must not wander.

No hidden retries
    One call, at most one request on the wire. The client's retry policy decides what is
    repeated, with the same idempotencyID; a transport that replays a POST behind its back
    (a library's default retry, a retry on a stale pooled connection) can refund twice.

The deadline
    ``request.timeout`` (seconds) bounds the whole exchange: connecting, the TLS handshake,
    sending, the status line, the headers and the body together, not each read. A server
    that trickles one byte a second must not hold the caller past it. It overrides
    ``TransportOptions.timeout``, which is only the default the client puts in requests.

Size
    An answer whose body exceeds ``TransportOptions.max_response_bytes`` is refused (announced
    by ``Content-Length`` or found while reading), without reading it all.

TLS
    ``https://`` URLs verify the server's certificate and host name against the system's
    trust store, or against ``TransportOptions.ca_file`` (a PEM bundle that replaces the system
    store) when given. ``verify_tls=False`` turns verification off; only tests use it. The
    default ports are 80 (``http``) and 443 (``https``).

Failures
    Every failure is a :class:`~c2p_action.errors.TransportError` (never a library's own
    exception, never ``OSError``), its message naming the host but never the body or
    headers. ``retryable=True`` when another attempt may succeed unchanged: connection
    refused, reset or closed before a complete answer, a DNS failure, the deadline passing.
    ``retryable=False`` when it would fail the same way: TLS and certificate errors, an
    oversized answer, an unusable URL (no host, not ``http``/``https``, malformed), an answer
    that is not HTTP.

Lifetime and threads
    A sync transport is shared by every thread of a ``Client``: ``send`` must be safe to call
    concurrently. An async transport is used from one event loop, concurrently. ``close`` /
    ``aclose`` release pooled connections and may be called more than once; the client calls
    it only for transports it created by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class TransportRequest:
    """A request ready to go on the wire; ``timeout`` is the whole exchange, in seconds.

    ``url`` is the endpoint (``https://`` in production; ``http://`` only on loopback),
    ``body`` the exact bytes to POST, ``headers`` the exact headers to send (the client sets
    ``Content-Type`` and, when configured, ``Accept``).
    """

    url: str
    body: bytes
    headers: Mapping[str, str]
    timeout: float


@dataclass(frozen=True, slots=True)
class TransportResponse:
    """What came back, before any verification: any status, the whole body, the headers."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Transport(Protocol):
    """A blocking transport (used by :class:`c2p_action.Client`); see the module contract."""

    def send(self, request: TransportRequest) -> TransportResponse:
        """POST ``request`` and return the whole answer, or raise ``TransportError``."""
        ...

    def close(self) -> None:
        """Release pooled connections; safe to call twice."""
        ...


@runtime_checkable
class AsyncTransport(Protocol):
    """An asyncio transport (used by :class:`c2p_action.AsyncClient`); see the module contract."""

    async def asend(self, request: TransportRequest) -> TransportResponse:
        """POST ``request`` and return the whole answer, or raise ``TransportError``."""
        ...

    async def aclose(self) -> None:
        """Release pooled connections; safe to call twice."""
        ...


@dataclass(frozen=True, slots=True)
class TransportOptions:
    """What a transport factory is given when a client creates a transport by name.

    ``timeout`` is the default for the whole exchange (each request also carries its own,
    which wins); ``content_type`` is what the client sends as ``Content-Type``;
    ``max_connections`` bounds the pool; ``verify_tls`` is on unless a test turns it off
    explicitly; ``ca_file`` adds a CA bundle (PEM) instead of the system store;
    ``max_response_bytes`` is the largest answer body accepted.
    """

    timeout: float = 60.0
    content_type: str = "text/plain"
    max_connections: int = 10
    verify_tls: bool = True
    ca_file: str | None = None
    max_response_bytes: int = 1 << 20
