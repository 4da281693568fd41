"""The emulator over HTTP (aiohttp, the ``aiohttp`` extra) at 2C2P's real path.

Blocking work (RSA, SQLite, notification posts) runs in worker threads so the event loop keeps
accepting requests; the ledger serialises what must be serialised. A background task calls
:meth:`Emulator.process_due` every ``poll_interval`` seconds, which completes APM refunds (when
``apm_refund_delay`` is set) and delivers due notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Self

from c2p_action.emulator.core import ACTION_PATH
from c2p_action.errors import ConfigurationError, TransportError
from c2p_action.transports.base import TransportRequest

try:
    from aiohttp import web
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ConfigurationError(
        "the HTTP emulator needs aiohttp: pip install '2c2p-payment-action[aiohttp]'"
    ) from exc

if TYPE_CHECKING:
    from c2p_action.emulator.core import Emulator

__all__ = ["ACTION_PATH", "EMULATOR_KEY", "RunningServer", "create_app"]

EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator")
_log = logging.getLogger("c2p_action.emulator")


async def _action(request: web.Request) -> web.StreamResponse:
    emulator = request.app[EMULATOR_KEY]
    body = await request.read()
    try:
        answer = await emulator.ahandle(
            TransportRequest(str(request.url), body, dict(request.headers), timeout=0.0)
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


def create_app(emulator: Emulator, *, poll_interval: float = 0.5) -> web.Application:
    """An aiohttp application answering POSTs at :data:`ACTION_PATH` and every path of the
    emulator's other families."""
    app = web.Application()
    app[EMULATOR_KEY] = emulator
    for path in emulator.paths:
        app.router.add_post(path, _action)
    app.cleanup_ctx.append(_background(poll_interval))
    return app


class RunningServer:
    """An aiohttp application served from a background thread on an (ephemeral) local port.

    ``with emulator.start_server() as server: ... server.url ...``; also serves any other
    application (a notification receiver in a test, for example) at ``path``. With
    ``ssl_context`` (a server-side ``ssl.SSLContext`` holding the certificate) it serves HTTPS.
    """

    def __init__(
        self,
        app: web.Application,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        path: str = "",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.path = path
        self.ssl_context = ssl_context
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
        """``http://host:port`` (``https`` with TLS): what a client takes as its ``environment``."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

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
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self.ssl_context)
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
