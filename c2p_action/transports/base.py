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

Proxy
    With ``TransportOptions.proxy`` (an ``http://[user:password@]host:port`` URL, parsed by
    :class:`ProxyURL`), every exchange goes through that HTTP proxy: ``https://`` URLs through
    a ``CONNECT`` tunnel, with the same TLS verification of the gateway and the same deadline
    (connecting to the proxy and its answer to ``CONNECT`` included). Proxy variables
    (``HTTPS_PROXY``, ``NO_PROXY``) are never read: a payment library's egress is explicit. A
    transport that cannot use a proxy must refuse options that name one
    (``ConfigurationError``), never connect directly instead. Not reaching the proxy is
    retryable; the proxy refusing the tunnel (407, 403, 502 ...) is not, and the error names
    its status. No message, repr or log shows the proxy's password.

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

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit

from c2p_action.errors import ConfigurationError, TransportError


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
    ``max_response_bytes`` is the largest answer body accepted; ``proxy`` is the HTTP proxy
    to go through (``http://[user:password@]host:port``, checked here; ``None``: connect
    directly), shown in the repr with its password masked.
    """

    timeout: float = 60.0
    content_type: str = "text/plain"
    max_connections: int = 10
    verify_tls: bool = True
    ca_file: str | None = None
    max_response_bytes: int = 1 << 20
    proxy: str | None = None

    def __post_init__(self) -> None:
        if self.proxy is not None:
            ProxyURL.parse(self.proxy)

    def __repr__(self) -> str:
        proxy = None if self.proxy is None else ProxyURL.parse(self.proxy).masked
        return (
            f"TransportOptions(timeout={self.timeout!r}, content_type={self.content_type!r},"
            f" max_connections={self.max_connections!r}, verify_tls={self.verify_tls!r},"
            f" ca_file={self.ca_file!r}, max_response_bytes={self.max_response_bytes!r},"
            f" proxy={proxy!r})"
        )

    @property
    def proxy_url(self) -> ProxyURL | None:
        """The parsed :attr:`proxy`, or ``None`` to connect directly."""
        return None if self.proxy is None else ProxyURL.parse(self.proxy)


_PROXY_RULE = "proxy must be an http://[user:password@]host:port URL"


@dataclass(frozen=True, slots=True)
class ProxyURL:
    """An HTTP proxy, parsed from ``http://[user:password@]host:port``.

    ``url`` is the proxy without credentials (what a library connects to), ``address`` its
    ``host:port`` (what messages name), ``masked`` the URL with the password as ``***``;
    :attr:`authorization` is the ``Proxy-Authorization`` value when credentials are given.
    The password is kept out of the repr.
    """

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str) -> ProxyURL:
        """Parse ``url``; ``ConfigurationError`` naming the rule (never the password) if unfit.

        Only ``http://`` proxies (a ``CONNECT`` tunnel carries the TLS to the gateway), with
        a host and an explicit port, and nothing else: no path, query or fragment.
        """
        if not isinstance(url, str):
            raise ConfigurationError(f"{_PROXY_RULE} (a string)")
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise ConfigurationError(f"{_PROXY_RULE} (this one does not parse)") from None
        if parts.scheme.lower() != "http":
            scheme = f"{parts.scheme}://" if parts.scheme else "no scheme"
            raise ConfigurationError(
                f"{_PROXY_RULE}: {scheme} is not supported (only http://; the TLS to the"
                " gateway goes through its CONNECT tunnel)"
            )
        if not parts.hostname:
            raise ConfigurationError(f"{_PROXY_RULE} (it names no host)")
        if port is None:
            raise ConfigurationError(f"{_PROXY_RULE} (it names no port)")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ConfigurationError(f"{_PROXY_RULE} (no path, query or fragment)")
        username = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(parts.hostname, port, username, password)

    @property
    def address(self) -> str:
        """``host:port`` (IPv6 hosts in brackets): safe to show."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """``http://host:port``, without credentials."""
        return f"http://{self.address}"

    @property
    def masked(self) -> str:
        """The URL as configured, with the password replaced by ``***``: safe to show."""
        if self.username is None:
            return self.url
        secret = ":***" if self.password is not None else ""
        return f"http://{self.username}{secret}@{self.address}"

    @property
    def authorization(self) -> str | None:
        """The ``Proxy-Authorization`` header value (basic), or ``None`` without credentials.

        UTF-8, as RFC 7617 allows (urllib3's ``make_headers`` encodes Latin-1 and raises on
        any other character).
        """
        if self.username is None:
            return None
        credentials = f"{self.username}:{self.password or ''}".encode()
        return "Basic " + base64.b64encode(credentials).decode("ascii")

    @property
    def headers(self) -> dict[str, str]:
        """The headers to send the proxy with ``CONNECT``: ``Proxy-Authorization``, if any."""
        authorization = self.authorization
        return {} if authorization is None else {"Proxy-Authorization": authorization}

    def unreachable(self) -> TransportError:
        """The error for a proxy that cannot be reached (retryable)."""
        return TransportError(f"could not connect to proxy {self.address}", retryable=True)

    def refused(self, status: int) -> TransportError:
        """The error for a proxy that answered ``CONNECT`` with ``status`` (not retryable)."""
        if status == 407:
            return TransportError(
                f"proxy {self.address} refused the tunnel (HTTP 407): proxy authentication"
                " failed, check the proxy's user and password",
                retryable=False,
            )
        return TransportError(
            f"proxy {self.address} refused the tunnel (HTTP {status})", retryable=False
        )
