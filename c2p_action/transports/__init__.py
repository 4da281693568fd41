"""Transports: move a prepared request to the gateway and bring the answer back.

The built-ins are registered by name through the plugin hooks (``"urllib3"``, ``"aiohttp"``);
:class:`InProcessTransport` is constructed directly with a handler. ``Urllib3Transport`` and
``AiohttpTransport`` are importable from their private modules for callers who want to pass a
pool or session of their own; aiohttp is an optional extra, so it is not imported here.
"""

from c2p_action.transports.base import (
    AsyncTransport,
    ProxyURL,
    Transport,
    TransportOptions,
    TransportRequest,
    TransportResponse,
)
from c2p_action.transports.inprocess import Handler, InProcessTransport

__all__ = [
    "AsyncTransport",
    "Handler",
    "InProcessTransport",
    "ProxyURL",
    "Transport",
    "TransportOptions",
    "TransportRequest",
    "TransportResponse",
]
