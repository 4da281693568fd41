"""The asyncio transport (the async client's default), on aiohttp (extra ``[aiohttp]``).

One ``ClientSession`` per transport, created lazily inside the running loop on first use and
reused by every call; closed by :meth:`AiohttpTransport.aclose` unless the caller supplied it.
Redirects are not followed (a payment POST must not wander); TLS verification stays on.
With ``TransportOptions.proxy`` each request goes through it (``proxy=`` without credentials,
which go in ``Proxy-Authorization``); ``trust_env`` stays off, so proxy variables are never read.
"""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

from c2p_action.errors import ConfigurationError, TransportError
from c2p_action.transports.base import (
    ProxyURL,
    TransportOptions,
    TransportRequest,
    TransportResponse,
)

try:
    import aiohttp
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without aiohttp
    raise ConfigurationError(
        "the 'aiohttp' transport needs the optional dependency aiohttp: "
        "pip install '2c2p-payment-action[aiohttp]'"
    ) from exc

__all__ = ["AiohttpTransport"]


def _host(url: str) -> str:
    """The URL's host for error messages; a URL that does not parse has none to name."""
    try:
        return urlsplit(url).netloc or "the endpoint"
    except ValueError:
        return "the endpoint"


def map_aiohttp_error(
    exc: BaseException, request: TransportRequest, proxy: ProxyURL | None = None
) -> TransportError:
    """Translate one aiohttp (or asyncio timeout) failure into the single transport error."""
    host = _host(request.url)
    if isinstance(exc, TimeoutError):
        return TransportError(f"{host} did not answer within {request.timeout:g}s", retryable=True)
    if proxy is not None:
        if isinstance(exc, aiohttp.ClientHttpProxyError):
            return proxy.refused(exc.status)
        if isinstance(exc, aiohttp.ClientProxyConnectionError):
            return proxy.unreachable()
    if isinstance(exc, aiohttp.ClientSSLError):
        return TransportError(f"TLS handshake with {host} failed", retryable=False)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransportError(f"could not connect to {host}", retryable=True)
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ClientConnectionError):
        return TransportError(f"connection to {host} broke mid-response", retryable=True)
    if isinstance(exc, aiohttp.InvalidURL):
        return TransportError("endpoint URL is not usable", retryable=False)
    return TransportError(
        f"HTTP exchange with {host} failed: {type(exc).__name__}", retryable=False
    )


def _ssl_setting(options: TransportOptions) -> ssl.SSLContext | bool:
    if not options.verify_tls:
        return False
    if options.ca_file:
        return ssl.create_default_context(cafile=options.ca_file)
    return True


class AiohttpTransport:
    """An :class:`~c2p_action.transports.base.AsyncTransport` over one reused aiohttp session."""

    def __init__(
        self,
        options: TransportOptions | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._options = options or TransportOptions()
        self._session = session
        self._owns_session = session is None
        self._proxy = self._options.proxy_url
        # A header, not aiohttp.BasicAuth (deprecated in aiohttp 3.14), sent to the proxy only.
        self._proxy_headers = None if self._proxy is None else self._proxy.headers

    def __repr__(self) -> str:
        via = "" if self._proxy is None else f", proxy={self._proxy.address!r}"
        return f"AiohttpTransport(max_connections={self._options.max_connections}{via})"

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._options.max_connections, ssl=_ssl_setting(self._options)
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self._options.timeout),
            )
        return self._session

    async def asend(self, request: TransportRequest) -> TransportResponse:
        """POST the body and read the whole answer before the request's deadline."""
        session = self._get_session()
        try:
            async with asyncio.timeout(request.timeout):
                async with session.post(
                    request.url,
                    data=request.body,
                    headers=dict(request.headers),
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=request.timeout),
                    proxy=None if self._proxy is None else self._proxy.url,
                    proxy_headers=self._proxy_headers,
                ) as response:
                    body = await self._read_body(response)
                    return TransportResponse(response.status, body, dict(response.headers))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise map_aiohttp_error(exc, request, self._proxy) from None
        except ValueError:
            # yarl refuses a URL that does not parse (an unclosed IPv6 bracket...).
            raise TransportError("endpoint URL is not usable", retryable=False) from None

    async def _read_body(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self._options.max_response_bytes
        parts: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > limit:
                response.close()
                raise TransportError(f"response larger than {limit} bytes", retryable=False)
            parts.append(chunk)
        return b"".join(parts)

    async def aclose(self) -> None:
        """Close the session (only when this transport created it)."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None
