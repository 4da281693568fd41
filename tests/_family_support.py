"""Drive one client in each of its four ways against the emulator (this module holds no tests).

``Driver(mode, ...)`` builds the client of ``mode`` and ``driver.do(fn)`` runs ``fn(client)``,
awaiting the result for the asyncio client (on one event loop per driver, so its transport's
session stays on the loop it was created on):

- ``sync-inprocess`` / ``async-inprocess``: ``InProcessTransport(emulator.handle)`` /
  ``InProcessTransport(emulator.ahandle)``;
- ``sync-urllib3`` / ``async-aiohttp``: real HTTP to ``emulator.start_server()`` on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.client import AsyncClient, Client, RetryPolicy
from c2p_action.emulator import Emulator
from c2p_action.plugins import PluginManager
from c2p_action.transports import InProcessTransport

MODES: Final = ("sync-inprocess", "async-inprocess", "sync-urllib3", "async-aiohttp")


class Driver:
    """One client of ``mode`` talking to ``emulator`` (``base_url``: its running server)."""

    def __init__(
        self,
        mode: str,
        emulator: Emulator,
        merchant_key: rsa.RSAPrivateKey,
        gateway_key: rsa.RSAPublicKey,
        base_url: str,
        *,
        merchant_id: str = "JT01",
        max_attempts: int = 3,
    ) -> None:
        self.mode = mode
        self.loop: asyncio.AbstractEventLoop | None = None
        options: dict[str, Any] = {
            "plugins": PluginManager(allow=()),
            "retry": RetryPolicy(max_attempts=max_attempts, backoff_base=0.0),
            "environment": base_url,
        }
        if mode == "sync-inprocess":
            options["transport"] = InProcessTransport(emulator.handle)
        elif mode == "async-inprocess":
            options["transport"] = InProcessTransport(emulator.ahandle)
        elif mode == "sync-urllib3":
            options["transport"] = "urllib3"
        elif mode == "async-aiohttp":
            options["transport"] = "aiohttp"
        else:
            raise ValueError(mode)
        if mode.startswith("async"):
            self.loop = asyncio.new_event_loop()
            self.client: Any = AsyncClient(merchant_id, merchant_key, gateway_key, **options)
        else:
            self.client = Client(merchant_id, merchant_key, gateway_key, **options)

    def do(self, call: Callable[[Any], Any]) -> Any:
        """``call(client)``, awaited when it returns an awaitable."""
        result = call(self.client)
        if inspect.isawaitable(result):
            assert self.loop is not None
            return self.loop.run_until_complete(result)
        return result

    def close(self) -> None:
        """Close the client (and the driver's event loop)."""
        if self.loop is not None:
            self.loop.run_until_complete(self.client.aclose())
            self.loop.close()
        else:
            self.client.close()
