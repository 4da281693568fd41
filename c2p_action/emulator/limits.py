"""Default bounds the HTTP emulator puts on slow clients (no aiohttp import: the CLI reads them).

See :mod:`c2p_action.emulator.server` for what each bound does.
"""

from __future__ import annotations

from typing import Final

__all__ = ["DEFAULT_BODY_TIMEOUT", "DEFAULT_HEADER_TIMEOUT", "DEFAULT_MAX_CONNECTIONS"]

DEFAULT_HEADER_TIMEOUT: Final = 30.0
"""Seconds a connection has to send a complete request head."""

DEFAULT_BODY_TIMEOUT: Final = 30.0
"""Seconds a request body has to arrive once its head did; a later one is answered 408."""

DEFAULT_MAX_CONNECTIONS: Final = 256
"""Connections served at once; a connection past the bound is answered 503 and closed."""
