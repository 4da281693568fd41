"""The emulator over HTTP (aiohttp, the ``aiohttp`` extra) at 2C2P's real path.

Blocking work (RSA, SQLite, notification posts) runs in worker threads so the event loop keeps
accepting requests; the ledger serialises what must be serialised. A background task calls
:meth:`Emulator.process_due` every ``poll_interval`` seconds, which completes APM refunds (when
``apm_refund_delay`` is set) and delivers due notifications.

Slow or malformed clients get a 4xx, never a 500 and never a connection held forever: request
heads must arrive within ``header_timeout`` seconds (of the connection opening, or of the
previous answer on a kept-alive one), bodies within ``body_timeout`` of their head, and beyond
``max_connections`` open connections a new one is answered 503 and closed. A body its
``Content-Encoding`` cannot decode is a 400.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Self

from c2p_action.emulator.core import ACTION_PATH
from c2p_action.emulator.limits import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
)
from c2p_action.errors import ConfigurationError, TransportError
from c2p_action.transports.base import TransportRequest

try:
    from aiohttp import web
    from aiohttp.web_protocol import RequestPayloadError
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ConfigurationError(
        "the HTTP emulator needs aiohttp: pip install '2c2p-payment-action[aiohttp]'"
    ) from exc

from c2p_action.emulator.control import add_control_routes

if TYPE_CHECKING:
    from c2p_action.emulator.core import Emulator

__all__ = [
    "ACTION_PATH",
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_HEADER_TIMEOUT",
    "DEFAULT_MAX_CONNECTIONS",
    "EMULATOR_KEY",
    "RunningServer",
    "create_app",
]

EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator")
_log = logging.getLogger("c2p_action.emulator")

# -- slow and malformed clients (see the module docstring) ------------------------------------

_BODY_TIMEOUT_KEY: web.AppKey[float | None] = web.AppKey("body_timeout")
_OVERLOADED = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n"
    b"Connection: close\r\n\r\ntoo many connections\r\n"
)


def _refusal(status: int, reason: str) -> web.Response:
    response = web.Response(status=status, text=reason + "\n")
    response.force_close()  # whatever is left of this request is not read
    return response


async def _read_body(request: web.Request) -> bytes | web.Response:
    """The request body, or the 4xx answer when it cannot be had."""
    try:
        async with asyncio.timeout(request.app[_BODY_TIMEOUT_KEY]):
            return await request.read()
    except TimeoutError:
        return _refusal(408, "request body not received in time")
    except RequestPayloadError:
        # A body its Content-Encoding cannot decode (gzip that is not gzip), or broken chunking.
        return _refusal(400, "request body could not be read")


class _Counted(asyncio.Protocol):
    """aiohttp's protocol for one connection, wrapped to count the open connections."""

    __slots__ = ("_inner", "_site")

    def __init__(self, inner: asyncio.Protocol, site: _LimitedSite) -> None:
        self._inner = inner
        self._site = site

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._site.open_connections -= 1
        self._inner.connection_lost(exc)


class _Overloaded(asyncio.Protocol):
    """Answers 503 and closes: the connection limit is reached."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(_OVERLOADED)
        transport.close()


class _LimitedSite(web.BaseSite):
    """A TCP site that serves at most ``limit`` connections at once."""

    __slots__ = ("_host", "_limit", "_port", "open_connections")

    def __init__(self, runner: web.BaseRunner, host: str, port: int, limit: int) -> None:
        super().__init__(runner)
        self._host, self._port, self._limit = host, port, limit
        self.open_connections = 0

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    def _protocol(self) -> asyncio.Protocol:
        if self.open_connections >= self._limit:
            return _Overloaded()
        self.open_connections += 1  # counted from here: connection_made comes a little later
        server = self._runner.server
        assert server is not None
        return _Counted(server(), self)

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, self._host, self._port)


# -- the application --------------------------------------------------------------------------


async def _action(request: web.Request) -> web.StreamResponse:
    emulator = request.app[EMULATOR_KEY]
    body = await _read_body(request)
    if isinstance(body, web.Response):
        return body
    try:
        answer = await emulator.ahandle(
            # The path, not request.url: that parses the Host header, which may be anything.
            TransportRequest(request.path_qs, body, dict(request.headers), timeout=0.0)
        )
    except TransportError:
        # The drop_after_commit fault: the action is committed, the client gets no answer.
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=200)
    return web.Response(status=answer.status, body=answer.body, headers=dict(answer.headers))


def _background(poll_interval: float) -> Callable[[web.Application], AsyncIterator[None]]:
    async def poll(app: web.Application) -> None:
        emulator = app[EMULATOR_KEY]
        while True:
            await asyncio.sleep(poll_interval)
            try:
                await asyncio.to_thread(emulator.process_due)
            except Exception:  # keep serving; the outbox keeps what was not delivered
                _log.exception("processing due refunds and notifications failed")

    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(poll(app))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context


def create_app(
    emulator: Emulator,
    *,
    poll_interval: float = 0.5,
    control: bool = True,
    body_timeout: float | None = None,
) -> web.Application:
    """An aiohttp application answering POSTs at :data:`ACTION_PATH` and every path of the
    emulator's other families, with the control endpoint (:mod:`c2p_action.emulator.control`)
    unless ``control`` is false.

    ``body_timeout``: seconds to receive a request body after its head (``None``: no limit);
    a body later than that is answered 408.
    """
    app = web.Application()
    app[EMULATOR_KEY] = emulator
    app[_BODY_TIMEOUT_KEY] = body_timeout
    for path in emulator.paths:
        app.router.add_post(path, _action)
    if control:
        add_control_routes(app, emulator)
    app.cleanup_ctx.append(_background(poll_interval))
    return app


class RunningServer:
    """An aiohttp application served from a background thread on an (ephemeral) local port.

    ``with emulator.start_server() as server: ... server.url ...``; also serves any other
    application (a notification receiver in a test, for example) at ``path``.

    ``header_timeout`` is the time a connection may take to send a complete request head
    (``None``: aiohttp's keep-alive default); ``max_connections`` bounds the connections served
    at once (``None``: no bound), and a connection past it is answered 503 and closed.
    """

    def __init__(
        self,
        app: web.Application,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        path: str = "",
        header_timeout: float | None = None,
        max_connections: int | None = None,
    ) -> None:
        if header_timeout is not None and not header_timeout > 0:
            raise ConfigurationError(f"header_timeout must be positive, not {header_timeout}")
        if max_connections is not None and max_connections < 1:
            raise ConfigurationError(f"max_connections must be at least 1, not {max_connections}")
        self.app = app
        self.host = host
        self.port = port
        self.path = path
        self.header_timeout = header_timeout
        self.max_connections = max_connections
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="c2p-server", daemon=True)

    @property
    def url(self) -> str:
        """The URL of ``path`` on this server."""
        return f"{self.base_url}{self.path}"

    @property
    def base_url(self) -> str:
        """``http://host:port``: what a client takes as its ``environment``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        """Start serving (once); returns when the port is bound."""
        if not self._thread.is_alive() and not self._ready.is_set():
            self._thread.start()
        self._ready.wait()
        if self._error is not None:
            where = f"{self.host}:{self.port}"
            raise ConfigurationError(f"server could not start on {where}: {self._error}")
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start())
        except OSError as exc:
            self._error = exc
        self._ready.set()
        if self._error is None:
            self._loop.run_forever()
        # Also after a failed bind: the application's background tasks already started.
        self._loop.run_until_complete(self._stop())
        self._loop.close()

    async def _start(self) -> None:
        # No lingering: after an early answer (400, 408...) aiohttp would otherwise go on
        # reading the unread body for 10 s, one more window for a slow client.
        options: dict[str, Any] = {"lingering_time": 0.0}
        if self.header_timeout is not None:
            # aiohttp closes a connection that has not sent a whole request head this long
            # after it opened (or after the previous answer): the slow-loris bound.
            options["keepalive_timeout"] = self.header_timeout
        self._runner = web.AppRunner(self.app, access_log=None, **options)
        await self._runner.setup()
        site: web.BaseSite
        if self.max_connections is None:
            site = web.TCPSite(self._runner, self.host, self.port)
        else:
            site = _LimitedSite(self._runner, self.host, self.port, self.max_connections)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        """Stop serving and wait for the thread to end (an emulator's ledger stays open)."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
