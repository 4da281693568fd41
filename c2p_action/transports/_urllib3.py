"""The blocking transport (the sync client's default), on urllib3.

One ``PoolManager`` per transport, reused across calls. urllib3's own retries and redirects are
off: the client's retry policy decides, and a payment POST must never be replayed behind its
back. The request timeout is a deadline for the whole exchange (connect, TLS handshake, sending,
status line, headers and body), enforced by :mod:`c2p_action.transports._deadline`: a server
that trickles its answer a byte at a time cannot hold the caller past it.

With ``TransportOptions.proxy`` the pool is a ``ProxyManager``: ``https://`` goes through a
``CONNECT`` tunnel (basic credentials in ``Proxy-Authorization``, never in a URL urllib3 could
log), the gateway's TLS verified as without a proxy. Its connections are the deadline-aware
ones too, so connecting to the proxy and waiting for its answer to ``CONNECT`` count against
the same deadline.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import urllib3
from urllib3 import exceptions as u3

from c2p_action.errors import ConfigurationError, TransportError
from c2p_action.transports._deadline import WATCHDOG, Exchange, deadline, use_deadlines
from c2p_action.transports.base import (
    ProxyURL,
    TransportOptions,
    TransportRequest,
    TransportResponse,
)

__all__ = ["Urllib3Transport"]

_CHUNK = 64 * 1024
# http.client's words when a proxy answers CONNECT with anything but 200.
_TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (\d{3})")


def _host(url: str) -> str:
    """The URL's host for error messages; a URL that does not parse has none to name."""
    try:
        return urlsplit(url).netloc or "the endpoint"
    except ValueError:
        return "the endpoint"


def _proxy_failure(
    exc: u3.ProxyError, request: TransportRequest, proxy: ProxyURL
) -> TransportError:
    cause = exc.original_error
    refused = _TUNNEL_REFUSED.search(str(cause))
    if refused is not None:
        return proxy.refused(int(refused.group(1)))
    # NewConnectionError is a ConnectTimeoutError to urllib3: ask about it first.
    if not isinstance(cause, u3.NewConnectionError) and isinstance(
        cause, u3.TimeoutError | TimeoutError
    ):
        return timed_out(request)
    return proxy.unreachable()


def map_urllib3_error(
    exc: Exception, request: TransportRequest, proxy: ProxyURL | None = None
) -> TransportError:
    """Translate one urllib3 failure into the library's single transport error."""
    if isinstance(exc, u3.MaxRetryError) and isinstance(exc.reason, Exception):
        exc = exc.reason
    if isinstance(exc, u3.ProxyError) and proxy is not None:
        return _proxy_failure(exc, request, proxy)
    host = _host(request.url)
    if isinstance(exc, u3.SSLError):
        # A certificate problem does not heal by retrying.
        return TransportError(f"TLS handshake with {host} failed", retryable=False)
    if isinstance(exc, u3.NewConnectionError):
        return TransportError(f"could not connect to {host}", retryable=True)
    if isinstance(exc, u3.TimeoutError):
        return TransportError(f"{host} did not answer within {request.timeout:g}s", retryable=True)
    if isinstance(exc, u3.ProtocolError):
        return TransportError(f"connection to {host} broke mid-response", retryable=True)
    if isinstance(exc, u3.LocationValueError):
        return TransportError("endpoint URL is not usable", retryable=False)
    return TransportError(
        f"HTTP exchange with {host} failed: {type(exc).__name__}", retryable=False
    )


def _usable(url: str) -> bool:
    """Whether ``url`` is an ``http://`` or ``https://`` URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def timed_out(request: TransportRequest) -> TransportError:
    """The error for an exchange the deadline ended (retryable, like any timeout)."""
    host = _host(request.url)
    return TransportError(f"{host} did not answer within {request.timeout:g}s", retryable=True)


class Urllib3Transport:
    """A :class:`~c2p_action.transports.base.Transport` over a shared urllib3 pool.

    A ``pool`` of the caller's is made deadline-aware (its connection classes are replaced and
    the pools it already holds are closed) and is not closed by :meth:`close`; with a proxy in
    the options it must be a ``ProxyManager`` (anything else is refused, not used directly).
    """

    def __init__(
        self,
        options: TransportOptions | None = None,
        *,
        pool: urllib3.PoolManager | None = None,
    ) -> None:
        self._options = options or TransportOptions()
        self._owns_pool = pool is None
        self._proxy = self._options.proxy_url
        if (
            pool is not None
            and self._proxy is not None
            and not isinstance(pool, urllib3.ProxyManager)
        ):
            # Going around the configured proxy would be a silent change of egress.
            raise ConfigurationError(
                "options name a proxy but the pool given is not a urllib3.ProxyManager:"
                " pass one, or leave the pool to the transport"
            )
        self._pool = use_deadlines(pool or self._new_pool())

    def _new_pool(self) -> urllib3.PoolManager:
        tls: dict[str, Any] = {
            "cert_reqs": "CERT_REQUIRED" if self._options.verify_tls else "CERT_NONE",
            "ca_certs": self._options.ca_file,
        }
        if self._proxy is None:
            return urllib3.PoolManager(maxsize=self._options.max_connections, retries=False, **tls)
        return urllib3.ProxyManager(
            self._proxy.url,
            proxy_headers=self._proxy.headers,
            maxsize=self._options.max_connections,
            retries=False,
            **tls,
        )

    def __repr__(self) -> str:
        via = "" if self._proxy is None else f", proxy={self._proxy.address!r}"
        return f"Urllib3Transport(max_connections={self._options.max_connections}{via})"

    def send(self, request: TransportRequest) -> TransportResponse:
        """POST the body and read the whole answer before the request's deadline."""
        if not _usable(request.url):
            # Checked here, not left to urllib3: before 2.3 it only warns about a URL without
            # a scheme (a DeprecationWarning, an exception where warnings are errors).
            raise TransportError("endpoint URL is not usable", retryable=False)
        with deadline(request.timeout) as exchange:
            failure: TransportError | None = None
            try:
                response = self._pool.request(
                    "POST",
                    request.url,
                    body=request.body,
                    headers=dict(request.headers),
                    # Per socket operation; the deadline bounds the whole exchange.
                    timeout=urllib3.Timeout(connect=request.timeout, read=request.timeout),
                    retries=False,
                    redirect=False,
                    preload_content=False,
                )
            except (u3.HTTPError, OSError) as exc:
                failure = _failure(exc, request, exchange, self._proxy)
            if failure is not None:
                # Raised outside the except block: our error must not carry urllib3's exception
                # as its context, whose frames can hold a half-built response and its socket
                # until a garbage collection (a ResourceWarning, and a descriptor held).
                raise failure
            error: TransportError | None = None
            try:
                body = self._read_body(response)
            except (u3.HTTPError, OSError) as exc:
                error = _failure(exc, request, exchange)
            except TransportError as exc:  # over max_response_bytes
                error = exc
            # After finish() the watchdog leaves the socket alone, so it may be pooled again.
            if WATCHDOG.finish(exchange):
                error = timed_out(request)  # the socket was shut down: the body may be cut short
            if error is not None:
                response.close()  # half-read or shut down: never back into the pool
            response.release_conn()
            if error is not None:
                raise error
        return TransportResponse(response.status, body, dict(response.headers))

    def _read_body(self, response: urllib3.BaseHTTPResponse) -> bytes:
        limit = self._options.max_response_bytes
        parts: list[bytes] = []
        size = 0
        while chunk := response.read1(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise TransportError(f"response larger than {limit} bytes", retryable=False)
            parts.append(chunk)
        return b"".join(parts)

    def close(self) -> None:
        """Close pooled connections (only when this transport created the pool)."""
        if self._owns_pool:
            self._pool.clear()


def _failure(
    exc: Exception, request: TransportRequest, exchange: Exchange, proxy: ProxyURL | None = None
) -> TransportError:
    """The error to report: a timeout when the deadline ended the exchange, else the mapping."""
    if WATCHDOG.finish(exchange):
        return timed_out(request)
    if isinstance(exc, u3.HTTPError):
        return map_urllib3_error(exc, request, proxy)
    # An OSError urllib3 did not wrap (rare): the connection broke.
    host = _host(request.url)
    return TransportError(f"connection to {host} broke mid-response", retryable=True)
