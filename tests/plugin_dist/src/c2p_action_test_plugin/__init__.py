"""A third-party plugin: the ``stdlib-http`` transport on ``http.client`` (sync and async)."""

from __future__ import annotations

import asyncio
import http.client
from urllib.parse import urlsplit

from c2p_action.errors import TransportError
from c2p_action.plugins import hookimpl
from c2p_action.plugins.hookspecs import RegisterTransport
from c2p_action.transports import TransportOptions, TransportRequest, TransportResponse


class StdlibHttpTransport:
    """One connection per request; enough to prove the plugin path, not for production."""

    def __init__(self, options: TransportOptions) -> None:
        self.options = options

    def send(self, request: TransportRequest) -> TransportResponse:
        """POST with http.client."""
        parts = urlsplit(request.url)
        connection = http.client.HTTPConnection(
            parts.hostname or "", parts.port, timeout=request.timeout
        )
        try:
            connection.request("POST", parts.path, body=request.body, headers=dict(request.headers))
            response = connection.getresponse()
            return TransportResponse(response.status, response.read(), dict(response.getheaders()))
        except OSError as exc:
            failure = type(exc).__name__
            raise TransportError(f"stdlib-http failed: {failure}", retryable=True) from None
        finally:
            connection.close()

    async def asend(self, request: TransportRequest) -> TransportResponse:
        """The same, in a worker thread."""
        return await asyncio.to_thread(self.send, request)

    def close(self) -> None:
        """Nothing pooled."""

    async def aclose(self) -> None:
        """Nothing pooled."""


@hookimpl
def register_transports(register: RegisterTransport) -> None:
    """Offer ``stdlib-http`` to both clients."""
    register("stdlib-http", sync_factory=StdlibHttpTransport, async_factory=StdlibHttpTransport)
